"""The report of a fit folder (``gridsim fit``), in English or Chinese, from its fit.json: the findings in words
(rows read, used, refused and open; each type's rate, where it ends and how long it takes; what censoring
changed; over-dispersion), the times as a table, what the fit assumed, what records cannot show, the figures
and the method."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sim.outputs.numbers import ci_decimals, plain_decimals
from sim.outputs.plots.fit import WORDS as FIGURE_WORDS
from sim.outputs.plots.fit import fit_figures
from sim.outputs.report.document import Bullets, Document, Figure, Heading, Paragraph, Table
from sim.outputs.report.say import listing, say

OPEN_SHARE = 0.05  # a level with more of its orders open than this: the report says what censoring changed


def _n(x: float) -> str:
    return f"{x:,.{plain_decimals(x)}f}"


def _ci(e: dict[str, Any]) -> str:
    if e.get("mean") is None:
        return "-"
    lo, hi = e["ci95"] or (e["mean"], e["mean"])
    d = ci_decimals(lo, hi) if lo is not None and hi is not None and lo == lo and hi == hi else plain_decimals(e["mean"])
    return f"{e['mean']:,.{d}f} [{lo:,.{d}f}, {hi:,.{d}f}]"


def _type(key: str, t: dict[str, Any], lang: str) -> str:
    return t["name_in_records"] if lang == "zh" else f"{key} ({t['name_in_records']})"


def _findings(doc: dict[str, Any], lang: str) -> list[str]:
    w, r = FIGURE_WORDS[lang], doc["rows"]
    out = [say(lang, "{t:,} rows read: {u:,} used, {f:,} refused (each with its reason in refused.csv), {o:,} still "
               "open at the export ({e}).", "共读入{t:,}行：采用{u:,}行，拒绝{f:,}行（原因逐条见refused.csv），"
               "其中{o:,}件在导出时（{e}）尚未办结。", t=r["total"], u=r["used"], f=r["refused"], o=r["open"],
               e=doc["export_time"])]
    for key, t in doc["issue_types"].items():
        a = t["arrivals_per_week"]
        ends = listing([f"{w[lv]} {100 * s['mean']:.0f}%" for lv, s in t["level_share"].items() if s["n"]], lang)
        out.append(say(lang, "{name}: {rate} orders a week (95% CI), ending at {ends}.",
                       "{name}：每周{rate}件（95%置信区间），办结层级：{ends}。", name=_type(key, t, lang),
                       rate=_ci(a), ends=ends))
        for lv, e in t["resolution_hours"].items():
            if e["mean"] is None or e["open"] <= OPEN_SHARE * e["n"] or not e["mean_closed_only"]:
                continue
            out.append(say(lang, "{name} at the {lv}: {p:.0f}% still open at the export; the mean over closed "
                           "orders alone ({c} h) is {low:.0f}% below the censored fit ({m} h), which uses the "
                           "open ones.", "{name}（{lv}）：导出时{p:.0f}%尚未办结；仅按已办结工单计算的均值（{c}小时）"
                           "比计入未办结工单的删失拟合（{m}小时）低{low:.0f}%。", name=_type(key, t, lang), lv=w[lv],
                           p=100 * e["open"] / e["n"], c=_n(e["mean_closed_only"]), m=_n(e["mean"]),
                           low=100 * (1 - e["mean_closed_only"] / e["mean"])))
        disp = t.get("dispersion")
        if disp and disp["p"] < 0.05:
            out.append(say(lang, "{name}: weekly counts vary more than a Poisson stream's (variance/mean {r:.2f}, "
                           "p = {p:.3g}); the CI of its rate is widened for it, but the fitted scenario's arrivals "
                           "are Poisson and vary less from week to week than the records.",
                           "{name}：各周件数的波动大于泊松过程（方差/均值 {r:.2f}，p = {p:.3g}）；其发生率的置信区间"
                           "已相应放宽，但拟合情景按泊松过程生成事件，周间波动小于记录。", name=_type(key, t, lang),
                           r=disp["ratio"], p=disp["p"]))
    return out


def _times(doc: dict[str, Any], lang: str) -> Table:
    w = FIGURE_WORDS[lang]
    head = [say(lang, "type", "类型"), say(lang, "level", "层级"), say(lang, "measure", "指标"),
            say(lang, "distribution", "分布"), say(lang, "mean, h [95% CI]", "均值，小时[95%置信区间]"),
            say(lang, "p90, h", "90%分位数，小时"), say(lang, "orders", "工单数"), say(lang, "open", "未办结"),
            say(lang, "closed only, h", "仅已办结，小时")]
    measure = {"resolution_hours": say(lang, "resolution", "办结时长"), "work_hours": say(lang, "work", "处置时长")}
    rows = [[_type(key, t, lang), w[lv], measure[m], w.get(e["dist"], e["dist"] or "-") if lang == "zh" else
             (e["dist"] or "-"), _ci(e), _n(e["p90"]) if e["p90"] is not None else "-", f"{e['n']:,}",
             f"{e['open']:,}", _n(e["mean_closed_only"]) if e["mean_closed_only"] else "-"]
            for key, t in doc["issue_types"].items() for m in ("resolution_hours", "work_hours")
            for lv, e in t[m].items()]
    return Table(head, rows, keep=2)


CANNOT = (
    ("Hidden issues: records hold only what was reported or found. The share nobody reports, how late residents "
     "report it, and what visits find are not in them (fitted.toml has hidden_share 0): calibrate them against "
     "published figures (gridsim calibrate).",
     "隐患与未上报事项：工单只记录已上报或已发现的事项。无人上报的比例、居民延迟上报的时间以及走访能发现多少，"
     "均无法从工单得出（fitted.toml 中 hidden_share 为 0），需对照公开数据校准（gridsim calibrate）。"),
    ("Work versus waiting: report-to-resolution includes waiting for a cadre. Where accepted times are missing, "
     "the fitted scenario's work time is the resolution time, an upper bound, unless gridsim fit ran with "
     "--work-by-simulation, which searches for the work time whose simulated resolution matches the records.",
     "处置与等待：从上报到办结包含等待时间。缺少签收时间时，拟合情景的处置时长取办结时长，是其上限；"
     "若运行 gridsim fit 时加 --work-by-simulation，则通过模拟反推与记录相符的处置时长。"),
    ("Staffing and duty hours are not in records: they come from --scenario, else the model's defaults.",
     "工单不含人员配置与值班时间：取自 --scenario，否则为模型默认值。"),
)

NO_MAP = ("No map of the per-grid rates: it needs the grids' polygons, a scenario with grids.geojson given to "
          "gridsim fit as --scenario.",
          "未绘制各网格工单率地图：需要网格边界，即以 --scenario 向 gridsim fit 提供含 grids.geojson 的情景。")


def fit_document(folder: str | Path, lang: str = "en") -> Document:
    """The fit folder's report as a document (drawing its figures in ``lang``)."""
    folder = Path(folder)
    doc = json.loads((folder / "fit.json").read_text(encoding="utf-8"))
    figs = fit_figures(folder, "png", lang)
    d = Document(say(lang, "gridsim fit: {r}", "gridsim工单拟合：{r}", r=Path(doc["records"]).name), lang)
    d.add(Heading(say(lang, "Findings", "结论")), Bullets(_findings(doc, lang)))
    d.add(Heading(say(lang, "Times to resolution and work times", "办结时长与处置时长")), _times(doc, lang))
    d.add(Heading(say(lang, "What records cannot show", "工单无法反映的内容")),
          Bullets([say(lang, en, zh) for en, zh in CANNOT]))
    if doc["warnings"]:
        d.add(Heading(say(lang, "What the fitted scenario assumed", "拟合情景所作的假设")),
              Paragraph(say(lang, "gridsim fit warned of the following:", "gridsim fit 给出以下提示（程序原文，英文）：")),
              Bullets(list(doc["warnings"])))
    d.add(Heading(say(lang, "Figures", "图表")), *[Figure(p) for p in figs])
    if "grids_geojson" not in doc:
        d.add(Paragraph(say(lang, NO_MAP[0], NO_MAP[1])))
    d.add(Heading(say(lang, "Method", "方法")), Paragraph(say(
        lang, "Open orders are right-censored at the export and used in every time estimate: Kaplan-Meier for the "
        "curves, censored maximum likelihood for exponential, lognormal, gamma and Weibull, the best by AIC; the "
        "mean's 95% CI by the delta method on log(mean). Arrival CIs are exact Poisson (Garwood), widened by the "
        "square root of the weekly variance/mean ratio when it is significantly above 1; level shares have "
        "Wilson intervals. Details: docs/records.md.",
        "导出时尚未办结的工单按右删失处理，计入所有时长估计：曲线用Kaplan-Meier估计；对指数、对数正态、伽马和威布尔"
        "分布作删失极大似然拟合，按AIC择优；均值的95%置信区间用对数均值的delta方法。发生率的置信区间为精确泊松区间"
        "（Garwood），周件数方差/均值显著大于1时按其平方根放宽；层级比例用Wilson区间。详见 docs/records.md。")))
    return d
