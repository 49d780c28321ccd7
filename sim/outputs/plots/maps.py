"""Choropleth maps of per-grid results over the district's polygons (real, or the synthetic layout).

Run: ``map-coverage``, ``map-resolution_p90`` (and ``map-backlog`` when the runs keep
per-grid backlog), the mean over replications of each grid's value.  Compare: the same
maps with one panel per policy on one colour scale, and ``map-<metric>-difference``
(policy − reference) on one diverging scale centred on zero, blue where the policy is
better; a grid whose paired difference (over the replications both policies ran, common
random numbers) has a Student-t 95% CI that includes zero is greyed and hatched, so that
noise does not read as a pattern.  Community boundaries thin, street boundaries thick, streets labelled; with real
geometry a scale bar and a north arrow, with the synthetic layout a note saying so.
Drawn from the results folder only (``grids.csv``, the runs' series, the GeoJSON file).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from sim.experiments.statistics import summarize
from sim.outputs.geo import DistrictShapes, folder_district
from sim.outputs.glossary import metric_info
from sim.outputs.grid_table import layout_per_replication
from sim.outputs.plots.canvas import Figures
from sim.outputs.plots.labels import axis, diff_label
from sim.outputs.plots.style import WIDTH

# series key -> (file name part, metric giving its label, unit and better direction, title key, colour map)
MAPS = [
    ("grid_coverage", "coverage", "coverage_mean", "t_grid_cov", "viridis"),
    ("grid_resolution_p90", "resolution_p90", "resolution_hours_p90", "t_grid_p90", "viridis_r"),
    ("grid_backlog_mean", "backlog", "backlog_mean", "t_grid_backlog", "viridis_r"),
]
KM_PER_DEGREE = 111.32
NAN_COLOUR = "#cccccc"
UNCLEAR_COLOUR, UNCLEAR_HATCH = "#eeeeee", "#aaaaaa"  # lighter than a grid without data, and hatched


def district_of(fg: Figures) -> DistrictShapes | None:
    if not hasattr(fg, "_district"):
        fg._district = folder_district(fg.f.path, fg.f.scenario)
    return fg._district


def _mean(series: list[dict[str, list[float]]], key: str) -> np.ndarray:
    with warnings.catch_warnings():  # a grid with no resolved issue in any run stays NaN (grey)
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(np.array([s[key] for s in series], dtype=float), axis=0)


def _projected(d: DistrictShapes) -> list[Any]:
    """Polygons in km on a local plane (equirectangular about the district's middle)."""
    import shapely

    x0, y0, x1, y1 = shapely.total_bounds(d.polygons)
    lon0, lat0 = (x0 + x1) / 2, (y0 + y1) / 2
    k = math.cos(math.radians(lat0))
    return list(shapely.transform(d.polygons, lambda xy: (xy - [lon0, lat0]) * [KM_PER_DEGREE * k, KM_PER_DEGREE]))


def _draw(fg: Figures, ax, d: DistrictShapes, polys: list[Any], values: np.ndarray, cmap, norm, labels: bool = True,
          unclear: np.ndarray | None = None) -> None:
    """The choropleth; grids marked ``unclear`` (a difference not told apart from zero) greyed and hatched."""
    import matplotlib.patheffects as pe
    import shapely
    from matplotlib.collections import PatchCollection
    from shapely.plotting import patch_from_polygon

    coll = PatchCollection([patch_from_polygon(p) for p in polys], cmap=cmap, norm=norm, edgecolor="white", linewidth=0.15)
    coll.set_array(np.ma.masked_invalid(values))
    ax.add_collection(coll)
    if unclear is not None and unclear.any():
        ax.add_collection(PatchCollection([patch_from_polygon(p) for p, u in zip(polys, unclear) if u],
                                          facecolor=UNCLEAR_COLOUR, edgecolor=UNCLEAR_HATCH, hatch="//////", linewidth=0.0))
    for groups, lw in ((d.communities, 0.4), (d.streets, 1.3)):
        for name in dict.fromkeys(groups):
            union = shapely.union_all([p for p, g in zip(polys, groups) if g == name])
            for line in getattr(union.boundary, "geoms", [union.boundary]):
                x, y = line.xy
                ax.plot(x, y, color="#111111" if lw > 1 else "#555555", lw=lw, solid_joinstyle="round")
            if labels and lw > 0.5:
                pt = union.representative_point()
                ax.text(pt.x, pt.y, name, fontsize=5, ha="center", va="center", color="#111111",
                        path_effects=[pe.withStroke(linewidth=1.5, foreground="white")])
    x0, y0, x1, y1 = shapely.total_bounds(polys)
    pad = 0.02 * max(x1 - x0, y1 - y0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad - (0.09 * (y1 - y0) if d.real else 0), y1 + pad)  # room below for the scale bar
    ax.set_aspect("equal")
    ax.set_axis_off()
    if d.real:
        _scale_and_north(fg, ax, x0, y0, x1, y1)


def _scale_and_north(fg: Figures, ax, x0: float, y0: float, x1: float, y1: float) -> None:
    """A scale bar (1, 2 or 5 x 10^k km, about a quarter of the width) and a north arrow, below the map."""
    span, h = (x1 - x0) / 4, y1 - y0
    step = 10 ** math.floor(math.log10(span)) if span > 0 else 1
    length = max(m * step for m in (1, 2, 5) if m * step <= span) if span > 0 else 1
    ax.plot([x0, x0 + length], [y0 - 0.07 * h] * 2, color="black", lw=1.5, solid_capstyle="butt")
    ax.text(x0 + length / 2, y0 - 0.055 * h, f"{length:g} {fg.label('map_km')}", fontsize=5, ha="center", va="bottom")
    ax.annotate("N", xy=(x1, y0 - 0.015 * h), xytext=(x1, y0 - 0.09 * h), fontsize=5.5, ha="center", va="bottom",
                arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 0.8, "shrinkA": 6})


