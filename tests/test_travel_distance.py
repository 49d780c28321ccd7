"""Travel by distance between grid centroids (dispatch.travel = "distance") and police grids of
contiguous grids (cadres.police.blocks = "contiguous"), issue 16.

The exact checks compute distances here, independently of the model: the haversine formula on the
centroids of known squares."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from pydantic import ValidationError

from oracles import (ONE_GRID, check_conservation, check_drain, check_issue_times, check_tasks_within_issues,
                     check_work_content, check_work_within_duty, duty_by_cadre)
from sim.cli import main
from sim.metrics import compute_metrics
from sim.model import simulate
from sim.model.district import EARTH_RADIUS_KM, build_district, grid_polygons, grid_rows
from sim.scenario import ROLES, build_scenario, load_scenario
from sim.scenario.distributions import FieldError
from sim.scenario.operations import Dispatch

ROOT = Path(__file__).resolve().parent.parent
TIEFENG = ROOT / "scenarios" / "tiefeng.toml"
SIDE = 0.01  # degrees: a square grid of about 1.1 km by 0.8 km at 45°N
ONE = {"dist": "fixed", "value": 1.0}


def square(x: float, y: float, x1: float | None = None, y1: float | None = None) -> dict[str, Any]:
    x1, y1 = x + SIDE if x1 is None else x1, y + SIDE if y1 is None else y1
    return {"type": "Polygon", "coordinates": [[[x, y], [x1, y], [x1, y1], [x, y1], [x, y]]]}


def haversine_km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle km between (longitude, latitude) degree rows, for the exact expectations."""
    (lo1, la1), (lo2, la2) = np.radians(a).T, np.radians(b).T
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))


def row_district(tmp_path: Path, dispatch: dict[str, Any], steps: tuple[int, ...] = (0, 1, 3, 7, 15)) -> Any:
    """Grids in a row eastwards along 45°N, ``steps`` squares from the first, in one community pool,
    served by a single cadre who lives in the first grid and is on duty all day, every day."""
    feats = [{"type": "Feature", "properties": {"id": f"G{k}", "households": 500, "community": "C1", "street": "S1"},
              "geometry": square(125.0 + SIDE * s, 45.0)} for k, s in enumerate(steps)]
    (tmp_path / "row.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    data = {
        "name": "row",
        "calendar": {"start": "2024-01-01", "horizon_days": 60, "warmup_days": 0, "drain_days": 30},
        "grids": {"geojson": "row.geojson"},
        "issue_types": {"call": {"rate_per_1000_households_per_week": 4, "service_time": ONE}},
        "cadres": {"grid_workers": {"per_grid": 0},
                   "roles": {"mobile": {"count": 1, "grids": ["G0"], "days": "Mon+Tue+Wed+Thu+Fri+Sat+Sun",
                                        "start_hour": 0, "end_hour": 24, "visits": False}}},
        "dispatch": {"rule": "community_pool", **dispatch},
        "visits": {"enabled": False},
        "wartime": {"trigger": "off"},
    }
    return build_scenario(data, tmp_path / "row.toml")


def same_metrics(a: dict[str, float], b: dict[str, float]) -> bool:
    """Equal metrics, bit for bit (nan where both are nan)."""
    return a.keys() == b.keys() and all(a[k] == b[k] or (np.isnan(a[k]) and np.isnan(b[k])) for k in a)


def work_per_issue(r: Any) -> np.ndarray:
    out = np.zeros(len(r.report))
    np.add.at(out, r.work_issue, r.work_end - r.work_start)
    return out


# ---------------------------------------------------------------- travel hours, exactly


