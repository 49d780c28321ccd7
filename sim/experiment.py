"""Experiments: runs (one replication of one scenario variant), their execution and summaries.

Seeding: one root ``SeedSequence(seed)`` per command.  Replication k of every
variant (policy or sweep point) uses ``SeedSequence(seed, spawn_key=(k,))``,
the k-th child of the root, whatever the number of replications; inside it
every random stream is derived by name (``sim.model.streams``).  So
replication k of every variant sees the same issues: common random numbers,
and policy differences are paired.  Numbers do not depend on the executor,
the number of workers or the order in which runs finish.
"""

from __future__ import annotations

import math
import os
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.metrics import compute_metrics, mser5_truncation_days, run_series, wartime_periods
from sim.model import simulate
from sim.scenario import Scenario

# Fault injection for the tests of failure handling: the run with this key raises.
FAIL_ENV = "GRIDSIM_FAIL_RUN"


@dataclass(frozen=True)
class MetricSummary:
    mean: float
    std: float
    ci95: tuple[float, float]
    n: int

    @property
    def half_width(self) -> float:
        return (self.ci95[1] - self.ci95[0]) / 2

    def to_dict(self) -> dict:
        clean = lambda x: None if x is None or not math.isfinite(x) else float(x)  # noqa: E731
        return {"mean": clean(self.mean), "std": clean(self.std), "ci95": [clean(self.ci95[0]), clean(self.ci95[1])], "n": self.n}


def summarize(values: Iterable[float]) -> MetricSummary:
    """Mean, sample standard deviation and Student-t 95% confidence interval (NaNs dropped)."""
    x = np.asarray(list(values), dtype=float)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return MetricSummary(math.nan, math.nan, (math.nan, math.nan), 0)
    mean = float(x.mean())
    if n == 1:
        return MetricSummary(mean, math.nan, (math.nan, math.nan), 1)
    from scipy import stats  # here, not at the top: workers never summarize, and it costs 0.7 s to import

    std = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.975, n - 1) * std / math.sqrt(n))
    return MetricSummary(mean, std, (mean - half, mean + half), n)


def replication_seed(seed: int, k: int) -> np.random.SeedSequence:
    """Replication k's SeedSequence: the k-th child of SeedSequence(seed)."""
    return np.random.SeedSequence(seed, spawn_key=(k,))


def seed_sequence_text(seed: int, k: int) -> str:
    """Replication k's seed as Python: ``simulate(scenario, <this>)`` reproduces that one run alone."""
    return f"SeedSequence({seed}, spawn_key=({k},))"


@dataclass(frozen=True)
class RunTask:
    """One replication of one variant: everything a worker needs, and picklable."""

    variant: str  # policy name or sweep point id
    replication: int
    seed: int
    scenario: Scenario
    records_dir: str | None = None  # where to write this run's per-issue Parquet, if asked
    series: bool = False  # keep the run's series for figures (run and compare, not big sweeps)

    @property
    def key(self) -> str:
        return f"{self.variant}/r{self.replication:04d}"


@dataclass
class RunOutcome:
    variant: str
    replication: int
    seed: int
    metrics: dict[str, float] | None  # None when the run failed
    wartime: list[tuple[float, float]] = field(default_factory=list)
    warmup_needed_days: float = math.nan  # MSER-5 truncation point of the daily backlog
    error: str | None = None
    wall_seconds: float = 0.0
    series: dict[str, list[float]] | None = field(default=None, repr=False)

    @property
    def key(self) -> str:
        return f"{self.variant}/r{self.replication:04d}"

    @property
    def ok(self) -> bool:
        return self.error is None


def execute(task: RunTask) -> RunOutcome:
    """Run one task in whatever process the executor chose; never raises for a model error."""
    t0 = time.perf_counter()
    try:
        if os.environ.get(FAIL_ENV) == task.key:
            raise RuntimeError(f"injected failure ({FAIL_ENV}={task.key})")
        rec = simulate(task.scenario, replication_seed(task.seed, task.replication))
        if task.records_dir:
            from sim.results import records_parquet

            records_parquet(rec, Path(task.records_dir) / f"{task.variant}-r{task.replication:04d}.parquet")
        return RunOutcome(
            task.variant, task.replication, task.seed, compute_metrics(rec),
            wartime_periods(rec), mser5_truncation_days(rec),
            wall_seconds=time.perf_counter() - t0, series=run_series(rec) if task.series else None,
        )
    except Exception as e:  # recorded with the run's parameters; the others go on
        return RunOutcome(task.variant, task.replication, task.seed, None,
                          error=f"{type(e).__name__}: {e}\n{traceback.format_exc()}",
                          wall_seconds=time.perf_counter() - t0)


