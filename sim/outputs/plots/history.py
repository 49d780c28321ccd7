"""Figures of a history-matching calibration (``gridsim calibrate --vary``), from its CSVs and summary block alone.

- ``history-pairs``: the plausible parameter sets (plausible.csv), each pair of varied KEYs as a scatter over the
  design points that were run (faint, points.csv), a histogram of each KEY on the diagonal, every axis spanning
  the initial box (what was ruled out is the empty part of it);
- ``history-implausibility``: per pair of KEYs, the minimum implausibility over the other dimensions in each cell
  of a grid over the box (a minimum-implausibility projection of implausibility.csv), coloured up to twice the
  cutoff (grey beyond), the cutoff drawn as a line around what is still plausible;
- ``history-waves``: the share of the initial box still plausible after each wave (log scale when it falls below
  10%), each wave's emulators that failed their diagnostics named beside it (they ruled nothing out).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.outputs.history import HistoryMatch, load_history, min_over_bins, percent
from sim.outputs.plots.canvas import Figures, axis_text
from sim.outputs.plots.folder import Folder
from sim.outputs.plots.style import PALETTE, WIDTH

BINS = 12  # cells per side of the implausibility projection: about 14 sample points per cell of 2,000
WORDS = {
    "en": {"pairs": "Plausible parameter sets ({n}) in the initial box", "none": "no plausible set:\nevery point run\nis ruled out", "pairs_none": "No plausible parameter set in the initial box",
           "plausible": "plausible set", "run": "design point run", "count": "sets",
           "impl": "Lowest implausibility over the other parameters", "impl_box": "Lowest implausibility across the initial box", "cut": "cutoff {c:g}:\nplausible inside the line", "cut_none": "cutoff {c:g} (on the colour bar):\nno point below it",
           "min_i": "minimum implausibility", "waves": "Share of the initial box still plausible",
           "wave": "wave", "share": "share of the initial box (%)", "failed": "emulator of {m} failed its check",
           "all_ok": "all emulators passed", "start": "initial box", "runs": "{n} runs",
           "what_pairs": "history matching, {k} plausible sets, {r} runs",
           "what_impl": "{n:,} points sampled uniformly in the box; each cell: the minimum implausibility of its points, each "
                        "point as judged in the wave that ruled it out (or after the last wave, {w}); grey: {g:g} or more",
           "first": "all ruled out\nin wave 1",
           "what_waves": "shares of a uniform sample of the box; a failed emulator rules nothing out"},
    "zh": {"pairs": "初始参数范围内的可信参数组合（{n}组）", "none": "无可信参数组合：\n所有已运行的点\n均被排除", "pairs_none": "初始参数范围内没有可信参数组合",
           "plausible": "可信参数组合", "run": "已运行的设计点", "count": "组数",
           "impl": "其余参数上的最小不可信度", "impl_box": "初始范围内的最小不可信度", "cut": "阈值{c:g}：\n线内为可信区域", "cut_none": "阈值{c:g}（见色标）：\n没有低于阈值的点",
           "min_i": "最小不可信度", "waves": "初始参数范围中仍可信的比例",
           "wave": "轮次", "share": "占初始范围的比例（%）", "failed": "{m}的代理模型未通过检验",
           "all_ok": "代理模型均通过检验", "start": "初始范围", "runs": "{n}次运行",
           "what_pairs": "历史匹配，{k}组可信参数，{r}次运行",
           "what_impl": "在参数范围内均匀抽取{n:,}个点；每格为格内各点的最小不可信度，每点取排除它的那一轮的值"
                        "（未被排除的点取最后一轮即第{w}轮的值）；灰色为{g:g}及以上",
           "first": "均在第1轮\n被排除",
           "what_waves": "比例按均匀样本估计；未通过检验的代理模型不排除任何区域"},
}


def history_folder(path: Any) -> Folder:
    """The folder as the figures' canvas needs it (summary and scenario; a history match reads no runs)."""
    hm = load_history(path)
    return Folder(hm.path, "calibrate", hm.summary, hm.scenario, [], [])


def history_figures(fg: Figures) -> list:
    hm = load_history(fg.f.path)
    _pairs(fg, hm)
    if hm.sample and "I_max" in hm.sample:
        _implausibility(fg, hm)
    if hm.waves:
        _waves(fg, hm)
    return fg.written


def _w(fg: Figures, key: str, **kw: Any) -> str:
    return WORDS[fg.lang][key].format(**kw)


def _label(fg: Figures, key: str, width: int = 22) -> str:
    return axis_text(fg.param_label(key), width)


def _grid(fg: Figures, k: int, cell: float):
    """A k x k grid of axes (a k of 1: one), sized to stay readable: a column's width up to three KEYs."""
    side = max(WIDTH, min(7.0, cell * k + 0.8))
    fig, axes = fg.plt.subplots(k, k, figsize=(side, side * (0.8 if k == 1 else 1.0)), squeeze=False)
    return fig, axes


