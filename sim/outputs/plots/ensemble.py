"""The figure of ``compare --ensemble``: per policy, each plausible parameter set's paired difference from the
reference with its 95% CI, one panel per key metric, sets sorted by the difference, zero marked.  Read from the
folder's ensemble.csv; a set whose CI lies wholly on the better side is drawn green, on the worse side vermilion,
else grey."""

from __future__ import annotations

import csv
import math

import numpy as np

from sim.outputs.numbers import better, significant
from sim.outputs.plots.canvas import Figures
from sim.outputs.plots.labels import KEY_METRICS, axis, diff_label
from sim.outputs.plots.style import PALETTE, WIDTH

# the key metrics, the worst grid and where issues end (as the compare differences figure)
METRICS = [*KEY_METRICS, "coverage_min_grid", "escalation_rate", "escalated_by_delay_rate", "petitions"]
COLOURS = {"better": PALETTE[2], "worse": PALETTE[3], None: "#888888"}


def _float(x: str) -> float:
    try:
        return float(x)
    except ValueError:
        return math.nan


def ensemble_figures(fg: Figures) -> None:
    s = fg.f.summary
    e = s.get("ensemble")
    path = fg.f.path / "ensemble.csv"
    if not e or not path.is_file():
        return
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    base = s["reference"]
    for p in s["policies"][1:]:
        by = {m: [(r["set"], _float(r["diff"]), _float(r["diff_ci_lo"]), _float(r["diff_ci_hi"]))
                  for r in rows if r["policy"] == p and r["metric"] == m] for m in METRICS}
        shown = [m for m in METRICS if any(math.isfinite(d) for _, d, _, _ in by[m])]
        if shown:
            _figure(fg, p, base, shown, by, e)


def _figure(fg: Figures, p: str, base: str, metrics: list[str], by: dict, e: dict) -> None:
    k = len(e["sets"])
    fig, axes = fg.plt.subplots(len(metrics), 1, figsize=(WIDTH, 0.7 + len(metrics) * (0.45 + 0.05 * min(k, 40))))
    axes = np.atleast_1d(axes)
    for ax, m in zip(axes, metrics):
        pts = sorted((x for x in by[m] if math.isfinite(x[1])), key=lambda x: x[1])
        scale, label = axis(m, [abs(d) for _, d, _, _ in pts], fg.lang)
        for y, (_, d, lo, hi) in enumerate(pts):
            lo, hi = (lo, hi) if math.isfinite(lo) and math.isfinite(hi) else (d, d)
            where = None if not significant(lo, hi) or better(m) not in ("higher", "lower") else \
                "better" if (lo > 0) == (better(m) == "higher") else "worse"
            ax.errorbar(d * scale, y, xerr=[[(d - lo) * scale], [(hi - d) * scale]], fmt="o", ms=2.5, lw=0.8,
                        capsize=1.5, color=COLOURS[where])
        ax.axvline(0, color="#333333", lw=0.7)
        ax.set_yticks([])
        ax.set_ylim(-0.7, len(pts) - 0.3)
        ax.set_xlabel(diff_label(label, m, fg.lang), labelpad=1)
        ax.grid(axis="y", visible=False)
    axes[0].set_title(fg.label("t_ensemble", policy=fg.policy_label(p), base=fg.policy_label(base)) + "\n"
                      + fg.label("t_ensemble_rows"), fontsize=7.5)
    fig.tight_layout(h_pad=0.5)
    fg.save(fig, f"ensemble-{p}", fg.label("ensemble_of", k=k, file=e["file"].rsplit("/", 1)[-1]))
