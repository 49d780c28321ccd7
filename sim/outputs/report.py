"""A one-to-two page report of a results folder: Markdown and PDF twins.

Its contents follow the STRESS-DES checklist (Monks et al. 2019) for what a
simulation study must state: objective, model logic, data sources,
experimentation (run length, warm-up, replications, common random numbers,
seeds), implementation (software and versions) and where the input lives.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

from sim.outputs.glossary import metric_info
from sim.outputs.plots import Folder, plot_folder

ROWS = [("completion_rate", "completion (all issues)"), ("completion_rate_reported", "completion (reported)"),
        ("resolution_hours_mean", "resolution, mean"), ("resolution_hours_p90", "resolution, p90"),
        ("sla_attainment", "within SLA"), ("coverage_mean", "visit coverage, mean"),
        ("coverage_min_grid", "visit coverage, worst grid"), ("backlog_mean", "open issues, mean"),
        ("cadre_hours_on_duty", "cadre time on duty")]


def _cell(metric: str, m: dict[str, Any] | None) -> str:
    """Mean [95% CI] by the one unit rule of sim.outputs.numbers (an interval never prints as one value)."""
    from sim.outputs.numbers import format_ci

    if not m:
        return "–"
    lo, hi = m["ci95"]
    return format_ci(metric, m["mean"], lo, hi)


def key_table(f: Folder) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the report's table, for run and compare folders (sweeps: first points)."""
    s = f.summary
    if f.command == "compare":
        pols = s["policies"]
        head = ["metric", *pols, *[f"{p} (all runs failed)" for p in f.failed]]
        rows = []
        for name, label in ROWS:
            if not any(name in s["by_policy"][p]["metrics"] for p in pols):
                continue
            row = [label]
            for p in pols:
                cell = _cell(name, s["by_policy"][p]["metrics"].get(name))
                d = s["differences"].get(p, {}).get("metrics", {}).get(name)
                if d and d["ci95"][0] is not None and (d["ci95"][0] > 0 or d["ci95"][1] < 0):
                    cell += " *"
                row.append(cell)
            rows.append(row + ["–"] * len(f.failed))
        return head, rows
    if f.command == "sweep":
        keys = [x["key"].split(".")[-1] for x in s["factors"]]
        head = ["point", *keys, "resolution p90", "coverage"]
        rows = [[pid, *["+".join(map(str, v)) if isinstance(v, list) else str(v) for v in p["params"].values()],
                 _cell("resolution_hours_p90", p["metrics"].get("resolution_hours_p90")),
                 _cell("coverage_mean", p["metrics"].get("coverage_mean"))]
                for pid, p in list(s["points"].items())[:12]]
        return head, rows
    if f.command == "sensitivity":  # the factors ranked per metric (sensitivity_lines says it in words)
        b = s.get("sensitivity") or {}
        idx = "mu_star" if b.get("method") == "morris" else "ST"
        rows = [[m, f"{i}. {k}", *[f"{b['indices'][m][k].get(c, math.nan) or 0:.3g}" for c in (idx, f"{idx}_conf")],
                 "–" if b.get("noise_share", {}).get(m) is None else f"{100 * b['noise_share'][m]:.0f}%"]
                for m, order in b.get("ranking", {}).items() for i, k in enumerate(order[:6], 1)]
        return ["metric", "factor (ranked)", idx, f"{idx} ± (95%)", "noise share"], rows
    rows = [[label, _cell(name, s["metrics"].get(name))] for name, label in ROWS if name in s["metrics"]]
    if f.command == "optimize":  # the targets' metrics too, where the fixed rows lack them
        from sim.outputs.glossary import metric_label

        shown = {name for name, _ in ROWS}
        rows += [[metric_label(m), _cell(m, c)] for m, c in (s.get("optimum") or {}).get("metrics", {}).items()
                 if m not in shown]
    return ["metric", "mean [95% CI]"], rows


