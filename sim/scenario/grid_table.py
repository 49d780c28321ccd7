"""A grid table a researcher already keeps: a CSV file or an Excel workbook, one row per grid.

Both are read into the same rows of text cells (a header row names the columns), so a
value means the same and an error reads the same whichever the file is: it names the file,
the line (the sheet row in a workbook), the column and what is allowed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.scenario.distributions import FieldError
from sim.scenario.errors import problems
from sim.scenario.textfile import read_utf8

REQUIRED = ("id", "households")
OPTIONAL = ("community", "street", "population", "sunk_cadres", "issue_weight")
NAMES = ("id", "community", "street")  # text columns: a merged cell names every row it spans
# what a spreadsheet's totals or subtotals row says in its name cells (合计 total, 总计 grand total, 小计 subtotal)
TOTALS = re.compile(r"(合计|总计|小计|共计|总数|汇总|全区|sum|sub-?totals?|(grand )?totals?)[:：]?", re.IGNORECASE)


@dataclass(frozen=True)
class GridTable:
    rows: tuple[Any, ...]  # one ``spec`` per grid, in file order
    notes: tuple[str, ...] = ()  # how the file was read where a reader might expect otherwise (merged cells)


def read_grid_table(field: str, name: str, base_dir: Path, spec: type[BaseModel], sheet: str | None = None) -> GridTable:
    """The grids of the CSV (``field`` = "csv") or workbook (``field`` = "xlsx") file ``name``, as ``spec``s."""
    path = base_dir / name
    if not path.is_file():
        raise FieldError(field, name, f"grid table not found: {path} (paths are relative to the scenario's folder)")
    header, lines, notes = _xlsx_rows(field, name, path, sheet) if field == "xlsx" else (*_csv_rows(name, path), ())
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise FieldError(field, name, f"{path}{_sheet(sheet)} lacks column(s) {', '.join(missing)}; needs "
                         f"{', '.join(REQUIRED)} (optional: {', '.join(OPTIONAL)}); has: {', '.join(header) or 'nothing'}")
    rows, where = [], "row" if field == "xlsx" else "line"
    for lineno, cells in lines:
        data = {k: v for k, v in zip(header, cells) if k in spec.model_fields and v not in (None, "")}
        if not data:
            continue  # a blank row (spreadsheets keep them)
        total = next((f"{k} = {v!r}" for k, v in data.items() if k in NAMES and TOTALS.fullmatch(v.strip())), None)
        if total:
            raise FieldError(field, name, f"{path}{_sheet(sheet)} {where} {lineno}: {total} makes this a totals row, "
                             "not a grid; a grid table has one row per grid: delete the row (or keep totals in "
                             "another sheet)")
        try:
            rows.append(spec.model_validate(data))
        except ValidationError as e:
            p = problems(e, data, root=spec)[0]
            raise FieldError(field, name, f"{path}{_sheet(sheet)} {where} {lineno}: {p.render()}") from None
    if not rows:
        raise FieldError(field, name, f"{path}{_sheet(sheet)} has no rows; give at least one grid")
    return GridTable(tuple(rows), tuple(f"{path}{_sheet(sheet)}: {n}" for n in notes))


def _sheet(sheet: str | None) -> str:
    return f" sheet {sheet!r}" if sheet else ""


def _csv_rows(name: str, path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    try:
        text = read_utf8(path)
    except ValueError as err:
        raise FieldError("csv", name, str(err)) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [c.strip() for c in next(reader, [])]
    return header, ((reader.line_num, row) for row in reader)


def _xlsx_rows(field: str, name: str, path: Path,
               sheet: str | None) -> tuple[list[str], Iterator[tuple[int, list[str]]], list[str]]:
    """The sheet's rows as text: whole numbers without '.0' (Excel stores every number as a float).

    A merged cell in a name column (id, community, street) names every row it spans, as a reader
    sees it (a note says so); merged in a number column it is refused (one number cannot be split
    among grids).  A formula whose value the file does not hold is refused naming its cell."""
    from openpyxl import load_workbook

    def opened(values: bool) -> Any:
        try:
            return load_workbook(path, data_only=values)
        except Exception as err:  # not a zip, not an Office Open XML workbook (an old .xls, a CSV renamed)
            raise FieldError(field, name, f"{path}: not an Excel workbook (.xlsx) ({type(err).__name__}: {err}); "
                             "save it as .xlsx, or as CSV UTF-8 and give csv = \"...\"") from None

    book = opened(values=True)
    if sheet is not None and sheet not in book.sheetnames:
        raise FieldError("sheet", sheet, f"{path} has no such sheet; sheets: {', '.join(book.sheetnames)}")
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    start = next((i for i, r in enumerate(rows) if any(map(_text, r))), len(rows))  # the first row with text heads it
    header = [_text(c) for c in rows[start]] if start < len(rows) else []
    used = {j: h for j, h in enumerate(header) if h in REQUIRED + OPTIONAL}
    at = f"{path}{_sheet(sheet)}"
    notes = []
    for rng in sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col)):
        cols = [used[j - 1] for j in range(rng.min_col, rng.max_col + 1) if j - 1 in used]
        if rng.max_row <= start + 1 or not cols:
            continue  # a title above the header, or columns the grids do not use
        numbers = [c for c in cols if c not in NAMES]
        if numbers or rng.min_col != rng.max_col:
            raise FieldError(field, name, f"{at} cells {rng.coord} are merged ({', '.join(cols)}): one "
                             "value cannot be shared out among grids; unmerge them and give each grid its own")
        first = rows[rng.min_row - 1][rng.min_col - 1]
        for r in range(max(rng.min_row, start + 2), rng.max_row + 1):
            rows[r - 1][rng.min_col - 1] = first
        notes.append(f"merged cells {rng.coord} ({cols[0]}) read as {_text(first)!r} in each of their "
                     f"{rng.max_row - rng.min_row + 1} rows")
    empty = [(i, j) for i in range(start + 1, len(rows)) for j in used if rows[i][j] is None]
    if empty:
        formulas = opened(values=False)[ws.title]
        for i, j in empty:
            text = formulas.cell(i + 1, j + 1).value
            if isinstance(text, str) and text.startswith("="):
                raise FieldError(field, name, f"{at} row {i + 1}: {used[j]} is a formula ({text}) whose value the "
                                 "file does not hold (it was saved by a program that does not calculate); open it "
                                 "in Excel, WPS or LibreOffice and save it, or paste the values")
    book.close()
    return header, ((i + 1, [_text(c) for c in r]) for i, r in enumerate(rows) if i > start), notes


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    return str(v).strip()
