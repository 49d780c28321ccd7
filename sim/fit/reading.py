"""Reading a work-order export (工单 / 事件): a CSV file or an Excel workbook, into rows of cells by field.

The header row is found by the usual Chinese or English column names (a title row above it is
fine); ``--columns FIELD=COLUMN`` names a column the headers do not give away.  A CSV is read as
UTF-8 (with or without a byte-order mark) or, failing that, as GBK, as Chinese Excel saves it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class FitError(ValueError):
    """Bad input to ``fit`` (exit code 2): the message names the file, the column or field, the value and
    what is allowed."""


# each field's usual headers, the preferred first (compared without spaces, case-insensitively)
HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("工单编号", "事件编号", "工单号", "事件号", "编号", "id", "order_id", "case_id"),
    "grid": ("所属网格", "网格", "网格名称", "网格编号", "grid", "grid_id"),
    "community": ("所属社区", "社区", "村(社区)", "村（社区）", "社区名称", "community"),
    "street": ("所属街道", "街道", "乡镇(街道)", "乡镇（街道）", "街道(乡镇)", "街道（乡镇）", "乡镇", "street"),
    "type": ("事件类型", "类别", "事件类别", "工单类型", "问题类型", "类型", "type", "category", "issue_type"),
    "reported": ("上报时间", "受理时间", "发现时间", "登记时间", "reported", "report_time", "created"),
    "accepted": ("签收时间", "处置时间", "accepted", "accept_time"),
    "resolved": ("办结时间", "结案时间", "完成时间", "resolved", "resolve_time", "closed"),
    "level": ("处置层级", "办结层级", "层级", "处置部门", "level"),
    "source": ("事件来源", "来源", "上报方式", "source"),
}
REQUIRED = ("id", "grid", "type", "reported", "resolved", "level")
FIELDS = tuple(HEADERS)


@dataclass(frozen=True)
class RawRows:
    """The file's data rows: ``cells[field]`` per row, ``row`` its number as a spreadsheet shows it."""
    path: Path
    columns: dict[str, str]  # field -> the header of the column it was read from
    rows: list[tuple[int, dict[str, Any]]]


def _key(text: Any) -> str:
    return re.sub(r"\s+", "", str(text or "")).lower()


def parse_columns(items: list[str] | None) -> dict[str, str]:
    """``["grid=网格名称", ...]`` -> ``{"grid": "网格名称"}``; an unknown field or a malformed item is a FitError."""
    out = {}
    for item in items or []:
        field, sep, column = item.partition("=")
        field, column = field.strip(), column.strip()
        if not sep:
            raise FitError(f"--columns {item!r}: expected FIELD=COLUMN, e.g. grid=网格名称 (or FIELD= to leave an "
                           "optional field unread)")
        if field not in FIELDS:
            raise FitError(f"--columns {item!r}: {field!r} is not a field; fields: {', '.join(FIELDS)}")
        if not column and field in REQUIRED:
            raise FitError(f"--columns {item!r}: {field} is required and cannot be left unread; optional fields: "
                           f"{', '.join(f for f in FIELDS if f not in REQUIRED)}")
        out[field] = column
    return out


def read_records(path: str | Path, columns: dict[str, str] | None = None, sheet: str | None = None) -> RawRows:
    """The rows of the export at ``path`` (CSV or .xlsx), each as cells by field."""
    path = Path(path)
    if path.is_dir():
        inside = sorted(p.name for p in path.iterdir() if p.suffix.lower() in (".csv", ".xlsx", ".xlsm"))[:5]
        raise FitError(f"{path}: a folder, not a file; give the work-order export itself (.csv or .xlsx)"
                       + (f", e.g. one of: {', '.join(inside)}" if inside else ""))
    if not path.is_file():
        raise FitError(f"{path}: no such file; give a work-order export (.csv or .xlsx)")
    if path.suffix.lower() == ".toml":
        raise FitError(f"{path}: a scenario file, not a work-order export (.csv or .xlsx); the records come after "
                       "--against in gridsim check SCENARIO --against RECORDS, and first in gridsim fit RECORDS")
    table = _xlsx(path, sheet) if path.suffix.lower() in (".xlsx", ".xlsm") else _csv(path, sheet)
    if not any(c not in (None, "") for row in table for c in row):
        raise FitError(f"{path}{f' (sheet {sheet})' if sheet else ''}: empty, no header row and no orders; give the "
                       "export with its header row (docs/records.md)")
    start = _header_row(table, columns or {})
    header = [str(c).strip() if c is not None else "" for c in table[start]]
    found = _columns(path, header, columns or {})
    index = {f: header.index(col) for f, col in found.items()}
    rows = []
    for i in range(start + 1, len(table)):
        cells = table[i]
        data = {f: (cells[j] if j < len(cells) else None) for f, j in index.items()}
        if all(v is None or str(v).strip() == "" for v in cells):
            continue  # a blank row (spreadsheets keep them)
        rows.append((i + 1, data))
    return RawRows(path, found, rows)


