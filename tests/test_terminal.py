"""The terminal tables of run, compare and sweep: one unit rule, intervals that never print as one value,
significant differences that never print as zero, and a verdict that names the better policy."""

from __future__ import annotations

import re
from pathlib import Path

from sim.experiments.commands import Comparison, Sweep
from sim.experiments.designs import parse_vary
from sim.experiments.runs import RunOutcome
from sim.experiments.statistics import MetricSummary
from sim.outputs.terminal import SAME, comparison_table, results_table, sweep_table


def ms(mean: float, lo: float, hi: float, n: int = 10) -> MetricSummary:
    return MetricSummary(mean, (hi - lo) / 4, (lo, hi), n)


def comparison(summaries, differences) -> Comparison:
    pols = list(summaries)
    return Comparison("compare", "test", Path("."), 1, 10, 0.0, 30.0,
                      [RunOutcome(p, 0, 1, {}) for p in pols], summaries, {}, policies=pols, differences=differences)


def intervals(text: str) -> list[tuple[str, str]]:
    return re.findall(r"\[([^,\]]+), ([^\]]+)\]", text)


def test_run_table_shows_each_identifier_in_its_own_unit_and_never_collapses_an_interval():
    text = results_table({
        "resolution_hours_mean": ms(8.8812, 8.8790, 8.8841),  # 15 seconds wide: still two numbers
        "resolution_hours_p90": ms(100.0, 96.0, 104.0),  # several days, but named hours: in hours
        "coverage_mean": ms(0.98312, 0.98301, 0.98322),
        "cadre_hours_on_duty": ms(1600.0, 1600.0, 1600.0),  # the same in every run
    })
    assert all(a != b for a, b in intervals(text)), text
    rows = {line.split()[0]: line for line in text.splitlines()[2:]}
    assert re.search(r"resolution_hours_mean\s+h\s+8\.881\d?\s+\[8\.87\d+, 8\.88\d+\]\s+10\s+lower", rows["resolution_hours_mean"])
    assert re.search(r"resolution_hours_p90\s+h\s+100\s+\[96, 104\]", rows["resolution_hours_p90"])
    assert re.search(r"cadre_hours_on_duty\s+cadre-hours\s+1,600\s", rows["cadre_hours_on_duty"])
    assert SAME in rows["cadre_hours_on_duty"] and "higher" in rows["coverage_mean"]


def test_compare_significant_tiny_differences_print_non_zero_and_the_verdict_picks_the_better_side():
    summaries = {
        "a": {"resolution_hours_p90": ms(20.0, 19.0, 21.0), "coverage_min_grid": ms(0.40, 0.39, 0.41),
              "cadre_hours_on_duty": ms(800.0, 800.0, 800.0)},
        "b": {"resolution_hours_p90": ms(19.9996, 18.9, 21.0), "coverage_min_grid": ms(0.65, 0.64, 0.66),
              "cadre_hours_on_duty": ms(880.0, 880.0, 880.0)},
    }
    diffs = {"b": {"resolution_hours_p90": ms(-0.0004, -0.0006, -0.0002),  # lower is better: b, by a hair
                   "coverage_min_grid": ms(0.25, 0.24, 0.26),
                   "cadre_hours_on_duty": ms(80.0, 80.0, 80.0)}}
    text = comparison_table(comparison(summaries, diffs))
    assert re.search(r"-0\.0004\s+\[-0\.0006, -0\.0002\]\s+\*", text) and not re.search(r"\b0\.0\b", text)
    verdict = text[text.index("verdict"):]
    rows = {line.split()[0]: line for line in verdict.splitlines()[3:]}
    assert re.search(r"resolution_hours_p90\s+lower\s+b\s+-0\.0004 h", rows["resolution_hours_p90"])
    # a difference of shares in percentage points, never %; cadre time in the unit of cadre_hours_on_duty
    assert re.search(r"coverage_min_grid\s+higher\s+b\s+\+25 percentage points \[\+24, \+26\]",
                     rows["coverage_min_grid"])
    assert rows["coverage_min_grid"].rstrip().endswith("+80.0 cadre-hours")
    assert "percentage points" in text[:text.index("verdict")]  # the table's note names the unit of its differences


def test_compare_verdict_when_the_reference_is_best_and_nothing_is_distinguishable():
    summaries = {"a": {"coverage_mean": ms(0.95, 0.94, 0.96)}, "b": {"coverage_mean": ms(0.94, 0.93, 0.95)}}
    text = comparison_table(comparison(summaries, {"b": {"coverage_mean": ms(-0.01, -0.03, 0.01)}}))
    assert "the reference itself; not distinguishable from b" in text


