"""The district's polygons, for ``gridsim map`` and for the map figures of a results folder.

A scenario with ``[grids] geojson`` has its own polygons; any other gets the synthetic
district of ``sim.scenario.layout`` (computed from the grids and the scenario's seed,
so the same scenario always gives the same map).  A results folder keeps
``scenario.resolved.toml``, which names the GeoJSON file as the scenario did (relative to
the scenario's folder), and a copy of the file under its base name; the maps look for it,
in this order, in the results folder itself (under its name, or its base name), then
beside the scenario file recorded in ``command.json``.  When it is
found nowhere the maps fall back to the synthetic layout, with a warning.
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.model.district import grid_rows
from sim.scenario import FieldError, Scenario
from sim.scenario.geometry import GRID_FIELDS, feature_collection, read_geojson
from sim.scenario.layout import synthetic_district


def scenario_geojson(sc: Scenario) -> dict[str, Any]:
    """The scenario's grids as a GeoJSON FeatureCollection: its own polygons, else a synthetic district."""
    rows = grid_rows(sc)
    if sc.grids.geometry:
        return feature_collection(rows, sc.grids.geometry)
    geoms = synthetic_district([r.street for r in rows], [r.community for r in rows], [r.households for r in rows], sc.seed)
    return feature_collection(rows, geoms, synthetic=True)


@dataclass
class DistrictShapes:
    """The grids of a results folder with their polygons (shapely, in grids.csv order)."""

    ids: list[str]
    streets: list[str]
    communities: list[str]  # unique across streets ("street/community")
    polygons: list[Any]
    real: bool  # the scenario's own geometry (longitude/latitude), not the synthetic layout


def _geojson_file(path: Path, name: str) -> Path | None:
    candidates = [path / name, path / Path(name).name]
    try:
        scenario_file = json.loads((path / "command.json").read_text(encoding="utf-8")).get("scenario_file")
    except (OSError, ValueError):
        scenario_file = None
    if isinstance(scenario_file, str):
        candidates.append(Path(scenario_file).parent / name)
    return next((c for c in candidates if c.is_file()), None)


def folder_district(path: Path, scenario: dict[str, Any]) -> DistrictShapes | None:
    """The polygons of a results folder's grids (from grids.csv); None when it keeps no grids.csv."""
    from shapely.geometry import shape

    table = path / "grids.csv"
    if not table.is_file():
        return None
    rows = list(csv.DictReader(table.open(encoding="utf-8", newline="")))
    if not rows:
        return None
    ids = [r["grid"] for r in rows]
    streets = [r["street"] for r in rows]
    communities = [r["community"] if r["community"].startswith(r["street"] + "/") else f"{r['street']}/{r['community']}"
                   for r in rows]
    grids = scenario.get("grids", {})
    name = grids.get("geojson") if isinstance(grids, dict) else None
    if isinstance(name, str):
        found = _geojson_file(path, name)
        why = f"{name} not found in {path} nor beside the scenario file"
        if found is not None:
            try:
                props, geoms = read_geojson(found.name, found.parent, {k: grids[k] for k in GRID_FIELDS if isinstance(grids.get(k), str)})
                by_id = {p["id"]: g for p, g in zip(props, geoms)}
                if set(ids) <= set(by_id):
                    return DistrictShapes(ids, streets, communities, [shape(by_id[i]) for i in ids], True)
                why = f"{found} lacks grid(s) {', '.join(sorted(set(ids) - set(by_id))[:5])}"
            except FieldError as err:
                why = str(err)
        print(f"gridsim: warning: maps drawn on a synthetic layout: {why} (copy the GeoJSON into the results "
              "folder to draw the real grids)", file=sys.stderr)
    seed = scenario.get("seed", Scenario.model_fields["seed"].default)
    geoms = synthetic_district(streets, communities, [int(r["households"]) for r in rows], int(seed))
    return DistrictShapes(ids, streets, communities, [shape(g) for g in geoms], False)
