"""gridsim fit from the command line: --columns names columns the usual headers miss; bad input exits 2 with
a message naming the file, the column or field, the value and what is allowed."""

from __future__ import annotations

import json

import pytest

from fit_export import HEADER, make_export
from sim.cli import main

RENAMED = {"所属网格": "网格名称X", "事件类型": "问题分类"}  # headers no usual name matches


@pytest.fixture(scope="module")
def renamed(tmp_path_factory):
    export = make_export(seed=11, weeks=4)
    text = export.csv_text()
    head, rest = text.split("\r\n", 1)
    assert head == ",".join(HEADER)
    for old, new in RENAMED.items():
        head = head.replace(old, new)
    path = tmp_path_factory.mktemp("cli") / "orders.csv"
    path.write_text(head + "\r\n" + rest, encoding="utf-8")
    return export, path


def test_columns_maps_unusual_headers(renamed, tmp_path, capsys):
    export, path = renamed
    code = main(["fit", str(path), "--out", str(tmp_path / "out"), "--quiet",
                 "--columns", "grid=网格名称X", "--columns", "type=问题分类"])
    assert code == 0, capsys.readouterr().err
    doc = json.loads((tmp_path / "out" / "fit.json").read_text(encoding="utf-8"))
    assert doc["columns"]["grid"] == "网格名称X" and doc["columns"]["type"] == "问题分类"
    assert doc["rows"]["total"] == len(export.rows) and doc["rows"]["refused"] == len(export.refused)
    out = capsys.readouterr()
    assert "results:" in out.out and "households: 300 per grid assumed" in out.err
    assert (tmp_path / "out" / "fitted.toml").is_file() and (tmp_path / "out" / "refused.csv").is_file()
    assert {p.name for p in (tmp_path / "out" / "figures").iterdir()} == {
        "fit-weekly.png", "fit-hourly.png", "fit-times.png"}
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert report.index("## Findings") < report.index("## What records cannot show")
    assert f"{doc['rows']['total']:,} rows read" in report and (tmp_path / "out" / "report.pdf").is_file()
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "out" / "results.xlsx")
    assert book.sheetnames == ["issue types", "times", "grids", "refused", "about"]
    assert book["refused"].max_row == 1 + len(export.refused)
    types = list(book["issue types"].iter_rows(min_row=2, values_only=True))
    assert {r[1] for r in types} == {t["name_in_records"] for t in doc["issue_types"].values()}
    assert sum(r[5] for r in types) == doc["rows"]["used"]
    assert main(["validate", str(tmp_path / "out" / "fitted.toml")]) == 0  # four weeks: some types too few to fit


