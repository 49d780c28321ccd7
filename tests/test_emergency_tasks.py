"""Emergency tasks (``emergencies.tasks``): work an emergency brings by itself, in every grid.

Exact answers (two grid workers per grid on duty 8:00-16:00 every day, more routine
issues than they can handle, tasks handed back at shift ends so nothing is held over):
- mass testing from day 5, 0.1 h per household for a crew of 2 in a grid of 300
  households, is 60 cadre-hours: 16 a day, done on day 8 at 14:00; by a 48-hour deadline
  the two shifts of days 5 and 6 have done 32 cadre-hours = 160 households;
- those hours are taken from issues, and counted as cadre_hours_on_tasks;
- a task per grid: each grid's work is done when its own cadres have put in the hours;
- a task for a role nobody has is never done; invariants hold with tasks and the rest.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from mixes import mixed, run_checked_data
from sim.scenario import ScenarioError, build_scenario

ROOT = Path(__file__).resolve().parent.parent
EVERY_DAY = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def district(grids: int, *tasks: dict) -> dict:
    return {
        "name": "tasks",
        "calendar": {"start": "2024-01-01", "horizon_days": 20, "warmup_days": 0, "drain_days": 0},
        "grids": {"generate": {"count": grids, "communities": 1, "households": 300}},
        "issue_types": {"routine": {"rate_per_1000_households_per_week": 1000,
                                    "service_time": {"dist": "fixed", "value": 1.5}}},
        "cadres": {"grid_workers": {"per_grid": 2, "days": EVERY_DAY, "start_hour": 8, "end_hour": 16}},
        "dispatch": {"at_shift_end": "handback"},
        "emergencies": [{"name": "epidemic", "start": 5, "duration_days": 3, "tasks": list(tasks)}],
        "wartime": {"trigger": "off"},
    }


run = run_checked_data


def test_mass_testing_takes_exactly_its_cadre_hours():
    r, m = run(district(1, {"name": "testing", "hours": 0.1, "crew": 2, "deadline_hours": 48}))
    assert m["task_testing_on_time_share"] == pytest.approx(160 / 300)
    assert m["task_testing_days_to_done"] == pytest.approx(3 + 14 / 24)
    assert m["cadre_hours_on_tasks"] == pytest.approx(60.0)
    assert m["cadre_hours_on_issues"] == pytest.approx(20 * 16.0 - 60.0)
    # no issue work while the task is under way (day 5 8:00 to day 8 14:00)
    a, b = 5 * 24 + 8.0, 8 * 24 + 14.0
    assert not ((r.work_start < b - 1e-9) & (r.work_end > a + 1e-9)).any()


def test_a_task_per_grid_is_done_grid_by_grid():
    data = district(3, {"name": "sandbags", "per": "grid", "hours": 5.0, "crew": 4, "deadline_hours": 34})
    data["cadres"]["grid_workers"]["per_grid"] = 1
    _, m = run(data)
    # 20 cadre-hours a grid, one cadre each: days 5-6 (16 h), day 7 8:00-12:00
    assert m["task_sandbags_days_to_done"] == pytest.approx(2 + 12 / 24)
    assert m["task_sandbags_on_time_share"] == 0.0  # by day 6 10:00 only 10 of 20 hours
    assert m["cadre_hours_on_tasks"] == pytest.approx(3 * 20.0)


def test_a_task_for_a_role_nobody_has_is_never_done():
    _, m = run(district(1, {"name": "testing", "hours": 0.1, "deadline_hours": 48, "roles": ["sunk"]}))
    assert m["task_testing_on_time_share"] == 0.0 and math.isnan(m["task_testing_days_to_done"])
    assert m["cadre_hours_on_tasks"] == 0.0


def test_the_backlog_during_emergencies_is_reported():
    _, with_task = run(district(1, {"name": "testing", "hours": 0.1, "crew": 2, "deadline_hours": 48}))
    _, without = run(district(1))
    assert with_task["backlog_mean_in_emergencies"] > without["backlog_mean_in_emergencies"]


@pytest.mark.parametrize("extra", [
    {"visits": {"mode": "scheduled", "shift_share": 0.3}},
    {"dispatch": {"rule": "community_pool"}, "cadres": {"grid_workers": {"per_grid": 2, "attendance": 0.7},
                                                        "sunk": {"count": 6, "service_days": ["Tue", "Fri"]}}},
    {"campaigns": [{"name": "drive", "start": 4, "duration_days": 6, "share": 0.5}]},
    {"wartime": {"trigger": "scheduled", "mobilisation_hours": 6,
                 "posts": [{"role": "grid_workers", "per_grid": 1, "start_hour": 9, "end_hour": 13}]}},
])
def test_invariants_hold_with_tasks(extra):
    tasks = [{"name": "testing", "hours": 0.05, "crew": 2, "deadline_hours": 72},  # from a Sunday
             {"name": "silt", "per": "grid", "hours": 6, "deadline_hours": 72, "start_after_hours": 30}]
    em = [{"name": "flood", "start": 6, "duration_days": 5, "tasks": tasks}]
    _, m = run(mixed({"emergencies": em, "cadres": {"sunk": {"count": 6}}}, extra, horizon_days=24))
    assert 0 < m["task_testing_on_time_share"] <= 1 and m["cadre_hours_on_tasks"] > 0


@pytest.mark.parametrize("task, field", [
    ({"name": "t", "hours": 1, "deadline_hours": 5, "roles": ["police"]}, "emergencies.0.tasks.0.roles.0"),
    ({"name": "t", "hours": 0, "deadline_hours": 5}, "emergencies.0.tasks.0.hours"),
    ({"name": "t", "hours": 1, "deadline_hours": 5, "per": "street"}, "emergencies.0.tasks.0.per"),
    ({"name": "t", "hours": 1}, "emergencies.0.tasks.0.deadline_hours"),
])
def test_bad_tasks_are_named(task, field):
    with pytest.raises(ScenarioError) as err:
        build_scenario(district(1, task), ROOT / "x.toml")
    assert field in str(err.value)


def test_task_names_differ():
    t = {"name": "t", "hours": 1, "deadline_hours": 5}
    with pytest.raises(ScenarioError, match="another task has this name"):
        build_scenario(district(1, t, t), ROOT / "x.toml")


def test_a_task_starting_as_the_shift_starts_comes_before_the_queue():
    data = district(1, {"name": "testing", "hours": 0.1, "crew": 2, "deadline_hours": 48})
    data["emergencies"][0]["start"] = "2024-01-06T08:00:00"  # day 5, as the shift starts, issues waiting
    r, m = run(data)
    assert m["task_testing_days_to_done"] == pytest.approx(3 + 6 / 24)  # day 8 14:00
    assert m["task_testing_on_time_share"] == pytest.approx(160 / 300)
    a, b = 5 * 24 + 8.0, 8 * 24 + 14.0
    assert not ((r.work_start < b - 1e-9) & (r.work_end > a + 1e-9)).any()


def test_a_task_after_the_horizon_does_not_run_and_says_so():
    data = district(1, {"name": "testing", "hours": 0.1, "deadline_hours": 48, "start_after_hours": 24 * 30})
    _, m = run(data)
    assert math.isnan(m["task_testing_on_time_share"]) and math.isnan(m["task_testing_days_to_done"])
    assert m["cadre_hours_on_tasks"] == 0.0
