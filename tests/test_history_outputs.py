"""The outputs of a history match (calibrate --vary): figures in both languages, a report whose numbers are the
folder's, and the workbook's sheets, on synthetic folders written by hand to the contract (tests/history_folder.py),
one with plausible sets and one where nothing is plausible."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.outputs.excel import write_workbook
from sim.outputs.glossary import metric_label
from sim.outputs.history import HistoryError, load_history, min_over_bins
from sim.outputs.plots import plot_folder
from sim.outputs.report import write_report
from tests.history_folder import BOX, CUTOFF, KEYS, TARGETS, write_folder

NAMES = ["history-pairs", "history-implausibility", "history-waves"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    base = tmp_path_factory.mktemp("hm")
    out = {}
    for kind, conflict in (("found", False), ("none", True)):
        write_folder(base / kind, conflict=conflict)
        out[kind] = base / kind
    return out


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def number(text: str) -> float:
    return float(text.replace(",", ""))


def shown_close(shown: str, exact: float) -> bool:
    """``shown`` (as printed) is ``exact`` rounded to the digits printed."""
    digits = len(shown.split(".")[1]) if "." in shown else 0
    return abs(number(shown) - exact) <= 0.5 * 10 ** -digits + 1e-12


@pytest.mark.parametrize("kind", ["found", "none"])
def test_the_three_figures_are_drawn_in_both_languages(folders, kind):
    for lang, suffix in (("en", ""), ("zh", ".zh")):
        written = plot_folder(folders[kind], "png", lang)
        assert sorted(p.name for p in written) == sorted(f"{n}{suffix}.png" for n in NAMES)
        for p in written:
            assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 10_000


def test_the_projection_is_the_minimum_over_the_points_in_each_cell():
    rng = np.random.default_rng(3)
    x, y, v = rng.random(500) * 4, 10 + rng.random(500) * 2, rng.exponential(3, 500)
    v[7] = np.inf  # a point ruled out without bound still marks its cell as sampled
    got = min_over_bins(x, y, v, (0.0, 4.0), (10.0, 12.0), 5)
    for i in range(5):  # rows: y bins
        for j in range(5):
            inside = (np.floor(x / 0.8) == j) & (np.floor((y - 10) / 0.4) == i)
            want = v[inside].min() if inside.any() else np.nan
            assert (np.isnan(got[i, j]) and np.isnan(want)) or got[i, j] == min(want, 1e12)
    assert not np.isnan(got).all()


def drop_keys(folder: Path, keep: int) -> None:
    """The folder as if only the first ``keep`` KEYs had been varied (their columns and box alone)."""
    gone = KEYS[keep:]
    for name in ("plausible.csv", "points.csv", "implausibility.csv"):
        table = rows(folder / name)
        with (folder / name).open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, [h for h in table[0] if h not in gone] if table else KEYS[:keep])
            w.writeheader()
            w.writerows({k: v for k, v in r.items() if k not in gone} for r in table)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    for k in gone:
        del summary["history_match"]["vary"][k]
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")


@pytest.mark.parametrize("keep", [1, 2])
def test_one_or_two_varied_keys_are_drawn_too(tmp_path, keep):
    write_folder(tmp_path / "hm")
    drop_keys(tmp_path / "hm", keep)
    written = plot_folder(tmp_path / "hm", "png", "en")
    assert sorted(p.name for p in written) == sorted(f"{n}.png" for n in NAMES)


def _findings(folder: Path, lang: str) -> str:
    md, _ = write_report(folder, lang)
    text = md.read_text(encoding="utf-8")
    return text.split("\n## ", 2)[1]  # the findings section


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_report_states_the_plausible_sets_and_ranges_of_the_folder(folders, lang):
    folder = folders["found"]
    plausible = rows(folder / "plausible.csv")
    waves = rows(folder / "waves.csv")
    text = _findings(folder, lang)
    n = re.search(r"(\d[\d,]*) plausible parameter sets" if lang == "en" else r"共(\d[\d,]*)组可信参数", text)
    assert n and number(n.group(1)) == len(plausible)
    last = max(int(w["wave"]) for w in waves)
    share = float(next(w["plausible_share"] for w in waves if int(w["wave"]) == last))
    runs = sum(int(w["runs"]) for w in {w["wave"]: w for w in waves}.values())
    m = re.search(r"\(([\d,]+) runs in all, ([\d,]+) per wave\), ([\d.]+)% of the initial box" if lang == "en" else
                  r"共([\d,]+)次运行，每轮([\d,]+)次），初始参数范围中仍有([\d.]+)%可信", text)
    per = {int(w["runs"]) for w in waves}  # the folder's waves have equal designs
    assert m and number(m.group(1)) == runs and {number(m.group(2))} == per and shown_close(m.group(3), 100 * share)
    for k in KEYS:
        v = np.array([float(r[k]) for r in plausible])
        line = next(x for x in text.splitlines() if f"`{k}`" in x)
        a, b, lo, hi, p = re.search(r"\[([-\d.,]+), ([-\d.,]+)\].*?\[([-\d.,]+), ([-\d.,]+)\].*?([\d.]+)%", line).groups()
        assert (number(lo), number(hi)) == BOX[k]
        for shown, exact in ((a, v.min()), (b, v.max())):  # three significant digits
            assert abs(number(shown) - exact) <= 0.005 * abs(exact), (k, shown, exact)
        assert shown_close(p, 100 * (v.max() - v.min()) / (BOX[k][1] - BOX[k][0]))
    bad = [w for w in waves if w["emulator_passed"] == "false"]
    assert len(bad) == 1  # the folder's one failed emulator is named with its numbers
    said = re.search(r"In wave (\d+), the emulator of (.+?) failed its leave-one-out check \(largest standardized "
                     r"error ([\d.]+); (\d+) point" if lang == "en" else
                     r"第(\d+)轮中，(.+?)的代理模型未通过留一法检验（最大标准化误差([\d.]+)；(\d+)个点", text)
    assert said and int(said.group(1)) == int(bad[0]["wave"])
    assert shown_close(said.group(3), float(bad[0]["loo_max_abs"])) and int(said.group(4)) == int(bad[0]["loo_outside"])
    assert "No parameter set is plausible" not in text and "没有可信的参数组合" not in text


@pytest.mark.parametrize("last_share", [None, 0.01])
def test_the_trade_off_is_said_when_the_ranges_span_much_more_than_is_plausible(tmp_path, last_share):
    folder = tmp_path / "hm"
    write_folder(folder)
    waves = rows(folder / "waves.csv")
    last = max(int(w["wave"]) for w in waves)
    if last_share is not None:  # the last wave left far less than the ranges span
        for w in waves:
            w["plausible_share"] = str(last_share) if int(w["wave"]) == last else w["plausible_share"]
        with (folder / "waves.csv").open("w", newline="", encoding="utf-8") as fh:
            out = csv.DictWriter(fh, list(waves[0]))
            out.writeheader()
            out.writerows(waves)
    share = float(next(w["plausible_share"] for w in waves if int(w["wave"]) == last))
    plausible = rows(folder / "plausible.csv")
    spanned = float(np.prod([(max(float(r[k]) for r in plausible) - min(float(r[k]) for r in plausible))
                             / (BOX[k][1] - BOX[k][0]) for k in KEYS]))
    text = _findings(folder, "en")
    said = re.search(r"The ranges together span ([\d.]+)% of the initial box, but only ([\d.]+)% of it", text)
    assert bool(said) == (spanned >= 2 * share)
    if said:
        assert shown_close(said.group(1), 100 * spanned) and shown_close(said.group(2), 100 * share)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_nothing_plausible_is_a_finding_with_the_conflict_and_the_closest_run(folders, lang):
    folder = folders["none"]
    points = rows(folder / "points.csv")
    text = _findings(folder, lang)
    assert ("No parameter set is plausible" if lang == "en" else "没有可信的参数组合") in text
    named = text.split("Conflicting targets" if lang == "en" else "相互冲突的目标")[1].split("." if lang == "en" else "。")[0]
    scenario = load_history(folder).scenario
    assert [m for m in TARGETS if metric_label(m, lang, scenario) in named] == ["resolved_dispute"]  # as the block says
    closest = min(points, key=lambda r: float(r["I_max"]))
    top = re.search(r"largest implausibility ([\d.]+)\) gave" if lang == "en" else r"不可信度最大者为([\d.]+)）", text)
    assert top and shown_close(top.group(1), float(closest["I_max"]))
    for m, t in TARGETS.items():  # each target's output and implausibility at that run, and the target itself
        got = re.findall(r"([\d,.]+) \(target ([\d,.]+) ±(\d+)%, implausibility ([\d.]+)\)" if lang == "en" else
                         r"([\d,.]+)（目标([\d,.]+)±(\d+)%，不可信度([\d.]+)）", text)
        assert any(number(v) == t["value"] and float(tol) == 100 * t["tolerance"]
                   and shown_close(i, float(closest[f"I_{m}"]))
                   and abs(number(y) - float(closest[m])) <= 0.005 * float(closest[m]) for y, v, tol, i in got), m
    sample = rows(folder / "implausibility.csv")
    assert all(float(r["I_max"]) >= CUTOFF for r in sample)
    assert ("nor any of 2,000 points" if lang == "en" else "均匀抽取的2,000个点亦然") in text


def test_the_sample_clause_is_left_out_when_the_sample_has_a_point_below_the_cutoff(tmp_path):
    folder = tmp_path / "hm"
    write_folder(folder, conflict=True)
    path = folder / "implausibility.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    cells[len(KEYS)] = "0.5"  # one sampled point not ruled out: "nor any point of the box" would be false
    path.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    text = _findings(folder, "en")
    assert "No parameter set is plausible" in text and "points sampled uniformly" not in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_workbook_holds_the_plausible_sets_waves_and_points(folders, lang):
    import openpyxl

    folder = folders["found"]
    wb = openpyxl.load_workbook(write_workbook(folder, lang))
    for sheet, file in (("plausible", "plausible.csv"), ("waves", "waves.csv"), ("points", "points.csv")):
        assert sheet in wb.sheetnames
        want = rows(folder / file)
        got = [[c.value for c in r] for r in wb[sheet].iter_rows()]
        head = list(want[0])
        assert (got[0] == head if lang == "en" or sheet == "plausible" else len(got[0]) == len(head))
        assert len(got) - 1 == len(want)
        for r, w in zip(got[1:], want):
            for h, cell in zip(head, r):
                if w[h] in ("true", "false"):
                    assert cell is (w[h] == "true")
                elif not re.fullmatch(r"[-+\d.e]+", w[h]):  # a target's name
                    assert cell == w[h]
                else:
                    assert cell == pytest.approx(float(w[h]), rel=1e-15)
    assert [c.value for c in wb["plausible"][1]] == KEYS  # headed by the KEYs exactly: savable for --ensemble
    if lang == "zh":  # Chinese headers, as the other sheets of results.zh.xlsx; the KEYs and metric names kept
        assert [c.value for c in wb["waves"][1]] == ["轮次", "设计点数", "运行次数", "初始范围仍可信比例", "目标",
                                                     "留一法最大标准化误差", "超出3的点数", "代理模型通过检验"]
        points = [c.value for c in wb["points"][1]]
        assert points[:2 + len(KEYS)] == ["轮次", "设计点", *KEYS] and points[-2:] == ["综合不可信度", "可信"]
        assert {"reported_dispute", "reported_dispute（均值的方差）", "reported_dispute不可信度"} <= set(points)


def test_gridsim_plot_and_report_take_the_folder(folders, capsys):
    assert main(["plot", str(folders["none"]), "--lang", "both"]) == 0
    assert main(["report", str(folders["none"]), "--lang", "en"]) == 0
    assert (folders["none"] / "report.pdf").stat().st_size > 0


def test_a_folder_without_plausible_csv_is_refused_with_its_name(tmp_path, capsys):
    write_folder(tmp_path / "hm")
    (tmp_path / "hm" / "plausible.csv").unlink()
    with pytest.raises(HistoryError, match="plausible.csv"):
        load_history(tmp_path / "hm")
    assert main(["plot", str(tmp_path / "hm")]) == 2
    assert "plausible.csv" in capsys.readouterr().err


def test_no_interval_pooled_over_design_points_is_shown(tmp_path):
    """The design points are different settings, not replications: an old folder's pooled ``metrics`` (a CI over
    them) must not reach the workbook's summary sheet nor the report."""
    import openpyxl

    folder = tmp_path / "hm"
    write_folder(folder)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    summary["metrics"] = {"reported_dispute": {"mean": 3684.0, "std": 900.0, "ci95": [3483.0, 3886.0], "n": 75}}
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    wb = openpyxl.load_workbook(write_workbook(folder, "en"))
    assert "summary" not in wb.sheetnames and "points" in wb.sheetnames
    md, _ = write_report(folder, "en")
    text = md.read_text(encoding="utf-8")
    assert "3,483" not in text and "3,886" not in text and "n=75" not in text


