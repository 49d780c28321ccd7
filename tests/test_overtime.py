"""Stay until it is settled (issue_types.NAME.finish_before_leaving, 纠纷不过夜): hand-worked cases.

One grid, one grid worker on Mon-Fri 09:00-17:00 (2024-01-01 is a Monday, so hour
t of the run is Monday t:00 for t < 24), and issues put in by hand at chosen times
with fixed work, resolved at the grid.  The answers are worked out on the clock:
an issue reported Monday 16:00 with 3 h of work is worked 16:00-17:00 on duty; with
the flag the cadre stays until 19:00 (2 h of overtime), without it the last 2 h
wait for Tuesday 09:00 (done 11:00, t = 35).
"""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pytest

from sim.metrics import compute_metrics, visited
from sim.model import simulate, simulation
from sim.model.attendance import Turnout, stable_keys
from sim.model.issues import IssueTable
from sim.scenario import build_scenario, load_scenario
from sim.scenario.operations import Emergency
from oracles import ci95, check_invariants, check_overtime, check_work_within_duty, duty_by_cadre

ROOT = Path(__file__).resolve().parent.parent
COST = 25.0  # yuan an hour of a grid worker's duty
WEEK_DUTY = 5 * 8.0  # hours on duty in the first week: Mon-Fri, 8 h a day


def scenario(stay: bool, *, visits: bool = False, at_shift_end: str = "resume", attendance: float = 1.0,
             days: int = 7):
    raw = {
        "name": "overtime",
        "calendar": {"start": "2024-01-01", "horizon_days": days, "warmup_days": 0, "drain_days": 30},
        "grids": {"list": [{"id": "G1", "households": 1000}]},
        "issue_types": {"dispute": {"rate_per_1000_households_per_week": 50.0, "service_time": 1.0,
                                    "finish_before_leaving": stay}},
        "cadres": {"grid_workers": {"per_grid": 1, "days": "Mon+Tue+Wed+Thu+Fri", "start_hour": 9,
                                    "end_hour": 17, "visits": visits, "cost_per_hour": COST,
                                    "attendance": attendance}},
        "dispatch": {"at_shift_end": at_shift_end},
        "visits": {"enabled": visits},
        "wartime": {"trigger": "off"},
    }
    return build_scenario(raw, ROOT / "overtime.toml")


@pytest.fixture
def issues_at(monkeypatch):
    """Replace the drawn issues by ones reported at ``times`` with fixed ``work`` hours (visible, at the grid)."""
    def put(times: list[float], work: list[float]) -> None:
        real = simulation.generate_issues

        def made(sc, d, seeds):
            t = real(sc, d, seeds)
            n, k = len(t), len(times)
            assert n >= k
            cols = {f.name: getattr(t, f.name) for f in fields(IssueTable)}
            for name, v in cols.items():
                if isinstance(v, np.ndarray) and v.shape[:1] == (n,):
                    cols[name] = v[:k].copy()
            cols["occur"] = np.array(times, float)
            cols["service"] = np.array(work, float)
            cols["hidden"][:] = False
            cols["level"][:] = 0
            return IssueTable(**cols)
        monkeypatch.setattr(simulation, "generate_issues", made)
    return put


def run(sc, seed: int = 0):
    r = simulate(sc, np.random.SeedSequence(seed))
    check_invariants(sc, r)
    return r, compute_metrics(r)


def test_stays_until_done(issues_at):
    issues_at([16.0], [3.0])
    r, m = run(scenario(True))
    assert r.end[0] == pytest.approx(19.0)
    assert r.overtime.tolist() == [[0.0, 17.0, 19.0]]
    assert m["cadre_hours_overtime"] == pytest.approx(2.0)
    assert m["cadre_hours_on_duty"] == pytest.approx(WEEK_DUTY + 2.0)
    assert m["cadre_hours_on_duty_grid_workers"] == pytest.approx(WEEK_DUTY + 2.0)
    assert m["cost_grid_workers"] == pytest.approx((WEEK_DUTY + 2.0) * COST)
    assert m["cost_total"] == pytest.approx((WEEK_DUTY + 2.0) * COST)
    assert m["utilization_grid_workers"] == pytest.approx(3.0 / (WEEK_DUTY + 2.0))
    assert m["cadre_hours_idle"] == pytest.approx(WEEK_DUTY + 2.0 - 3.0)


