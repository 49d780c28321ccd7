"""Every metric on a small hand-made replication whose answers are worked out by hand.

Six issues, two cadres, a window [10, 110) h and a drain to 150 h:

    issue type occur report start  end  level  sla  hidden  found by visit
      0     a     5     5     6     12    0     24    no
      1     a    20    20    21     30    0     24    no
      2     b    40    60    70    100    1     24    yes     yes
      3     b    50    50    52    130    2    100    no
      4     a   100   100   101    104    0     24    no
      5     a   105   140   141    150    0     24    yes     no

Issue 0 occurs in the warm-up and is left out of the issue metrics; issues 3
and 5 are resolved in the drain after the horizon.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.metrics import compute_metrics
from sim.model import Records, simulate
from sim.model.district import District
from sim.model.issues import IssueTable
from sim.scenario import ROLES, build_scenario

ROOT = Path(__file__).resolve().parent.parent
A, B = 10.0, 110.0  # warm-up and horizon


def hand_records() -> Records:
    f = lambda *x: np.array(x, dtype=float)  # noqa: E731
    i = lambda *x: np.array(x, dtype=int)  # noqa: E731
    n = 6
    issues = IssueTable(
        type_names=["a", "b"], occur=f(5, 20, 40, 50, 100, 105), type=i(0, 0, 1, 1, 0, 0), grid=np.zeros(n, int),
        hidden=np.array([0, 0, 1, 0, 0, 1], bool), report_delay=np.zeros(n), service=np.ones(n),
        intake=np.zeros(n), travel=np.zeros(n), level=i(0, 0, 1, 2, 0, 0), visit_offset=np.zeros(n),
        police=np.zeros(n, bool), sequential=np.zeros(n, bool), attempts=np.zeros((n, 0)), response=np.zeros(0),
        lead=np.zeros((n, 0)), feedback=np.zeros(0))
    district = District(ids=["G1"], households=i(100), population=f(300), community=i(0), street=i(0),
                        community_names=["C1"], street_names=["S1"], police_unit=i(-1), n_police_units=0)
    return Records(
        issues=issues, report=f(5, 20, 60, 50, 100, 140), start=f(6, 21, 70, 52, 101, 141),
        end=f(12, 30, 100, 130, 104, 150), found_by_visit=np.array([0, 0, 1, 0, 0, 0], bool),
        resolved_level=i(0, 0, 1, 2, 0, 0), priority=np.full(n, 3), supervised=f(), sla_hours=f(24, 24, 24, 100, 24, 24),
        # cadre 0, a grid worker, works issues 0, 1, 4 (and 5, in the drain); cadre 1, community staff, 2 and 3
        work_cadre=i(0, 0, 1, 1, 0, 0), work_start=f(6, 21, 70, 100, 101, 141), work_end=f(12, 30, 100, 130, 104, 150),
        work_issue=i(0, 1, 2, 3, 4, 5),
        group_names=["grid_workers", "community"], group_duty=i(0, 0, 1), group_start=f(0, 60, 0),
        group_end=f(50, 150, 150), absent_cadre=i(), absent_row=i(), attendance_drawn=False, group_cost=f(np.nan, np.nan), cadre_group=i(0, 1),
        cadre_role=i(ROLES.index("grid_workers"), ROLES.index("community")), cadre_home=i(0, -1),
        visit_times=[f(0.0)], visit_values=[f(0.0)], wartime=f(40, 70, 105, 140).reshape(2, 2), mobilised=f(40, 70, 105, 140).reshape(2, 2),
        post_holders=i(), post_hours=f().reshape(0, 2), post_role=i(), post_cost=f(), post_log=f().reshape(0, 5),
        emergencies=np.zeros((0, 2)), campaign_names=[], campaigns=np.zeros((0, 5)),
        task_names=[], tasks=np.zeros((0, 6)), task_cadre=np.zeros(0, int), task_index=np.zeros(0, int),
        task_start=np.zeros(0), task_end=np.zeros(0),
        district=district, horizon=B, run_end=150.0, warmup=A,
        target_interval_hours=720.0, visits_enabled=False, visit_pace=2.0, events=0, transitions=0, location_count=np.ones(n, int),
    )


@pytest.fixture(scope="module")
def m() -> dict[str, float]:
    return compute_metrics(hand_records())


def test_warmup_filter_and_counts(m):
    assert m["issues_arrived"] == 5  # issue 0 occurred in the warm-up
    assert m["issues_reported"] == 4  # issue 5 became known only after the horizon
    assert m["issues_known_in_window"] == 4  # reports at 20, 60, 50, 100 (issue 0's at 5 is before the window)
    assert m["issues_resolved"] == 3  # by the horizon: 1, 2, 4
    assert m["issues_open_at_horizon"] == 2
    assert m["issues_unresolved_at_run_end"] == 0
    assert (m["arrived_a"], m["reported_a"], m["resolved_a"]) == (3, 2, 2)
    assert (m["arrived_b"], m["reported_b"], m["resolved_b"]) == (2, 2, 1)


def test_rates(m):
    assert m["completion_rate"] == pytest.approx(3 / 5)
    assert m["completion_rate_reported"] == pytest.approx(3 / 4)
    # within SLA, from report: 10 <= 24, 40 > 24, 80 <= 100, 4 <= 24, 10 <= 24 (issue 5, in the drain)
    assert m["sla_attainment"] == pytest.approx(4 / 5)
    assert m["escalation_rate"] == pytest.approx(2 / 5)  # issues 2 and 3 of the five resolved
    # resolved at each level: grid 1, 4, 5 (10, 4, 10 h), community 2 (40 h), street 3 (80 h)
    assert (m["resolved_share_grid"], m["resolved_share_community"], m["resolved_share_street"]) == \
        pytest.approx((3 / 5, 1 / 5, 1 / 5))
    assert m["resolution_hours_mean_grid"] == pytest.approx(8.0)
    assert (m["resolution_hours_mean_community"], m["resolution_hours_mean_street"]) == pytest.approx((40, 80))
    assert "resolved_share_department" not in m and "resolved_share_police" not in m  # none drawn there
    assert m["hidden_found_by_visit_share"] == pytest.approx(1 / 2)


def test_times_follow_every_issue_to_its_resolution(m):
    # report to resolution: 10, 40, 80, 4, 10 (issues 3 and 5 from the drain)
    assert m["resolution_hours_mean"] == pytest.approx(28.8)
    assert m["resolution_hours_p50"] == pytest.approx(10.0)
    assert m["resolution_hours_p90"] == pytest.approx(64.0)  # linear interpolation: 40 + 0.6 x 40
    assert m["resolution_hours_p95"] == pytest.approx(72.0)
    # occurrence to resolution: 10, 60, 80, 4, 45
    assert m["true_resolution_hours_mean"] == pytest.approx(39.8)
    assert m["true_resolution_hours_p90"] == pytest.approx(60 + 0.6 * 20)
    assert m["wait_hours_mean"] == pytest.approx((1 + 10 + 2 + 1 + 1) / 5)


def test_backlog_and_littles_law(m):
    # known open issues over [10, 110): 1 on [10,12), 0, 1 on [20,30), 0, 1 on [50,60), 2 on [60,104), 1 after
    assert m["backlog_mean"] == pytest.approx(116 / 100)
    assert m["backlog_max"] == 2
    # Little's law on the window, exactly: area = sum over issues of their time open inside it
    r = hand_records()
    inside = np.clip(np.minimum(r.end, B) - np.maximum(r.report, A), 0, None)
    assert m["backlog_mean"] * (B - A) == pytest.approx(inside.sum())


def test_utilisation_cost_and_wartime(m):
    # grid worker on duty [0,50] and [60,150]: 40 + 50 h in the window; busy 2 + 9 + 3 h
    assert m["utilization_grid_workers"] == pytest.approx(14 / 90)
    # community staff on duty all window (100 h); busy [70,100] and [100,110]
    assert m["utilization_community"] == pytest.approx(40 / 100)
    assert "utilization_sunk" not in m  # no such cadre
    assert m["cadre_hours_on_duty"] == pytest.approx(190)
    # wartime [40,70] and [105,110] (clipped to the window): 35 h; on duty then: 10 + 10 + 30, and 5 + 5
    assert m["wartime_hours"] == pytest.approx(35)
    assert m["wartime_cadre_hours"] == pytest.approx(60)
    assert (m["cadre_hours_on_duty_grid_workers"], m["cadre_hours_on_duty_community"]) == pytest.approx((90, 100))
    assert "cost_total" not in m  # no role gives a cost


def test_hours_by_activity():
    """One grid visited at 2 households an hour: 80 households between hours 20 and 60, none after."""
    r = hand_records()
    r.visits_enabled = True
    r.visit_times, r.visit_values = [np.array([0.0, 20.0, 60.0, 200.0])], [np.array([0.0, 0.0, 80.0, 80.0])]
    m = compute_metrics(r)
    assert m["cadre_hours_visiting"] == pytest.approx(40.0)
    assert m["cadre_hours_on_issues"] == pytest.approx(2 + 9 + 3 + 30 + 10)  # the work stretches in [10, 110]
    assert m["cadre_hours_idle"] == pytest.approx(190 - 54 - 40)


def test_cost_absences_and_posts():
    """The grid worker costs 10 an hour and misses the shift [60, 150]; the community staff give no
    cost; one community cadre holds a post 8:00-20:00 during wartime duty [40, 70] and [105, 110]."""
    r = hand_records()
    r.group_cost = np.array([10.0, np.nan])
    r.absent_cadre, r.absent_row, r.attendance_drawn = np.array([0]), np.array([1]), True
    r.post_holders, r.post_hours = np.array([1]), np.array([[8.0, 20.0]])
    r.post_role, r.post_cost = np.array([ROLES.index("community")]), np.array([np.nan])
    # the post's hours [32,44], [56,68], [104,116] within [40,70] and [105,110], as the model logs them;
    # the holder missed the one on [56, 68]
    r.post_log = np.array([[0, 40.0, 44.0, 1, 1], [0, 56.0, 68.0, 1, 0], [0, 105.0, 110.0, 1, 1]])
    m = compute_metrics(r)
    on_post = 4 + 5
    assert m["wartime_post_hours"] == pytest.approx(on_post)
    assert m["cadre_hours_on_duty_grid_workers"] == pytest.approx(40)  # [10, 50] only: [60,150] missed
    assert m["cadre_hours_on_duty_community"] == pytest.approx(100 + on_post)
    assert m["cadre_hours_on_duty"] == pytest.approx(140 + on_post)
    assert m["cadre_hours_rostered"] == pytest.approx(190 + on_post + 12)
    assert m["attendance_share"] == pytest.approx((140 + on_post) / (190 + on_post + 12))
    # in wartime [40, 70] and [105, 110]: the grid worker on [40, 50] (absent after 60), the community
    # cadre throughout, and the post's 9 hours
    assert m["wartime_cadre_hours"] == pytest.approx(10 + 35 + on_post)
    assert m["cost_grid_workers"] == pytest.approx(400) and m["cost_total"] == pytest.approx(400)
    assert "cost_community" not in m  # no cost given for it


# ---------------------------------------------------------------- coverage counts only real visits


def visiting(pace: float, visits: bool, warmup: float, horizon: float = 60) -> dict:
    return {
        "name": "visits",
        "calendar": {"start": "2024-01-01", "horizon_days": horizon, "warmup_days": warmup},
        "grids": {"list": [{"id": "G1", "households": 1000}]},
        "issue_types": {"none": {"rate_per_1000_households_per_week": 0.0, "service_time": 1.0}},
        "cadres": {"grid_workers": {"per_grid": 1, "days": "Mon+Tue+Wed+Thu+Fri+Sat+Sun",
                                    "start_hour": 0, "end_hour": 24, "visits": visits}},
        "visits": {"households_per_hour": pace, "target_interval_days": 10},
        "wartime": {"trigger": "off"},
    }


def test_nobody_visiting_means_no_coverage():
    sc = build_scenario(visiting(2.0, False, 0), ROOT / "x.toml")
    m = compute_metrics(simulate(sc, np.random.SeedSequence(0)))
    assert m["coverage_mean"] == 0 and m["coverage_min_grid"] == 0 and m["households_visited"] == 0


def test_coverage_ramps_up_from_no_history():
    # 2 households an hour of 1,000, 10-day interval: coverage 0.002 t until t = 240 h, then 0.48;
    # averaged over 60 days from time 0: (0.001 x 240^2 + 0.48 x 1200) / 1440 = 0.44
    sc = build_scenario(visiting(2.0, True, 0), ROOT / "x.toml")
    m = compute_metrics(simulate(sc, np.random.SeedSequence(0)))
    assert m["coverage_mean"] == pytest.approx(0.44, abs=1e-9)


def test_short_warmup_or_window_is_warned_about():
    warn = lambda **kw: build_scenario(visiting(2.0, True, **kw), ROOT / "x.toml").measurement_warnings()  # noqa: E731
    assert warn(warmup=10) == []
    assert any("warmup_days = 5" in w and "target_interval_days = 10" in w for w in warn(warmup=5))
    assert any("measurement window" in w for w in warn(warmup=10, horizon=15))
