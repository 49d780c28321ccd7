"""Per-grid numbers of a results folder: each grid's layout and the mean of its per-grid series.

Read by the workbook's ``grids`` sheet and by the report's "grids to act on"; the model is never run
(a sweep keeps no grids.csv, so its first point's layout is rebuilt from the resolved scenario).
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.experiments.results import RunStore

# per-grid series a run may keep (metrics.run_series): column word, series key, metric whose unit it has
GRID_SERIES = [("h_coverage", "grid_coverage", "coverage_mean"), ("h_p90", "grid_resolution_p90", "resolution_hours_p90"),
               ("h_issues", "grid_issues", "issues_arrived"), ("h_backlog", "grid_backlog_mean", "backlog_mean")]


@dataclass(frozen=True)
class GridRow:
    """One grid: its layout (id, community, street, households) and, per series key, its mean over replications."""

    id: str
    community: str
    street: str
    households: float | None
    values: dict[str, float | None]


def number(text: str) -> Any:
    """A CSV cell as a number where it is one (the CSV stores numbers as Python writes them)."""
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        x = float(text)
    except ValueError:
        return text
    return x if math.isfinite(x) else None


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    if not path.is_file():
        return [], []
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    return (rows[0], rows[1:]) if rows else ([], [])


def grid_values(folder: Path, variant: str, runs: list[Any], key: str) -> list[float | None] | None:
    """Per grid, the mean over ``variant``'s replications of one series (None where no run kept it)."""
    store = RunStore(folder)
    found = [s[key] for o in runs if o.variant == variant
             for s in [store.load_series(o.key)] if s is not None and key in s]
    if not found:
        return None
    out: list[float | None] = []
    for g in range(len(found[0])):
        xs = [float(v[g]) for v in found if g < len(v) and v[g] is not None and math.isfinite(float(v[g]))]
        out.append(sum(xs) / len(xs) if xs else None)
    return out


def layout_per_replication(scenario: dict[str, Any]) -> bool:
    """Whether each replication drew its own generated layout (a resolved scenario's table): then per-grid
    numbers are means over layouts, and grids.csv and the maps show replication 0's layout."""
    gen = (scenario.get("grids") or {}).get("generate")
    return isinstance(gen, dict) and gen.get("layout_per_replication") is True


def _root_seed(folder: Path) -> int | None:
    try:
        return int(json.loads((folder / "summary.json").read_text(encoding="utf-8"))["seeds"]["root"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def layout(folder: Path) -> list[list[Any]]:
    """Grid id, community, street, households; from grids.csv, else built from the resolved scenario."""
    _, rows = read_csv(folder / "grids.csv")
    if not rows:
        try:  # a sweep keeps no grids.csv: the first point's layout (a sweep of the grids themselves differs per point)
            from sim.experiments.results import grids_csv
            from sim.experiments.runs import replication_seed
            from sim.model.district import build_district
            from sim.scenario import load_scenario

            sc = load_scenario(folder / "scenario.resolved.toml")
            root = _root_seed(folder)  # replication 0's, as the runs drew it, when each drew its own
            text = grids_csv(build_district(sc, replication_seed(sc.seed if root is None else root, 0)))
        except Exception:  # the layout is a courtesy here: a scenario that no longer loads leaves it empty
            return []
        rows = list(csv.reader(io.StringIO(text)))[1:]
    return [[r[0], r[1], r[2], number(r[3])] for r in rows]


def grid_rows(folder: Path, variant: str, runs: list[Any] | None = None) -> list[GridRow]:
    """Every grid of ``variant`` with the per-grid series its runs kept, in the layout's order."""
    folder = Path(folder)
    runs = runs if runs is not None else [o for o in RunStore(folder).load("skip") if o.ok]
    lay = layout(folder)
    series = {key: grid_values(folder, variant, runs, key) for _, key, _ in GRID_SERIES}
    return [GridRow(str(r[0]), str(r[1]), str(r[2]), r[3],
                    {key: (vals[g] if vals is not None and g < len(vals) else None) for key, vals in series.items()})
            for g, r in enumerate(lay)]


def worst_first(coverage: float | None, p90: float | None) -> tuple:
    """Sort key: lowest coverage first, then longest p90 resolution; grids without a number last."""
    return (coverage is None, coverage if coverage is not None else 0.0, p90 is None, -(p90 or 0.0))


def worst(rows: list[GridRow], key: str, n: int) -> list[GridRow]:
    """The ``n`` grids worst on one series: lowest coverage, longest resolution, largest issue count or backlog."""
    have = [r for r in rows if r.values.get(key) is not None]
    return sorted(have, key=lambda r: r.values[key], reverse=key != "grid_coverage")[:n]
