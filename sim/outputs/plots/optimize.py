"""The figures of an optimization (``gridsim optimize --plot``), from candidates.csv and summary.json only.

- ``optimize-<metric>``: per target, every checked candidate's cost (x, with its 95% CI)
  against the target metric (y, with the interval the check decided with: each end a
  one-sided bound at the check's level, wider than a 95% CI, so that a bar clear of the
  threshold is a candidate shown on that side); the threshold as a line, feasible candidates
  filled, the chosen one ringed, and the trade-off curve (the Pareto front: no other
  candidate is both cheaper and better on the metric) drawn through its candidates.  Over an
  ensemble the mean pools every set and the decision interval is the hardest set's alone, so the
  mean gets its 95% CI and the decision intervals are drawn apart as wide pale bars.
- ``map-allocation``: with the per-grid lever, the answer's sunk cadres per grid beside
  the coverage each grid reached with them (the runs of the answer), on the district map.
"""

from __future__ import annotations

import csv
import math

import numpy as np

from sim.outputs.glossary import metric_info, word
from sim.outputs.numbers import format_value
from sim.outputs.plots.canvas import Figures, axis_text
from sim.outputs.plots.style import PALETTE, WIDTH


def _w(fg: Figures, key: str, **fill) -> str:
    return word("opt_" + key, fg.lang, **fill)


def _rows(fg: Figures) -> list[dict[str, str]]:
    path = fg.f.path / "candidates.csv"
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if r["verdict"] in ("feasible", "infeasible", "not distinguishable")]


def _f(x: str) -> float:
    try:
        return float(x)
    except ValueError:
        return math.nan


def pareto(cost: np.ndarray, value: np.ndarray, higher_better: bool) -> np.ndarray:
    """Indices of the candidates no other is both cheaper (or as cheap) and better on the value, by cost."""
    v = value if higher_better else -value
    order = np.lexsort((-v, cost))
    front, best = [], -np.inf
    for i in order:
        if v[i] > best:
            front.append(i)
            best = v[i]
    return np.array(front, int)


