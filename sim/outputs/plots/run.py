"""Figures of one policy's runs: backlog, coverage, resolution-time distribution, utilisation, per-grid maps."""

from __future__ import annotations

import csv
import math
import textwrap
import warnings

import numpy as np

from sim.outputs.plots.canvas import Figures
from sim.outputs.plots.labels import axis
from sim.outputs.plots.maps import run_maps
from sim.outputs.plots.style import PALETTE, WIDTH


def run_figures(fg: Figures, variant: str) -> None:
    """Every figure of one policy's runs (those its series allow)."""
    series = fg.f.series(variant)
    if not series:
        return
    backlog_figure(fg, variant, series)
    if "coverage_daily" in series[0]:
        coverage_figure(fg, variant, series)
    resolution_ecdf_figure(fg, variant, series)
    utilization_figure(fg, variant)
    grid_map(fg, variant, series, "grid_resolution_p90", "resolution_hours_p90", "t_grid_p90", "viridis_r")
    if "grid_coverage" in series[0]:
        grid_map(fg, variant, series, "grid_coverage", "coverage_mean", "t_grid_cov", "viridis")
    if fg.f.command == "run":  # a comparison draws its maps side by side (compare_maps)
        run_maps(fg, variant, series)


def _days(series: list[dict[str, list[float]]]) -> np.ndarray:
    return np.arange(len(series[0]["backlog_daily"])) + 0.5


def _weekly(series: list[dict[str, list[float]]]) -> list[np.ndarray]:
    return [np.convolve(s["backlog_daily"], np.ones(7) / 7, mode="same") for s in series]


def _backlog_top(all_series: list[list[dict[str, list[float]]]]) -> float:
    """One backlog axis for every policy: room above the highest daily mean or weekly CI of any."""
    tops = [max(np.max(np.mean([s["backlog_daily"] for s in ss], axis=0)), np.nanmax(Figures.band(_weekly(ss))[2]))
            for ss in all_series if ss]
    return 1.35 * max(tops, default=1.0)


def _coverage_bottom(all_series: list[list[dict[str, list[float]]]], warm: int) -> float:
    """One coverage axis for every policy: from the lowest CI of any after warm-up, rounded down to 5%, and
    spanning at least 30 points (a weekly ripple of a point or two must not fill the axis)."""
    lows = [np.nanmin(Figures.band([s["coverage_daily"][warm:] for s in ss])[1], initial=1.0) for ss in all_series
            if ss and "coverage_daily" in ss[0] and len(ss[0]["coverage_daily"]) > warm]
    return float(min(70, max(0, 5 * math.floor((100 * min(lows, default=0.0) - 4) / 5))))


def _percent_axis(fg: Figures, ax, bottom: float) -> None:
    """Shares from ``bottom`` to 100%, with room above 100% for the wartime bar (it must not cover the line)."""
    from matplotlib.ticker import FixedLocator, MaxNLocator

    ax.set_ylim(bottom, 100 + 0.07 * (100 - bottom))
    ax.yaxis.set_major_locator(FixedLocator([t for t in MaxNLocator(6).tick_values(bottom, 100) if bottom <= t <= 100]))


def _target_line(fg: Figures, ax, metric: str) -> None:
    """The target a reader judges the curve by (plot --target, else the default), dashed."""
    target = fg.target_of(metric)
    if target is not None:
        ax.axhline(fg.metric_value(metric, target[2]), color="#555555", lw=0.8, ls="--",
                   label=fg.label("target_line" if fg.targets_given else "target_line_default",
                                  rule=fg.target_text([target])))


