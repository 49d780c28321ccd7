"""The figure of a selection of the best policy (``compare --select-best``): MCB intervals, in the metric's units.

One row per policy: its interval for (its mean - the best mean of the others), the
difference of the means as a dot, the indifference zone (+/- delta) shaded around zero,
and whether the policy was selected, tied with it (the same value on every replication),
eliminated (after how many replications) or is still in contention.  Drawn from summary.json's ``selection`` block only.
"""

from __future__ import annotations

from typing import Any

from sim.outputs.glossary import word
from sim.outputs.plots.canvas import Figures
from sim.outputs.plots.labels import diff_label
from sim.outputs.plots.style import PALETTE, WIDTH


def _w(fg: Figures, key: str, **fill: Any) -> str:
    return word("sel_" + key, fg.lang, **fill)  # the figure's words are in the glossary


def selection_figure(fg: Figures) -> None:
    """MCB intervals of every policy, the selected one marked."""
    s = fg.f.summary.get("selection")
    if not s or not s.get("mcb"):
        return
    m = s["metric"]
    policies = list(s["mcb"])
    minimize = s.get("direction", "minimize") == "minimize"
    means = s.get("means", {})
    scale = lambda x: fg.metric_value(m, x)  # noqa: E731 - the figure's unit (shares in %)
    fig, ax = fg.plt.subplots(figsize=(WIDTH, 0.95 + 0.3 * len(policies)))
    delta = scale(s["delta"])
    ax.axvspan(-delta, delta, color="#e4e4e4", lw=0)
    ax.axvline(0, color="#333333", lw=0.7)
    for i, p in enumerate(policies):
        lo, hi = (scale(x) for x in s["mcb"][p])
        if p == s["best"]:
            color, tag = PALETTE[2], _w(fg, "selected" if s.get("decided", True) else "contention")
        elif p in s.get("tied", {}):
            color, tag = PALETTE[2], _w(fg, "tied")
        elif p in s.get("eliminated", {}):
            color, tag = "#888888", _w(fg, "out", n=s["eliminated"][p])
        else:
            color, tag = PALETTE[0], _w(fg, "contention")
        ax.plot([lo, hi], [i, i], color=color, lw=2.2, solid_capstyle="butt")
        others = [means[o] for o in policies if o != p and means.get(o) is not None]
        if means.get(p) is not None and others:
            d = means[p] - (min(others) if minimize else max(others))
            ax.plot([scale(d)], [i], "o", ms=3.2, color=color, mec="white", mew=0.5)
        ax.annotate(tag, (1.0, i), xycoords=("axes fraction", "data"), xytext=(3, 0), textcoords="offset points",
                    va="center", ha="left", fontsize=6, color=color)
    ax.set_yticks(range(len(policies)), [fg.policy_label(p) for p in policies])
    ax.set_ylim(len(policies) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    metric = fg.metric_name(m)
    conf = f"{100 * s['confidence']:g}%"
    note = _w(fg, "note", conf=conf, better=_w(fg, "lower" if minimize else "higher"))
    ax.set_title(_w(fg, "title", metric=metric))
    ax.set_xlabel(_w(fg, "x", axis=diff_label(fg.label(m), m, fg.lang)))  # differences: a share's in points
    ax.annotate(f"{note}\n{_w(fg, 'zone', delta=f'{delta:g}')}", (0, 0), xycoords="axes fraction",
                xytext=(0, -31), textcoords="offset points", fontsize=5.8, color="#444444", va="top",
                linespacing=1.4)
    fig.tight_layout()
    fg.save(fig, "selection", f"{metric}{'，' if fg.lang == 'zh' else ', '}{fg.policies_label(policies)}")