@pytest.mark.parametrize("speed, overhead", [(15.0, 0.1), (4.5, 0.0), (40.0, 0.5)])
def test_travel_is_overhead_plus_centroid_distance_over_speed(tmp_path, speed, overhead):
    sc = row_district(tmp_path, {"travel": "distance", "speed_kmh": speed, "overhead_hours": overhead})
    r = simulate(sc, np.random.SeedSequence(3))
    centres = np.array([[125.0 + SIDE * s + SIDE / 2, 45.0 + SIDE / 2] for s in (0, 1, 3, 7, 15)])
    assert np.allclose(r.district.centroids, centres, rtol=0, atol=1e-12)
    trip = np.where(np.arange(5) == 0, 0.0, overhead + haversine_km(centres[[0]], centres) / speed)
    done = ~np.isnan(r.end)
    grid = r.issues.grid
    assert done.sum() > 50 and set(grid[done].tolist()) == set(range(5))
    # the work log: each resolved issue's stretches add up to its service hour plus the trip to its grid
    assert np.abs(work_per_issue(r)[done] - (1.0 + trip[grid[done]])).max() < 1e-9
    # the records keep the trip as the issue's travel hours (none in the cadre's own grid)
    assert np.abs(r.issues.travel[done] - trip[grid[done]]).max() < 1e-9
    # farther grids get longer travel
    assert np.all(np.diff(trip) > 0)


def test_drawn_travel_is_still_drawn_and_identical_by_default(tmp_path):
    default = simulate(row_district(tmp_path, {}), np.random.SeedSequence(3))
    drawn = simulate(row_district(tmp_path, {"travel": "drawn", "travel_time": {"dist": "fixed", "value": 0.25}}),
                     np.random.SeedSequence(3))
    assert same_metrics(compute_metrics(default), compute_metrics(drawn))
    done = ~np.isnan(default.end)
    away = default.issues.grid[done] != 0
    assert np.allclose(work_per_issue(default)[done], 1.0 + np.where(away, 0.25, 0.0), atol=1e-9)


def test_distance_travel_leaves_the_drawn_attributes_alone(tmp_path):
    """The same issues, however travel is measured: only the travel column and the outcomes move."""
    a = simulate(row_district(tmp_path, {}), np.random.SeedSequence(5))
    b = simulate(row_district(tmp_path, {"travel": "distance"}), np.random.SeedSequence(5))
    for col in ("occur", "grid", "type", "service", "hidden", "report_delay"):
        assert np.array_equal(getattr(a.issues, col), getattr(b.issues, col)), col


# ---------------------------------------------------------------- shipped scenarios and policies


def test_travel_defaults_to_drawn():
    assert Dispatch().travel == "drawn"
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        assert load_scenario(path).dispatch.travel == "drawn", path.name


def test_a_shipped_scenario_gives_the_same_metrics_with_travel_drawn_said_out_loud():
    over = [("calendar.horizon_days", 40), ("calendar.warmup_days", 5)]
    plain = load_scenario(TIEFENG, "pooled", over)
    said = load_scenario(TIEFENG, "pooled", over + [("dispatch.travel", "drawn"), ("cadres.police.blocks", "consecutive")])
    assert same_metrics(compute_metrics(simulate(plain, np.random.SeedSequence(11))),
                        compute_metrics(simulate(said, np.random.SeedSequence(11))))


# ---------------------------------------------------------------- a whole district by distance


