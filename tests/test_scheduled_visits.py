"""Visits as duty (``visits.mode = "scheduled"``): the start of each shift is reserved for visits.

- exact: a reserved half shift halves the hours a saturated cadre works on issues, and
  no routine work happens in the reserved hours; those hours are visiting hours;
- exact: a daily quota of households reserves quota / pace hours;
- urgent issues (priority <= interrupt_priority) call a cadre away from reserved visits;
- a task held over a shift end waits until the reserve is over;
- the invariants hold with reserves, attendance, pools and a wartime visit pause;
- a visit pause at the instant a reserved cadre's shift ends counts her off her grid once;
- bad input names the field.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mixes import mixed
from oracles import check_invariants
from sim.metrics import compute_metrics, coverage
from sim.model import simulate
from sim.scenario import ScenarioError, build_scenario

ROOT = Path(__file__).resolve().parent.parent
DAYS = 20


def saturated(visits: dict, urgent_rate: float = 0.0) -> dict:
    """One grid, one grid worker on duty 8:00-16:00 every day, more routine work than she can do."""
    types = {"routine": {"rate_per_1000_households_per_week": 1000, "priority": 3,
                         "service_time": {"dist": "fixed", "value": 1.5}}}
    if urgent_rate:
        types["urgent"] = {"rate_per_1000_households_per_week": urgent_rate, "priority": 1,
                           "service_time": {"dist": "fixed", "value": 0.5}}
    return {
        "name": "reserve",
        "calendar": {"start": "2024-01-01", "horizon_days": DAYS, "warmup_days": 0, "drain_days": 0},
        "grids": {"generate": {"count": 1, "communities": 1, "households": 300}},
        "issue_types": types,
        "cadres": {"grid_workers": {"per_grid": 1, "days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
                                    "start_hour": 8, "end_hour": 16}},
        "visits": {"households_per_hour": 3.0, **visits},
        "wartime": {"trigger": "off"},
    }


def run(data: dict, seed: int = 1):
    sc = build_scenario(data, ROOT / "x.toml")
    r = simulate(sc, np.random.SeedSequence(seed))
    check_invariants(sc, r)
    return sc, r


def hour_of_day(t: np.ndarray) -> np.ndarray:
    return t - 24.0 * np.floor(t / 24.0 + 1e-9)


def test_a_reserved_half_shift_halves_the_hours_for_issues():
    _, idle = run(saturated({"mode": "idle"}))
    _, half = run(saturated({"mode": "scheduled", "shift_share": 0.5}))
    assert compute_metrics(idle)["cadre_hours_on_issues"] == pytest.approx(8.0 * DAYS)
    m = compute_metrics(half)
    assert m["cadre_hours_on_issues"] == pytest.approx(4.0 * DAYS)  # 12:00-16:00 each day
    assert coverage(half).visiting_hours == pytest.approx(4.0 * DAYS)  # 8:00-12:00 each day
    assert m["cadre_hours_on_duty"] == pytest.approx(8.0 * DAYS)
    # no routine work in the reserved hours, including the task held over from the day before
    assert (hour_of_day(half.work_start) >= 12.0 - 1e-9).all()


def test_a_daily_quota_reserves_its_hours():
    _, r = run(saturated({"mode": "scheduled", "households_per_day": 6.0}))  # 6 households at 3 an hour
    assert compute_metrics(r)["cadre_hours_on_issues"] == pytest.approx(6.0 * DAYS)
    assert (hour_of_day(r.work_start) >= 10.0 - 1e-9).all()


def test_urgent_issues_call_a_cadre_away_from_reserved_visits():
    data = saturated({"mode": "scheduled", "shift_share": 0.5}, urgent_rate=200)
    data["dispatch"] = {"at_shift_end": "handback"}  # no task held over (a held task is finished first)
    _, r = run(data)
    prio = r.priority[r.work_issue]
    early = hour_of_day(r.work_start) < 12.0 - 1e-9
    assert early.any() and (prio[early] == 1).all()  # only urgent work in the reserve
    # an urgent issue reported in a reserve waits only while urgent work ahead of it is done
    urgent_work = prio == 1
    ws, we = r.work_start[urgent_work], r.work_end[urgent_work]
    h = hour_of_day(r.report)
    waited = np.flatnonzero((r.priority == 1) & (h >= 8.0) & (h < 12.0) & (r.start - r.report < 16.0 - h))
    assert waited.size > 20
    for i in waited:
        busy = np.clip(np.minimum(we, r.start[i]) - np.maximum(ws, r.report[i]), 0.0, None).sum()
        assert busy == pytest.approx(r.start[i] - r.report[i], abs=1e-6)


def test_a_lower_bar_keeps_the_reserve():
    data = saturated({"mode": "scheduled", "shift_share": 0.5}, urgent_rate=200)
    data["issue_types"]["urgent"]["priority"] = 2  # not urgent enough for the default bar (1)
    _, r = run(data)
    assert (hour_of_day(r.work_start) >= 12.0 - 1e-9).all()
    data["visits"]["interrupt_priority"] = 2
    _, r = run(data)
    early = hour_of_day(r.work_start) < 12.0 - 1e-9
    assert early.any() and (r.priority[r.work_issue][early] == 2).all()


def test_routine_issues_do_not_interrupt_and_visits_cover_more():
    _, idle = run(saturated({"mode": "idle"}))
    _, half = run(saturated({"mode": "scheduled", "shift_share": 0.5}))
    assert coverage(idle).visiting_hours == pytest.approx(0.0, abs=1e-6)  # saturated: never idle
    assert compute_metrics(idle)["coverage_mean"] == 0.0
    # 12 households a day from day 0, none visited twice within 30 days: coverage(t) = 12 t / 300,
    # averaged over 20 days = 0.4 (up to where in each day the 4 hours fall)
    assert compute_metrics(half)["coverage_mean"] == pytest.approx(0.4, abs=0.02)


@pytest.mark.parametrize("extra", [
    {"dispatch": {"rule": "community_pool"}},
    {"cadres": {"grid_workers": {"per_grid": 2, "attendance": 0.7},
                "sunk": {"count": 6, "service_days": ["Wed", "Thu"]}}},
    {"emergencies": [{"name": "flood", "start": 6, "duration_days": 4}],
     "wartime": {"trigger": "scheduled", "pause_visits": True}},
])
def test_invariants_hold_with_reserves(extra):
    sc, r = run(mixed({"visits": {"mode": "scheduled", "shift_share": 0.4}}, extra), seed=3)
    assert np.isfinite(compute_metrics(r)["cadre_hours_visiting"])


@pytest.mark.parametrize("visits, field", [
    ({"mode": "scheduled"}, "mode"),
    ({"mode": "scheduled", "shift_share": 0.5, "households_per_day": 4}, "mode"),
    ({"shift_share": 0.5}, "shift_share"),
    ({"mode": "scheduled", "shift_share": 1.5}, "shift_share"),
    ({"mode": "weekly"}, "mode"),
])
def test_bad_reserves_are_named(visits, field):
    with pytest.raises(ScenarioError) as err:
        build_scenario(saturated(visits), ROOT / "x.toml")
    assert f"visits.{field}" in str(err.value)


def test_a_pause_at_a_shift_end_does_not_take_a_reserved_cadre_off_its_grid_twice():
    """Wartime begins (visits paused) at midnight, the instant a reserved cadre's shift ends while she
    holds a task over: the pause stops her visits but cannot release her (her shift is over), and the
    shift end then took her off her grid's visitors a second time; the grid counted -1 visitors and
    its visiting cursor went back."""
    data = saturated({"mode": "scheduled", "shift_share": 1.0}, urgent_rate=400)
    data["issue_types"]["urgent"]["service_time"] = {"dist": "fixed", "value": 7.0}  # held over most shift ends
    data["cadres"]["grid_workers"].update(start_hour=16, end_hour=24)
    data["wartime"] = {"trigger": "scheduled", "roles": ["street"], "pause_visits": True}
    data["emergencies"] = [{"name": f"storm {d}", "start": f"2024-01-{d:02d}", "duration_days": 1, "wartime": True}
                           for d in (4, 8, 12, 16)]
    sc, r = run(data)  # the invariants: every grid's cursor never goes back
    assert len(r.wartime) == 4


@pytest.mark.parametrize("where,value", [(("visits", "idle_pace_share"), 1.5),
                                         (("cadres", "grid_workers", "idle_pace_share"), -0.1)])
def test_idle_pace_share_out_of_range_is_named(where, value):
    spec = saturated({"mode": "scheduled", "shift_share": 0.5})
    spec[where[0]][where[1]] = value if len(where) == 2 else {**spec[where[0]][where[1]], where[2]: value}
    with pytest.raises(ScenarioError) as e:
        build_scenario(spec, ROOT / "x.toml")
    assert ".".join(where) in str(e.value) and "1" in str(e.value), str(e.value)