def tradeoff_figures(fg: Figures) -> None:
    opt = fg.f.summary.get("optimum")
    rows = _rows(fg)
    if not opt or not rows:
        return
    cost_metric = opt.get("cost", {}).get("metric") or next(k[5:-5] for k in rows[0] if k.startswith("cost_"))
    cost = np.array([_f(r[f"cost_{cost_metric}_mean"]) for r in rows])
    clo = np.array([_f(r[f"cost_{cost_metric}_ci_lo"]) for r in rows])
    chi = np.array([_f(r[f"cost_{cost_metric}_ci_hi"]) for r in rows])
    feasible = np.array([r["verdict"] == "feasible" for r in rows])
    chosen = np.array([r["chosen"] == "yes" for r in rows])
    cscale = fg.metric_value(cost_metric, 1.0)
    for target in (opt.get("metrics") or {}).values():
        text = target["target"]
        metric, op, q = _split(text)
        m = np.array([_f(r[f"{metric}_mean"]) for r in rows])
        # the vertical bars are the intervals the check decided with (older folders: the 95% CIs)
        bars = "decided" if f"{metric}_decided_lo" in rows[0] else "ci"
        lo, hi = (np.array([_f(r[f"{metric}_{bars}_{end}"]) for r in rows]) for end in ("lo", "hi"))
        lo, hi = np.where(np.isnan(lo), m, lo), np.where(np.isnan(hi), m, hi)
        s = fg.metric_value(metric, 1.0)
        # over an ensemble the mean pools every set while the decision interval is the hardest set's alone, so it
        # need not hold the mean: then the mean gets its own 95% CI and the decision intervals are drawn apart
        apart = bars == "decided" and (bool(opt.get("ensemble")) or bool(((m < lo) | (m > hi)).any()))
        if apart:
            lo95, hi95 = (np.array([_f(r[f"{metric}_ci_{end}"]) for r in rows]) for end in ("lo", "hi"))
            ax_lo, ax_hi = np.where(np.isnan(lo95), m, lo95), np.where(np.isnan(hi95), m, hi95)
        else:
            ax_lo, ax_hi = lo, hi
        fig, ax = fg.plt.subplots(figsize=(WIDTH, 0.72 * WIDTH))
        if apart:
            ax.vlines(cost * cscale, lo * s, hi * s, color=PALETTE[0], lw=3.0, alpha=0.3, zorder=1,
                      label=_w(fg, "decided_apart"))
        ax.errorbar(cost * cscale, m * s, yerr=[(m - ax_lo) * s, (ax_hi - m) * s],
                    xerr=[(cost - clo) * cscale, (chi - cost) * cscale], fmt="none", ecolor="#999999", lw=0.7)
        ax.scatter(cost[~feasible] * cscale, m[~feasible] * s, s=14, facecolor="white", edgecolor=PALETTE[5], lw=0.9,
                   label=_w(fg, "infeasible"), zorder=3)
        ax.scatter(cost[feasible] * cscale, m[feasible] * s, s=14, color=PALETTE[2], label=_w(fg, "feasible"), zorder=3)
        if chosen.any():
            ax.scatter(cost[chosen] * cscale, m[chosen] * s, s=70, facecolor="none", edgecolor="black", lw=1.1,
                       label=_w(fg, "chosen"), zorder=4)
        better = metric_info(metric)[0].better if metric_info(metric) else ("higher" if op == ">=" else "lower")
        front = pareto(cost, m, better == "higher")
        ax.plot(cost[front] * cscale, m[front] * s, color=PALETTE[0], lw=0.9, zorder=2, label=_w(fg, "front"))
        ax.axhline(q * s, color=PALETTE[1], lw=0.9, ls="--",
                   label=_w(fg, "threshold", target=f"{'≥' if op == '>=' else '≤'} {format_value(metric, q, fg.lang)}"))
        ax.set_xlabel(fg.label(cost_metric))
        ax.set_ylabel(axis_text(fg.label(metric)))
        ax.set_title(_w(fg, "title", metric=fg.metric_name(metric)))
        fig.tight_layout()
        fg.legend_below(ax)  # after the layout: its offset is a share of the axes' final height
        levels = [x for x in (_f(r.get("decision_level", "")) for r in rows) if math.isfinite(x)]
        level = levels[0] if levels else math.nan  # one level for every check of a search
        key = "what_apart" if apart else "what_decided"
        what = _w(fg, key, n=len(rows), level=f"{100 * level:.4g}%") if bars == "decided" and \
            math.isfinite(level) else _w(fg, "what", n=len(rows))
        fg.save(fig, f"optimize-{metric}", what, _replications(rows))


def _replications(rows: list[dict[str, str]]) -> str:
    """The candidates' replications, '3–5' where the checks stopped at different counts (not the answer's alone)."""
    n = sorted({int(_f(r["replications"])) for r in rows if math.isfinite(_f(r.get("replications", "")))})
    return "?" if not n else str(n[0]) if n[0] == n[-1] else f"{n[0]}–{n[-1]}"


def _split(text: str) -> tuple[str, str, float]:
    op = "<=" if "<=" in text else ">="
    metric, q = text.split(op)
    return metric, op, float(q)


def allocation_map(fg: Figures) -> None:
    """The answer's per-grid sunk cadres beside each grid's coverage with them."""
    from sim.outputs.plots import maps

    path = fg.f.path / "allocation.csv"
    opt = fg.f.summary.get("optimum") or {}
    d = maps.district_of(fg)
    if not path.is_file() or d is None:
        return
    with open(path, newline="", encoding="utf-8") as f:
        alloc = {r["grid"]: int(r["sunk_cadres"]) for r in csv.DictReader(f)}
    if set(alloc) != set(d.ids):
        return
    panels = {_w(fg, "cadres"): np.array([alloc[g] for g in d.ids], float)}
    series = fg.f.series(opt.get("candidate", ""))
    units = {_w(fg, "cadres"): _w(fg, "cadres_unit")}
    if series and "grid_coverage" in series[0]:
        cov = np.nanmean(np.array([s["grid_coverage"] for s in series], float), axis=0) * 100
        panels[_w(fg, "coverage")] = cov
        units[_w(fg, "coverage")] = fg.label("coverage_mean")
    maps.side_by_side(fg, d, panels, units, _w(fg, "map_title", n=f"{int(sum(alloc.values())):,}"), "map-allocation")