def _note(fg: Figures, fig, d: DistrictShapes, extra: str = "") -> None:
    folder = getattr(fg, "f", None)  # a fit's map has no results folder, and one layout
    per_replication = folder is not None and layout_per_replication(folder.scenario)
    lines = [x for x in (extra, "" if d.real else fg.label("map_synthetic"),
                         fg.label("map_layout_per_replication") if per_replication else "") if x]
    if lines:
        fig.text(0.5, 0.0, "\n".join(lines), fontsize=5.5, color="#555555", ha="center", va="top")


def _colorbar(fg: Figures, fig, axes, cmap, norm, label: str) -> None:
    sm = fg.plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    cb = fig.colorbar(sm, ax=axes, orientation="horizontal", fraction=0.04, pad=0.02, aspect=35)
    cb.set_label(label, fontsize=6.5)
    cb.ax.tick_params(labelsize=6)


def _cmap(name: str):
    from matplotlib import colormaps

    return colormaps[name].with_extremes(bad=NAN_COLOUR)


def _norm(values: list[np.ndarray]):
    from matplotlib.colors import Normalize

    finite = np.concatenate([v[np.isfinite(v)] for v in values])
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    pad = 0.0 if hi > lo else max(abs(lo) * 0.01, 1e-6)  # one value everywhere: a scale around it, not 1e-9 wide
    return Normalize(vmin=lo - pad, vmax=hi + pad)


def run_maps(fg: Figures, variant: str, series: list[dict[str, list[float]]]) -> None:
    """One choropleth per per-grid series of one policy's runs: ``map-<metric>``."""
    d = district_of(fg)
    if d is None:
        return
    polys = _projected(d)
    for key, name, metric, title, cmap in MAPS:
        if key not in series[0] or len(series[0][key]) != len(d.ids):
            continue
        raw = _mean(series, key)
        scale, label = axis(metric, raw[np.isfinite(raw)].tolist(), fg.lang)
        fig, ax = fg.plt.subplots(figsize=(WIDTH, WIDTH))
        draw_map(fg, fig, ax, d, raw * scale, cmap, label, polys)
        ax.set_title(fg.label(title), fontsize=7.5)
        fg.save(fig, f"map-{name}", fg.policy_label(variant))


