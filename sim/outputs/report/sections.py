"""The report's fixed parts, in either language: the scenario, the key results table, the design of a sweep,
the grids to act on, the figures that tell most, and the method (STRESS-DES, Monks et al. 2019)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from collections.abc import Callable
from typing import Any

from sim.outputs.areas import AreaRow, areas, header
from sim.outputs.glossary import better_label, emergency_label, label, metric_label, param_label, value_label
from sim.outputs.grid_table import grid_rows, layout, worst
from sim.outputs.numbers import better, format_ci, format_value, share_percent, significant, stored_shown
from sim.outputs.plots import Folder
from sim.outputs.report.document import Table
from sim.outputs.report.say import listing, say
from sim.outputs.report.uncertainty import covers, per_grid_note
from sim.scenario import ScenarioError, load_scenario

KEY_METRICS = ["completion_rate", "completion_rate_reported", "resolution_hours_mean", "resolution_hours_p90",
               "sla_attainment", "coverage_mean", "coverage_min_grid", "backlog_mean", "escalation_rate",
               "escalated_by_delay_rate", "petitions", "cadre_hours_on_duty", "cadre_hours_overtime"]
MAX_POINTS = 24  # sweep points listed in the report; every one is in points.csv and results.xlsx
WORST_GRIDS = 5
WORST_AREAS = 10  # communities listed in the report; every one is in results.xlsx (sheet areas)


def policy(f: Folder, name: str, lang: str) -> str:
    return label(f"policy:{name}", lang, f.scenario)


def cell(metric: str, m: dict[str, Any] | None, lang: str) -> str:
    """Mean [95% CI] by the one unit rule of sim.outputs.numbers (an interval never prints as one value)."""
    if not m:
        return "–"
    return format_ci(metric, m["mean"], *m["ci95"], lang=lang)


def search(f: Folder) -> dict[str, Any]:
    """What an optimize folder searched (its command.json)."""
    return json.loads((f.path / "command.json").read_text(encoding="utf-8")).get("optimize", {})


def params_text(f: Folder, params: dict[str, Any], lang: str) -> str:
    sep, gap = ("，", "") if lang == "zh" else ("; ", " ")
    return sep.join(f"{param_label(k, lang, f.scenario)}{gap}{value_label(k, v, lang)}" for k, v in params.items())


def _sunk_count(resolved: Path, sunk: dict[str, Any]) -> int:
    """Sunk cadres in the district: ``count``, the sum of ``per_grid``, or of the grid table's column."""
    if sunk.get("per_grid"):
        return sum(sunk["per_grid"].values())
    if sunk.get("allocation") == "table":  # the table is copied into the folder with the scenario
        try:
            return load_scenario(resolved).cadres.sunk.count
        except ScenarioError:
            pass
    return sunk.get("count", 0)


def _resolved_path(f: Folder, variant: str | None) -> Path:
    return (f.variant_path(variant) if variant else None) or f.path / "scenario.resolved.toml"


def staffing(f: Folder, variant: str | None, lang: str) -> str:
    """Grids and staff as one variant ran them (a policy's, after its patch and any --set); what a sweep's or
    sensitivity's design sets per point is said to be so, not given the first point's value."""
    sc = f.variant_scenario(variant) if variant else f.scenario
    varied = {x["key"] for x in f.summary.get("factors", [])} if f.command in ("sweep", "sensitivity") else set()
    grids = sc.get("grids", {})
    n_grids = grids.get("generate", {}).get("count") or len(grids.get("list", []) or []) or \
        f"{len(layout(f.path)):,}"
    cad = sc.get("cadres", {})
    sunk = cad.get("sunk", {})
    days = sunk.get("service_days", ["Wed"])
    each = sunk.get("days_per_cadre")
    per_grid = cad.get("grid_workers", {}).get("per_grid", 1)
    workers = say(lang, "grid workers per grid as the design sets", "每格网格员人数按试验设计取值") \
        if "cadres.grid_workers.per_grid" in varied else \
        say(lang, "{w} grid worker{s} per grid", "每格{w}名网格员", w=per_grid, s="" if per_grid == 1 else "s")
    sized = bool(varied & {"cadres.sunk.count", "cadres.sunk.per_grid", "cadres.sunk.allocation"})
    count = None if sized else _sunk_count(_resolved_path(f, variant), sunk)
    cadres = say(lang, "sunk cadres in the numbers the design sets,", "下沉干部人数按试验设计取值") if sized else \
        say(lang, "{s} sunk cadres", "{s}名下沉干部", s=f"{count:,}")
    if varied & {"cadres.sunk.service_days", "cadres.sunk.days_per_cadre"}:
        when = say(lang, "on the days the design sets", "服务日按试验设计取值")
    else:
        when = say(lang, "on {d}", "服务日{d}", d=value_label("cadres.sunk.service_days", days, lang))
        if each is not None and each < len(days):
            when += say(lang, ", {k} of these days each", "，每人每周其中{k}天", k=each)
    first = f.ensemble_set() if variant else None
    where = say(lang, " (as set in {s}, the first parameter set; the sets change only {k})",
                "（取自第一个参数组{s}；各参数组只改动{k}）", s=first,
                k=say(lang, ", ", "、").join((f.summary.get("ensemble") or {}).get("keys", []))) if first else ""
    sunk_words = say(lang, "no sunk cadres", "无下沉干部") if count == 0 else \
        say(lang, "{c} {when}", "{c}，{when}", c=cadres, when=when)  # no service days for no one
    return say(lang, "{g}; {w}; {s}{x}.", "{g}；{w}；{s}{x}。", g=grids_phrase(n_grids, lang), w=workers, s=sunk_words,
               x=where)


