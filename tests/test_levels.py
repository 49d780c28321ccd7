"""Work per level: ``service_time_by_level`` and the intake step.

- exact: with fixed times per level, every resolved issue got exactly the work of the
  place that resolved it (grid, an office, or a police grid), and no other;
- an intake time of 0 means no intake step: an escalated issue goes straight to its office;
- theory: one type split by its level shares between an always-on grid (2 cadres) and an
  always-on community office (1 cadre), with no intake, is two independent M/M/c queues
  (Poisson splitting), each with its own service time: each level's mean resolution time
  is Erlang C's W = Wq + 1/mu;
- bad input: a time for a level the type never reaches, or for police grids that do not
  take the type, is refused with the field named.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from oracles import assert_in_ci, check_invariants, erlang_c
from sim.metrics import compute_metrics
from sim.model import simulate
from sim.scenario import ROLES, ScenarioError, build_scenario

ROOT = Path(__file__).resolve().parent.parent
ALWAYS = {"days": "Mon+Tue+Wed+Thu+Fri+Sat+Sun", "start_hour": 0, "end_hour": 24}


def two_levels(lam: float = 2.0, **type_fields) -> dict:
    return {
        "name": "levels",
        "calendar": {"start": "2024-01-01", "horizon_days": 60, "warmup_days": 5},
        "grids": {"list": [{"id": "G1", "community": "C1", "households": 1000}]},
        "issue_types": {"req": {"rate_per_1000_households_per_week": lam * 168,
                                "level": {"grid": 0.6, "community": 0.4}, "intake_time": 0,
                                "service_time": {"dist": "exponential", "mean": 1.0},
                                "service_time_by_level": {"community": {"dist": "exponential", "mean": 0.5}},
                                **type_fields}},
        "cadres": {"grid_workers": {"per_grid": 2, "visits": False, **ALWAYS}},
        "levels": {"community": {"staff_per_unit": 1, **ALWAYS}},
        "visits": {"enabled": False},
        "wartime": {"trigger": "off"},
    }


def test_each_level_does_its_own_work_exactly():
    data = two_levels(lam=0.5, service_time={"dist": "fixed", "value": 1.0},
                      service_time_by_level={"community": {"dist": "fixed", "value": 3.0},
                                             "police": {"dist": "fixed", "value": 2.0}},
                      intake_time=0.25, level={"grid": 0.5, "community": 0.5})
    data["cadres"]["police"] = {"count": 1, "types": ["req"], "officers_per_unit": 1, **ALWAYS}
    data["grids"]["list"].append({"id": "G2", "community": "C1", "households": 1000})
    data["cadres"]["police"]["units"] = [{"grids": ["G1"]}]  # G1 has a police grid, G2 has not
    sc = build_scenario(data, ROOT / "x.toml")
    r = simulate(sc, np.random.SeedSequence(0))
    check_invariants(sc, r)
    police, level, service = r.issues.police, r.issues.level, r.issues.service
    assert police.any() and (level == 1).any() and (~police & (level == 0)).any()
    assert np.all(service[police & (level == 0)] == 2.0)
    assert np.all(service[level == 1] == 3.0)
    assert np.all(service[~police & (level == 0)] == 1.0)
    assert np.array_equal(police, r.issues.grid == 0)  # only G1's issues go to the police
    # the resolving cadre's role matches: police, community office, or the grid's worker
    done = ~np.isnan(r.end)
    last = {i: c for i, c in zip(r.work_issue.tolist(), r.work_cadre.tolist())}
    role = np.array([ROLES[r.cadre_role[last[i]]] if i in last else "" for i in range(len(done))])
    assert np.all(role[done & (level == 1)] == "community")
    assert np.all(role[done & police & (level == 0)] == "police")
    assert np.all(role[done & ~police & (level == 0)] == "grid_workers")


def test_zero_intake_skips_the_grid():
    sc = build_scenario(two_levels(), ROOT / "x.toml")
    r = simulate(sc, np.random.SeedSequence(1))
    escalated = set(np.flatnonzero(r.issues.level == 1).tolist())
    grid_cadres = set(np.flatnonzero(r.cadre_role == ROLES.index("grid_workers")).tolist())
    touched = {i for i, c in zip(r.work_issue.tolist(), r.work_cadre.tolist()) if c in grid_cadres}
    assert escalated and not (escalated & touched)


def test_two_levels_are_two_erlang_c_queues():
    data = two_levels()
    data["calendar"]["horizon_days"] = 180
    sc = build_scenario(data, ROOT / "x.toml")
    runs = [compute_metrics(simulate(sc, np.random.SeedSequence(99, spawn_key=(k,)))) for k in range(12)]
    lam = 2.0
    grid_w = erlang_c(0.6 * lam, 1.0, 2)[1] + 1.0  # M/M/2, rho 0.6: Wq + 1/mu
    comm_w = erlang_c(0.4 * lam, 2.0, 1)[1] + 0.5  # M/M/1, rho 0.4: 1 / (mu - lambda)
    assert comm_w == pytest.approx(1 / (2.0 - 0.8))
    assert_in_ci([m["resolution_hours_mean_grid"] for m in runs], grid_w, 0.05, "grid level W")
    assert_in_ci([m["resolution_hours_mean_community"] for m in runs], comm_w, 0.05, "community level W")
    assert_in_ci([m["resolved_share_community"] for m in runs], 0.4, 0.05, "share resolved at the community")


@pytest.mark.parametrize("patch, field", [
    ({"service_time_by_level": {"street": 2.0}}, "issue_types.req.service_time_by_level.street"),
    ({"service_time_by_level": {"police": 2.0}}, "issue_types.req.service_time_by_level.police"),
    ({"service_time_by_level": {"office": 2.0}}, "issue_types.req.service_time_by_level"),
])
def test_by_level_mistakes_are_named(patch, field):
    with pytest.raises(ScenarioError) as e:
        build_scenario(two_levels(**patch), ROOT / "x.toml")
    assert field in str(e.value), str(e.value)


# ---------------------------------------------------------------- sequential escalation


def ladder(**type_fields) -> dict:
    """One grid; every level staffed around the clock; issues so rare that nobody ever queues."""
    return {
        "name": "ladder",
        "calendar": {"start": "2024-01-01", "horizon_days": 200, "warmup_days": 0},
        "grids": {"list": [{"id": "G1", "community": "C1", "street": "S1", "households": 1000}]},
        "issue_types": {"case": {"rate_per_1000_households_per_week": 1.0, "escalation": "sequential",
                                 "level": {"grid": 0.4, "community": 0.3, "street": 0.2, "department": 0.1},
                                 "service_time": 1.0,
                                 "service_time_by_level": {"community": 2.0, "street": 3.0, "department": 4.0},
                                 **type_fields}},
        "cadres": {"grid_workers": {"per_grid": 1, "visits": False, **ALWAYS}},
        "levels": {lv: {"staff_per_unit": 1, **ALWAYS} for lv in ("community", "street", "department")},
        "visits": {"enabled": False},
        "wartime": {"trigger": "off"},
    }


def test_sequential_escalation_climbs_the_ladder_exactly():
    """Each level tries in turn: an issue resolved at level k took the work of levels 0..k, in order."""
    sc = build_scenario(ladder(), ROOT / "x.toml")
    r = simulate(sc, np.random.SeedSequence(4))
    check_invariants(sc, r)
    done = ~np.isnan(r.end)
    assert done.all() and set(r.issues.level.tolist()) == {0, 1, 2, 3}
    # no queueing at these volumes: resolution time = 1 + 2 + ... of the levels climbed
    want = np.array([1.0, 3.0, 6.0, 10.0])[r.issues.level]
    assert np.allclose(r.end - r.report, want, atol=1e-9)
    roles = ["grid_workers", "community", "street", "department"]
    for i in np.flatnonzero(r.issues.level == 3)[:5].tolist():
        rows = np.flatnonzero(r.work_issue == i)
        assert [ROLES[r.cadre_role[r.work_cadre[k]]] for k in rows[np.argsort(r.work_start[rows])]] == roles
    m = compute_metrics(r)
    assert m["resolution_hours_mean_department"] == pytest.approx(10.0)
    assert m["escalation_rate"] == pytest.approx((r.issues.level > 0).mean())


def test_direct_escalation_jumps_to_the_office():
    sc = build_scenario(ladder(escalation="direct", intake_time=0.5), ROOT / "x.toml")
    r = simulate(sc, np.random.SeedSequence(4))
    check_invariants(sc, r)
    want = np.array([1.0, 2.5, 3.5, 4.5])[r.issues.level]  # intake 0.5 at the grid, then the office's work
    assert np.allclose(r.end - r.report, want, atol=1e-9)


def test_sequential_staffs_the_offices_it_passes():
    """A type resolved only at the street passes the community office, which must then be staffed."""
    data = ladder(level="street", service_time_by_level={"community": 2.0})
    r = simulate(build_scenario(data, ROOT / "x.toml"), np.random.SeedSequence(4))
    assert ROLES.index("community") in set(r.cadre_role.tolist())
    assert np.allclose(r.end - r.report, 1.0 + 2.0 + 1.0, atol=1e-9)
    with pytest.raises(ScenarioError, match="service_time_by_level.community"):
        build_scenario(ladder(level="street", escalation="direct", service_time_by_level={"community": 2.0}),
                       ROOT / "x.toml")


# ---------------------------------------------------------------- named departments


def departments(**unit_fields) -> dict:
    data = ladder(escalation="direct", intake_time=0.5, level="department",
                  service_time_by_level={"department": 2.0})
    data["issue_types"]["leak"] = {"rate_per_1000_households_per_week": 1.0, "level": "department",
                                   "service_time": 3.0, "intake_time": 0.5}
    data["levels"]["department"]["units"] = {
        "water": {"staff": 1, "types": ["leak"], "response_time": 5.0, **ALWAYS, **unit_fields}}
    return data


def test_a_named_department_answers_its_own_calls():
    """'网格吹哨、部门报到': the water unit takes leaks after its response time; the rest go to the shared office."""
    sc = build_scenario(departments(), ROOT / "x.toml")
    r = simulate(sc, np.random.SeedSequence(2))
    check_invariants(sc, r)
    leak = r.issues.type == r.issues.type_names.index("leak")
    assert leak.any() and (~leak).any()
    # no queueing at these volumes: intake 0.5, then the response (leaks only), then the work
    assert np.allclose((r.end - r.report)[leak], 0.5 + 5.0 + 3.0, atol=1e-9)
    assert np.allclose((r.end - r.report)[~leak], 0.5 + 2.0, atol=1e-9)
    by_group = {i: r.group_names[r.cadre_group[c]] for i, c in zip(r.work_issue.tolist(), r.work_cadre.tolist())}
    assert {by_group[i] for i in np.flatnonzero(leak).tolist()} == {"department water"}
    assert {by_group[i] for i in np.flatnonzero(~leak).tolist()} == {"department"}


def test_a_department_works_its_own_hours_and_responding_issues_are_counted():
    """Office hours Mon-Fri 9-17 for the unit (checked against its schedule by check_invariants), and a
    response of 30 h, so that issues are waiting for the response at the horizon: conservation holds."""
    data = departments(days="Mon+Tue+Wed+Thu+Fri", start_hour=9, end_hour=17, response_time=30.0)
    data["issue_types"]["leak"]["rate_per_1000_households_per_week"] = 20.0
    sc = build_scenario(data, ROOT / "x.toml")
    for seed in range(3):
        r = simulate(sc, np.random.SeedSequence(seed))
        check_invariants(sc, r)  # duty of the water unit = its own weekly schedule
        leak = (r.issues.type == r.issues.type_names.index("leak")) & ~np.isnan(r.start)
        start = r.work_start[np.isin(r.work_issue, np.flatnonzero(leak)) & (r.cadre_role[r.work_cadre] == ROLES.index("department"))]
        assert np.all((start % 24 >= 9) & (start % 24 < 17))


@pytest.mark.parametrize("units, field", [
    ({"a": {"types": ["leak"]}, "b": {"types": ["leak"]}}, "levels.department.units.b.types.0"),
    ({"a": {"types": ["nope"]}}, "levels.department.units.a.types.0"),
    ({"a": {"types": ["case"]}}, "levels.department.units.a.types.0"),
    ({"a b": {"types": ["leak"]}}, 'levels.department.units."a b"'),
])
def test_department_mistakes_are_named(units, field):
    data = departments()
    data["issue_types"]["case"]["level"] = "grid"
    data["issue_types"]["case"].pop("service_time_by_level")
    data["levels"]["department"]["units"] = units
    with pytest.raises(ScenarioError) as e:
        build_scenario(data, ROOT / "x.toml")
    assert field in str(e.value), str(e.value)


# ---------------------------------------------------------------- lead steps and feedback


def workflow(**type_fields) -> dict:
    fields = {"escalation": "direct", "intake_time": 0.5, "level": {"grid": 0.5, "community": 0.5},
              "service_time_by_level": {"community": 2.0}}
    return ladder(**{**fields, **type_fields})


def test_lead_steps_wait_without_holding_anyone_and_feedback_is_grid_work():
    """Grid issues: 1 h of work, then a 1.5 h lead step (approval) -> resolved 2.5 h after the report.
    Community issues: intake 0.5 at the grid, 2 h of work at the office, a 3 h lead step, then 0.25 h
    of feedback (回访) back at the grid -> 5.75 h; the grid worker does the intake and the feedback."""
    sc = build_scenario(workflow(lead_time_by_level={"grid": 1.5, "community": 3.0}, feedback_time=0.25),
                        ROOT / "x.toml")
    r = simulate(sc, np.random.SeedSequence(6))
    check_invariants(sc, r)  # work content includes the feedback; conservation counts waiting issues
    grid, comm = r.issues.level == 0, r.issues.level == 1
    assert grid.any() and comm.any()
    # the grid's lead step applies to issues the grid works on: its own, and the intake of escalated ones
    assert np.allclose((r.end - r.report)[grid], 1.0 + 1.5, atol=1e-9)
    assert np.allclose((r.end - r.report)[comm], 0.5 + 1.5 + 2.0 + 3.0 + 0.25, atol=1e-9)
    for i in np.flatnonzero(comm)[:5].tolist():
        rows = np.flatnonzero(r.work_issue == i)
        rows = rows[np.argsort(r.work_start[rows])]
        assert [ROLES[r.cadre_role[r.work_cadre[k]]] for k in rows] == ["grid_workers", "community", "grid_workers"]
        assert np.allclose(r.work_end[rows] - r.work_start[rows], [0.5, 2.0, 0.25])
    m = compute_metrics(r)
    assert m["lead_hours_mean"] == pytest.approx(np.mean(np.where(grid, 1.5, 4.5)[r.issues.occur >= r.warmup]))


def test_issues_in_a_lead_step_at_the_horizon_are_accounted_for():
    data = workflow(lead_time_by_level={"community": 200.0})
    data["issue_types"]["case"]["rate_per_1000_households_per_week"] = 10.0
    sc = build_scenario(data, ROOT / "x.toml")
    r = simulate(sc, np.random.SeedSequence(1))
    check_invariants(sc, r)
    last_work = np.full(len(r.end), -np.inf)
    np.maximum.at(last_work, r.work_issue, r.work_end)
    waiting = (r.issues.level == 1) & (r.end > r.horizon) & (last_work < r.horizon)
    assert waiting.any(), "no issue was in its lead step at the horizon: the check would be vacuous"
    assert np.allclose((r.end - last_work)[r.issues.level == 1], 200.0)  # resolved right after the lead step


@pytest.mark.parametrize("patch, field", [
    ({"lead_time_by_level": {"street": 1.0}}, "issue_types.case.lead_time_by_level.street"),
    ({"level": "grid", "service_time_by_level": {}, "feedback_time": 0.5}, "issue_types.case.feedback_time"),
])
def test_workflow_mistakes_are_named(patch, field):
    with pytest.raises(ScenarioError) as e:
        build_scenario(workflow(**patch), ROOT / "x.toml")
    assert field in str(e.value), str(e.value)
