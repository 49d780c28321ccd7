"""Figures of a fit folder (``gridsim fit``), from its fit.json alone: observed against fitted.

- ``fit-weekly``: each type's orders per week, with the fitted mean and the band a Poisson stream at that
  mean would keep 95% of weeks in (weeks outside it often: over-dispersion);
- ``fit-hourly``: each type's reports by hour of the day against the fitted scenario's profile (one for all
  types: a type whose hours differ shows it);
- ``fit-times``: per type, Kaplan-Meier of the resolution hours at each level (its 95% band) against the
  fitted distribution;
- ``fit-map-rates``: each grid's fitted rate on the district's polygons, when the fit kept them (``fit_map.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from sim.outputs.plots.canvas import LANG_SUFFIX
from sim.outputs.plots.fit_map import rate_map
from sim.outputs.plots.style import PALETTE, WIDTH, PlotError, pyplot_styled

WORDS = {
    "en": {"week": "week of the records", "per_week": "orders per week", "observed": "observed",
           "fitted": "fitted mean", "band": "95% of weeks (Poisson)", "hour": "hour of the day",
           "intensity": "relative intensity (mean 1)", "scenario": "fitted scenario (all types)",
           "days": "days from report", "open": "share still open", "km": "Kaplan-Meier", "fit": "fitted",
           "weekly_title": "Orders per week: records and fit", "hourly_title": "Reports by hour: records and fit",
           "times_title": "Time to resolution: records and fit",
           "grid": "grid", "community": "community", "street": "street", "department": "department"},
    "zh": {"week": "记录中的周次", "per_week": "每周工单数", "observed": "记录", "fitted": "拟合均值",
           "band": "95%周数范围（泊松）", "hour": "时刻", "intensity": "相对强度（均值为1）",
           "scenario": "拟合情景（全部类型）", "days": "自上报起天数", "open": "尚未办结比例", "km": "Kaplan-Meier估计",
           "fit": "拟合分布", "weekly_title": "每周工单数：记录与拟合", "hourly_title": "分时段上报：记录与拟合",
           "times_title": "办结时长：记录与拟合",
           "grid": "网格", "community": "社区", "street": "街道", "department": "部门",
           "exponential": "指数", "lognormal": "对数正态", "gamma": "伽马", "weibull": "威布尔"},
}


def _load(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / "fit.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise PlotError(f"{folder / 'fit.json'}: cannot be read ({e}); run gridsim fit first") from None


def _name(t: dict[str, Any], key: str, lang: str) -> str:
    return t["name_in_records"] if lang == "zh" else f"{key} ({t['name_in_records']})"


def fit_figures(folder: str | Path, fmt: str = "png", lang: str = "en") -> list[Path]:
    """Write the fit folder's figures into ``folder/figures``; return their paths."""
    folder = Path(folder)
    doc = _load(folder)
    plt, w = pyplot_styled(lang), WORDS[lang]
    types = doc["issue_types"]
    out = folder / "figures"
    out.mkdir(exist_ok=True)
    written = []
    for name, draw in (("fit-weekly", _weekly), ("fit-hourly", _hourly), ("fit-times", _times)):
        fig, axes = plt.subplots(len(types), 1, figsize=(WIDTH, 1.6 * len(types) + 0.4), squeeze=False)
        for ax, (key, t) in zip(axes[:, 0], types.items()):
            draw(ax, t, doc, w)
            ax.set_title(_name(t, key, lang), fontsize=7, loc="left")
            if draw is _times:  # the levels differ from type to type
                ax.legend(fontsize=5, loc="upper right")
        fig.suptitle(w[f"{name.split('-')[1]}_title"], fontsize=8, fontweight="bold")
        bottom = 0.0
        if draw is not _times:  # the same for every type: once, below the panels, clear of the points
            bottom = 0.25 / (1.6 * len(types) + 0.4)
            fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="lower center", ncol=3, fontsize=5.5)
        fig.tight_layout(rect=(0, bottom, 1, 1))
        path = out / f"{name}{LANG_SUFFIX[lang]}.{fmt}"
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    drawn = rate_map(folder, doc, plt, lang, fmt)
    return written + ([drawn] if drawn is not None else [])


def _weekly(ax: Any, t: dict[str, Any], doc: dict[str, Any], w: dict[str, str]) -> None:
    counts = np.asarray(t["weekly_counts"])
    mean = t["arrivals_per_week"]["mean"]
    weeks = np.arange(1, len(counts) + 1)
    lo, hi = stats.poisson.ppf(0.025, mean), stats.poisson.ppf(0.975, mean)
    ax.fill_between([0.5, len(counts) + 0.5], lo, hi, color=PALETTE[5], alpha=0.25, lw=0, label=w["band"])
    ax.axhline(mean, color=PALETTE[0], lw=1, label=w["fitted"])
    ax.plot(weeks, counts, "o", ms=1.8, color=PALETTE[3], label=w["observed"])
    ax.set_ylabel(w["per_week"])
    ax.set_xlabel(w["week"])
    ax.set_ylim(bottom=0)


def _hourly(ax: Any, t: dict[str, Any], doc: dict[str, Any], w: dict[str, str]) -> None:
    edges = np.arange(25)  # hour h is drawn over [h, h + 1)
    ax.stairs(t["profile"]["hour"], edges, color=PALETTE[3], label=w["observed"])
    ax.stairs(doc["profile"]["hour"], edges, color=PALETTE[0], ls="--", label=w["scenario"])
    ax.set_xlim(0, 24)
    ax.set_xticks(range(0, 25, 6))
    ax.set_ylabel(w["intensity"])
    ax.set_xlabel(w["hour"])
    ax.set_ylim(bottom=0)


def _times(ax: Any, t: dict[str, Any], doc: dict[str, Any], w: dict[str, str]) -> None:
    top = 0.0  # where every level's share still open is under 2%: the long thin tail says little
    for i, (lv, e) in enumerate(t["resolution_hours"].items()):
        c = e["curves"]
        days = np.asarray(c["hours"]) / 24
        color = PALETTE[i % len(PALETTE)]
        ax.step(days, c["survival"], where="post", color=color, label=f"{w[lv]} {w['km']}")
        ax.fill_between(days, c["low"], c["high"], step="post", color=color, alpha=0.2, lw=0)
        if "fitted" in c:  # black dashes over the curve: a good fit hides a coloured line under the step
            ax.plot(days, c["fitted"], ls=(0, (2, 1.5)), color="black", lw=0.7,
                    label=f"{w[lv]} {w['fit']} ({w.get(e['dist'], e['dist'])})")
        below = np.flatnonzero(np.asarray(c["survival"]) < 0.02)
        top = max(top, days[below[0]] if len(below) else (days[-1] if len(days) else 0.0))
    ax.set_xlim(0, top or 1)
    ax.set_ylim(0, 1)
    ax.set_ylabel(w["open"])
    ax.set_xlabel(w["days"])
