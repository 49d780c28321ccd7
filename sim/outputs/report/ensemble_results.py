"""The key results table of ``compare --ensemble``: each policy's mean over the plausible parameter sets, with the
lowest and highest set beside it, in place of a pooled mean and CI (which would count the sets' differences as
noise and read as one district's).  Each set's value is its mean over its replications; every set weighs alike."""

from __future__ import annotations

import math

from sim.outputs.glossary import metric_label
from sim.outputs.numbers import format_value
from sim.outputs.plots import Folder
from sim.outputs.plots.ensemble import set_means
from sim.outputs.report.document import Table
from sim.outputs.report.say import say
from sim.outputs.report.sections import KEY_METRICS, policy


def ensemble_heading(f: Folder, lang: str) -> str:
    return say(lang, "Key results: mean over the {k} plausible parameter sets (lowest to highest set)",
               "主要结果：{k}个合理参数组的平均（括号内为最低至最高的参数组）", k=len(f.summary["ensemble"]["sets"]))


def _cell(metric: str, values: list[float], lang: str) -> str:
    v = [x for x in values if math.isfinite(x)]
    if not v:
        return "–"
    mean = format_value(metric, sum(v) / len(v), lang)
    lo, hi = format_value(metric, min(v), lang), format_value(metric, max(v), lang)
    return mean if lo == hi else say(lang, "{m} ({a} to {b})", "{m}（{a}至{b}）", m=mean, a=lo, b=hi)


def ensemble_key_table(f: Folder, lang: str) -> Table:
    s, e = f.summary, f.summary["ensemble"]
    pols = s["policies"]
    head = [say(lang, "metric", "指标"), *[policy(f, p, lang) for p in pols],
            *[say(lang, "{p} (all runs failed)", "{p}（全部运行失败）", p=policy(f, p, lang)) for p in f.failed]]
    rows = [[metric_label(m, lang), *[_cell(m, set_means(f, p, m), lang) for p in pols], *["–"] * len(f.failed)]
            for m in KEY_METRICS if any(m in s["by_policy"][p]["metrics"] for p in pols)]
    note = say(lang, "A set's value is its mean over its {n} replications, and every set weighs alike. How often each "
                     "policy is better or worse than {r} set by set is in the findings and ensemble.csv; the means and "
                     "CIs of every set's runs pooled are in comparison.csv.",
               "各参数组的数值为该组{n}次重复的均值，各组权重相同。各方案逐组比{r}更优或更差的次数见结论和ensemble.csv；"
               "合并各组全部运行的均值与置信区间见comparison.csv。", n=e["replications_per_set"], r=policy(f, s["reference"], lang))
    return Table(head, rows, note)
