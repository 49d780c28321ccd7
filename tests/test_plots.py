"""Figures and reports, made from small real results folders."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.cli import main
from sim.outputs.plots import PlotError, plot_folder
from sim.outputs.plots.style import cjk_font
from sim.outputs.report import write_report
from tests.pdftext import read_pdf

ROOT = Path(__file__).resolve().parent.parent
BAOTA = ROOT / "scenarios" / "baota.toml"
SHORT = [("calendar.horizon_days", 60)]
# the figures each kind of folder must hold (file names without the extension)
FIGURES = {
    "run": ["backlog-baseline", "coverage-baseline", "resolution-ecdf-baseline", "utilization-baseline",
            "grid-resolution-p90-baseline", "grid-coverage-baseline"],
    "compare": ["policies", "differences", "backlog-two_days", "grid-coverage-two_days"],
    "sweep": ["sweep-coverage_mean-by-count", "sweep-resolution_hours_p90-by-service_days",
              "heatmap-resolution_hours_p90", "heatmap-coverage_mean"],
}
# the key metrics a comparison shows, in order: (scale from summary.json's stored unit, axis label with the unit)
KEY_METRICS = {"resolution_hours_mean": (1, "mean resolution time (h)"),
               "resolution_hours_p90": (1, "p90 resolution time (h)"),
               "coverage_mean": (100, "share of households visited within the interval (%)"),
               "completion_rate": (100, "completion, all issues incl. hidden (%)"),
               "cadre_hours_on_duty": (1 / 8000, "cadre time on duty (thousand cadre-days)")}
COUNTS, DAYS = (600, 1000), ("Wed", "Mon+Thu")  # the sweep's levels of sunk cadres and of their service days


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    base = tmp_path_factory.mktemp("plots")
    common = dict(overrides=SHORT, workers=1, quiet=True)
    sim.run(BAOTA, "baseline", replications=2, out=base / "run", **common)
    sim.compare(BAOTA, ["baseline", "two_days"], replications=2, out=base / "compare", **common)
    sim.sweep(BAOTA, ["cadres.sunk.count=600:1000:400", "cadres.sunk.service_days=Wed,Mon+Thu"],
              replications=1, out=base / "sweep", **common)
    return base


def png_size(path: Path) -> tuple[int, int]:
    import matplotlib.image as mpimg

    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[2] in (3, 4)
    assert img[..., :3].std() > 0.01, f"{path.name} is blank"
    return img.shape[1], img.shape[0]


@pytest.mark.parametrize("kind", FIGURES)
def test_every_figure_type_is_a_valid_image_of_single_column_size(folders, kind):
    written = plot_folder(folders / kind)
    names = {p.stem for p in written}
    assert set(FIGURES[kind]) <= names, set(FIGURES[kind]) - names
    for p in written:
        width, height = png_size(p)
        # about 3.5 inches (one column) at 300 dpi: 2.8 in for the equal-aspect grid map, more with labels
        assert 840 <= width <= 2400 and 300 <= height <= 3000, (p.name, width, height)


def _pdf_texts(path: Path) -> list[str]:
    """The strings of each text object (BT ... ET) of a PDF's compressed streams. matplotlib writes each text as
    literal strings of two-byte (Type 42 font) or one-byte (Type 3, with a CJK font installed) codes: ASCII and
    Latin-1 read right either way once the zero bytes are dropped."""
    import zlib

    texts = []
    for stream in re.findall(rb"\bstream\r?\n(.*?)endstream", path.read_bytes(), re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:  # not Flate-compressed: no page (matplotlib compresses its pages)
            continue
        for block in re.findall(rb"\bBT\b(.*?)\bET\b", content, re.S):
            parts = re.findall(rb"\(((?:\\.|[^\\)])*)\)", block, re.S)  # (literal strings), kerning between them
            text = b"".join(re.sub(rb"\\([()\\])", rb"\1", p) for p in parts)
            texts.append(text.replace(b"\0", b"").decode("latin-1"))
    return texts


def _svg_texts(path: Path) -> list[str]:
    import xml.etree.ElementTree as ET

    return ["".join(t.itertext()) for t in ET.parse(path).iter("{http://www.w3.org/2000/svg}text")]


def test_vector_formats_keep_the_words_as_text(folders):
    """PDF (one page) and SVG keep text as text: every figure its source line (scenario, policy, replications and
    seed from summary.json), the backlog figure its title, axis labels, dates and legend."""
    s = json.loads((folders / "run" / "summary.json").read_text())
    source = f"gridsim · {s['scenario']} · baseline · {s['replications']} replications · seed {s['seeds']['root']}"
    backlog = {"Open issues day by day, 60 days", "open issues (count)", "date (2022)", "Jan 3", "Feb 28",
               "daily mean", "7-day mean, 95% CI"}
    for fmt, texts in (("pdf", _pdf_texts), ("svg", _svg_texts)):
        written = {p.stem: p for p in plot_folder(folders / "run", fmt)}
        assert set(FIGURES["run"]) <= set(written), (fmt, set(written))
        for p in written.values():
            assert source in texts(p), (p.name, texts(p))
            if fmt == "pdf":
                assert len(re.findall(rb"/Type\s*/Page[^s]", p.read_bytes())) == 1, p.name
        missing = backlog - set(texts(written["backlog-baseline"]))
        assert not missing, (fmt, missing)


def _ci(v: dict) -> tuple[float, float, float]:
    """(mean, low, high) of a summary.json metric; no interval (one replication, no spread): the mean."""
    lo, hi = v["ci95"]
    return v["mean"], v["mean"] if lo is None else lo, v["mean"] if hi is None else hi


def _ends(container, axis: int) -> list[tuple[float, float]]:
    """The (low, high) ends of each error bar of an errorbar container along axis 0 (x) or 1 (y)."""
    return [(seg[0][axis], seg[1][axis]) for seg in container.lines[2][0].get_segments()]


def _errorbars(ax, axis: int) -> list[tuple[float, float, float]]:
    """(value, low, high) of every point drawn with an error bar on ``ax``, series after series."""
    return [(float(v), *ends) for c in ax.containers for v, ends in zip(c.lines[0].get_data()[axis], _ends(c, axis))]


def _sweep_means(folders, metric: str, scale: float) -> dict[tuple[int, str], float]:
    """The sweep's mean of ``metric`` at each (sunk cadres, service days), from summary.json, in the axis's unit."""
    points = json.loads((folders / "sweep" / "summary.json").read_text())["points"].values()
    return {(p["params"]["cadres.sunk.count"], p["params"]["cadres.sunk.service_days"]):
            scale * p["metrics"][metric]["mean"] for p in points}


def test_plots_read_only_the_folder(folders, monkeypatch):
    """Drawn from summary.json, never by re-running the model: each policy's mean and 95% CI per key metric in the
    axis's unit, the paired differences in % of the reference's mean, and each role's utilisation with its CI."""
    import sim.model.simulation as model
    from matplotlib.container import ErrorbarContainer

    monkeypatch.setattr(model.Simulation, "run", lambda self: pytest.fail("plot re-ran the model"))
    figs = _drawn(folders / "compare", monkeypatch)
    s = json.loads((folders / "compare" / "summary.json").read_text())
    by, policies = s["by_policy"], s["policies"]
    panels = figs["policies"].axes
    assert [ax.get_xlabel() for ax in panels] == [label for _, label in KEY_METRICS.values()]
    for ax, (m, (scale, _)) in zip(panels, KEY_METRICS.items()):
        assert [t.get_text() for t in ax.get_yticklabels()] == ["baseline", "two days a week"]
        want = [tuple(scale * x for x in _ci(by[p]["metrics"][m])) for p in policies]
        np.testing.assert_allclose(_errorbars(ax, 0), want, err_msg=m)
    # the worst grid and where issues ended too, after the key metrics (a row only where the reference's mean is
    # not 0: a difference cannot be a share of nothing)
    extra = ["coverage_min_grid", "escalation_rate", "escalated_by_delay_rate", "petitions"]
    shown = [m for m in [*KEY_METRICS, *extra] if by[s["reference"]]["metrics"].get(m, {}).get("mean")]
    assert shown[:len(KEY_METRICS) + 2] == [*KEY_METRICS, "coverage_min_grid", "escalation_rate"]
    ref = {m: abs(by[s["reference"]]["metrics"][m]["mean"]) for m in shown}
    diff = s["differences"]["two_days"]["metrics"]
    ax = figs["differences"].axes[0]
    assert ax.get_xlabel() == "relative difference from baseline (% of its mean)"
    np.testing.assert_allclose(_errorbars(ax, 0), [[100 * x / ref[m] for x in _ci(diff[m])] for m in shown])
    # each row's difference in its own unit with its CI, beside it: the worst grid's in percentage points
    texts = [t.get_text() for t in ax.texts]
    worst = texts[shown.index("coverage_min_grid")]
    assert worst.endswith("]") and " percentage points [" in worst
    lo, hi = (float(x) for x in worst.split("[")[1].rstrip("]").split(", "))
    assert lo <= 100 * diff["coverage_min_grid"]["ci95"][0] + 0.05 and hi >= 100 * diff["coverage_min_grid"]["ci95"][1] - 0.05
    for p in policies:
        ax = figs[f"utilization-{p}"].axes[0]
        roles = [_ci(v) for k, v in by[p]["metrics"].items() if k.startswith("utilization_")]
        [err] = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
        drawn = [(bar.get_width(), *ends) for bar, ends in zip(ax.patches, _ends(err, 0))]
        assert len(roles) == 5, p
        np.testing.assert_allclose(drawn, 100 * np.array(roles), err_msg=p)
        assert ax.get_xlabel() == "time working on issues (% of duty)"