def draw_map(fg: Any, fig, ax, d: DistrictShapes, values: np.ndarray, cmap: str, label: str,
             polys: list[Any] | None = None) -> None:
    """One choropleth of ``values`` (in ``d``'s grid order) with its colour bar and note.  ``fg`` needs only
    ``label`` and ``plt``: a fit folder, which is not a results folder, draws its map with it."""
    cm, norm = _cmap(cmap), _norm([values])
    _draw(fg, ax, d, _projected(d) if polys is None else polys, values, cm, norm)
    _colorbar(fg, fig, ax, cm, norm, label)
    _note(fg, fig, d)


def compare_maps(fg: Figures) -> None:
    """Per metric: every policy on one colour scale (``map-<metric>``), and differences from the
    reference on one diverging scale (``map-<metric>-difference``)."""
    d = district_of(fg)
    policies = fg.f.variants
    if d is None or not policies:
        return
    ref = fg.f.summary.get("reference") or policies[0]
    by_rep = {p: fg.f.series_by_replication(p) for p in policies}
    series = {p: list(s.values()) for p, s in by_rep.items()}
    if not all(series.values()) or ref not in series:
        return
    polys = _projected(d)
    for key, name, metric, title, cmap in MAPS:
        if any(key not in s[0] or len(s[0][key]) != len(d.ids) for s in series.values()):
            continue
        raw = {p: _mean(s, key) for p, s in series.items()}
        scale, label = axis(metric, np.concatenate([v[np.isfinite(v)] for v in raw.values()]).tolist(), fg.lang)
        values = {p: v * scale for p, v in raw.items()}
        cm, norm = _cmap(cmap), _norm(list(values.values()))
        _panels(fg, d, polys, {fg.policy_label(p): v for p, v in values.items()}, cm, norm, label, fg.label(title),
                f"map-{name}")
        others = [p for p in policies if p != ref]
        if not others:
            continue
        paired = {p: grid_differences(by_rep[p], by_rep[ref], key) for p in others}
        diffs = {p: mean * scale for p, (mean, _, _) in paired.items()}
        finite = np.concatenate([v[np.isfinite(v)] for v in diffs.values()])
        m = float(np.abs(finite).max()) if finite.size else 0.0
        from matplotlib.colors import Normalize

        better = (metric_info(metric)[0].better if metric_info(metric) else "higher")
        dcm = _cmap("RdBu" if better == "higher" else "RdBu_r")
        dlabel = diff_label(label, metric, fg.lang)
        n = min(k for _, _, k in paired.values())
        _panels(fg, d, polys, {f"{fg.policy_label(p)} − {fg.policy_label(ref)}": v for p, v in diffs.items()}, dcm, Normalize(-m or -1e-9, m or 1e-9),
                dlabel, fg.label("t_map_diff", metric=fg.metric_name(metric), base=fg.policy_label(ref)), f"map-{name}-difference",
                unclear=[u for _, u, _ in paired.values()], note=fg.label("map_unclear", n=n))


