"""A factor's effect in one unit in the terminal, the figure and the report (issue 29: coverage mu* printed
0.268 in the terminal and '27%' in the report; an SLA effect as '0.23%' that was 0.23 percentage points).

An effect is a change of the metric, so a share's effect is in percentage points; a duration's in hours,
the unit its identifier says, wherever it is shown.  Built from a hand-made sensitivity block: nothing runs.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from sim.api import sensitivity_table
from sim.decide.sensitivity.command import Sensitivity
from sim.outputs.report.decisions import sensitivity as report_sensitivity

COVERAGE = {"cadres.sunk.count": {"mu_star": 0.268, "mu_star_conf": 0.02, "sigma": 0.05, "mu": 0.268},
            "visits.households_per_hour": {"mu_star": 0.0023, "mu_star_conf": 0.001, "sigma": 0.001, "mu": 0.0023}}
P90 = {"cadres.sunk.count": {"mu_star": 96.0, "mu_star_conf": 4.0, "sigma": 10.0, "mu": -96.0},
       "visits.households_per_hour": {"mu_star": 2.0, "mu_star_conf": 1.0, "sigma": 1.0, "mu": 2.0}}
INDICES = {"coverage_mean": COVERAGE, "resolution_hours_p90": P90}
RANKING = {m: ["cadres.sunk.count", "visits.households_per_hour"] for m in INDICES}


def block() -> dict:
    return {"method": "morris", "factors": list(COVERAGE), "points": 30, "replications": 2, "indices": INDICES,
            "ranking": RANKING, "noise_share": {m: 0.01 for m in INDICES}}


def test_the_terminal_shows_a_shares_effect_in_points_and_a_durations_in_hours():
    s = Sensitivity("morris", [], list(INDICES), INDICES, {m: 0.01 for m in INDICES}, 5, False,
                    SimpleNamespace(replications=2))
    text = sensitivity_table(s)
    cov = text[text.index("coverage_mean"):text.index("resolution_hours_p90")]
    assert "effects in percentage points" in cov
    assert re.search(r"cadres\.sunk\.count\s+26\.8\s+\[24\.8, 28\.8\]", cov), cov
    p90 = text[text.index("resolution_hours_p90"):]
    assert "effects in h" in p90 and re.search(r"cadres\.sunk\.count\s+96\s+\[92, 100\]", p90), p90  # not 4 days


@pytest.mark.parametrize("lang, points", [("en", "percentage points"), ("zh", "个百分点")])
def test_the_report_gives_the_same_numbers_in_the_same_units(lang, points):
    f = SimpleNamespace(command="sensitivity", summary={"sensitivity": block()}, scenario={})
    text = "\n".join(report_sensitivity(f, lang))
    effects = re.findall(r"μ\* = ([^)）]*)[)）]", text)
    sep = "" if lang == "zh" else " "
    assert effects[0] == f"27{sep}{points} [25, 29]", effects  # coverage: 0.268 -> 26.8 points, as in the terminal
    assert effects[1] == ("96小时 [92, 100]" if lang == "zh" else "96 h [92, 100]"), effects  # hours, not 4 days


def test_the_figure_draws_a_shares_effect_in_points(tmp_path):
    from sim.outputs.plots.canvas import Figures
    from sim.outputs.plots.sensitivity import sensitivity_figures

    folder = SimpleNamespace(path=tmp_path, summary={"sensitivity": block(), "seeds": {"root": 1}, "scenario": "t"},
                             scenario={}, n=2, command="sensitivity")
    fg = Figures(folder, "png", "en")
    drawn = {}
    close = fg.plt.close
    fg.plt.close = lambda fig: drawn.setdefault(len(drawn), fig)
    try:
        sensitivity_figures(fg)
    finally:
        fg.plt.close = close
    cov_ax = drawn[0].axes[0]
    assert "percentage points" in cov_ax.get_xlabel()
    xs = sorted(float(c.lines[0].get_xdata()[0]) for c in cov_ax.containers)
    assert xs == pytest.approx([0.23, 26.8])
    p90_ax = drawn[1].axes[0]
    assert "(h)" in p90_ax.get_xlabel()


@pytest.mark.parametrize("lang, points", [("en", " percentage points"), ("zh", "个百分点")])
def test_the_report_table_gives_mu_star_in_the_metric_s_unit_under_its_own_heading(lang, points):
    from sim.outputs.report.sections import key_table, results_heading

    b = block()
    b["indices"]["coverage_mean"]["visits.households_per_hour"] = {"mu_star": 5.53e-05, "mu_star_conf": 1.18e-05,
                                                                   "sigma": 0.0, "mu": 5.53e-05}
    f = SimpleNamespace(command="sensitivity", summary={"sensitivity": b}, scenario={})
    table = key_table(f, lang)
    assert "μ* [95%" in table.head[2] and "mu_star" not in " ".join(table.head)
    cells = [r[2] for r in table.rows]
    assert cells[0] == f"27{points} [25, 29]"  # as the findings give it
    assert cells[2] == ("96小时 [92, 100]" if lang == "zh" else "96 h [92, 100]")
    assert not any("e-" in c for c in cells), cells
    assert "μ*" in results_heading(f, lang) and "mean" not in results_heading(f, lang)
    b["method"] = "sobol"
    b["indices"] = {m: {k: {"ST": 0.4512, "ST_conf": 0.05} for k in v} for m, v in INDICES.items()}
    assert key_table(f, lang).rows[0][2] == "0.45 [0.40, 0.50]"
    assert "ST" in results_heading(f, lang)
