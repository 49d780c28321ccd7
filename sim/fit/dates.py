"""Date-times as work-order exports write them: 2024/3/5 8:00, 2024-03-05 08:00:00, ISO 8601 (a zone offset is
dropped: the wall clock is kept), 2024年3月5日 8时0分, a workbook's own date cells, Excel serial numbers."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[T\s]+(\d{1,2})\s*[:时点]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2}(?:\.\d+)?)\s*秒?)?\s*分?)?"
    r"\s*(?:Z|[+-]\d{2}:?\d{2})?")
EXCEL_EPOCH = datetime(1899, 12, 30)  # serial 1 = 1900-01-01, counting Excel's phantom 1900-02-29
SERIALS = (20000, 80000)  # 1954 to 2119: a number outside is not read as a date


def parse_datetime(value: Any) -> datetime | None:
    """The date-time ``value`` writes, or None when it is blank; ValueError when it is not a date-time."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(float(value), value)
    text = str(value).strip()
    if not text:
        return None
    m = _TEXT.fullmatch(text)
    if m is None:
        try:
            return _serial(float(text), value)
        except ValueError:
            raise ValueError(f"{text!r} is not a date-time (e.g. 2024/3/5 8:00, 2024-03-05 08:00:00, "
                             "an Excel serial number)") from None
    y, mo, d, h, mi, s = m.groups()
    sec = float(s or 0)
    try:
        return datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0)) + timedelta(seconds=sec)
    except ValueError as err:  # e.g. month 13: say which text
        raise ValueError(f"{text!r} is not a date-time ({err})") from None


def _serial(x: float, value: Any) -> datetime:
    if not SERIALS[0] <= x <= SERIALS[1]:
        raise ValueError(f"{value!r} is not a date-time (as an Excel serial number it would be outside "
                         f"{SERIALS[0]}-{SERIALS[1]}, 1954-2119)")
    return EXCEL_EPOCH + timedelta(days=x)
