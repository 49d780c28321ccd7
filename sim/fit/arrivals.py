"""How many orders arrive: per week (per type, per grid) with a 95% CI, the weekday and hourly profiles,
and whether the weekly counts vary more than a Poisson stream's (over-dispersion).

The window runs from the first report to the last (not to the export: an export filtered by report date
holds resolutions long after its period).  The CI of a rate is Garwood's exact Poisson
interval, widened by the square root of the dispersion ratio when the weekly counts are over-dispersed
(quasi-Poisson): a district's weeks differ more than chance alone would make them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

WEEK = 168.0


@dataclass(frozen=True)
class Window:
    start: float  # hours since the orders' origin
    end: float
    weekday0: int  # weekday of the origin (Monday 0)

    @property
    def weeks(self) -> float:
        return max(self.end - self.start, 1.0) / WEEK


@dataclass(frozen=True)
class Dispersion:
    ratio: float  # variance / mean of the counts in whole weeks
    chi2: float  # (weeks - 1) * ratio, chi-square with weeks - 1 degrees of freedom under Poisson
    df: int
    p: float  # one-sided: the chance of a ratio this large from a Poisson stream


def dispersion(times: np.ndarray, w: Window) -> Dispersion | None:
    """Variance-to-mean ratio of the counts in whole weeks from the window's start, with its chi-square test."""
    k = int(w.weeks)
    if k < 3:
        return None
    counts = np.bincount(((times - w.start) // WEEK).astype(int), minlength=k)[:k]
    mean = counts.mean()
    if mean == 0:
        return None
    ratio = float(counts.var(ddof=1) / mean)
    chi2 = (k - 1) * ratio
    return Dispersion(ratio, chi2, k - 1, float(stats.chi2.sf(chi2, k - 1)))


def per_week(times: np.ndarray, w: Window, disp: Dispersion | None = None) -> dict[str, object]:
    """The mean count per week and its 95% CI (Garwood; quasi-Poisson when over-dispersed)."""
    n = len(times)
    lo = stats.chi2.ppf(0.025, 2 * n) / 2 if n else 0.0
    hi = stats.chi2.ppf(0.975, 2 * n + 2) / 2
    phi = math.sqrt(disp.ratio) if disp is not None and disp.ratio > 1 and disp.p < 0.05 else 1.0
    lo, hi = max(n - phi * (n - lo), 0.0), n + phi * (hi - n)
    return {"mean": n / w.weeks, "ci95": [float(lo) / w.weeks, float(hi) / w.weeks], "count": n}


def weekly_series(times: np.ndarray, w: Window) -> list[int]:
    """Counts in each whole week of the window (for the observed-vs-fitted figure)."""
    k = int(w.weeks)
    return np.bincount(((times - w.start) // WEEK).astype(int), minlength=k)[:k].tolist() if k else []


def profiles(times: np.ndarray, w: Window) -> dict[str, list[float]]:
    """Relative intensity by weekday (Monday first) and by hour of the day, each rescaled to mean 1 as the
    scenario's ``arrival_profile`` is: counts over the hours of that kind the window holds."""
    hours = np.arange(math.floor(w.start), math.ceil(w.end))
    out = {}
    for name, size, of in (("weekday", 7, lambda t: (w.weekday0 + t // 24) % 7), ("hour", 24, lambda t: t % 24)):
        exposure = np.bincount(of(hours).astype(int), minlength=size)[:size]
        counts = np.bincount(of(np.floor(times)).astype(int), minlength=size)[:size]
        rate = np.divide(counts, exposure, out=np.zeros(size), where=exposure > 0)
        out[name] = (rate / rate.mean()).round(4).tolist() if rate.mean() > 0 else [1.0] * size
    return out
