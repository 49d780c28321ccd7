"""Grid polygons: the GeoJSON reader (good and bad files), the synthetic district, `gridsim map`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from sim.cli import main
from sim.scenario import dump_toml, load_scenario, read_toml
from sim.scenario.layout import layout_rects, synthetic_district

ROOT = Path(__file__).resolve().parent.parent
BAOTA = ROOT / "scenarios" / "baota.toml"


def square(x: float, y: float, size: float = 0.01) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]}


def features(n: int = 4) -> list[dict]:
    return [{"type": "Feature", "properties": {"code": f"G{i}", "hh": 300 + i, "community": f"C{i // 2}", "street": "S1"},
             "geometry": square(109.4 + 0.01 * i, 36.6)} for i in range(n)]


def scenario(tmp_path: Path, doc, **grids) -> Path:
    data = read_toml(BAOTA)
    data["grids"] = {"geojson": "district.geojson", "id": "code", "households": "hh", **grids}
    (tmp_path / "s.toml").write_text(dump_toml(data), encoding="utf-8")
    text = doc if isinstance(doc, (str, bytes)) else json.dumps(doc)
    (tmp_path / "district.geojson").write_bytes(text.encode() if isinstance(text, str) else text)
    return tmp_path / "s.toml"


def fc(feats: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": feats}


def test_a_good_file_gives_the_grids_and_keeps_their_polygons(tmp_path):
    sc = load_scenario(scenario(tmp_path, fc(features())))
    assert [g.id for g in sc.grids.rows] == ["G0", "G1", "G2", "G3"]
    assert [g.households for g in sc.grids.rows] == [300, 301, 302, 303]
    assert [g.community for g in sc.grids.rows] == ["C0", "C0", "C1", "C1"]
    assert len(sc.grids.geometry) == 4 and shape(sc.grids.geometry[1]).is_valid
    assert "geometry" not in sc.grids.model_dump() and "rows" not in sc.grids.model_dump()


def test_a_sliver_of_overlap_within_the_tolerance_is_fine(tmp_path):
    feats = features(2)
    feats[1]["geometry"] = square(109.4 + 0.01 - 0.00005, 36.6)  # 0.5% of the area
    assert len(load_scenario(scenario(tmp_path, fc(feats))).grids.rows) == 2


def bad(kind: str) -> object:
    feats = features()
    if kind == "not json":
        return "{not json"
    if kind == "not a collection":
        return feats[0]
    if kind == "self-intersecting":
        feats[2]["geometry"] = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    elif kind == "empty":
        feats[2]["geometry"] = {"type": "Polygon", "coordinates": []}
    elif kind == "a point":
        feats[2]["geometry"] = {"type": "Point", "coordinates": [109.4, 36.6]}
    elif kind == "no id":
        del feats[2]["properties"]["code"]
    elif kind == "repeated id":
        feats[2]["properties"]["code"] = "G1"
    elif kind == "no households":
        del feats[2]["properties"]["hh"]
    elif kind == "fractional households":
        feats[2]["properties"]["hh"] = 30.5
    elif kind == "overlap":
        feats[2]["geometry"] = square(109.4 + 0.01 + 0.005, 36.6)
    elif kind == "projected":
        feats[2]["geometry"] = square(500000.0, 4050000.0, 100.0)
    return fc(feats)


@pytest.mark.parametrize("kind, says", [
    ("not json", "not GeoJSON"), ("not a collection", "not a GeoJSON FeatureCollection"),
    ("self-intersecting", "feature 2 (id 'G2'): invalid polygon: Self-intersection"),
    ("empty", "feature 2 (id 'G2'): the polygon is empty"),
    ("a point", "feature 2 (id 'G2'): geometry must be a Polygon or MultiPolygon"),
    ("no id", "feature 2: property 'code' (the grid id) is missing"),
    ("repeated id", "feature 2 (id 'G1'): grid id 'G1' is repeated (also feature 1)"),
    ("no households", "feature 2 (id 'G2'): property 'hh' (the household count) is missing"),
    ("fractional households", "feature 2 (id 'G2'): property 'hh' = 30.5: must be a whole number"),
    ("overlap", "feature 1 (id 'G1') and feature 2 (id 'G2') overlap by 50.0%"),
    ("projected", "feature 2 (id 'G2'): coordinates"),
])
def test_a_bad_file_is_bad_input_naming_the_file_and_the_feature(tmp_path, capsys, kind, says):
    path = scenario(tmp_path, bad(kind))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "grids.geojson" in err and "district.geojson" in err and says in err, err
    assert "Traceback" not in err


def test_a_missing_file_and_a_mapping_without_geojson_are_bad_input(tmp_path, capsys):
    path = scenario(tmp_path, fc(features()))
    (tmp_path / "district.geojson").unlink()
    assert main(["validate", str(path)]) == 2
    assert "GeoJSON file not found" in capsys.readouterr().err
    assert main(["validate", str(BAOTA), "--set", "grids.id=code"]) == 2
    assert "only with geojson" in capsys.readouterr().err


def test_non_utf8_geojson_is_bad_input(tmp_path, capsys):
    path = scenario(tmp_path, json.dumps(fc(features())).replace("C0", "社区").encode("gbk"))
    assert main(["validate", str(path)]) == 2
    assert "not UTF-8" in capsys.readouterr().err


# ------------------------------------------------------------------ the synthetic district

def district(n: int = 60, seed: int = 7):
    rng = np.random.default_rng(seed)
    hh = rng.integers(150, 1200, n).tolist()
    streets = [f"S{i * 3 // n}" for i in range(n)]
    communities = [f"C{i * 11 // n}" for i in range(n)]
    return streets, communities, hh, [shape(g) for g in synthetic_district(streets, communities, hh, seed)]


def test_the_synthetic_district_is_valid_without_gaps_or_overlaps():
    streets, communities, hh, polys = district()
    assert all(p.is_valid and p.area > 0 for p in polys)
    union = shapely.union_all(polys)
    total = sum(p.area for p in polys)
    assert abs(union.area - total) <= 1e-9 * total  # no overlaps
    assert abs(union.envelope.area - union.area) <= 1e-9 * total  # no gaps: it fills its rectangle


def test_the_synthetic_district_nests_exactly():
    streets, communities, hh, polys = district()
    for s in set(streets):
        street = shapely.union_all([p for p, st in zip(polys, streets) if st == s])
        assert isinstance(street, shapely.Polygon)  # one block
        for c in {c for c, st in zip(communities, streets) if st == s}:
            members = [p for p, cc, st in zip(polys, communities, streets) if cc == c and st == s]
            comm = shapely.union_all(members)
            assert isinstance(comm, shapely.Polygon) and comm.is_valid
            assert comm.difference(street).area <= 1e-12 * street.area  # inside its street
            assert abs(comm.area - sum(p.area for p in members)) <= 1e-9 * comm.area


def test_the_synthetic_district_is_the_same_for_the_same_seed_and_sized_by_households():
    s, c, hh, _ = district()
    assert synthetic_district(s, c, hh, 3) == synthetic_district(s, c, hh, 3)
    assert layout_rects(s, c, hh, 3) != layout_rects(s, c, hh, 4)
    areas = np.array([(r[2] - r[0]) * (r[3] - r[1]) for r in layout_rects(s, c, hh, 3)])
    order = np.argsort(hh, kind="stable")
    assert np.all(np.diff(areas[order]) >= -1e-12)  # more households, larger grid
    assert np.allclose(areas / np.sqrt(hh), areas[0] / np.sqrt(hh[0]))  # area proportional to sqrt(households)


# ------------------------------------------------------------------ gridsim map

def test_gridsim_map_round_trip(tmp_path, capsys):
    out = tmp_path / "district.geojson"
    assert main(["map", str(BAOTA), "--set", "grids.generate.count=40", "--set", "grids.generate.communities=8",
                 "--set", "grids.generate.streets=3", "--out", str(out)]) == 0
    assert "40 grids (a synthetic district)" in capsys.readouterr().out
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert len(doc["features"]) == 40 and set(doc["features"][0]["properties"]) >= {"id", "community", "street", "households"}
    data = read_toml(BAOTA)
    data["grids"] = {"geojson": "district.geojson"}  # the file as written, default property names
    (tmp_path / "s.toml").write_text(dump_toml(data), encoding="utf-8")
    first = load_scenario(BAOTA, overrides=[("grids.generate.count", 40), ("grids.generate.communities", 8),
                                            ("grids.generate.streets", 3)])
    back = load_scenario(tmp_path / "s.toml")
    from sim.model.district import grid_rows

    assert [(r.id, r.community, r.street, r.households) for r in back.grids.rows] == \
        [(r.id, r.community, r.street, r.households) for r in grid_rows(first)]
    assert main(["map", str(tmp_path / "s.toml"), "--out", str(tmp_path / "again.geojson")]) == 0
    again = json.loads((tmp_path / "again.geojson").read_text(encoding="utf-8"))
    assert again["features"] == doc["features"] and "gridsim" not in again


def test_gridsim_map_bad_input_exits_2(tmp_path, capsys):
    assert main(["map", str(tmp_path / "missing.toml"), "--out", str(tmp_path / "d.geojson")]) == 2
    assert main(["map", str(BAOTA), "--out", str(tmp_path)]) == 2
    assert "cannot write" in capsys.readouterr().err
