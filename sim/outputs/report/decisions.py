"""The answers of the deciding commands in words: selection of the best policy, the cheapest deployment
meeting the targets, and which assumptions matter.  Each sentence says only what the numbers support."""

from __future__ import annotations

import math
from typing import Any

from sim.experiments.indices import index_text, problem_text
from sim.outputs.glossary import metric_label, param_label
from sim.outputs.numbers import diff_parts, format_ci, format_diff, format_value, share_percent, stored_shown, with_unit
from sim.outputs.plots import Folder
from sim.outputs.report.say import capital, listing, say
from sim.outputs.report.sections import index_ci, index_interval, policy


def selection(f: Folder, lang: str) -> list[str]:
    """compare --select-best: 'is the best' only when the procedure ended with one policy or the selected policy's
    MCB interval lies on the better side of zero; 'tied', not 'eliminated', for a policy equal to it on every
    replication, and no best at all when every policy is tied."""
    s = f.summary.get("selection")
    if f.command != "compare" or not s or not s.get("mcb"):
        return []
    m, best, conf = s["metric"], s["best"], f"{100 * s['confidence']:g}%"
    minimize = s["direction"] == "minimize"
    name, pb = metric_label(m, lang), f"**{policy(f, s['best'], lang)}**"
    better = say(lang, "lowest", "最低") if minimize else say(lang, "highest", "最高")
    delta = format_diff(m, s["delta"], None, None, False, lang).lstrip("+")
    out = [say(lang, "Selection of the best policy on {m} ({b} mean is best; indifference zone δ = {d}; procedure KN on "
                     "common random numbers, first stage {n} replications, then one at a time for the policies still in "
                     "contention; a policy also goes as soon as its gap to another is clear on all its replications so far).",
               "按{m}选择最优方案（均值{b}者为优；无差异区间δ = {d}；KN程序，共同随机数，首阶段{n}次重复，其后对仍在比较的方案逐次追加；"
               "某方案与另一方案的差距在已有全部重复上已明确时，亦随即淘汰）。",
               m=name, b=better, d=delta, n=s.get("first_stage", "?"))]
    lo, hi = s["mcb"][best]
    worse, ahead = (hi, -lo) if minimize else (-lo, hi)
    tied = s.get("tied", {})
    join = "、" if lang == "zh" else ", "
    contention = s.get("still_in_contention", [best])
    if tied and len(tied) == len(s["mcb"]) - 1:
        out.append(say(lang, "No policy is better: all {k} gave the same {m} on every replication (tied).",
                       "没有更优的方案：{k}个方案在每次重复中的{m}都相同（并列）。", k=len(s["mcb"]), m=name))
    elif len(contention) <= 1:
        out.append(say(lang, "With {c} confidence, {p} has the {b} mean {m} of the {k} policies, or is within {d} of it.",
                       "在{c}置信度下，{p}的{m}均值在{k}个方案中{b}，或与最优者相差不超过{d}。",
                       c=conf, p=pb, b=better, m=name, k=len(s["mcb"]), d=delta))
    else:  # the cap: the MCB interval of the policy with the best mean says whether the data separate them
        cap = dict(n=max(s["replications"].values()), c=conf, p=pb, b=better,
                   x=join.join(policy(f, p, lang) for p in contention))
        out.append(say(lang, "The cap of {n} replications per policy was reached with {x} still in contention (procedure "
                             "KN's margins had not closed), but the MCB intervals separate them: with {c} confidence {p} "
                             "has the {b} mean.",
                       "各方案{n}次重复的上限已到，{x}仍在比较之中（KN程序的淘汰界限尚未收拢），但多重比较区间已将其区分："
                       "在{c}置信度下，{p}的均值{b}。", **cap) if worse <= 0 else
                   say(lang, "The cap of {n} replications per policy stopped the procedure with {x} still in contention: "
                             "{p} has the {b} mean so far, but its MCB interval does not rule out that another is better, "
                             "so no policy is selected with {c} confidence.",
                       "各方案{n}次重复的上限已到，{x}仍在比较之中：目前{p}的均值{b}，但其多重比较区间不能排除其他方案更优，"
                       "因此无法以{c}置信度选出最优方案。", **cap))
    if tied and len(tied) < len(s["mcb"]) - 1:
        out.append(say(lang, "Tied with {p} (the same value on every replication): {x}.",
                       "与{p}并列（每次重复的数值均相同）：{x}。", p=pb, x=join.join(policy(f, t, lang) for t in tied)))
    order = sorted(s.get("eliminated", {}).items(), key=lambda kv: kv[1])
    if order:
        out.append(say(lang, "Eliminated: {x}.", "已淘汰：{x}。", x=("；" if lang == "zh" else "; ").join(
            say(lang, "{p} after {n} replications", "{p}（{n}次重复后）", p=policy(f, p, lang), n=n) for p, n in order)))
    # the bounds named below are the interval's ends: printed with its digits ([-0.66, 0], up to 0.66 h)
    _, a, b, shown = diff_parts(m, (lo + hi) / 2, lo, hi, False)
    mcb = f"[{a}, {b}]"
    low_end, high_end = (with_unit(x.lstrip("+-"), shown, lang) for x in (a, b))
    ahead_text, worse_text = (low_end, high_end) if minimize else (high_end, low_end)
    if worse <= 0 < ahead:
        out.append(say(lang, "Its MCB interval (mean minus the best of the others) is {i}: it is no worse than any other "
                             "policy, and may be better than the next best by up to {a}.",
                       "其多重比较区间（均值减其他方案中最优者）为{i}：不劣于任何其他方案，且可能比次优方案好至多{a}。",
                       i=mcb, a=ahead_text))
    elif worse > 0:
        out.append(say(lang, "Its MCB interval (mean minus the best of the others) is {i}: it may be up to {w} worse than "
                             "the best of the others.",
                       "其多重比较区间（均值减其他方案中最优者）为{i}：可能比其他方案中最优者差至多{w}。",
                       i=mcb, w=worse_text))
    return out


