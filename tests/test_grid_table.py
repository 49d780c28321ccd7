"""A district from a spreadsheet: grid tables as CSV or Excel, the sunk-cadre column, the shipped templates."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook

from sim.cli import main
from sim.model.district import build_district
from sim.model.roster import allocate_sunk
from sim.scenario import ScenarioError, load_scenario, parse_set
from sim.scenario.geometry import feature_collection

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"

ISSUES = """
[issue_types.request]
rate_per_1000_households_per_week = 3
service_time = { dist = "fixed", value = 1 }
"""


def scenario(tmp_path: Path, grids: str, sunk: str = "") -> Path:
    path = tmp_path / "s.toml"
    path.write_text(f'name = "t"\n[grids]\n{grids}\n{ISSUES}\n[cadres.sunk]\n{sunk}\n', encoding="utf-8")
    return path


def workbook(path: Path, rows: list[list], sheet: str = "grids") -> None:
    book = Workbook()
    book.active.title = sheet
    for r in rows:
        book.active.append(r)
    book.save(path)


def message(path: Path, sets: list[str] | None = None) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, None, parse_set(sets))
    return str(info.value)


def test_template_workbook_holds_the_template_csv():
    """The xlsx template is the CSV template, row for row, read by the same loader."""
    base = (TEMPLATES / "district.toml").read_text(encoding="utf-8")
    from_csv = load_scenario(TEMPLATES / "district.toml")
    alt = TEMPLATES / "_xlsx_check.toml"
    try:
        alt.write_text(base.replace('csv = "grids-template.csv"', 'xlsx = "grids-template.xlsx"'), encoding="utf-8")
        from_xlsx = load_scenario(alt)
    finally:
        alt.unlink(missing_ok=True)
    assert from_xlsx.grids.xlsx == "grids-template.xlsx"
    assert from_xlsx.grids.rows == from_csv.grids.rows
    assert from_xlsx.cadres.sunk.per_grid == from_csv.cadres.sunk.per_grid


def test_template_sunk_column_places_cadres_grid_by_grid():
    sc = load_scenario(TEMPLATES / "district.toml")
    with (TEMPLATES / "grids-template.csv").open(encoding="utf-8") as f:
        column = {r["id"]: int(r["sunk_cadres"]) for r in csv.DictReader(f)}
    assert sc.cadres.sunk.count == sum(column.values())
    homes = allocate_sunk(sc, d := build_district(sc))
    assert dict(zip(d.ids, np.bincount(homes, minlength=d.n).tolist())) == column


def test_template_has_real_names_and_every_policy_loads():
    sc = load_scenario(TEMPLATES / "district.toml")
    streets = {r.street for r in sc.grids.rows}
    assert len(streets) >= 2 and all(s.endswith("街道") for s in streets)
    assert all(r.community.endswith("社区") for r in sc.grids.rows)
    for policy in sc.policies:
        assert load_scenario(TEMPLATES / "district.toml", policy).policy == policy


def test_another_number_needs_another_allocation():
    path = TEMPLATES / "district.toml"
    assert "sum of the grid table's sunk_cadres column (47)" in message(path, ["cadres.sunk.count=64"])
    sc = load_scenario(path, None, parse_set(["cadres.sunk.allocation=households", "cadres.sunk.count=64"]))
    assert sc.cadres.sunk.per_grid is None and sc.cadres.sunk.count == 64


def test_table_allocation_without_the_column(tmp_path):
    (tmp_path / "g.csv").write_text("id,households,sunk\nA,300,2\n", encoding="utf-8")
    msg = message(scenario(tmp_path, 'csv = "g.csv"', 'allocation = "table"'))
    assert "cadres.sunk.allocation = \"table\"" in msg and "csv = 'g.csv' gives none" in msg


def test_empty_sunk_cell_is_none(tmp_path):
    (tmp_path / "g.csv").write_text("id,households,sunk_cadres\nA,300,2\nB,200,\n", encoding="utf-8")
    sc = load_scenario(scenario(tmp_path, 'csv = "g.csv"', 'allocation = "table"'))
    assert sc.cadres.sunk.per_grid == {"A": 2, "B": 0}


def test_column_is_ignored_unless_asked_and_the_user_is_told(tmp_path):
    """Without allocation = "table" the scenario's own count and rule place the cadres, with a warning."""
    (tmp_path / "g.csv").write_text("id,households,sunk_cadres\nA,300,2\nB,200,5\n", encoding="utf-8")
    sc = load_scenario(scenario(tmp_path, 'csv = "g.csv"', "count = 4"))
    assert sc.cadres.sunk.per_grid is None and sc.cadres.sunk.count == 4
    assert any("sunk_cadres column (7 cadres) is not used" in w and 'allocation = "table"' in w
               for w in sc.measurement_warnings())
    used = load_scenario(scenario(tmp_path, 'csv = "g.csv"', 'allocation = "table"'))
    assert not any("sunk_cadres" in w for w in used.measurement_warnings())