def _render(text: str, family: str) -> np.ndarray:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(1.2, 0.5), dpi=100)
    fig.text(0.05, 0.3, text, family=family, fontsize=20)
    fig.canvas.draw()
    img = np.asarray(fig.canvas.buffer_rgba())[..., 0].astype(float)
    plt.close(fig)
    return img


def test_chinese_glyphs_are_drawn_not_empty_boxes(folders):
    font = cjk_font()
    # With a real CJK font two different characters look different; a missing glyph is
    # the same empty box for both.
    a, b = _render("网", font), _render("格", font)
    assert np.abs(a - b).sum() > 1000
    assert (a < 128).sum() > 20  # ink on the page
    written = plot_folder(folders / "run", lang="zh")
    assert {p.name for p in written} >= {"backlog-baseline.zh.png", "utilization-baseline.zh.png"}
    assert (folders / "run" / "figures" / "backlog-baseline.png").is_file()  # English kept beside


def test_report_has_markdown_and_a_short_a4_pdf(folders):
    for kind in ("run", "compare", "sweep"):
        md, pdf = write_report(folders / kind)
        text = md.read_text()
        assert "## Method" in text and "common random numbers" in text and "95% CI" in text
        shown = re.findall(r"!\[.+\]\((figures/.+\.png)\)", text)
        assert shown and all((folders / kind / f).is_file() for f in shown), (kind, shown)
        pages = read_pdf(pdf).pages
        assert 1 <= len(pages) <= 4 and all(round(w) == 595 and round(h) == 842 for w, h in pages), (kind, pages)


