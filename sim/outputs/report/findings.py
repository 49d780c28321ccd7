"""The findings paragraph that opens every report, generated from the numbers in English or Chinese.

A sentence is written only when the numbers support it: "does best" needs a paired 95% CI that excludes zero,
"meets" a mean on the right side of the threshold (and says whether its CI is clear of it too), "consistent
with the published figure" a mean inside the published tolerance."""

from __future__ import annotations

import math
from typing import Any

from sim.experiments.statistics import paired_differences
from sim.outputs.glossary import metric_label
from sim.outputs.grid_table import grid_rows, worst
from sim.outputs.numbers import better, format_ci, format_diff, format_value, significant, stored_unit
from sim.outputs.plots import Folder
from sim.outputs.plots.sweep import DEFAULT_TARGETS
from sim.outputs.report import decisions
from sim.outputs.report.say import capital, join, listing, say
from sim.outputs.report.sections import params_text, policy

# the metrics findings speak of, in the order a briefing reads them (cost is said separately)
FINDING_METRICS = ["resolution_hours_p90", "resolution_hours_mean", "sla_attainment", "coverage_mean",
                   "coverage_min_grid", "completion_rate_reported"]
COST = "cadre_hours_on_duty"
Target = tuple[str, str, float]


def findings(f: Folder, lang: str, targets: list[Target] | None = None) -> list[str]:
    """The paragraphs of the findings, for the folder's command."""
    if f.command == "run":
        return run_findings(f, lang)
    if f.command == "compare":
        return compare_findings(f, lang) + [join(decisions.selection(f, lang), lang)]
    if f.command == "sweep":
        return sweep_findings(f, lang, targets or [])
    if f.command == "optimize":
        return [join(decisions.optimum(f, lang), lang)]
    if f.command == "sensitivity":
        return decisions.sensitivity(f, lang)
    return []


def _ci(metric: str, m: dict[str, Any] | None, lang: str) -> str:
    return format_ci(metric, m["mean"], *m["ci95"], lang=lang) if m else "–"


def run_findings(f: Folder, lang: str) -> list[str]:
    m = f.summary["metrics"]
    out = []
    if "resolution_hours_mean" in m and "resolution_hours_p90" in m:
        out.append(say(lang, "Over {n} replications of {d} days, a reported issue took {mean} on average to resolve, and 90% "
                             "were resolved within {p90}",
                       "在{n}次、每次{d}天的模拟中，已上报事项平均办理时长为{mean}，90%的事项在{p90}内办结",
                       n=f.summary.get("replications", "?"), d=f"{f.summary.get('horizon_days', 0):g}",
                       mean=_ci("resolution_hours_mean", m["resolution_hours_mean"], lang),
                       p90=_ci("resolution_hours_p90", m["resolution_hours_p90"], lang))
                   + (say(lang, "; {s} within their type's time limit.", "；{s}在规定时限内办结。",
                          s=_ci("sla_attainment", m["sla_attainment"], lang)) if "sla_attainment" in m
                      else say(lang, ".", "。")))
    if "coverage_mean" in m:
        rows = grid_rows(f.path, f.variants[0], f.runs)
        low = worst(rows, "grid_coverage", 1)
        where = say(lang, " (grid {g}, {c}, {s})", "（网格{g}，{s}{c}）", g=low[0].id, c=low[0].community,
                    s=low[0].street) if low else ""
        # coverage_mean is a time average of the share of all households visited within the target interval
        out.append(say(lang, "On an average day of the window, {c} of all households had been visited in the last {t} "
                             "days; the worst-covered grid averaged {w}{where}.",
                       "统计期内平均每天有{c}的住户在近{t}天内得到入户走访；覆盖率最低的网格平均为{w}{where}。",
                       t=f"{f.scenario.get('visits', {}).get('target_interval_days', 30):g}",
                       c=_ci("coverage_mean", m["coverage_mean"], lang),
                       w=_ci("coverage_min_grid", m.get("coverage_min_grid"), lang), where=where))
    if COST in m:
        war = (m.get("wartime_cadre_hours") or {}).get("mean") or 0.0
        out.append(say(lang, "Cadres spent {c} on duty", "干部在岗工作量{c}", c=_ci(COST, m[COST], lang))
                   + (say(lang, ", {w} of it in wartime mode.", "，其中战时状态{w}。",
                          w=format_value(COST, war, lang)) if war > 0 else say(lang, ".", "。")))
    return [join(out, lang), join(_against_published(f, m, lang), lang)]


