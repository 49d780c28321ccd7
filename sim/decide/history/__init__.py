"""History matching (``gridsim calibrate SCENARIO --vary KEY=LO:HI ...``): which parameter values are
consistent with the scenario's targets, given every known uncertainty (Vernon, Goldstein & Bower 2010;
Andrianakis et al. 2015; the hmer package's workflow).

- ``space.py``: the --vary box, Latin hypercube designs, rejection sampling of what is left;
- ``implausibility.py``: the implausibility of a point for a target, and the rule combining targets;
- ``waves.py``: the wave loop (design, run, emulate, rule out), with any simulator;
- ``records.py``: targets from a fit.json (``--records``);
- ``command.py``: the command, its results folder and resume;
- here: the terminal text and the command's arguments.

docs/calibration.md defines the method and the files.
"""

from __future__ import annotations

import argparse

from sim.decide.history.command import DEFAULT_RUNS_PER_WAVE, DEFAULT_WAVES, HistoryMatch, calibrate_history, wave_line
from sim.decide.history.implausibility import DEFAULT_CUTOFF, RULES
from sim.decide.history.waves import SAMPLE_SIZE, TargetSpec

__all__ = ["HELP", "HistoryMatch", "TargetSpec", "add_arguments", "calibrate_history", "history_text"]

HELP = (
    "With --vary KEY=LO:HI (repeatable), calibrate does history matching instead: it finds every setting of the "
    "varied fields within their ranges that the [[targets]] do not rule out. In waves: a space-filling design of "
    "--runs-per-wave points (a Latin hypercube over the box in wave 1; later, points of the part not yet ruled "
    "out), each run --replications K times on common random numbers (K >= 2: the replications give the "
    "simulation's own variance); per target, a Gaussian-process emulator of the metric over the box, checked by "
    "leave-one-out standardized errors (an emulator that fails does not rule anything out); then the "
    "implausibility of each x, I(x) = |target - E[f(x)]| / sqrt(Var_emulator(x) + Var_simulation(x) + "
    "Var_target). The target's tolerance sets Var_target: it is read as a 95% band, two standard deviations, so "
    "sd_target = tolerance x |value| / 2. A setting is plausible while I stays below --cutoff (default 3) for "
    "every target (--rule max) or all but one (--rule second) in every wave. Writes plausible.csv (one column per "
    "KEY, one row per plausible setting), points.csv (every point run, its means, variances and implausibility), "
    "waves.csv (per wave and target: share of the box still plausible, emulator diagnostics), implausibility.csv "
    f"({SAMPLE_SIZE:,} uniform points of the box: implausibility and the wave that ruled each out), and a "
    "'history_match' block in summary.json; each wave's runs are in DIR/wave-N/. No plausible setting is a "
    "finding (exit 0): the targets that conflict are named. See docs/calibration.md."
)
EXAMPLES = """\
examples:
  gridsim calibrate scenarios/validation/mmc10_twin.toml --replications 3 --waves 3 --runs-per-wave 25 \\
      --vary issue_types.request.rate_per_1000_households_per_week=672:2016 \\
      --vary issue_types.request.service_time.mean=0.5:1.5
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """calibrate's history-matching arguments."""
    p.epilog = EXAMPLES + (p.epilog or "")
    p.add_argument("--vary", action="append", default=[], metavar="KEY=LO:HI",
                   help="history matching: a numeric field and its range (whole-number fields are rounded); "
                   "repeatable. Without --vary, calibrate checks the scenario as it is")
    p.add_argument("--waves", type=int, default=None, metavar="N",
                   help=f"history matching: number of waves (default {DEFAULT_WAVES})")
    p.add_argument("--runs-per-wave", type=int, default=None, metavar="N",
                   help=f"history matching: design points per wave, each run K --replications "
                   f"(default {DEFAULT_RUNS_PER_WAVE})")
    p.add_argument("--cutoff", type=float, default=None, metavar="C",
                   help=f"history matching: implausibility cutoff (default {DEFAULT_CUTOFF:g})")
    p.add_argument("--records", dest="fit_records", metavar="FIT_JSON",
                   help="history matching: also match the arrivals per week of each issue type in this fit.json "
                   "(from 'gridsim fit') and the district's share of closed orders at each level, their 95%% CIs "
                   "as the targets' tolerance bands; where a [[targets]] entry names the same metric, the records' target "
                   "is kept and the scenario's dropped (a note says so)")
    p.add_argument("--rule", choices=list(RULES), default=None,
                   help="history matching: a setting is ruled out when the largest (max, default) or the "
                   "second-largest (second) target implausibility reaches the cutoff")


def history_text(hm: HistoryMatch) -> str:
    """The waves, one line each, then the plausible range of each varied field (or the conflicting targets)."""
    h = hm.history
    lines = [wave_line(r) for r in h.waves] + target_lines(hm) + [f"note: {r.note()}" for r in hm.replaced]
    if not len(h.plausible):
        lines.append("no plausible setting: the model cannot reproduce the targets within these ranges; "
                     f"conflicting target(s): {', '.join(h.conflicts()) or '-'}")
    else:
        lines.append(f"{len(h.plausible)} plausible setting(s) (plausible.csv); plausible ranges:")
        width = max(len(k) for k in hm.keys)
        for (k, (lo, hi)), f in zip(hm.ranges().items(), h.box.factors):
            lines.append(f"  {k.ljust(width)}  {lo:.4g} .. {hi:.4g}   (of {f.low:g} .. {f.high:g})")
    rule = "every target" if h.rule == "max" else "all targets but one"
    lines.append(f"implausibility cutoff {h.cutoff:g} for {rule}; sd_target = tolerance x |value| / 2; "
                 f"results: {hm.out}")
    return "\n".join(lines)


# What a target's kind of evidence lets it say about the parameters (sim.scenario.targets.EVIDENCE)
WEAK = {"layout": "a count of the layout (an input): it constrains the parameters only weakly",
        "other_district": "another district's figure: it constrains this district's parameters only weakly",
        "fitted": "a figure a rate was fitted to: agreement is partly by construction"}


def target_lines(hm: HistoryMatch) -> list[str]:
    """Per target: its evidence, and whether it varies over the design points by more than its sd_target (one
    that does not cannot rule anything out, so "all of the box plausible" is then no result)."""
    h, spread = hm.history, hm.history.spread()
    lines = ["targets (range of the simulated means over every point run, against sd_target):"]
    for t in h.targets:
        r = spread[t.metric]
        flat = not r > t.sd
        lines.append(f"  {t.metric}: range {r:.4g} vs sd_target {t.sd:.4g}"
                     + (": barely varies over the box, it cannot rule anything out" if flat else "")
                     + (f"; {WEAK[t.evidence]}" if t.evidence in WEAK else ""))
    return lines