def test_a_missing_column_says_which_and_what_there_is(renamed, tmp_path, capsys):
    _, path = renamed
    assert main(["fit", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "no column for grid, type" in err and "网格名称X" in err and "--columns" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("args,words", [
    (["--columns", "gird=网格名称X"], ["'gird' is not a field", "fields: id, grid, community"]),
    (["--columns", "grid=网格"], ["--columns grid=网格: no such column", "columns: 工单编号"]),
    (["--columns", "grid"], ["expected FIELD=COLUMN"]),
    (["--sheet", "工单"], ["a CSV file, which has no sheets"]),
    (["--export-time", "2020-01-01"], ["--export-time 2020-01-01 00:00: before the latest time"]),
    (["--out", "/dev/null"], ["--out /dev/null: a file, not a folder"]),
])
def test_bad_options_exit_2(renamed, tmp_path, capsys, args, words):
    _, path = renamed
    extra = [] if args[0] == "--columns" else ["--columns", "grid=网格名称X", "--columns", "type=问题分类"]
    assert main(["fit", str(path), "--out", str(tmp_path / "out"), "--quiet", *args, *extra]) == 2
    err = capsys.readouterr().err
    for w in words:
        assert w in err, err


@pytest.mark.parametrize("name,content,words", [
    ("orders.xlsx", b"not a zip at all", ["not an Excel workbook (.xlsx)"]),
    ("orders.csv", b"\x00\x01\x02binary", ["a binary file, not CSV text"]),
    ("orders.csv", b"id,grid\n\x81\x20\xff\n", ["neither UTF-8 nor GBK"]),
    ("missing.csv", None, ["no such file"]),
    ("empty.csv", b"", ["empty, no header row and no orders"]),
    ("bom.csv", b"\xef\xbb\xbf", ["empty, no header row and no orders"]),
])
def test_a_bad_file_exits_2_naming_it(tmp_path, capsys, name, content, words):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    assert main(["fit", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "Traceback" not in err
    for w in words:
        assert w in err, err
    assert not (tmp_path / "out" / "fit.json").exists()


def test_scenario_gives_grids_and_staffing(renamed, tmp_path, capsys):
    """With --scenario: its grid table's households make the rates, and its staffing is kept (its own issue
    types, which the records do not have, are left out of what names them)."""
    import tomllib

    from fit_export import GRIDS
    from sim.scenario import load_scenario

    grids = ",\n".join(f'{{ id = "{g}", households = {400 + 10 * i}, community = "{c}", street = "{s}" }}'
                       for i, (g, c, s) in enumerate(GRIDS))
    base = tmp_path / "base.toml"
    base.write_text(f"""name = "mine"
[grids]
list = [{grids}]
[issue_types.leak]
rate_per_1000_households_per_week = 1
service_time = 2
level = {{ department = 1 }}
[issue_types.talks]
label_zh = "矛盾纠纷"
rate_per_1000_households_per_week = 1
service_time = 2
level = {{ grid = 0.5, department = 0.5 }}
[cadres.grid_workers]
per_grid = 2
[levels.community]
staff_per_unit = 3
[levels.department.units.water]
staff = 2
types = ["leak"]
[levels.department.units.mediation]
staff = 1
types = ["talks"]
""", encoding="utf-8")
    export, path = renamed
    code = main(["fit", str(path), "--out", str(tmp_path / "out"), "--quiet", "--scenario", str(base),
                 "--columns", "grid=网格名称X", "--columns", "type=问题分类"])
    assert code == 0, capsys.readouterr().err
    assert "households: 300" not in capsys.readouterr().err
    data = tomllib.loads((tmp_path / "out" / "fitted.toml").read_text(encoding="utf-8"))
    assert data["name"] == "mine_fitted"
    assert data["cadres"]["grid_workers"]["per_grid"] == 2 and data["levels"]["community"]["staff_per_unit"] == 3
    assert "water" not in data["levels"]["department"].get("units", {})  # it took only 'leak'
    # the records' 矛盾纠纷 is the scenario's 'talks' (its label_zh), not the usual 'dispute': what names it stays
    assert "talks" in data["issue_types"] and "dispute" not in data["issue_types"]
    # and the unit that took it at the department is dropped: the records never close it there
    assert "mediation" not in data["levels"]["department"].get("units", {})
    households = sum(400 + 10 * i for i in range(len(GRIDS)))
    doc = json.loads((tmp_path / "out" / "fit.json").read_text(encoding="utf-8"))
    sc = load_scenario(tmp_path / "out" / "fitted.toml")
    for key, t in doc["issue_types"].items():
        assert sc.issue_types[key].rate_per_1000_households_per_week * households / 1000 == pytest.approx(
            t["arrivals_per_week"]["mean"], rel=1e-4)


def test_without_accepted_times_the_work_time_is_the_resolution_time(renamed, tmp_path, capsys):
    """No 签收时间 column: no work hours; fitted.toml takes the fitted resolution time as the work time, and
    says so."""
    import csv
    import io
    import tomllib

    _, path = renamed
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    drop = rows[0].index("签收时间")
    lines = [[c for j, c in enumerate(r) if j != drop] for r in rows]
    lines[1][lines[0].index("处置层级")] = ""  # one order with a blank level: used for arrivals, not for levels
    bare = tmp_path / "bare.csv"
    with open(bare, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(lines)
    out = tmp_path / "out"
    assert main(["fit", str(bare), "--out", str(out), "--quiet", "--columns", "grid=网格名称X",
                 "--columns", "type=问题分类"]) == 0
    err = capsys.readouterr().err
    assert "no accepted times; its work time is the fitted resolution time" in err
    doc = json.loads((out / "fit.json").read_text(encoding="utf-8"))
    assert all(not t["work_hours"] for t in doc["issue_types"].values())
    data = tomllib.loads((out / "fitted.toml").read_text(encoding="utf-8"))
    t = doc["issue_types"]["consultation"]
    assert data["issue_types"]["consultation"]["service_time"]["mean"] == pytest.approx(
        t["resolution_hours"]["grid"]["mean"], rel=1e-3)
    used = sum(t["arrivals_per_week"]["count"] for t in doc["issue_types"].values())
    with_level = sum(s["n"] for t in doc["issue_types"].values() for s in t["level_share"].values())
    assert used == doc["rows"]["used"] and with_level == used - 1


def test_a_scenario_without_the_records_grids_exits_2(renamed, tmp_path, capsys):
    base = tmp_path / "other.toml"
    base.write_text('name = "other"\n[grids]\nlist = [{ id = "X1", households = 100 }]\n'
                    '[issue_types.a]\nrate_per_1000_households_per_week = 1\nservice_time = 1\n', encoding="utf-8")
    _, path = renamed
    code = main(["fit", str(path), "--out", str(tmp_path / "out"), "--quiet", "--scenario", str(base),
                 "--columns", "grid=网格名称X", "--columns", "type=问题分类"])
    err = capsys.readouterr().err
    assert code == 2 and "none of the records' 12 grid(s) is in its grid table" in err and "X1" in err