def scenario_lines(f: Folder) -> list[str]:
    sc = f.scenario
    cal = sc.get("calendar", {})
    grids = sc.get("grids", {})
    n_grids = grids.get("generate", {}).get("count") or len(grids.get("list", []) or []) or "from CSV"
    cad = sc.get("cadres", {})
    sunk = cad.get("sunk", {})
    lines = [
        f"**{sc.get('name', '?')}**: {sc.get('description', '').strip()}",
        f"{n_grids} grids; {cad.get('grid_workers', {}).get('per_grid', 1)} grid worker(s) per grid; "
        f"{sunk.get('count', 0)} sunk cadres on {'+'.join(sunk.get('service_days', ['Wed']))}.",
        f"Issue types: {', '.join(sc.get('issue_types', {}))}. "
        f"Emergencies: {', '.join(e.get('name', 'emergency') for e in sc.get('emergencies', [])) or 'none'}; "
        f"wartime trigger: {sc.get('wartime', {}).get('trigger', 'scheduled')}.",
        f"Run length {cal.get('horizon_days', 365)} days from {cal.get('start', '?')}, "
        f"of which the first {cal.get('warmup_days', 28)} are warm-up.",
    ]
    if f.command == "compare":
        lines.append(f"Policies compared: {', '.join(f.summary['policies'])} (reference: {f.summary['reference']}).")
    if f.command == "optimize":
        o = _search(f)
        lines.append(f"Searched: {', '.join(o.get('levers', []))}, for the lowest `{o.get('cost')}` meeting "
                     f"{', '.join(o.get('targets', []))} (the staffing above is the scenario's own; the answer's "
                     "is in the results below and in optimum.toml).")
    return lines


def _search(f: Folder) -> dict[str, Any]:
    """What an optimize folder searched (its command.json)."""
    import json

    return json.loads((f.path / "command.json").read_text(encoding="utf-8")).get("optimize", {})


def method(f: Folder) -> str:
    s = f.summary
    seeds = s.get("seeds", {})
    checks = s.get("warmup_check", {})
    mser = "; ".join(f"{v}: MSER-5 suggests {c['mser5_median_days']:g} days ({'enough' if c['long_enough'] else 'NOT enough'})"
                     for v, c in checks.items())
    ver = s.get("versions", {})
    objective = ("find the cheapest deployment within the lever ranges that meets every target, with a stated "
                 "confidence (docs/optimize.md)" if f.command == "optimize" else
                 "estimate how fast issues are resolved, how fully households are visited, and at what cost in "
                 "cadre time, under the scenario's staffing policy(ies)")
    return (
        f"Objective: {objective}. Model: a discrete-event simulation (gridsim "
        f"{ver.get('gridsim', '?')}, SimPy {ver.get('simpy', '?')}, Python {ver.get('python', '?')}) of issues "
        "arriving per grid as non-homogeneous Poisson processes, some hidden until a household visit or a delayed "
        "report, served by grid workers and sunk cadres on weekly shifts, escalated to community, street and "
        "department offices, with wartime mode in emergencies. Data: the figures cited in the scenario file "
        "(scenario.resolved.toml in this folder); every other number there is marked as an assumption. "
        f"Experimentation: {_replications(f)}, each "
        f"{s.get('horizon_days', '?')} days with the first {s.get('warmup_days', '?')} discarded as warm-up "
        f"({mser or 'no warm-up check'}); root seed {seeds.get('root', '?')}, replication k of every variant "
        "seeded by SeedSequence(root, spawn_key=(k,)), so all variants see the same issues (common random "
        "numbers) and differences are paired. Intervals are Student-t 95% confidence intervals over replications; "
        "* marks a paired difference from the reference whose interval excludes zero."
    )


def _num(x: float) -> str:
    x = x + 0.0  # no '-0'
    return f"{x:,.0f}" if abs(x) >= 1000 else (f"{x:.3g}" if abs(x) < 10 else f"{x:.1f}")