def backlog_figure(fg: Figures, variant: str, series: list[dict[str, list[float]]]) -> None:
    """Open issues day by day: daily mean and 7-day mean with its 95% CI over replications."""
    days, what = _days(series), fg.policy_label(variant)
    fig, ax = fg.plt.subplots()
    mean, lo, hi = fg.band(_weekly(series))
    fg.shade_periods(ax, variant)
    ax.plot(days, np.mean([s["backlog_daily"] for s in series], axis=0), color=PALETTE[5], lw=0.4,
            label=fg.label("daily"))
    ax.fill_between(days[3:-3], lo[3:-3], hi[3:-3], color=PALETTE[0], alpha=0.3, lw=0)
    ax.plot(days[3:-3], mean[3:-3], color=PALETTE[0], label=fg.label("weekly_band"))
    ax.set(ylabel=fg.label("backlog"), title=fg.label("t_backlog", days=f"{len(days):,}"), xlim=(0, days[-1] + 0.5),
           ylim=(0, fg.shared("backlog_top", _backlog_top)))
    fg.time_axis(ax, days[-1] + 0.5)
    fg.name_emergencies(ax, variant)
    fg.legend_below(ax)
    fg.save(fig, f"backlog-{variant}", what)


def coverage_figure(fg: Figures, variant: str, series: list[dict[str, list[float]]]) -> None:
    """Household visit coverage day by day, mean and 95% CI over replications."""
    days, what = _days(series), fg.policy_label(variant)
    fig, ax = fg.plt.subplots()
    mean, lo, hi = fg.band([s["coverage_daily"] for s in series])
    fg.shade_periods(ax, variant)
    ax.fill_between(days, 100 * lo, 100 * hi, color=PALETTE[2], alpha=0.25, lw=0)
    ax.plot(days, 100 * mean, color=PALETTE[2], label=fg.label("mean_band"))
    _target_line(fg, ax, "coverage_mean")
    warm = int(fg.f.hours("warmup_days") / 24)
    _percent_axis(fg, ax, fg.shared("coverage_bottom", lambda every: _coverage_bottom(every, warm)))
    interval = f"{_interval_days(fg, variant):g}"
    ax.set(ylabel=fg.label("coverage"), title=fg.label("t_coverage_days", interval=interval, days=f"{len(days):,}"),
           xlim=(0, days[-1] + 0.5))
    fg.time_axis(ax, days[-1] + 0.5)
    fg.name_emergencies(ax, variant)
    fg.legend_below(ax)
    note = _wartime_visits_note(fg, variant, mean, interval)
    if note:
        _note_under_legend(fg, fig, ax, note)
    fg.save(fig, f"coverage-{variant}", what)


def _interval_days(fg: Figures, variant: str) -> float:
    return float(fg.f.variant_scenario(variant).get("visits", {}).get("target_interval_days", 30.0))


def _wartime_visits_note(fg: Figures, variant: str, mean: np.ndarray, interval: str) -> str:
    """What the coverage curve shows in wartime when visits go on ('' if there was no such wartime): cadres on
    wartime duty visit in every hour no issue takes, so coverage jumps (to 100% on Baota's flood): the model
    has no emergency work besides issues, so the jump says more about the model than about the district."""
    sc = fg.f.variant_scenario(variant)
    share = fg.wartime_share(variant)
    if sc.get("wartime", {}).get("pause_visits", True) or share is None or not (share >= 0.5).any():
        return ""
    war = (share >= 0.5)[:mean.size]
    reached = float(np.nanmax(mean[:war.size][war], initial=0.0)) >= 0.995  # prints as 100%
    return fg.label("cov_wartime", reach=fg.label("cov_wartime_reach", interval=interval) if reached else "")


def _note_under_legend(fg: Figures, fig, ax, note: str) -> None:
    """A note in small type under the legend (the source line then goes under the note)."""
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend()
    box = (legend or ax).get_window_extent(renderer)
    x0, y0 = ax.transAxes.inverted().transform((box.x0, box.y0))
    width = 48 if fg.lang == "zh" else 95  # characters of 5 pt type across the figure (a CJK one is two wide)
    ax.text(x0, y0 - 0.04, "\n".join(textwrap.wrap(note, width)), transform=ax.transAxes, fontsize=5,
            color="#8a5a00", ha="left", va="top")