@pytest.mark.parametrize("at_shift_end", ["resume", "handback"])
def test_without_the_flag_the_rest_waits_for_the_next_shift(issues_at, at_shift_end):
    issues_at([16.0], [3.0])
    r, m = run(scenario(False, at_shift_end=at_shift_end))
    assert r.end[0] == pytest.approx(24.0 + 11.0)  # 1 h on Monday, 2 h from Tuesday 09:00
    assert sorted(zip(r.work_start.tolist(), r.work_end.tolist())) == [(16.0, 17.0), (33.0, 35.0)]
    assert not r.overtime_possible and "cadre_hours_overtime" not in m
    assert m["cadre_hours_on_duty"] == pytest.approx(WEEK_DUTY)
    assert m["cost_total"] == pytest.approx(WEEK_DUTY * COST)


def test_the_next_shift_ends_the_overtime(issues_at):
    # 20 h of work from Monday 16:00: 1 h on duty, overtime 17:00 to Tuesday 09:00 (16 h), done at 12:00
    issues_at([16.0], [20.0])
    r, m = run(scenario(True))
    assert r.end[0] == pytest.approx(36.0)
    assert r.overtime.tolist() == [[0.0, 17.0, 33.0]]
    assert list(zip(r.work_start.tolist(), r.work_end.tolist())) == [(16.0, 36.0)]  # one stretch, never cut
    assert m["cadre_hours_overtime"] == pytest.approx(16.0)
    assert m["cadre_hours_on_duty"] == pytest.approx(WEEK_DUTY + 16.0)
    assert m["cost_total"] == pytest.approx((WEEK_DUTY + 16.0) * COST)


def test_no_new_issue_and_no_visits_in_overtime(issues_at):
    # a second issue at 16:30 waits: the cadre in overtime (17:00-19:00) takes nothing; Tuesday 09:00-10:00
    issues_at([16.0, 16.5], [3.0, 1.0])
    r, m = run(scenario(True, visits=True))
    assert r.end.tolist() == pytest.approx([19.0, 34.0])
    assert r.start[1] == pytest.approx(33.0)
    assert r.overtime.tolist() == [[0.0, 17.0, 19.0]]
    v = visited(r, 0, np.array([16.0, 17.0, 19.0, 33.0]))
    assert v[1] == v[2] == v[3], "households visited off duty"
    assert v[0] > 0, "the cadre never visited: the check above is empty"
    assert m["cadre_hours_overtime"] == pytest.approx(2.0)


def test_the_run_stops_in_overtime(issues_at):
    # horizon Saturday 00:00 (t = 120), no drain: 10 h from Friday 16:00 stop with the run, 7 h past 17:00
    issues_at([112.0], [10.0])
    sc = scenario(True, days=5)
    sc = sc.model_copy(update={"calendar": sc.calendar.model_copy(update={"drain_days": 0})})
    r, m = run(sc)
    assert r.run_end == pytest.approx(120.0) and np.isnan(r.end[0])
    assert r.overtime.tolist() == [[0.0, 113.0, 120.0]]
    assert m["cadre_hours_overtime"] == pytest.approx(7.0)


def draws_for(seed: int, times: list[float]) -> np.ndarray:
    """The lone grid worker's attendance draws for shifts starting at ``times`` (attendance.py)."""
    turnout = Turnout(np.random.SeedSequence(seed), stable_keys(["grid_workers"], ["G1"]))
    return np.array([turnout.draws(np.array([0]), t)[0] for t in times])


def test_a_cadre_still_at_work_is_there_for_its_next_shift(issues_at):
    # attendance 0.5: a seed under which the cadre turns up on Monday and is drawn absent on Tuesday; in
    # overtime through Tuesday 09:00, it is there all the same, and the other shifts follow the draws
    shifts = [9.0 + 24 * d for d in range(5)]
    seed = next(s for s in range(1000) if (d := draws_for(s, shifts))[0] < 0.5 <= d[1])
    absent_by_draw = {t for t, x in zip(shifts, draws_for(seed, shifts)) if x >= 0.5}
    issues_at([16.0], [20.0])
    r, m = run(scenario(True, attendance=0.5), seed)
    absent = set(r.group_start[r.absent_row].tolist())
    assert absent == absent_by_draw - {33.0}
    assert r.overtime.tolist() == [[0.0, 17.0, 33.0]] and r.end[0] == pytest.approx(36.0)
    assert m["cadre_hours_overtime"] == pytest.approx(16.0)
    # attendance_share is of the hours rostered: overtime is not rostered
    assert m["attendance_share"] == pytest.approx(8.0 * (5 - len(absent)) / WEEK_DUTY)


