"""The report of a history match (``gridsim calibrate --vary``), in English or Chinese, from its summary block and
CSVs: the findings in words (how many parameter sets are plausible, where each varied KEY lies, or, when none is,
that the model cannot reproduce the targets with these ranges and which targets conflict, with the closest any run
came), what was varied, the targets and their uncertainty, the waves, the figures and the method.

Every number in a sentence is read from the folder: the ranges from plausible.csv (the block's ``ranges`` are the
same), the shares from the waves, the closest approach from points.csv.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from sim.outputs.glossary import UNITS, metric_label, param_label, unit_label
from sim.outputs.history import HistoryMatch, load_history, percent
from sim.outputs.numbers import stored_unit
from sim.outputs.plots.history import history_figures, history_folder
from sim.outputs.plots.canvas import Figures
from sim.outputs.report.document import Bullets, Document, Figure, Heading, Paragraph, Table
from sim.outputs.report.say import capital, say


def num(x: float) -> str:
    """A parameter or output value with three significant digits (whole numbers as they are): 0.870, 1.11, 772."""
    if not math.isfinite(x):
        return "–"
    if x == round(x) and abs(x) < 1e6:
        return f"{x:,.0f}"
    d = max(0, 2 - math.floor(math.log10(abs(x))))
    return f"{x:,.{d}f}"


def _name(hm: HistoryMatch, key: str, lang: str) -> str:
    return say(lang, "{p} (`{k}`)", "{p}（`{k}`）", p=param_label(key, lang, hm.scenario), k=key)


def _metric(hm: HistoryMatch, m: str, lang: str) -> str:
    return metric_label(m, lang, hm.scenario)


def _metric_unit(hm: HistoryMatch, m: str, lang: str) -> str:
    """The metric with the unit its value is given in: the stored one (a share as a fraction, not in %)."""
    u = stored_unit(m)
    unit = say(lang, "share, 0–1", "比例，0–1") if u == "share" else unit_label(u, lang) if u in UNITS else ""
    return say(lang, "{m} ({u})", "{m}（{u}）", m=_metric(hm, m, lang), u=unit) if unit else _metric(hm, m, lang)


def plausible_range(hm: HistoryMatch, key: str) -> tuple[float, float]:
    v = hm.plausible[key]
    return (float(np.min(v)), float(np.max(v))) if v.size else (math.nan, math.nan)


def closest_run(hm: HistoryMatch) -> int | None:
    """The run that came closest to every target at once: the lowest largest implausibility in points.csv."""
    top = hm.points.get("I_max")
    return int(np.nanargmin(top)) if top is not None and np.isfinite(top).any() else None


def findings(hm: HistoryMatch, lang: str) -> list[str]:
    n, waves = hm.n_plausible, hm.waves
    runs = sum(w.runs for w in waves)
    share = waves[-1].plausible_share if waves else math.nan
    rule = say(lang, "the largest", "最大") if hm.block.get("rule", "max") == "max" else \
        say(lang, "the second-largest", "第二大")
    out = []
    if n:
        out.append(say(lang, "{n} plausible parameter sets: after {w} ({r} runs in all, {e}), {s} of the initial box "
                             "is still plausible ({rule} implausibility over the targets below {c:g}).",
                       "共{n}组可信参数：经过{w}（共{r}次运行，{e}），初始参数范围中仍有{s}可信（各目标不可信度中{rule}者低于{c:g}）。",
                       n=f"{n:,}", w=say(lang, "{k} wave" + ("" if len(waves) == 1 else "s"), "{k}轮", k=len(waves)),
                       r=f"{runs:,}", e=_per_wave(waves, lang), s=percent(share), rule=rule, c=hm.cutoff))
        for k in hm.keys:
            a, b = plausible_range(hm, k)
            lo, hi = hm.box[k]
            out.append(say(lang, "{k} lies in [{a}, {b}] (from [{lo}, {hi}]): {p} of its initial range.",
                           "{k}位于[{a}, {b}]（初始范围[{lo}, {hi}]），占初始范围的{p}。", k=capital(_name(hm, k, lang)),
                           a=num(a), b=num(b), lo=f"{lo:,g}", hi=f"{hi:,g}", p=percent((b - a) / (hi - lo))))
        out += _trade_off(hm, share, lang)
    else:
        out.append(_nothing(hm, lang, rule))
    out += [x for x in (_weak(hm, m, t, lang) for m, t in hm.targets.items()) if x]
    for w in waves:
        for m in w.failed:
            e = w.emulators[m]
            x, o = loo(float(e.get("loo_max_abs", math.nan)), int(e.get("loo_outside", 0)), lang)
            out.append(say(lang, "In wave {w}, the emulator of {m} failed its leave-one-out check (largest standardized "
                                 "error {x}; {o} point(s) beyond 3), so {m} ruled no space out in that wave.",
                           "第{w}轮中，{m}的代理模型未通过留一法检验（最大标准化误差{x}；{o}个点超出3），该轮未据此排除任何区域。",
                           w=w.wave, m=_metric(hm, m, lang), x=x, o=o))
    return out


EVIDENCE = {"layout": ("a count of the layout (an input)", "布局的计数（输入量）"),
            "other_district": ("another district's figure", "其他地区的数字")}


def spread(hm: HistoryMatch, m: str, t: dict[str, Any]) -> float:
    """The range of the target's simulated means over every point run (the block's; else from points.csv)."""
    if "range_over_points" in t:
        return float(t["range_over_points"])
    v = hm.points.get(m)
    return float(np.nanmax(v) - np.nanmin(v)) if v is not None and np.isfinite(v).any() else math.nan


def _weak(hm: HistoryMatch, m: str, t: dict[str, Any], lang: str) -> str:
    """A target that barely varies over the design (its range within sd_target) cannot rule anything out; one of a
    weak kind of evidence constrains the parameters only weakly: said, so a plausible box is not read as a result."""
    r, sd = spread(hm, m, t), float(t.get("sd_target", math.nan))
    parts = []
    if math.isfinite(r) and not r > sd:
        parts.append(say(lang, "barely varies over the design points (range {r} against its sd_target {sd}), so it "
                               "cannot rule out any part of the box",
                         "在各设计点之间几乎不变（极差{r}，不超过其目标标准差{sd}），因此不能排除参数范围的任何部分",
                         r=num(r), sd=num(sd)))
    if t.get("evidence") in EVIDENCE:
        en, zh = EVIDENCE[t["evidence"]]
        parts.append(say(lang, "it is {e}, which constrains the parameters only weakly",
                         "它是{e}，对参数的约束很弱", e=say(lang, en, zh)))
    if not parts:
        return ""
    return say(lang, "{m} {p}.", "{m}{p}。", m=capital(_metric(hm, m, lang)), p=say(lang, "; ", "；").join(parts))


def _per_wave(waves: list, lang: str) -> str:
    """The runs of each wave: '75 per wave', or '40-75 per wave' when the later designs found fewer points."""
    runs = sorted({w.runs for w in waves}) or [0]
    each = f"{runs[0]:,}" if len(runs) == 1 else f"{runs[0]:,}–{runs[-1]:,}"
    return say(lang, "{e} per wave", "每轮{e}次", e=each)


def loo(x: float, outside: int, lang: str) -> tuple[str, str]:
    """The largest leave-one-out error with the digits that keep one below 3 from reading as 3, and the count
    beyond 3 ('none' for 0)."""
    d = 1
    while math.isfinite(x) and x < 3 <= round(x, d) and d < 6:
        d += 1
    return f"{x:.{d}f}", (say(lang, "none", "无") if not outside else str(outside))


def range_box_share(hm: HistoryMatch) -> float:
    """The share of the initial box inside the per-KEY plausible ranges (the product of their shares)."""
    return float(np.prod([(plausible_range(hm, k)[1] - plausible_range(hm, k)[0]) / (hm.box[k][1] - hm.box[k][0])
                          for k in hm.keys]))


def _trade_off(hm: HistoryMatch, share: float, lang: str) -> list[str]:
    """When the plausible region is much smaller than the box its per-KEY ranges span, the KEYs trade off: a
    reader of the ranges alone would think more is plausible than is."""
    spanned = range_box_share(hm)
    if len(hm.keys) < 2 or not math.isfinite(share) or spanned < 2 * share:
        return []
    return [say(lang, "The ranges together span {r} of the initial box, but only {s} of it is plausible: the "
                      "parameters trade off against each other (see the pairs plot), so not every combination "
                      "within the ranges is plausible.",
                "各参数的可信范围合起来占初始范围的{r}，但其中只有{s}可信：参数之间相互替代（见散点矩阵图），"
                "范围内的组合并非都可信。", r=percent(spanned), s=percent(share))]


def _nothing(hm: HistoryMatch, lang: str, rule: str) -> str:
    """No plausible set: a finding about the model, with the targets that conflict and what the closest run gave."""
    conflicts = [m for m in hm.block.get("conflicts", []) if m in hm.targets]
    alone = bool(conflicts) and all(f"I_{m}" in hm.points and np.all(hm.points[f"I_{m}"] >= hm.cutoff)
                                    for m in conflicts)  # each rules out every point on its own
    text = say(lang, "No parameter set is plausible: with these ranges the model cannot reproduce the targets"
                     + ("" if alone else " together") + " (none of the {r} design points run has {rule} "
                     "implausibility below {c:g}",
               "没有可信的参数组合：在这些参数范围内，模型无法" + ("" if alone else "同时") + "再现各项目标（已运行的{r}个设计点"
               "的不可信度中{rule}者均不低于{c:g}",
               r=f"{len(hm.points.get('I_max', [])) or sum(w.points for w in hm.waves):,}", rule=rule, c=hm.cutoff)
    sample = hm.sample.get("I_max")
    if sample is not None and sample.size and not np.any(sample < hm.cutoff):
        text += say(lang, ", nor any of {n:,} points sampled uniformly in the box", "，参数范围内均匀抽取的{n:,}个点亦然",
                    n=sample.size)
    text += say(lang, ").", "）。")
    names = ("、" if lang == "zh" else ", ").join(_metric(hm, m, lang) for m in conflicts)
    if alone:
        text += say(lang, " Each of these targets alone cannot be met anywhere in the box (it rules out every point "
                          "run on its own): {t}.", "以下目标各自单独即无法在参数范围内达到（单独即排除所有已运行的点）：{t}。",
                    t=names)
    elif conflicts:
        text += say(lang, " Conflicting targets (those that rule out the most): {t}.", "相互冲突的目标（排除区域最多者）：{t}。",
                    t=names)
    k = closest_run(hm)
    if k is None:
        return text
    gave = [say(lang, "{m} {y} (target {v} ±{tol:g}%, implausibility {i:.1f})", "{m}{y}（目标{v}±{tol:g}%，不可信度{i:.1f}）",
                m=_metric(hm, m, lang), y=num(float(hm.points[m][k])), v=num(float(t["value"])),
                tol=100 * float(t.get("tolerance", 0)), i=float(hm.points[f"I_{m}"][k]))
            for m, t in hm.targets.items() if m in hm.points and f"I_{m}" in hm.points]
    return text + say(lang, " The run that came closest (largest implausibility {i:.1f}) gave {g}.",
                      "最接近的一次运行（不可信度最大者为{i:.1f}）：{g}。", i=float(hm.points["I_max"][k]),
                      g=("；" if lang == "zh" else "; ").join(gave))


def varied_table(hm: HistoryMatch, lang: str) -> Table:
    head = [say(lang, "parameter", "参数"), "KEY", say(lang, "initial range", "初始范围"),
            say(lang, "plausible range", "可信范围"), say(lang, "share of the range", "占初始范围")]
    rows = []
    for k in hm.keys:
        a, b = plausible_range(hm, k)
        lo, hi = hm.box[k]
        rows.append([param_label(k, lang, hm.scenario), f"`{k}`", f"[{lo:,g}, {hi:,g}]",
                     f"[{num(a)}, {num(b)}]" if math.isfinite(a) else "–",
                     percent((b - a) / (hi - lo)) if math.isfinite(a) else "–"])
    return Table(head, rows, keep=1)


def targets_table(hm: HistoryMatch, lang: str) -> Table:
    head = [say(lang, "target", "目标"), say(lang, "value matched", "匹配值"), say(lang, "tolerance", "容差"),
            say(lang, "sd of the target", "目标标准差"), say(lang, "source", "来源")]
    rows = [[_metric_unit(hm, m, lang), num(float(t["value"])), f"±{100 * float(t.get('tolerance', 0)):g}%",
             num(float(t.get("sd_target", math.nan))), str(t.get("source", ""))] for m, t in hm.targets.items()]
    note = say(lang, "The tolerance is read as a 95% band, two standard deviations: sd = tolerance × |value| / 2.",
               "容差视为95%区间（两个标准差）：标准差 = 容差 × |匹配值| / 2。")
    return Table(head, rows, note)


def replaced_lines(hm: HistoryMatch, lang: str) -> list[str]:
    """Per metric both the scenario's [[targets]] and --records gave a target on: which one was matched (the
    records') and which dropped (the scenario's), each with its value, tolerance and source."""
    out = []
    for m, d in hm.block.get("replaced", {}).items():
        k = hm.targets.get(m, {})
        out.append(say(lang, "Both the scenario's [[targets]] and the records give a target on {m}: the records' ({v}, "
                             "±{t:.3g}%; {s}) was matched and the scenario's ({v2}, ±{t2:.3g}%; {s2}) dropped, since "
                             "--records asked for the district's own data and its confidence interval.",
                       "场景的[[targets]]与工单记录都给出了“{m}”的目标：采用记录的目标（{v}，±{t:.3g}%；{s}），舍弃场景的目标"
                       "（{v2}，±{t2:.3g}%；{s2}），因为--records要求以本地区自己的数据及其置信区间为准。",
                       m=_metric(hm, m, lang), v=num(float(k.get("value", math.nan))),
                       t=100 * float(k.get("tolerance", 0)), s=k.get("source", ""), v2=num(float(d["value"])),
                       t2=100 * float(d.get("tolerance", 0)), s2=d.get("source", "")))
    return out


def _emulator_cell(e: dict[str, Any], lang: str) -> str:
    verdict = say(lang, "passed", "通过") if e.get("passed") else say(lang, "FAILED", "未通过")
    x, o = loo(float(e.get("loo_max_abs", math.nan)), int(e.get("loo_outside", 0)), lang)
    return say(lang, "{v} (max |e| {x}, {o} beyond 3)", "{v}（最大|e| {x}，超出3：{o}）", v=verdict, x=x, o=o)


def waves_table(hm: HistoryMatch, lang: str) -> Table:
    metrics = list(hm.targets) or sorted({m for w in hm.waves for m in w.emulators})
    head = [say(lang, "wave", "轮次"), say(lang, "design points", "设计点"), say(lang, "runs", "运行次数"),
            say(lang, "share of the box left", "初始范围剩余比例"),
            *[say(lang, "emulator: {m}", "代理模型：{m}", m=_metric(hm, m, lang)) for m in metrics]]
    rows = [[str(w.wave), f"{w.points:,}", f"{w.runs:,}", percent(w.plausible_share),
             *[_emulator_cell(w.emulators[m], lang) if m in w.emulators else "–" for m in metrics]] for w in hm.waves]
    note = say(lang, "Emulator check: leave-one-out standardized errors |e|; an emulator that fails it rules no space "
                     "out in its wave.", "代理模型检验：留一法标准化误差|e|；未通过检验的代理模型在该轮不排除任何区域。")
    return Table(head, rows, note)


def method(hm: HistoryMatch, lang: str) -> str:
    rule = hm.block.get("rule", "max")
    return say(
        lang, "History matching (Vernon, Goldstein & Bower 2010): in waves of space-filling designs over the space not "
        "yet ruled out, each design point is run with replications, a Gaussian-process emulator is fitted per target "
        "and checked by leave-one-out errors, and a point x is ruled out when its implausibility I(x) = |z − E[f(x)]| / "
        "sqrt(Var_emulator(x) + Var_simulation(x) + Var_target) is at or above the cutoff {c:g} for {which} target; "
        "z is the published value and Var_target = (tolerance × |z| / 2)². The share of the box left is estimated on a "
        "fixed uniform sample of it. Plausible sets: the last wave's runs not ruled out, completed where too few by "
        "space-filling points that no wave's emulators rule out (plausible.csv).",
        "历史匹配（Vernon、Goldstein和Bower，2010）：在尚未排除的参数区域内分轮进行空间填充设计，每个设计点重复运行；"
        "每个目标拟合一个高斯过程代理模型并以留一法误差检验；点x的不可信度I(x) = |z − E[f(x)]| / sqrt(Var_代理模型(x) + "
        "Var_模拟(x) + Var_目标)，{which_zh}目标的不可信度不低于阈值{c:g}即排除该点；z为公开数字，Var_目标 = (容差 × |z| / 2)²。"
        "初始范围剩余比例按固定的均匀样本估计。可信参数组合：最后一轮未被排除的运行点，不足时以各轮代理模型均未排除的空间填充点补足（plausible.csv）。",
        c=hm.cutoff, which="any" if rule == "max" else "a second", which_zh="任一" if rule == "max" else "第二个")


def history_document(folder: str | Path, lang: str = "en") -> Document:
    """The history match's report as a document (drawing its figures in ``lang``)."""
    hm = load_history(folder)
    figs = history_figures(Figures(history_folder(folder), "png", lang))
    doc = Document(say(lang, "gridsim report: {s} (history matching)", "gridsim报告：{s}（历史匹配）",
                       s=hm.summary.get("scenario", "?")), lang)
    doc.add(Heading(say(lang, "Findings", "结论")), Bullets(findings(hm, lang)))
    if hm.summary.get("warnings"):
        doc.add(Heading(say(lang, "Caveats", "注意事项")),
                Paragraph(say(lang, "gridsim warned of the following when it ran:", "运行时gridsim给出以下提示（程序原文，英文）：")),
                Bullets(list(hm.summary["warnings"])))
    doc.add(Heading(say(lang, "What was varied", "调整的参数")), varied_table(hm, lang),
            Heading(say(lang, "Targets and their uncertainty", "目标及其不确定性")), targets_table(hm, lang),
            Bullets(replaced_lines(hm, lang)),
            Heading(say(lang, "Waves", "各轮结果")), waves_table(hm, lang),
            Heading(say(lang, "Figures", "图表")), *[Figure(p) for p in figs],
            Heading(say(lang, "Method", "方法")), Paragraph(method(hm, lang)))
    return doc

