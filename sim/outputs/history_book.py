"""The sheets a history match (``gridsim calibrate --vary``) adds to results.xlsx: ``plausible`` (one row per
plausible parameter set, headed by the KEYs exactly as given to --vary, so that it can be saved as a CSV for
``--ensemble``), ``waves`` (per wave and target: runs, share of the box left, emulator diagnostics) and ``points``
(every design point run, with its outputs and implausibilities): the folder's CSVs, numbers as numbers."""

from __future__ import annotations

from pathlib import Path

from sim.outputs.grid_table import number, read_csv
from sim.outputs.sheets import Book

SHEETS = (("plausible", "plausible.csv"), ("waves", "waves.csv"), ("points", "points.csv"))


def history_sheets(b: Book, folder: Path) -> None:
    for name, file in SHEETS:
        head, rows = read_csv(folder / file)
        if head:
            b.sheet(name, head, [[_cell(x) for x in r] for r in rows])


def _cell(text: str) -> object:
    low = text.strip().lower()
    return {"true": True, "false": False}.get(low, number(text))