def test_tiefeng_pooled_by_distance_keeps_the_invariants_and_travels_farther_for_farther_grids():
    sc = load_scenario(TIEFENG, "pooled", [("calendar.horizon_days", 45), ("calendar.warmup_days", 5),
                                           ("dispatch.travel", "distance"), ("cadres.police.blocks", "contiguous")])
    assert any("synthetic layout" in w and "dispatch.travel" in w for w in sc.measurement_warnings())
    r = simulate(sc, np.random.SeedSequence(2))
    check_conservation(r)
    check_drain(sc, r)
    check_issue_times(sc, r)
    check_work_within_duty(r, duty_by_cadre(r))
    check_tasks_within_issues(r)
    check_work_content(sc, r)
    d = r.district
    # who set out from where: pooled cadres from home, officers from their police grid's base
    police = r.cadre_role[r.work_cadre] == ROLES.index("police")
    grid = r.issues.grid[r.work_issue]
    origin = np.where(police, d.police_base[d.police_unit[grid]], r.cadre_home[r.work_cadre])
    trip = np.where(origin == grid, 0.0, 0.1 + haversine_km(d.centroids[origin], d.centroids[grid]) / 15.0)
    first = np.zeros(len(r.report), bool)
    seen = np.unique(r.work_issue, return_index=True)[1]
    first_trip = np.zeros(len(r.report))
    first_trip[r.work_issue[seen]] = trip[seen]
    first[r.work_issue[seen]] = True
    most = np.zeros(len(r.report))
    np.add.at(most, r.work_issue, trip)
    done = ~np.isnan(r.end) & (r.issues.level == 0) & first
    work = work_per_issue(r)
    content = r.issues.service
    assert np.all(work[done] >= content[done] + first_trip[done] - 1e-9)
    assert np.all(work[done] <= content[done] + most[done] + 1e-9)
    moved = (origin != grid) & ~police
    assert moved.sum() > 20 and police.sum() > 5 and (police & (origin != grid)).sum() > 5
    # an issue worked in one stretch, by a cadre who travelled: the records keep exactly that trip
    once = np.bincount(r.work_issue, minlength=len(r.report)) == 1
    one = once[r.work_issue] & (origin != grid) & done[r.work_issue]  # done: resolved at the grid, seen
    assert one.sum() > 20
    assert np.abs(r.issues.travel[r.work_issue[one]] - trip[one]).max() < 1e-9
    assert np.abs(work[r.work_issue[one]] - content[r.work_issue[one]] - trip[one]).max() < 1e-9


# ---------------------------------------------------------------- contiguous police grids


def tiefeng_police(**over: Any) -> Any:
    sets = [("cadres.police.blocks", "contiguous"), *over.items()]
    return load_scenario(TIEFENG, None, [(k.replace("__", "."), v) for k, v in sets])


def test_contiguous_police_grids_are_one_polygon_each_and_of_six_or_seven_grids():
    sc = tiefeng_police()
    d = build_district(sc)
    assert d.n == 372 and d.n_police_units == 56 == sc.cadres.police.count
    sizes = np.bincount(d.police_unit, minlength=56)
    # 372 grids in 56 police grids: 6.6 grids each on average, so 6 or 7 (5-6 would leave 36+ grids uncovered)
    assert (d.police_unit >= 0).all() and sizes.min() >= 6 and sizes.max() <= 7
    polys = grid_polygons(sc, grid_rows(sc))
    for u in range(56):
        union = shapely.union_all([polys[g] for g in np.flatnonzero(d.police_unit == u)])
        assert union.geom_type == "Polygon", f"police grid {u} is in {len(union.geoms)} pieces"
        assert len(set(d.street[d.police_unit == u].tolist())) == 1, "a police grid crosses a street"
    assert np.array_equal(build_district(tiefeng_police()).police_unit, d.police_unit), "not deterministic"
    assert any("police grids" in w and "synthetic layout" in w for w in sc.measurement_warnings())


@pytest.mark.parametrize("count, lo, hi", [(62, 6, 6), (74, 5, 6), (40, 9, 10)])
def test_contiguous_blocks_of_other_sizes(count, lo, hi):
    """372 grids: 62 police grids of six, 74 of five or six, 40 of nine or ten (8 streets of 46-47 grids)."""
    d = build_district(tiefeng_police(cadres__police__count=count))
    sizes = np.bincount(d.police_unit, minlength=count)
    assert d.n_police_units == count and (d.police_unit >= 0).all()
    assert lo - 1 <= sizes.min() and sizes.max() <= hi + 1


