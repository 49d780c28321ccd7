"""``gridsim optimize``: the cheapest deployment that meets the targets, with a stated confidence.

In SimOpt's terms: the *problem* (``problem.py``: levers, targets, cost), the *solver*
(``search.py``: bisection on staffing levers, per-grid bisection and greedy marginal
allocation), the statistical *check* of each candidate (``feasibility.py``: one-sided t
intervals at a few fixed looks, Bonferroni over looks, targets and checks), and the
command with its results folder (``command.py``).  Here: the terminal's account and the command's arguments.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

from sim.decide.optimize.command import Decision, Optimization, decisions, describe_levers, optimize
from sim.decide.optimize.problem import ALLOCATION_KEY

__all__ = ["HELP", "Optimization", "add_arguments", "optimization_text", "optimize"]

HELP = (
    "The cheapest deployment that meets every target, with a statistical guarantee. Each --lever KEY=SPEC is a "
    "scenario field and its values, as in sweep --vary (a range LO:HI:STEP or a list a,b,c); staffing levers "
    "(cadres.sunk.count, cadres.grid_workers.per_grid, ...) are taken to be monotone (more staff never makes a "
    "target worse) and are bisected; the others are enumerated. cadres.sunk.per_grid=LO:HI places the sunk "
    "cadres grid by grid (each grid between LO and HI): every grid's count is bisected side by side on the "
    "per-grid targets, then one cadre at a time goes where the missed target binds (greedy marginal allocation, "
    "as in RAND's PCAM). Each --target 'METRIC<=X' or 'METRIC>=X' constrains the mean of a metric; the cost "
    "(--cost, default cadre_hours_on_duty) is minimised. Every candidate runs on the same seeds (common random "
    "numbers) and is declared feasible only by a sequential check (one-sided t intervals at replications "
    "n0, x1.4, x2, ...) whose error rate is shared over every look, target and check the search may make: with --confidence 0.95, the chosen deployment meets every "
    "target with 95% confidence. --replications N is the first stage (default 10) each candidate runs before "
    "its check may decide; --max-replications caps a candidate; --max-runs caps the whole search. Writes "
    "optimum.toml (a scenario 'gridsim run' takes as it is), candidates.csv, allocation.csv (per-grid lever) and "
    "an 'optimum' block in summary.json. No feasible candidate is a finding (exit 0): the closest is shown."
)
EXAMPLES = """\
examples:
  gridsim optimize scenarios/baota.toml --lever cadres.sunk.count=200:1400:100 \\
      --lever cadres.sunk.service_days=Wed,Mon+Thu --target 'coverage_mean>=0.9'
  gridsim optimize scenarios/baota.toml --lever cadres.sunk.per_grid=0:8 \\
      --target 'coverage_min_grid>=0.6' --plot
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The optimize command's own arguments (the common ones are the command line's)."""
    p.epilog = EXAMPLES + (p.epilog or "")
    p.add_argument("--lever", action="append", default=[], metavar="KEY=SPEC", required=True,
                   help="a decision: a field and its values (cadres.sunk.count=200:1400:50, "
                   "cadres.sunk.service_days=Wed,Mon+Thu, dispatch.rule=own_grid,community_pool), or the per-grid "
                   f"allocation {ALLOCATION_KEY}=LO:HI; repeatable")
    p.add_argument("--target", action="append", default=[], metavar="'METRIC<=X'", required=True,
                   help="a constraint on a metric's mean, e.g. 'resolution_hours_p90<=72' or "
                   "'coverage_min_grid>=0.8' (quote it); repeatable")
    p.add_argument("--cost", default="cadre_hours_on_duty", metavar="METRIC",
                   help="the metric to minimise (default cadre_hours_on_duty; e.g. cost_total)")
    p.add_argument("--confidence", type=float, default=0.95, metavar="P",
                   help="the chance the answer really meets every target (default 0.95)")
    p.add_argument("--max-runs", type=int, metavar="N", help="stop the search after N runs in all")


def ensemble_text(e: dict[str, Any]) -> str:
    """Over a plausible ensemble: what feasible means, and the sets where the answer was not shown feasible."""
    text = (f"over {e['size']} plausible parameter set(s) of {e['file']}: a deployment counts as feasible when shown "
            f"feasible in at least {e['need']} of them (--ensemble-share {e['share']:g}; each set's check at the "
            "error rate divided by the number of sets)")
    fails = e.get("failing_at_answer") or []
    if not fails:
        return text + "; the answer is shown feasible in every set"
    return text + "; at the answer, not shown feasible in: " + "; ".join(
        f"{f['id']} (row {f['row']}: " + ", ".join(f"{k}={v:g}" for k, v in f["values"].items()) + f"; {f['verdict']})"
        for f in fails)


def _num(x: float) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _ci(s) -> str:
    return f"{_num(s.mean)} [{_num(s.ci95[0])}, {_num(s.ci95[1])}]"


def shown(d: Decision, value: Callable[[str, float], str]) -> str:
    """What a check showed about one target, with the interval it decided with."""
    iv = (f"[{value(d.target.metric, d.low)}, {value(d.target.metric, d.high)}] at {d.replications} replications"
          + (f" of {d.set}" if d.set else ""))
    thr = value(d.target.metric, d.target.threshold)
    if d.status == "met":
        return f"{d.target} shown met: {iv} lies on the right side of {thr}"
    if d.status == "missed":
        return f"{d.target} shown missed: {iv} lies wholly on the wrong side of {thr}"
    return f"{d.target} not shown either way: {iv} holds {thr}, so it may meet or miss it"


def optimization_text(res: Optimization, ci: Callable[[str, Any], str] | None = None,
                      value: Callable[[str, float], str] | None = None) -> str:
    """The terminal's account: the answer, its metrics against every target with the intervals the check decided
    with, the next-cheaper candidate and what its check showed, the runs.

    ``ci(metric, summary)`` and ``value(metric, x)`` show numbers in the reader's units (the API passes the
    outputs' formatters; by default they print as stored)."""
    ci = ci or (lambda _, s: _ci(s))
    value = value or (lambda _, x: _num(x))
    p = res.problem
    c = res.answer
    lines = []
    if res.optimum is not None:
        lines.append(f"cheapest deployment shown to meet every target: {describe_levers(c.levers)}")
    elif c is not None:
        lines.append("no candidate in the lever ranges was shown to meet every target (a finding, not an error); "
                     f"the closest: {describe_levers(c.levers)}")
    else:
        lines.append("no candidate was checked")
    level = None
    if c is not None:
        m = res.metrics[c.name]
        lines.append(f"  {c.replications} replications; cost {p.cost}: {ci(p.cost, m[p.cost])}")
        by = {d.target: d for d in decisions(c)}
        rows = [("target", "mean [95% CI]" + (", all sets pooled" if res.ensemble else ""), "decided with", "shown")]
        for t in p.targets:
            d = by.get(t)
            iv = "-" if d is None else (f"[{value(t.metric, d.low)}, {value(t.metric, d.high)}] "
                                        f"({d.set + ', ' if d.set else ''}{d.replications} replications)")
            rows.append((str(t), ci(t.metric, m[t.metric]), iv,
                         "-" if d is None else {"open": "not either way"}.get(d.status, d.status)))
            level = level or (d and d.level)
        w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines += ["  " + "  ".join(x.ljust(w[i]) for i, x in enumerate(r)).rstrip() for r in rows]
    if res.next_cheaper is not None:
        n = res.next_cheaper
        lines.append(f"  next cheaper: {describe_levers(n.levers)} (cost {value(p.cost, res.cost(n).mean)}): "
                     f"{n.verdict} after {n.replications} replications; "
                     + "; ".join(shown(d, value) for d in decisions(n) if d.status != "met"))
        level = level or next((d.level for d in decisions(n)), None)
    if level is not None:
        lines.append(f"  decided with: each end of the interval is a one-sided bound at {100 * level:.4g}%, the "
                     f"{100 * (1 - p.confidence):g}% error rate shared over every look, target and check the search "
                     "may make; a plain 95% CI is narrower, and may clear a threshold this interval does not.")
    if res.ensemble:
        lines.append("  " + ensemble_text(res.ensemble))
        if c is not None:
            lines.append("  the mean and 95% CI pool every set's runs; the interval decided with is the one of the set "
                         "named beside it, where the target is hardest to meet, from that set's runs alone (so it "
                         "need not hold the pooled mean)")
    if res.optimum is not None:
        lines.append("  " + res.guarantee)
    if res.stopped:
        lines.append(f"  the search stopped early: {res.stopped}")
    lines.append(f"  {len(res.candidates)} candidate(s) looked at, {res.runs_used} runs; every candidate: "
                 f"{res.out / 'candidates.csv'}")
    if c is not None:
        lines.append(f"  run it: gridsim run {res.out / ('optimum.toml' if res.optimum else 'closest.toml')}")
    return "\n".join(lines)