def _levers(f: Folder, levers: dict[str, Any], lang: str) -> str:
    def one(k: str, v: Any) -> str:
        if isinstance(v, dict):  # the per-grid allocation
            return say(lang, "{n} sunk cadres placed grid by grid in {g} grids (allocation.csv)",
                       "{n}名下沉干部逐格分配至{g}个网格（allocation.csv）", n=sum(v.values()), g=len(v))
        shown = "+".join(map(str, v)) if isinstance(v, list) else v
        return f"{param_label(k, lang, f.scenario)} = {shown}"
    return ("；" if lang == "zh" else "; ").join(one(k, v) for k, v in levers.items())


def _against_targets(block: dict[str, Any], lang: str) -> str:
    """Each target: the mean and its 95% CI, where the mean lies, and what the check showed with the interval it
    decided with (a mean on the right side is not 'met' unless the check showed it)."""
    shown = {d["target"]: d for d in block.get("decisions", [])}

    def miss(m: str, c: dict[str, Any]) -> str:
        if c["met"]:
            text = say(lang, "mean on the right side", "均值位于达标一侧")
        else:
            gap = format_value(m, abs(c["mean"] - float(c["target"].split("=")[-1])), lang, stored_shown(m, diff=True))
            text = say(lang, "missed on average by {g}", "均值差{g}未达标", g=gap)
        d = shown.get(c["target"])
        if d is None:
            return text
        iv = say(lang, "{i} after {n} replications (each end one-sided at {l})", "{i}（{n}次重复；两端各为{l}单侧界）",
                 i="[" + ", ".join(format_value(m, x, lang) for x in d["interval"]) + "]", n=d["replications"], l=f"{100 * d['one_sided_level']:.4g}%")
        if d.get("set"):  # over an ensemble: one set's runs, not the pooled ones the mean above comes from
            iv += say(lang, " in {s}, the set where it is hardest to meet (that set's runs alone)",
                      "，取自最难达标的{s}（仅该组的运行）", s=d["set"])
        verdict = {"met": say(lang, "shown met: {i} lies on the right side", "经检验达标：{i}位于达标一侧", i=iv),
                   "missed": say(lang, "shown missed: {i} lies wholly on the wrong side", "经检验未达标：{i}整体位于未达标一侧",
                                 i=iv),
                   }.get(d["status"], say(lang, "not shown either way: {i} holds the threshold",
                                          "无法判定：{i}包含阈值", i=iv))
        return text + say(lang, "; ", "；") + verdict
    pooled = say(lang, " (pooled over every set)", "（各组合并）") if any(d.get("set") for d in shown.values()) else ""
    return ("；" if lang == "zh" else "; ").join(
        # beside the target as typed (an identifier): in the unit its name says
        f"`{c['target']}`{say(lang, ': ', '：')}{format_ci(m, c['mean'], *c['ci95'], lang=lang, shown=stored_shown(m))}{pooled}"
        f"{say(lang, ', ', '，')}"
        f"{miss(m, c)}" for m, c in block["metrics"].items())