def _against_published(f: Folder, m: dict[str, Any], lang: str) -> list[str]:
    """The scenario's [[targets]] (published figures, relative tolerance) that the run measured."""
    pol = f.scenario.get("policies", {}).get(f.variants[0], {}) if isinstance(f.scenario.get("policies"), dict) else {}
    out = []
    for t in [*f.scenario.get("targets", []), *pol.get("targets", [])]:
        s = m.get(t.get("metric"))
        if not s or s.get("mean") is None:
            continue
        name, value, tol = t["metric"], float(t["value"]), float(t.get("tolerance", 0.1))
        lo, hi = value - tol * abs(value), value + tol * abs(value)
        pub = format_value(name, value, lang)
        text = format_ci(name, s["mean"], *s["ci95"], lang=lang)
        if lo <= s["mean"] <= hi:
            verdict = say(lang, "consistent with the published {p} (within ±{t:g}%)", "与公开数字{p}相符（误差±{t:g}%以内）",
                          p=pub, t=100 * tol)
        else:
            verdict = say(lang, "{side} the published {p} by more than its ±{t:g}%", "{side}公开数字{p}，超出±{t:g}%",
                          side=say(lang, "below", "低于") if s["mean"] < lo else say(lang, "above", "高于"), p=pub,
                          t=100 * tol)
        out.append(say(lang, "{m}: {v}, {x}.", "{m}：{v}，{x}。", m=capital(metric_label(name, lang)), v=text, x=verdict))
    return out


def _best(f: Folder, metric: str) -> str | None:
    by = f.summary["by_policy"]
    have = [p for p in f.summary["policies"] if (by[p]["metrics"].get(metric) or {}).get("mean") is not None]
    if not have or better(metric) not in ("higher", "lower"):
        return None
    sign = 1 if better(metric) == "higher" else -1
    return max(have, key=lambda p: sign * by[p]["metrics"][metric]["mean"])


def _relative(metric: str, diff: float, base: float | None, lang: str) -> str:
    """A difference as a share of the other policy's mean, so that minutes on hours read as small as they are
    (shares are already read in percentage points)."""
    if stored_unit(metric) == "share" or not base:
        return ""
    r = 100 * diff / base
    return say(lang, " ({r}%)", "（{r}%）", r=f"{r:+.0f}" if abs(r) >= 10 else f"{r:+.1f}")


def _pair(f: Folder, metric: str, a: str, b: str) -> dict[str, Any] | None:
    """Paired difference a − b of one metric over the replications both have (common random numbers)."""
    ref = f.summary["reference"]
    diffs = f.summary.get("differences", {})
    if b == ref and a in diffs:
        return diffs[a]["metrics"].get(metric)
    if a == ref and b in diffs:  # the summary holds b − reference
        d = diffs[b]["metrics"].get(metric)
        return None if d is None or d.get("mean") is None else \
            {"mean": -d["mean"], "ci95": [None if x is None else -x for x in reversed(d["ci95"])]}
    runs_a = [o for o in f.runs if o.variant == a]
    runs_b = [o for o in f.runs if o.variant == b]
    d = paired_differences(runs_b, runs_a).get(metric)
    return None if d is None else {"mean": d.mean, "ci95": list(d.ci95)}


