"""The figures of ``compare --ensemble`` drawn set by set, never pooled.

Per policy, each plausible parameter set's paired difference from the reference with its 95% CI, one panel per
key metric, sets sorted by the difference, zero marked (read from the folder's ensemble.csv; a set whose CI lies
wholly on the better side is drawn green, on the worse side vermilion, else grey).  And in place of the compare's
figure of every policy's means, each policy's mean in each set, a line joining one set's means across the
policies, and the mean over the sets: a reader sees how far the sets spread, which pooled CIs would hide."""

from __future__ import annotations

import csv
import math

import numpy as np

from sim.outputs.numbers import better, significant
from sim.outputs.plots.canvas import Figures
from sim.outputs.plots.folder import Folder
from sim.outputs.plots.labels import KEY_METRICS, axis, diff_label
from sim.outputs.numbers import stored_unit
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
    fg.save(fig, f"ensemble-{p}", _of(e, fg), per_set=True)


def _of(e: dict, fg: Figures) -> str:
    return fg.label("ensemble_of", k=len(e["sets"]), file=e["file"].replace("\\", "/").rsplit("/", 1)[-1])


def set_means(f: Folder, policy: str, metric: str) -> list[float]:
    """The policy's mean of the metric in each set, in the sets' order (nan where no run of the set gave one)."""
    out = []
    for runs in f.by_set(policy):
        v = [x for x in ((o.metrics or {}).get(metric) for o in runs) if x is not None and math.isfinite(x)]
        out.append(sum(v) / len(v) if v else math.nan)
    return out


def ensemble_policies_figure(fg: Figures, metrics: list[str]) -> None:
    """Each key metric of every policy in each set: a dot per set, a thin line joining one set's dots across the
    policies (the sets are paired), a diamond at the mean over the sets, the reference's dashed."""
    policies = fg.f.summary["policies"]
    fig, axes = fg.plt.subplots(len(metrics), 1, figsize=(WIDTH, 0.55 + 0.62 * len(metrics) +
                                                          0.08 * len(policies) * len(metrics)))
    axes = np.atleast_1d(axes)
    y = np.arange(len(policies))
    for ax, m in zip(axes, metrics):
        means = np.array([[fg.metric_value(m, x) for x in set_means(fg.f, p, m)] for p in policies])  # policy x set
        for col in means.T:
            ax.plot(col, y, color="#bbbbbb", lw=0.4, zorder=1)
        for i, p in enumerate(policies):
            ax.plot(means[i], np.full(means.shape[1], i), "o", ms=2.2, alpha=0.75, color=PALETTE[i % len(PALETTE)],
                    zorder=2)
            ax.plot(np.nanmean(means[i]), i, "D", ms=4, mfc=PALETTE[i % len(PALETTE)], mec="#222222", mew=0.6, zorder=3)
        ax.axvline(np.nanmean(means[0]), color="#777777", lw=0.7, ls="--")
        ax.set_yticks(y, [fg.policy_label(p) for p in policies])
        ax.set_ylim(len(policies) - 0.4, -0.6)
        ax.set_xlabel(fg.label(m), labelpad=1)
        ax.grid(axis="y", visible=False)
        ax.set_xlim(0, 100.0 if stored_unit(m) == "share" else max(ax.get_xlim()[1], 1e-9) * 1.05)  # as the compare's
    axes[0].set_title(fg.label("t_ensemble_policy", k=fg.pooled_sets()) + "\n"
                      + fg.label("t_ensemble_policy_rows", base=fg.policy_label(policies[0])), fontsize=7.5)
    fig.tight_layout(h_pad=0.6)
    fg.save(fig, "policies", fg.policies_label(policies) + " · " + _of(fg.f.summary["ensemble"], fg), per_set=True)
