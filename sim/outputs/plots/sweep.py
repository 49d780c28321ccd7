"""Figures of a sweep: each metric against each factor, and two-factor heatmaps marking points that meet targets."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.outputs.glossary import value_label
from sim.outputs.plots.canvas import Figures, axis_text
from sim.outputs.plots.labels import DEFAULT_TARGETS, KEY_METRICS
from sim.outputs.plots.style import PALETTE, PlotError


# DEFAULT_TARGETS is defined with the figures' labels (run figures mark them too) and read from here by reports
__all__ = ["DEFAULT_TARGETS", "contrast_text_color", "heatmaps", "levels", "parse_target", "sweep_figures"]
MARKERS = ["o", "s", "^", "D", "v", "P"]


def _sweep_table(fg: Figures):
    pts = fg.f.summary["points"]
    factors = [f["key"] for f in fg.f.summary["factors"]]
    return pts, factors


def _numeric(values: list[Any]) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _show(v: Any) -> str:
    return "+".join(map(str, v)) if isinstance(v, list) else str(v)


def levels(fg: Figures, key: str) -> list[str]:
    """A factor's levels as shown, in the order of the design (numbers in numeric order)."""
    factor = next(f for f in fg.f.summary["factors"] if f["key"] == key)
    given = [_show(v) for v in factor.get("values", [])]
    seen = {_show(p["params"][key]) for p in fg.f.summary["points"].values()}
    ordered = [v for v in dict.fromkeys(given) if v in seen] + sorted(seen - set(given), key=_sortable)
    return sorted(ordered, key=_sortable) if all(_sortable(v)[0] == 0 for v in ordered) else ordered


def _value(fg: Figures, key: str, shown: str) -> str:
    return value_label(key, shown, fg.lang)


def sweep_figures(fg: Figures, targets: list[tuple[str, str, float]]) -> None:
    pts, factors = _sweep_table(fg)
    metrics = [m for m in KEY_METRICS if any(m in p["metrics"] for p in pts.values())]
    lhs = fg.f.summary.get("design") == "lhs"
    what = fg.label("sweep_of", factors=("、" if fg.lang == "zh" else ", ").join(map(fg.param_label, factors)))
    for x in factors:
        others = [f for f in factors if f != x]
        group_by = others[0] if others and len(levels(fg, others[0])) <= 6 and not lhs else None
        for m in metrics:
            fig, ax = fg.plt.subplots()
            _against(fg, ax, m, x, group_by, lhs)
            for metric, op, value in targets:  # the reference a reader judges the points by
                if metric == m:
                    ax.axhline(fg.metric_value(m, value), color="#555555", lw=0.8, ls="--",
                               label=fg.label("target_line", rule=fg.target_text([(metric, op, value)])))
            name = fg.metric_name(m)
            ax.set(xlabel=fg.param_label(x), ylabel=axis_text(fg.label(m)), title=fg.label("t_sweep", metric=name, param=fg.param_label(x)))
            fg.legend_below(ax)
            fg.save(fig, f"sweep-{m}-by-{x.split('.')[-1]}", what)
    if len(factors) == 2 and not lhs:
        heatmaps(fg, pts, factors, targets, what)


def _against(fg: Figures, ax, m: str, x: str, group_by: str | None, lhs: bool) -> None:
    """Metric ``m`` against factor ``x``: one series of points with 95% CIs per level of ``group_by``, the series
    side by side around each level of ``x`` (dodged) so that their error bars do not overlap."""
    pts = fg.f.summary["points"].values()
    numeric = _numeric([p["params"][x] for p in pts])
    xs = levels(fg, x)
    groups = levels(fg, group_by) if group_by else [""]
    where = float if numeric else xs.index
    step = min(np.diff(sorted(map(float, xs))), default=1.0) if numeric and not lhs else 1.0
    for i, g in enumerate(groups):
        members = sorted((p for p in pts if not group_by or _show(p["params"][group_by]) == g),
                         key=lambda p: where(_show(p["params"][x])))
        mean, lo, hi = (np.array([_bound(fg, m, p, k) for p in members]) for k in ("mean", 0, 1))
        at = np.array([where(_show(p["params"][x])) for p in members], float)
        at = at + (0 if lhs else (i - (len(groups) - 1) / 2) * min(0.5 / len(groups), 0.15) * step)
        label = f"{fg.param_label(group_by)} = {_value(fg, group_by, g)}" if group_by else fg.label("mean_band")
        ax.errorbar(at, mean, yerr=[mean - lo, hi - mean], fmt="-" + MARKERS[i % len(MARKERS)] if numeric and not lhs
                    else MARKERS[i % len(MARKERS)], ms=2.5, color=PALETTE[i % len(PALETTE)], capsize=1.5, lw=0.8,
                    elinewidth=0.7, label=label)
    if not numeric:
        ax.set_xticks(range(len(xs)), [_value(fg, x, v) for v in xs])
    elif not lhs and len(xs) <= 10:  # the design's levels, not round numbers between them
        ax.set_xticks([float(v) for v in xs], [_value(fg, x, v) for v in xs])