def optimum(f: Folder, lang: str) -> list[str]:
    """optimize: 'meets every target' only for a candidate the procedure showed feasible (docs/optimize.md)."""
    o = f.summary.get("optimum")
    if f.command != "optimize" or not o:
        return []
    out = []
    c = o.get("cost") or {}
    if o.get("found"):
        out.append(say(lang, "The cheapest deployment shown to meet every target: **{l}**, at {c} of {m} ({n} "
                             "replications). {g}",
                       "经检验满足全部目标的最省配置：**{l}**，{m}为{c}（{n}次重复）。在{p}置信度下，选定配置{w}满足全部目标"
                       "（各指标在情景随机性下的均值均位于阈值的达标一侧）；误差率按搜索可能进行的{k}次检验及其目标分摊"
                       "（Bonferroni校正）。",
                       l=_levers(f, o["levers"], lang), c=format_ci(c["metric"], c["mean"], *c["ci95"], lang=lang),
                       m=metric_label(c["metric"], lang), n=o["replications"], g=o.get("guarantee", ""),
                       p=f"{100 * o.get('confidence', 0.95):g}%", k=o.get("checks_allowed", "?"),
                       w=_in_sets_zh(o.get("ensemble"))))
    elif o.get("levers"):
        out.append(say(lang, "No candidate in the lever ranges was shown to meet every target. The closest: {l} ({v} after "
                             "{n} replications).", "决策变量范围内没有候选方案经检验满足全部目标。最接近者：{l}（{n}次重复后判定为{v}）。",
                       l=_levers(f, o["levers"], lang), v=_verdict(o["verdict"], lang), n=o["replications"]))
    out += _over_ensemble(o.get("ensemble"), lang)
    if o.get("metrics"):
        out.append(say(lang, "Its targets: {t}.", "目标情况：{t}。", t=_against_targets(o, lang)))
    n = o.get("next_cheaper")
    if n:
        e = o.get("ensemble")
        # over an ensemble, 'infeasible' means not shown feasible in enough sets: a set still open counts against it
        v = (say(lang, "not shown feasible in {k} of the {n} sets", "未能在{n}个参数组中的{k}组内经检验可行",
                 k=e.get("need", "?"), n=e.get("size", "?")) if e and n["verdict"] == "infeasible"
             else _verdict(n["verdict"], lang))
        out.append(say(lang, "The next cheaper candidate, {l}, was {v} after {r} replications: {t}.",
                       "次省的候选方案{l}在{r}次重复后判定为{v}：{t}。", l=_levers(f, n["levers"], lang),
                       v=v, r=n["replications"], t=_against_targets(n, lang)))
    out.append(say(lang, "The search looked at {c} candidates in {r} runs (every one in candidates.csv).",
                   "搜索共考察{c}个候选方案，运行{r}次（全部见candidates.csv）。", c=o["candidates_evaluated"],
                   r=o["runs_used"]))
    if o.get("stopped"):
        out.append(say(lang, "It stopped early: {s}.", "搜索提前停止：{s}。", s=o["stopped"]))
    return out


def _in_sets_zh(e: dict[str, Any] | None) -> str:
    """The guarantee's 'in at least m of the K plausible parameter sets' (the English comes with the command's
    guarantee sentence), or nothing without an ensemble."""
    return f"在{e['size']}个合理参数组中的至少{e['need']}组中" if e else ""


def _over_ensemble(e: dict[str, Any] | None, lang: str) -> list[str]:
    """optimize --ensemble: what feasible meant, and the sets where the answer was not shown feasible."""
    if not e:
        return []
    text = say(lang, "Over {k} plausible parameter sets, a deployment counted as feasible when shown feasible in at least "
                     "{m} of them (its numbers pool every set's runs)",
               "在{k}个合理参数组上，部署须在至少{m}组中经检验可行才算可行（其数值合并各组的全部运行）",
               k=e["size"], m=e["need"])
    fails = e.get("failing_at_answer") or []
    if not fails:
        return [text + say(lang, "; the answer is shown feasible in every set.", "；所选部署在每一组中均经检验可行。")]
    return [text + say(lang, "; at the answer it was not shown feasible in {s}.", "；所选部署在{s}中未经检验可行。",
                       s=", ".join(f"{x['id']} ({_verdict(x['verdict'], lang)})" for x in fails))]


def _verdict(v: str, lang: str) -> str:
    return {"feasible": say(lang, "feasible", "可行"), "infeasible": say(lang, "infeasible", "不可行"),
            "not distinguishable": say(lang, "not distinguishable", "未定（无法与阈值区分）")}.get(v, v)