def _csv(path: Path, sheet: str | None) -> list[list[Any]]:
    if sheet is not None:
        raise FitError(f"--sheet {sheet}: {path} is a CSV file, which has no sheets; drop --sheet")
    data = path.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text": UTF-16, tab-separated
        data = data.decode("utf-16").encode("utf-8")
    if b"\0" in data[:4096]:
        raise FitError(f"{path}: a binary file, not CSV text; give a CSV file or an .xlsx workbook")
    for encoding in ("utf-8-sig", "gbk"):  # GBK: what Chinese Excel saves a CSV as
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FitError(f"{path}: neither UTF-8 nor GBK text; save it as CSV UTF-8 (or as .xlsx)")
    first = text.split("\n", 1)[0]
    return list(csv.reader(io.StringIO(text, newline=""), delimiter="\t" if first.count("\t") > first.count(",") else ","))


def _xlsx(path: Path, sheet: str | None) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, data_only=True, read_only=True)
    except Exception as err:  # not a zip, not Office Open XML (an old .xls, a renamed CSV)
        raise FitError(f"{path}: not an Excel workbook (.xlsx) ({type(err).__name__}: {err}); save it as .xlsx "
                       "or as CSV") from None
    if sheet is not None and sheet not in book.sheetnames:
        raise FitError(f"--sheet {sheet}: {path} has no such sheet; sheets: {', '.join(book.sheetnames)}")
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    book.close()
    return rows


def _header_row(table: list[list[Any]], columns: dict[str, str]) -> int:
    """The first row naming at least two fields (or a column given by --columns): titles above it are skipped."""
    known = {_key(h) for names in HEADERS.values() for h in names} | {_key(c) for c in columns.values() if c}
    for i, row in enumerate(table[:50]):
        if sum(_key(c) in known for c in row if c is not None) >= 2:
            return i
    return next((i for i, row in enumerate(table) if any(c not in (None, "") for c in row)), 0)


def _columns(path: Path, header: list[str], given: dict[str, str]) -> dict[str, str]:
    """field -> header: --columns first, then the usual names; a required field without a column is a FitError."""
    by_key = {_key(h): h for h in reversed(header) if h}  # the first of equal headers wins
    found = {}
    for field, column in given.items():
        if not column:  # FIELD= : an optional field left unread (e.g. a 签收 that is no start of work)
            continue
        if _key(column) not in by_key:
            raise FitError(f"{path}: --columns {field}={column}: no such column; columns: {', '.join(header)}")
        found[field] = by_key[_key(column)]
    taken = set(found.values())
    for field, names in HEADERS.items():
        if field in found or field in given:
            continue
        hit = next((by_key[_key(n)] for n in names if _key(n) in by_key and by_key[_key(n)] not in taken), None)
        if hit is not None:
            found[field] = hit
            taken.add(hit)
    missing = [f for f in REQUIRED if f not in found]
    if missing:
        usual = "; ".join(f"{f}: {', '.join(HEADERS[f][:3])}" for f in missing)
        raise FitError(f"{path}: no column for {', '.join(missing)} (usual headers: {usual}); columns: "
                       f"{', '.join(h for h in header if h) or 'none'}; name one with --columns FIELD=COLUMN")
    return found
