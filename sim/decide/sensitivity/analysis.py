"""Sampling and analysing with SALib, and the noise share of a stochastic model.

- Morris (Morris 1991; Campolongo et al. 2007): ``SALib.sample.morris.sample`` makes R
  trajectories of D + 1 points on a 4-level grid; ``SALib.analyze.morris.analyze``
  gives per factor ``mu_star`` (mean |elementary effect|), its bootstrap half-width
  ``mu_star_conf``, ``sigma`` (their standard deviation: non-linearity or
  interactions) and ``mu`` (signed mean).  An elementary effect is the change of the
  metric over a step of 2/3 of the factor's range, divided by 2/3: the metric's
  units per move across the whole range.
- Sobol (Saltelli 2002; Saltelli et al. 2010): ``SALib.sample.sobol.sample`` (Saltelli's
  scheme on a scrambled Sobol' sequence) makes N(D + 2) points, N(2D + 2) with second
  order; ``SALib.analyze.sobol.analyze`` gives ``S1``, ``ST`` (and ``S2``) with
  bootstrap half-widths ``*_conf``.

Both run on Y = each design point's mean over its K replications.  Replication r of
every point uses the same seed (common random numbers), so a factor the model
ignores changes no output bit: its effects, and so its indices, are exactly zero.

**Noise share** of a metric: the part of the variance of the point means that is
replication noise.  With y[i, r] the metric at point i, replication r, the two-way
decomposition y[i, r] = m + a[i] + b[r] + e[i, r] splits off b[r], the noise every
point shares under common random numbers (it moves all points alike and changes no
index); the rest, e, has variance s_e^2 = SS_e / ((P - 1)(K - 1)), and adds s_e^2 / K
to the variance of the point means.  The noise share is (s_e^2 / K) / var(point
means), capped at 1; 0 when nothing varies at all; undefined (nan) with K = 1.
Without common random numbers b is not shared and this is the mean within-point
variance over K.  A share above NOISE_WARN means the indices mostly measure noise.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from sim.experiments.indices import problem_text

NUM_LEVELS = 4  # Morris grid levels (SALib's default; even, so the steps are balanced)
NUM_RESAMPLES = 1000  # bootstrap resamples for the *_conf half-widths
CONF_LEVEL = 0.95
NOISE_WARN = 0.5  # a noise share above this swamps the indices
DESIGN_STREAM = 2**32 - 3  # the design's and the bootstrap's own seed stream (not a replication's)
COLUMNS = {"morris": ["mu_star", "mu_star_conf", "sigma"], "sobol": ["S1", "S1_conf", "ST", "ST_conf"]}


def design_rng(seed: int, which: int) -> np.random.Generator:
    """A generator for the design (which=0) or the bootstrap (which=1), from the command's seed."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DESIGN_STREAM, which)))


def runs_per_design(method: str, d: int, size: int, second_order: bool) -> int:
    """Design points: Morris R(D + 1); Sobol N(D + 2), or N(2D + 2) with second order."""
    if method == "morris":
        return size * (d + 1)
    return size * (2 * d + 2 if second_order else d + 2)


