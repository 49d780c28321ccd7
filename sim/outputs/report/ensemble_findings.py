"""The findings of ``compare --ensemble`` in words: how robust each policy's difference from the reference is over
the plausible parameter sets ("better on p90 resolution time in 47 of 50 plausible parameter sets; never worse").

Every count is read from summary.json's ``ensemble`` block: a set is *better* or *worse* where the paired 95% CI
of the difference within it lies wholly on that side of zero, and the range is of the sets' mean differences.
A metric with no better direction (where issues end) is said to be lower or higher instead."""

from __future__ import annotations

from typing import Any

from sim.outputs.glossary import metric_label
from sim.outputs.numbers import format_diff
from sim.outputs.plots import Folder
from sim.outputs.report.say import clauses, listing, say
from sim.outputs.report.sections import policy

# as the compare findings, and where issues end (which has no better direction)
METRICS = ["resolution_hours_p90", "resolution_hours_mean", "sla_attainment", "coverage_mean", "coverage_min_grid",
           "completion_rate_reported", "escalation_rate", "escalated_by_delay_rate", "petitions",
           "cadre_hours_on_duty"]


def _range(metric: str, r: dict[str, Any], lang: str) -> str:
    lo, hi = (format_diff(metric, x, None, None, False, lang) for x in (r["diff_min"], r["diff_max"]))
    if lo == hi:
        return say(lang, "difference {a} in every set", "各组之差均为{a}", a=lo)
    return say(lang, "difference from {a} to {b}", "差值从{a}到{b}", a=lo, b=hi)


def _clause(metric: str, r: dict[str, Any], lang: str) -> str | None:
    """One metric over the sets, or None where no set tells the policies apart."""
    name = metric_label(metric, lang)
    n = r["sets"]  # fewer than k where some set gave the metric no value

    def sets(x: int) -> str:
        return say(lang, "in all {n} sets", "在全部{n}个参数组中", n=n) if x == n else \
            say(lang, "in {x} of {n} sets", "在{n}个参数组中的{x}个里", x=x, n=n)
    if r["better"] is None:  # no better direction: lower or higher
        lower, higher = r["lower"], r["higher"]
        if not lower and not higher:
            return None
        main, other = ("lowers", "raises") if lower >= higher else ("raises", "lowers")
        x, y = (lower, higher) if main == "lowers" else (higher, lower)
        text = say(lang, "{v} {m} {s}", "{s}{v}{m}", s=sets(x), m=name,
                   v=say(lang, main, "降低" if main == "lowers" else "提高"))
        text += "" if x == n else say(lang, ", never {w} it", "，从未{w}", w=say(lang, other, "提高" if other == "raises" else "降低")) \
            if not y else say(lang, ", {w} it in {y}", "，在{y}个里{w}", y=y,
                              w=say(lang, other, "提高" if other == "raises" else "降低"))
    else:
        better, worse = r["better"], r["worse"]
        if not better and not worse:
            return None
        if better >= worse:
            text = say(lang, "is better on {m} {s}", "{s}{m}更优", m=name, s=sets(better))
            text += "" if better == n else say(lang, ", never worse", "，从未更差") if not worse else \
                say(lang, ", worse in {w}", "，在{w}个里更差", w=worse)
        else:
            text = say(lang, "is worse on {m} {s}", "{s}{m}更差", m=name, s=sets(worse))
            text += "" if worse == n else say(lang, ", never better", "，从未更优") if not better else \
                say(lang, ", better in {b}", "，在{b}个里更优", b=better)
    return text + say(lang, " ({r})", "（{r}）", r=_range(metric, r, lang))


def ensemble_findings(f: Folder, lang: str) -> list[str]:
    """A sentence on what the sets are, then one per policy: the metrics on which some set tells it apart from the
    reference, each with its counts and range; the metrics on which no set does, listed."""
    e = f.summary.get("ensemble")
    if not e:
        return []
    k, ref = e["size"], e["reference"]
    file = e["file"].replace("\\", "/").rsplit("/", 1)[-1]
    out = [say(lang, "Over {k} plausible parameter sets ({of} in {file}; they vary {keys}), each policy was run against "
                     "{r} in every set on common random numbers, {n} replications a set; a set counts as better or worse "
                     "where the paired 95% CI within it lies wholly on that side of zero. The findings after the robustness pool every "
                     "set's runs (paired by set and replication), so they can tell apart what no single set does: such a "
                     "difference is an average over the sets, not one shown to hold in any single plausible district.",
               "在{k}个合理参数组（取自{file}中的{of}组；变动的参数为{keys}）中，各方案在每组内与{r}用公共随机数比较，每组{n}次重复；"
               "某组内差值的配对95%置信区间完全落在零的一侧时，该组计为更优或更差。稳健性之后的结论合并各组的全部运行（按参数组和重复配对），"
               "因此可能区分出单个参数组区分不了的差异：这类差异是各参数组的平均，并未显示在任何单个合理辖区中成立。",
               k=k, of=e["rows"], file=file, keys=", ".join(e["keys"]) if lang == "en" else "、".join(e["keys"]),
               r=policy(f, ref, lang), n=e["replications_per_set"])]
    for p, metrics in e["per_policy"].items():
        parts, unclear = [], []
        for m in METRICS:
            r = metrics.get(m)
            if r is None:
                continue
            c = _clause(m, r, lang)
            if c is None:
                unclear.append(metric_label(m, lang))
            else:
                parts.append(c)
        text = say(lang, "Against {r}, {p} ", "与{r}相比，{p}", r=policy(f, ref, lang), p=policy(f, p, lang))
        text += clauses(parts, lang) if parts else say(lang, "is not distinguishable in any set on any key metric",
                                                       "在任何参数组中各项主要指标均无法区分")
        if parts and unclear:
            text += say(lang, "; on {m} no set tells them apart", "；在{m}上没有一组能区分二者", m=listing(unclear, lang))
        out.append(text + say(lang, ".", "。"))
    return out
