"""Global sensitivity analysis (``gridsim sensitivity``): which assumptions the answers hinge on.

Sample, evaluate, analyse, in SALib's shape and with SALib's names:

- ``factors.py``: ``--vary KEY=LO:HI`` (real or integer) and ``--vary KEY=a,b,...``
  (categorical) as SALib's problem, and how a sampled number becomes a scenario value;
- ``analysis.py``: SALib's Morris and Sobol samplers and analysers, and the noise share;
- ``command.py``: the command, its results folder, ``sensitivity.csv`` and the summary block;
- here: the terminal table and the command's arguments (as SALib's ``cli_parse``).

docs/sensitivity.md defines the indices, the noise share and the factor kinds.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from sim.decide.sensitivity.analysis import NOISE_WARN
from sim.decide.sensitivity.command import DEFAULT_METRICS, DEFAULT_SIZE, Sensitivity, sensitivity

__all__ = ["HELP", "Sensitivity", "add_arguments", "sensitivity", "sensitivity_table"]

HELP = (
    "Which of the scenario's assumptions the results hinge on: a global sensitivity analysis built on SALib. "
    "Each --vary KEY=LO:HI is a factor sampled between LO and HI (whole-number fields are rounded; "
    "KEY=a,b,c makes a categorical factor of those levels). Morris (default) screens: per factor and metric, "
    "mu_star (mean absolute elementary effect: change of the metric per move across the factor's range) with its "
    "95% bootstrap half-width, and sigma (non-linearity or interactions); it runs R(D+1) points for R "
    "--trajectories and D factors. Sobol apportions variance: S1 (first order) and ST (total) with 95% bootstrap "
    "half-widths; it runs N(D+2) points for --samples N, N(2D+2) with --second-order. Sobol with --emulator runs "
    "only a Latin hypercube of --design-points P (default 10 per factor), fits a Gaussian-process emulator per metric "
    "and takes the indices from it, with a 95% interval over the emulator's posterior draws: P points where "
    "brute force needs N(D+2). Every point runs K "
    "--replications on common random numbers, so a factor the model ignores gets exactly zero; per metric, the "
    "noise share is the part of the variance of the point means due to replication noise (a warning above "
    f"{NOISE_WARN:g}). The number of runs is printed before starting. Writes sensitivity.csv (factor, metric, "
    "method, indices), points.csv and replications.csv, and a 'sensitivity' block in summary.json; --plot draws "
    "the Morris mu*-sigma chart or the S1/ST bars, in English and Chinese. See docs/sensitivity.md."
)
EXAMPLES = """\
examples:
  gridsim sensitivity scenarios/baota.toml --replications 3 --trajectories 10 \\
      --vary issue_types.assistance.rate_per_1000_households_per_week=0.8:1.6 \\
      --vary issue_types.dispute.service_time.mean=1.5:4.5 --vary visits.households_per_hour=3:6
  gridsim sensitivity scenarios/baota.toml --method sobol --samples 64 --metric wait_hours_mean \\
      --vary cadres.sunk.count=800:1400 --vary dispatch.rule=own_grid,pooled
  gridsim sensitivity scenarios/baota.toml --method sobol --emulator --replications 5 \\
      --vary cadres.sunk.count=800:1400 --vary visits.households_per_hour=3:6 \\
      --vary issue_types.dispute.service_time.mean=1.5:4.5
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The sensitivity command's own arguments (the common ones are the command line's)."""
    p.epilog = EXAMPLES + (p.epilog or "")
    p.add_argument("--vary", action="append", default=[], metavar="KEY=LO:HI", required=True,
                   help="a factor: a numeric field and its range (visits.households_per_hour=3:6; whole-number "
                   "fields such as cadres.sunk.count=800:1400 are sampled and rounded), or a list of levels "
                   "(dispatch.rule=own_grid,pooled); repeatable")
    p.add_argument("--metric", action="append", default=[], metavar="METRIC",
                   help=f"a metric to analyse (repeatable; default: {', '.join(DEFAULT_METRICS)})")
    p.add_argument("--method", choices=["morris", "sobol"], default="morris",
                   help="morris: screening, R(D+1) points (default); sobol: variance shares, N(D+2) points")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--trajectories", type=int, metavar="R",
                      help=f"Morris trajectories (default {DEFAULT_SIZE['morris']})")
    size.add_argument("--samples", type=int, metavar="N",
                      help=f"Sobol base samples, ideally a power of 2 (default {DEFAULT_SIZE['sobol']})")
    p.add_argument("--second-order", action="store_true", help="Sobol: also second-order indices S2 "
                   "(in summary.json), at N(2D+2) points")
    p.add_argument("--emulator", action="store_true",
                   help="Sobol from an emulator (numeric factors only): run a Latin hypercube of --design-points P "
                   "points x K replications, fit a Gaussian process per metric (checked by leave-one-out; a warning "
                   "when it fails) and compute S1/ST from it, with a 95%% interval over its posterior draws. Costs P "
                   "x K runs (P = 10 D by default) instead of N(D+2) x K, plus seconds to a minute of fitting per "
                   "metric; the indices are of the expected output (noise filtered out). sensitivity.csv's method is then "
                   "sobol-emulator, its interval columns S1_lo, S1_hi, ST_lo, ST_hi; summary.json's 'sensitivity' "
                   "block gains 'emulator' (per metric its leave-one-out diagnostics)")
    p.add_argument("--design-points", type=int, metavar="P",
                   help="--emulator: points of the design (default 10 per factor; more for a bumpy response)")


def _num(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}" if abs(x) >= 0.01 else f"{x:.2e}"


def _index_ci(d: dict[str, float], idx: str) -> str:
    """A Sobol index's 95% interval: the emulator's (``idx_lo``, ``idx_hi``) when there is one, else the bootstrap's."""
    if f"{idx}_lo" in d:
        lo, hi = d[f"{idx}_lo"], d[f"{idx}_hi"]
        return f"[{_num(lo)}, {_num(hi)}]" if math.isfinite(lo) and math.isfinite(hi) else "-"
    return _ci(d[idx], d[f"{idx}_conf"])


