"""Figures of a check folder (``gridsim check``), from its check.json alone: the records beside the model.

- ``check-weekly``: each type's orders per week in the records against the simulated runs (their mean, and
  the band from the lowest to the highest run in each week);
- ``check-qq``: per type and level, the quantiles (5% to 95%) of the records' closed resolution hours against
  those of the runs pooled: points on the diagonal are a model that times orders as the records do.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from sim.outputs.plots.canvas import LANG_SUFFIX
from sim.outputs.plots.style import PALETTE, WIDTH, PlotError, pyplot_styled

WORDS = {
    "en": {"week": "week of the records", "per_week": "orders per week", "records": "records",
           "mean": "simulated mean", "band": "lowest to highest run", "rec_h": "records, hours",
           "sim_h": "model (runs pooled), hours", "weekly_title": "Orders per week: records and model",
           "qq_title": "Resolution hours, quantile against quantile",
           "grid": "grid", "community": "community", "street": "street", "department": "department"},
    "zh": {"week": "记录中的周次", "per_week": "每周工单数", "records": "记录", "mean": "模拟均值",
           "band": "各次模拟的最低至最高", "rec_h": "记录（小时）", "sim_h": "模型（各次合并，小时）",
           "weekly_title": "每周工单数：记录与模型", "qq_title": "办结时长分位数对照",
           "grid": "网格", "community": "社区", "street": "街道", "department": "部门"},
}


def check_figures(folder: str | Path, fmt: str = "png", lang: str = "en") -> list[Path]:
    """Write the check folder's figures into ``folder/figures``; return their paths."""
    folder = Path(folder)
    try:
        doc = json.loads((folder / "check.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise PlotError(f"{folder / 'check.json'}: cannot be read ({e}); run gridsim check first") from None
    plt, w = pyplot_styled(lang), WORDS[lang]
    out = folder / "figures"
    out.mkdir(exist_ok=True)
    written = [_weekly(plt, w, doc["series"]["weekly"], out / f"check-weekly{LANG_SUFFIX[lang]}.{fmt}")]
    if doc["series"]["qq"]:
        written.append(_qq(plt, w, doc["series"]["qq"], out / f"check-qq{LANG_SUFFIX[lang]}.{fmt}"))
    return written


def _weekly(plt: Any, w: dict[str, str], series: dict[str, Any], path: Path) -> Path:
    fig, axes = plt.subplots(max(len(series), 1), 1, figsize=(WIDTH, 1.6 * max(len(series), 1) + 0.4), squeeze=False)
    for ax, (name, s) in zip(axes[:, 0], series.items()):
        runs = np.asarray(s["simulated"], dtype=float)
        weeks = np.arange(1, len(s["records"]) + 1)
        ax.fill_between(weeks, runs.min(axis=0), runs.max(axis=0), color=PALETTE[0], alpha=0.2, lw=0, label=w["band"])
        ax.plot(weeks, runs.mean(axis=0), color=PALETTE[0], lw=1, label=w["mean"])
        ax.plot(weeks, s["records"], "o-", color=PALETTE[1], ms=2, lw=0.7, label=w["records"])
        ax.set_title(name, fontsize=7, loc="left")
        ax.set_ylabel(w["per_week"], fontsize=6)
    axes[-1, 0].set_xlabel(w["week"], fontsize=6)
    fig.suptitle(w["weekly_title"], fontsize=8, fontweight="bold")
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="lower center", ncol=3, fontsize=5.5)
    fig.tight_layout(rect=(0, 0.25 / (1.6 * len(series) + 0.4), 1, 1))
    fig.savefig(path)
    plt.close(fig)
    return path


def _qq(plt: Any, w: dict[str, str], qq: dict[str, Any], path: Path) -> Path:
    cols = min(2, len(qq))
    rows = math.ceil(len(qq) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(WIDTH, 1.9 * rows + 0.4), squeeze=False)
    for ax, (key, q) in zip(axes.flat, qq.items()):
        name, level = key.split("|")
        top = max(max(q["records"]), max(q["simulated"])) * 1.05 or 1.0
        ax.plot([0, top], [0, top], color="0.6", lw=0.6)
        ax.plot(q["simulated"], q["records"], "o", color=PALETTE[1], ms=2.5)
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_title(f"{name}: {w[level]}", fontsize=7, loc="left")
        ax.set_xlabel(w["sim_h"], fontsize=5.5)
        ax.set_ylabel(w["rec_h"], fontsize=5.5)
    for ax in list(axes.flat)[len(qq):]:
        ax.axis("off")
    fig.suptitle(w["qq_title"], fontsize=8, fontweight="bold")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
