"""Sobol indices from an emulator (``sensitivity --method sobol --emulator``).

Brute-force Sobol needs N(D + 2) design points (thousands); an emulator needs a
space-filling design of about 10 D points (Loeppky, Sacks & Welch 2009), after which
every Sobol estimate is a prediction, not a run (Marrel et al. 2009; Le Gratiet,
Cannamela & Iooss 2014):

1. ``design``: a Latin hypercube (scipy.stats.qmc, centred-discrepancy optimised) of
   P points over the factors' box, from the command's design seed.
2. Per metric, ``sim.decide.emulator.fit_emulator`` on the point means, each point's
   simulation variance of its mean as its nugget (``nugget``: the replication noise
   common random numbers do not share, smoothed over the design by ``noise``: with
   K - 1 degrees of freedom a point's own estimate is too rough to trust alone); its
   leave-one-out diagnostics say whether it can be trusted.  When every point mean is positive (times, counts, most shares) it
   emulates their logarithm (nugget by the delta method, var / mean^2): a queue's wait
   grows multiplicatively, so on the log scale the factors' effects are nearly additive
   and stationary, which a Gaussian process with one length scale per factor fits
   from few points (on the M/M/c benchmark, raw-scale emulation missed half of an
   interaction's share of the variance); the expected output is exp(m + v/2).
3. ``S1``, ``ST``: SALib's Saltelli sample (base ``MEAN_SAMPLES``) and analyser on the
   emulator's predicted mean; ``S1_conf``, ``ST_conf`` are SALib's bootstrap
   half-widths (Monte Carlo error of that sample only: small).  An index above 1 is flagged only
   beyond that half-width (``analysis.impossible``): with one factor that explains everything the
   estimate is 1 plus that error; what is flagged says the predictions swing across the box, which a
   denser design mends (``sample_warning``), not --samples.
4. ``S1_lo``..``ST_hi``: the 2.5-97.5% range of the indices over ``DRAWS`` joint
   posterior draws of the emulator (``Emulator.sample``) on a smaller Saltelli sample,
   each draw's indices resampled ``RESAMPLES_PER_DRAW`` times (bootstrap of the sample
   rows): the interval carries the emulator's uncertainty and that sample's Monte
   Carlo error together (Le Gratiet et al. 2014, §3); clipped to [0, 1], as an index
   is a share of the variance (one factor's S1 = 1 would otherwise get [0.87, 1.14]).

The indices are those of the *expected* output (the emulator filters simulation
noise out); brute-force Sobol on K-replication means also counts the part of the
noise that is not common to all points (the noise share).  Numeric factors only:
an integer factor enters the emulator as its rounded value, as the model sees it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.decide.emulator import LOO_CUTOFF, fit_emulator, smooth_noise
from sim.decide.sensitivity import analysis
from sim.decide.sensitivity.factors import SFactor
from sim.experiments.designs import DesignError

POINTS_PER_FACTOR = 10  # default design: 10 D points
MEAN_SAMPLES = 2**12  # Saltelli base N on the predicted mean (N(D + 2) predictions: cheap)
MEAN_RESAMPLES = 200  # SALib's bootstrap of that sample (its Monte Carlo error is small: fewer resamples do)
DRAW_POINTS = 3000  # cap on the posterior-draw sample's size (a joint draw factorises its covariance)
DRAWS = 100  # joint posterior draws of the emulator
RESAMPLES_PER_DRAW = 20  # bootstrap resamples of the Saltelli rows per draw
INTERVAL = (2.5, 97.5)  # percentiles of the emulator interval
COLUMNS = ["S1_lo", "S1_hi", "ST_lo", "ST_hi"]  # added to Sobol's columns


@dataclass(frozen=True)
class Check:
    """An emulator's leave-one-out diagnostics, as the summary reports them."""

    points: int
    outside: int  # standardized errors beyond LOO_CUTOFF
    max_abs: float
    passed: bool
    scale: str = "raw"  # the scale emulated: "log" (every point mean positive) or "raw"

    def as_dict(self) -> dict[str, Any]:
        return {"points": self.points, "outside": self.outside, "max_abs_standardized_error": self.max_abs,
                "cutoff": LOO_CUTOFF, "passed": self.passed, "scale": self.scale}


