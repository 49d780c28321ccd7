"""Attendance: ``attendance`` in a role's table (each cadre's each shift happens with that chance).

- an attendance of 0.5 halves the hours on duty, within the binomial confidence interval
  of the number of (cadre, shift) draws, and the absences are about half of them;
- an absent cadre neither works nor visits during the shift it missed (the invariant
  checks read duty per cadre from the records, absences removed);
- common random numbers: who turns up depends only on the duty group's own stream, so a
  policy that changes dispatch leaves the absences unchanged;
- the default (1) draws nothing and reports no attendance metrics;
- bad input names the field.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from oracles import check_invariants
from sim.metrics import compute_metrics
from sim.model import simulate
from sim.scenario import ScenarioError, build_scenario

ROOT = Path(__file__).resolve().parent.parent


def district(attendance: float = 0.5, **dispatch) -> dict:
    return {
        "name": "attendance",
        "calendar": {"start": "2024-01-01", "horizon_days": 56, "warmup_days": 0, "drain_days": 0},
        "grids": {"generate": {"count": 12, "communities": 3, "households": 300}},
        "issue_types": {"req": {"rate_per_1000_households_per_week": 30,
                                "service_time": {"dist": "exponential", "mean": 1.0}}},
        "cadres": {"grid_workers": {"per_grid": 1},
                   "sunk": {"count": 60, "service_days": ["Tue", "Thu"], "attendance": attendance}},
        "visits": {"enabled": True, "households_per_hour": 2.0},
        "dispatch": dispatch,
        "wartime": {"trigger": "off"},
    }


def test_half_attendance_halves_the_hours_on_duty():
    sc = build_scenario(district(0.5), ROOT / "x.toml")
    r = simulate(sc, np.random.SeedSequence(1))
    check_invariants(sc, r)  # no work and no visiting in a missed shift
    sunk_rows = np.flatnonzero(np.array(r.group_names)[r.group_duty] != "grid_workers")
    draws = int(r.group_size[r.group_duty[sunk_rows]].sum())  # (cadre, shift) pairs of sunk cadres
    absent = r.absent_row.size
    assert np.isin(r.absent_row, sunk_rows).all()  # grid workers always turn up (attendance 1)
    half_width = 3 * np.sqrt(draws * 0.25)  # binomial(draws, 0.5): 3 standard deviations
    assert abs(absent - draws / 2) < half_width, (absent, draws)
    m = compute_metrics(r)
    hours = r.group_end[sunk_rows] - r.group_start[sunk_rows]  # every sunk shift is 8 h here
    assert np.allclose(hours, 8.0)
    gw = m["cadre_hours_rostered"] - draws * 8.0  # the grid workers' hours, all attended
    assert m["cadre_hours_on_duty"] == pytest.approx(gw + (draws - absent) * 8.0)
    assert m["attendance_share"] == pytest.approx(m["cadre_hours_on_duty"] / m["cadre_hours_rostered"])


def test_a_missed_shift_has_no_work_for_that_cadre():
    sc = build_scenario(district(0.3), ROOT / "x.toml")
    r = simulate(sc, np.random.SeedSequence(2))
    assert r.absent_row.size > 100
    for cadre, row in zip(r.absent_cadre[:300].tolist(), r.absent_row[:300].tolist()):
        mine = r.work_cadre == cadre
        overlap = (r.work_start[mine] < r.group_end[row]) & (r.work_end[mine] > r.group_start[row])
        assert not overlap.any()


def test_who_turns_up_does_not_depend_on_the_policy():
    a = simulate(build_scenario(district(0.7), ROOT / "x.toml"), np.random.SeedSequence(3))
    b = simulate(build_scenario(district(0.7, rule="community_pool"), ROOT / "x.toml"), np.random.SeedSequence(3))
    assert not np.array_equal(a.end, b.end, equal_nan=True)  # the policy did change the run
    pairs = lambda r: {(c, r.group_start[k]) for c, k in zip(r.absent_cadre.tolist(), r.absent_row.tolist())}  # noqa: E731
    assert pairs(a) == pairs(b) and len(pairs(a)) > 100


def test_full_attendance_draws_nothing():
    sc = build_scenario(district(1.0), ROOT / "x.toml")
    r = simulate(sc, np.random.SeedSequence(1))
    assert r.absent_row.size == 0 and not r.attendance_drawn
    assert "attendance_share" not in compute_metrics(r)


@pytest.mark.parametrize("value", [0, 1.5, -0.2])
def test_attendance_out_of_range_is_named(value):
    with pytest.raises(ScenarioError) as e:
        build_scenario(district(value), ROOT / "x.toml")
    assert "cadres.sunk.attendance" in str(e.value), str(e.value)
