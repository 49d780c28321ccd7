"""Which uncertainties the report's intervals cover, in words for the method section and the per-grid tables.

Every interval covers the simulation's own randomness given the scenario's parameters; a generated
district's layout only when each replication draws its own (``grids.generate.layout_per_replication``);
the parameters themselves only over an ensemble of plausible parameter sets (``compare --ensemble``).
"""

from __future__ import annotations

from typing import Any

from sim.outputs.glossary import word
from sim.outputs.grid_table import layout_per_replication
from sim.outputs.report.say import say


def covers(scenario: dict[str, Any], lang: str) -> str:
    """One sentence: what the confidence intervals of a results folder cover, and what they do not."""
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
    return say(lang, "The intervals cover the simulation's own randomness given the scenario's parameters{layout}; "
                     "they do not cover uncertainty in the parameters themselves, which only a comparison over an "
                     "ensemble of plausible parameter sets does (compare --ensemble plausible.csv, the sets from "
                     "gridsim calibrate --vary).",
               "区间涵盖给定情景参数下仿真自身的随机性{layout}；不涵盖参数本身的不确定性，后者只有在一组合理参数集上"
               "比较才能体现（compare --ensemble plausible.csv，参数集来自gridsim calibrate --vary）。", layout=layout)


def per_grid_note(scenario: dict[str, Any], lang: str) -> str:
    """What a grid's numbers mean when each replication drew its own layout ("" otherwise)."""
    if not layout_per_replication(scenario):
        return ""
    w = word("grids_per_replication", lang)
    return say(lang, " {w}.", "{w}。", w=w[:1].upper() + w[1:])
