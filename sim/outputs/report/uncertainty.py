"""Which uncertainties the report's intervals cover, in words for the method section and the per-grid tables.

Every interval covers the simulation's own randomness given the scenario's parameters; a generated
district's layout only when each replication draws its own (``grids.generate.layout_per_replication``);
the parameters themselves only over an ensemble of plausible parameter sets (``compare --ensemble``), whose
folder says so: there the sets' robustness counts cover the parameters, and the pooled CIs are no district's.
"""

from __future__ import annotations

from typing import Any

from sim.outputs.glossary import word
from sim.outputs.grid_table import layout_per_replication
from sim.outputs.report.say import say


def covers(scenario: dict[str, Any], lang: str, summary: dict[str, Any] | None = None) -> str:
    """One sentence: what the confidence intervals of a results folder cover, and what they do not (over an
    ensemble, ``summary``'s ``ensemble`` block: what covers the parameters there, and what the pooled CIs are)."""
    generated = isinstance((scenario.get("grids") or {}).get("generate"), dict)
    if layout_per_replication(scenario):
        layout = say(lang, ", and the generated layout, drawn anew in each replication "
                           "(grids.generate.layout_per_replication)",
                     "以及每次重复重新生成的网格布局（grids.generate.layout_per_replication）")
    elif generated:
        layout = say(lang, ", for one generated layout, the same in every replication (with "
                           "grids.generate.layout_per_replication = true they would cover the layout too)",
                     "，且针对同一个生成的网格布局，各次重复相同（设grids.generate.layout_per_replication = true"
                     "则区间也涵盖布局的不确定性）")
    else:
        layout = say(lang, ", for the district's grids as given", "，针对情景给定的网格")
    over = _over_ensemble(summary or {}, layout, lang)
    if over:
        return over
    if (summary or {}).get("command") in ("sensitivity", "sweep"):
        return say(lang, "At each design point the intervals cover the simulation's own randomness at that point's "
                         "parameters{layout}; the study varies the parameters over the ranges given to say how much "
                         "each matters, not which of their values is true (gridsim calibrate --vary rules values out "
                         "against the published figures).",
                   "每个设计点上的区间涵盖该点参数下仿真自身的随机性{layout}；本研究在给定范围内变动参数，回答各参数影响多大，"
                   "而非参数的真值是多少（gridsim calibrate --vary 依据公开数字排除不合理的取值）。", layout=layout)
    return say(lang, "The intervals cover the simulation's own randomness given the scenario's parameters{layout}; "
                     "they do not cover uncertainty in the parameters themselves, which only a comparison over an "
                     "ensemble of plausible parameter sets does (compare --ensemble plausible.csv, the sets from "
                     "gridsim calibrate --vary).",
               "区间涵盖给定情景参数下仿真自身的随机性{layout}；不涵盖参数本身的不确定性，后者只有在多个合理参数组上"
               "比较才能体现（compare --ensemble plausible.csv，参数组来自gridsim calibrate --vary）。", layout=layout)


def per_grid_note(scenario: dict[str, Any], lang: str) -> str:
    """What a grid's numbers mean when each replication drew its own layout ("" otherwise)."""
    if not layout_per_replication(scenario):
        return ""
    w = word("grids_per_replication", lang)
    return say(lang, " {w}.", "{w}。", w=w[:1].upper() + w[1:])


def _over_ensemble(summary: dict[str, Any], layout: str, lang: str) -> str:
    """In an ensemble folder, the parameters' uncertainty is covered by the sets; "" in any other folder."""
    compared, optimized = summary.get("ensemble"), (summary.get("optimum") or {}).get("ensemble")
    e = compared or optimized
    if not e:
        return ""
    own = say(lang, "Within each parameter set the intervals cover the simulation's own randomness{layout}. ",
              "在每个参数组内，区间涵盖仿真自身的随机性{layout}。", layout=layout)
    if optimized:
        return own + say(lang, "Uncertainty in the parameters ({keys}) is covered by the {k} plausible parameter sets: "
                               "a deployment counts as feasible only when shown feasible in at least {m} of them. The "
                               "means and 95% CIs given for a candidate pool every set's runs, set-to-set differences "
                               "counted as noise: they are not a confidence interval for any one district.",
                         "参数（{keys}）的不确定性由{k}个合理参数组体现：部署须在至少{m}组中经检验可行才算可行。"
                         "候选方案的均值和95%置信区间合并了各组的运行，组间差异被当作随机波动，因此不是任何单一辖区的置信区间。",
                         keys=say(lang, ", ", "、").join(e["keys"]), k=e["size"], m=e["need"])
    return own + say(lang, "Uncertainty in the parameters ({keys}) is covered by the robustness counts over the {k} "
                           "plausible parameter sets (in how many sets a policy is better, worse or not "
                           "distinguishable); the findings and the key results are read set by set. The pooled 95% CIs of "
                           "comparison.csv, results.xlsx and the figures marked as pooled pool the sets and the "
                           "replications alike, set-to-set differences counted as noise: they are not a confidence "
                           "interval for any one district, and a difference only they show, in no single set, is an "
                           "average over the sets, not one that holds in each plausible district.",
                     "参数（{keys}）的不确定性由{k}个合理参数组上的稳健性计数体现（方案在几个参数组中更优、更差或无法区分）；结论与主要结果均逐组统计。"
                     "comparison.csv、results.xlsx和标明“合并”的图中的95%置信区间把各参数组与各次重复一并合并，组间差异被当作随机波动：它们不是任何单一辖区的置信区间；"
                     "只有合并后才显示、没有任何单个参数组显示的差异，是各参数组的平均，并非在每个合理辖区都成立。",
                     keys=say(lang, ", ", "、").join(e["keys"]), k=e["size"])