def numeric_only(factors: list[SFactor]) -> None:
    """DesignError naming the categorical factors: an emulator needs numbers it can interpolate between."""
    bad = [f"{f.key}={','.join(map(str, f.levels))}" for f in factors if f.kind == "categorical"]
    if bad:
        raise DesignError(f"--emulator takes numeric factors only (KEY=LO:HI); categorical: {'; '.join(bad)}: "
                         "run these as separate scenarios, or use brute-force --method sobol or morris")


def nugget(values: np.ndarray) -> np.ndarray | float:
    """Each design point's simulation variance of its mean, from ``values[i, r]`` (point i, replication r on common
    random numbers): the variance of its residuals e[i, r] of the two-way decomposition (as the noise share's), over
    K.  The part b[r] every point shares moves all point means alike, changes no index, and is not noise to the
    emulator.  0 with K = 1 (unknown: the emulator then interpolates)."""
    p, k = values.shape
    if k < 2:
        return 0.0
    resid = values - values.mean(axis=1, keepdims=True) - values.mean(axis=0, keepdims=True) + values.mean()
    return (resid**2).sum(axis=1) / (k - 1) / k * p / max(p - 1, 1)


def noise(factors: list[SFactor], x: np.ndarray, values: np.ndarray, seed: int) -> np.ndarray | float:
    """``nugget(values)`` smoothed over the design (``sim.decide.emulator.smooth_noise``: K - 1 degrees of freedom
    per point): the emulator's nugget."""
    v = nugget(values)
    if isinstance(v, float):
        return v
    lo, hi = np.array([f.low for f in factors]), np.array([f.high for f in factors])
    return smooth_noise(_inputs(factors, x), v, values.shape[1] - 1, lo, hi, seed)


def design(problem: dict[str, Any], points: int, seed: int) -> np.ndarray:
    """A space-filling design of ``points`` rows over the problem's box (a Latin hypercube)."""
    from scipy.stats import qmc

    b = np.asarray(problem["bounds"], dtype=float)
    lhs = qmc.LatinHypercube(d=len(b), optimization="random-cd", rng=analysis.design_rng(seed, 0))
    return qmc.scale(lhs.random(points), b[:, 0], b[:, 1])


def _inputs(factors: list[SFactor], x: np.ndarray) -> np.ndarray:
    """SALib's numbers as the model sees them: integer factors rounded half up."""
    out = np.array(x, dtype=float)
    for j, f in enumerate(factors):
        if f.kind == "integer":
            out[:, j] = np.floor(out[:, j] + 0.5)
    return out


def indices(factors: list[SFactor], x: np.ndarray, means: np.ndarray, var_of_mean: np.ndarray | float,
            seed: int) -> tuple[dict[str, dict[str, float]], Check]:
    """Per factor S1, ST, their bootstrap half-widths and emulator intervals, of the output whose design point means
    at ``x`` (SALib's numbers) are ``means``; and the emulator's diagnostics."""
    from threadpoolctl import threadpool_limits

    # one BLAS thread: on a machine busy with simulation workers a threaded BLAS spins (measured on 2 loaded cores:
    # the joint draws' eigendecomposition took 24 s on 2 threads, 3 s on one)
    with threadpool_limits(1):
        return _indices(factors, x, means, var_of_mean, seed)


