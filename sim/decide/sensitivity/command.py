"""``gridsim sensitivity``: sample (SALib), evaluate (the sweep machinery), analyse (SALib), write the folder.

The design points run as a sweep's do (``commands.run_points``): through the usual
executors, each run written as it finishes, resumable, on common random numbers, and
with the same numbers whatever the executor.  The folder holds what a sweep's does
(points.csv, replications.csv, runs/) plus ``sensitivity.csv`` and a ``sensitivity``
block in summary.json.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from sim.decide.calibrate import available_metrics
from sim.decide.sensitivity import analysis, emulated
from sim.decide.sensitivity.factors import SFactor, check_ends, parse_factors, problem
from sim.experiments import commands
from sim.experiments.atomic import atomic_write
from sim.experiments.designs import DesignError, point_id
from sim.experiments.results import csv_text, summary_dict, write_json
from sim.experiments.sizing import SizeError, check_points
from sim.experiments.statistics import summarize_metrics
from sim.scenario import load_scenario

DEFAULT_METRICS = ["resolution_hours_mean", "resolution_hours_p90", "wait_hours_mean", "sla_attainment",
                   "coverage_mean"]
DEFAULT_SIZE = {"morris": 10, "sobol": 64}  # trajectories R; base samples N


@dataclass
class Sensitivity:
    """The indices of every factor on every metric, the noise shares, and the runs behind them."""

    method: str
    factors: list[SFactor]
    metrics: list[str]
    indices: dict[str, dict[str, dict[str, Any]]]  # metric -> factor key -> SALib's index name -> value
    noise: dict[str, float]  # metric -> noise share
    size: int  # Morris trajectories R or Sobol base samples N
    second_order: bool
    sweep: commands.Sweep  # the design points' runs (folder, outcomes, failures, warnings)
    skipped: dict[str, str] = field(default_factory=dict)  # metric -> why it has no indices
    emulator: dict[str, emulated.Check] | None = None  # --emulator: metric -> its emulator's diagnostics

    @property
    def label(self) -> str:
        """The method as sensitivity.csv and summary.json name it: morris, sobol or sobol-emulator."""
        return "sobol-emulator" if self.emulator is not None else self.method

    @property
    def columns(self) -> list[str]:
        """sensitivity.csv's index columns."""
        return analysis.COLUMNS[self.method] + (emulated.COLUMNS if self.emulator is not None else [])

    def impossible(self, metric: str) -> dict[str, list[dict[str, Any]]]:
        """Sobol: per factor, the estimates of ``metric``'s indices no true index can have ({} for Morris)."""
        return analysis.impossible(self.indices[metric], self.emulator is not None) if self.method == "sobol" else {}

    def impossible_text(self, metric: str) -> str:
        """``impossible`` in words: 'factor: problem, problem; factor: ...' ('' when there is none)."""
        return "; ".join(f"{f}: " + ", ".join(x["text"] for x in xs) for f, xs in self.impossible(metric).items())

    def sample_warning(self, metric: str) -> str | None:
        """A sentence when the Sobol sample is too small for ``metric``'s indices (see ``impossible``)."""
        what = self.impossible_text(metric)
        if not what:
            return None
        if self.emulator is not None:
            return emulated.sample_warning(metric, what, self.size)
        return (f"{metric}: the Sobol sample (N = {self.size}) is too small for these indices (a true index has "
                f"0 <= S1 <= ST <= 1): {what}; use more --samples (and --replications)")

    @property
    def remedy(self) -> str:
        """What makes impossible indices go away: the design's size, not --samples, with --emulator."""
        return "more --design-points or --replications" if self.emulator is not None else "more --samples"

    @property
    def out(self) -> Path:
        return self.sweep.out

    def ranking(self, metric: str) -> list[str]:
        return analysis.ranking(self.method, self.indices[metric])

    def rows(self) -> list[list[Any]]:
        """sensitivity.csv's rows: factor, metric, method, then the method's indices."""
        return [[f, m, self.label, *[self.indices[m][f][c] for c in self.columns]]
                for m in self.metrics if m in self.indices for f in self.indices[m]]

    def to_frame(self):
        """sensitivity.csv as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.rows(), columns=["factor", "metric", "method", *self.columns])


def _size(method: str, trajectories: int | None, samples: int | None, second_order: bool, emulator: bool,
          design_points: int | None) -> int:
    if emulator or design_points is not None:
        return _design_size(method, samples, second_order, emulator, design_points)
    if method not in analysis.COLUMNS:
        raise commands.ApiError(f"--method {method}: allowed: morris, sobol")
    if method == "morris" and (samples is not None or second_order):
        raise commands.ApiError("--samples and --second-order go with --method sobol; Morris takes --trajectories R")
    if method == "sobol" and trajectories is not None:
        raise commands.ApiError("--trajectories goes with --method morris; Sobol takes --samples N")
    size = (trajectories if method == "morris" else samples) or DEFAULT_SIZE[method]
    if size < 2:
        raise commands.ApiError(f"{'--trajectories' if method == 'morris' else '--samples'} {size}: at least 2")
    return size


def _design_size(method: str, samples: int | None, second_order: bool, emulator: bool,
                 design_points: int | None) -> int:
    """--emulator's design points (0: POINTS_PER_FACTOR per factor, set once the factors are known)."""
    if not emulator:
        raise commands.ApiError("--design-points goes with --emulator (Sobol indices from an emulator)")
    if method != "sobol":
        raise commands.ApiError("--emulator goes with --method sobol")
    if samples is not None or second_order:
        raise commands.ApiError("--samples and --second-order go with brute-force Sobol; --emulator takes "
                                "--design-points P")
    if design_points is not None and design_points < 4:
        raise commands.ApiError(f"--design-points {design_points}: at least 4")
    return design_points or 0


