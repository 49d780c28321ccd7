"""Tables a person reads in the terminal after run, compare and sweep.  They name metrics by their
identifiers (what --target and --metric take), so each is shown in the unit its name says, as in
summary.json (sim.outputs.numbers.stored_shown): ``*_hours*`` in hours however long, cadre time in
cadre-hours, shares in % and their differences in percentage points; intervals never print as one value.
Every metric goes to the files; these show the key ones."""

from __future__ import annotations

import math

from sim.experiments.commands import Comparison, Sweep
from sim.experiments.statistics import MetricSummary
from sim.outputs.glossary import param_label, value_label
from sim.scenario import ROLES
from sim.outputs.numbers import Shown, better, ci_parts, diff_parts, format_diff, side, significant, stored_shown, unit_header

SHOWN = ["issues_arrived", "completion_rate", "completion_rate_reported", "wait_hours_mean", "resolution_hours_mean",
         "resolution_hours_p90", "true_resolution_hours_mean", "sla_attainment", "coverage_mean", "coverage_min_grid",
         "backlog_mean", "backlog_max", *[f"utilization_{r}" for r in ROLES], "escalation_rate",
         "escalated_by_delay_rate", "petitions", "cadre_hours_on_duty", "cadre_hours_overtime", "wartime_cadre_hours"]
VERDICT = ["resolution_hours_p90", "resolution_hours_mean", "sla_attainment", "coverage_mean", "coverage_min_grid",
           "completion_rate_reported", "escalated_by_delay_rate", "petitions"]
COST = "cadre_hours_on_duty"
SAME = "same in every run"


