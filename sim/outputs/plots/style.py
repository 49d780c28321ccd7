"""One style for every figure: a briefing paper's single column, the Okabe-Ito palette, CJK fonts for Chinese."""

from __future__ import annotations

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
    "axes.prop_cycle": None,  # set from PALETTE in _style()
    "pdf.fonttype": 42,  # embed TrueType: text stays text in PDF
    "svg.fonttype": "none",
}
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Sans SC",
                "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei")


class PlotError(Exception):
    """The folder or the request cannot be plotted (exit code 2)."""


def pyplot_styled(lang: str):
    """matplotlib.pyplot with the briefing style (and a CJK font for lang='zh')."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from cycler import cycler

    style = dict(STYLE, **{"axes.prop_cycle": cycler(color=PALETTE)})
    # English figures fall back to a CJK font for Chinese place names (streets, communities) where one is installed
    cjk = cjk_font() if lang == "zh" else installed_cjk_font()
    if cjk is not None:
        style["font.family"] = [cjk, "DejaVu Sans"] if lang == "zh" else ["DejaVu Sans", cjk]  # a list: per-glyph fallback
        style["pdf.fonttype"] = 3  # CJK fonts are OpenType/CFF collections: embedded as Type 42 their glyphs garble
    if lang == "zh":
        style["axes.unicode_minus"] = False
    plt.rcParams.update(style)
    return plt


def installed_cjk_font() -> str | None:
    """The name of an installed CJK font, if any."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((fam for fam in CJK_FAMILIES if fam in names), None)


def cjk_font() -> str:
    """The name of an installed CJK font, or a PlotError saying how to get one."""
    if (fam := installed_cjk_font()) is not None:
        return fam
    raise PlotError("--lang zh needs a CJK font and none is installed: on Debian/Ubuntu "
                    "'apt-get install fonts-noto-cjk' (make setup does this when run as root), "
                    "then remove ~/.cache/matplotlib so matplotlib sees it")
