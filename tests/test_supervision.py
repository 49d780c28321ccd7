"""Supervision (督办): ``time_limit_by_level`` and ``supervised_priority``.

- exact: an issue still at a level when its time limit there is up is supervised at
  that very instant (the record says when), and from then on it has the supervised
  priority; one that left the level (or was resolved) before is not;
- exact queue discipline: one always-on grid worker, routine issues with a time limit
  and more urgent ones without: each time the worker takes an issue, it is the first by
  (priority in force at that instant, report time) among those waiting, where a routine
  issue's priority is raised once report + limit has passed;
- conservation: a raised issue's old queue entry is void, so no issue is lost or counted
  twice, with shifts and hand-backs;
- bad input: a limit for a level the type never reaches, a supervised priority that
  does not raise, are refused with the field named.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from oracles import check_invariants
from sim.metrics import compute_metrics
from sim.model import simulate
from sim.scenario import ROLES, ScenarioError, build_scenario

ROOT = Path(__file__).resolve().parent.parent
ALWAYS = {"days": "Mon+Tue+Wed+Thu+Fri+Sat+Sun", "start_hour": 0, "end_hour": 24}
LIMIT = 3.0


def one_worker(**routine_fields) -> dict:
    """A grid with one always-on worker, near saturation (utilisation 0.9), so that queues are long."""
    return {
        "name": "supervision",
        "calendar": {"start": "2024-01-01", "horizon_days": 60, "warmup_days": 5},
        "grids": {"list": [{"id": "G1", "community": "C1", "households": 1000}]},
        "issue_types": {
            "routine": {"rate_per_1000_households_per_week": 0.6 * 168, "priority": 3,
                        "service_time": {"dist": "exponential", "mean": 1.0},
                        "time_limit_by_level": {"grid": LIMIT}, **routine_fields},
            "urgent": {"rate_per_1000_households_per_week": 0.3 * 168, "priority": 2,
                       "service_time": {"dist": "exponential", "mean": 1.0}},
        },
        "cadres": {"grid_workers": {"per_grid": 1, "visits": False, **ALWAYS}},
        "visits": {"enabled": False},
        "wartime": {"trigger": "off"},
    }


def test_an_issue_over_its_limit_is_supervised_then_and_only_then():
    sc = build_scenario(one_worker(), ROOT / "x.toml")
    r = simulate(sc, np.random.SeedSequence(3))
    check_invariants(sc, r)
    routine = r.issues.type == r.issues.type_names.index("routine")
    due = r.report + LIMIT
    over = routine & (r.end > due)  # still at the grid (waiting or in hand) when its time was up
    assert over.sum() > 50 and (routine & ~over).sum() > 50, "both outcomes must occur for the test to bite"
    assert np.array_equal(r.supervised[over], due[over])
    assert np.isnan(r.supervised[~over]).all()  # in time, and urgent issues (no limit)
    m = compute_metrics(r)
    window = r.issues.occur >= r.warmup
    assert m["supervised_share"] == pytest.approx(over[window].sum() / window.sum())


def test_the_worker_takes_the_first_issue_by_the_priority_in_force():
    sc = build_scenario(one_worker(supervised_priority=1), ROOT / "x.toml")
    r = simulate(sc, np.random.SeedSequence(4))
    routine = r.issues.type == r.issues.type_names.index("routine")
    starts = np.argsort(r.start, kind="stable")
    starts = starts[~np.isnan(r.start[starts])]
    checked = raised_first = 0
    for i in starts.tolist():
        s = r.start[i]
        waiting = np.flatnonzero((r.report <= s) & ((r.start > s) | (r.start == s)))
        if waiting.size < 2:
            continue
        prio = np.where(routine[waiting] & (r.report[waiting] + LIMIT < s), 1, r.priority[waiting])
        first = waiting[np.lexsort((r.report[waiting], prio))[0]]
        assert first == i, f"at {s:.4f} h the worker took {i}, not {first}"
        checked += 1
        raised_first += bool(routine[i] and (r.priority[waiting] < 3).any())
    assert checked > 200 and raised_first > 20, (checked, raised_first)  # supervision changed the order often


def test_an_escalated_issue_is_supervised_at_the_office_it_waits_in():
    """Intake at the grid (0.5 h), then the community office: the community's limit counts from the
    escalation; the office holds one cadre for a busy flow, so many overrun it."""
    data = one_worker(level={"grid": 0.5, "community": 0.5}, intake_time=0.5,
                      time_limit_by_level={"community": LIMIT})
    data["levels"] = {"community": {"staff_per_unit": 1, **ALWAYS}}
    sc = build_scenario(data, ROOT / "x.toml")
    r = simulate(sc, np.random.SeedSequence(5))
    check_invariants(sc, r)
    comm = r.issues.level == 1
    escalated_at = np.full(len(r.end), np.nan)
    grid_cadre = np.flatnonzero(r.cadre_role == ROLES.index("grid_workers"))
    at_grid = np.isin(r.work_cadre, grid_cadre)
    escalated_at[r.work_issue[at_grid]] = r.work_end[at_grid]  # the intake's end
    over = comm & (r.end > escalated_at + LIMIT)
    assert over.sum() > 20
    assert np.allclose(r.supervised[over], escalated_at[over] + LIMIT, rtol=0, atol=1e-9)
    assert np.isnan(r.supervised[~over]).all()


def test_void_entries_keep_every_issue_in_one_place_with_shifts_and_hand_backs():
    data = one_worker(time_limit_by_level={"grid": 1.0})
    data["cadres"]["grid_workers"] = {"per_grid": 2, "visits": False, "days": "Mon+Tue+Wed+Thu+Fri",
                                      "start_hour": 8, "end_hour": 18}
    data["dispatch"] = {"at_shift_end": "handback"}
    data["issue_types"]["routine"]["rate_per_1000_households_per_week"] = 0.2 * 168
    data["issue_types"]["urgent"]["rate_per_1000_households_per_week"] = 0.1 * 168
    sc = build_scenario(data, ROOT / "x.toml")
    r = simulate(sc, np.random.SeedSequence(6))
    check_invariants(sc, r)  # conservation counts queue entries: a void one would count twice
    assert (~np.isnan(r.supervised)).sum() > 100


@pytest.mark.parametrize("patch, field", [
    ({"time_limit_by_level": {"street": 5.0}}, "issue_types.routine.time_limit_by_level.street"),
    ({"time_limit_by_level": {"grid": 0}}, "issue_types.routine.time_limit_by_level.grid"),
    ({"supervised_priority": 3}, "issue_types.routine.supervised_priority"),
])
def test_supervision_mistakes_are_named(patch, field):
    with pytest.raises(ScenarioError) as e:
        build_scenario(one_worker(**patch), ROOT / "x.toml")
    assert field in str(e.value), str(e.value)