def sensitivity(f: Folder, lang: str) -> list[str]:
    """The factors ranked in words, per metric: only what the indices and their 95% bootstrap intervals support
    (docs/sensitivity.md)."""
    b = f.summary.get("sensitivity") or {}
    if f.command != "sensitivity" or not b:
        return []
    morris, emulator = b.get("method") == "morris", b.get("method") == "sobol-emulator"
    idx, big = ("mu_star", "μ*") if morris else ("ST", "ST")
    out = [say(lang, "{k} (SALib) of {d} factor(s) over {p} design points x {r} replication(s) on common random numbers.",
               "{k}（SALib），{d}个因素，{p}个参数组合，每个组合{r}次重复，共同随机数。",
               k=say(lang, "Morris screening", "Morris筛选法") if morris else say(lang, "Sobol indices", "Sobol指数"),
               d=len(b.get("factors", [])), p=b.get("points"), r=b.get("replications"))]
    out += _emulator_sentence(b, lang)

    def val(m: str, x: float | None) -> str:  # an effect is a change: a share's in percentage points
        return format_value(m, x, lang, stored_shown(m, diff=True)) if morris else ("–" if x is None else f"{x:.2f}")

    def ci(d: dict[str, Any]) -> tuple[float, float]:
        return index_interval(d, morris)

    def name(k: str) -> str:
        return param_label(k, lang, f.scenario)

    for m, order in b.get("ranking", {}).items():
        ind, mname = b["indices"][m], metric_label(m, lang)
        top = order[0]
        lo, hi = ci(ind[top])
        shown = index_ci(m, ind[top], morris, lang)
        text = say(lang, "**{m}**: the most influential factor is {k} ({i} = {v})",
                   "**{m}**：影响最大的因素是{k}（{i} = {v}）", m=mname, k=name(top), i=big, v=shown)
        small = b.get("sample_too_small", {}).get(m)
        if len(order) > 1:
            lo2, hi2 = ci(ind[order[1]])
            sec = name(order[1])
            if small:  # indices no true index can have: their intervals rank nothing
                text += say(lang, "; next comes {s} ({i} = {v}), but {why} to rank them.",
                            "；其次是{s}（{i} = {v}），但{why}，无法据此排序。", s=sec, i=big, v=val(m, ind[order[1]][idx]),
                            why=say(lang, "the emulator's indices are too unreliable", "代理模型的指数不可靠") if emulator
                            else say(lang, "the sample is too small", "样本量不足"))
            else:
                text += say(lang, ", clearly ahead of {s} (their 95% intervals do not overlap).",
                            "，明显大于{s}（二者95%区间不重叠）。", s=sec) if lo > hi2 else \
                    say(lang, "; its interval overlaps that of {s} ({i} = {v}), so their order is not settled {at}.",
                        "；其区间与{s}（{i} = {v}）重叠，{at}二者次序未定。", s=sec, i=big, v=val(m, ind[order[1]][idx]),
                        at=say(lang, "with this design (its points and replications set the emulator's uncertainty)",
                               "在当前设计点和重复次数下") if emulator else
                        say(lang, "at this sample size", "在当前样本量下"))
        else:
            text += say(lang, ".", "。")
        if math.isfinite(lo) and lo <= 0:
            text += say(lang, " Even the top factor's interval reaches zero: no effect on {m} is established.",
                        "即便影响最大的因素，其区间也触及零：尚不能确认任何因素对{m}有影响。", m=mname)
        zero = [name(k) for k in order if ind[k].get(idx) == 0 and (not morris or ind[k].get("sigma") == 0)]
        if zero:
            text += say(lang, " {z} had no effect at all (every effect exactly zero on common random numbers).",
                        "{z}完全没有影响（在共同随机数下各效应均恰为零）。", z=capital(listing(zero, lang))) if morris else \
                say(lang, " {z} explain none of the variance ({i} = 0).", "{z}不解释任何方差（{i} = 0）。",
                    z=capital(listing(zero, lang)), i=big)
        if morris:
            wavy = [name(k) for k in order if (ind[k].get("sigma") or 0) > (ind[k].get("mu_star") or 0) > 0]
            if wavy:
                text += say(lang, " The effect of {w} varies across the design (σ > μ*): non-linear or interacting.",
                            "{w}的效应随参数组合变化（σ > μ*）：非线性或存在交互作用。", w=listing(wavy, lang))
        if small:
            listed = ("；" if lang == "zh" else "; ").join(name(k) + say(lang, ": ", "：") + (
                "、" if lang == "zh" else ", ").join(_problem(x, lang, emulator) for x in v) for k, v in small.items())
            text += _emulator_small(listed, lang) if emulator else \
                say(lang, " Warning: the sample is too small for these indices: {x} (a true index has "
                          "0 ≤ S1 ≤ ST ≤ 1); read them as unreliable, and run more samples.",
                    "警告：样本量不足以估计这些指数：{x}（真实指数满足0 ≤ S1 ≤ ST ≤ 1）；这些指数不可靠，需要更多样本。", x=listed)
        share = b.get("noise_share", {}).get(m)
        if share is not None:
            noisy = share > b.get("noise_warn", 0.5)
            text += say(lang, " Replication noise is {s} of the variance of the point means{tail}",
                        "重复噪声占各参数组合均值方差的{s}{tail}", s=share_percent(share),
                        tail=say(lang, ": these indices mostly measure noise; more replications are needed.",
                                 "：这些指数主要反映噪声，需要更多重复。") if noisy else say(lang, ".", "。"))
        out.append(text)
    out += [say(lang, "{m}: not analysed ({w}).", "{m}：未分析（{w}）。", m=metric_label(m, lang), w=why)
            for m, why in b.get("skipped", {}).items()]
    return out