def test_the_implausibility_figure_says_what_each_cell_shows(tmp_path, monkeypatch):
    """Each sample point carries the implausibility of the wave that ruled it out: the caption says so (not
    'judged after wave N'), names the grey (twice the cutoff), and cells wave 1 ruled out entirely are hatched."""
    from sim.outputs.plots import canvas

    folder = tmp_path / "hm"
    write_folder(folder)
    seen: dict[str, tuple[str, list]] = {}
    save = canvas.Figures.save

    def record(self, fig, name, what, each=None):
        seen[name] = (what, [p for ax in fig.axes for p in ax.patches if p.get_hatch()])
        return save(self, fig, name, what, each)

    monkeypatch.setattr(canvas.Figures, "save", record)
    plot_folder(folder, "png", "en")
    what, hatched = seen["history-implausibility"]
    assert "judged in the wave that ruled it out" in what and f"grey: {2 * CUTOFF:g} or more" in what
    assert "judged after wave" not in what
    # the folder's wave 1 ruled out every point with reported_dispute's I >= cutoff: some cells wholly
    s = load_history(folder).sample
    assert (s["wave_ruled_out"] == 1).any() and hatched
    # one patch per such cell, never every cell of a panel (a masked pcolor hatched them all)
    per_axes = {}
    for patch in hatched:
        per_axes[id(patch.axes)] = per_axes.get(id(patch.axes), 0) + 1
    assert all(0 < n < 144 for n in per_axes.values()), per_axes


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_target_that_cannot_rule_anything_out_is_said_with_its_evidence(tmp_path, lang):
    folder = tmp_path / "hm"
    write_folder(folder)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    targets = summary["history_match"]["targets"]
    flat, moving = "reported_dispute", "resolved_dispute"
    sd = targets[flat]["sd_target"]
    targets[flat].update(range_over_points=0.5 * sd, evidence="layout")
    targets[moving].update(evidence="other_district")
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    text = _findings(folder, lang)
    label = {m: metric_label(m, lang, load_history(folder).scenario) for m in TARGETS}
    lines = {m: [x for x in text.splitlines() if label[m].lower() in x.lower()] for m in TARGETS}
    said = "cannot rule out any part of the box" if lang == "en" else "不能排除参数范围的任何部分"
    weak = "only weakly" if lang == "en" else "约束很弱"
    assert any(said in x and weak in x for x in lines[flat])
    assert not any(said in x for x in lines[moving]) and any(weak in x for x in lines[moving])
    # without an evidence kind or a flat range, nothing is said
    write_folder(tmp_path / "plain")
    assert said not in _findings(tmp_path / "plain", lang) and weak not in _findings(tmp_path / "plain", lang)