def selection_paragraph(f: Folder) -> str:
    """The selection of the best policy (compare --select-best) in words; '' for other folders.

    Each sentence says only what the numbers support: 'is the best' only when the procedure ended
    with one policy, 'better by' only when the selected policy's MCB interval lies below (above) zero."""
    s = f.summary.get("selection")
    if f.command != "compare" or not s or not s.get("mcb"):
        return ""
    m, best, conf = s["metric"], s["best"], f"{100 * s['confidence']:g}%"
    minimize = s["direction"] == "minimize"
    better = "lowest" if minimize else "highest"
    info = metric_info(m)
    pct = bool(info) and info[0].unit == "share"
    unit = " percentage points" if pct else {"hours": " h", "days": " days"}.get(info[0].unit, "") if info else ""
    val = (lambda x: _num(100 * x)) if pct else _num
    out = [f"Selection of the best policy on `{m}` ({better} mean is best; indifference zone delta = "
           f"{val(s['delta'])}{unit}; procedure KN on common random numbers, first stage "
           f"{s.get('first_stage', '?')} replications, then one at a time for the policies still in contention)."]
    order = sorted(s.get("eliminated", {}).items(), key=lambda kv: kv[1])
    if len(s.get("still_in_contention", [best])) <= 1:
        out.append(f"With {conf} confidence, **{best}** has the {better} mean {m} of the "
                   f"{len(s['mcb'])} policies, or is within {val(s['delta'])}{unit} of the {better}.")
    else:
        out.append(f"The cap of {max(s['replications'].values())} replications per policy stopped the procedure with "
                   f"{', '.join(s['still_in_contention'])} still in contention: the data do not separate them by "
                   f"delta, so no policy is selected with {conf} confidence; {best} has the {better} mean so far.")
    if order:
        out.append("Eliminated: " + "; ".join(f"{p} after {n} replications" for p, n in order) + ".")
    lo, hi = s["mcb"][best]
    worse, ahead = (hi, -lo) if minimize else (-lo, hi)
    if worse <= 0 < ahead:
        out.append(f"Its MCB interval (mean minus the best of the others) is [{val(lo)}, {val(hi)}]{unit}: it is no "
                   f"worse than any other policy, and may be better than the next best by up to {val(ahead)}{unit}.")
    elif worse > 0:
        out.append(f"Its MCB interval (mean minus the best of the others) is [{val(lo)}, {val(hi)}]{unit}: it may "
                   f"be up to {val(worse)}{unit} worse than the best of the others.")
    return " ".join(out)


def _levers(levers: dict[str, Any]) -> str:
    def one(k: str, v: Any) -> str:
        if isinstance(v, dict):  # the per-grid allocation
            return f"{sum(v.values())} sunk cadres placed grid by grid in {len(v)} grids (allocation.csv)"
        return f"{k} = {'+'.join(map(str, v)) if isinstance(v, list) else v}"
    return "; ".join(one(k, v) for k, v in levers.items())


def _against_targets(block: dict[str, Any]) -> str:
    from sim.outputs.numbers import format_ci, format_value

    def miss(m: str, c: dict[str, Any]) -> str:
        if c["met"]:
            return "met on average"
        return f"missed on average by {format_value(m, abs(c['mean'] - float(c['target'].split('=')[-1])))}"
    return "; ".join(f"`{c['target']}`: {format_ci(m, c['mean'], *c['ci95'])}, {miss(m, c)}"
                     for m, c in block["metrics"].items())


def optimum_paragraph(f: Folder) -> str:
    """The answer of ``optimize`` in words; '' for other folders.  'Meets every target' is written only
    for a candidate the procedure showed feasible (docs/optimize.md, the guarantee)."""
    from sim.outputs.numbers import format_ci

    o = f.summary.get("optimum")
    if f.command != "optimize" or not o:
        return ""
    out = []
    c = o.get("cost") or {}
    if o.get("found"):
        out.append(f"The cheapest deployment shown to meet every target: **{_levers(o['levers'])}**, at "
                   f"{format_ci(c['metric'], c['mean'], *c['ci95'])} of `{c['metric']}` "
                   f"({o['replications']} replications). {o['guarantee']}")
    elif o.get("levers"):
        out.append(f"No candidate in the lever ranges was shown to meet every target. The closest: "
                   f"{_levers(o['levers'])} ({o['verdict']} after {o['replications']} replications).")
    if o.get("metrics"):
        out.append("Its targets: " + _against_targets(o) + ".")
    n = o.get("next_cheaper")
    if n:
        out.append(f"The next cheaper candidate, {_levers(n['levers'])}, was {n['verdict']} after "
                   f"{n['replications']} replications: " + _against_targets(n) + ".")
    out.append(f"The search looked at {o['candidates_evaluated']} candidates in {o['runs_used']} runs "
               "(every one in candidates.csv).")
    if o.get("stopped"):
        out.append(f"It stopped early: {o['stopped']}.")
    return " ".join(out)


def _replications(f: Folder) -> str:
    s = f.summary
    if f.command == "optimize":
        o = _search(f)
        return (f"{o.get('first_stage', '?')} independent replications per candidate, then more (up to "
                f"{o.get('max_replications', '?')}) only for candidates near a target, as the feasibility checks "
                f"decided ({s.get('replications', '?')} for the chosen deployment)")
    chosen = s.get("selection")
    if chosen and chosen.get("replications"):
        return ("independent replications per policy as the selection procedure decided ("
                + ", ".join(f"{p}: {n}" for p, n in chosen["replications"].items()) + ")")
    return f"{s.get('replications', '?')} independent replications per variant"