def sample(method: str, problem: dict[str, Any], size: int, second_order: bool, seed: int) -> np.ndarray:
    """SALib's sample matrix (one row per design point), reproducible from ``seed``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Sobol's 'N should be a power of 2': the command says it itself
        if method == "morris":
            from SALib.sample import morris

            return morris.sample(problem, size, num_levels=NUM_LEVELS, seed=design_rng(seed, 0))
        from SALib.sample import sobol

        return sobol.sample(problem, size, calc_second_order=second_order, scramble=True,
                            seed=design_rng(seed, 0))


def analyze(method: str, problem: dict[str, Any], x: np.ndarray, y: np.ndarray, second_order: bool,
            seed: int, num_resamples: int = NUM_RESAMPLES) -> dict[str, dict[str, float]]:
    """Per factor, the indices (SALib's names) of one metric's point means ``y`` (``num_resamples`` bootstrap
    resamples for the half-widths)."""
    names = problem["names"]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # constant outputs: SALib warns, the indices are 0 or nan
        if method == "morris":
            from SALib.analyze import morris

            si = morris.analyze(problem, x, y, num_resamples=num_resamples, conf_level=CONF_LEVEL,
                                num_levels=NUM_LEVELS, seed=design_rng(seed, 1))
            keys = ["mu_star", "mu_star_conf", "sigma", "mu"]
        else:
            from SALib.analyze import sobol

            if np.ptp(y) == 0:  # nothing varies: no factor explains any variance
                return {n: {k: 0.0 for k in COLUMNS["sobol"]} for n in names}
            si = sobol.analyze(problem, y, calc_second_order=second_order, num_resamples=num_resamples,
                               conf_level=CONF_LEVEL, seed=design_rng(seed, 1))
            keys = COLUMNS["sobol"]
    out = {n: {k: float(np.asarray(si[k])[i]) for k in keys} for i, n in enumerate(names)}
    if method == "sobol" and second_order:
        s2, s2c = np.asarray(si["S2"]), np.asarray(si["S2_conf"])
        for i, a in enumerate(names):
            out[a]["S2"] = {b: float(s2[i, j]) for j, b in enumerate(names) if j > i}
            out[a]["S2_conf"] = {b: float(s2c[i, j]) for j, b in enumerate(names) if j > i}
    return out


def impossible(indices: dict[str, dict[str, Any]], emulator: bool = False) -> dict[str, list[dict[str, Any]]]:
    """Per factor, the Sobol estimates no true index can have, or intervals too wide to say anything: the sign that
    the sample is too small.

    True indices satisfy 0 <= S1 <= ST <= 1.  Flagged (``kind``): ``above_one``, S1 or ST above 1 (with
    ``emulator``, indices of an emulator's predictions on a large Saltelli sample, only beyond its 95% half-width:
    one factor that explains everything gives S1 = 1.0000011 ± 0.04 there, that sample's Monte Carlo error);
    ``above_total``, S1 above ST with S1's whole 95% interval above the ST estimate (a small
    excess is estimation noise); ``negative``, an index whose whole 95% interval lies below 0;
    ``wide``, an interval wider than [0, 1] itself, which says nothing about the index.
    Each problem: ``{"index", "kind", "value", "conf", "text"}`` (text: in words)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for f, d in indices.items():
        s1, s1c, st, stc = (d.get(k) for k in COLUMNS["sobol"])
        if not all(isinstance(x, float) and math.isfinite(x) for x in (s1, s1c, st, stc)):
            continue
        both = (("S1", s1, s1c), ("ST", st, stc))
        found = [(n, "above_one", v, c) for n, v, c in both if (v - c if emulator else v) > 1]
        found += [("S1", "above_total", s1, s1c)] if s1 - s1c > st else []
        found += [(n, "negative", v, c) for n, v, c in both if v + c < 0]
        found += [(n, "wide", v, c) for n, v, c in both if 2 * c > 1]
        if found:
            out[f] = [{"index": n, "kind": k, "value": v, "conf": c, "text": problem_text(n, k, v, c, st, emulator)}
                      for n, k, v, c in found]
    return out


def noise_share(values: np.ndarray) -> float:
    """``values[i, r]``: the metric at point i, replication r (common random numbers across points)."""
    p, k = values.shape
    if k < 2 or p < 2:
        return math.nan
    means = values.mean(axis=1)
    total = float(np.var(means, ddof=1))
    resid = values - means[:, None] - values.mean(axis=0)[None, :] + values.mean()
    noise = float((resid ** 2).sum()) / ((p - 1) * (k - 1)) / k
    if total == 0:
        return 0.0 if noise == 0 else math.nan
    return min(1.0, noise / total)


def ranking(method: str, indices: dict[str, dict[str, Any]]) -> list[str]:
    """Factors from most to least influential: by mu_star (Morris) or ST (Sobol); ties in given order."""
    key = "mu_star" if method == "morris" else "ST"
    order = list(indices)
    return sorted(order, key=lambda f: (-_finite(indices[f].get(key)), order.index(f)))


def _finite(x: Any) -> float:
    return x if isinstance(x, float) and math.isfinite(x) else -math.inf