def grids_phrase(n: int | str, lang: str) -> str:
    """'1 grid', '16 grids' ('16个网格')."""
    return say(lang, "{g} grid" + ("" if str(n) == "1" else "s"), "{g}个网格", g=n)


def described(entry: dict[str, Any], lang: str) -> str:
    """An entry's ``description`` in ``lang``: a Chinese report shows ``description_zh``, or nothing rather than
    the English text."""
    return (entry.get("description_zh", "") if lang == "zh" else entry.get("description", "")).strip()


def _policy_words(f: Folder, name: str, lang: str) -> str:
    """'**label**: description' of a policy, from the file's [policies] table."""
    text = described(f.scenario.get("policies", {}).get(name) or {}, lang)
    if text and text[-1] not in ".。!?！？":
        text += "." if text[-1].isascii() else "。"  # the full stop of the description's own language
    return f"**{policy(f, name, lang)}**" + (f"{say(lang, ': ', '：')}{text}" if text else "")


def scenario_lines(f: Folder, lang: str) -> list[str]:
    """The scenario as it ran: the policy under test (each policy of a compare) with its own staffing, never
    the base file's description when a policy changed it."""
    sc = f.scenario
    cal = sc.get("calendar", {})
    types = [label(f"type:{t}", lang, sc) for t in sc.get("issue_types", {})]
    horizon = float(cal.get("horizon_days", 365))  # an emergency after the run's end does not happen in it
    ems = [emergency_label(e, lang) for e, (a, _) in zip(sc.get("emergencies", []), f.emergencies()) if a < horizon]
    name = f"**{sc.get('name', '?')}**"
    if f.command == "compare":
        pols = f.summary["policies"]
        lines = [say(lang, "{n}, {k} policies compared (reference: {r}):", "{n}，比较{k}个方案（参照方案：{r}）：", n=name,
                     k=len(pols), r=policy(f, f.summary["reference"], lang)),
                 *[f"{_policy_words(f, p, lang)} {staffing(f, p, lang)}" for p in pols]]
    elif sc.get("policy"):
        lines = [say(lang, "{n}, policy under test: {p}", "{n}，所评估方案：{p}", n=name,
                     p=_policy_words(f, sc["policy"], lang)), staffing(f, None, lang)]
    elif f.command in ("sweep", "sensitivity", "optimize") or f.summary.get("overrides"):
        what = say(lang, "the search", "搜索") if f.command == "optimize" else say(lang, "the --set changes", "--set修改") \
            if f.command == "run" else say(lang, "the design", "试验设计")
        d = described(sc, lang)  # none in Chinese without description_zh: no colon left hanging then
        lines = [say(lang, "{n}, as the file describes its base (before {w} below): {d}",
                     "{n}，情景文件对基准情景的描述（未计下述{w}）：{d}", n=name, w=what, d=d) if d else
                 say(lang, "{n}, its base (before {w} below):", "{n}，基准情景（未计下述{w}）：", n=name, w=what),
                 staffing(f, None, lang)]
    else:
        lines = [f"{name}{say(lang, ': ', '：')}{described(sc, lang)}" if described(sc, lang) else name,
                 staffing(f, None, lang)]
    if f.summary.get("overrides"):
        lines.append(say(lang, "Changed from the file for this run: {o}.", "本次运行对情景文件的修改：{o}。",
                         o=listing([f"`{o}`" for o in f.summary["overrides"]], lang)))
    lines += [
        say(lang, "Issue types: {t}. Emergencies: {e}.", "事项类型：{t}。突发事件：{e}。", t=listing(types, lang),
            e=listing(ems, lang) or say(lang, "none", "无")),
        say(lang, "Run length {h} days from {s}, of which the first {w} are warm-up.",
            "模拟{h}天，自{s}起，其中前{w}天为预热期。", h=cal.get("horizon_days", 365), s=cal.get("start", "?"),
            w=cal.get("warmup_days", 28)),
    ]
    if f.command == "optimize":
        o = search(f)
        lines.append(say(lang, "Searched: {l}, for the lowest {c} meeting {t} (the staffing above is the scenario's "
                               "own; the answer's is in the findings and in optimum.toml).",
                         "搜索范围：{l}；在满足{t}的前提下使{c}最低（上述配置为情景原有配置；结果见结论及optimum.toml）。",
                         l=listing([param_label(x.split("=")[0], lang, f.scenario) + " " + x.split("=", 1)[-1]
                                    for x in o.get("levers", [])], lang),
                         c=metric_label(o.get("cost", "cadre_hours_on_duty"), lang),
                         t=listing([f"`{t}`" for t in o.get("targets", [])], lang)))
    return lines


