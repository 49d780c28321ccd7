"""A grid table a researcher already keeps: a CSV file or an Excel workbook, one row per grid.

Both are read into the same rows of text cells (a header row names the columns), so a
value means the same and an error reads the same whichever the file is: it names the file,
the line (the sheet row in a workbook), the column and what is allowed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.scenario.distributions import FieldError
from sim.scenario.errors import problems
from sim.scenario.textfile import read_utf8

REQUIRED = ("id", "households")
OPTIONAL = ("community", "street", "population", "sunk_cadres")


def read_grid_table(field: str, name: str, base_dir: Path, spec: type[BaseModel], sheet: str | None = None) -> tuple[Any, ...]:
    """The grids of the CSV (``field`` = "csv") or workbook (``field`` = "xlsx") file ``name``, as ``spec``s."""
    path = base_dir / name
    if not path.is_file():
        raise FieldError(field, name, f"grid table not found: {path} (paths are relative to the scenario's folder)")
    header, lines = _xlsx_rows(field, name, path, sheet) if field == "xlsx" else _csv_rows(name, path)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise FieldError(field, name, f"{path}{_sheet(sheet)} lacks column(s) {', '.join(missing)}; needs "
                         f"{', '.join(REQUIRED)} (optional: {', '.join(OPTIONAL)}); has: {', '.join(header) or 'nothing'}")
    rows, where = [], "row" if field == "xlsx" else "line"
    for lineno, cells in lines:
        data = {k: v for k, v in zip(header, cells) if k in spec.model_fields and v not in (None, "")}
        if not data:
            continue  # a blank row (spreadsheets keep them)
        try:
            rows.append(spec.model_validate(data))
        except ValidationError as e:
            p = problems(e, data, root=spec)[0]
            raise FieldError(field, name, f"{path}{_sheet(sheet)} {where} {lineno}: {p.render()}") from None
    if not rows:
        raise FieldError(field, name, f"{path}{_sheet(sheet)} has no rows; give at least one grid")
    return tuple(rows)


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


def _xlsx_rows(field: str, name: str, path: Path, sheet: str | None) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The sheet's rows as text: whole numbers without '.0' (Excel stores every number as a float)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # not a zip, not an Office Open XML workbook (an old .xls, a CSV renamed)
        raise FieldError(field, name, f"{path}: not an Excel workbook (.xlsx) ({type(err).__name__}: {err}); "
                         "save it as .xlsx, or as CSV UTF-8 and give csv = \"...\"") from None
    if sheet is not None and sheet not in book.sheetnames:
        raise FieldError("sheet", sheet, f"{path} has no such sheet; sheets: {', '.join(book.sheetnames)}")
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    rows = [[_text(c) for c in r] for r in ws.iter_rows(values_only=True)]
    book.close()
    start = next((i for i, r in enumerate(rows) if any(rows[i])), len(rows))  # the first non-empty row heads it
    header = [c.strip() for c in rows[start]] if start < len(rows) else []
    return header, ((i + 1, r) for i, r in enumerate(rows) if i > start)


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
