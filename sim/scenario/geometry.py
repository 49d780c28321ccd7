"""Grid polygons from a GeoJSON file (RFC 7946: WGS-84 longitude/latitude), checked, and written back.

A scenario reads its grids from GeoJSON with ``[grids] geojson = "district.geojson"``; the
feature properties holding each grid field are named by ``id``, ``households``,
``community``, ``street`` and ``population`` beside it (defaults: the fields' own names,
which is what :func:`feature_collection` writes, so ``gridsim map`` output reads back as
it is).  Every problem is a :class:`FieldError` on ``geojson`` naming the file and the
feature (its index in ``features`` and its id): not JSON, not a FeatureCollection, a
geometry that is not a (Multi)Polygon, empty or invalid (with shapely's reason), a
coordinate that is not longitude/latitude, a missing or repeated id, a missing or
non-integer household count, and two grids overlapping by more than
:data:`OVERLAP_TOLERANCE` of the smaller one's area (found with an STRtree, not by
testing every pair).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.scenario.distributions import FieldError
from sim.scenario.errors import problems
from sim.scenario.textfile import read_utf8

GRID_FIELDS = ("id", "households", "community", "street", "population", "sunk_cadres")
OVERLAP_TOLERANCE = 0.01  # share of the smaller polygon's area two grids may overlap (digitising slivers)


def _fail(name: str, path: Path, message: str) -> FieldError:
    return FieldError("geojson", name, f"{path}: {message}")


def _where(i: int, props: dict[str, Any] | None, id_key: str) -> str:
    gid = (props or {}).get(id_key)
    return f"feature {i}" + (f" (id {gid!r})" if gid not in (None, "") else "")


def read_geojson(name: str, base_dir: Path, mapping: dict[str, str] | None = None) -> tuple[list[dict[str, Any]], tuple[dict[str, Any], ...]]:
    """Grid fields (one dict per feature, by grid field name) and their GeoJSON geometries.

    ``mapping`` maps grid fields to property names (missing ones: the field's own name).
    The dicts are not yet validated as grids (the caller makes them ``GridSpec``s).
    """
    keys = {f: (mapping or {}).get(f) or f for f in GRID_FIELDS}
    path = base_dir / name
    if not path.is_file():
        raise _fail(name, path, "GeoJSON file not found (paths are relative to the scenario's folder)")
    try:
        doc = json.loads(read_utf8(path))
    except ValueError as err:  # not UTF-8 text, or not JSON
        raise _fail(name, path, f"not GeoJSON: {err}") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        kind = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise _fail(name, path, f"not a GeoJSON FeatureCollection (type {kind!r}); give one feature per grid")
    feats = doc["features"]
    if not feats:
        raise _fail(name, path, "has no features; give one feature per grid")
    from shapely.validation import explain_validity
    from shapely.geometry import shape

    rows, geoms, shapes, seen = [], [], [], {}
    for i, f in enumerate(feats):
        props = f.get("properties") if isinstance(f, dict) else None
        where = _where(i, props if isinstance(props, dict) else None, keys["id"])
        if not isinstance(f, dict) or f.get("type") != "Feature":
            raise _fail(name, path, f"{where}: not a GeoJSON Feature")
        if not isinstance(props, dict):
            raise _fail(name, path, f"{where}: has no properties; needs {keys['id']!r} and {keys['households']!r}")
        geom = f.get("geometry")
        if not isinstance(geom, dict) or geom.get("type") not in ("Polygon", "MultiPolygon"):
            kind = geom.get("type") if isinstance(geom, dict) else geom
            raise _fail(name, path, f"{where}: geometry must be a Polygon or MultiPolygon, not {kind!r}")
        try:
            poly = shape(geom)
        except Exception as err:  # malformed coordinates
            raise _fail(name, path, f"{where}: malformed {geom['type']} coordinates ({err})") from None
        if poly.is_empty:
            raise _fail(name, path, f"{where}: the polygon is empty (no coordinates)")
        if not poly.is_valid:
            raise _fail(name, path, f"{where}: invalid polygon: {explain_validity(poly)}")
        if poly.area <= 0:
            raise _fail(name, path, f"{where}: the polygon is empty (no area)")
        x0, y0, x1, y1 = poly.bounds
        if x0 < -180 or x1 > 180 or y0 < -90 or y1 > 90:
            raise _fail(name, path, f"{where}: coordinates ({x0:g}, {y0:g}) .. ({x1:g}, {y1:g}) are not longitude/latitude; "
                        "GeoJSON is WGS-84 (RFC 7946): reproject projected coordinates first")
        gid = props.get(keys["id"])
        if gid is None or str(gid).strip() == "":
            raise _fail(name, path, f"{where}: property {keys['id']!r} (the grid id) is missing")
        gid = str(gid)
        if gid in seen:
            raise _fail(name, path, f"{where}: grid id {gid!r} is repeated (also feature {seen[gid]}); ids must be unique")
        seen[gid] = i
        hh = props.get(keys["households"])
        if isinstance(hh, str) and hh.strip().lstrip("-").isdigit():
            hh = int(hh)
        if isinstance(hh, float) and hh.is_integer():
            hh = int(hh)
        if hh is None:
            raise _fail(name, path, f"{where}: property {keys['households']!r} (the household count) is missing")
        if isinstance(hh, bool) or not isinstance(hh, int):
            raise _fail(name, path, f"{where}: property {keys['households']!r} = {hh!r}: must be a whole number of households")
        row = {"id": gid, "households": hh}
        for fld in GRID_FIELDS[2:]:
            v = props.get(keys[fld])
            if v not in (None, ""):
                row[fld] = str(v) if fld in ("community", "street") else v
        rows.append(row)
        geoms.append(geom)
        shapes.append(poly)
    _check_overlaps(name, path, shapes, [r["id"] for r in rows])
    return rows, tuple(geoms)


def _check_overlaps(name: str, path: Path, shapes: list[Any], ids: list[str]) -> None:
    """Two grids overlapping by more than the tolerance of the smaller one's area (STRtree: near-linear)."""
    from shapely import STRtree

    tree = STRtree(shapes)
    left, right = tree.query(shapes, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist()):
        if i >= j:
            continue
        shared = shapes[i].intersection(shapes[j]).area
        smaller = min(shapes[i].area, shapes[j].area)
        if shared > OVERLAP_TOLERANCE * smaller:
            raise _fail(name, path, f"feature {i} (id {ids[i]!r}) and feature {j} (id {ids[j]!r}) overlap by "
                        f"{100 * shared / smaller:.1f}% of the smaller one's area (allowed: up to "
                        f"{100 * OVERLAP_TOLERANCE:g}%); grids must not overlap")


def grid_rows_from_geojson(name: str, base_dir: Path, mapping: dict[str, str], spec: type) -> tuple[tuple[Any, ...], tuple[dict[str, Any], ...]]:
    """``read_geojson`` with each feature validated as a ``spec`` (``GridSpec``), naming the feature on error."""
    rows, geoms = read_geojson(name, base_dir, mapping)
    out = []
    for i, data in enumerate(rows):
        try:
            out.append(spec.model_validate(data))
        except ValidationError as e:
            p = problems(e, data, root=spec)[0]
            raise _fail(name, base_dir / name, f"feature {i} (id {data['id']!r}): {p.render()}") from None
    return tuple(out), geoms


def feature_collection(rows: list[Any], geometries: list[dict[str, Any]] | tuple[dict[str, Any], ...],
                       synthetic: bool = False) -> dict[str, Any]:
    """A FeatureCollection of the grids: properties id, community, street, households (and population)."""
    feats = []
    for r, g in zip(rows, geometries):
        props: dict[str, Any] = {"id": r.id, "community": r.community, "street": r.street, "households": int(r.households)}
        if r.population is not None and math.isfinite(r.population):
            props["population"] = r.population
        if r.sunk_cadres is not None:
            props["sunk_cadres"] = r.sunk_cadres
        feats.append({"type": "Feature", "properties": props, "geometry": g})
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": feats}
    if synthetic:
        doc["gridsim"] = {"synthetic": True, "note": "a synthetic layout (no real geometry): nominal coordinates "
                          "around 0N 0E, grid areas proportional to the square root of households"}
    return doc


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"
