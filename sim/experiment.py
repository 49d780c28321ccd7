"""Replications of a scenario: seeding, per-replication metrics, and their summary.

Seeding: one root ``SeedSequence(seed)`` per command; replication k uses its
k-th spawned child, whatever the number of replications or the policy, and
inside a replication each random stream is derived from that child by name
(see ``sim.model.streams``).  Replication k of every policy therefore sees the
same issues, which makes policy differences paired (common random numbers).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from sim.metrics import compute_metrics
from sim.model import Records, simulate
from sim.model.streams import replication_seeds
from sim.scenario import Scenario


@dataclass(frozen=True)
class MetricSummary:
    mean: float
    std: float
    ci95: tuple[float, float]
    n: int

    def to_dict(self) -> dict:
        clean = lambda x: None if x is None or not math.isfinite(x) else float(x)  # noqa: E731
        return {"mean": clean(self.mean), "std": clean(self.std), "ci95": [clean(self.ci95[0]), clean(self.ci95[1])], "n": self.n}


def summarize(values: list[float] | np.ndarray) -> MetricSummary:
    """Mean, sample standard deviation and Student-t 95% confidence interval (nan-safe)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return MetricSummary(math.nan, math.nan, (math.nan, math.nan), 0)
    mean = float(x.mean())
    if n == 1:
        return MetricSummary(mean, math.nan, (math.nan, math.nan), 1)
    std = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.975, n - 1) * std / math.sqrt(n))
    return MetricSummary(mean, std, (mean - half, mean + half), n)


@dataclass
class Replication:
    index: int
    spawn_key: tuple[int, ...]
    metrics: dict[str, float]
    wartime: list[tuple[float, float]]  # (start, end) hours of each wartime period
    records: Records | None = field(default=None, repr=False)


def run_replication(scenario: Scenario, seeds: np.random.SeedSequence, index: int,
                    keep_records: bool = False) -> Replication:
    rec = simulate(scenario, seeds)
    wartime = [(float(a), float(b)) for a, b in rec.wartime]
    return Replication(index, tuple(seeds.spawn_key), compute_metrics(rec), wartime, rec if keep_records else None)


def run_replications(scenario: Scenario, replications: int, seed: int, keep_records: bool = False,
                     on_done: Callable[[Replication], None] | None = None) -> Iterator[Replication]:
    """Run replications 0..n-1 one after another, yielding each as it finishes."""
    for k, ss in enumerate(replication_seeds(seed, replications)):
        rep = run_replication(scenario, ss, k, keep_records)
        if on_done:
            on_done(rep)
        yield rep


def summarize_replications(reps: list[Replication]) -> dict[str, MetricSummary]:
    names: list[str] = []
    for rep in reps:
        names += [n for n in rep.metrics if n not in names]
    return {n: summarize([rep.metrics.get(n, math.nan) for rep in reps]) for n in names}