def test_cli_plot_errors_and_plot_flag(folders, tmp_path, capsys, monkeypatch):
    from sim.outputs.plots.folder import Folder

    assert main(["plot", str(tmp_path)]) == 2
    assert "not a gridsim results folder" in capsys.readouterr().err
    assert main(["plot", str(folders / "sweep"), "--target", "nonsense"]) == 2
    out = tmp_path / "r"
    figs = _capture(monkeypatch)
    assert main(["run", str(BAOTA), "--set", "calendar.horizon_days=50", "--replications", "1",
                 "--workers", "1", "--out", str(out), "--quiet", "--plot"]) == 0
    # --plot drew the run just made: its 50 days of open issues, day by day
    ax = figs["backlog-base"].axes[0]
    [daily] = [line for line in ax.get_lines() if line.get_label() == "daily mean"]
    [run] = Folder.load(out).series("base")
    assert list(daily.get_xdata()) == pytest.approx(np.arange(50) + 0.5)
    assert list(daily.get_ydata()) == pytest.approx(run["backlog_daily"])
    assert ax.get_ylabel() == "open issues (count)" and "50 days" in ax.get_title()


def test_lang_both_draws_both_side_by_side_and_never_drops_chinese(folders, monkeypatch, capsys):
    from sim import api
    import sim.outputs.fonts as fonts

    names = {p.name for p in api.figures(folders / "run", lang="both")}
    assert {"backlog-baseline.png", "backlog-baseline.zh.png"} <= names
    monkeypatch.setattr(fonts, "CJK_PACKAGE", "no_such_font_package")  # an install without the font file
    for lang in ("zh", "both"):
        with pytest.raises(fonts.FontError, match=r"pip install 'mplfonts>=0.0.11'"):
            api.figures(folders / "run", lang=lang)
        assert main(["plot", str(folders / "run"), "--lang", lang]) == 2  # bad input: never exit 0 without them
        assert "NotoSansCJKsc-Regular.otf" in capsys.readouterr().err
    with pytest.raises(PlotError, match="--lang fr"):
        api.figures(folders / "run", lang="fr")