def _metrics(asked: list[str] | None, names: list[str]) -> list[str]:
    if not asked:
        return [m for m in DEFAULT_METRICS if m in names]
    bad = [m for m in asked if m not in names]
    if bad:
        raise commands.ApiError(f"--metric {', '.join(bad)}: not a metric of this scenario; available: "
                                + ", ".join(names))
    return list(dict.fromkeys(asked))


def sensitivity(scenario: str | Path, vary: list[str], metrics: list[str] | None = None, method: str = "morris",
                trajectories: int | None = None, samples: int | None = None, second_order: bool = False,
                policy: str | None = None, emulator: bool = False, design_points: int | None = None, *,
                options: commands.Options | None = None, **kw) -> Sensitivity:
    """Global sensitivity of ``metrics`` to the ``vary`` factors (``KEY=LO:HI`` or ``KEY=a,b,...``).

    Raises DesignError (a bad --vary), ApiError (bad options or metrics) or ScenarioError (a design
    point whose scenario is invalid, named with its values) before any run starts.  ``emulator``: Sobol indices
    from an emulator fitted to a Latin hypercube of ``design_points`` points (default 10 per factor)."""
    o = commands.resolve_options(options, kw)
    if o.replications is None:
        raise commands.ApiError("--replications auto does not go with sensitivity: give K replications per point")
    size = _size(method, trajectories, samples, second_order, emulator, design_points)
    path = Path(scenario)
    base = load_scenario(path, policy, o.overrides)
    seed = base.seed if o.seed is None else o.seed
    reps = base.replications if o.replications == 0 else o.replications
    factors = parse_factors(vary, base)
    prob = problem(factors)
    if emulator:
        emulated.numeric_only(factors)
        size = size or emulated.POINTS_PER_FACTOR * len(factors)
        x = emulated.design(prob, size, seed)
    else:
        x = analysis.sample(method, prob, size, second_order, seed)
    check_ends(factors, lambda extra: load_scenario(path, policy, [*o.overrides, *extra]))
    names = _metrics(metrics, available_metrics(base))
    try:
        check_points(len(x), o.force)
    except SizeError as e:
        raise DesignError(str(e).replace("sweep design", "sensitivity design")) from None
    if not o.quiet:
        what = (f"{size} trajectories x ({len(factors)} factors + 1)" if method == "morris" else
                "Latin hypercube for an emulator" if emulator else
                f"N = {size} x ({2 * len(factors) + 2 if second_order else len(factors) + 2})")
        print(f"gridsim: sensitivity design ({'sobol-emulator' if emulator else method}, {what}): {len(x):,} "
              f"point(s) x {reps} replication(s) = {len(x) * reps:,} run(s)", file=sys.stderr, flush=True)
        if method == "sobol" and not emulator and size & (size - 1):
            print(f"gridsim: warning: --samples {size} is not a power of 2; Sobol' sequences balance best "
                  "at 2^k (e.g. 64, 128, 256)", file=sys.stderr)
    commands.check_size([base], len(x), reps, replace(o, quiet=True))
    ids = {point_id(i): {f.key: f.value(v) for f, v in zip(factors, row)} for i, row in enumerate(x)}
    extra = {"method": method, "vary": vary, "metrics": names, "size": size, "second_order": second_order,
             "policy": policy, **({"emulator": True} if emulator else {})}
    with commands.run_points("sensitivity", path, ids, policy, o, extra) as (res, meta):
        result = _analyse(method, factors, names, size, second_order, res, x, seed, emulator)
        res.warnings += _warnings(result)
        atomic_write(res.out / "sensitivity.csv",
                     csv_text(["factor", "metric", "method", *result.columns], result.rows()))
        write_json(res.out / "summary.json", {
            **meta, "warnings": res.warnings, "design": "lhs" if emulator else method,
            "factors": [f.as_dict() for f in factors],
            "metrics": summary_dict(summarize_metrics(res.outcomes)),  # pooled over the whole design
            "points": {pid: {"params": params, "metrics": summary_dict(res.summaries[pid])}
                       for pid, params in ids.items()},
            "warmup_check": res.warmup, "sensitivity": block(result, len(x), meta["replications"]),
        })
    return result


