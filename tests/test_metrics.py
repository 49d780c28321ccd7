"""Metrics checked against values known in closed form."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.experiments.statistics import summarize
from sim.metrics import compute_metrics, coverage, run_series
from sim.model import simulate
from sim.scenario import build_scenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent


def visiting_only(pace: float, households: int, interval_days: float) -> dict:
    """One grid, one cadre always on duty, no issues: visits at a constant pace."""
    return {
        "name": "visits",
        "calendar": {"start": "2024-01-01", "horizon_days": 60, "warmup_days": 20},
        "grids": {"list": [{"id": "G1", "households": households}]},
        "issue_types": {"none": {"rate_per_1000_households_per_week": 0.0, "service_time": 1.0}},
        "cadres": {"grid_workers": {"per_grid": 1, "days": "Mon+Tue+Wed+Thu+Fri+Sat+Sun",
                                    "start_hour": 0, "end_hour": 24}},
        "visits": {"households_per_hour": pace, "target_interval_days": interval_days},
        "wartime": {"trigger": "off"},
    }


@pytest.mark.parametrize("pace, expected", [(2.0, 0.48), (10.0, 1.0)])
def test_coverage_of_a_constant_pace_is_exact(pace, expected):
    # 1,000 households, 10-day interval: 2 per hour visits 480 of them per interval -> 48%
    sc = build_scenario(visiting_only(pace, 1000, 10), ROOT / "x.toml")
    m = compute_metrics(simulate(sc, np.random.SeedSequence(0)))
    assert m["coverage_mean"] == pytest.approx(expected, abs=1e-9)
    assert m["coverage_min_grid"] == pytest.approx(expected, abs=1e-9)
    assert m["households_visited"] == pytest.approx(min(1000, pace * 40 * 24))
    assert m["issues_arrived"] == 0 and math.isnan(m["completion_rate"])


def test_coverage_is_a_share_of_households_not_a_mean_of_grids():
    # two grids, one worker each visiting 2 households an hour, 10-day interval (warm-up 20 days > 10):
    # the grid of 1,000 has 480 of them visited within 10 days (48%), the grid of 240 all of them (100%).
    # Of the 1,240 households, 480 + 240 = 720 are covered: 58.06%; the plain mean of grids would be 74%.
    spec = visiting_only(2.0, 1000, 10)
    spec["grids"] = {"list": [{"id": "G1", "households": 1000}, {"id": "G2", "households": 240}]}
    sc = build_scenario(spec, ROOT / "x.toml")
    r = simulate(sc, np.random.SeedSequence(0))
    cov = coverage(r)
    m = compute_metrics(r, cov)
    assert m["coverage_mean"] == pytest.approx(720 / 1240, abs=1e-9)
    assert m["coverage_grid_mean"] == pytest.approx((0.48 + 1.0) / 2, abs=1e-9)
    assert m["coverage_min_grid"] == pytest.approx(0.48, abs=1e-9)
    # the daily series is the same share, day by day, once a whole interval has passed
    assert cov.daily[12:] == pytest.approx(np.full(len(cov.daily) - 12, 720 / 1240), abs=1e-9)
    assert run_series(r, np.zeros(60), cov)["coverage_daily"][30] == pytest.approx(720 / 1240, abs=1e-9)


def test_backlog_mean_obeys_littles_law_through_the_metrics():
    """backlog_mean (time-average open issues) = arrival rate x resolution_hours_mean.

    The two sides differ by edge effects at the window's ends only; across 10
    replications of the M/M/3 case the paired difference's 95% CI must contain 0.
    """
    sc = load_scenario(ROOT / "scenarios" / "validation" / "mmc.toml")
    diffs = []
    for ss in np.random.SeedSequence(11).spawn(10):
        rec = simulate(sc, ss)
        m = compute_metrics(rec)
        lam = m["issues_arrived"] / (rec.horizon - rec.warmup)
        diffs.append(m["backlog_mean"] - lam * m["resolution_hours_mean"])
    s = summarize(diffs)
    assert s.ci95[0] <= 0 <= s.ci95[1], s
    assert s.ci95[1] - s.ci95[0] < 0.1 * 4.7  # the test has power: CI narrower than 10% of L


def test_summary_is_student_t():
    s = summarize([1.0, 2.0, 3.0, 4.0])
    assert s.mean == 2.5 and s.n == 4
    assert s.std == pytest.approx(1.2909944)
    half = 3.182446305284263 * 1.2909944 / 2  # t(0.975, 3) * s / sqrt(n)
    assert s.ci95 == pytest.approx((2.5 - half, 2.5 + half))
    assert summarize([7.0]).n == 1 and math.isnan(summarize([7.0]).ci95[0])