def _bound(fg: Figures, m: str, p: dict[str, Any], k: str | int) -> float:
    a = p["metrics"].get(m)
    v = None if a is None else (a["mean"] if k == "mean" else a["ci95"][k])
    return fg.metric_value(m, v) if v is not None else np.nan


def contrast_text_color(rgba: tuple[float, ...]) -> str:
    """Black or white, whichever contrasts more with the cell (WCAG relative luminance)."""
    lum = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3]]
    y = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2]
    return "black" if (y + 0.05) / 0.05 >= 1.05 / (y + 0.05) else "white"


def heatmaps(fg: Figures, pts, factors: list[str], targets: list[tuple[str, str, float]], what: str = "") -> None:
    fx, fy = factors
    xs, ys = levels(fg, fx), levels(fg, fy)
    cell = {(_show(p["params"][fx]), _show(p["params"][fy])): p["metrics"] for p in pts.values()}
    ok = np.zeros((len(ys), len(xs)), bool)
    for (xv, yv), met in cell.items():
        ok[ys.index(yv), xs.index(xv)] = all(_meets(met, *t) for t in targets)
    for m in ("resolution_hours_p90", "coverage_mean"):
        z = np.full((len(ys), len(xs)), np.nan)
        for (xv, yv), met in cell.items():
            if m in met and met[m]["mean"] is not None:
                z[ys.index(yv), xs.index(xv)] = fg.metric_value(m, met[m]["mean"])
        if np.isnan(z).all():
            continue
        fig, ax = fg.plt.subplots()
        target = next((t for t in targets if t[0] == m), None)
        im = ax.imshow(z, origin="lower", aspect="auto", cmap="viridis_r" if "hours" in m else "viridis",
                       norm=_heat_norm(z, None if target is None else fg.metric_value(m, target[2])))
        ax.set_xticks(range(len(xs)), [_value(fg, fx, v) for v in xs], rotation=45 if len(xs) > 6 else 0)
        ax.set_yticks(range(len(ys)), [_value(fg, fy, v) for v in ys])
        ax.grid(False)
        for i in range(len(ys)):
            for j in range(len(xs)):
                if np.isfinite(z[i, j]) and len(xs) * len(ys) <= 60:
                    ax.text(j, i, f"{z[i, j]:,.{_decimals(z)}f}", ha="center", va="center", fontsize=5.5,
                            color=contrast_text_color(im.cmap(im.norm(z[i, j]))))
                if ok[i, j]:
                    ax.add_patch(fg.plt.Rectangle((j - 0.46, i - 0.46), 0.92, 0.92, fill=False, ec=PALETTE[3], lw=1.8))
        cb = fig.colorbar(im, ax=ax)
        cb.set_label(fg.label(m))
        if target is not None:  # where the target lies on the colour scale
            cb.ax.axhline(fg.metric_value(m, target[2]), color="black", lw=1.0, ls="--")
        ax.set(xlabel=fg.param_label(fx), ylabel=fg.param_label(fy))
        ax.set_title(fg.label("t_heat", metric=fg.metric_name(m))
                     + f"\n{fg.label('meets')}{fg.label('boxed')}\n{fg.target_text(targets)}", fontsize=6.5)
        fg.save(fig, f"heatmap-{m}", what)


def _heat_norm(z: np.ndarray, target: float | None):
    """The colour scale of a heat map: the values, stretched to the target when it lies outside them (a spread of
    an hour far under a 72-hour target must not look like the whole range of colours)."""
    from matplotlib.colors import Normalize

    lo, hi = float(np.nanmin(z)), float(np.nanmax(z))
    if target is not None:
        lo, hi = min(lo, target), max(hi, target)
    pad = 0.0 if hi > lo else max(abs(lo) * 0.01, 1e-6)
    return Normalize(lo - pad, hi + pad)


def _decimals(z: np.ndarray) -> int:
    """One decimal for every cell (none for values in the thousands): '91.0' beside '96.7', not '91'."""
    return 0 if np.nanmax(np.abs(z)) >= 1000 else 1


def _sortable(v: str) -> tuple:
    try:
        return (0, float(v), v)
    except ValueError:
        return (1, 0.0, v)


def _meets(metrics: dict[str, Any], name: str, op: str, value: float) -> bool:
    m = metrics.get(name)
    if m is None or m["mean"] is None:
        return False
    return m["mean"] <= value if op == "<=" else m["mean"] >= value


def parse_target(text: str) -> tuple[str, str, float]:
    """'resolution_hours_p90<=72' -> (metric, '<=', 72.0), in the metric's stored unit."""
    for op in ("<=", ">="):
        if op in text:
            name, _, value = text.partition(op)
            try:
                return name.strip(), op, float(value)
            except ValueError:
                break
    raise PlotError(f"--target {text!r}: expected METRIC<=VALUE or METRIC>=VALUE, e.g. resolution_hours_p90<=72")
