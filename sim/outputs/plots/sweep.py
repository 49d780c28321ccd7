"""Figures of a sweep: each metric against each factor, and two-factor heatmaps marking points that meet targets."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.outputs.glossary import metric_label, value_label
from sim.outputs.numbers import format_value
from sim.outputs.plots.canvas import Figures
from sim.outputs.plots.labels import KEY_METRICS
from sim.outputs.plots.style import PALETTE, PlotError


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


def target_text(fg: Figures, targets: list[tuple[str, str, float]]) -> str:
    """Targets in the reader's words and units: 'p90 resolution time ≤ 72 h, visit coverage ≥ 95%'."""
    joiner = "，" if fg.lang == "zh" else ", "
    return joiner.join(f"{metric_label(m, fg.lang)} {'≤' if op == '<=' else '≥'} {format_value(m, v, fg.lang)}"
                       for m, op, v in targets)


def sweep_figures(fg: Figures, targets: list[tuple[str, str, float]]) -> None:
    pts, factors = _sweep_table(fg)
    metrics = [m for m in KEY_METRICS if any(m in p["metrics"] for p in pts.values())]
    lhs = fg.f.summary.get("design") == "lhs"
    what = fg.label("sweep_of", factors="、".join(map(fg.param_label, factors)) if fg.lang == "zh"
                    else ", ".join(map(fg.param_label, factors)))
    for x in factors:
        numeric = _numeric([p["params"][x] for p in pts.values()])
        others = [f for f in factors if f != x]
        group_by = others[0] if others and len(levels(fg, others[0])) <= 6 and not lhs else None
        groups = levels(fg, group_by) if group_by else [""]
        xs = None if numeric else levels(fg, x)
        for m in metrics:
            fig, ax = fg.plt.subplots()
            for i, g in enumerate(groups):
                members = [p for p in pts.values() if not group_by or _show(p["params"][group_by]) == g]
                members.sort(key=lambda p: p["params"][x] if numeric else xs.index(_show(p["params"][x])))
                mean, lo, hi = (np.array([_bound(fg, m, p, k) for p in members]) for k in ("mean", 0, 1))
                color = PALETTE[i % len(PALETTE)]
                label = f"{fg.param_label(group_by)} = {_value(fg, group_by, g)}" if group_by else fg.label("mean_band")
                if lhs or not numeric:
                    # several lines at one x: offset so that their error bars do not overlap
                    at = (np.array([p["params"][x] for p in members], float) if numeric else
                          np.array([xs.index(_show(p["params"][x])) for p in members], float))
                    if not numeric:
                        at = at + (i - (len(groups) - 1) / 2) * min(0.5 / len(groups), 0.15)
                    ax.errorbar(at, mean, yerr=[mean - lo, hi - mean], fmt="o", ms=2.5, color=color, capsize=1.5,
                                lw=0.7, label=label)
                else:
                    xv = [p["params"][x] for p in members]
                    ax.fill_between(xv, lo, hi, color=color, alpha=0.2, lw=0)
                    # lines that coincide stay visible: the earlier ones wider, underneath, each its own marker
                    ax.plot(xv, mean, marker=MARKERS[i % len(MARKERS)], ms=2.5 + 1.2 * (len(groups) - 1 - i), color=color,
                            lw=1.0 + 0.9 * (len(groups) - 1 - i), label=label, zorder=2 + i)
            if not numeric:
                ax.set_xticks(range(len(xs)), [_value(fg, x, v) for v in xs])
            for metric, op, value in targets:  # the reference a reader judges the points by
                if metric == m:
                    ax.axhline(fg.metric_value(m, value), color="#555555", lw=0.8, ls="--",
                               label=fg.label("target_line", rule=target_text(fg, [(metric, op, value)])))
            name = fg.label(m).split(" (")[0].split("（")[0]
            ax.set(xlabel=fg.param_label(x), ylabel=fg.label(m), title=fg.label("t_sweep", metric=name, param=fg.param_label(x)))
            fg.legend_below(ax)
            fg.save(fig, f"sweep-{m}-by-{x.split('.')[-1]}", what)
    if len(factors) == 2 and not lhs:
        heatmaps(fg, pts, factors, targets, what)


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
        im = ax.imshow(z, origin="lower", aspect="auto", cmap="viridis_r" if "hours" in m else "viridis")
        ax.set_xticks(range(len(xs)), [_value(fg, fx, v) for v in xs], rotation=45 if len(xs) > 6 else 0)
        ax.set_yticks(range(len(ys)), [_value(fg, fy, v) for v in ys])
        ax.grid(False)
        for i in range(len(ys)):
            for j in range(len(xs)):
                if np.isfinite(z[i, j]) and len(xs) * len(ys) <= 60:
                    ax.text(j, i, f"{z[i, j]:.3g}", ha="center", va="center", fontsize=5.5,
                            color=contrast_text_color(im.cmap(im.norm(z[i, j]))))
                if ok[i, j]:
                    ax.add_patch(fg.plt.Rectangle((j - 0.46, i - 0.46), 0.92, 0.92, fill=False, ec=PALETTE[3], lw=1.8))
        cb = fig.colorbar(im, ax=ax)
        cb.set_label(fg.label(m))
        ax.set(xlabel=fg.param_label(fx), ylabel=fg.param_label(fy))
        ax.set_title(fg.label("t_heat", metric=fg.label(m).split(" (")[0].split("（")[0])
                     + f"\n{fg.label('meets')} (□):\n{target_text(fg, targets)}", fontsize=6.5)
        fg.save(fig, f"heatmap-{m}", what)


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


DEFAULT_TARGETS = [("resolution_hours_p90", "<=", 72.0), ("coverage_mean", ">=", 0.95)]


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
