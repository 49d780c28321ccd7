"""The findings paragraph that opens every report, generated from the numbers in English or Chinese.

A sentence is written only when the numbers support it: "does best" needs a paired 95% CI that excludes zero
and says in the same sentence what the gain costs in cadre time (no best is named where every policy has the
same value); "meets" a mean on the right side of the threshold (and says whether its CI is clear of it too);
"consistent with the published figure" a figure the model predicts (``evidence = "predicted"``) and a mean
inside the published tolerance, while a fitted figure, a count of the layout and another district's figure
are each said to be what they are.  Differences of shares are in percentage points; relative changes say
"relative".  tests/test_findings_truth.py checks every number against summary.json."""

from __future__ import annotations

import math
from typing import Any

from sim.experiments.statistics import paired_differences
from sim.outputs.glossary import metric_label
from sim.outputs.grid_table import grid_rows, layout_per_replication, worst
from sim.outputs.numbers import better, format_ci, format_diff, format_value, side, significant, stored_unit
from sim.outputs.plots import Folder
from sim.outputs.plots.sweep import DEFAULT_TARGETS
from sim.outputs.report import decisions
from sim.outputs.report.ensemble_findings import ensemble_findings
from sim.outputs.report.say import capital, clauses, join, listing, say
from sim.outputs.report.sections import params_text, policy

# the metrics findings speak of, in the order a briefing reads them (cost is said separately)
FINDING_METRICS = ["resolution_hours_p90", "resolution_hours_mean", "sla_attainment", "coverage_mean",
                   "coverage_min_grid", "completion_rate_reported", "escalated_by_delay_rate", "petitions"]
COST = "cadre_hours_on_duty"
Target = tuple[str, str, float]


def findings(f: Folder, lang: str, targets: list[Target] | None = None) -> list[str]:
    """The paragraphs of the findings, for the folder's command."""
    if f.command == "run":
        return run_findings(f, lang)
    if f.command == "compare" and f.summary.get("ensemble"):  # set by set only: no pooled claim
        ref = f.summary["by_policy"][f.summary["reference"]]["metrics"]
        return ensemble_findings(f, lang) + _wartime_visits(f, ref, lang)
    if f.command == "compare":
        return [p for p in [*compare_findings(f, lang), join(decisions.selection(f, lang), lang)] if p]
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
        # coverage_mean is a time average of the share of all households visited within the target interval
        out.append(say(lang, "On an average day of the window, {c} of all households had been visited in the last {t} "
                             "days; ", "统计期内平均每天有{c}的住户在近{t}天内得到入户走访；",
                       t=f"{f.scenario.get('visits', {}).get('target_interval_days', 30):g}",
                       c=_ci("coverage_mean", m["coverage_mean"], lang)) + _worst_grid(f, m, lang))
    out += _escalation(m, lang)
    if COST in m:
        war = (m.get("wartime_cadre_hours") or {}).get("mean") or 0.0
        over = (m.get("cadre_hours_overtime") or {}).get("mean") or 0.0
        out.append(say(lang, "Cadres spent {c} on duty", "干部在岗工作量{c}", c=_ci(COST, m[COST], lang))
                   + (say(lang, ", {w} of it in wartime mode", "，其中战时状态下{w}",
                          w=format_value(COST, war, lang)) if war > 0 else "")
                   + (say(lang, ", {o} of it past the end of their shifts to finish an issue",
                          "，其中为办完事项而超出下班时间{o}", o=format_value(COST, over, lang)) if over > 0 else "")
                   + (say(lang, "; at the scenario's rates it cost {t}", "；按情景中的费率，成本为{t}",
                          t=_ci("cost_total", m["cost_total"], lang)) if "cost_total" in m else "")
                   + say(lang, ".", "。"))
    return [*out, *_wartime_visits(f, m, lang), *_against_published(f, m, lang)]  # one topic a bullet


