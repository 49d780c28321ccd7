"""Writes grids-template.xlsx from grids-template.csv (run it after editing the CSV): the same rows on
sheet "grids", and a sheet "说明 notes" that explains every column in Chinese and English."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

HERE = Path(__file__).parent
NOTES = [
    ("column 列", "required 必填", "meaning", "说明"),
    ("id", "yes 是", "the grid's id, unique in the district (letters, digits, - _)", "网格编号，全区唯一"),
    ("street", "no 否", "the street (or township) the grid belongs to", "所属街道（乡镇）"),
    ("community", "no 否", "the community (or village) the grid belongs to", "所属社区（村）"),
    ("households", "yes 是", "households in the grid, a whole number ≥ 1", "网格内户数，正整数"),
    ("population", "no 否", "residents (descriptive only)", "常住人口（仅作描述）"),
    ("sunk_cadres", "no 否", 'sunk cadres living in the grid (read with cadres.sunk.allocation = "table"); empty = 0',
     "下沉到本网格的干部人数（情景中 cadres.sunk.allocation = \"table\" 时读取）；空白即 0"),
]


def style(ws, widths: tuple[int, ...]) -> None:
    """A bold, frozen header row and the columns' widths (also used by make_work_orders.py)."""
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for col, w in zip("ABCDEFGHIJKLMNOP", widths):
        ws.column_dimensions[col].width = w


def main() -> None:
    rows = list(csv.reader((HERE / "grids-template.csv").open(encoding="utf-8", newline="")))
    book = Workbook()
    grids = book.active
    grids.title = "grids"
    for i, row in enumerate(rows):
        grids.append([c if i == 0 or not c.isdigit() else int(c) for c in row])
    notes = book.create_sheet("说明 notes")
    for row in NOTES:
        notes.append(row)
    style(grids, (12, 12, 14, 12, 12, 13))
    style(notes, (14, 10, 70, 50))
    book.save(HERE / "grids-template.xlsx")


if __name__ == "__main__":
    main()