def compare_findings(f: Folder, lang: str) -> list[str]:
    s = f.summary
    pols = s["policies"]
    if len(pols) < 2:
        return []
    out, alike = [], []
    for metric in FINDING_METRICS:
        best = _best(f, metric)
        if best is None:
            continue
        name = metric_label(metric, lang)
        others = [p for p in pols if p != best]
        diffs = {p: _pair(f, metric, best, p) for p in others}
        ahead = [p for p in others if diffs[p] and significant(*diffs[p]["ci95"])]
        tied = [p for p in others if p not in ahead]
        if not ahead:
            alike.append(name)
            continue
        value = _ci(metric, s["by_policy"][best]["metrics"][metric], lang)
        gaps = [say(lang, "{d}{r} against {p}", "较{p}{d}{r}", p=policy(f, p, lang), r=_relative(
                    metric, diffs[p]["mean"], (s["by_policy"][p]["metrics"].get(metric) or {}).get("mean"), lang),
                    d=format_diff(metric, diffs[p]["mean"], *diffs[p]["ci95"], True, lang)) for p in ahead]
        text = say(lang, "On {m}, **{b}** does best: {v}, {g} (paired 95% CIs)", "在{m}上，**{b}**最优：{v}，{g}（配对95%置信区间）",
                   m=name, b=policy(f, best, lang), v=value, g=listing(gaps, lang))
        if tied:
            text += say(lang, "; it cannot be told apart from {t}", "；与{t}无法区分",
                        t=listing([policy(f, p, lang) for p in tied], lang))
        out.append(text + say(lang, ".", "。"))
    if alike:
        out.append(say(lang, "On {m} the policies cannot be told apart (every paired 95% CI of the best against another "
                             "includes zero).", "在{m}上各方案无法区分（最优者与其他方案之差的配对95%置信区间均含零）。",
                       m=listing(alike, lang)))
    if any(stored_unit(m) == "share" for m in FINDING_METRICS if f"{metric_label(m, lang)}" in join(out, lang)):
        out.append(say(lang, "Differences of shares are in percentage points.", "比例之差以百分点计。"))
    out += _costs(f, lang)
    return [join(out, lang)] if out else []


def _costs(f: Folder, lang: str) -> list[str]:
    s = f.summary
    ref = s["reference"]
    parts = []
    for p in s["policies"]:
        d = s.get("differences", {}).get(p, {}).get("metrics", {}).get(COST)
        if p == ref or not d or d.get("mean") is None:
            continue
        if d["mean"] == 0 and d["ci95"][0] in (0, None) and d["ci95"][1] in (0, None):
            parts.append(say(lang, "{p} the same as {r}", "{p}与{r}相同", p=policy(f, p, lang), r=policy(f, ref, lang)))
        else:
            parts.append(say(lang, "{p} {d} against {r}", "{p}较{r}{d}", p=policy(f, p, lang), r=policy(f, ref, lang),
                             d=format_diff(COST, d["mean"], *d["ci95"], significant(*d["ci95"]), lang)))
    if not parts:
        return []
    ref_cost = (s["by_policy"][ref]["metrics"].get(COST) or {}).get("mean")
    return [say(lang, "Cadre time on duty ({r}: {c}): {x}.", "干部在岗工作量（{r}：{c}）：{x}。", r=policy(f, ref, lang),
                c=format_value(COST, ref_cost, lang), x=("；" if lang == "zh" else "; ").join(parts))]


def _meets(mean: float | None, op: str, x: float) -> bool:
    return mean is not None and (mean <= x if op == "<=" else mean >= x)


def _clear(m: dict[str, Any], op: str, x: float) -> bool:
    lo, hi = m["ci95"]
    return lo is not None and hi is not None and (hi <= x if op == "<=" else lo >= x)


def target_text(t: Target, lang: str) -> str:
    name, op, x = t
    return say(lang, "{m} {o} {v}", "{m}{o}{v}", m=metric_label(name, lang), v=format_value(name, x, lang),
               o=say(lang, "at most", "不高于") if op == "<=" else say(lang, "at least", "不低于"))