def telling_figures(f: Folder, written: list[Path]) -> list[Path]:
    names = {p.stem: p for p in written}
    if f.command == "compare":  # the map of differences is where a reader sees which grids a policy helps
        v = f.summary["reference"]
        order = ["selection", "differences", "map-coverage-difference", f"backlog-{v}", f"grid-coverage-{v}"]
    elif f.command == "sweep":
        order = [n for n in names if n.startswith("heatmap")] + [n for n in names if n.startswith("sweep-")]
    elif f.command == "sensitivity":
        order = [n for n in names if n.startswith("sensitivity-")]
    elif f.command == "optimize":
        order = [*[n for n in names if n.startswith("optimize-")][:2], "map-allocation"]
    else:
        v = f.variants[0]
        order = [f"backlog-{v}", "map-coverage", f"resolution-ecdf-{v}", f"grid-coverage-{v}"]
    return [names[n] for n in order if n in names][:3]


def sensitivity_lines(f: Folder) -> list[str]:
    """A sensitivity folder's factors ranked in words, per metric: only what the indices and their 95%
    bootstrap intervals support (docs/sensitivity.md)."""
    from sim.outputs.glossary import metric_label
    from sim.outputs.numbers import format_ci, format_value
    from sim.outputs.plots.sensitivity import factor_label

    def param_label(key: str) -> str:
        return factor_label(key, "en")

    b = f.summary.get("sensitivity") or {}
    morris = b.get("method") == "morris"
    idx, big = ("mu_star", "μ*") if morris else ("ST", "ST")
    out = [f"{'Morris screening' if morris else 'Sobol indices'} (SALib) of {len(b.get('factors', []))} factor(s) "
           f"over {b.get('points')} design points x {b.get('replications')} replication(s) on common random numbers."]

    def val(m: str, x: float | None) -> str:
        return format_value(m, x) if morris else ("–" if x is None else f"{x:.2f}")

    def ci(m: str, d: dict[str, Any]) -> tuple[float, float]:
        v, c = d.get(idx), d.get(f"{idx}_conf")
        if v is None or c is None:
            return math.nan, math.nan
        return (max(0.0, v - c) if morris else v - c), v + c

    for m, order in b.get("ranking", {}).items():
        ind, name = b["indices"][m], metric_label(m)
        top = order[0]
        lo, hi = ci(m, ind[top])
        shown = format_ci(m, ind[top][idx], lo, hi) if morris else f"{ind[top][idx]:.2f} [{lo:.2f}, {hi:.2f}]"
        text = f"**{name}**: the most influential factor is {param_label(top)} ({big} = {shown})"
        if len(order) > 1:
            lo2, hi2 = ci(m, ind[order[1]])
            sec = param_label(order[1])
            text += (f", clearly ahead of {sec} (their 95% intervals do not overlap)." if lo > hi2 else
                     f"; its interval overlaps that of {sec} ({big} = {val(m, ind[order[1]][idx])}), so their "
                     "order is not settled at this sample size.")
        else:
            text += "."
        if math.isfinite(lo) and lo <= 0:
            text += f" Even the top factor's interval reaches zero: no effect on {name} is established."
        zero = [param_label(k) for k in order if ind[k].get(idx) == 0 and (not morris or ind[k].get("sigma") == 0)]
        if zero:
            zero[0] = zero[0][:1].upper() + zero[0][1:]
            text += (f" {', '.join(zero)} had no effect at all (every effect exactly zero on common random numbers)."
                     if morris else f" {', '.join(zero)} explain none of the variance ({big} = 0).")
        if morris:
            wavy = [param_label(k) for k in order if (ind[k].get("sigma") or 0) > (ind[k].get("mu_star") or 0) > 0]
            if wavy:
                text += f" The effect of {', '.join(wavy)} varies across the design (σ > μ*): non-linear or interacting."
        share = b.get("noise_share", {}).get(m)
        if share is not None:
            text += f" Replication noise is {100 * share:.0f}% of the variance of the point means"
            text += (": these indices mostly measure noise; more replications are needed." if share > b.get("noise_warn", 0.5)
                     else ".")
        out.append(text)
    out += [f"{m}: not analysed ({why})." for m, why in b.get("skipped", {}).items()]
    return out


def results_heading(f: Folder) -> str:
    what = " of the chosen deployment" if f.command == "optimize" and f.summary.get("optimum", {}).get("found") else \
        " of the closest candidate" if f.command == "optimize" else ""
    return f"Key results{what} (mean [95% CI])"