def test_workbook_numbers_blank_rows_and_a_header_lower_down(tmp_path):
    """Excel stores 420 as 420.0 and keeps blank rows; a title row above the header is skipped too."""
    workbook(tmp_path / "g.xlsx", [[], ["id", "households", "community", "sunk_cadres"], ["A", 420.0, "东风社区", 2],
                                   [None, None, None, None], [101, 380, "东风社区", None]])
    sc = load_scenario(scenario(tmp_path, 'xlsx = "g.xlsx"', 'allocation = "table"'))
    assert [(r.id, r.households, r.community) for r in sc.grids.rows] == [("A", 420, "东风社区"), ("101", 380, "东风社区")]
    assert sc.cadres.sunk.per_grid == {"A": 2, "101": 0}


def test_workbook_errors_name_file_sheet_row_and_value(tmp_path):
    workbook(tmp_path / "g.xlsx", [["id", "households"], ["A", 420], ["B", "many"]], sheet="网格")
    msg = message(scenario(tmp_path, 'xlsx = "g.xlsx"'))
    assert 'grids.xlsx = "g.xlsx"' in msg and 'row 3: households = "many": must be a valid integer' in msg
    msg = message(scenario(tmp_path, 'xlsx = "g.xlsx"\nsheet = "grids"'))
    assert 'grids.sheet = "grids": ' in msg and "sheets: 网格" in msg
    shutil.copy(TEMPLATES / "grids-template.csv", tmp_path / "renamed.xlsx")
    msg = message(scenario(tmp_path, 'xlsx = "renamed.xlsx"'))
    assert "not an Excel workbook (.xlsx)" in msg and "CSV UTF-8" in msg


def test_sheet_only_with_a_workbook(tmp_path):
    (tmp_path / "g.csv").write_text("id,households\nA,300\n", encoding="utf-8")
    assert 'grids.sheet = "x": names a workbook\'s sheet' in message(scenario(tmp_path, 'csv = "g.csv"\nsheet = "x"'))


def test_workbook_missing_column_lists_what_it_has(tmp_path):
    workbook(tmp_path / "g.xlsx", [["编号", "households"], ["A", 420]])
    msg = message(scenario(tmp_path, 'xlsx = "g.xlsx"'))
    assert "lacks column(s) id" in msg and "has: 编号, households" in msg and "sheet" not in msg.split("lacks")[0][-10:]


def test_geojson_keeps_the_sunk_column():
    """``gridsim map`` writes sunk_cadres into the GeoJSON, and reading it back gives the same allocation."""
    sc = load_scenario(TEMPLATES / "district.toml")
    square = {"type": "Polygon", "coordinates": [[[0, 0], [0.01, 0], [0.01, 0.01], [0, 0.01], [0, 0]]]}
    fc = feature_collection(sc.grids.rows, [square] * len(sc.grids.rows))
    assert [f["properties"]["sunk_cadres"] for f in fc["features"]] == [r.sunk_cadres for r in sc.grids.rows]


def test_validate_from_the_command_line_exits_2_on_a_bad_workbook(tmp_path, capsys):
    workbook(tmp_path / "g.xlsx", [["id", "households"], ["A", -3]])
    assert main(["validate", str(scenario(tmp_path, 'xlsx = "g.xlsx"'))]) == 2
    assert 'row 2: households = "-3": must be greater than or equal to 1' in capsys.readouterr().err
    assert main(["validate", str(TEMPLATES / "district.toml")]) == 0
    assert "sunk cadres: 47, allocation grid by grid" in capsys.readouterr().out


def test_results_folder_keeps_the_grid_table_and_reruns_alone(tmp_path, capsys):
    """The workbook is copied beside scenario.resolved.toml: the folder validates and reports on its own."""
    src = tmp_path / "district"
    src.mkdir()
    shutil.copy(TEMPLATES / "grids-template.xlsx", src)
    text = (TEMPLATES / "district.toml").read_text(encoding="utf-8")
    (src / "d.toml").write_text(text.replace('csv = "grids-template.csv"', 'xlsx = "grids-template.xlsx"'), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(src / "d.toml"), "--replications", "2", "--quiet", "--workers", "1", "--out", str(out),
                 "--set", "calendar.horizon_days=60"]) == 0
    assert (out / "grids-template.xlsx").read_bytes() == (src / "grids-template.xlsx").read_bytes()
    shutil.rmtree(src)  # the folder alone
    assert main(["validate", str(out / "scenario.resolved.toml")]) == 0
    assert "sunk cadres: 47, allocation grid by grid" in capsys.readouterr().out
    assert main(["report", str(out), "--lang", "en"]) == 0
    assert "16 grids; 1 grid worker per grid; 47 sunk cadres on Wed." in (out / "report.md").read_text(encoding="utf-8")


def test_english_figures_draw_chinese_place_names():
    """Street and community names in Chinese render in English figures too (CJK fallback font), without
    missing-glyph warnings; PDFs then embed fonts as Type 3, the only embedding that keeps CJK glyphs."""
    import warnings

    from sim.outputs.fonts import CJK_FAMILY
    from sim.outputs.plots.style import pyplot_styled

    plt = pyplot_styled("en")
    assert list(plt.rcParams["font.family"]) == ["DejaVu Sans", CJK_FAMILY] and plt.rcParams["pdf.fonttype"] == 3
    fig, ax = plt.subplots()
    ax.set_title("coverage, 城关街道 东风社区")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is a UserWarning
        fig.canvas.draw()
    plt.close(fig)