def grid_differences(a: dict[int, dict[str, list[float]]], b: dict[int, dict[str, list[float]]],
                     key: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Per grid, the mean paired difference a − b of series ``key`` over the replications both ran, whether its
    Student-t 95% CI includes zero (also when there is no CI: one replication, or a grid without values), and
    the number of replications paired."""
    common = [r for r in a if r in b]
    d = np.array([np.asarray(a[r][key], dtype=float) - np.asarray(b[r][key], dtype=float) for r in common])
    sums = [summarize(d[:, g]) for g in range(d.shape[1])]
    mean = np.array([s.mean for s in sums])
    unclear = np.array([not (s.ci95[0] > 0 or s.ci95[1] < 0) for s in sums])  # a NaN end compares False: unclear
    return mean, unclear, len(common)


PANEL_TITLE_PT = 7.0
TITLE_LINE_IN = PANEL_TITLE_PT * 1.3 / 72  # the height of one line of a panel title


def fitted(text: str, width_in: float, size: float, renderer) -> str:
    """``text`` broken at spaces into lines no wider than ``width_in`` inches at ``size`` points, as measured by
    the renderer (a word longer than the width keeps a line of its own)."""
    from matplotlib.font_manager import FontProperties

    font = FontProperties(size=size, weight="bold")

    def wide(s: str) -> bool:
        return renderer.get_text_width_height_descent(s, font, ismath=False)[0] > width_in * renderer.dpi

    lines: list[str] = []
    for word in text.split(" "):
        if lines and not wide(f"{lines[-1]} {word}"):
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return "\n".join(lines)


def _panel_titles(fg: Figures, fig, axes, titles: list[str], cols: int) -> None:
    """Each panel's title within its own panel's width (wrapped, never running into its neighbour's)."""
    renderer = fig.canvas.get_renderer()
    room = fig.get_figwidth() / cols * 0.9  # a panel's share of the width, less the gaps between panels
    for ax, text in zip(axes, titles):
        ax.set_title(fitted(text, room, PANEL_TITLE_PT, renderer), fontsize=PANEL_TITLE_PT)


def _title_lines(fg: Figures, titles: list[str], width_in: float) -> int:
    """Lines the longest panel title takes at ``width_in`` (to size the figure before drawing it)."""
    from matplotlib.backends.backend_agg import RendererAgg

    r = RendererAgg(1, 1, fg.plt.rcParams["figure.dpi"])
    return max(fitted(t, width_in * 0.9, PANEL_TITLE_PT, r).count("\n") + 1 for t in titles)


def _panels(fg: Figures, d: DistrictShapes, polys: list[Any], values: dict[str, np.ndarray], cmap, norm,
            label: str, title: str, file: str, unclear: list[np.ndarray] | None = None, note: str = "") -> None:
    import shapely

    n = len(values)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    width = 2 * WIDTH if n > 1 else WIDTH
    x0, y0, x1, y1 = shapely.total_bounds(polys)
    lines = _title_lines(fg, list(values), width / cols)
    fig, axes = fg.plt.subplots(rows, cols, figsize=(width, rows * (width / cols * (y1 - y0) / (x1 - x0)
                                                                   + lines * TITLE_LINE_IN) + 1.0),
                                squeeze=False, layout="constrained")
    for ax in axes.ravel()[n:]:
        ax.set_axis_off()
    for i, (ax, (panel, v)) in enumerate(zip(axes.ravel(), values.items())):
        _draw(fg, ax, d, polys, v, cmap, norm, labels=n <= 2, unclear=unclear[i] if unclear else None)
    _panel_titles(fg, fig, axes.ravel(), list(values), cols)
    _colorbar(fg, fig, axes.ravel().tolist(), cmap, norm, label)
    fig.suptitle(title, fontsize=8, fontweight="bold")
    _note(fg, fig, d, note)
    fg.save(fig, file, fg.listing(list(values)))


def side_by_side(fg: Figures, d: DistrictShapes, values: dict[str, np.ndarray], units: dict[str, str], title: str,
                 file: str) -> None:
    """Panels of different quantities over the same district, each on its own colour scale (viridis)."""
    import shapely

    polys = _projected(d)
    n = len(values)
    x0, y0, x1, y1 = shapely.total_bounds(polys)
    width = 2 * WIDTH if n > 1 else WIDTH
    lines = _title_lines(fg, list(values), width / n)
    fig, axes = fg.plt.subplots(1, n, figsize=(width, width / n * (y1 - y0) / (x1 - x0) + lines * TITLE_LINE_IN + 1.1),
                                squeeze=False, layout="constrained")
    for ax, (panel, v) in zip(axes.ravel(), values.items()):
        cm, norm = _cmap("viridis"), _norm([v])
        _draw(fg, ax, d, polys, v, cm, norm, labels=n <= 2)
        _colorbar(fg, fig, ax, cm, norm, units[panel])
    _panel_titles(fg, fig, axes.ravel(), list(values), n)
    fig.suptitle(title, fontsize=8, fontweight="bold")
    _note(fg, fig, d)
    fg.save(fig, file, fg.listing(list(values)))