def _worst_grid(f: Folder, m: dict[str, Any], lang: str) -> str:
    """The worst grid's coverage, naming the grid only when every replication had the same layout: with
    ``layout_per_replication`` each replication's worst grid is one of its own layout, so no one grid is it."""
    w = _ci("coverage_min_grid", m.get("coverage_min_grid"), lang)
    if layout_per_replication(f.scenario):
        return say(lang, "the worst-covered grid's share averaged {w} over the replications, each replication's worst "
                         "grid being one of its own layout.",
                   "各次重复中覆盖率最低的网格平均为{w}（每次重复的网格布局各不相同，各次的最差网格是各自布局中的网格）。", w=w)
    low = worst(grid_rows(f.path, f.variants[0], f.runs), "grid_coverage", 1)
    where = say(lang, " (grid {g}, {c}, {s})", "（网格{g}，街道{s}，社区{c}）", g=low[0].id, c=low[0].community,
                s=low[0].street) if low else ""
    return say(lang, "the worst-covered grid averaged {w}{where}.", "覆盖率最低的网格平均为{w}{where}。", w=w, where=where)


def _escalation(m: dict[str, Any], lang: str) -> list[str]:
    """Where issues ended, and (with worsening) how many went up, or left as petitions, because they waited."""
    if "escalation_rate" not in m:
        return []
    text = say(lang, "{e} of the resolved issues were resolved above the grid", "已办结事项中{e}在网格以上层级办结",
               e=_ci("escalation_rate", m["escalation_rate"], lang))
    if "escalated_by_delay_rate" in m:
        text += say(lang, "; {d} of the issues known in the window went up because nobody took them up in time, and "
                          "{p} left the district's workflow as petitions above it (越级上访)",
                    "；统计期内已知事项中{d}因久拖未办而自行上交，{p}成为越级上访",
                    d=_ci("escalated_by_delay_rate", m["escalated_by_delay_rate"], lang),
                    p=_ci("petitions", m["petitions"], lang))
    return [text + say(lang, ".", "。")]


def _against_published(f: Folder, m: dict[str, Any], lang: str) -> list[str]:
    """The scenario's [[targets]] (published figures, relative tolerance) that the run measured, each worded by
    the kind of evidence it is: only a figure the model predicts may be "consistent with the published".  The
    resolved scenario has the policy applied, so its targets are the policy's own where it has any."""
    out = []
    for t in f.scenario.get("targets", []):
        s = m.get(t.get("metric"))
        if not s or s.get("mean") is None:
            continue
        out.append(target_sentence(t, s, lang))
    return out


