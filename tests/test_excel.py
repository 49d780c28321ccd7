"""results.xlsx from real (tiny) run, compare and sweep folders: the same numbers as the files, as numbers."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

import sim
from sim.outputs.excel import WorkbookError, write_workbook

openpyxl = pytest.importorskip("openpyxl")

ROOT = Path(__file__).resolve().parent.parent
BAOTA = ROOT / "scenarios" / "baota.toml"
TINY = [("calendar.horizon_days", 21), ("calendar.warmup_days", 7), ("grids.generate.count", 12),
        ("grids.generate.communities", 4), ("grids.generate.streets", 2), ("cadres.sunk.count", 24)]
SHEETS = {"run": ["summary", "grids", "areas", "replications", "about"],
          "compare": ["summary", "comparison", "grids", "areas", "replications", "about"],
          "sweep": ["summary", "points", "grids", "areas", "replications", "about"]}


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("excel")
    common = dict(overrides=TINY, workers=1, quiet=True)
    sim.run(BAOTA, "baseline", replications=2, out=base / "run", **common)
    sim.compare(BAOTA, ["baseline", "two_days"], replications=2, out=base / "compare", **common)
    sim.sweep(BAOTA, ["cadres.sunk.count=12:24:12", "cadres.sunk.service_days=Wed,Mon+Thu"], replications=1,
              out=base / "sweep", **common)
    return base


def rows(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def stored(metric: str, x: float | None) -> float | None:
    """The workbook keeps every metric as stored: it names them by their identifiers, so in the units they say."""
    return x


@pytest.mark.parametrize("kind", ["run", "compare", "sweep"])
def test_sheets_and_layout(folders, kind):
    path = write_workbook(folders / kind)
    assert path == folders / kind / "results.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == SHEETS[kind]
    for ws in wb:
        assert ws.freeze_panes == "A2", ws.title
        assert all(ws.column_dimensions[c.column_letter].width >= 8 for c in ws[1]), ws.title
        assert all(isinstance(c.value, str) and c.value for c in ws[1]), ws.title
    assert not list((folders / kind).glob("*.tmp")) and not list((folders / kind).glob(".*.tmp"))


@pytest.mark.parametrize("kind", ["run", "compare", "sweep"])
def test_summary_equals_summary_json(folders, kind):
    doc = json.loads((folders / kind / "summary.json").read_text())["metrics"]
    ws = openpyxl.load_workbook(write_workbook(folders / kind))["summary"]
    table = rows(ws)
    assert table[0][:7] == ["metric", "label", "unit", "mean", "CI low (95%)", "CI high (95%)", "n (replications)"]
    assert [r[0] for r in table[1:]] == list(doc)
    for name, label, unit, mean, lo, hi, n, better in table[1:]:
        m = doc[name]
        assert (mean, lo, hi, n) == (stored(name, m["mean"]), stored(name, m["ci95"][0]), stored(name, m["ci95"][1]),
                                     m["n"]), name
        assert "_" not in label and better in ("higher is better", "lower is better", "neither")
    units = {r[0]: r[2] for r in table[1:]}
    assert units["resolution_hours_p90"] == "h" and units["cadre_hours_on_duty"] == "cadre-hours"
    assert units["coverage_mean"] == "%"
    for row in ws.iter_rows(min_row=2):
        for c in row[3:7]:
            assert c.value is None or c.data_type == "n", (c.coordinate, c.value)
    cov = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "coverage_mean")
    assert cov[3].number_format.endswith("%")


@pytest.mark.parametrize("kind", ["run", "compare", "sweep"])
def test_replications_equal_the_csv(folders, kind):
    with (folders / kind / "replications.csv").open() as fh:
        csv_rows = list(csv.reader(fh))
    head = csv_rows[0]
    table = rows(openpyxl.load_workbook(write_workbook(folders / kind))["replications"])
    assert len(table) == len(csv_rows)
    first_metric = head.index("issues_arrived")
    for ours, theirs in zip(table[1:], csv_rows[1:]):
        assert ours[head.index("replication")] == int(theirs[head.index("replication")])
        for j in range(first_metric, len(head)):
            want = None if theirs[j] == "" else stored(head[j], float(theirs[j]))
            assert ours[j] == want, (head[j], ours[j], theirs[j])
            assert ours[j] is None or isinstance(ours[j], (int, float))
    assert table[0][first_metric] == "issues that occurred (issues)"


def test_comparison_sheet(folders):
    doc = json.loads((folders / "compare" / "summary.json").read_text())
    table = rows(openpyxl.load_workbook(write_workbook(folders / "compare"))["comparison"])
    head = table[0]
    assert head[3] == "policy" and head[8] == "difference from reference"
    got = {(r[0], r[3]): r for r in table[1:]}
    d = doc["differences"]["two_days"]["metrics"]["resolution_hours_mean"]
    row = got[("resolution_hours_mean", "two days a week")]
    assert row[8:11] == [d["mean"], *d["ci95"]]
    assert row[11] == ("yes" if d["ci95"][0] > 0 or d["ci95"][1] < 0 else "no")
    assert got[("resolution_hours_mean", "baseline")][8] is None  # the reference has no difference
    ref = doc["by_policy"]["baseline"]["metrics"]["cadre_hours_on_duty"]
    assert got[("cadre_hours_on_duty", "baseline")][4] == ref["mean"]  # cadre-hours, as its name says
    # a difference of shares: percentage points, with that unit in the cell's format (never %)
    c = doc["differences"]["two_days"]["metrics"]["coverage_mean"]
    assert got[("coverage_mean", "two days a week")][8] == pytest.approx(100 * c["mean"], rel=1e-12)
    ws = openpyxl.load_workbook(folders / "compare" / "results.xlsx")["comparison"]
    cell = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "coverage_mean" and r[8].value is not None)[8]
    assert '"percentage points"' in cell.number_format and "%" not in cell.number_format


def test_points_sheet(folders):
    doc = json.loads((folders / "sweep" / "summary.json").read_text())
    table = rows(openpyxl.load_workbook(write_workbook(folders / "sweep"))["points"])
    assert table[0][:3] == ["point", "sunk cadres", "service days"]
    assert [r[0] for r in table[1:]] == list(doc["points"])
    assert {r[2] for r in table[1:]} == {"Wed", "Mon+Thu"} and {r[1] for r in table[1:]} == {12, 24}
    col = table[0].index("p90 resolution time (h): mean")
    for r in table[1:]:
        assert r[col] == doc["points"][r[0]]["metrics"]["resolution_hours_p90"]["mean"]


def test_grids_sheet_worst_coverage_first(folders):
    table = rows(openpyxl.load_workbook(write_workbook(folders / "run"))["grids"])
    head = table[0]
    assert head[:4] == ["grid", "community", "street", "households"]
    assert head[4:6] == ["share of households visited within the interval (%)", "p90 resolution time (h)"]
    assert len(table) - 1 == 12
    cov = [r[4] for r in table[1:]]
    assert cov == sorted(cov) and all(0 <= c <= 1 for c in cov)
    series = [json.loads(p.read_text())["grid_coverage"] for p in sorted((folders / "run" / "runs").rglob("*.series.json"))]
    with (folders / "run" / "grids.csv").open() as fh:
        ids = [r["grid"] for r in csv.DictReader(fh)]
    worst = ids.index(table[1][0])
    assert table[1][4] == pytest.approx(sum(s[worst] for s in series) / len(series), rel=1e-12)
    compare = rows(openpyxl.load_workbook(write_workbook(folders / "compare"))["grids"])
    assert compare[0][0] == "policy" and len(compare) - 1 == 24
    sweep = rows(openpyxl.load_workbook(write_workbook(folders / "sweep"))["grids"])
    assert sweep[0] == ["grid", "community", "street", "households"] and len(sweep) - 1 == 12


def test_about_sheet(folders):
    about = dict(rows(openpyxl.load_workbook(write_workbook(folders / "compare"))["about"])[1:])
    doc = json.loads((folders / "compare" / "summary.json").read_text())
    assert about["scenario"] == "baota" and about["root seed"] == doc["seeds"]["root"]
    assert about["gridsim version"] == sim.__version__
    assert about["command (as reconstructed)"].startswith("gridsim compare ")
    assert "--policies baseline,two_days" in about["command (as reconstructed)"]
    assert about["reference policy"] == "baseline"


def test_chinese_workbook_sits_beside_the_english_one(folders):
    en = write_workbook(folders / "compare")
    before = en.read_bytes()
    zh = write_workbook(folders / "compare", "zh")
    assert zh.name == "results.zh.xlsx" and en.read_bytes() == before
    wb = openpyxl.load_workbook(zh)
    assert wb.sheetnames == SHEETS["compare"]
    assert rows(wb["summary"])[0] == ["指标", "名称", "单位", "均值", "95%置信区间下限", "95%置信区间上限", "重复次数", "更优方向"]
    labels = {r[0]: (r[1], r[2]) for r in rows(wb["summary"])[1:]}
    assert labels["completion_rate_reported"] == ("办结率", "%")
    assert labels["resolution_hours_mean"] == ("平均办理时长", "小时")
    assert labels["cadre_hours_on_duty"][1] == "人时"  # cadre-hours, as the identifier beside it says
    assert "平均办理时长（小时）" in rows(wb["replications"])[0]
    assert rows(wb["about"])[0] == ["项目", "内容"]
    about = {r[0]: r[1] for r in rows(wb["about"])[1:]}
    assert about["比较方案"] == "现行方案、每周两天"  # Chinese enumeration, the scenario's label_zh
    # summary.json records the seeding as English text: the Chinese workbook says it in Chinese
    assert "共同随机数" in about["随机种子设置"] and "replication" not in about["随机种子设置"]


def test_not_a_results_folder(tmp_path):
    with pytest.raises(WorkbookError, match="summary.json"):
        write_workbook(tmp_path)
    with pytest.raises(WorkbookError, match="allowed: en, zh"):
        write_workbook(tmp_path, "fr")


def test_numbers_never_text(folders):
    wb = openpyxl.load_workbook(write_workbook(folders / "sweep"))
    for name in ("summary", "points", "replications"):
        for row in wb[name].iter_rows(min_row=2):
            for c in row:
                if isinstance(c.value, str):
                    assert not _numeric_text(c.value), (name, c.coordinate, c.value)


def _numeric_text(s: str) -> bool:
    try:
        return math.isfinite(float(s))
    except ValueError:
        return False


@pytest.mark.parametrize("kind", ["run", "compare", "sweep"])
def test_every_command_writes_the_workbook_itself(folders, kind):
    """sim.run / compare / sweep (and the command line over them) leave results.xlsx in the folder."""
    assert openpyxl.load_workbook(folders / kind / "results.xlsx").sheetnames == SHEETS[kind]


def test_lang_both_writes_the_chinese_workbook_beside(tmp_path):
    from sim.cli import main

    out = tmp_path / "r"
    assert main(["run", str(BAOTA), "--replications", "1", "--workers", "1", "--quiet", "--lang", "both",
                 "--out", str(out), *[f"--set={k}={v}" for k, v in TINY]]) == 0
    en, zh = openpyxl.load_workbook(out / "results.xlsx"), openpyxl.load_workbook(out / "results.zh.xlsx")
    assert en["summary"]["A1"].value == "metric" and zh["summary"]["A1"].value != "metric"


def test_the_reconstructed_command_of_a_history_match_and_an_ensemble_reruns_the_same_options():
    """Parsed back by gridsim's own parser, the about sheet's line gives what the folder's command was asked: the
    points per wave (default 40 otherwise), the --vary as typed, and compare/optimize's --ensemble, size and share."""
    import shlex

    from sim.cli import _parser
    from sim.outputs.excel import _command_line

    vary = ["issue_types.request.service_time.mean=0.5:1.5"]
    s = {"command": "calibrate", "scenario_file": "t.toml", "replications": 2, "seeds": {"root": 1},
         "history_match": {"vary": {"issue_types.request.service_time.mean": [0.5, 1.5]}, "waves": [{}], "cutoff": 2.5,
                           "rule": "second"}}
    c = {"history_match": {"vary": vary, "waves": 2, "runs_per_wave": 10, "policy": "p"}}
    a = _parser().parse_args(shlex.split(_command_line(s, c))[1:])
    assert (a.vary, a.waves, a.runs_per_wave, a.cutoff, a.rule, a.policy) == (vary, 2, 10, 2.5, "second", "p")
    e = {"file": "/x/plausible.csv", "size": 3, "sets": []}
    cmp_ = {"command": "compare", "scenario_file": "t.toml", "policies": ["a", "b"], "replications": 2,
            "seeds": {"root": 1}, "ensemble": e}
    a = _parser().parse_args(shlex.split(_command_line(cmp_, {}))[1:])
    assert (a.ensemble, a.ensemble_size, a.policies) == ("/x/plausible.csv", 3, "a,b")
    opt = {"command": "optimize", "scenario_file": "t.toml", "replications": 3, "seeds": {"root": 1},
           "optimum": {"ensemble": {**e, "share": 0.5}}}
    c = {"optimize": {"levers": ["cadres.grid_workers.per_grid=8:14:1"], "targets": ["wait_hours_mean<=0.3"],
                      "cost": "cadre_hours_on_duty"}}
    a = _parser().parse_args(shlex.split(_command_line(opt, c))[1:])
    assert (a.ensemble, a.ensemble_size, a.ensemble_share) == ("/x/plausible.csv", 3, 0.5)