def _ci(value: float, half: float, floor: float = -math.inf) -> str:
    if not (math.isfinite(value) and math.isfinite(half)):
        return "-"
    return f"[{_num(max(floor, value - half))}, {_num(value + half)}]"


def _check_text(s: Sensitivity, metric: str) -> str:
    c = (s.emulator or {}).get(metric)
    if c is None:
        return ""
    verdict = "passed" if c.passed else "FAILED: do not trust these indices"
    return (f"; emulator leave-one-out: {c.outside} of {c.points} points beyond 3 sd (largest {c.max_abs:.1f}), "
            f"{verdict}")


def sensitivity_table(s: Sensitivity, effect_unit: Callable[[str], tuple[float, str]] = lambda m: (1.0, "")) -> str:
    """Per metric, the factors ranked (by mu_star or ST) with their indices, 95% CIs and the noise share.

    ``effect_unit(metric)``: (scale, unit) of a change of the metric, as the figure and the report show it (the
    API passes sim.outputs.numbers' rule: a share's changes in percentage points)."""
    head = (["rank", "factor", "mu_star", "95% CI", "sigma", "mu"] if s.method == "morris"
            else ["rank", "factor", "S1", "95% CI", "ST", "95% CI"])
    lines = []
    for m in s.metrics:
        if m not in s.indices:
            lines.append(f"{m}: not analysed: {s.skipped.get(m, '')}")
            continue
        share = s.noise.get(m, math.nan)
        note = "-" if not math.isfinite(share) else f"{100 * share:.1f}%"
        flag = "  (noise swamps the indices: more --replications)" if math.isfinite(share) and share > NOISE_WARN else ""
        k, name = effect_unit(m)
        unit = f"; effects in {name}" if s.method == "morris" and name else ""
        lines.append(f"{m} — noise share {note}{unit}{flag}{_check_text(s, m)}")
        if s.impossible(m):
            lines.append(f"  (the sample is too small for these indices: {s.impossible_text(m)}; a true index has "
                         f"0 <= S1 <= ST <= 1: {s.remedy})")
        rows = [head]
        for i, f in enumerate(s.ranking(m), 1):
            d = s.indices[m][f]
            if s.method == "morris":
                rows.append([str(i), f, _num(k * d["mu_star"]), _ci(k * d["mu_star"], k * d["mu_star_conf"], 0.0),
                             _num(k * d["sigma"]), _num(k * d["mu"])])
            else:
                rows.append([str(i), f, _num(d["S1"]), _index_ci(d, "S1"), _num(d["ST"]), _index_ci(d, "ST")])
        widths = [max(len(r[j]) for r in rows) for j in range(len(head))]
        for r in rows:
            lines.append("  " + "  ".join(c.ljust(w) if j < 2 else c.rjust(w) for j, (c, w) in enumerate(zip(r, widths))))
        lines.append("")
    what = ("mu_star: mean |change of the metric| per move across the factor's range (in the unit named above); "
            "sigma: spread of those effects (non-linearity, interactions); 95% CI: SALib bootstrap"
            if s.method == "morris" else
            "S1: share of the variance of the expected output due to the factor alone; ST: including its "
            "interactions; from a Gaussian-process emulator; 95% CI: over its posterior draws"
            if s.emulator is not None else
            "S1: share of the variance of the point means due to the factor alone; ST: including its "
            "interactions; 95% CI: SALib bootstrap")
    lines.append(what + f"; {s.sweep.replications} replication(s) per point on common random numbers; "
                 "noise share: docs/sensitivity.md")
    return "\n".join(lines)
