"""The terminal's table of ``compare --ensemble``: per policy and key metric, in how many plausible parameter
sets it is better, worse or not distinguishable from the reference (paired 95% CI within each set), and the
range of its mean difference over the sets, in the unit the metric's name says (shares in percentage points)."""

from __future__ import annotations

from sim.experiments.ensemble_compare import EnsembleComparison
from sim.outputs.numbers import diff_parts, stored_shown, unit_header
from sim.outputs.terminal import SHOWN, table


def _diff(metric: str, x: float) -> str:
    return diff_parts(metric, x, None, None, False, shown=stored_shown(metric, diff=True))[0]


def ensemble_table(res: EnsembleComparison) -> str:
    ens, ref = res.ensemble, res.policies[0]
    k = len(ens.sets)
    head = (f"over {k} plausible parameter set(s) of {ens.file} ({', '.join(ens.keys)}); "
            f"{res.replications} replication(s) per set and policy")
    rows = [("policy", "metric", "unit", "better", "worse", "not distinguishable", f"diff vs {ref}: min", "max",
             "mean")]
    for p in res.policies[1:]:
        for m in SHOWN:
            r = res.robustness.get(p, {}).get(m)
            if r is None:
                continue
            has_dir = r["better"] is not None
            rows.append((p, m, unit_header(m, shown=stored_shown(m, diff=True)),
                         f"{r['better']}/{r['sets']}" if has_dir else f"higher {r['higher']}",
                         f"{r['worse']}/{r['sets']}" if has_dir else f"lower {r['lower']}",
                         f"{r['indistinguishable']}/{r['sets']}",
                         _diff(m, r["diff_min"]), _diff(m, r["diff_max"]), _diff(m, r["diff_mean"])))
    note = ("better / worse: the paired 95% CI of (policy - reference) within the set lies wholly on the better / "
            "worse side of zero; the range is of the sets' mean differences; per set: ensemble.csv")
    return head + "\n" + (table(rows, 3) if len(rows) > 1 else "(no results)") + "\n" + note


def pooled_heading(res: EnsembleComparison) -> str:
    """The line above the usual comparison table of an ensemble folder: what pooling the sets means."""
    return (f"pooled over the {len(res.ensemble.sets)} sets (set i's replication r as replication i*n + r): means "
            "averaged over the plausible sets, CIs that count the sets' differences as noise; no one district's "
            "numbers (per set: the table above, ensemble.csv)")
