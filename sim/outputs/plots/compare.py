"""Figures of a comparison: every policy's means with CIs, and paired differences from the reference."""

from __future__ import annotations

import textwrap

import numpy as np

from sim.outputs.numbers import format_diff, significant, stored_unit
from sim.outputs.plots.canvas import Figures
from sim.outputs.plots.ensemble import ensemble_policies_figure
from sim.outputs.plots.labels import KEY_METRICS
from sim.outputs.plots.selection import selection_figure
from sim.outputs.plots.maps import compare_maps
from sim.outputs.plots.style import PALETTE, WIDTH


def compare_figures(fg: Figures) -> None:
    s = fg.f.summary
    have = s["by_policy"][s["reference"]]["metrics"]
    metrics = [m for m in KEY_METRICS if m in have]
    # over a plausible ensemble, each policy's value in each set rather than pooled means and CIs
    (ensemble_policies_figure if fg.pooled_sets() else policies_figure)(fg, metrics)
    # the worst grid too (a policy may move it far more than the mean: allocation by households), and where issues
    # end: escalation, and what went up because it waited
    differences_figure(fg, metrics + [m for m in DIFFERENCE_EXTRA if m in have and m not in metrics])
    selection_figure(fg)  # compare --select-best only
    compare_maps(fg)


DIFFERENCE_EXTRA = ["coverage_min_grid", "escalation_rate", "escalated_by_delay_rate", "petitions"]


def policies_figure(fg: Figures, metrics: list[str]) -> None:
    """Each key metric of every policy: mean and 95% CI."""
    s = fg.f.summary
    policies = s["policies"]
    fig, axes = fg.plt.subplots(len(metrics), 1, figsize=(WIDTH, 0.55 + 0.62 * len(metrics) + 0.08 * len(policies) * len(metrics)),
                                sharex=False)
    axes = np.atleast_1d(axes)
    for ax, m in zip(axes, metrics):
        y = np.arange(len(policies))
        for i, p in enumerate(policies):
            v = s["by_policy"][p]["metrics"][m]
            mean = fg.metric_value(m, v["mean"])
            lo = fg.metric_value(m, v["ci95"][0] if v["ci95"][0] is not None else v["mean"])
            hi = fg.metric_value(m, v["ci95"][1] if v["ci95"][1] is not None else v["mean"])
            ax.errorbar(mean, i, xerr=[[mean - lo], [hi - mean]], fmt="o", ms=3, color=PALETTE[i % len(PALETTE)], capsize=2, lw=0.9)
        ax.set_yticks(y, [fg.policy_label(p) for p in policies])
        ax.set_ylim(len(policies) - 0.4, -0.6)  # top to bottom, clear of the axis line
        ax.set_xlabel(fg.label(m), labelpad=1)
        ax.grid(axis="y", visible=False)
        # from zero (to 100% for shares): a few minutes must not fill the axis; the reference dashed
        ax.axvline(fg.metric_value(m, s["by_policy"][policies[0]]["metrics"][m]["mean"]), color="#777777", lw=0.7, ls="--")
        ax.set_xlim(0, 100.0 if stored_unit(m) == "share" else ax.get_xlim()[1] * 1.05)
    axes[0].set_title(fg.label("t_policy") + "\n" + fg.label("reference_line", base=fg.policy_label(policies[0])),
                      fontsize=7.5)
    fig.tight_layout(h_pad=0.6)
    fg.save(fig, "policies", fg.policies_label(policies))


def differences_figure(fg: Figures, metrics: list[str]) -> None:
    """Forest plot: paired differences from the reference as % of its mean, on one axis."""
    s = fg.f.summary
    policies, base = s["policies"], s["reference"]
    rows = []
    for m in metrics:
        ref = s["by_policy"][base]["metrics"][m]["mean"]
        for p in policies[1:]:
            d = s["differences"][p]["metrics"].get(m)
            if d is None or not ref:
                continue
            lo = d["ci95"][0] if d["ci95"][0] is not None else d["mean"]
            hi = d["ci95"][1] if d["ci95"][1] is not None else d["mean"]
            # beside each row, the difference in the metric's own unit with its CI: intervals narrower than the
            # marker stay readable, and a share's difference reads in percentage points
            text = format_diff(m, d["mean"], *d["ci95"], significant(*d["ci95"]), fg.lang)
            rows.append((m, p, 100 * d["mean"] / abs(ref), 100 * lo / abs(ref), 100 * hi / abs(ref), text))
    if rows:
        # a metric's name once, in bold, above its policies' rows: long names stay on one or two lines, so the
        # figure keeps its column width however many policies there are
        names: list[str] = []
        ys: list[int] = []
        for m, p, *_ in rows:
            if not names or rows[len(ys) - 1][0] != m:
                names.append(textwrap.fill(fg.metric_name(m), 44))
            names.append(fg.policy_label(p))
            ys.append(len(names) - 1)
        fig, ax = fg.plt.subplots(figsize=(WIDTH, 0.8 + 0.2 * len(names)))
        for y, (m, p, mean, lo, hi, text) in zip(ys, rows):
            k = policies.index(p)
            ax.errorbar(mean, y, xerr=[[mean - lo], [hi - mean]], fmt="s", ms=2.5, color=PALETTE[k % len(PALETTE)], capsize=2, lw=0.9)
            ax.annotate(text, (1.0, y), xycoords=("axes fraction", "data"), xytext=(4, 0), textcoords="offset points",
                        fontsize=5, va="center", ha="left", color=PALETTE[k % len(PALETTE)], annotation_clip=False)
        ax.set_yticks(range(len(names)), names)
        for y, tick in enumerate(ax.get_yticklabels()):
            if y not in ys:
                tick.set_fontweight("bold")
        ax.set_ylim(len(names) - 0.5, -0.5)
        ax.axvline(0, color="#333333", lw=0.7)
        ax.grid(axis="y", visible=False)
        ax.set(xlabel=fg.label("diff_pct", base=fg.policy_label(base)), title=fg.label("t_forest", base=fg.policy_label(base)))
        fg.save(fig, "differences", fg.policies_label(policies))