def key_table(f: Folder, lang: str) -> Table:
    """The key metrics: per policy for compare (* where the paired difference is distinguishable), per design
    point for a sweep, ranked factors for sensitivity, else one column."""
    s = f.summary
    h_metric, h_mean = say(lang, "metric", "指标"), say(lang, "mean [95% CI]", "均值 [95%置信区间]")
    if f.command == "compare":
        pols = s["policies"]
        head = [h_metric, *[policy(f, p, lang) for p in pols],
                *[say(lang, "{p} (all runs failed)", "{p}（全部运行失败）", p=policy(f, p, lang)) for p in f.failed]]
        rows = []
        for name in KEY_METRICS:
            if not any(name in s["by_policy"][p]["metrics"] for p in pols):
                continue
            row = [metric_label(name, lang)]
            for p in pols:
                d = s["differences"].get(p, {}).get("metrics", {}).get(name)
                row.append(cell(name, s["by_policy"][p]["metrics"].get(name), lang)
                           + (" *" if d and significant(*d["ci95"]) else ""))
            rows.append(row + ["–"] * len(f.failed))
        note = say(lang, "* the paired 95% CI of the difference from the reference ({r}) excludes zero.",
                   "* 与参照方案（{r}）之差的配对95%置信区间不含零。", r=policy(f, s["reference"], lang))
        return Table(head, rows, note)
    if f.command == "sweep":
        keys = [x["key"] for x in s["factors"]]
        shown = ["resolution_hours_p90", "coverage_mean", "coverage_min_grid", "cadre_hours_on_duty"]
        head = [say(lang, "point", "参数组合"), *[param_label(k, lang, f.scenario) for k in keys],
                *[metric_label(m, lang) for m in shown]]
        points = list(s["points"].items())
        rows = [[pid, *[value_label(k, p["params"].get(k), lang) for k in keys],
                 *[cell(m, p["metrics"].get(m), lang) for m in shown]] for pid, p in points[:MAX_POINTS]]
        note = "" if len(points) <= MAX_POINTS else say(
            lang, "The first {k} of {n} points; every point is in points.csv and results.xlsx.",
            "仅列前{k}个参数组合（共{n}个）；全部见points.csv与results.zh.xlsx。", k=MAX_POINTS, n=len(points))
        return Table(head, rows, note, keep=1 + len(keys))  # a point's name and its levels name its row
    if f.command == "sensitivity":
        b = s.get("sensitivity") or {}
        morris = b.get("method") == "morris"
        rows = [[metric_label(m, lang), f"{i}. {param_label(k, lang, f.scenario)}",
                 index_ci(m, b["indices"][m][k], morris, lang),
                 "–" if b.get("noise_share", {}).get(m) is None else share_percent(b["noise_share"][m])]
                for m, order in b.get("ranking", {}).items() for i, k in enumerate(order[:6], 1)]
        return Table([h_metric, say(lang, "factor (ranked)", "因素（按影响排序）"),
                      say(lang, "μ* [95% CI]", "μ* [95%置信区间]") if morris else say(lang, "ST [95% CI]", "ST [95%置信区间]"),
                      say(lang, "noise share", "噪声占比")], rows)
    metrics = s["metrics"]
    names = [n for n in KEY_METRICS if n in metrics]
    if f.command == "optimize":  # the targets' metrics too, where the fixed rows lack them
        names += [m for m in (s.get("optimum") or {}).get("metrics", {}) if m not in names]
        metrics = {**metrics, **{m: c for m, c in (s.get("optimum") or {}).get("metrics", {}).items()
                                 if m not in metrics}}
    rows = [[metric_label(n, lang), cell(n, metrics.get(n), lang), better_label(better(n), lang)] for n in names]
    return Table([h_metric, h_mean, say(lang, "better", "更优方向")], rows)