def _analyse(method: str, factors: list[SFactor], names: list[str], size: int, second_order: bool,
             res: commands.Sweep, x: np.ndarray, seed: int, emulator: bool = False) -> Sensitivity:
    pids = list(res.points)
    k = res.replications
    by = {(o.variant, o.replication): o.metrics for o in res.outcomes if o.ok}
    indices, noise, skipped, checks = {}, {}, {}, {}
    for m in names:
        values = np.array([[by.get((pid, r), {}).get(m, math.nan) for r in range(k)] for pid in pids], float)
        if not np.isfinite(values).all():
            bad = int((~np.isfinite(values).all(axis=1)).sum())
            skipped[m] = f"no value at {bad} of {len(pids)} point(s) (a failed run, or undefined there)"
            continue
        if emulator:
            indices[m], checks[m] = emulated.indices(factors, x, values.mean(axis=1),
                                                       emulated.noise(factors, x, values, seed), seed)
        else:
            indices[m] = analysis.analyze(method, problem(factors), x, values.mean(axis=1), second_order, seed)
        noise[m] = analysis.noise_share(values)
    return Sensitivity(method, factors, names, indices, noise, size, second_order, res, skipped,
                       checks if emulator else None)


def _warnings(s: Sensitivity) -> list[str]:
    out = [f"{m}: not analysed: {why}" for m, why in s.skipped.items()]
    out += [w for m in s.indices if (w := s.sample_warning(m))]
    out += [w for m, c in (s.emulator or {}).items() if (w := emulated.check_warning(m, c))]
    for m, share in s.noise.items():
        if share > analysis.NOISE_WARN:
            out.append(f"{m}: replication noise is {100 * share:.0f}% of the variance of the point means; "
                       "its indices mostly measure noise: use more --replications")
    if s.noise and s.sweep.replications < 2:
        out.append("one replication per point: the noise share cannot be estimated (use --replications 2 or more)")
    return out


def block(s: Sensitivity, points: int, replications: int) -> dict[str, Any]:
    """summary.json's ``sensitivity`` block."""
    return _json_safe({
        "method": s.label, "library": "SALib", "factors": [f.as_dict() for f in s.factors],
        "metrics": s.metrics, _size_name(s): s.size,
        "second_order": s.second_order, "num_levels": analysis.NUM_LEVELS if s.method == "morris" else None,
        "points": points, "replications": replications, "runs": points * replications,
        "conf_level": analysis.CONF_LEVEL, "num_resamples": analysis.NUM_RESAMPLES,
        "indices": s.indices, "noise_share": s.noise, "noise_warn": analysis.NOISE_WARN,
        "ranking": {m: s.ranking(m) for m in s.indices}, "skipped": s.skipped,
        "sample_too_small": {m: s.impossible(m) for m in s.indices if s.impossible(m)},
        **({"emulator": emulator_block(s)} if s.emulator is not None else {}),
    })


def _size_name(s: Sensitivity) -> str:
    return "trajectories" if s.method == "morris" else "design_points" if s.emulator is not None else "samples"


def emulator_block(s: Sensitivity) -> dict[str, Any]:
    """summary.json's ``sensitivity.emulator``: the design, the estimation settings and each metric's diagnostics."""
    return {"design": "lhs", "design_points": s.size, "kernel": "linear trend + Matern 5/2 (ARD)",
            "nugget": "each point's variance of its mean over its replications", "mean_samples": emulated.MEAN_SAMPLES,
            "mean_resamples": emulated.MEAN_RESAMPLES,
            "draws": emulated.DRAWS, "resamples_per_draw": emulated.RESAMPLES_PER_DRAW,
            "interval": list(emulated.INTERVAL), "diagnostics": {m: c.as_dict() for m, c in s.emulator.items()}}


def _json_safe(x: Any) -> Any:
    """nan and inf as null (JSON has no such numbers)."""
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_safe(v) for v in x]
    return None if isinstance(x, float) and not math.isfinite(x) else x
