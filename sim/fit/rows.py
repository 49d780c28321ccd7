"""From the rows of an export to orders: each row used or refused with its reason, none dropped silently.

Refused: a totals row (合计), a duplicate id (the later row), no grid, no report time, a time that is not a
date-time, resolved (or accepted) before reported, resolved before accepted.  Times become hours since
midnight of the first report's day; the export time is the latest time in the file.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from sim.fit.dates import parse_datetime
from sim.fit.reading import FitError, RawRows

LEVELS = ("grid", "community", "street", "department")
TOTALS = re.compile(r"(合计|总计|小计|共计|汇总|total|sum|subtotal)[:：]?", re.IGNORECASE)
# a level as records write it, tried in this order; any other non-empty text is a department's name
# (住建局, 城管执法大队: an office's name ends the way 局, 委, 中心 do, even when it holds 村 or 镇)
_LEVEL_WORDS = (
    ("grid", re.compile(r"网格员?|grid", re.I), True), ("community", re.compile(r"社区|村|居委会|community", re.I), True),
    ("street", re.compile(r"街道|乡镇|镇|乡|街道办(事处)?|street|township", re.I), True),
    ("department", re.compile(r"(区|县|市)?(级)?(职能)?部门|department", re.I), True),
    ("grid", re.compile(r"网格"), False), ("department", re.compile(r"(局|委|委员会|办公室|中心|所|队|院|公司|站)$"), False),
    ("community", re.compile(r"社区|居委|村委"), False), ("street", re.compile(r"街道|乡镇|街办|镇政府|乡政府"), False))


@dataclass(frozen=True)
class Refusal:
    row: int
    id: str
    reason: str


@dataclass(frozen=True)
class Orders:
    """The used orders, one entry per order in file order; times in hours since ``origin``."""
    row: np.ndarray
    id: list[str]
    grid: list[str]
    community: list[str]  # "" where the records do not say
    street: list[str]
    type: list[str]
    level: list[str]  # one of LEVELS, or "" when the records do not say
    level_text: list[str]  # the level as the records write it
    reported: np.ndarray
    accepted: np.ndarray  # nan where not recorded
    resolved: np.ndarray  # nan: still open
    origin: datetime
    export: float  # the latest time in the file: open orders are censored there
    total_rows: int
    refused: list[Refusal]

    @property
    def open(self) -> np.ndarray:
        return np.isnan(self.resolved)

    def __len__(self) -> int:
        return len(self.id)


def refused_csv(refused: list[Refusal]) -> str:
    """refused.csv: row, id and reason of each refused row."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["row", "id", "reason"])
    w.writerows((r.row, r.id, r.reason) for r in refused)
    return "\ufeff" + buf.getvalue()  # a BOM: Excel opens the Chinese reasons as UTF-8


def unrecognised_levels(texts: list[str]) -> list[str]:
    """Level texts read as a department only because they name no level and no office (办理中, 待定): worth a
    warning, since a status written in the level column would otherwise inflate the department's share."""
    return sorted({t.strip() for t in texts if t.strip() and not any(
        (p.fullmatch(t.strip()) if whole else p.search(t.strip())) for _, p, whole in _LEVEL_WORDS)})


def level_of(text: str) -> str:
    """The level a records' level cell names ("" when blank); a department's name is the department."""
    text = text.strip()
    if not text:
        return ""
    return next((lv for lv, pattern, whole in _LEVEL_WORDS
                 if (pattern.fullmatch(text) if whole else pattern.search(text))), "department")


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def orders_from(raw: RawRows, export: datetime | None = None) -> Orders:
    """Check each row; keep the good ones as orders, and the others as refusals with their reasons."""
    kept: list[tuple[int, dict[str, Any], dict[str, datetime | None]]] = []
    refused: list[Refusal] = []
    first_at: dict[str, int] = {}
    for row, cells in raw.rows:
        text = {f: _text(v) for f, v in cells.items()}
        reason, times = _check(text, cells)
        if reason is None and text["id"] in first_at:
            reason = f"duplicate id {text['id']!r} (first at row {first_at[text['id']]})"
        if reason is not None:
            refused.append(Refusal(row, text.get("id", ""), reason))
            continue
        first_at[text["id"]] = row
        kept.append((row, text, times))
    if not kept:
        raise FitError(f"{raw.path}: no usable rows ({len(refused)} refused; see refused.csv)")
    origin = min(t["reported"] for _, _, t in kept).replace(hour=0, minute=0, second=0, microsecond=0)

    def hours(field: str) -> np.ndarray:
        return np.array([np.nan if t.get(field) is None else (t[field] - origin).total_seconds() / 3600
                         for _, _, t in kept])

    reported, accepted, resolved = hours("reported"), hours("accepted"), hours("resolved")
    latest = float(np.nanmax([reported.max(), np.nanmax(accepted, initial=-np.inf), np.nanmax(resolved, initial=-np.inf)]))
    end = latest if export is None else (export - origin).total_seconds() / 3600
    if end < latest:
        raise FitError(f"--export-time {export:%Y-%m-%d %H:%M}: before the latest time in {raw.path} "
                       f"({origin + timedelta(hours=latest):%Y-%m-%d %H:%M}); give the time the export was made, "
                       "or leave it out")
    def col(field: str) -> list[str]:
        return [t.get(field, "") for _, t, _ in kept]

    levels = col("level")
    return Orders(np.array([r for r, _, _ in kept]), col("id"), col("grid"), col("community"), col("street"),
                  col("type"), [level_of(x) for x in levels], levels, reported, accepted, resolved, origin, end,
                  len(raw.rows), refused)


def _check(text: dict[str, str], cells: dict[str, Any]) -> tuple[str | None, dict[str, datetime | None]]:
    """Why the row is refused (None: it is used), and its times."""
    totals = next((f"{f} = {text[f]!r}" for f in ("id", "grid", "community", "street", "type")
                   if TOTALS.fullmatch(text.get(f, ""))), None)
    if totals:
        return f"a totals row ({totals}), not an order", {}
    if not text["id"]:
        return "no id", {}
    if not text["grid"]:
        return "no grid", {}
    if not text["type"]:
        return "no type", {}
    times: dict[str, datetime | None] = {}
    for field in ("reported", "accepted", "resolved"):
        try:
            times[field] = parse_datetime(cells.get(field))
        except ValueError as err:
            return f"{field}: {err}", {}
    r, a, z = times["reported"], times["accepted"], times["resolved"]
    if r is None:
        return "no report time", {}
    if z is not None and z < r:
        return f"resolved before reported ({z:%Y-%m-%d %H:%M} < {r:%Y-%m-%d %H:%M})", {}
    if a is not None and a < r:
        return f"accepted before reported ({a:%Y-%m-%d %H:%M} < {r:%Y-%m-%d %H:%M})", {}
    if a is not None and z is not None and z < a:
        return f"resolved before accepted ({z:%Y-%m-%d %H:%M} < {a:%Y-%m-%d %H:%M})", {}
    return None, times
