"""The findings of ``compare --ensemble`` in words, set by set: how robust each policy's difference from the
reference is over the plausible parameter sets ("better on p90 resolution time in 47 of 50 plausible parameter
sets, never worse"), and with three or more policies, which does best in how many sets.

Every count is read from summary.json's ``ensemble`` block: a set is *better* or *worse* where the paired 95% CI
of the difference within it lies wholly on that side of zero, and the range and mean are of the sets' mean
differences (each set one plausible district, weighted alike).  A metric with no better direction (where issues
end) is said to be lower or higher instead, and cadre time as a cost.  No claim rests on the runs of every set
pooled: a pooled CI counts the sets' differences as noise, and a difference only the pooled runs show is no single
district's, so the last finding says which tables and figures pool them."""

from __future__ import annotations

from typing import Any

from sim.experiments.statistics import paired_differences
from sim.outputs.glossary import metric_label
from sim.outputs.numbers import better as better_side, format_diff, side
from sim.outputs.plots import Folder
from sim.outputs.plots.ensemble import set_means
from sim.outputs.report.say import capital, clauses, listing, say
from sim.outputs.report.sections import policy

# as the compare findings, and where issues end (which has no better direction), cost last
METRICS = ["resolution_hours_p90", "resolution_hours_mean", "sla_attainment", "coverage_mean", "coverage_min_grid",
           "completion_rate_reported", "escalation_rate", "escalated_by_delay_rate", "petitions",
           "cadre_hours_on_duty"]
COST = "cadre_hours_on_duty"


def _range(metric: str, r: dict[str, Any], lang: str) -> str:
    lo, hi = (format_diff(metric, x, None, None, False, lang) for x in (r["diff_min"], r["diff_max"]))
    if lo == hi:
        return say(lang, "difference {a} in every set", "各组之差均为{a}", a=lo)
    return say(lang, "difference from {a} to {b}, mean over the sets {c}", "差值从{a}到{b}，各组平均{c}", a=lo, b=hi,
               c=format_diff(metric, r["diff_mean"], None, None, False, lang))


def _clause(metric: str, r: dict[str, Any], lang: str) -> str | None:
    """One policy on one metric over the sets ('is better in 9 of 10 sets, never worse (difference ...)'), or None
    where no set tells it apart from the reference."""
    n = r["sets"]  # fewer than k where some set gave the metric no value

    def sets(x: int) -> str:
        return say(lang, "in both sets" if n == 2 else "in all {n} sets", "在全部{n}个参数组中", n=n) if x == n else \
            say(lang, "in {x} of {n} sets", "在{n}个参数组中的{x}个里", x=x, n=n)
    if r["better"] is None or metric == COST:  # no better direction (lower or higher), or a cost
        lower, higher = (r["better"], r["worse"]) if r["better"] is not None else (r["lower"], r["higher"])
        if not lower and not higher:
            return None
        words = {"lowers": say(lang, "lowers it", "降低"), "raises": say(lang, "raises it", "提高")}
        main, other = ("lowers", "raises") if lower >= higher else ("raises", "lowers")
        x, y = (lower, higher) if main == "lowers" else (higher, lower)
        text = say(lang, "{v} {s}", "{s}{v}", s=sets(x), v=words[main])
        text += "" if x == n else say(lang, ", never {w}", "，从未{w}", w=words[other]) if not y else \
            say(lang, ", {w} in {y}", "，在{y}个里{w}", y=y, w=words[other])
    else:
        better, worse = r["better"], r["worse"]
        if not better and not worse:
            return None
        if better >= worse:
            text = say(lang, "is better {s}", "{s}更优", s=sets(better))
            text += "" if better == n else say(lang, ", never worse", "，从未更差") if not worse else \
                say(lang, ", worse in {w}", "，在{w}个里更差", w=worse)
        else:
            text = say(lang, "is worse {s}", "{s}更差", s=sets(worse))
            text += "" if worse == n else say(lang, ", never better", "，从未更优") if not better else \
                say(lang, ", better in {b}", "，在{b}个里更优", b=better)
    return text + say(lang, " ({r})", "（{r}）", r=_range(metric, r, lang))