def _ecdf_right(all_series: list[list[dict[str, list[float]]]]) -> float:
    """One resolution-time axis for every policy: up to the longest mean 100th percentile of any (days)."""
    tops = [np.mean([s["resolution_quantiles"] for s in ss if s.get("resolution_quantiles")], axis=0)[-1] / 24
            for ss in all_series if any(s.get("resolution_quantiles") for s in ss)]
    return 1.5 * max(tops, default=10.0)


def resolution_ecdf_figure(fg: Figures, variant: str, series: list[dict[str, list[float]]]) -> None:
    """Distribution of resolution times, all issues and per type, each type's SLA labelled on its line."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    fig, ax = fg.plt.subplots()
    pct = np.linspace(0, 100, 101)
    overall = [s["resolution_quantiles"] for s in series if s.get("resolution_quantiles")]
    if overall:  # percentiles averaged over replications (Vincentization)
        ax.plot(np.mean(overall, axis=0) / 24, pct, color=PALETTE[7], lw=1.6, label=fg.label("all_types"))
    colors = {name: PALETTE[i % (len(PALETTE) - 1)] for i, name in enumerate(fg.f.sla_days())}
    for name, color in colors.items():
        q = [x for x in (s.get(f"resolution_quantiles_{name}") for s in series) if x]
        if q:
            ax.plot(np.mean(q, axis=0) / 24, pct, color=color, lw=0.8, label=fg.type_label(name))
    right = fg.shared("ecdf_right", _ecdf_right)
    ax.set_xscale("log")
    ax.set_xlim(0.01, right)
    ax.set(xlabel=fg.label("resolution_days"), ylabel=fg.label("share_resolved"), title=fg.label("t_ecdf"), ylim=(0, 100))
    _sla_lines(fg, ax, colors)
    ax.xaxis.set_major_locator(FixedLocator([0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100]))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    fg.legend_below(ax)  # the curves fill the axes' corners: a legend inside would cover some of them
    fg.save(fig, f"resolution-ecdf-{variant}", fg.policy_label(variant))


def _sla_lines(fg: Figures, ax, colors: dict[str, str]) -> None:
    """Each SLA a dotted line, named on the line just under where the curves cross it (types sharing an SLA on
    one line, in grey); the text runs to the right, where the rising curves stay above it."""
    by_sla: dict[float, list[str]] = {}
    for name, days in fg.f.sla_days().items():
        by_sla.setdefault(days, []).append(name)
    for days, names in by_sla.items():
        if not 0.01 < days < ax.get_xlim()[1]:
            continue
        color = colors[names[0]] if len(names) == 1 else "#555555"
        ax.axvline(days, color=color, lw=0.7, ls=":")
        top = _lowest_curve(ax, days / 1.3, days) - 3
        text = fg.label("sla_line", type=("、" if fg.lang == "zh" else ", ").join(map(fg.type_label, names)))
        ax.annotate(text, xy=(days, top if top > 45 else 2), xytext=(1.5, 0), textcoords="offset points", color=color,
                    fontsize=5, rotation=90, ha="left", va="top" if top > 45 else "bottom")


def _lowest_curve(ax, x0: float, x1: float) -> float:
    """The lowest height any drawn curve reaches over [x0, x1] (100 if none passes there)."""
    ys = [np.interp([x0, x1], *line.get_data(), left=np.nan, right=np.nan) for line in ax.get_lines()
          if line.get_transform() == ax.transData]  # not the SLA lines (axes-high)
    ys = [y for y in np.concatenate(ys) if np.isfinite(y)] if ys else []
    return float(min(ys, default=100.0))


def utilization_figure(fg: Figures, variant: str) -> None:
    """Share of on-duty time each role spends on issues, with 95% CIs."""
    what = fg.policy_label(variant)
    metrics = fg.f.summary["metrics"] if fg.f.command == "run" else fg.f.summary["by_policy"][variant]["metrics"]
    roles = [(k.removeprefix("utilization_"), v) for k, v in metrics.items() if k.startswith("utilization_")]
    if roles:
        fig, ax = fg.plt.subplots()
        y = np.arange(len(roles))
        means = [100 * (v["mean"] or 0) for _, v in roles]
        errs = [[100 * ((v["mean"] or 0) - (v["ci95"][0] if v["ci95"][0] is not None else v["mean"] or 0)) for _, v in roles],
                [100 * ((v["ci95"][1] if v["ci95"][1] is not None else v["mean"] or 0) - (v["mean"] or 0)) for _, v in roles]]
        ax.barh(y, means, xerr=errs, color=PALETTE[0], error_kw={"lw": 0.8, "capsize": 2})
        ax.set_yticks(y, [fg.role_label(r) for r, _ in roles])
        ax.invert_yaxis()
        ax.set(xlabel=fg.label("utilization"), title=fg.label("t_util"))
        ax.grid(axis="y", visible=False)
        fg.save(fig, f"utilization-{variant}", what)


def grid_map(fg: Figures, variant: str, series, key: str, metric: str, title: str, cmap: str) -> None:
    """Grids as tiles: one block per community, communities in rows by street; values in the unit the district
    maps use for ``metric`` (``labels.axis``: a duration in days only when some grid of some policy reaches 72 h)."""

    path = fg.f.path / "grids.csv"
    if not path.is_file():
        return
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    lo, hi = fg.shared(f"range-{key}", lambda every: _finite_range([_grid_means(ss, key) for ss in every if ss and key in ss[0]]))
    scale, label = axis(metric, [lo, hi], fg.lang)
    values = _grid_means(series, key) * scale
    streets: dict[str, dict[str, list[int]]] = {}
    for i, r in enumerate(rows):
        streets.setdefault(r["street"], {}).setdefault(r["community"], []).append(i)
    per_row = max(1, math.ceil(math.sqrt(max(len(g) for c in streets.values() for g in c.values()))))
    fig, ax = fg.plt.subplots(figsize=(WIDTH, WIDTH))
    ax.set_axis_off()
    import matplotlib.patches as mpatches
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    norm = Normalize(vmin=lo * scale, vmax=hi * scale)  # one colour scale for every policy
    cm = colormaps[cmap]
    y0 = 0.0
    for street, comms in streets.items():
        x0 = 0.0
        height = 0
        for comm, grids in comms.items():
            cols = min(per_row, len(grids))
            for j, g in enumerate(grids):
                cx, cy = x0 + j % cols, y0 + j // cols
                v = values[g]
                ax.add_patch(mpatches.Rectangle((cx, -cy), 0.92, 0.92, lw=0,
                                                color=cm(norm(v)) if np.isfinite(v) else "#cccccc"))
            height = max(height, math.ceil(len(grids) / cols))
            x0 += cols + 0.6
        ax.text(-0.5, -y0 + 0.45, street, ha="right", va="center", fontsize=6)
        y0 += height + 0.6
    width = max(sum(min(per_row, len(g)) + 0.6 for g in comms.values()) for comms in streets.values())
    ax.set_xlim(-2.5, width)
    ax.set_ylim(-y0 + 0.4, 1.2)
    ax.set_aspect("equal")
    sm = fg.plt.cm.ScalarMappable(norm=norm, cmap=cm)
    cb = fig.colorbar(sm, ax=ax, orientation="horizontal", fraction=0.05, pad=0.02)
    cb.set_label(label, fontsize=6.5)
    cb.ax.tick_params(labelsize=6)
    ax.set_title(fg.label(title) + "\n" + fg.label("grid_layout"), fontsize=7.5)
    fg.save(fig, f"{key.replace('_', '-')}-{variant}", fg.policy_label(variant))


def _grid_means(series, key: str) -> np.ndarray:
    with warnings.catch_warnings():  # a grid with no resolved issue in any run stays NaN (grey)
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(np.array([s[key] for s in series], dtype=float), axis=0)


def _finite_range(arrays: list[np.ndarray]) -> tuple[float, float]:
    finite = np.concatenate([a[np.isfinite(a)] for a in arrays]) if arrays else np.zeros(0)
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