def _capture(monkeypatch) -> dict[str, object]:
    """Every figure drawn from now on, by file name, captured (and left open) just before it is saved."""
    from sim.outputs.plots.canvas import Figures

    figs: dict[str, object] = {}
    save = Figures.save

    def keep(self, fig, name, what):
        fig.canvas.draw()
        figs[name] = fig
        return save(self, fig, name, what)

    monkeypatch.setattr(Figures, "save", keep)
    monkeypatch.setattr("matplotlib.pyplot.close", lambda *a, **k: None)
    return figs


def _drawn(folder: Path, monkeypatch, lang: str = "en") -> dict[str, object]:
    """Every figure plot_folder draws, by file name, captured just before it is saved."""
    figs = _capture(monkeypatch)
    plot_folder(folder, lang=lang)
    return figs


def _texts(fig) -> list[str]:
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def test_same_metric_same_scale_for_every_policy(folders, monkeypatch):
    """Two policies' time series share their axis ranges, and their grid maps one colour scale."""
    figs = _drawn(folders / "compare", monkeypatch)
    for kind in ("backlog", "coverage"):
        a, b = (figs[f"{kind}-{p}"].axes[0].get_ylim() for p in ("baseline", "two_days"))
        assert a == b, (kind, a, b)
    a, b = (figs[f"resolution-ecdf-{p}"].axes[0].get_xlim() for p in ("baseline", "two_days"))
    assert a == b
    for key in ("grid-coverage", "grid-resolution-p90"):  # the colour bar spans the colour scale
        a, b = (figs[f"{key}-{p}"].axes[1].get_xlim() for p in ("baseline", "two_days"))
        assert a == b, (key, a, b)


def test_policies_panels_start_at_zero_and_mark_the_reference(folders, monkeypatch):
    """No zoomed axis: each panel starts at zero (shares run to 100%), with the reference policy dashed."""
    fig = _drawn(folders / "compare", monkeypatch)["policies"]
    s = json.loads((folders / "compare" / "summary.json").read_text())
    for ax, (m, (scale, _)) in zip(fig.axes, KEY_METRICS.items(), strict=True):
        assert ax.get_xlim()[0] == 0
        dashed = [line.get_xdata()[0] for line in ax.get_lines() if line.get_linestyle() == "--"]
        assert dashed == pytest.approx([scale * s["by_policy"]["baseline"]["metrics"][m]["mean"]]), m
    assert any("dashed: baseline" in t for t in _texts(fig))


def _contrast(a, b) -> float:
    def lum(c):
        c = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c[:3]]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_heatmap_numbers_readable_on_every_cell(folders, monkeypatch):
    from matplotlib.colors import to_rgba

    figs = _drawn(folders / "sweep", monkeypatch)
    for m, scale in (("coverage_mean", 100), ("resolution_hours_p90", 1)):
        ax = figs[f"heatmap-{m}"].axes[0]
        im = ax.images[0]
        z = im.get_array()
        cells = [t for t in ax.texts if t.get_text()]
        # each point's mean from summary.json in its cell: sunk cadres across, service days up
        value = _sweep_means(folders, m, scale)
        assert {tuple(round(v) for v in t.get_position()): t.get_text() for t in cells} == {
            (j, i): f"{value[n, d]:.1f}" for j, n in enumerate(COUNTS) for i, d in enumerate(DAYS)}, m
        for t in cells:
            j, i = (round(v) for v in t.get_position())
            assert _contrast(to_rgba(t.get_color()), im.cmap(im.norm(z[i, j]))) >= 4.5, (m, t.get_text())


def test_sweep_levels_in_design_order_with_readable_names(folders, monkeypatch):
    """Service days given as Wed, Mon+Thu stay in that order (not alphabetical), named for readers."""
    for lang, levels in (("en", ["Wed", "Mon+Thu"]), ("zh", ["周三", "周一、周四"])):
        figs = _drawn(folders / "sweep", monkeypatch, lang)
        ax = figs["sweep-coverage_mean-by-service_days"].axes[0]
        assert [t.get_text() for t in ax.get_xticklabels()] == levels
        heat = figs["heatmap-coverage_mean"].axes[0]
        assert [t.get_text() for t in heat.get_yticklabels()] == levels
        monkeypatch.undo()


