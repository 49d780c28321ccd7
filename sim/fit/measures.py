"""What ``gridsim check`` sets side by side: one set of orders (the records, or one simulated replication's
export) reduced to its measures, and a records value judged against the simulated replications.

A records value is one realisation, so it is judged against the spread of single replications, not
against the CI of their mean: it is consistent when it lies in the 95% prediction interval
mean ± t(0.975, n-1) · sd · √(1 + 1/n) of the n simulated values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy import stats

from sim.fit.rows import LEVELS, Orders

QUANTILES = (0.5, 0.9)
MIN_CLOSED = 5  # fewer closed orders than this (in the records, or in a replication): no time measures


@dataclass(frozen=True)
class Period:
    """The records' period: whole days from the first report's day to the last report's, in hours from
    ``start``; open orders are censored at ``export`` (hours from ``start``)."""
    start: datetime
    days: int
    export: float

    @property
    def weeks(self) -> float:
        return self.days / 7


def period_of(o: Orders) -> Period:
    return Period(o.origin, int(math.floor(float(o.reported.max()) / 24)) + 1, o.export)


@dataclass(frozen=True)
class Reduced:
    """One set of orders as check compares them: by the type's name in the records."""
    weekly: dict[str, float]  # orders per week
    weekly_series: dict[str, list[int]]
    grids: dict[str, float]  # orders per week
    shares: dict[str, dict[str, float]]  # type -> level -> share of the orders with a level
    durations: dict[tuple[str, str], np.ndarray]  # (type, level) -> closed orders' report-to-resolution hours


def reduce(o: Orders, p: Period) -> Reduced:
    """The measures of ``o`` over the period ``p`` (orders reported outside it are left out)."""
    shift = (o.origin - p.start).total_seconds() / 3600
    rep = o.reported + shift
    inside = (rep >= 0) & (rep < p.days * 24)
    types, grids, levels = (np.asarray(x, dtype=object) for x in (o.type, o.grid, o.level))
    weeks = np.floor(rep / 168).astype(int)
    n_weeks = math.ceil(p.days / 7)
    out = Reduced({}, {}, {}, {}, {})
    for name in sorted(set(types[inside])):
        sel = inside & (types == name)
        out.weekly[name] = sel.sum() / p.weeks
        out.weekly_series[name] = np.bincount(weeks[sel], minlength=n_weeks)[:n_weeks].tolist()
        known = sel & (levels != "")
        out.shares[name] = {lv: float((known & (levels == lv)).sum() / max(known.sum(), 1)) for lv in LEVELS}
        for lv in LEVELS:
            closed = known & (levels == lv) & ~np.isnan(o.resolved)
            if closed.any():
                out.durations[(name, lv)] = o.resolved[closed] - o.reported[closed]
    for g in sorted(set(grids[inside])):
        out.grids[g] = (inside & (grids == g)).sum() / p.weeks
    return out


@dataclass(frozen=True)
class Judged:
    records: float
    mean: float
    ci95: list[float]  # of the simulated mean (Student t)
    range95: list[float]  # where 95% of single replications fall (prediction interval)
    n: int

    @property
    def consistent(self) -> bool:
        return self.range95[0] - 1e-12 <= self.records <= self.range95[1] + 1e-12


def judge(records: float, simulated: list[float]) -> Judged:
    """The records value against n >= 2 simulated values (every measure is a count, a share or a time: the
    intervals stop at 0)."""
    x = np.asarray(simulated, dtype=float)
    n, m, s = len(x), float(x.mean()), float(x.std(ddof=1))
    t = float(stats.t.ppf(0.975, n - 1))
    half, spread = t * s / math.sqrt(n), t * s * math.sqrt(1 + 1 / n)
    return Judged(float(records), m, [max(m - half, 0.0), m + half], [max(m - spread, 0.0), m + spread], n)


def quantiles(hours: np.ndarray) -> list[float]:
    return [float(q) for q in np.quantile(hours, QUANTILES)]


def quantile_ci(hours: np.ndarray, q: float) -> list[float]:
    """A distribution-free 95% interval for the q-quantile of the sample's population: the order statistics
    whose ranks bound the Binomial(n, q) count below it."""
    x = np.sort(hours)
    n = len(x)
    lo = int(stats.binom.ppf(0.025, n, q))
    hi = int(stats.binom.ppf(0.975, n, q))
    return [float(x[max(lo - 1, 0)]), float(x[min(hi, n - 1)])]


def two_sample(records: np.ndarray, pooled: np.ndarray) -> dict[str, float]:
    """Kolmogorov-Smirnov between the records' closed durations and the pooled simulated ones."""
    res = stats.ks_2samp(records, pooled)
    return {"statistic": float(res.statistic), "p_value": float(res.pvalue)}


def qq(records: np.ndarray, pooled: np.ndarray, k: int = 19) -> dict[str, list[float]]:
    """Matching quantiles (5%, 10%, ..., 95%) of the two samples, for a QQ plot."""
    probs = np.linspace(0.05, 0.95, k)
    return {"records": np.quantile(records, probs).tolist(), "simulated": np.quantile(pooled, probs).tolist()}
