"""Figures and reports, made from small real results folders."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.cli import main
from sim.outputs.plots import PlotError, plot_folder
from sim.outputs.plots.style import cjk_font
from sim.outputs.report import write_report

ROOT = Path(__file__).resolve().parent.parent
BAOTA = ROOT / "scenarios" / "baota.toml"
SHORT = [("calendar.horizon_days", 60)]


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


@pytest.mark.parametrize("kind, expected", [
    ("run", ["backlog-baseline", "coverage-baseline", "resolution-ecdf-baseline", "utilization-baseline",
             "grid-resolution-p90-baseline", "grid-coverage-baseline"]),
    ("compare", ["policies", "differences", "backlog-two_days", "grid-coverage-two_days"]),
    ("sweep", ["sweep-coverage_mean-by-count", "sweep-resolution_hours_p90-by-service_days",
               "heatmap-resolution_hours_p90", "heatmap-coverage_mean"]),
])
def test_every_figure_type_is_a_valid_image_of_single_column_size(folders, kind, expected):
    written = plot_folder(folders / kind)
    names = {p.stem for p in written}
    assert set(expected) <= names, set(expected) - names
    for p in written:
        width, height = png_size(p)
        # about 3.5 inches (one column) at 300 dpi: 2.8 in for the equal-aspect grid map, more with labels
        assert 840 <= width <= 2400 and 300 <= height <= 3000, (p.name, width, height)


def test_vector_formats(folders):
    for p in plot_folder(folders / "run", "pdf"):
        assert p.read_bytes()[:5] == b"%PDF-"
    svg = plot_folder(folders / "run", "svg")[0].read_text()
    assert "<svg" in svg and "<text" in svg or "<path" in svg


def test_plots_read_only_the_folder(folders, monkeypatch):
    import sim.model.simulation as model

    monkeypatch.setattr(model.Simulation, "run", lambda self: pytest.fail("plot re-ran the model"))
    assert plot_folder(folders / "compare")


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
    try:
        font = cjk_font()
    except PlotError as e:
        pytest.skip(f"no CJK font installed on this machine ({e}); 'make setup' installs one as root")
    # With a real CJK font two different characters look different; a missing glyph is
    # the same empty box for both.
    a, b = _render("网", font), _render("格", font)
    assert np.abs(a - b).sum() > 1000
    assert (a < 128).sum() > 20  # ink on the page
    written = plot_folder(folders / "run", lang="zh")
    assert {p.name for p in written} >= {"backlog-baseline.zh.png", "utilization-baseline.zh.png"}
    assert (folders / "run" / "figures" / "backlog-baseline.png").is_file()  # English kept beside


def test_report_has_markdown_and_a_one_to_two_page_pdf(folders):
    for kind in ("run", "compare", "sweep"):
        md, pdf = write_report(folders / kind)
        text = md.read_text()
        assert "## Method" in text and "common random numbers" in text and "95% CI" in text
        assert re.search(r"!\[.+\]\(figures/.+\.png\)", text)
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
        assert 1 <= pages <= 2, (kind, pages)


def test_cli_plot_errors_and_plot_flag(folders, tmp_path, capsys):
    assert main(["plot", str(tmp_path)]) == 2
    assert "not a gridsim results folder" in capsys.readouterr().err
    assert main(["plot", str(folders / "sweep"), "--target", "nonsense"]) == 2
    out = tmp_path / "r"
    assert main(["run", str(BAOTA), "--set", "calendar.horizon_days=50", "--replications", "1",
                 "--workers", "1", "--out", str(out), "--quiet", "--plot"]) == 0
    assert (out / "figures" / "backlog-base.png").is_file()


def test_lang_both_draws_both_side_by_side_or_keeps_english(folders, monkeypatch):
    from sim import api
    import sim.outputs.plots.style as style

    try:
        style.cjk_font()
        written, notes = api.figures(folders / "run", lang="both")
        names = {p.name for p in written}
        assert not notes and {"backlog-baseline.png", "backlog-baseline.zh.png"} <= names
    except PlotError:
        pass

    def no_font():
        raise PlotError("no CJK font installed")

    monkeypatch.setattr(style, "cjk_font", no_font)
    written, notes = api.figures(folders / "run", lang="both")
    assert written and all(".zh." not in p.name for p in written) and "no zh figures" in notes[0]
    with pytest.raises(PlotError):
        api.figures(folders / "run", lang="zh")
    with pytest.raises(PlotError, match="--lang fr"):
        api.figures(folders / "run", lang="fr")