def test_a_largest_error_just_below_3_does_not_read_as_3_and_none_beyond_is_said(tmp_path):
    from sim.outputs.report.history import loo

    assert loo(2.96, 0, "en") == ("2.96", "none") and loo(2.9996, 0, "en")[0] == "2.9996"
    assert loo(4.6, 3, "en") == ("4.6", "3") and loo(2.1, 0, "zh") == ("2.1", "无")
    folder = tmp_path / "hm"
    write_folder(folder)
    waves = (folder / "waves.csv").read_text(encoding="utf-8").replace("2.1,0,true", "2.97,0,true")
    (folder / "waves.csv").write_text(waves, encoding="utf-8")
    md, _ = write_report(folder, "en")
    text = md.read_text(encoding="utf-8")
    assert "2.97, none beyond 3" in text and "3.0, 0 beyond 3" not in text


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("alone", [False, True])
def test_targets_that_each_alone_rule_out_every_point_are_not_called_conflicting(tmp_path, lang, alone):
    folder = tmp_path / "hm"
    write_folder(folder, conflict=True)
    m = "resolved_dispute"
    if alone:  # every point run beyond the cutoff for this target on its own
        head, *body = list(csv.reader((folder / "points.csv").open(encoding="utf-8")))
        j = head.index(f"I_{m}")
        for r in body:
            r[j] = str(max(float(r[j]), CUTOFF + 1))
        with (folder / "points.csv").open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([head, *body])
    points = rows(folder / "points.csv")
    assert all(float(p[f"I_{m}"]) >= CUTOFF for p in points) == alone
    text = _findings(folder, lang)
    if lang == "en":
        assert f"none of the {len(points)} design points run" in text and "runs has" not in text
        assert ("Each of these targets alone cannot be met" in text) == alone
        assert ("Conflicting" in text or "together" in text) == (not alone)
    else:
        assert f"已运行的{len(points)}个设计点" in text
        assert ("各自单独即无法" in text) == alone and ("相互冲突" in text) == (not alone)


def test_one_grid_is_not_said_in_the_plural():
    from sim.outputs.report.sections import grids_phrase

    assert grids_phrase(1, "en") == "1 grid" and grids_phrase("16", "en") == "16 grids"
    assert grids_phrase(1, "zh") == "1个网格"


def test_the_targets_table_gives_each_target_s_unit(tmp_path):
    """A reader sees 772 (issues) and 0.8 (a share as a fraction, where the other reports write 80%), never a bare
    number: the metric's column carries the unit of the value beside it."""
    from sim.outputs.report.history import targets_table

    write_folder(tmp_path / "hm")
    summary = json.loads((tmp_path / "hm" / "summary.json").read_text(encoding="utf-8"))
    t = summary["history_match"]["targets"]
    t["utilization_grid_workers"] = {**t["reported_dispute"], "value": 0.8}
    (tmp_path / "hm" / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    hm = load_history(tmp_path / "hm")
    for lang, issues, share in (("en", " (issues)", " (share, 0–1)"), ("zh", "（件）", "（比例，0–1）")):
        rows = {r[1]: r[0] for r in targets_table(hm, lang).rows}
        assert rows["772"] == metric_label("reported_dispute", lang, hm.scenario) + issues
        assert rows["0.800"].endswith(share)