def _emulator_intervals(f: Folder, lang: str) -> str:
    """How ``sensitivity --emulator``'s indices and their intervals were computed (not over replications)."""
    if ((f.summary.get("sensitivity") or {}).get("method")) != "sobol-emulator":
        return ""
    return say(lang, ", except the Sobol indices': those are of the expected output, computed (SALib) on the predictions "
                     "of a Gaussian-process emulator fitted to the point means, and their 95% interval is the 2.5-97.5% "
                     "range of the indices over 100 joint posterior draws of the emulator, each bootstrapped over the "
                     "sample's rows, clipped to [0, 1] (docs/sensitivity.md)",
               "；Sobol指数除外：指数针对期望输出，由对各参数组合均值拟合的高斯过程代理模型的预测值（SALib）计算，其95%区间为"
               "代理模型100次联合后验抽样（每次对样本行自助重抽）所得指数的2.5%–97.5%分位范围，并截取到[0, 1]（docs/sensitivity.md）")


def index_interval(ind: dict[str, Any], morris: bool) -> tuple[float, float]:
    """The 95% interval of a factor's μ* (Morris; never below zero, as μ* is not) or ST (Sobol) from its ± half-width,
    or ST's emulator interval (``ST_lo``, ``ST_hi``) when the indices come from an emulator."""
    idx = "mu_star" if morris else "ST"
    if not morris and ind.get("ST_lo") is not None and ind.get("ST_hi") is not None:
        return ind["ST_lo"], ind["ST_hi"]  # an emulator's interval (docs/sensitivity.md)
    v, c = ind.get(idx), ind.get(f"{idx}_conf")
    if v is None or c is None:
        return math.nan, math.nan
    return (max(0.0, v - c) if morris else v - c), v + c


def index_ci(metric: str, ind: dict[str, Any], morris: bool, lang: str) -> str:
    """A factor's μ* [95% CI] in the metric's unit (an effect is a change: a share's in percentage points), or its
    ST [95% CI] as a plain index with 2 decimals; never in scientific notation."""
    lo, hi = index_interval(ind, morris)
    if morris:
        return format_ci(metric, ind.get("mu_star"), lo, hi, lang=lang, shown=stored_shown(metric, diff=True))
    st = ind.get("ST")
    return "–" if st is None else f"{st:.2f}" if not math.isfinite(lo) else f"{st:.2f} [{lo:.2f}, {hi:.2f}]"


def results_heading(f: Folder, lang: str) -> str:
    found = (f.summary.get("optimum") or {}).get("found")
    if f.command == "optimize":
        return say(lang, "Key results of the chosen deployment", "选定方案的主要结果") if found else \
            say(lang, "Key results of the closest candidate", "最接近方案的主要结果")
    if f.command == "sensitivity":  # the table holds indices, not means
        return say(lang, "Effects of the factors (Morris μ* [95% CI])", "各因素的效应（Morris μ* [95%置信区间]）") \
            if (f.summary.get("sensitivity") or {}).get("method") == "morris" else \
            say(lang, "Sobol indices ST [95% CI]", "Sobol总效应指数ST [95%置信区间]")
    return say(lang, "Key results (mean [95% CI])", "主要结果（均值 [95%置信区间]）")