def target_sentence(t: dict[str, Any], s: dict[str, Any], lang: str) -> str:
    """One published figure against the run's mean, worded by its kind of evidence (docs/scenario-reference.md)."""
    name, value, tol = t["metric"], float(t["value"]), float(t.get("tolerance", 0.1))
    lo, hi = value - tol * abs(value), value + tol * abs(value)
    side = None if lo <= s["mean"] <= hi else say(lang, "below", "低于") if s["mean"] < lo else say(lang, "above", "高于")
    kw = dict(m=capital(metric_label(name, lang)), v=format_ci(name, s["mean"], *s["ci95"], lang=lang),
              p=format_value(name, value, lang), t=f"{100 * tol:g}", side=side,
              d=(lang == "zh" and t.get("district_zh")) or t.get("district", ""))
    within = say(lang, "within its ±{t}% relative tolerance", "相对误差在±{t}%以内", **kw) if side is None else \
        say(lang, "{side} it by more than its ±{t}% relative tolerance", "{side}该数字，相对误差超出±{t}%", **kw)
    kind = t.get("evidence", "predicted")
    if kind == "fitted" and side is not None:
        return say(lang, "{m}: {v}, {side} the published {p} by more than its ±{t}% relative tolerance, although a rate "
                         "of the scenario was fitted to it.",
                   "{m}：{v}，{side}公开数字{p}，相对误差超出±{t}%，尽管情景中的参数是按该数字拟合的。", **kw)
    if kind == "fitted":
        return say(lang, "{m}: {v} against the published {p}, the figure a rate of the scenario was fitted to, so "
                         "agreement is by construction ({w}).",
                   "{m}：{v}，公开数字为{p}；情景中的参数是按该数字拟合的，二者相符是构造使然（{w}）。", w=within, **kw)
    if kind == "layout":
        return say(lang, "{m}: {v} against the published {p}, a count of the district's layout that the scenario "
                         "takes as input, so this checks the layout only, not the model ({w}).",
                   "{m}：{v}，公开数字为{p}；该数字是辖区布局本身的数量，为情景的输入，此项只检验布局，不检验模型（{w}）。",
                   w=within, **kw)
    if kind == "other_district":
        return say(lang, "{m}: {v} against {p}, taken from figures published for other districts ({d}), not for "
                         "this one: a cross-district comparison ({w}).",
                   "{m}：{v}，对照数字{p}取自其他地区公布的数字（{d}），并非本辖区的数字，属跨地区比较（{w}）。",
                   w=within, **kw)
    if side is None:
        return say(lang, "{m}: {v}, consistent with the published {p} ({w}).", "{m}：{v}，与公开数字{p}相符（{w}）。",
                   w=within, **kw)
    return say(lang, "{m}: {v}, {side} the published {p} by more than its ±{t}% relative tolerance.",
               "{m}：{v}，{side}公开数字{p}，相对误差超出±{t}%。", **kw)


def _best(f: Folder, metric: str) -> str | None:
    by = f.summary["by_policy"]
    have = [p for p in f.summary["policies"] if (by[p]["metrics"].get(metric) or {}).get("mean") is not None]
    if not have or better(metric) not in ("higher", "lower"):
        return None
    sign = 1 if better(metric) == "higher" else -1
    return max(have, key=lambda p: sign * by[p]["metrics"][metric]["mean"])


def _relative(metric: str, diff: float, base: float | None, lang: str) -> str:
    """A difference as a share of the other policy's mean, so that minutes on hours read as small as they are;
    said to be relative, since differences of shares are already in percentage points (and get none)."""
    if stored_unit(metric) == "share" or not base:
        return ""
    r = 100 * diff / base
    return say(lang, " ({r}% relative)", "（相对{r}%）", r=f"{r:+.0f}" if abs(r) >= 10 else f"{r:+.1f}")


def _against(f: Folder, metric: str, a: str, b: str, lang: str) -> str:
    """'+13,080 cadre-days (+31% relative) against baseline': the paired difference a − b, or 'the same as b'."""
    d = _pair(f, metric, a, b)
    if d is None or d.get("mean") is None:
        return ""
    if d["mean"] == 0 and d["ci95"][0] in (0, None) and d["ci95"][1] in (0, None):
        return say(lang, "the same as {p}", "与{p}相同", p=policy(f, b, lang))
    base = (f.summary["by_policy"][b]["metrics"].get(metric) or {}).get("mean")
    return say(lang, "{d}{r} against {p}", "较{p}{d}{r}", p=policy(f, b, lang), r=_relative(metric, d["mean"], base, lang),
               d=format_diff(metric, d["mean"], *d["ci95"], significant(*d["ci95"]), lang))


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


def _ahead(metric: str, d: dict[str, Any] | None) -> bool:
    """Whether a paired difference (best − other) is wholly on the better side of zero: significant alone is not
    enough when the best mean and the paired difference come from different replications."""
    return d is not None and side(metric, *d["ci95"]) == "better"


def _equal(f: Folder, metric: str) -> float | None:
    """The value every policy has when all have the same mean (every policy at 100% SLA), else None."""
    means = {(f.summary["by_policy"][p]["metrics"].get(metric) or {}).get("mean") for p in f.summary["policies"]}
    return next(iter(means)) if len(means) == 1 and None not in means else None