def ensemble_findings(f: Folder, lang: str) -> list[str]:
    """What the sets are; then per key metric, each policy's counts against the reference with the range and mean
    of its difference over the sets (and with three or more policies, which does best in how many sets); the
    metrics on which no set tells any policy apart; last, what in the folder pools the sets."""
    e = f.summary.get("ensemble")
    if not e:
        return []
    k, ref = e["size"], e["reference"]
    file = e["file"].replace("\\", "/").rsplit("/", 1)[-1]
    out = [say(lang, "Over {k} plausible parameter sets ({of} in {file}; they vary {keys}), each policy was run against "
                     "{r} in every set on common random numbers, {n} replications a set. Each set stands for one district "
                     "consistent with what is known, and every finding below is counted set by set: a set counts as "
                     "better or worse where the paired 95% CI within it lies wholly on that side of zero; ranges and "
                     "means are of the sets' own mean differences.",
               "在{k}个合理参数组（取自{file}中的{of}组；变动的参数为{keys}）中，各方案在每组内与{r}用公共随机数比较，每组{n}次重复。"
               "每个参数组代表一个与已知信息相符的辖区，以下结论均逐组统计：某组内差值的配对95%置信区间完全落在零的一侧时，该组计为更优或更差；"
               "差值的范围和平均均取各组自身的平均差值。",
               k=k, of=e["rows"], file=file, keys=", ".join(e["keys"]) if lang == "en" else "、".join(e["keys"]),
               r=policy(f, ref, lang), n=e["replications_per_set"])]
    unclear = []
    for m in METRICS:
        text = _metric(f, m, e["per_policy"], lang)
        if text:
            out.append(text)
        elif any(m in x for x in e["per_policy"].values()):
            unclear.append(metric_label(m, lang))
    if unclear:
        out.append(say(lang, "On {m}, no set tells any policy apart from {r}.", "在{m}上，没有任何参数组能区分各方案与{r}。",
                       m=listing(unclear, lang), r=policy(f, ref, lang)))
    return out + [say(lang, "The key results below give each policy's mean over the sets with their range. The "
                            "terminal's second table, comparison.csv, results.xlsx and the figures marked as pooled pool "
                            "every set's runs: their means are averages over the {k} plausible sets, and their CIs count "
                            "the sets' differences as noise, so none of them is a finding about one district.",
                      "下文主要结果列出各方案在各参数组上的平均及其范围。终端的第二张表、comparison.csv、results.xlsx以及标明“合并”的图"
                      "把各参数组的运行合并计算：其均值是{k}个合理参数组的平均，其置信区间把各组之间的差异当作随机误差，均不是关于某一辖区的结论。",
                      k=k)]


def _metric(f: Folder, metric: str, per_policy: dict[str, dict[str, Any]], lang: str) -> str | None:
    """'P90 resolution time, against baseline: A is better in all 10 sets (...); B is told apart from it in no
    set. A does best in ...', or None where no set tells any policy apart from the reference."""
    said = {p: _clause(metric, r[metric], lang) for p, r in per_policy.items() if metric in r}
    if not any(said.values()):
        return None
    parts = [say(lang, "{p} {c}", "{p}{c}", p=policy(f, p, lang), c=c) if c else
             say(lang, "{p} is told apart from it in no set", "{p}在任何参数组中均无法区分", p=policy(f, p, lang)) for p, c in said.items()]
    text = say(lang, "{m}, against {r}: {x}.", "{m}（与{r}相比）：{x}。", m=capital(metric_label(metric, lang)),
               r=policy(f, f.summary["reference"], lang), x=("；" if lang == "zh" else "; ").join(parts))
    if len(f.summary["policies"]) > 2:  # with two, the counts against the reference already say which does best
        text += say(lang, " ", "") + _best(f, metric, lang)
    return text.rstrip()


def _best(f: Folder, metric: str, lang: str) -> str:
    """Which policy does best on ``metric`` in how many sets, "does best" where its paired 95% CI within the set puts
    it ahead of every other policy; that none does in any set; "" for a metric with no better direction, or a cost."""
    pols = f.summary["policies"]
    if better_side(metric) not in ("higher", "lower") or metric == COST:
        return ""
    sign = 1 if better_side(metric) == "higher" else -1
    means = {p: set_means(f, p, metric) for p in pols}
    runs = {p: f.by_set(p) for p in pols}
    shown: dict[str, int] = {}  # policy -> sets where it is ahead of every other
    n = 0
    for i in range(len(means[pols[0]])):
        have = [p for p in pols if means[p][i] == means[p][i]]  # not nan
        if len(have) < 2:
            continue
        n += 1
        b = max(have, key=lambda p: sign * means[p][i])
        ds = [paired_differences(runs[p][i], runs[b][i]).get(metric) for p in have if p != b]  # best − p, in the set
        if all(d is not None and side(metric, *d.ci95) == "better" for d in ds):
            shown[b] = shown.get(b, 0) + 1
    if not shown:
        return say(lang, "No policy is ahead of every other in any set.", "没有任何一组中有方案领先其他所有方案。") if n else ""
    order = sorted(shown, key=lambda p: -shown[p])
    each = [say(lang, "{b} in {x}", "{b}在{x}组中最优", b=policy(f, p, lang), x=shown[p]) for p in order]
    each[0] = say(lang, "{b} does best {s}", "{b}{s}最优", b=capital(policy(f, order[0], lang)),
                  s=say(lang, "in both sets" if n == 2 else "in all {n} sets", "在全部{n}组中", n=n) if shown[order[0]] == n else
                  say(lang, "in {x} of {n} sets", "在{n}组中的{x}组", x=shown[order[0]], n=n))
    rest = n - sum(shown.values())
    return say(lang, "{e}, ahead of every other policy (paired 95% CIs within the set){r}.",
               "{e}，领先其他所有方案（组内配对95%置信区间）{r}。", e=clauses(each, lang),
               r=say(lang, "; in the other {z} no policy is", "；其余{z}组中没有方案做到", z=rest) if rest else "")