def sweep_findings(f: Folder, lang: str, targets: list[Target]) -> list[str]:
    s = f.summary
    points = s["points"]
    out = []
    for metric in ("resolution_hours_p90", "coverage_mean", "coverage_min_grid"):
        have = {pid: p["metrics"][metric] for pid, p in points.items()
                if (p["metrics"].get(metric) or {}).get("mean") is not None}
        if len(have) < 2 or better(metric) not in ("higher", "lower"):
            continue
        sign = 1 if better(metric) == "higher" else -1
        hi_p = max(have, key=lambda p: sign * have[p]["mean"])
        lo_p = min(have, key=lambda p: sign * have[p]["mean"])
        text = say(lang, "{m} runs from {w} ({wp}) to {b} ({bp})", "{m}从{w}（{wp}）到{b}（{bp}）",
                   m=capital(metric_label(metric, lang)), w=_ci(metric, have[lo_p], lang), b=_ci(metric, have[hi_p], lang),
                   wp=params_text(f, points[lo_p]["params"], lang), bp=params_text(f, points[hi_p]["params"], lang))
        a, b = have[lo_p]["ci95"], have[hi_p]["ci95"]
        if None not in (*a, *b) and max(a) >= min(b) and max(b) >= min(a):
            text += say(lang, "; the two ends' 95% CIs overlap, so the design's effect on it is not established",
                        "；两端的95%置信区间重叠，设计因素对其影响尚未确认")
        out.append(text + say(lang, ".", "。"))
    if targets:
        out.append(_sweep_targets(f, lang, targets))
        if targets == DEFAULT_TARGETS:
            out.append(say(lang, "(These are the default targets; give your own with gridsim report --target.)",
                           "（以上为默认目标；可用gridsim report --target指定。）"))
    return [join(out, lang)] if out else []


def _sweep_targets(f: Folder, lang: str, targets: list[Target]) -> str:
    points = f.summary["points"]
    rule = listing([target_text(t, lang) for t in targets], lang)
    meet = [pid for pid, p in points.items()
            if all(_meets((p["metrics"].get(m) or {}).get("mean"), op, x) for m, op, x in targets)]
    cost = {pid: (points[pid]["metrics"].get(COST) or {}).get("mean") for pid in points}
    if not meet:
        def gap(pid: str) -> float:  # the relative shortfall summed over targets: the closest point misses least
            total = 0.0
            for m, op, x in targets:
                v = (points[pid]["metrics"].get(m) or {}).get("mean")
                if v is None:
                    return math.inf
                total += max(0.0, (v - x) if op == "<=" else (x - v)) / (abs(x) or 1.0)
            return total
        close = min(points, key=gap)
        missed = [target_text(t, lang) for t in targets if not _meets(
            (points[close]["metrics"].get(t[0]) or {}).get("mean"), t[1], t[2])]
        return say(lang, "No design point meets every target ({r}) on average; the closest is {p}, which misses {x}.",
                   "没有方案点的均值满足全部目标（{r}）；最接近的是{p}，未达到{x}。", r=rule,
                   p=params_text(f, points[close]["params"], lang), x=listing(missed, lang))
    cheapest = min(meet, key=lambda pid: (cost[pid] is None, cost[pid] or 0.0))
    p = points[cheapest]
    clear = all(_clear(p["metrics"][m], op, x) for m, op, x in targets)
    text = say(lang, "{k} of {n} design points {v} every target ({r}) on average; the one with the least cadre time is "
                     "{p}, at {c}", "{n}个方案点中有{k}个的均值满足全部目标（{r}）；其中干部工作量最少的是{p}，为{c}",
               k=len(meet), n=len(points), r=rule, p=params_text(f, p["params"], lang), v="meets" if len(meet) == 1 else "meet",
               c=_ci(COST, p["metrics"].get(COST), lang))
    return text + (say(lang, ", with every 95% CI clear of its threshold.", "，各95%置信区间均在阈值达标一侧。") if clear else
                   say(lang, "; one of its 95% CIs crosses a threshold, so more replications (or gridsim optimize, which "
                             "guarantees it) are needed to be sure.",
                       "；但其某个95%置信区间跨越阈值，需要更多重复（或使用有统计保证的gridsim optimize）才能确认。"))
