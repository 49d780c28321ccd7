"""The report: findings in words that the numbers support, in English and Chinese, the grids to act on, the
streets and communities worst first, both languages side by side, and A4 PDFs typeset by Typst whose text (read
back from the PDF) is what the document says, Chinese included."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import openpyxl

import pytest

import sim
from sim.cli import main
from sim.outputs.numbers import format_ci, format_diff, format_value
from sim.outputs.plots import Folder
from sim.outputs.report import build, write_report
from sim.outputs.areas import areas
from sim.outputs.excel import write_workbook
from sim.outputs.fonts import FontError
from sim.outputs.grid_table import GridRow
from sim.outputs.plots.maps import fitted
from sim.outputs.report.document import Bullets, Document, Heading, Paragraph, Table, markdown
from sim.outputs.report.findings import compare_findings, run_findings, sweep_findings
from sim.outputs.report.pdf import TEXT_WIDTH_PT, source, table_parts, write_pdf
from sim.outputs.report.sections import scenario_lines, staffing
from tests.pdftext import read_pdf

ROOT = Path(__file__).resolve().parent.parent
BAOTA = ROOT / "scenarios" / "baota.toml"
SHORT = [("calendar.horizon_days", 60)]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    base = tmp_path_factory.mktemp("report")
    common = dict(overrides=SHORT, workers=1, quiet=True)
    sim.run(BAOTA, "baseline", replications=1, out=base / "run", **common)
    sim.run(BAOTA, "staggered_days", replications=1, out=base / "policy", **common)
    sim.compare(BAOTA, ["baseline", "by_households"], replications=2, out=base / "compare", **common)
    sim.sweep(BAOTA, ["cadres.sunk.count=400:1200:400"], replications=2, out=base / "sweep", **common)
    return base


def test_compare_findings_name_the_better_policy_in_the_better_direction(folders):
    f = Folder.load(folders / "compare")
    d = f.summary["differences"]["by_households"]["metrics"]["coverage_min_grid"]
    assert d["ci95"][0] > 0  # allocating by households lifts the worst grid (README), distinguishable here
    en = " ".join(compare_findings(f, "en"))
    assert "On worst grid's share of households visited within the interval, **by households** does best" in en
    assert format_diff("coverage_min_grid", d["mean"], *d["ci95"], True) + " against baseline" in en
    zh = " ".join(compare_findings(f, "zh"))
    assert "在最差网格入户走访覆盖率上，**按户数分配**最优" in zh


def test_compare_findings_say_nothing_the_intervals_do_not_support(folders):
    f = Folder.load(folders / "compare")
    f.summary = copy.deepcopy(f.summary)
    for d in f.summary["differences"]["by_households"]["metrics"].values():
        if d.get("mean") is not None:
            d["ci95"] = [d["mean"] - 1e9, d["mean"] + 1e9]  # every paired CI now includes zero
    text = " ".join(compare_findings(f, "en"))
    assert "** does best" not in text  # (a sentence saying that none does best may stand)
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
    for kind in ("run", "compare", "sweep"):
        assert main(["report", str(folders / kind), "--lang", "both"]) == 0
        out = folders / kind
        en, zh = (out / "report.md").read_text(), (out / "report.zh.md").read_text()
        assert en.index("## Findings") < en.index("## Scenario") < en.index("## Method")
        assert zh.index("## 结论") < zh.index("## 情景") < zh.index("## 方法")
        findings = zh[zh.index("## 结论"):zh.index("\n## ", zh.index("## 结论"))]
        assert not re.search(r"\b[a-z]+_[a-z_]+\b|cadres\.sunk", findings), findings  # no identifiers, no dotted keys
        for pdf in (out / "report.pdf", out / "report.zh.pdf"):
            pages = read_pdf(pdf).pages
            assert 1 <= len(pages) <= 5, (pdf, len(pages))
        assert any("NotoSansCJKsc" in f for f in read_pdf(out / "report.zh.pdf").fonts)
    design = (folders / "sweep" / "report.md").read_text()
    assert "Design: full factorial over sunk cadres (400, 800 and 1200): 3 points" in design
    assert "W+e+d" not in design


def test_report_without_the_cjk_font_file_is_bad_input_in_zh_and_both(folders, monkeypatch, capsys):
    import sim.outputs.fonts as fonts

    monkeypatch.setattr(fonts, "CJK_PACKAGE", "no_such_font_package")
    for lang in ("zh", "both"):  # never exit 0 with the Chinese report missing
        assert main(["report", str(folders / "run"), "--lang", lang]) == 2
        assert "pip install 'mplfonts>=0.0.11'" in capsys.readouterr().err


def test_same_value_in_every_replication_prints_alone():
    assert format_ci("cadre_hours_on_duty", 800.0, 800.0, 800.0) == "100 cadre-days"
    assert format_diff("cadre_hours_on_duty", 80.0, 80.0, 80.0, True) == "+10.0 cadre-days"
    assert format_ci("resolution_hours_mean", 8.0, 7.0, 9.0) == "8 h [7, 9]"


def test_write_report_keeps_its_english_names(folders):
    md, pdf = write_report(folders / "run")
    assert (md.name, pdf.name) == ("report.md", "report.pdf")


A4 = (595.28, 841.89)  # points: 210 x 297 mm


def _flat(text: str) -> str:
    """Text without marks or whitespace (Typst's PDFs place words by position, not by space glyphs)."""
    return re.sub(r"\s+", "", text.replace("**", "").replace("`", ""))


def test_pdf_is_a4_and_says_what_the_document_says(folders):
    doc = build(folders / "run", "en")
    md, pdf = write_report(folders / "run")
    read = read_pdf(pdf)
    assert read.pages and all(abs(w - A4[0]) < 0.5 and abs(h - A4[1]) < 0.5 for w, h in read.pages), read.pages
    text = _flat("".join(read.lines))
    for b in doc.blocks:
        pieces = [b.text] if isinstance(b, (Heading, Paragraph)) else b.items if isinstance(b, Bullets) else \
            [*b.head, *[c for r in b.rows for c in r]] if isinstance(b, Table) else []
        for piece in pieces:
            assert _flat(piece) in text, piece
    assert _flat(doc.title) in _flat(read.lines[0])
    assert "## Streets and communities" in md.read_text()


def test_findings_are_short_bullets_not_one_block(folders):
    """One bullet a topic (run) or a metric (compare), each a few lines at most."""
    for kind, least in (("run", 3), ("compare", 3)):
        doc = build(folders / kind, "en")
        first = doc.blocks[doc.blocks.index(Heading("Findings")) + 1]
        assert isinstance(first, Bullets) and len(first.items) >= least, first
        assert all(0 < len(x) <= 400 for x in first.items), [len(x) for x in first.items]


def test_pdf_tables_are_at_least_8_pt_and_wide_ones_split_by_columns():
    wide = Table(["metric", *[f"policy {k}" for k in range(6)]],
                 [["mean resolution time", *["22.73 h [22.65, 22.82] *"] * 6]] * 3, "a note")
    narrow = Table(["metric", "mean [95% CI]"], [["p90", "22.73 h [22.65, 22.82]"]])
    doc = Document("t", "en")
    doc.add(wide, narrow)
    src = source(doc, Path("."))
    sizes = [float(x) for x in re.findall(r"size: ([\d.]+)pt", src)]
    assert sizes and min(sizes) >= 8.0, sizes
    assert re.search(r"#show table: set text\(size: ([\d.]+)pt\)", src)
    parts = table_parts(wide)
    # six columns of about 110 pt each cannot share a 482 pt text width: two or more parts, each repeating the
    # metric column, together holding every column once
    assert TEXT_WIDTH_PT < 490 and len(parts) >= 2 and all(p[0] == 0 for p in parts)
    assert sorted(j for p in parts for j in p[1:]) == list(range(1, 7))
    assert table_parts(narrow) == [[0, 1]]
    assert src.count("#table(") == len(parts) + 1


def test_pdf_prints_markup_characters_as_written(tmp_path):
    nasty = 'Street #1 $5 *a* _b_ @c <d> [e] "f" \\g'
    doc = Document(f"report {nasty}", "en")
    doc.add(Heading(nasty), Paragraph(f"**{nasty}** and `{nasty}` then {nasty}"), Bullets([nasty]),
            Table(["community", "x"], [[nasty, "1"]]))
    write_pdf(doc, tmp_path / "r.pdf")
    lines = read_pdf(tmp_path / "r.pdf").lines
    assert _flat(nasty) in _flat(lines[0])
    assert _flat("".join(lines)).count(_flat(nasty)) == 7  # title, heading, three in the paragraph, bullet, cell
    assert not list(tmp_path.glob("*.tmp"))


def test_chinese_pdf_uses_the_cjk_font_and_never_starts_a_line_with_a_full_stop(tmp_path):
    """About 48 Chinese characters fill a line of 10 pt text: with a full stop after the 44th to the 52nd
    character, one of these paragraphs puts it where a naive line breaker would start a line with it."""
    sentences = ["网格员入户走访" * 10]
    doc = Document("报告：街道与社区", "zh")
    for k in range(44, 53):
        doc.add(Paragraph(sentences[0][:k] + "。" + "下沉干部每周三到社区报到" * 3 + "。"))
    doc.add(Table(["社区", "街道"], [["宝塔山社区", "南市街道"]]))
    write_pdf(doc, tmp_path / "zh.pdf")
    read = read_pdf(tmp_path / "zh.pdf")
    assert any("NotoSansCJKsc" in f for f in read.fonts)
    body = [line for line in read.lines if "网格员" in line or "下沉干部" in line]
    assert len(body) >= 18, read.lines  # each paragraph takes two lines or more: the breaks were made
    assert all(line.strip()[0] not in "。，、；：）" for line in read.lines if line.strip()), read.lines
    assert "宝塔山社区" in "".join(read.lines)


def test_areas_by_hand():
    """Street S1: grids of 100 and 300 households at 90% and 50% coverage, p90 10 h and 20 h; a third grid of
    200 households with no number. Coverage (90 + 150) / 400 = 60%, p90 (100*10 + 300*20) / 400 = 17.5 h.
    Street S2: one grid, 80%, 5 h. Both streets have a community C1: two communities."""
    def g(i, c, s, hh, cov, p90):
        return GridRow(i, c, s, hh, {"grid_coverage": cov, "grid_resolution_p90": p90})

    rows = [g("a", "C1", "S1", 100, 0.9, 10.0), g("b", "C2", "S1", 300, 0.5, 20.0), g("c", "C2", "S1", 200, None, None),
            g("d", "C1", "S2", 200, 0.8, 5.0)]
    s1, s2 = areas(rows, "street")
    assert (s1.name, s1.grids, s1.households, s1.coverage_min) == ("S1", 3, 600, 0.5)
    assert s1.coverage == pytest.approx(0.6) and s1.p90 == pytest.approx(17.5)
    assert (s2.name, s2.coverage, s2.p90, s2.issues) == ("S2", 0.8, 5.0, None)
    comm = areas(rows, "community")
    assert [(a.street, a.name) for a in comm] == [("S1", "C2"), ("S2", "C1"), ("S1", "C1")]  # 50%, 80%, 90%
    assert comm[0].households == 500 and comm[0].coverage == pytest.approx(0.5)


def test_streets_sheet_and_report_agree_with_the_grids(folders):
    """The workbook's street rows, recomputed from its own grids sheet by household weights."""
    main(["report", str(folders / "run")])
    wb = openpyxl.load_workbook(write_workbook(folders / "run"))
    grids = list(wb["grids"].iter_rows(values_only=True))
    head = grids[0]
    hh, street = head.index("households"), head.index("street")
    cov = next(j for j, h in enumerate(head) if h.startswith("share of households visited"))
    by: dict = {}
    for r in grids[1:]:
        by.setdefault(r[street], []).append((r[hh], r[cov]))
    sheet = [r for r in list(wb["areas"].iter_rows(values_only=True))[1:] if r[0] == "street"]
    assert [r[1] for r in sheet] == sorted(by, key=lambda s: sum(h * c for h, c in by[s]) / sum(h for h, _ in by[s]))
    for r in sheet:
        assert r[3] == len(by[r[1]]) and r[4] == sum(h for h, _ in by[r[1]])
        assert r[5] == pytest.approx(sum(h * c for h, c in by[r[1]]) / r[4])
        assert r[6] == pytest.approx(min(c for _, c in by[r[1]]))
    worst = sheet[0]
    assert f"| {worst[1]} | {worst[3]:,} | {worst[4]:,} | {format_value('coverage_mean', worst[5])} |" in \
        (folders / "run" / "report.md").read_text()


def test_scenario_section_describes_the_policy_that_ran(folders):
    run = " ".join(scenario_lines(Folder.load(folders / "policy"), "en"))
    assert "policy under test: **staggered days**: Same cadres, each serving one weekday" in run
    assert "1,090 sunk cadres on Mon+Tue+Wed+Thu+Fri, 1 of these days each." in run
    assert "serving on Wednesdays" not in run and "on Wed." not in run
    compare = scenario_lines(Folder.load(folders / "compare"), "en")
    assert compare[1].startswith("**baseline**: As published") and compare[1].endswith("1,090 sunk cadres on Wed.")
    assert compare[2].startswith("**by households**: Sunk cadres allocated to grids in proportion to households")
    zh = " ".join(scenario_lines(Folder.load(folders / "policy"), "zh"))
    assert "所评估方案：**错峰服务日**" in zh and "每人每周其中1天" in zh
    sweep = scenario_lines(Folder.load(folders / "sweep"), "en")  # its first point has 400 sunk cadres
    assert sweep[0].startswith("**baota**, as the file describes its base (before the design below): ")
    assert sweep[1] == "358 grids; 1 grid worker per grid; sunk cadres in the numbers the design sets, on Wed."
    # without description_zh a Chinese report shows no English text, and then leaves no colon hanging after nothing
    f = Folder.load(folders / "sweep")
    f.scenario.pop("description_zh")
    assert scenario_lines(f, "zh")[0] == "**baota**，基准情景（未计下述试验设计）："
    # a district without sunk cadres has no service day to name
    run = Folder.load(folders / "run")
    run.scenario["cadres"]["sunk"]["count"] = 0
    assert staffing(run, None, "en") == "358 grids; 1 grid worker per grid; no sunk cadres."
    assert staffing(run, None, "zh").endswith("；无下沉干部。")


def test_panel_titles_fit_their_panel():
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    r = RendererAgg(100, 100, 100)
    text = "registration drive with visiting duty − baseline as published"
    lines = fitted(text, 1.2, 7.0, r).split("\n")
    assert len(lines) > 1 and " ".join(lines) == text
    font = FontProperties(size=7.0, weight="bold")
    assert all(r.get_text_width_height_descent(x, font, ismath=False)[0] <= 1.2 * 100 for x in lines)
    assert fitted("baseline", 1.2, 7.0, r) == "baseline"


def test_pdf_without_the_font_package_is_bad_input(tmp_path, monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    doc = Document("t", "zh")
    doc.add(Paragraph("网格"))
    with pytest.raises(FontError, match="mplfonts"):
        write_pdf(doc, tmp_path / "r.pdf")
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_chinese_report_describes_the_scenario_in_chinese_never_in_english(folders):
    run = markdown(build(folders / "run", "zh"))  # a policy's run shows the policy's description
    assert "按公开报道（003）：1,090名下沉干部均在每周三服务" in run and "As published" not in run
    pol = markdown(build(folders / "policy", "zh"))
    assert "每人每周服务一天" in pol and "staggered evenly" not in pol
    assert "As published (003): all 1,090" in markdown(build(folders / "run", "en"))
    sweep = markdown(build(folders / "sweep", "zh"))  # no policy: the file's own description
    assert "延安市宝塔区（2022年）" in sweep and "Baota District" not in sweep


def test_the_scenario_section_names_only_emergencies_inside_the_run(folders):
    # the 60-day runs end in March; Baota's flood is in July
    assert "Emergencies: none." in " ".join(scenario_lines(Folder.load(folders / "run"), "en"))
    assert "突发事件：无。" in " ".join(scenario_lines(Folder.load(folders / "run"), "zh"))


def test_the_runs_warnings_are_caveats_in_the_report(folders):
    warned = Folder.load(folders / "run").summary["warnings"]
    assert warned  # 60 days: the flood is outside the run, and the warm-up is short
    for lang, head in (("en", "Caveats"), ("zh", "注意事项")):
        doc = build(folders / "run", lang)
        items = doc.blocks[doc.blocks.index(Heading(head)) + 2]
        assert isinstance(items, Bullets) and items.items == warned


def test_coverage_caveat_only_when_wartime_came_and_visits_went_on():
    from types import SimpleNamespace

    from sim.outputs.report.findings import _wartime_visits

    war = {"wartime_cadre_hours": {"mean": 209_860.0}}
    going_on = SimpleNamespace(scenario={"wartime": {"pause_visits": False}})
    assert "overstated" in _wartime_visits(going_on, war, "en")[0] and "偏高" in _wartime_visits(going_on, war, "zh")[0]
    assert _wartime_visits(going_on, {"wartime_cadre_hours": {"mean": 0.0}}, "en") == []  # no wartime in the run
    assert _wartime_visits(SimpleNamespace(scenario={"wartime": {}}), war, "en") == []  # visits paused (the default)