def test_contiguous_blocks_on_real_polygons(tmp_path):
    """A 6 x 5 block of squares in two streets (west, east), 6 police grids: 5 each, one polygon each.
    Neighbours share their corner coordinates exactly, as grids drawn on one map do."""
    xs, ys = 125.0 + SIDE * np.arange(7), 45.0 + SIDE * np.arange(6)
    feats = [{"type": "Feature", "properties": {"id": f"G{x}{y}", "households": 400, "community": f"C{x // 3}",
                                                "street": "W" if x < 3 else "E"},
              "geometry": square(xs[x], ys[y], xs[x + 1], ys[y + 1])} for x in range(6) for y in range(5)]
    (tmp_path / "d.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    data = {"name": "d", "calendar": {"start": "2024-01-01"}, "grids": {"geojson": "d.geojson"},
            "issue_types": {"call": {"rate_per_1000_households_per_week": 4, "service_time": ONE}},
            "cadres": {"police": {"count": 6, "blocks": "contiguous", "types": ["call"]}}}
    sc = build_scenario(data, tmp_path / "d.toml")
    assert not any("synthetic" in w for w in sc.measurement_warnings())
    d = build_district(sc)
    polys = grid_polygons(sc, grid_rows(sc))
    assert sorted(np.bincount(d.police_unit).tolist()) == [5] * 6
    for u in range(6):
        members = np.flatnonzero(d.police_unit == u)
        assert shapely.union_all([polys[g] for g in members]).geom_type == "Polygon"
        assert len(set(d.street[members].tolist())) == 1
        assert d.police_unit[d.police_base[u]] == u


def test_consecutive_blocks_stay_the_default():
    sc = load_scenario(TIEFENG)
    assert sc.cadres.police.blocks == "consecutive"
    d = build_district(sc)
    assert d.centroids is None and d.police_base is None  # no geometry unless the run needs it
    assert np.array_equal(d.police_unit, np.repeat(np.arange(56), [7] * 36 + [6] * 20))


# ---------------------------------------------------------------- bad inputs




@pytest.mark.parametrize("extra, named", [
    ('[dispatch]\ntravel = "distance"\nspeed_kmh = 0', "dispatch.speed_kmh = 0: "),
    ('[dispatch]\ntravel = "distance"\nspeed_kmh = -5', "dispatch.speed_kmh = -5: "),
    ('[dispatch]\ntravel = "distance"\noverhead_hours = -0.1', "dispatch.overhead_hours = -0.1: "),
    ('[dispatch]\nspeed_kmh = 12', 'dispatch.speed_kmh = 12: applies only with travel = "distance"'),
    ('[dispatch]\ntravel = "drawn"\noverhead_hours = 0.2', 'dispatch.overhead_hours = 0.2: applies only with travel = "distance"'),
    ('[dispatch]\ntravel = "walking"', "dispatch.travel = \"walking\""),
    ('[cadres.police]\ntypes = ["request"]\nblocks = "round"', 'cadres.police.blocks = "round"'),
    ('[cadres.police]\ntypes = ["request"]\nblocks = "contiguous"\nunits = [{ grids = ["G1"] }]',
     'cadres.police.blocks = "contiguous": shapes the count blocks; explicit units list their own grids'),
])
def test_bad_travel_and_block_settings_are_refused_with_the_field_named(tmp_path, capsys, extra, named):
    path = tmp_path / "s.toml"
    path.write_text(ONE_GRID + "\n" + extra + "\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert named in err and str(path) in err and "Traceback" not in err, err


def test_distance_settings_are_fine_where_they_apply(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(ONE_GRID + '\n[dispatch]\nrule = "community_pool"\ntravel = "distance"\nspeed_kmh = 12\n'
                    'overhead_hours = 0\ntravel_time = { dist = "fixed", value = 0.5 }\n', encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert 'warning: dispatch.travel = "distance": travel times come from a synthetic layout' in err, err


def test_dispatch_validator_raises_field_errors():
    with pytest.raises(ValidationError) as e:
        Dispatch(speed_kmh=10)
    assert isinstance(e.value.errors()[0]["ctx"]["error"], FieldError)
    assert Dispatch(travel="distance").trip_hours(7.5) == pytest.approx(0.1 + 0.5)
