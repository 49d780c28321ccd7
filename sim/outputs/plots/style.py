"""One style for every figure: a briefing paper's single column, the Okabe-Ito palette, a CJK font for Chinese."""

from __future__ import annotations

from sim.outputs.fonts import CJK_FAMILY, cjk_font_file

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
WIDTH = 3.5  # inches: one column of a briefing paper
STYLE = {
    "figure.figsize": (WIDTH, 2.6),
    "figure.dpi": 100,
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "font.size": 7.5,
    "axes.titlesize": 8,
    "axes.titleweight": "bold",
    "axes.labelsize": 7.5,
    "legend.fontsize": 6.5,
    "legend.frameon": False,
    "xtick.labelsize": 6.5,
    "ytick.labelsize": 6.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.4,
    "lines.linewidth": 1.2,
    "axes.prop_cycle": None,  # set from PALETTE in pyplot_styled()
    "pdf.fonttype": 3,  # the CJK font is OpenType/CFF: embedded as Type 42 its glyphs garble; Type 3 keeps them
    "svg.fonttype": "none",
}


class PlotError(Exception):
    """The folder or the request cannot be plotted (exit code 2)."""


def pyplot_styled(lang: str):
    """matplotlib.pyplot with the briefing style, Chinese drawn in the CJK font (a FontError when it is missing)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from cycler import cycler

    style = dict(STYLE, **{"axes.prop_cycle": cycler(color=PALETTE)})
    cjk = cjk_font()
    # a list falls back per glyph: English figures draw Chinese street and community names in the CJK font
    style["font.family"] = [cjk, "DejaVu Sans"] if lang == "zh" else ["DejaVu Sans", cjk]
    if lang == "zh":
        style["axes.unicode_minus"] = False
    plt.rcParams.update(style)
    return plt


def cjk_font() -> str:
    """The CJK font's family name, once matplotlib knows it from its file: whatever matplotlib's font cache
    holds (one written before the font was installed lacks it), nothing installed in the system or as root."""
    from matplotlib import font_manager

    path = str(cjk_font_file())
    if not any(f.fname == path for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(path)
    return CJK_FAMILY
