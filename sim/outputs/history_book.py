"""The sheets a history match (``gridsim calibrate --vary``) adds to results.xlsx: ``plausible`` (one row per
plausible parameter set, headed by the KEYs exactly as given to --vary, so that it can be saved as a CSV for
``--ensemble``), ``waves`` (per wave and target: runs, share of the box left, emulator diagnostics) and ``points``
(every design point run, with its outputs and implausibilities): the folder's CSVs, numbers as numbers."""

from __future__ import annotations

from pathlib import Path

from sim.outputs.grid_table import number, read_csv
from sim.outputs.sheets import Book

SHEETS = (("plausible", "plausible.csv"), ("waves", "waves.csv"), ("points", "points.csv"))


# Chinese headers of the waves and points sheets (plausible keeps the KEYs: it must stay savable for --ensemble)
ZH = {"wave": "轮次", "points": "设计点数", "runs": "运行次数", "plausible_share": "初始范围仍可信比例", "target": "目标",
      "loo_max_abs": "留一法最大标准化误差", "loo_outside": "超出3的点数", "emulator_passed": "代理模型通过检验",
      "point": "设计点", "I_max": "综合不可信度", "plausible": "可信"}


def history_sheets(b: Book, folder: Path) -> None:
    for name, file in SHEETS:
        head, rows = read_csv(folder / file)
        if head:
            shown = head if b.lang != "zh" or name == "plausible" else [zh_header(h) for h in head]
            b.sheet(name, shown, [[_cell(x) for x in r] for r in rows])


def zh_header(h: str) -> str:
    """A waves/points column in Chinese; a target's columns keep the metric's name (M, M_var, I_M)."""
    if h in ZH:
        return ZH[h]
    if h.startswith("I_"):
        return f"{h[2:]}不可信度"
    if h.endswith("_var"):
        return f"{h[:-4]}（均值的方差）"
    return h


def _cell(text: str) -> object:
    low = text.strip().lower()
    return {"true": True, "false": False}.get(low, number(text))