def _indices(factors: list[SFactor], x: np.ndarray, means: np.ndarray, var_of_mean: np.ndarray | float,
             seed: int) -> tuple[dict[str, dict[str, float]], Check]:
    from SALib.analyze.sobol import first_order, separate_output_values, total_order

    prob = {"num_vars": len(factors), "names": [f.key for f in factors], "bounds": [[f.low, f.high] for f in factors]}
    lo, hi = np.array([f.low for f in factors]), np.array([f.high for f in factors])
    log = bool(np.all(means > 0))
    if log:  # the log of the mean, its noise by the delta method
        em = fit_emulator(_inputs(factors, x), np.log(means), np.asarray(var_of_mean) / means**2, lo, hi, seed)
    else:
        em = fit_emulator(_inputs(factors, x), means, var_of_mean, lo, hi, seed)
    diag = em.diagnostics()
    check = Check(len(means), diag.outside, diag.max_abs, diag.passed, "log" if log else "raw")
    if np.ptp(means) == 0:  # nothing varies: no factor explains any variance
        return {f.key: {k: 0.0 for k in analysis.COLUMNS["sobol"] + COLUMNS} for f in factors}, check
    xs = analysis.sample("sobol", prob, MEAN_SAMPLES, False, seed)
    m, v = em.predict(_inputs(factors, xs))
    expected = np.exp(m + v / 2) if log else m  # a log-normal's mean on the log scale
    out = analysis.analyze("sobol", prob, xs, expected, False, seed, MEAN_RESAMPLES)
    d = len(factors)
    n = 2 ** int(math.log2(DRAW_POINTS / (d + 2)))
    xd = analysis.sample("sobol", prob, n, False, seed)
    rng = analysis.design_rng(seed, 2)
    draws = em.sample(_inputs(factors, xd), DRAWS, rng)
    draws = np.exp(draws) if log else draws
    s1 = np.empty((DRAWS, RESAMPLES_PER_DRAW, d))
    st = np.empty_like(s1)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # a constant draw: SALib warns, its indices are 0
        for i in range(DRAWS):
            y = draws[:, i]
            y = (y - y.mean()) / (y.std() or 1.0)  # as SALib's analyser centres and scales
            a, b, ab, _ = separate_output_values(y, d, n, False)
            r = rng.integers(n, size=(n, RESAMPLES_PER_DRAW))
            for j in range(d):
                s1[i, :, j] = first_order(a[r], ab[r, j], b[r])
                st[i, :, j] = total_order(a[r], ab[r, j], b[r])
    for j, f in enumerate(factors):
        # indices are shares of a variance: the bootstrap's spread past 0 or 1 is sampling error, not a share
        (s1_lo, s1_hi), (st_lo, st_hi) = (np.clip(np.percentile(v[:, :, j], INTERVAL), 0.0, 1.0) for v in (s1, st))
        out[f.key].update(S1_lo=float(s1_lo), S1_hi=float(s1_hi), ST_lo=float(st_lo), ST_hi=float(st_hi))
    return out, check


def check_warning(metric: str, c: Check) -> str | None:
    """A loud sentence when ``metric``'s emulator fails its leave-one-out check."""
    if c.passed:
        return None
    return (f"{metric}: THE EMULATOR FAILS ITS LEAVE-ONE-OUT CHECK ({c.outside} of {c.points} design points "
            f"beyond {LOO_CUTOFF:g} standard errors; largest {c.max_abs:.1f}): its Sobol indices and intervals are "
            "not to be trusted; use more --design-points or --replications, narrower ranges, or brute-force Sobol")


def sample_warning(metric: str, what: str, points: int) -> str:
    """The warning for ``metric``'s emulator indices that no true index can have beyond their Monte Carlo error
    (``what``, analysis.impossible's text).  The Saltelli sample is fixed (MEAN_SAMPLES), so --samples mends nothing:
    a few extreme predictions carry the variance, an emulator swinging between too few or too noisy design points."""
    return (f"{metric}: the emulator's Sobol indices are values no true index can have (0 <= S1 <= ST <= 1), beyond "
            f"the Monte Carlo error of its Saltelli sample (N = {MEAN_SAMPLES:,}): {what}; its predictions swing "
            f"across the box: use more --design-points (now {points}) or --replications, or narrower ranges")