def test_sweep_table_has_readable_parameters_intervals_units_and_the_worst_grid():
    factors = [parse_vary("cadres.sunk.count=400:800:400"), parse_vary("cadres.sunk.service_days=Wed,Mon+Thu")]
    points = {"p0000": {"cadres.sunk.count": 400, "cadres.sunk.service_days": "Wed"},
              "p0001": {"cadres.sunk.count": 800, "cadres.sunk.service_days": "Mon+Thu"}}
    summaries = {p: {"resolution_hours_p90": ms(22.0, 21.0, 23.0), "coverage_mean": ms(0.9, 0.89, 0.91),
                     "coverage_min_grid": ms(0.5, 0.4, 0.6), "cadre_hours_on_duty": ms(800.0, 800.0, 800.0)}
                 for p in points}
    text = sweep_table(Sweep("sweep", "test", Path("."), 1, 2, 0.0, 30.0, [], summaries, {}, factors=factors,
                             points=points))
    head = text.splitlines()[0]
    assert "sunk cadres" in head and "service days" in head and "cadres.sunk" not in head
    assert "coverage_min_grid (%)" in head and "cadre_hours_on_duty (cadre-hours)" in head
    assert "resolution_hours_p90 (h)" in head
    assert "Mon+Thu" in text and "W+e+d" not in text and "90 [89, 91]" in text


def test_a_long_duration_is_never_shown_in_days_beside_its_hours_identifier():
    # the 'resolution_hours_mean  days  3.7' while summary.json held 89.7, and a sweep header
    # 'resolution_hours_p90 (days)': days (and cadre-days) never sit beside an identifier named in hours
    long = {"resolution_hours_mean": ms(89.7, 85.0, 94.0), "resolution_hours_p90": ms(300.0, 280.0, 320.0),
            "true_resolution_hours_mean": ms(110.0, 100.0, 120.0), "wait_hours_mean": ms(80.0, 79.0, 81.0),
            "cadre_hours_on_duty": ms(1_568_576.0, 1_568_576.0, 1_568_576.0),
            "wartime_cadre_hours": ms(209_856.0, 209_856.0, 209_856.0)}
    summaries = {"a": long, "b": {k: ms(v.mean * 2, v.ci95[0] * 2, v.ci95[1] * 2) for k, v in long.items()}}
    diffs = {"b": {k: ms(v.mean, *v.ci95) for k, v in long.items()}}
    factors = [parse_vary("cadres.sunk.count=400:800:400")]
    points = {"p0000": {"cadres.sunk.count": 400}, "p0001": {"cadres.sunk.count": 800}}
    texts = [results_table(long), comparison_table(comparison(summaries, diffs)),
             sweep_table(Sweep("sweep", "test", Path("."), 1, 2, 0.0, 30.0, [], {p: long for p in points}, {},
                               factors=factors, points=points))]
    for text in texts:
        for line in text.splitlines():
            named = re.findall(r"\b\w*_hours\w*", line)
            if named:
                assert not re.search(r"\b(days|cadre-days)\b", line), line
    assert re.search(r"resolution_hours_mean\s+h\s+90\s+\[85, 94\]", texts[0]), texts[0]
    assert re.search(r"cadre_hours_on_duty\s+cadre-hours\s+1,568,576\s", texts[0]), texts[0]


def test_compare_verdict_names_no_best_where_every_policy_has_the_same_mean():
    # every policy at 100% SLA: no policy is best, whatever the order of the policies
    same = {"sla_attainment": MetricSummary(1.0, 0.0, (1.0, 1.0), 10), "coverage_mean": ms(0.95, 0.94, 0.96)}
    summaries = {"a": same, "b": {**same, "coverage_mean": ms(0.97, 0.96, 0.98)}}
    diffs = {"b": {"sla_attainment": MetricSummary(0.0, 0.0, (0.0, 0.0), 10), "coverage_mean": ms(0.02, 0.01, 0.03)}}
    verdict = comparison_table(comparison(summaries, diffs))
    rows = {line.split()[0]: line for line in verdict[verdict.index("verdict"):].splitlines()[3:]}
    assert re.search(r"sla_attainment\s+higher\s+none: all the same", rows["sla_attainment"])
    assert re.search(r"coverage_mean\s+higher\s+b\s+\+2", rows["coverage_mean"])


def test_the_reference_is_ahead_only_of_policies_significantly_worse():
    # the reference has the best mean (over its own replications), but the paired difference says b is better:
    # the verdict must not call the reference 'ahead of b'
    summaries = {"a": {"resolution_hours_p90": ms(22.9934, 22.8, 23.2)}, "b": {"resolution_hours_p90": ms(22.9937, 22.8, 23.2)}}
    text = comparison_table(comparison(summaries, {"b": {"resolution_hours_p90": ms(-0.11, -0.18, -0.04)}}))
    assert "ahead of b" not in text and "behind b when paired" in text
