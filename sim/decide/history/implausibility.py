"""Implausibility (Vernon, Goldstein & Bower 2010): how far a target lies from what the model gives at x.

    I_M(x) = |z_M - E[f_M(x)]| / sqrt(Var_emulator(x) + Var_simulation(x) + Var_target)

- ``Var_target`` comes from the target's relative ``tolerance``, read as a 95% band
  (two standard deviations) around its value z: sd = tolerance * |z| / 2 (tolerance / 2
  when z = 0, as calibrate reads the tolerance as an absolute error then);
- ``Var_simulation`` is the variance of one point's mean over its replications;
- ``Var_emulator`` is the emulator's own uncertainty (0 at a point that was run).

Targets combine by a rule: ``max`` (every target must be within the cutoff) or
``second`` (the second-largest, so that one target may miss: Vernon et al.'s
guard against one poorly modelled output).  A point is non-implausible when the
combined value is below the cutoff (3 by default: Pukelsheim's three-sigma rule).
"""

from __future__ import annotations

import numpy as np

RULES = ("max", "second")
DEFAULT_CUTOFF = 3.0


def sd_target(value: float, tolerance: float) -> float:
    """The target's standard deviation: its tolerance read as a 95% band (2 sd) around the value."""
    return tolerance * (abs(value) if value != 0 else 1.0) / 2.0


def implausibility(z: float, mean: np.ndarray, var: np.ndarray) -> np.ndarray:
    """|z - mean| / sqrt(var), ``var`` the sum of the emulator's, the simulation's and the target's variances."""
    mean, var = np.asarray(mean, dtype=float), np.asarray(var, dtype=float)
    return np.abs(z - mean) / np.sqrt(var)


def combine(i_by_target: np.ndarray, rule: str) -> np.ndarray:
    """One implausibility per row of ``i_by_target`` (rows: points; columns: targets) by the rule.

    nan (an output the model does not give there) counts as 0: it cannot rule the point out."""
    if rule not in RULES:
        raise ValueError(f"rule {rule!r}: allowed: {', '.join(RULES)}")
    i = np.nan_to_num(np.atleast_2d(np.asarray(i_by_target, dtype=float)), nan=0.0)
    if i.shape[1] == 0:
        return np.zeros(i.shape[0])
    ordered = np.sort(i, axis=1)[:, ::-1]
    if rule == "max" or i.shape[1] == 1:
        return ordered[:, 0]
    return ordered[:, 1]