@pytest.mark.parametrize("kind", ["run", "compare", "sweep"])
def test_no_identifier_where_a_reader_looks(folders, monkeypatch, kind):
    """No dotted key (cadres.sunk.count) or snake_case name (two_days, resolution_hours_p90) in any text."""
    figs = _drawn(folders / kind, monkeypatch)
    assert set(FIGURES[kind]) <= set(figs), set(figs)
    for name, fig in figs.items():
        for text in _texts(fig):
            assert not re.search(r"\b[a-z]+(\.[a-z_]+){1,}\b|\b[a-z]+_[a-z_0-9]+\b", text), (name, text)


def test_time_axes_in_dates_and_emergencies_named(folders):
    from datetime import date

    from sim.outputs.plots.canvas import Figures
    from sim.outputs.plots.folder import Folder

    fg = Figures(Folder.load(folders / "run"), "png", "en")
    fig, ax = fg.plt.subplots()
    fg.f.scenario["emergencies"] = [{"name": "flood_x", "label": "July flood", "start": date(2022, 2, 7),
                                     "duration_days": 5}]
    fg.f.scenario.setdefault("wartime", {})["pause_visits"] = True
    fg.shade_periods(ax, "baseline")
    ax.plot([0, 60], [0.8, 0.9])  # a curve near the top: the note goes below it
    fg.time_axis(ax, 60)
    fg.name_emergencies(ax, "baseline")
    fig.canvas.draw()
    assert "July flood" in _texts(fig)  # no wartime in these runs: the emergency alone
    note = next(t for t in ax.texts if t.get_text() == "July flood")
    assert note.xy[1] < 0.6  # in the free room under the curve, not on it
    assert [t.get_text() for t in ax.get_xticklabels()][:2] == ["Jan 3", "Jan 17"]  # fortnights over 49 days
    fg.time_axis(ax, 40)
    assert [t.get_text() for t in ax.get_xticklabels()][:2] == ["Jan 3", "Jan 10"]
    fg.time_axis(ax, 240)
    assert [t.get_text() for t in ax.get_xticklabels()][:2] == ["Feb", "Mar"]
    fg.time_axis(ax, 365)
    assert [t.get_text() for t in ax.get_xticklabels()][::5] == ["Mar", "2023"]  # every other month, January's year
    fg.plt.close(fig)
    zh = Figures(Folder.load(folders / "run"), "png", "zh")
    fig, ax = zh.plt.subplots()
    zh.time_axis(ax, 60)
    assert ax.get_xlabel() == "日期（2022年）"  # Chinese brackets and year, as the axis titles around it
    assert [t.get_text() for t in ax.get_xticklabels()][:2] == ["1月3日", "1月17日"]
    assert zh.policies_label(["baseline", "two_days"]) == "现行方案、每周两天"  # the scenario's label_zh, 、 between
    zh.plt.close(fig)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("days", [20, 45, 60, 90, 120, 365, 730])
def test_date_labels_never_run_together(folders, lang, days):
    from sim.outputs.plots.canvas import Figures
    from sim.outputs.plots.folder import Folder

    fg = Figures(Folder.load(folders / "run"), "png", lang)
    fig, ax = fg.plt.subplots()
    ax.set_xlim(0, days)
    fg.time_axis(ax, days)
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_text()]
    assert len(boxes) >= 3
    assert all(a.x1 + 2 < b.x0 for a, b in zip(boxes, boxes[1:])), [t.get_text() for t in ax.get_xticklabels()]
    fg.plt.close(fig)


def _flooded(folders, lang: str, pause: bool, monkeypatch):
    """An axes of the run folder with a flood on days 30-35 in wartime, and the visiting pause on or off."""
    from datetime import date

    from sim.outputs.plots.canvas import Figures
    from sim.outputs.plots.folder import Folder

    monkeypatch.setattr(Figures, "wartime_share", lambda self, variant: np.ones(60))
    fg = Figures(Folder.load(folders / "run"), "png", lang)
    fg.f.scenario["emergencies"] = [{"name": "flood", "start": date(2022, 2, 2), "duration_days": 5}]
    fg.f.scenario.setdefault("wartime", {})["pause_visits"] = pause
    fig, ax = fg.plt.subplots()
    ax.set(xlim=(0, 60), ylim=(0, 100))
    return fg, fig, ax


