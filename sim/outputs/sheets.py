"""A workbook as sheets of header and rows: number formats, column widths, a frozen header row,
floats written exactly, and an atomic save (openpyxl does the file format)."""

from __future__ import annotations

import contextlib
import math
import os
import secrets
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class Book:
    """The workbook being built: sheets as header + rows + per-column number formats."""

    def __init__(self, lang: str):
        from openpyxl import Workbook

        self.lang = lang
        self.wb = Workbook()
        self.wb.remove(self.wb.active)

    def sheet(self, name: str, header: list[str], rows: list[list[Any]],
              formats: list[str | None] | None = None, cell_formats: dict[tuple[int, int], str] | None = None) -> None:
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter

        ws = self.wb.create_sheet(name)
        ws.append(header)
        for r in rows:
            ws.append(r)
        for c in ws[1]:
            c.font = Font(bold=True)
            c.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
        for j in range(len(header)):
            fmt = formats[j] if formats and j < len(formats) else None
            for i in range(len(rows)):
                cell = ws.cell(row=i + 2, column=j + 1)
                f = (cell_formats or {}).get((i, j), fmt)
                if f and isinstance(cell.value, (int, float)):
                    cell.number_format = f
            width = max([_width(header[j]) * 0.7] + [_width(_shown(r[j] if j < len(r) else None)) for r in rows])
            ws.column_dimensions[get_column_letter(j + 1)].width = max(8.0, min(48.0, width + 2))

    def save(self, path: Path) -> None:
        """Atomically: a half-written workbook never stands under the final name."""
        # a name of its own in the same folder (os.replace is atomic only within one file system)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            with _exact_floats():
                self.wb.save(tmp)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


@contextlib.contextmanager
def _exact_floats() -> Iterator[None]:
    """Write floats as repr (shortest exact) while saving: openpyxl writes '%.16g', which
    changes the last digit of some doubles, and the workbook must hold the folder's numbers."""
    from openpyxl.cell import _writer

    original = getattr(_writer, "safe_string", None)
    if original is None:  # another openpyxl: its own formatting (16 digits at worst)
        yield
        return

    def exact(value: Any) -> str:
        if isinstance(value, float) and math.isfinite(value):
            return repr(value)
        return original(value)

    _writer.safe_string = exact
    try:
        yield
    finally:
        _writer.safe_string = original


def _shown(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.4g}"
    return "" if v is None else str(v)


def _width(text: str) -> float:
    """Characters as wide as Excel draws them: East Asian wide ones take two columns."""
    return float(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text))
