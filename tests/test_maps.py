"""Choropleth maps, drawn from results folders only (real polygons, or the synthetic district)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import sim
from sim.cli import main
from sim.outputs.geo import folder_district
from sim.outputs.plots import plot_folder
from sim.scenario import dump_toml, read_toml

ROOT = Path(__file__).resolve().parent.parent
BAOTA = ROOT / "scenarios" / "baota.toml"
SMALL = [("calendar.horizon_days", 60), ("grids.generate.count", 40), ("grids.generate.communities", 8),
         ("grids.generate.streets", 3)]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    base = tmp_path_factory.mktemp("maps")
    common = dict(workers=1, quiet=True)
    sim.run(BAOTA, "baseline", replications=2, out=base / "run", overrides=SMALL, **common)
    sim.compare(BAOTA, ["baseline", "by_households"], replications=2, out=base / "compare", overrides=SMALL, **common)
    # the same district with real polygons: the synthetic one written by `gridsim map`, read back as GeoJSON
    geo = base / "geo"
    geo.mkdir()
    assert main(["map", str(BAOTA), *[f"--set={k}={v}" for k, v in SMALL], "--out", str(geo / "district.geojson")]) == 0
    data = read_toml(BAOTA)
    data["grids"] = {"geojson": "district.geojson"}
    (geo / "s.toml").write_text(dump_toml(data), encoding="utf-8")
    sim.run(geo / "s.toml", "baseline", replications=1, out=base / "real", overrides=SMALL[:1], **common)
    return base


@pytest.fixture
def no_model(monkeypatch):
    import sim.model.simulation as model

    monkeypatch.setattr(model.Simulation, "run", lambda self: pytest.fail("a map re-ran the model"))


def test_run_maps_are_drawn_from_the_folder(folders, no_model):
    names = {p.name for p in plot_folder(folders / "run")}
    assert {"map-coverage.png", "map-resolution_p90.png"} <= names
    assert (folders / "run" / "figures" / "map-coverage.png").stat().st_size > 10_000


def test_compare_maps_share_a_scale_and_show_differences(folders, no_model):
    names = {p.name for p in plot_folder(folders / "compare")}
    assert {"map-coverage.png", "map-coverage-difference.png", "map-resolution_p90.png",
            "map-resolution_p90-difference.png"} <= names
    assert not any(n.startswith("map-coverage-baseline") for n in names)  # one figure per metric, panels per policy


def test_maps_in_chinese(folders, no_model):
    assert "map-coverage.zh.svg" in {p.name for p in plot_folder(folders / "run", "svg", "zh")}
    assert "入户走访覆盖率" in (folders / "run" / "figures" / "map-coverage.zh.svg").read_text(encoding="utf-8")


def test_the_synthetic_district_of_a_folder_is_that_of_gridsim_map(folders):
    d = folder_district(folders / "run", read_toml(folders / "run" / "scenario.resolved.toml"))
    assert d is not None and not d.real and len(d.ids) == 40
    doc = json.loads((folders / "geo" / "district.geojson").read_text(encoding="utf-8"))
    from shapely.geometry import shape

    for poly, f in zip(d.polygons, doc["features"]):
        assert poly.equals(shape(f["geometry"]))


def test_real_polygons_are_found_in_the_folder_or_beside_the_scenario(folders, tmp_path, capsys, no_model):
    scenario = read_toml(folders / "real" / "scenario.resolved.toml")
    kept = folders / "real" / "district.geojson"  # the run copied the scenario's GeoJSON into its folder
    assert kept.read_bytes() == (folders / "geo" / "district.geojson").read_bytes()
    assert "map-coverage.png" in {p.name for p in plot_folder(folders / "real")}
    moved = tmp_path / "real"
    shutil.copytree(folders / "real", moved)
    json.dump({**json.loads((moved / "command.json").read_text()), "scenario_file": str(tmp_path / "gone.toml")},
              (moved / "command.json").open("w"))
    assert folder_district(moved, scenario).real  # the folder is self-contained
    (moved / "district.geojson").unlink()
    d = folder_district(moved, scenario)
    assert not d.real and "maps drawn on a synthetic layout" in capsys.readouterr().err
    json.dump({**json.loads((moved / "command.json").read_text()), "scenario_file": str(folders / "geo" / "s.toml")},
              (moved / "command.json").open("w"))
    assert folder_district(moved, scenario).real  # else beside the scenario file command.json names


def test_a_sweep_has_no_maps(folders):
    assert folder_district(folders / "run" / "figures", {}) is None  # no grids.csv: no maps


def test_reports_show_the_most_telling_map(folders, no_model):
    from sim.outputs.report import write_report

    for name, figure in (("run", "map-coverage"), ("compare", "map-coverage-difference")):
        md, _ = write_report(folders / name)
        assert f"![{figure}](figures/{figure}.png)" in md.read_text()


def test_grid_differences_mark_grids_not_told_apart_from_zero():
    """Hand-worked: grid 0 differs by 1 in every replication (CI [1, 1]); grid 1 by 0, 1, 2 (mean 1, sd 1,
    t(0.975, 2) = 4.303, half-width 4.303/√3 = 2.48: includes zero); grid 2 by 0, -1, 1. Replication 3 ran for b
    only, so it is not paired."""
    from sim.outputs.plots.maps import grid_differences

    a = {0: {"k": [1, 5, 2]}, 1: {"k": [1, 6, 2]}, 2: {"k": [1, 7, 2]}}
    b = {0: {"k": [0, 5, 2]}, 1: {"k": [0, 5, 3]}, 2: {"k": [0, 5, 1]}, 3: {"k": [9, 9, 9]}}
    mean, unclear, n = grid_differences(a, b, "k")
    assert n == 3
    assert mean.tolist() == pytest.approx([1.0, 1.0, 0.0])
    assert unclear.tolist() == [False, True, True]
    _, one, _ = grid_differences({0: {"k": [3.0]}}, {0: {"k": [1.0]}}, "k")
    assert one.tolist() == [True]  # one replication: no interval, so nothing is shown as distinguishable


def test_differences_figure_shows_the_worst_grid(folders, no_model, monkeypatch):
    import sim.outputs.plots.compare as compare

    seen = {}
    real = compare.differences_figure
    monkeypatch.setattr(compare, "differences_figure", lambda fg, metrics: (seen.setdefault("m", metrics), real(fg, metrics)))
    plot_folder(folders / "compare")
    assert "coverage_min_grid" in seen["m"] and "coverage_mean" in seen["m"]