def design_lines(f: Folder, lang: str) -> list[str]:
    """A sweep's design: factors and their levels, points and replications (never its first point)."""
    s = f.summary
    if f.command != "sweep":
        return []
    factors = [f"{param_label(x['key'], lang, f.scenario)} ({listing([value_label(x['key'], v, lang) for v in x['values']], lang)})"
               if "values" in x else param_label(x["key"], lang, f.scenario) for x in s["factors"]]
    kind = {"grid": say(lang, "full factorial", "全因子"), "lhs": say(lang, "Latin hypercube", "拉丁超立方")}.get(
        s.get("design"), str(s.get("design")))
    return [say(lang, "Design: {k} over {f}: {p} points, {r} replications each on common random numbers.",
                "试验设计：{k}，因素为{f}；共{p}个参数组合，每个组合{r}次重复，使用共同随机数。",
                k=kind, f=listing(factors, lang), p=len(s["points"]), r=s.get("replications", "?"))]


def _grid_variant(f: Folder) -> str | None:
    """The variant whose grids the report shows: the run's, a compare's reference, an optimize's answer."""
    if f.command in ("sweep", "sensitivity"):
        return None
    return (f.summary.get("optimum") or {}).get("candidate") if f.command == "optimize" else \
        f.summary.get("reference") if f.command == "compare" else f.variants[0]


def _under(f: Folder, variant: str, lang: str) -> str:
    k = len((f.summary.get("ensemble") or {}).get("sets") or [])  # an ensemble's grid tables pool its sets
    return "" if f.command != "compare" else say(lang, " under {p}", "（方案：{p}）", p=policy(f, variant, lang)) + \
        (say(lang, ", pooled over the {k} plausible parameter sets", "，合并{k}个合理参数组", k=k) if k else "")


def grids_to_act_on(f: Folder, lang: str) -> Table:
    """The worst grids by coverage and by p90 resolution, with their ids (the policy's own for compare: the
    reference's; for optimize: the answer's)."""
    variant = _grid_variant(f)
    rows = grid_rows(f.path, variant, f.runs) if variant else []
    out = []
    for key, metric, why in (("grid_coverage", "coverage_mean", say(lang, "lowest coverage", "入户走访覆盖率最低")),
                             ("grid_resolution_p90", "resolution_hours_p90",
                              say(lang, "longest p90 resolution", "办理时长第90百分位最长"))):
        for r in worst(rows, key, WORST_GRIDS):
            out.append([why, r.id, r.community, r.street, f"{r.households:,.0f}" if r.households is not None else "–",
                        format_value("coverage_mean", r.values.get("grid_coverage"), lang),
                        format_value("resolution_hours_p90", r.values.get("grid_resolution_p90"), lang)])
    head = [say(lang, "why", "原因"), say(lang, "grid", "网格"), say(lang, "community", "社区"),
            say(lang, "street", "街道"), say(lang, "households", "户数"), metric_label("coverage_mean", lang),
            say(lang, "p90 resolution", "办理时长第90百分位")]
    note = say(lang, "Means over replications{of}; every grid in results.xlsx (sheet grids).",
               "各次重复的均值{of}；全部网格见results.zh.xlsx的grids表。", of=_under(f, variant, lang) if variant else "")
    return Table(head, out, note + per_grid_note(f.scenario, lang))


def area_columns(rows: list[AreaRow], lang: str) -> list[tuple[str, Callable[[AreaRow], str]]]:
    """The columns of a streets or communities table (issues and backlog only where the runs kept them)."""
    cols: list[tuple[str, Callable[[AreaRow], str]]] = [
        (header("grids", lang), lambda a: f"{a.grids:,}"),
        (say(lang, "households", "户数"), lambda a: f"{a.households:,.0f}"),
        (header("coverage", lang), lambda a: format_value("coverage_mean", a.coverage, lang)),
        (header("coverage_min", lang), lambda a: format_value("coverage_mean", a.coverage_min, lang)),
        (header("p90", lang), lambda a: format_value("resolution_hours_p90", a.p90, lang))]
    if any(a.issues is not None for a in rows):
        cols.append((say(lang, "issues", "事项数"), lambda a: format_value("issues_arrived", a.issues, lang)))
    if any(a.backlog is not None for a in rows):
        cols.append((say(lang, "mean backlog", "平均积压"), lambda a: format_value("backlog_mean", a.backlog, lang)))
    return cols


