"""Durations with right-censored ones (orders still open at the export): Kaplan-Meier, and censored maximum
likelihood for exponential, lognormal, gamma and Weibull (scipy.stats), the best by AIC.

An open order says "longer than this": it enters the likelihood by its survival function, never dropped
(dropping it makes long cases look short).  The mean's 95% CI is the delta method on the log of the mean,
with the covariance of the log-parameters from the observed information (a numerical Hessian).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize, special, stats

MIN_HOURS = 1 / 60  # a duration of zero (closed at the minute it was reported) is read as one minute
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Family:
    name: str
    scipy: stats.rv_continuous
    shape: bool  # has a shape parameter besides the scale
    mean: Callable[[float, float], float]  # (shape, scale) -> mean


FAMILIES = (
    Family("exponential", stats.expon, False, lambda a, s: s),
    Family("lognormal", stats.lognorm, True, lambda a, s: s * math.exp(a * a / 2)),
    Family("gamma", stats.gamma, True, lambda a, s: a * s),
    Family("weibull", stats.weibull_min, True, lambda a, s: s * math.exp(special.gammaln(1 + 1 / a))),
)


@dataclass(frozen=True)
class Fitted:
    """The best family by AIC, its parameters (scipy's shape and scale), and what the fit says of the mean."""
    dist: str
    shape: float | None
    scale: float
    mean: float
    ci95: tuple[float, float]
    p90: float
    cv: float
    aic: dict[str, float]  # every family that could be fitted
    # how the family was chosen where the best by AIC missed Kaplan-Meier's mean (None: the best by AIC)
    guard: str | None = None

    def frozen(self) -> stats.rv_continuous:
        return _frozen(next(f for f in FAMILIES if f.name == self.dist), self.shape, self.scale)


def _frozen(fam: Family, shape: float | None, scale: float) -> stats.rv_continuous:
    return fam.scipy(*([shape] if fam.shape else []), loc=0, scale=scale)


@dataclass(frozen=True)
class Durations:
    """A sample of durations in hours, with which ones were observed to end (False: censored)."""
    hours: np.ndarray
    ended: np.ndarray

    @property
    def n(self) -> int:
        return len(self.hours)

    @property
    def open(self) -> int:
        return int((~self.ended).sum())

    def closed_mean(self) -> float | None:
        """The mean over ended ones alone: biased low when some are censored (shown beside the fit)."""
        return float(self.hours[self.ended].mean()) if self.ended.any() else None

    def exponential_mean(self) -> float:
        """The censored exponential's maximum-likelihood mean, all hours over the ended count; with none ended,
        all hours as if one were about to end (no estimate exists then: a guess that errs long, said so)."""
        return float(np.maximum(self.hours, MIN_HOURS).sum() / max(int(self.ended.sum()), 1))


@dataclass(frozen=True)
class RestrictedMean:
    """The Kaplan-Meier mean up to ``tau``, the last ended duration (the mean of min(duration, tau)), and its
    95% CI: what the records show of the mean whatever the tail beyond them."""
    mean: float
    ci95: tuple[float, float]
    tau: float


MEAN_SET = "with its scale set to match Kaplan-Meier (no family's mean agrees with it)"


def restricted_mean(d: Durations) -> RestrictedMean | None:
    """The area under Kaplan-Meier up to the last ended duration, with the usual variance
    sum_j A_j^2 d_j / (n_j (n_j - d_j)) (A_j the area beyond the j-th end time; Klein & Moeschberger, 4.5)."""
    x = np.maximum(d.hours, MIN_HOURS)
    if not d.ended.any():
        return None
    ts, deaths = np.unique(x[d.ended], return_counts=True)
    at_risk = len(x) - np.searchsorted(np.sort(x), ts, side="left")
    surv = np.cumprod(1 - deaths / at_risk)
    widths = np.diff(ts)  # surv[j] holds from ts[j] to ts[j + 1]
    pieces = surv[:-1] * widths
    mean = float(ts[0] + pieces.sum())
    beyond = np.concatenate([np.cumsum(pieces[::-1])[::-1], [0.0]])
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(at_risk > deaths, beyond**2 * deaths / (at_risk * (at_risk - deaths)), 0.0)
    se = math.sqrt(float(terms.sum()))
    return RestrictedMean(mean, (mean - Z95 * se, mean + Z95 * se), float(ts[-1]))


def kaplan_meier(d: Durations) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Times, survival, and its 95% pointwise CI (Greenwood's variance, scipy's 'log-log' interval)."""
    res = stats.ecdf(_censored(d)).sf
    with warnings.catch_warnings():  # undefined where the survival is 0 or 1 (nan there): expected
        warnings.simplefilter("ignore", RuntimeWarning)
        ci = res.confidence_interval(0.95, method="log-log")
    return res.quantiles, res.probabilities, ci.low.probabilities, ci.high.probabilities


def curves(d: Durations, fit: Fitted | None, points: int = 120) -> dict[str, list[float]]:
    """Kaplan-Meier with its CI, and the fitted survival at the same hours, thinned to about ``points`` steps
    (for the figure of Kaplan-Meier against the fit)."""
    t, s, lo, hi = kaplan_meier(d)
    keep = np.unique(np.linspace(0, len(t) - 1, min(points, len(t))).round().astype(int))
    t, s, lo, hi = t[keep], s[keep], lo[keep], hi[keep]
    # where the interval is undefined (survival 1 before the first end, 0 after the last) it is the point
    out = {"hours": t, "survival": s, "low": np.where(np.isnan(lo), s, lo), "high": np.where(np.isnan(hi), s, hi)}
    if fit is not None:
        out["fitted"] = fit.frozen().sf(t)
    return {k: [round(float(x), 5) for x in v] for k, v in out.items()}


def _censored(d: Durations) -> stats.CensoredData:
    x = np.maximum(d.hours, MIN_HOURS)
    return stats.CensoredData(uncensored=x[d.ended], right=x[~d.ended])


def _loglik(fam: Family, theta: np.ndarray, x: np.ndarray, ended: np.ndarray) -> float:
    """Censored log-likelihood at log-parameters ``theta`` (log shape, log scale; or log scale)."""
    dist = _frozen(fam, math.exp(theta[0]) if fam.shape else None, math.exp(theta[-1]))
    return float(dist.logpdf(x[ended]).sum() + dist.logsf(x[~ended]).sum())


def _hessian(f: Callable[[np.ndarray], float], theta: np.ndarray, h: float = 1e-4) -> np.ndarray:
    k = len(theta)
    out = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            ei, ej = np.eye(k)[i] * h, np.eye(k)[j] * h
            out[i, j] = (f(theta + ei + ej) - f(theta + ei - ej) - f(theta - ei + ej) + f(theta - ei - ej)) / (4 * h * h)
    return out


def _mean_ci(fam: Family, theta: np.ndarray, x: np.ndarray, ended: np.ndarray) -> tuple[float, float]:
    """Delta method on log(mean): se^2 = g' (-H)^-1 g, g the gradient of log(mean) in the log-parameters."""
    def log_mean(t: np.ndarray) -> float:
        return math.log(fam.mean(math.exp(t[0]) if fam.shape else 1.0, math.exp(t[-1])))

    cov = np.linalg.inv(-_hessian(lambda t: _loglik(fam, t, x, ended), theta))
    g = np.array([(log_mean(theta + e * 1e-6) - log_mean(theta - e * 1e-6)) / 2e-6 for e in np.eye(len(theta))])
    se = math.sqrt(max(float(g @ cov @ g), 0.0))
    m = math.exp(log_mean(theta))
    return m * math.exp(-Z95 * se), m * math.exp(Z95 * se)


def fit_durations(d: Durations) -> Fitted | None:
    """The best of the four families by AIC, or None with fewer than 3 ended durations (nothing to fit)."""
    if int(d.ended.sum()) < 3:
        return None
    x = np.maximum(d.hours, MIN_HOURS)
    data = _censored(d)
    fits = {}
    for fam in FAMILIES:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                params = fam.scipy.fit(data, floc=0)
            except (ValueError, RuntimeError, FloatingPointError):
                continue
        theta = np.log([params[0], params[-1]] if fam.shape else [params[-1]])
        ll = _loglik(fam, theta, x, d.ended)
        if np.isfinite(ll):
            fits[fam.name] = (fam, theta, 2 * len(theta) - 2 * ll)
    if not fits:
        return None
    km = restricted_mean(d)
    fam, theta, guard = _guarded(fits, km)
    shape = math.exp(theta[0]) if fam.shape else None
    scale = math.exp(theta[-1])
    with np.errstate(all="ignore"):
        try:
            # a scale set to match Kaplan-Meier is no maximum of the likelihood: its CI is Kaplan-Meier's, relatively
            ci = (_relative(km, fam, theta) if km is not None and guard and guard.endswith(MEAN_SET)
                  else _mean_ci(fam, theta, x, d.ended))
        except np.linalg.LinAlgError:
            ci = (math.nan, math.nan)
    frozen = _frozen(fam, shape, scale)
    mean, sd = float(frozen.mean()), float(frozen.std())
    return Fitted(fam.name, shape, scale, mean, ci, float(frozen.ppf(0.9)), sd / mean,
                  {name: float(aic) for name, (_, _, aic) in fits.items()}, guard)


def _relative(km: RestrictedMean, fam: Family, theta: np.ndarray) -> tuple[float, float]:
    m = _mean_of(fam, theta)
    return m * km.ci95[0] / km.mean, m * km.ci95[1] / km.mean


def _mean_of(fam: Family, theta: np.ndarray) -> float:
    return fam.mean(math.exp(theta[0]) if fam.shape else 1.0, math.exp(theta[-1]))


def _restricted(fam: Family, theta: np.ndarray, tau: float) -> float:
    """E[min(X, tau)] = the area under the family's survival from 0 to tau."""
    dist = _frozen(fam, math.exp(theta[0]) if fam.shape else None, math.exp(theta[-1]))
    return float(integrate.quad(dist.sf, 0.0, tau, limit=200)[0])


def _guarded(fits: dict[str, tuple[Family, np.ndarray, float]],
             km: RestrictedMean | None) -> tuple[Family, np.ndarray, str | None]:
    """The best family by AIC, unless its mean up to the last ended duration falls outside Kaplan-Meier's 95% CI
    of the same: then the best by AIC that falls inside, else the best by AIC with its scale set so that it
    matches Kaplan-Meier (the mean drives a queue's load; a family that misses it misleads)."""
    ranked = sorted(fits.values(), key=lambda v: v[2])
    if km is None or not math.isfinite(km.ci95[0]):
        return ranked[0][0], ranked[0][1], None

    def agrees(fam: Family, theta: np.ndarray) -> bool:
        return km.ci95[0] <= _restricted(fam, theta, km.tau) <= km.ci95[1]

    if agrees(*ranked[0][:2]):
        return ranked[0][0], ranked[0][1], None
    best = ranked[0][0].name
    for fam, theta, _ in ranked[1:]:
        if agrees(fam, theta):
            return fam, theta, f"{fam.name}: the best by AIC whose mean agrees with Kaplan-Meier ({best} misses it)"
    fam, theta, _ = ranked[0]

    def gap(shift: float) -> float:
        return _restricted(fam, np.append(theta[:-1], theta[-1] + shift), km.tau) - km.mean

    # the restricted mean grows with the scale, from 0 to tau, and Kaplan-Meier's lies between
    shift = optimize.brentq(gap, -30.0, 30.0, xtol=1e-10)
    return fam, np.append(theta[:-1], theta[-1] + shift), f"{fam.name} {MEAN_SET}"
