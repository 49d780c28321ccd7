"""Streets and communities: one variant's per-grid results summed up per area, worst first.

Answers "which streets (communities) are worst?" for the report and the workbook's ``areas`` sheet,
from the grids' means over replications (sim.outputs.grid_table); the model is never run.

Per area:
- ``coverage``: the share of the area's households visited within the target interval, i.e. its grids'
  coverage weighted by their households (入户率 is a share of households);
- ``coverage_min``: the lowest coverage of any of its grids;
- ``p90``: its grids' p90 resolution times averaged with their households as weights (a p90 of the area's
  pooled issues cannot be rebuilt from the grids' p90s; issues arrive in proportion to households);
- ``issues``, ``backlog``: sums over its grids, where the runs kept them per grid.
A grid without a number is left out of that number's sum or mean (an area with none gets None).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.outputs.glossary import lang_index
from sim.outputs.grid_table import GridRow, worst_first

LEVELS = ("street", "community")
# column headers of the report's tables and the workbook's sheet (English, Chinese)
HEADERS = {"level": ("level", "层级"), "area": ("area", "区域"), "grids": ("grids", "网格数"),
           "coverage": ("household-weighted visit coverage", "按户加权入户走访覆盖率"),
           "coverage_min": ("worst grid's coverage", "最差网格覆盖率"),
           "p90": ("mean grid p90 resolution", "各网格办理时长第90百分位的加权平均")}


@dataclass(frozen=True)
class AreaRow:
    level: str  # "street" or "community"
    name: str
    street: str  # a community's street; a street's own name
    grids: int
    households: float
    coverage: float | None
    coverage_min: float | None
    p90: float | None  # hours
    issues: float | None
    backlog: float | None


def header(key: str, lang: str) -> str:
    return HEADERS[key][lang_index(lang)]


def _weighted(rows: list[GridRow], key: str) -> float | None:
    pairs = [(r.values[key], r.households or 0.0) for r in rows if r.values.get(key) is not None]
    total = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / total if total > 0 else None


def _sum(rows: list[GridRow], key: str) -> float | None:
    xs = [r.values[key] for r in rows if r.values.get(key) is not None]
    return sum(xs) if xs else None


def areas(rows: list[GridRow], level: str) -> list[AreaRow]:
    """Every street (``level="street"``) or community of ``rows``, worst first: lowest coverage, then longest
    p90 resolution. A community is told apart by its street too (two streets may each have a 'C1')."""
    if level not in LEVELS:
        raise ValueError(f"level {level!r}: expected one of {', '.join(LEVELS)}")
    groups: dict[tuple[str, str], list[GridRow]] = {}
    for r in rows:
        groups.setdefault((r.street, r.community if level == "community" else r.street), []).append(r)
    out = []
    for (street, name), members in groups.items():
        covs = [r.values["grid_coverage"] for r in members if r.values.get("grid_coverage") is not None]
        out.append(AreaRow(level, name, street, len(members), sum(r.households or 0.0 for r in members),
                           _weighted(members, "grid_coverage"), min(covs) if covs else None,
                           _weighted(members, "grid_resolution_p90"), _sum(members, "grid_issues"),
                           _sum(members, "grid_backlog_mean")))
    return sorted(out, key=lambda a: worst_first(a.coverage, a.p90))