def execute_runs(tasks: list[RunTask], executor: Executor, on_done: Callable[[RunOutcome], None],
                 slots: int = 1) -> None:
    """Submit ``tasks`` to ``executor`` and hand each outcome to ``on_done`` as it finishes.

    At most two runs per slot (worker) are in flight, so memory stays flat however
    long the list, every worker always has its next run queued, and a Ctrl-C
    loses only the runs in flight.
    """
    todo = deque(tasks)
    window = 2 * max(1, slots)
    running: dict[Future, RunTask] = {}
    try:
        while todo or running:
            while todo and len(running) < window:
                task = todo.popleft()
                running[executor.submit(execute, task)] = task
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in finished:
                task = running.pop(fut)
                try:
                    outcome = fut.result()
                except Exception as e:  # the worker itself died (killed, out of memory, lost node)
                    outcome = RunOutcome(task.variant, task.replication, task.seed, None,
                                         error=f"worker failed: {type(e).__name__}: {e}")
                on_done(outcome)
    finally:
        for fut in running:
            fut.cancel()


def summarize_metrics(outcomes: Iterable[RunOutcome]) -> dict[str, MetricSummary]:
    """Per metric, the summary over the successful outcomes given (one variant's)."""
    rows = [o.metrics for o in outcomes if o.metrics is not None]
    names: list[str] = []
    for m in rows:
        names += [n for n in m if n not in names]
    return {n: summarize(m.get(n, math.nan) for m in rows) for n in names}


def paired_differences(base: list[RunOutcome], other: list[RunOutcome]) -> dict[str, MetricSummary]:
    """Per metric, the summary of (other - base) over the replications both have: a paired CI."""
    by_rep = {o.replication: o.metrics for o in base if o.metrics is not None}
    pairs = [(by_rep[o.replication], o.metrics) for o in other
             if o.metrics is not None and o.replication in by_rep]
    names = [n for n in (pairs[0][0] if pairs else {}) if all(n in b and n in a for b, a in pairs)]
    return {n: summarize(a[n] - b[n] for b, a in pairs) for n in names}


def precision_reached(summaries: Iterable[dict[str, MetricSummary]], metric: str, precision: float) -> bool:
    """Whether the CI half-width of ``metric`` is within ``precision`` x |mean| for every variant."""
    for s in summaries:
        m = s.get(metric)
        if m is None or m.n < 2 or not math.isfinite(m.half_width):
            return False
        if m.half_width > precision * abs(m.mean):
            return False
    return True


def next_replications(current: int, summaries: list[dict[str, MetricSummary]], metric: str,
                      precision: float, cap: int) -> int:
    """How many replications should reach the precision, from the half-widths so far (n ~ 1/hw^2)."""
    worst = 1.0
    for s in summaries:
        m = s.get(metric)
        if m is not None and m.n >= 2 and math.isfinite(m.half_width) and m.mean:
            worst = max(worst, (m.half_width / (precision * abs(m.mean))) ** 2)
    return int(min(cap, max(current + 1, math.ceil(current * worst * 1.1))))


def variant_outcomes(outcomes: Iterable[RunOutcome], variant: str) -> list[RunOutcome]:
    return sorted((o for o in outcomes if o.variant == variant), key=lambda o: o.replication)


def metric_names(outcomes: Iterable[RunOutcome]) -> list[str]:
    names: list[str] = []
    for o in outcomes:
        if o.metrics:
            names += [n for n in o.metrics if n not in names]
    return names


def as_row(o: RunOutcome) -> dict[str, Any]:
    return {"variant": o.variant, "replication": o.replication, **(o.metrics or {})}