@pytest.mark.parametrize("lang, wartime, paused", [("en", "flood\nwartime mode", "visits paused"),
                                                    ("zh", "flood\n战时状态", "暂停走访")])
def test_flood_notes_name_wartime_and_the_visiting_pause(folders, monkeypatch, lang, wartime, paused):
    for pause in (True, False):
        fg, fig, ax = _flooded(folders, lang, pause, monkeypatch)
        fg.name_emergencies(ax, "baseline")
        [note] = [t.get_text() for t in ax.texts]
        assert note.startswith(wartime) and (paused in note) == pause, note
        fg.plt.close(fig)


def test_flood_note_beside_the_data_not_on_a_band(folders, monkeypatch):
    """A confidence band filling the height right of the flood: the note goes left of it, clear of the band."""
    fg, fig, ax = _flooded(folders, "en", True, monkeypatch)
    band = ax.fill_between(np.arange(33, 61), 2, 98, alpha=0.3)
    ax.plot(np.arange(0, 30), np.full(30, 20.0))  # a low curve left of the flood: room above it
    fg.name_emergencies(ax, "baseline")
    fig.canvas.draw()
    [note] = ax.texts
    box = note.get_window_extent()
    assert note.get_horizontalalignment() == "right" and not box.overlaps(band.get_window_extent())
    assert ax.transData.transform((0, 20))[1] < box.y0  # above the curve, not on it
    fg.plt.close(fig)


def test_titles_state_the_horizon(folders, monkeypatch):
    """The run is 60 days long: the time-series titles say so (not 'over the year')."""
    for lang, words in (("en", "60 days"), ("zh", "60天")):
        figs = _drawn(folders / "run", monkeypatch, lang)
        for name in ("backlog-baseline", "coverage-baseline"):
            title = figs[name].axes[0].get_title()
            assert words in title and "year" not in title, (name, title)
        monkeypatch.undo()


def test_coverage_axis_shared_with_the_target_and_room_for_the_wartime_bar(folders, monkeypatch):
    """Coverage may start above 0 but on one axis for every policy; 100% lies below the wartime bar (the top
    4% of the axes); the target is a dashed line named in the legend in the reader's units."""
    from sim.outputs.plots.folder import Folder

    figs = _drawn(folders / "compare", monkeypatch)
    for p in ("baseline", "two_days"):
        ax = figs[f"coverage-{p}"].axes[0]
        [mean] = [line for line in ax.get_lines() if line.get_label() == "mean, 95% CI"]
        runs = Folder.load(folders / "compare").series(p)
        assert list(mean.get_ydata()) == pytest.approx(100 * np.mean([r["coverage_daily"] for r in runs], axis=0))
        assert ax.get_ylabel() == "households visited (% of all)"  # of all households: weighted
        assert "in the last 30 days" in ax.get_title()  # within how many days
        lo, hi = ax.get_ylim()
        assert 0 <= lo <= 70 and (100 - lo) / (hi - lo) <= 0.96, (lo, hi)
        assert max(t for t in ax.get_yticks() if lo <= t <= hi) == 100
        assert any(line.get_linestyle() == "--" and line.get_ydata()[0] == pytest.approx(95) for line in ax.get_lines())
        # no --target: gridsim's default, which no one published, is said to be one
        assert "illustrative, not published: share of households visited within the interval ≥ 95%" in \
            [t.get_text() for t in ax.get_legend().get_texts()]


def test_coverage_axis_reaches_down_to_the_lowest_policy_for_all(folders, monkeypatch):
    """One policy's coverage far lower: every policy's coverage axis reaches down to it."""
    from sim.outputs.plots.folder import Folder

    real = Folder.series

    def lower(self, variant):
        out = real(self, variant)
        for s in out if variant == "two_days" else []:
            s["coverage_daily"] = [0.5] * len(s["coverage_daily"])
        return out

    monkeypatch.setattr(Folder, "series", lower)
    figs = _drawn(folders / "compare", monkeypatch)
    a, b = (figs[f"coverage-{p}"].axes[0].get_ylim() for p in ("baseline", "two_days"))
    assert a == b and a[0] <= 45, (a, b)