def _emulator_sentence(b: dict[str, Any], lang: str) -> list[str]:
    """Sobol from an emulator: how the indices were computed, and which emulators failed their check."""
    em = b.get("emulator")
    if not em:
        return []
    failed = [metric_label(m, lang) for m, d in em.get("diagnostics", {}).items() if not d.get("passed")]
    text = say(lang, "The indices come from a Gaussian-process emulator fitted to these points (Latin hypercube), "
                     "not from the runs directly; their 95% intervals carry the emulator's uncertainty.",
               "这些指数来自对上述参数组合（拉丁超立方设计）拟合的高斯过程代理模型，而非直接来自模拟；其95%区间包含代理模型的不确定性。")
    text += "".join(_loo(metric_label(m, lang), d, lang) for m, d in em.get("diagnostics", {}).items())
    if failed:
        text += say(lang, " Warning: the emulator of {m} fails its leave-one-out check: do not trust those indices.",
                    "警告：{m}的代理模型未通过留一法检验，其指数不可信。", m=listing(failed, lang))
    return [text]


def _emulator_small(problems: str, lang: str) -> str:
    """The warning for emulator indices no true index can have beyond their Monte Carlo error: the emulator's
    predictions swing, which more design points or replications mend (its Saltelli sample is fixed)."""
    return say(lang, " Warning: the emulator gives indices no true index can have, beyond their Monte Carlo error: {x} "
                     "(a true index has 0 ≤ S1 ≤ ST ≤ 1); read them as unreliable, and use more design points or "
                     "replications, or narrower ranges.",
               "警告：代理模型给出的指数超出真实指数的可能范围，且超出其蒙特卡洛误差：{x}（真实指数满足0 ≤ S1 ≤ ST ≤ 1）；"
               "这些指数不可靠，需要更多设计点或重复，或缩小取值范围。", x=problems)


def _loo(name: str, d: dict[str, Any], lang: str) -> str:
    """One emulator's leave-one-out check (sim.decide.sensitivity.emulated.Check) in a sentence."""
    return say(lang, " Leave-one-out check of the emulator of {m}: {o} of {p} points beyond {c:g} standard errors, "
                     "largest {x:.1f} ({ok}).", "{m}代理模型的留一法检验：{p}个点中{o}个超出{c:g}个标准误，最大{x:.1f}（{ok}）。",
               m=name, o=d.get("outside", "?"), p=d.get("points", "?"), c=d.get("cutoff", 3),
               x=d.get("max_abs_standardized_error", math.nan),
               ok=say(lang, "passed", "通过") if d.get("passed") else say(lang, "failed", "未通过"))


def _problem(p: dict[str, Any], lang: str, emulator: bool = False) -> str:
    """One Sobol estimate no true index can have (sim.decide.sensitivity.analysis.impossible), in words; an
    emulator's index above 1 is flagged beyond its interval, which the Chinese says in Chinese."""
    if p["kind"] == "above_one" and emulator and lang == "zh":
        return f"{p['index']} = {index_text(p['value'])} > 1，超出其区间（±{index_text(p['conf'])}）"
    if p["kind"] in ("above_one", "above_total"):
        return p["text"]  # formulas, as the analysis wrote them
    if lang != "zh":  # from the values: a folder written before index_text has '-0.00' in its text
        return problem_text(p["index"], p["kind"], p["value"], p["conf"], math.nan)
    if p["kind"] == "negative":
        return f"{p['index']} = {index_text(p['value'])} < 0，超出其区间（±{index_text(p['conf'])}）"
    return f"{p['index']}的95%区间（±{index_text(p['conf'])}）比指数可能取值的范围[0, 1]还宽"