def compare_findings(f: Folder, lang: str) -> list[str]:
    """Per metric, the policy that does best where the paired CIs show it, with the size of the gain and its cost in
    cadre time in the same sentence; where every policy has the same value, no best is named."""
    s = f.summary
    pols = s["policies"]
    if len(pols) < 2:
        return []
    out, alike, same = [], [], []
    for metric in FINDING_METRICS:
        best = _best(f, metric)
        if best is None:
            continue
        name = metric_label(metric, lang)
        if _equal(f, metric) is not None:
            same.append(say(lang, "{m} ({v})", "{m}（{v}）", m=name, v=format_value(metric, _equal(f, metric), lang)))
            continue
        others = [p for p in pols if p != best]
        ahead = [p for p in others if _ahead(metric, _pair(f, metric, best, p))]
        tied = [p for p in others if p not in ahead]
        if not ahead:
            alike.append(name)
            continue
        value = _ci(metric, s["by_policy"][best]["metrics"][metric], lang)
        gaps = [_against(f, metric, best, p, lang) for p in ahead]
        if tied:  # 'does best' only when ahead of every other policy
            text = say(lang, "On {m}, **{b}** has the best mean, {v}, but cannot be told apart from {t}; it is ahead of "
                             "the rest: {g} (paired 95% CIs)",
                       "在{m}上，**{b}**均值最优，为{v}，但与{t}无法区分；领先其余方案：{g}（配对95%置信区间）",
                       m=name, b=policy(f, best, lang), v=value, g=clauses(gaps, lang),
                       t=listing([policy(f, p, lang) for p in tied], lang))
        else:
            text = say(lang, "On {m}, **{b}** does best: {v}, {g} (paired 95% CIs)",
                       "在{m}上，**{b}**最优：{v}，{g}（配对95%置信区间）",
                       m=name, b=policy(f, best, lang), v=value, g=clauses(gaps, lang))
        costs = [c for c in (_against(f, COST, best, p, lang) for p in ahead) if c]
        if costs:
            text += say(lang, ", with cadre time on duty {c}", "，干部在岗工作量{c}", c=clauses(costs, lang))
        out.append(text + say(lang, ".", "。"))
    if same:
        out.append(say(lang, "On {m} every policy has the same value, so none does best.",
                       "在{m}上各方案数值相同，无所谓最优。", m=listing(same, lang)))
    if alike:
        out.append(say(lang, "On {m} the policies cannot be told apart (every paired 95% CI of the best against another "
                             "includes zero).", "在{m}上各方案无法区分（最优者与其他方案之差的配对95%置信区间均含零）。",
                       m=listing(alike, lang)))
    ref = s["by_policy"][s["reference"]]["metrics"]
    return out + _against_reference(f, lang) + _costs(f, lang) + _wartime_visits(f, ref, lang)  # read one by one


def _wartime_visits(f: Folder, m: dict[str, Any], lang: str) -> list[str]:
    """The caveat on coverage when wartime came and visits went on (the coverage figure shows it): the model's
    cadres on wartime duty visit in every hour no issue takes, with no other emergency work to do."""
    if f.scenario.get("wartime", {}).get("pause_visits", True) or not (m.get("wartime_cadre_hours") or {}).get("mean"):
        return []
    if any(e.get("tasks") for e in f.scenario.get("emergencies", [])):
        return [say(lang, "Coverage includes wartime, when visits went on: cadres on wartime duty visit in every hour no "
                          "issue or emergency task takes, and emergency work beyond the scenario's tasks (patrols, say) is "
                          "not modelled, so coverage during and after an emergency may be overstated (see the coverage "
                          "figure).",
                    "入户走访覆盖率包含战时：战时未暂停走访，战时在岗干部把办理事项和应急任务以外的全部时间用于走访，而情景所列任务以外的"
                    "应急工作（如巡查）未纳入模型，因此突发事件期间及其后的覆盖率可能偏高（见覆盖率图）。")]
    return [say(lang, "Coverage includes wartime, when visits went on: cadres on wartime duty visit in every hour no "
                      "issue takes, and emergency work that is not an issue (patrols, clearing) is not modelled, so "
                      "coverage during and after an emergency is overstated (see the coverage figure).",
                "入户走访覆盖率包含战时：战时未暂停走访，战时在岗干部把办理事项以外的全部时间用于走访，而模型未包含事项以外的应急工作"
                "（巡查、清淤等），因此突发事件期间及其后的覆盖率偏高（见覆盖率图）。")]