def area_tables(f: Folder, lang: str) -> list[Table]:
    """Every street, and the worst communities, worst first: which streets need help answered in the report
    (every community in results.xlsx, sheet areas)."""
    variant = _grid_variant(f)
    grids = grid_rows(f.path, variant, f.runs) if variant else []
    if not any(r.values.get("grid_coverage") is not None or r.values.get("grid_resolution_p90") is not None
               for r in grids):
        return []
    interval = f.variant_scenario(variant).get("visits", {}).get("target_interval_days", 30)
    tables = []
    for level, first, shown in (("street", [say(lang, "street", "街道")], None),
                                ("community", [say(lang, "community", "社区"), say(lang, "street", "街道")],
                                 WORST_AREAS)):
        rows = areas(grids, level)
        cols = area_columns(rows, lang)
        names = (lambda a: [a.name]) if level == "street" else (lambda a: [a.name, a.street])
        body = [[*names(a), *[show(a) for _, show in cols]] for a in rows[:shown]]
        more = "" if shown is None or len(rows) <= shown else say(
            lang, " The {k} worst of {n} communities; every one in results.xlsx (sheet areas).",
            "仅列最差的{k}个社区（共{n}个）；全部见results.zh.xlsx的areas表。", k=shown, n=len(rows))
        note = say(lang, "Worst first: lowest visit coverage, then longest p90 resolution. Visit coverage: the share of "
                         "the area's households visited within {d:g} days (its grids weighted by households); p90 "
                         "resolution: its grids' p90 resolution times averaged with their households as weights. Means "
                         "over replications{of}.{more}",
                   "按由差到好排序：先按入户走访覆盖率由低到高，再按办理时长第90百分位由长到短。入户走访覆盖率：该区域住户中{d:g}天内"
                   "得到走访的比例（各网格按户数加权）；办理时长第90百分位：各网格办理时长第90百分位按户数加权的均值。各次重复的均值"
                   "{of}。{more}", d=interval, of=_under(f, variant, lang), more=more)
        tables.append(Table([*first, *[h for h, _ in cols]], body, note + per_grid_note(f.scenario, lang),
                            keep=len(first)))
    return tables


def telling_figures(f: Folder, written: list[Path]) -> list[Path]:
    names = {p.stem.removesuffix(".zh"): p for p in written}
    cap = 3
    if f.command == "compare":  # the map of differences is where a reader sees which grids a policy helps
        v = f.summary["reference"]
        sets = [n for n in names if n.startswith("ensemble-")]  # compare --ensemble: set by set first, never pooled
        order = [*sets, "policies"] if sets else \
            ["selection", "differences", "map-coverage-difference", f"backlog-{v}", f"grid-coverage-{v}"]
        cap = len(order) if sets else cap  # an ensemble's: a figure per policy, then the means per set
    elif f.command == "sweep":
        order = [n for n in names if n.startswith("heatmap")] + [n for n in names if n.startswith("sweep-")]
    elif f.command == "sensitivity":
        order = [n for n in names if n.startswith("sensitivity-")]
    elif f.command == "optimize":
        order = [*[n for n in names if n.startswith("optimize-")][:2], "map-allocation"]
    else:
        v = f.variants[0]
        order = [f"backlog-{v}", "map-coverage", f"resolution-ecdf-{v}", f"grid-coverage-{v}"]
    return [names[n] for n in order if n in names][:cap]


def _replications(f: Folder, lang: str) -> str:
    s = f.summary
    if f.command == "optimize":
        o = search(f)
        return say(lang, "{a} independent replications per candidate, then more (up to {b}) only for candidates near "
                         "a target, as the feasibility checks decided ({c} for the chosen deployment)",
                   "每个候选方案先做{a}次独立重复，仅对接近目标阈值的方案按可行性检验追加（最多{b}次；选定方案{c}次）",
                   a=o.get("first_stage", "?"), b=o.get("max_replications", "?"), c=s.get("replications", "?"))
    chosen = s.get("selection")
    if chosen and chosen.get("replications"):
        return say(lang, "independent replications per policy as the selection procedure decided ({x})",
                   "各方案的独立重复次数由选优程序决定（{x}）",
                   x=", ".join(f"{policy(f, p, lang)}: {n}" for p, n in chosen["replications"].items()))
    return say(lang, "{n} independent replications per variant", "每个方案{n}次独立重复", n=s.get("replications", "?"))


