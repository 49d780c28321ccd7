"""The report: findings in words that the numbers support, in English and Chinese, the grids to act on, both
languages side by side, and PDFs whose Chinese text is drawn (not garbled)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

import sim
from sim.cli import main
from sim.outputs.numbers import format_ci, format_diff, format_value
from sim.outputs.plots import Folder
from sim.outputs.plots.style import PlotError, cjk_font
from sim.outputs.report import build, write_report
from sim.outputs.report.document import Table
from sim.outputs.report.findings import compare_findings, run_findings, sweep_findings

ROOT = Path(__file__).resolve().parent.parent
BAOTA = ROOT / "scenarios" / "baota.toml"
SHORT = [("calendar.horizon_days", 60)]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    base = tmp_path_factory.mktemp("report")
    common = dict(overrides=SHORT, workers=1, quiet=True)
    sim.run(BAOTA, "baseline", replications=1, out=base / "run", **common)
    sim.compare(BAOTA, ["baseline", "by_households"], replications=2, out=base / "compare", **common)
    sim.sweep(BAOTA, ["cadres.sunk.count=400:1200:400"], replications=2, out=base / "sweep", **common)
    return base


def has_cjk() -> bool:
    try:
        cjk_font()
    except PlotError:
        return False
    return True


def test_compare_findings_name_the_better_policy_in_the_better_direction(folders):
    f = Folder.load(folders / "compare")
    d = f.summary["differences"]["by_households"]["metrics"]["coverage_min_grid"]
    assert d["ci95"][0] > 0  # allocating by households lifts the worst grid (README), distinguishable here
    en = " ".join(compare_findings(f, "en"))
    assert "On worst grid's share of households visited within the interval, **by households** does best" in en
    assert format_diff("coverage_min_grid", d["mean"], *d["ci95"], True) + " against baseline" in en
    zh = " ".join(compare_findings(f, "zh"))
    assert "在最差网格周期内入户走访覆盖率上，**按户数分配**最优" in zh


def test_compare_findings_say_nothing_the_intervals_do_not_support(folders):
    f = Folder.load(folders / "compare")
    f.summary = copy.deepcopy(f.summary)
    for d in f.summary["differences"]["by_households"]["metrics"].values():
        if d.get("mean") is not None:
            d["ci95"] = [d["mean"] - 1e9, d["mean"] + 1e9]  # every paired CI now includes zero
    text = " ".join(compare_findings(f, "en"))
    assert "does best" not in text
    assert "the policies cannot be told apart" in text and "worst grid's share of households visited within the interval" in text


def test_run_findings_set_the_numbers_against_the_published_figures(folders):
    f = Folder.load(folders / "run")
    m = f.summary["metrics"]["completion_rate_reported"]
    f.scenario = copy.deepcopy(f.scenario)
    f.scenario["targets"] = [{"metric": "completion_rate_reported", "value": m["mean"], "tolerance": 0.01},
                             {"metric": "backlog_mean", "value": 1e6, "tolerance": 0.1}]
    text = " ".join(run_findings(f, "en"))
    assert f"{format_ci('completion_rate_reported', m['mean'], *m['ci95'])}, consistent with the published" in text
    assert "below the published 1,000,000 issues by more than its ±10%" in text
    zh = " ".join(run_findings(f, "zh"))
    assert "与公开数字" in zh and "低于公开数字" in zh


def test_run_findings_and_grids_to_act_on_name_the_worst_grid(folders):
    """With one replication, the worst grid's coverage is the run's coverage_min_grid exactly."""
    f = Folder.load(folders / "run")
    worst = f.summary["metrics"]["coverage_min_grid"]["mean"]
    doc = build(folders / "run", "en")
    tables = [b for b in doc.blocks if isinstance(b, Table)]
    grids = next(t for t in tables if t.head[0] == "why")
    first = grids.rows[0]
    assert first[0] == "lowest coverage" and first[5] == format_value("coverage_mean", worst)
    covered = [float(r[5].rstrip("%")) for r in grids.rows if r[0] == "lowest coverage"]
    assert covered == sorted(covered)
    assert f"(grid {first[1]}, {first[2]}, {first[3]})" in " ".join(run_findings(f, "en"))


def test_sweep_findings_name_the_cheapest_point_meeting_the_targets(folders):
    f = Folder.load(folders / "sweep")
    points = f.summary["points"]
    target = ("coverage_mean", ">=", sorted(p["metrics"]["coverage_mean"]["mean"] for p in points.values())[1])
    meeting = [p for p in points.values() if p["metrics"]["coverage_mean"]["mean"] >= target[2]]
    cheapest = min(meeting, key=lambda p: p["metrics"]["cadre_hours_on_duty"]["mean"])
    text = " ".join(sweep_findings(f, "en", [target]))
    assert f"{len(meeting)} of {len(points)} design points meet every target" in text
    assert f"the one with the least cadre time is sunk cadres {cheapest['params']['cadres.sunk.count']}," in text
    nothing = " ".join(sweep_findings(f, "en", [("coverage_mean", ">=", 2.0)]))
    assert "No design point meets every target" in nothing


def test_report_both_languages_side_by_side(folders, capsys):
    if not has_cjk():
        pytest.skip("no CJK font installed on this machine; 'make setup' installs one as root")
    for kind in ("run", "compare", "sweep"):
        assert main(["report", str(folders / kind), "--lang", "both"]) == 0
        out = folders / kind
        en, zh = (out / "report.md").read_text(), (out / "report.zh.md").read_text()
        assert en.index("## Findings") < en.index("## Scenario") < en.index("## Method")
        assert zh.index("## 结论") < zh.index("## 情景") < zh.index("## 方法")
        findings = zh[zh.index("## 结论"):zh.index("## 情景")]
        assert not re.search(r"\b[a-z]+_[a-z_]+\b|cadres\.sunk", findings), findings  # no identifiers, no dotted keys
        for pdf in (out / "report.pdf", out / "report.zh.pdf"):
            pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
            assert 1 <= pages <= 3, (pdf, pages)
        # CJK fonts are OpenType/CFF collections: embedded as Type 42 their glyphs print as garbage
        assert b"/Type3" in (out / "report.zh.pdf").read_bytes()
    design = (folders / "sweep" / "report.md").read_text()
    assert "Design: full factorial over sunk cadres (400, 800 and 1200): 3 points" in design
    assert "W+e+d" not in design


def test_report_zh_without_a_cjk_font_is_bad_input_and_both_keeps_english(folders, monkeypatch, capsys):
    import sim.outputs.plots.style as style

    monkeypatch.setattr(style, "CJK_FAMILIES", ("No Such Font",))
    assert main(["report", str(folders / "run"), "--lang", "zh"]) == 2
    assert "CJK font" in capsys.readouterr().err
    assert main(["report", str(folders / "run"), "--lang", "both"]) == 0
    assert "no zh report" in capsys.readouterr().out


def test_same_value_in_every_replication_prints_alone():
    assert format_ci("cadre_hours_on_duty", 800.0, 800.0, 800.0) == "100 cadre-days"
    assert format_diff("cadre_hours_on_duty", 80.0, 80.0, 80.0, True) == "+10.0 cadre-days"
    assert format_ci("resolution_hours_mean", 8.0, 7.0, 9.0) == "8 h [7, 9]"


def test_write_report_keeps_its_english_names(folders):
    md, pdf = write_report(folders / "run")
    assert (md.name, pdf.name) == ("report.md", "report.pdf")
