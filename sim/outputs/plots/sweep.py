"""Figures of a sweep: each metric against each factor, and two-factor heatmaps marking points that meet targets."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.outputs.plots.canvas import Figures
from sim.outputs.plots.labels import KEY_METRICS
from sim.outputs.plots.style import PALETTE, PlotError


def _sweep_table(fg: Figures):
    pts = fg.f.summary["points"]
    factors = [f["key"] for f in fg.f.summary["factors"]]
    return pts, factors


def _numeric(values: list[Any]) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _show(v: Any) -> str:
    return "+".join(map(str, v)) if isinstance(v, list) else str(v)


def sweep_figures(fg: Figures, targets: list[tuple[str, str, float]]) -> None:
    pts, factors = _sweep_table(fg)
    metrics = [m for m in KEY_METRICS if any(m in p["metrics"] for p in pts.values())]
    lhs = fg.f.summary.get("design") == "lhs"
    for x in factors:
        xs_all = [p["params"][x] for p in pts.values()]
        others = [f for f in factors if f != x]
        group_by = others[0] if others and len({_show(p["params"][others[0]]) for p in pts.values()}) <= 6 and not lhs else None
        for m in metrics:
            fig, ax = fg.plt.subplots()
            groups: dict[str, list[dict]] = {}
            for p in pts.values():
                groups.setdefault(_show(p["params"][group_by]) if group_by else "", []).append(p)
            for i, (g, members) in enumerate(groups.items()):
                members = sorted(members, key=lambda p: (p["params"][x] if _numeric(xs_all) else _show(p["params"][x])))
                xv = [p["params"][x] if _numeric(xs_all) else _show(p["params"][x]) for p in members]
                v = [p["metrics"].get(m) for p in members]
                mean = np.array([fg.metric_value(m, a["mean"]) if a and a["mean"] is not None else np.nan for a in v])
                lo = np.array([fg.metric_value(m, a["ci95"][0]) if a and a["ci95"][0] is not None else np.nan for a in v])
                hi = np.array([fg.metric_value(m, a["ci95"][1]) if a and a["ci95"][1] is not None else np.nan for a in v])
                color = PALETTE[i % len(PALETTE)]
                label = f"{group_by.split('.')[-1]} = {g}" if group_by else fg.label("mean_band")
                if lhs or not _numeric(xs_all):
                    ax.errorbar(xv, mean, yerr=[mean - lo, hi - mean], fmt="o", ms=2.5, color=color, capsize=1.5, lw=0.7, label=label)
                else:
                    ax.fill_between(xv, lo, hi, color=color, alpha=0.2, lw=0)
                    ax.plot(xv, mean, marker="o", ms=2.5, color=color, label=label)
            ax.set(xlabel=x, ylabel=fg.label(m), title=fg.label("t_sweep", metric=fg.label(m).split(" (")[0].split("（")[0],
                                                                     param=x.split(".")[-1]))
            ax.legend()
            fg.save(fig, f"sweep-{m}-by-{x.split('.')[-1]}", f"sweep of {', '.join(factors)}")
    if len(factors) == 2 and not lhs:
        heatmaps(fg, pts, factors, targets)


def heatmaps(fg: Figures, pts, factors: list[str], targets: list[tuple[str, str, float]]) -> None:
    fx, fy = factors
    xs = sorted({_show(p["params"][fx]) for p in pts.values()}, key=lambda v: _sortable(v))
    ys = sorted({_show(p["params"][fy]) for p in pts.values()}, key=lambda v: _sortable(v))
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
        ax.set_xticks(range(len(xs)), xs, rotation=45 if len(xs) > 6 else 0)
        ax.set_yticks(range(len(ys)), ys)
        ax.grid(False)
        for i in range(len(ys)):
            for j in range(len(xs)):
                if np.isfinite(z[i, j]) and len(xs) * len(ys) <= 60:
                    ax.text(j, i, f"{z[i, j]:.3g}", ha="center", va="center", fontsize=5.5,
                            color="white" if im.norm(z[i, j]) < 0.5 else "black")
                if ok[i, j]:
                    ax.add_patch(fg.plt.Rectangle((j - 0.46, i - 0.46), 0.92, 0.92, fill=False, ec=PALETTE[3], lw=1.8))
        cb = fig.colorbar(im, ax=ax)
        cb.set_label(fg.label(m))
        rule = " & ".join(f"{k} {op} {v:g}" for k, op, v in targets)
        ax.set(xlabel=fx, ylabel=fy)
        ax.set_title(fg.label("t_heat", metric=fg.label(m).split(" (")[0].split("（")[0])
                     + f"\n{fg.label('meets')} (□): {rule}", fontsize=7)
        fg.save(fig, f"heatmap-{m}", f"sweep of {fx}, {fy}")


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