def table(rows: list[tuple[str, ...]], right_from: int) -> str:
    """Columns padded to width: text left, numbers (from column ``right_from``) right; a rule under the header."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i < right_from else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def _mean_ci(name: str, s: MetricSummary, shown: Shown) -> tuple[str, str]:
    m, a, b, _ = ci_parts(name, s.mean, *s.ci95, shown=shown)
    if a == "–":
        return m, "-"
    return m, SAME if s.ci95[0] == s.ci95[1] == s.mean else f"[{a}, {b}]"


def results_table(metrics: dict[str, MetricSummary]) -> str:
    rows = [("metric", "unit", "mean", "95% CI", "n", "better")]
    for name in SHOWN:
        if name not in metrics:
            continue
        s = metrics[name]
        shown = stored_shown(name)
        rows.append((name, unit_header(name, shown=shown), *_mean_ci(name, s, shown), str(s.n),
                     better(name) if better(name) in ("higher", "lower") else "-"))
    return table(rows, 2)


def comparison_table(result: Comparison, verdict: bool = True) -> str:
    """Every policy's means and paired differences from the first; with ``verdict``, the best policy per key metric
    below (not over an ensemble, whose pooled runs name no one district's best)."""
    base = result.policies[0]
    failed = result.failed_policies
    rows = [("metric", "unit", "policy", "mean", "95% CI", f"diff vs {base}", "paired 95% CI", "")]
    for name in SHOWN:
        if not any(name in result.summaries[p] for p in result.policies):
            continue
        shown = stored_shown(name)
        label = (name, unit_header(name, shown=shown))
        for p in result.policies:
            s = result.summaries[p].get(name)
            d = result.differences.get(p, {}).get(name)
            if s is None:  # every run failed, or e.g. utilization of a role this policy has no cadres in
                rows.append((*label, p, "-", "all runs failed" if p in failed else "", "", "", ""))
            elif d is None:
                rows.append((*label, p, *_mean_ci(name, s, shown), "", "", ""))
            else:
                sig = significant(*d.ci95)
                x, a, b, _ = diff_parts(name, d.mean, *d.ci95, sig, shown=stored_shown(name, diff=True))
                ci = "-" if a == "–" else SAME if d.ci95[0] == d.ci95[1] == d.mean else f"[{a}, {b}]"
                rows.append((*label, p, *_mean_ci(name, s, shown), x, ci, "*" if sig else ""))
            label = ("", "")
    notes = ["* the paired 95% CI of the difference excludes zero; differences of % metrics are in percentage points"]
    if failed:
        notes.append(f"no results for {', '.join(failed)}: every run failed (see failures.csv)")
    if base in failed:
        ok = [p for p in result.policies if p not in failed]
        notes.append(f"the reference policy {base} has no results, so there are no paired differences"
                     + (f"; to compare the others, put one of them first: --policies {','.join(ok)}" if ok else ""))
    out = (table(rows, 3) if len(rows) > 1 else "(no results)") + "\n" + "\n".join(notes)
    verdict = verdict_table(result) if verdict else ""
    return out + ("\n\nverdict (best mean per key metric; paired differences against " + base + ")\n" + verdict
                  if verdict else "")


def verdict_table(result: Comparison) -> str:
    """Per key metric: which way is better, the best policy, how it differs from the reference (paired), and what
    it costs in cadre time against the reference."""
    base = result.policies[0]
    ok = [p for p in result.policies if p not in result.failed_policies]
    if len(ok) < 2 or base not in ok:
        return ""
    rows = [("metric", "better", "best policy", f"vs {base} (paired 95% CI)", f"cadre time vs {base}")]
    for name in VERDICT:
        have = [p for p in ok if name in result.summaries[p] and math.isfinite(result.summaries[p][name].mean)]
        if len(have) < 2 or better(name) not in ("higher", "lower"):
            continue
        sign = 1 if better(name) == "higher" else -1
        best = max(have, key=lambda p: sign * result.summaries[p][name].mean)
        if len({result.summaries[p][name].mean for p in have}) == 1:  # no best among equals (all at 100%, say)
            rows.append((name, better(name), "none: all the same", "-", "-"))
            continue
        if best == base:
            diffs = {p: result.differences.get(p, {}).get(name) for p in have if p != base}
            # the reference is ahead of p where p − reference lies wholly on the worse side of zero
            ahead = [p for p, d in diffs.items() if d is not None and side(name, *d.ci95) == "worse"]
            # behind: best mean over its own replications, yet the paired difference favours p (unequal replications)
            behind = [p for p, d in diffs.items() if d is not None and side(name, *d.ci95) == "better"]
            tied = [p for p in diffs if p not in ahead and p not in behind]
            vs = "the reference itself" + (f"; ahead of {', '.join(ahead)}" if ahead else "") + \
                (f"; behind {', '.join(behind)} when paired" if behind else "") + \
                (f"; not distinguishable from {', '.join(tied)}" if tied else "")
            cost = "-"
        else:
            d = result.differences[best][name]
            sig = significant(*d.ci95)
            vs = format_diff(name, d.mean, *d.ci95, sig, shown=stored_shown(name, diff=True)) + \
                ("" if sig else f" (not distinguishable from {base})")
            c = result.differences[best].get(COST)
            cost = "-" if c is None else "the same" if c.mean == 0 and c.ci95[0] == c.ci95[1] == 0 else \
                format_diff(COST, c.mean, *c.ci95, significant(*c.ci95), shown=stored_shown(COST, diff=True))
        rows.append((name, better(name), best, vs, cost))
    return table(rows, 5) if len(rows) > 1 else ""


def sweep_table(result: Sweep) -> str:
    keys = [f.key for f in result.factors]
    shown = [n for n in ("resolution_hours_p90", "coverage_mean", "coverage_min_grid", COST)
             if any(n in s for s in result.summaries.values())]
    units = {n: stored_shown(n) for n in shown}
    rows = [("point", *[param_label(k) for k in keys], "n",
             *[f"{n} ({unit_header(n, shown=units[n])})" for n in shown])]
    for pid, params in result.points.items():
        s = result.summaries[pid]
        n = max((m.n for m in s.values()), default=0)
        cells = []
        for m in shown:
            if m not in s:
                cells.append("-")
                continue
            mean, ci = _mean_ci(m, s[m], units[m])
            cells.append(mean if ci in ("-", SAME) else f"{mean} {ci}")
        rows.append((pid, *[value_label(k, params[k]) for k in keys], str(n), *cells))
    return table(rows, 1 + len(keys))