def _against_reference(f: Folder, lang: str) -> list[str]:
    """Each policy against the reference on every key metric: where it is better, where worse (paired CIs on one
    side of zero), so that a policy that loses everywhere is said to, not only the winners."""
    ref = f.summary["reference"]
    out = []
    for p in [p for p in f.summary["policies"] if p != ref]:
        sides: dict[str, list[str]] = {"better": [], "worse": []}
        unclear = 0
        for metric in FINDING_METRICS:
            d = _pair(f, metric, p, ref)
            where = None if d is None else side(metric, *d["ci95"])
            unclear += d is not None and where is None
            if where:
                sides[where].append(say(lang, "{m} ({d})", "{m}（{d}）", m=metric_label(metric, lang),
                                       d=format_diff(metric, d["mean"], *d["ci95"], True, lang)))
        parts = [say(lang, "better on {x}", "在{x}上更优", x=listing(sides["better"], lang)) if sides["better"] else "",
                 say(lang, "worse on {x}", "在{x}上更差", x=listing(sides["worse"], lang)) if sides["worse"] else ""]
        parts = [x for x in parts if x]
        text = say(lang, "Against {r}, {p} is {x}", "与{r}相比，{p}{x}", r=policy(f, ref, lang), p=policy(f, p, lang),
                   x=clauses(parts, lang) if parts else say(lang, "not distinguishable on any key metric",
                                                             "在各项主要指标上均无法区分"))
        out.append(text + (say(lang, "; the other key metrics cannot be told apart.", "；其余主要指标无法区分。")
                           if parts and unclear else say(lang, ".", "。")))
    return out


def _costs(f: Folder, lang: str) -> list[str]:
    s = f.summary
    ref = s["reference"]
    parts = [say(lang, "{p} {x}", "{p}{x}", p=policy(f, p, lang), x=_against(f, COST, p, ref, lang))
             for p in s["policies"] if p != ref and _against(f, COST, p, ref, lang)]
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
    return out  # one finding a metric: a bullet each in the report, not one block


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
                   "没有参数组合的均值满足全部目标（{r}）；最接近的是{p}，未达到{x}。", r=rule,
                   p=params_text(f, points[close]["params"], lang), x=listing(missed, lang))
    cheapest = min(meet, key=lambda pid: (cost[pid] is None, cost[pid] or 0.0))
    p = points[cheapest]
    clear = all(_clear(p["metrics"][m], op, x) for m, op, x in targets)
    text = say(lang, "{k} of {n} design points {v} every target ({r}) on average; the one with the least cadre time is "
                     "{p}, at {c}", "{n}个参数组合中有{k}个的均值满足全部目标（{r}）；其中干部工作量最少的是{p}，为{c}",
               k=len(meet), n=len(points), r=rule, p=params_text(f, p["params"], lang), v="meets" if len(meet) == 1 else "meet",
               c=_ci(COST, p["metrics"].get(COST), lang))
    return text + (say(lang, ", with every 95% CI clear of its threshold.", "，各95%置信区间均在阈值达标一侧。") if clear else
                   say(lang, "; one of its 95% CIs crosses a threshold, so more replications (or gridsim optimize, which "
                             "guarantees it) are needed to be sure.",
                       "；但其某个95%置信区间跨越阈值，需要更多重复（或使用有统计保证的gridsim optimize）才能确认。"))