def write_report(path: str | Path) -> tuple[Path, Path]:
    """Write report.md and report.pdf into the folder; return their paths."""
    f = Folder.load(path)
    pngs = plot_folder(f.path, "png", "en")
    figs = telling_figures(f, pngs)
    head, rows = key_table(f)
    title = f"gridsim report: {f.summary.get('scenario', '?')} ({f.command})"

    md = [f"# {title}", "", "## Scenario", "", *[f"- {x}" for x in scenario_lines(f)], "",
          f"## {results_heading(f)}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head),
          *["| " + " | ".join(r) + " |" for r in rows], ""]
    if f.command == "compare":
        md += ["\\* the paired 95% CI of the difference from the reference excludes zero.", ""]
    decision = ("Selection of the best policy", selection_paragraph(f)) if f.command == "compare" else \
        ("The cheapest deployment meeting the targets", optimum_paragraph(f))
    if decision[1]:
        md += [f"## {decision[0]}", "", decision[1], ""]
    if f.command == "sensitivity":
        md += ["## Sensitivity: which assumptions matter", "", *[f"- {x}" for x in sensitivity_lines(f)], ""]
    md += ["## Figures", "", *[f"![{p.stem}](figures/{p.name})" for p in figs], "", "## Method", "", method(f), ""]
    md_path = f.path / "report.md"
    from sim.experiments.atomic import atomic_write

    atomic_write(md_path, "\n".join(md))
    pdf_path = f.path / "report.pdf"
    _pdf(pdf_path, title, scenario_lines(f), head, rows, figs, method(f), f.command == "compare",
         (decision[0], decision[1].replace("**", "").replace("`", "")), results_heading(f))
    return md_path, pdf_path


def _pdf(path: Path, title: str, scen: list[str], head: list[str], rows: list[list[str]], figs: list[Path],
         meth: str, starred: bool, decision: tuple[str, str] = ("", ""),
         heading: str = "Key results (mean [95% CI])") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    a4 = (8.27, 11.69)
    with PdfPages(path, metadata={"Title": title, "Creator": "gridsim"}) as pdf:
        fig = plt.figure(figsize=a4)
        y = 0.95
        fig.text(0.08, y, title, fontsize=14, weight="bold")
        y -= 0.04
        fig.text(0.08, y, "Scenario", fontsize=11, weight="bold")
        for line in scen:
            for w in textwrap.wrap(line.replace("**", ""), 105):
                y -= 0.018
                fig.text(0.08, y, w, fontsize=8)
        y -= 0.035
        fig.text(0.08, y, heading, fontsize=11, weight="bold")
        height = 0.022 * (len(rows) + 1)
        ax = fig.add_axes([0.08, y - 0.01 - height, 0.84, height])
        ax.axis("off")
        table = ax.table(cellText=rows, colLabels=head, loc="upper left", cellLoc="left", colLoc="left")
        table.auto_set_font_size(False)
        table.set_fontsize(7 if len(head) <= 4 else 6)
        table.scale(1, 1.15)
        y -= height + 0.02
        if starred:
            fig.text(0.08, y + 0.015, "* the paired 95% CI of the difference from the reference excludes zero.",
                     fontsize=7)
        if decision[1]:
            fig.text(0.08, y - 0.01, decision[0], fontsize=11, weight="bold")
            for w in textwrap.wrap(decision[1], 120):
                y -= 0.017
                fig.text(0.08, y - 0.01, w, fontsize=7.5)
            y -= 0.035
        fig.text(0.08, y - 0.01, "Method", fontsize=11, weight="bold")
        for w in textwrap.wrap(meth, 120):
            y -= 0.017
            fig.text(0.08, y - 0.01, w, fontsize=7.5)
        if figs:  # one figure on the first page when it fits
            space = y - 0.05
            if space > 0.22:
                img = mpimg.imread(figs[0])
                h = min(space - 0.02, 0.84 * img.shape[0] / img.shape[1] * a4[0] / a4[1])
                axf = fig.add_axes([0.08, 0.04, 0.84, h])
                axf.imshow(img)
                axf.axis("off")
                figs = figs[1:]
        pdf.savefig(fig)
        plt.close(fig)
        if figs:
            fig = plt.figure(figsize=a4)
            slot = 0.9 / len(figs)
            for i, p in enumerate(figs):
                img = mpimg.imread(p)
                axf = fig.add_axes([0.1, 0.95 - (i + 1) * slot, 0.8, slot - 0.02])
                axf.imshow(img)
                axf.axis("off")
            pdf.savefig(fig)
            plt.close(fig)