def method(f: Folder, lang: str) -> str:
    s = f.summary
    seeds = s.get("seeds", {})
    checks = s.get("warmup_check", {})
    mser = ("；" if lang == "zh" else "; ").join(say(lang, "{v}: MSER-5 suggests {d:g} days ({ok})",
                                                     "{v}：MSER-5建议{d:g}天，{ok}", v=policy(f, v, lang),
                         d=c["mser5_median_days"], ok=say(lang, "enough", "预热期足够") if c["long_enough"] else
                         say(lang, "NOT enough", "预热期不足")) for v, c in checks.items())
    ver = s.get("versions", {})
    objective = say(lang, "find the cheapest deployment within the lever ranges that meets every target, with a "
                          "stated confidence (docs/optimize.md)", "在决策变量范围内找出以给定置信度满足全部目标的最省配置"
                          "（docs/optimize.md）") if f.command == "optimize" else \
        say(lang, "estimate how fast issues are resolved, how fully households are visited, and at what cost in cadre "
                  "time, under the scenario's staffing policy(ies)", "估计在情景的人员配置方案下，事项办理有多快、入户走访覆盖"
                  "多全、干部投入多少工时")
    return say(
        lang,
        "Objective: {obj}. Model: a discrete-event simulation (gridsim {g}, SimPy {sp}, Python {py}) of issues arriving "
        "per grid as non-homogeneous Poisson processes, some hidden until a household visit or a delayed report, served "
        "by grid workers and sunk cadres on weekly shifts, escalated to community, street and department offices "
        "(where the scenario says so, issues left waiting too long go up by themselves or leave as petitions), with "
        "wartime mode in emergencies. Data: the figures cited in the scenario file (scenario.resolved.toml in this "
        "folder); every other number there is marked as an assumption. Experimentation: {reps}, each {h} days with the "
        "first {w} discarded as warm-up ({mser}); root seed {seed}, replication k of every variant seeded by "
        "SeedSequence(root, spawn_key=(k,)), so all variants see the same issues (common random numbers) and "
        "differences are paired. Intervals are Student-t 95% confidence intervals over replications{em}. {covers} Units: durations "
        "in hours (days when 72 h or more), cadre time in cadre-days of 8 hours, shares in %, differences of shares in "
        "percentage points. Visit coverage ('share of households visited within the interval') is, on each day of the "
        "window, the share of all households (each grid weighted by its households) visited in the last {d} days "
        "(visits.target_interval_days), averaged over the days; the worst grid's is the lowest grid's own share.",
        "目的：{obj}。模型：离散事件仿真（gridsim {g}、SimPy {sp}、Python {py}）。各网格事项按非齐次泊松过程发生，部分事项"
        "须经入户走访或延迟上报才被发现；由网格员和按周排班的下沉干部办理，可逐级上报至社区、街道和区级部门（情景如有设定，久拖未办的事项会自行上交"
        "或成为越级上访）；突发事件期间转入战时状态。数据：情景文件所引用的公开数字（本文件夹中的scenario.resolved.toml），其余数字均标为假设。试验：{reps}，每次模拟"
        "{h}天，前{w}天作为预热期剔除（{mser}）；根随机种子{seed}，各方案第k次重复均以SeedSequence(root, spawn_key=(k,))"
        "生成随机数，各方案面对相同的事项（共同随机数），差值为配对比较。区间为各次重复的Student-t 95%置信区间{em}。{covers}单位：时长以小时计"
        "（72小时及以上以天计），干部工作量以人日（8小时）计，比例以%表示，比例之差以百分点计。入户走访覆盖率为统计期内每天全部住户中"
        "近{d}天内得到走访的比例（各网格按户数加权，visits.target_interval_days）的日均值；最差网格入户走访覆盖率为该比例最低的网格自身的值。",
        obj=objective, em=_emulator_intervals(f, lang), covers=covers(f.scenario, lang, f.summary), g=ver.get("gridsim", "?"), sp=ver.get("simpy", "?"), py=ver.get("python", "?"),
        reps=_replications(f, lang), h=f"{s.get('horizon_days', 0):g}", w=f"{s.get('warmup_days', 0):g}",
        mser=mser or say(lang, "no warm-up check", "未做预热期检验"), seed=seeds.get("root", "?"),
        d=f"{f.scenario.get('visits', {}).get('target_interval_days', 30):g}")
