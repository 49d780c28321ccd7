"""Summaries over replications: means, Student-t confidence intervals, paired differences, precision."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from sim.experiments.runs import RunOutcome


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