def test_the_oracles_catch_work_off_duty_that_is_not_overtime(issues_at):
    issues_at([16.0], [3.0])
    sc = scenario(True)
    r, _ = run(sc)
    duty = duty_by_cadre(r)
    saturday = replace(r, work_start=np.r_[r.work_start, 130.0], work_end=np.r_[r.work_end, 131.0],
                       work_cadre=np.r_[r.work_cadre, 0], work_issue=np.r_[r.work_issue, 0])
    with pytest.raises(AssertionError, match="outside its duty"):
        check_work_within_duty(saturday, duty)
    with pytest.raises(AssertionError, match="outside its duty"):  # the overtime not logged
        check_work_within_duty(replace(r, overtime=np.zeros((0, 3))), duty)
    with pytest.raises(AssertionError, match="outside its duty"):  # worked on past the overtime's end
        check_work_within_duty(replace(r, work_end=r.work_end + 1.0), duty)
    with pytest.raises(AssertionError, match="does not begin as a shift ends"):
        check_overtime(sc, replace(r, overtime=np.array([[0.0, 17.5, 19.0]])), duty)
    with pytest.raises(AssertionError, match="ends neither"):
        check_overtime(sc, replace(r, overtime=np.array([[0.0, 17.0, 18.0]])), duty)
    plain = scenario(False)
    with pytest.raises(AssertionError):  # overtime on a type that is not finished before leaving
        check_overtime(plain, r, duty)


@pytest.mark.parametrize("until, overtime, wartime_hours", [
    (20.5, [20.5, 23.0], 2.5),  # wartime ends at 20:30: the switch to the normal schedule sends it off
    (30.0, [21.0, 23.0], 3.0 + 2.0),  # its wartime shift ends at 21:00: 2 h of overtime in wartime
])
def test_overtime_past_wartime_duty(issues_at, until, overtime, wartime_hours):
    # wartime (duty 07:00-21:00) from Monday 18:00 to ``until``; an issue at 20:00 with 3 h of work
    issues_at([20.0], [3.0])
    sc = scenario(True)
    sc = sc.model_copy(update={
        "wartime": sc.wartime.model_copy(update={"trigger": "scheduled"}),
        "emergencies": [Emergency(name="flood", start=0.75, duration_days=(until - 18.0) / 24.0)]})
    r, m = run(sc)
    assert r.end[0] == pytest.approx(23.0)
    assert r.overtime.tolist() == [[0.0, *overtime]]
    assert m["cadre_hours_overtime"] == pytest.approx(2.5 if until == 20.5 else 2.0)
    assert m["wartime_cadre_hours"] == pytest.approx(wartime_hours)


def test_shuichuan_same_day_rule_is_reachable_when_cadres_stay():
    """County scenario, policy shuichuan: its [[targets]] row asks sla_attainment 100% ± 5% (disputes settled
    within 12 h, "糾紛不過夜"); with cadres leaving at midnight it is missed (94.7%, docs/scenarios.md).  Letting
    them stay (dispute.finish_before_leaving) raises it on the same seeds (the CLI's replications): the paired
    difference's 95% CI is above 0, no replication gets worse, and the mean is within the target's tolerance."""
    path = ROOT / "scenarios" / "county_five_level.toml"
    pair = []
    for stay in (False, True):
        sc = load_scenario(path, "shuichuan", [("issue_types.dispute.finish_before_leaving", stay)])
        pair.append(np.array([compute_metrics(simulate(sc, np.random.SeedSequence(sc.seed, spawn_key=(k,))))
                              ["sla_attainment"] for k in range(10)]))
    leave, stay = pair
    d = stay - leave
    lo, _ = ci95(d)
    assert lo > 0, (leave.mean(), stay.mean(), d)
    assert (d >= 0).all()
    target = next(t for t in load_scenario(path, "shuichuan").targets if t.metric == "sla_attainment")
    assert abs(stay.mean() - target.value) <= target.tolerance * target.value, (leave.mean(), stay.mean())
