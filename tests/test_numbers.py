"""Numbers that read right: the unit rule, intervals that never collapse, significant differences never 0."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.outputs.numbers import (
    ci_parts,
    diff_parts,
    format_ci,
    format_diff,
    format_value,
    Shown,
    shown_unit,
    significant,
    stored_shown,
)

METRICS = ["resolution_hours_mean", "coverage_mean", "cadre_hours_on_duty", "backlog_mean", "task_x_days_to_done",
           "utilization_sunk", "issues_arrived", "cost_total"]
values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


def _num(text: str) -> float:
    return float(text.replace(",", ""))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(METRICS), values, values, st.floats(min_value=0, max_value=1))
def test_an_interval_whose_ends_differ_never_prints_as_one_value(metric, a, b, where):
    lo, hi = min(a, b), max(a, b)
    assume(hi - lo > 1e-9 * max(1.0, abs(lo), abs(hi)))
    mean = lo + where * (hi - lo)
    m, lo_s, hi_s, shown = ci_parts(metric, mean, lo, hi)
    assert lo_s != hi_s, (metric, lo, hi, lo_s, hi_s)
    assert _num(lo_s) <= _num(m) <= _num(hi_s)
    for s in (m, lo_s, hi_s):
        assert not s.startswith(("-0.", "-0")) or _num(s) != 0, s  # no '-0.0'
    for lang in ("en", "zh"):
        assert format_ci(metric, mean, lo, hi, lang)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(METRICS), st.floats(min_value=1e-9, max_value=1e6), st.floats(min_value=1e-9, max_value=1e6),
       st.floats(min_value=0, max_value=1), st.booleans())
def test_a_significant_difference_never_prints_as_zero(metric, a, b, where, negative):
    lo, hi = min(a, b), max(a, b)
    if negative:
        lo, hi = -hi, -lo
    diff = lo + where * (hi - lo)
    assert significant(lo, hi)
    texts = diff_parts(metric, diff, lo, hi, True)[:3]
    for t in texts:
        assert _num(t) != 0, (metric, diff, lo, hi, texts)
        assert (t.startswith("-")) == negative, texts
    assert "0.0 [0.0, 0.0]" not in format_diff(metric, diff, lo, hi, True)


@given(st.sampled_from(METRICS), values)
def test_a_zero_never_has_a_sign(metric, x):
    for s in diff_parts(metric, x * 1e-20, -1.0, 1.0, False)[:1]:
        assert not s.startswith(("-0", "+0")) or _num(s) != 0


def test_the_cases_of_the_issue():
    # '0.0 [0.0, 0.0] *' and '-0.0 [-0.0, -0.0] *' for differences marked significant
    assert format_diff("coverage_mean", 0.0004, 0.0001, 0.0007, True) == "+0.04 percentage points [+0.01, +0.07]"
    assert format_diff("resolution_hours_mean", -0.004, -0.007, -0.001, True) == "-0.004 h [-0.007, -0.001]"
    # '0.37 d [0.37 d, 0.37 d]': a 9-hour mean in hours, and its interval apart
    assert format_ci("resolution_hours_mean", 8.88, 8.85, 8.91) == "8.88 h [8.85, 8.91]"
    assert format_diff("coverage_mean", 0.0001, -0.002, 0.002, False) == "0.0 percentage points [-0.2, +0.2]"  # no sign


def test_a_difference_of_shares_is_in_percentage_points_never_percent():
    # 91.6% against 94.1%: 2.5 points apart (a relative change would be 2.7%)
    assert format_diff("coverage_mean", 0.025, 0.020, 0.030, True) == "+2.5 percentage points [+2.0, +3.0]"
    assert format_diff("sla_attainment", -0.0023, None, None, False, "zh") == "-0.230个百分点"
    for lang in ("en", "zh"):
        assert "%" not in format_diff("completion_rate_reported", 0.012, 0.004, 0.02, True, lang)
    assert diff_parts("coverage_min_grid", 0.25, 0.24, 0.26, True)[3].unit == "points"


def test_no_false_precision_three_significant_figures_unless_the_interval_needs_more():
    # the report's '94.607%': a narrow CI of [94.603%, 94.611%] needs two decimals to keep its ends apart, not three
    assert format_ci("coverage_mean", 0.94607, 0.94603, 0.94611) == "94.61% [94.60%, 94.61%]"
    assert format_ci("coverage_mean", 0.94607, 0.9446, 0.9476) == "94.6% [94.5%, 94.8%]"
    assert format_ci("coverage_mean", 0.9, 0.85, 0.95) == "90% [85%, 95%]"  # a wide CI: fewer digits
    assert format_ci("resolution_hours_mean", 8.8812, 8.8790, 8.8841) == "8.881 h [8.879, 8.884]"  # needs more


def test_beside_its_identifier_a_metric_is_in_the_unit_its_name_says():
    assert stored_shown("resolution_hours_p90") == Shown("hours", 1.0)  # never days, however long
    assert stored_shown("cadre_hours_on_duty") == Shown("cadre_hours", 1.0)  # never cadre-days
    assert stored_shown("task_x_days_to_done") == Shown("days", 1.0)
    assert stored_shown("coverage_mean") == Shown("percent", 100.0)
    assert stored_shown("coverage_mean", diff=True) == Shown("points", 100.0)
    assert format_ci("resolution_hours_p90", 89.7, 85.0, 94.0, shown=stored_shown("resolution_hours_p90")) \
        == "90 h [85, 94]"


def test_the_unit_rule():
    assert shown_unit("resolution_hours_p90", 71.9).unit == "hours"
    assert shown_unit("resolution_hours_p90", 72.0).unit == "days"
    assert format_value("resolution_hours_p90", 96.0) == "4.00 days"
    assert format_value("resolution_hours_p90", 96.0, "zh") == "4.00天"
    assert format_value("wait_hours_mean", 2.5, "zh") == "2.50小时"
    assert format_value("cadre_hours_on_duty", 80_000.0) == "10,000 cadre-days"
    assert format_value("cadre_hours_on_duty", 80_000.0, "zh") == "10,000人日"
    assert format_value("completion_rate_reported", 0.985) == "98.5%"
    assert format_value("issues_arrived", 1234.0) == "1,234 issues"
    assert format_value("backlog_mean", None) == "–" and format_value("backlog_mean", math.nan) == "–"
    # several numbers shown together share one unit, chosen from the largest
    assert format_ci("resolution_hours_mean", 70.0, 60.0, 80.0).endswith("[2.5, 3.3]")
    assert format_ci("coverage_mean", 0.9, None, None) == "90.0%"  # one replication: no interval


@pytest.mark.parametrize("lang", ["xx", ""])
def test_an_unknown_language_is_refused(lang):
    with pytest.raises(ValueError):
        format_value("backlog_mean", 1.0, lang)


def test_an_interval_end_near_zero_never_prints_as_zero():
    from sim.outputs.numbers import format_diff

    # sla_attainment, two days a week: +0.04 pp [-0.0007, +0.080], not distinguishable from zero; '[0.00, +0.08]'
    # would read as touching zero from above
    text = format_diff("sla_attainment", 0.0004, -0.000007, 0.0008, False)
    lo = text.split("[")[1].split(",")[0]
    assert lo.startswith("-") and float(lo) != 0, text
    assert format_diff("sla_attainment", 0.0004, 0.0, 0.0008, False).split("[")[1].startswith("0.0")  # a true zero


def test_side_of_a_paired_difference_follows_the_metric_s_better_direction():
    from sim.outputs.numbers import side

    assert side("coverage_mean", 0.01, 0.03) == "better" and side("coverage_mean", -0.03, -0.01) == "worse"
    assert side("resolution_hours_p90", -0.54, -0.43) == "better" and side("resolution_hours_p90", 0.1, 0.2) == "worse"
    assert side("coverage_mean", -0.01, 0.02) is None and side("coverage_mean", None, 0.02) is None


def test_small_shares_keep_a_digit():
    """0.52% and 0.48% are both about half a percent: neither is shown as 1% or 0%."""
    from sim.outputs.numbers import share_percent

    assert [share_percent(x) for x in (0.0052, 0.0048, 0.041, 0.0004, 0.0, 0.25, 1.0)] == \
        ["0.5%", "0.5%", "4.1%", "0.04%", "0%", "25%", "100%"]