def test_legends_never_cover_the_axes(folders, monkeypatch):
    for kind in ("run", "compare", "sweep"):
        legended = set()
        for name, fig in _drawn(folders / kind, monkeypatch).items():
            for ax in fig.axes:
                legend = ax.get_legend()
                if legend is not None:
                    legended.add(name)
                    assert not legend.get_window_extent().overlaps(ax.get_window_extent()), (kind, name)
        # time series, resolution times and sweeps name their curves (and so are checked here)
        assert {n for n in FIGURES[kind] if n.startswith(("backlog", "coverage", "resolution", "sweep"))} <= legended
        monkeypatch.undo()


def test_sla_lines_labelled_on_the_line_clear_of_the_curves(folders, monkeypatch):
    """Each issue type's SLA: a dotted line with '<type label> SLA' written along it, on no curve."""
    import tomllib

    figs = _drawn(folders / "run", monkeypatch)
    ax = figs["resolution-ecdf-baseline"].axes[0]
    types = tomllib.loads((folders / "run" / "scenario.resolved.toml").read_text())["issue_types"]
    days = {t["sla_hours"] / 24 for t in types.values()}  # every SLA inside the axis (in days), one line each
    dotted = [line.get_xdata()[0] for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert sorted(dotted) == pytest.approx(sorted(d for d in days if d < ax.get_xlim()[1])) and len(dotted) >= 3
    sla = {t.get_text(): t for t in ax.texts if t.get_text().endswith(" SLA")}
    assert {"consultation SLA", "safety hazard SLA"} <= set(sla), set(sla)
    curves = [ax.transData.transform(np.column_stack(line.get_data())) for line in ax.get_lines()
              if line.get_transform() == ax.transData]
    for text, t in sla.items():
        box = t.get_window_extent().shrunk(0.9, 0.95)
        x = t.xy[0]  # the text is an annotation of the line at the SLA
        assert any(line.get_linestyle() == ":" and line.get_xdata()[0] == x for line in ax.get_lines()), text
        for xy in curves:
            assert not box.count_contains(xy), (text, "on a curve")


def test_sweep_series_dodged_at_each_level(folders, monkeypatch):
    """Several series at one level (numeric or categorical): side by side, none on another's x."""
    figs = _drawn(folders / "sweep", monkeypatch)
    value = _sweep_means(folders, "coverage_mean", 100)
    by_count = {f"service days = {d}": [(n, d) for n in COUNTS] for d in DAYS}
    by_days = {f"sunk cadres = {n}": [(n, d) for d in DAYS] for n in COUNTS}
    for name, series in (("sweep-coverage_mean-by-count", by_count), ("sweep-coverage_mean-by-service_days", by_days)):
        ax = figs[name].axes[0]
        xs = [x for c in ax.containers for x in c.lines[0].get_xdata()]
        assert len(ax.containers) == 2 and len(set(xs)) == len(xs) == 4, (name, xs)
        # one series per level of the other factor, each point at its mean in summary.json
        assert {c.get_label(): list(c.lines[0].get_ydata()) for c in ax.containers} == {
            label: pytest.approx([value[k] for k in keys]) for label, keys in series.items()}, name
        # wrapped: on one line it is taller than the axes and runs into the title
        assert ax.get_ylabel() == "share of households visited\nwithin the interval (%)"
    ticks = [t.get_text() for t in figs["sweep-coverage_mean-by-count"].axes[0].get_xticklabels()]
    assert ticks == ["600", "1000"]  # the design's levels, in numeric order


def test_targets_in_the_readers_units_and_inside_the_colour_scale(folders, monkeypatch):
    from sim.outputs.plots.labels import figure_value

    assert figure_value("resolution_hours_p90", 72, "en") == "72 h"
    assert figure_value("resolution_hours_p90", 72, "zh") == "72小时"
    assert figure_value("coverage_mean", 0.95, "en") == "95%"
    figs = _drawn(folders / "sweep", monkeypatch)
    heat = figs["heatmap-resolution_hours_p90"]
    assert "p90 resolution time ≤ 72 h, share of households visited within the interval ≥ 95%" in heat.axes[0].get_title()
    assert heat.axes[0].images[0].norm.vmax >= 72  # an hour's spread far under the target is not the whole scale
    legend = [t.get_text() for t in figs["sweep-resolution_hours_p90-by-count"].axes[0].get_legend().get_texts()]
    assert "target: p90 resolution time ≤ 72 h" in legend