def _pairs(fg: Figures, hm: HistoryMatch) -> None:
    keys, n = hm.keys, hm.n_plausible
    fig, axes = _grid(fg, len(keys), 1.3)
    runs = hm.points
    for i, ky in enumerate(keys):
        for j, kx in enumerate(keys):
            ax = axes[i, j]
            if j > i:
                ax.set_axis_off()
                continue
            ax.set_xlim(*hm.box[kx])
            if i == j:  # the KEY's distribution over the plausible sets
                if n:
                    ax.hist(hm.plausible[kx], bins=min(20, max(5, n // 5)), range=hm.box[kx], color=PALETTE[0],
                            alpha=0.8)
                ax.set_ylabel(_w(fg, "count") if len(keys) == 1 else "")
                ax.tick_params(labelleft=len(keys) == 1)
            else:
                ax.set_ylim(*hm.box[ky])
                if kx in runs and ky in runs:
                    ax.scatter(runs[kx], runs[ky], s=2, color="#bbbbbb", lw=0,
                               label=_w(fg, "run") if (i, j) == (1, 0) else None)
                if n:
                    ax.scatter(hm.plausible[kx], hm.plausible[ky], s=3, color=PALETTE[0], lw=0, alpha=0.7,
                               label=_w(fg, "plausible") if (i, j) == (1, 0) else None)
            ax.tick_params(labelsize=5.5, labelbottom=i == len(keys) - 1)
            if j > 0 and i != j:
                ax.tick_params(labelleft=False)
            if i == len(keys) - 1:
                ax.set_xlabel(_label(fg, kx), fontsize=6)
            if j == 0 and i > 0:
                ax.set_ylabel(_label(fg, ky), fontsize=6)
    if not n:  # the run points alone, and in words why no set is drawn
        axes[0, -1].text(0.5, 0.5, _w(fg, "none"), ha="center", va="center", fontsize=9, color=PALETTE[3],
                         transform=axes[0, -1].transAxes)
    elif len(keys) > 1:  # in the empty corner above the diagonal, clear of the title and the points
        axes[0, -1].legend(*axes[1, 0].get_legend_handles_labels(), loc="center", fontsize=6, markerscale=3)
    fig.suptitle(_w(fg, "pairs", n=f"{n:,}") if n else _w(fg, "pairs_none"), fontsize=8, fontweight="bold")
    fig.tight_layout()
    fg.save(fig, "history-pairs", _w(fg, "what_pairs", k=f"{n:,}", r=f"{sum(w.runs for w in hm.waves):,}"))


def _implausibility(fg: Figures, hm: HistoryMatch) -> None:
    import matplotlib as mpl
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    keys, s, cut = hm.keys, hm.sample, hm.cutoff
    value = s["I_max"]
    # colour up to twice the cutoff (grey beyond): where nothing is plausible, the reader still sees how near it came
    norm = mpl.colors.Normalize(0, 2 * cut)
    cmap = mpl.colormaps["viridis"].with_extremes(over="#d9d9d9", bad="white")
    edge = Line2D([], [], color=PALETTE[3], lw=1.2,
                  label=_w(fg, "cut" if np.nanmin(value, initial=np.inf) < cut else "cut_none", c=cut))
    hatch = Patch(facecolor="#777777", edgecolor="#ffffff", hatch="////", label=_w(fg, "first"))
    if len(keys) == 1:
        fig, ax = fg.plt.subplots(figsize=(WIDTH, 2.4))
        k = keys[0]
        edges = np.linspace(*hm.box[k], BINS * 2 + 1)
        low = min_over_bins(s[k], np.zeros_like(s[k]), value, hm.box[k], (0.0, 1.0), BINS * 2)[0]
        ax.stairs(low, edges, color=PALETTE[0], lw=1.2)
        ax.axhline(cut, color=PALETTE[3], ls="--", lw=0.8, label=_w(fg, "cut", c=cut))
        top = float(np.nanmax(low)) if np.isfinite(low).any() else cut
        ax.set(xlim=hm.box[k], ylim=(0, max(2 * cut, top * 1.05)), xlabel=_label(fg, k, 40), ylabel=_w(fg, "min_i"))
        ax.legend(fontsize=6)
    else:
        pairs = len(keys) - 1
        fig, axes = _grid(fg, pairs, 1.5)
        for i in range(1, len(keys)):
            for j in range(pairs):
                ax = axes[i - 1, j]
                if j >= i:
                    ax.set_axis_off()
                    continue
                kx, ky = keys[j], keys[i]
                xs, ys = np.linspace(*hm.box[kx], BINS + 1), np.linspace(*hm.box[ky], BINS + 1)
                grid = min_over_bins(s[kx], s[ky], value, hm.box[kx], hm.box[ky], BINS)
                mesh = ax.pcolormesh(xs, ys, grid, cmap=cmap, norm=norm)
                if "wave_ruled_out" in s:  # hatched: cells whose every point wave 1 ruled out (an early, rough I)
                    first = min_over_bins(s[kx], s[ky], (s["wave_ruled_out"] == 1).astype(float), hm.box[kx],
                                          hm.box[ky], BINS)
                    # one patch per such cell: a masked pcolor still hatches the masked cells
                    for yi, xi in zip(*np.nonzero(first == 1)):
                        ax.add_patch(Rectangle((xs[xi], ys[yi]), xs[xi + 1] - xs[xi], ys[yi + 1] - ys[yi],
                                               hatch="////", facecolor="none", edgecolor="#ffffff", lw=0))
                if np.nanmin(grid, initial=np.inf) < cut:  # the edge of what is still plausible
                    _edge(ax, xs, ys, grid, cut)
                ax.grid(False)
                ax.tick_params(labelsize=5.5, labelbottom=i == len(keys) - 1, labelleft=j == 0)
                if i == len(keys) - 1:
                    ax.set_xlabel(_label(fg, kx), fontsize=6)
                if j == 0:
                    ax.set_ylabel(_label(fg, ky), fontsize=6)
        bar = fig.colorbar(mesh, ax=axes.ravel().tolist(), extend="max", shrink=0.8)
        bar.ax.axhline(cut, color=PALETTE[3], lw=1.5)
        bar.set_label(_w(fg, "min_i"), fontsize=6)
        bar.ax.tick_params(labelsize=5.5)
        if pairs > 1:  # in the empty corner
            axes[0, -1].legend(handles=[edge, hatch], loc="center left", bbox_to_anchor=(-0.1, 0.5), fontsize=6)
        else:  # under the axis label (of up to three lines)
            axes[0, 0].legend(handles=[edge, hatch], loc="upper center", bbox_to_anchor=(0.5, -0.3), fontsize=6)
    fig.suptitle(_w(fg, "impl" if len(keys) > 2 else "impl_box"), fontsize=8, fontweight="bold")
    last = max((w.wave for w in hm.waves), default=0)
    fg.save(fig, "history-implausibility", _w(fg, "what_impl", n=len(value), w=last, g=2 * cut))


def _edge(ax: Any, xs: np.ndarray, ys: np.ndarray, grid: np.ndarray, cut: float) -> None:
    """The cutoff as a line around the cells below it, closed along the box's sides too: the grid is padded by
    a ring of ruled-out cells outside the box (the axes clip it to the box)."""
    def centres(e: np.ndarray) -> np.ndarray:
        c = (e[1:] + e[:-1]) / 2
        step = e[1] - e[0]
        return np.r_[e[0] - step / 2, c, e[-1] + step / 2]  # the ring's centres lie on the box's sides

    padded = np.pad(np.nan_to_num(grid, nan=2 * cut), 1, constant_values=2 * cut)
    ax.contour(centres(xs), centres(ys), padded, levels=[cut], colors=[PALETTE[3]], linewidths=1.0)
    ax.set(xlim=(xs[0], xs[-1]), ylim=(ys[0], ys[-1]))


def _waves(fg: Figures, hm: HistoryMatch) -> None:
    waves = [0] + [w.wave for w in hm.waves]
    share = np.array([1.0] + [w.plausible_share for w in hm.waves]) * 100
    fig, ax = fg.plt.subplots(figsize=(WIDTH, 2.4))
    ax.plot(waves, share, "-", color=PALETTE[0], lw=1)
    ok = [w for w in hm.waves if not w.failed]
    bad = [w for w in hm.waves if w.failed]
    ax.plot([0], [100], "s", color="#888888", ms=4, label=_w(fg, "start"))
    if ok:
        ax.plot([w.wave for w in ok], [100 * w.plausible_share for w in ok], "o", color=PALETTE[0], ms=4,
                label=_w(fg, "all_ok"))
    for w in bad:  # hollow: a wave in which some emulator ruled nothing out, named beside it
        ax.plot([w.wave], [100 * w.plausible_share], "o", mfc="white", mec=PALETTE[3], ms=4)
        ax.annotate(axis_text(_w(fg, "failed", m=fg.listing(fg.metric_name(m) for m in w.failed)), 28),
                    (w.wave, 100 * w.plausible_share), xytext=(4, 4), textcoords="offset points", fontsize=5.5,
                    color=PALETTE[3])
    for x, y in zip(waves[1:], share[1:]):
        ax.annotate(percent(y / 100), (x, y), xytext=(-5, -9), textcoords="offset points", ha="right", fontsize=5.5)
    positive = share[share > 0]
    if positive.size and positive.min() < 10:  # what later waves leave is a small share: a log scale shows it
        from matplotlib.ticker import FuncFormatter

        ax.set_yscale("log")
        ax.set_ylim(max(positive.min() / 4, 1e-4), 150)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    else:
        ax.set_ylim(-8, 110)  # room under a wave that left nothing for its label
    runs = [_w(fg, "start")] + [_w(fg, "runs", n=f"{w.runs:,}") for w in hm.waves]
    ax.set_xticks(waves, [f"{w}\n{r}" for w, r in zip(waves, runs)], fontsize=6)
    ax.set(xlabel=_w(fg, "wave"), ylabel=_w(fg, "share"), xlim=(-0.3, waves[-1] + 0.6))
    ax.legend(fontsize=6, loc="best")
    ax.set_title(_w(fg, "waves"), fontsize=8)
    fg.save(fig, "history-waves", _w(fg, "what_waves"))

