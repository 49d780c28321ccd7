"""Ties at a shift's end: no work starts as a cadre goes off duty, and a task due then ends then.

One grid, one cadre on Mon-Fri 08:00-17:00, and a queue of fixed-length tasks
reported at night.
With 9-hour tasks, a task started at 08:00 completes at 17:00 in an event that
comes before the shift's end (it was scheduled first): the cadre must not take
the next task at 17:00.  With 4.5-hour tasks, the second task of the day is
scheduled after the shift's end event, which then comes first: the task must
still end at 17:00, not the next morning.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.model import simulate
from sim.scenario import build_scenario

ROOT = Path(__file__).resolve().parent.parent


def office(task_hours: float, at_shift_end: str) -> dict:
    return {
        "name": "ties",
        "calendar": {"start": "2024-01-01", "horizon_days": 56, "warmup_days": 0, "drain_days": 60},
        "grids": {"list": [{"id": "G1", "households": 1000}]},
        # issues come in at night only, so every task starts at 08:00 or as the previous one ends
        "arrival_profile": {"hour": [1.0] * 8 + [0.0] * 16},
        # about 1.4 tasks a working day against 1 (9 h) or 2 (4.5 h) done: a queue most mornings
        "issue_types": {"t": {"rate_per_1000_households_per_week": 7.0 * 9 / task_hours,
                              "service_time": task_hours}},
        "cadres": {"grid_workers": {"per_grid": 1, "days": "Mon+Tue+Wed+Thu+Fri", "start_hour": 8,
                                    "end_hour": 17, "visits": False}},
        "dispatch": {"at_shift_end": at_shift_end},
        "visits": {"enabled": False},
        "wartime": {"trigger": "off"},
    }


@pytest.mark.parametrize("at_shift_end", ["resume", "handback"])
@pytest.mark.parametrize("task_hours", [9.0, 4.5])
def test_no_start_at_shift_end_and_tasks_end_on_time(task_hours, at_shift_end):
    sc = build_scenario(office(task_hours, at_shift_end), ROOT / "x.toml")
    r = simulate(sc, np.random.SeedSequence(3))
    hour = r.start % 24
    weekday = (r.start // 24) % 7  # 2024-01-01 is a Monday
    assert np.all((hour >= 8) & (hour < 17) & (weekday < 5)), \
        f"starts off duty at hours {sorted(set(hour[(hour < 8) | (hour >= 17)].round(3)))}"
    assert np.all(r.work_end - r.work_start > 1e-9), "zero-length stretches of work"
    # the shift holds a whole number of tasks, so no task is ever split over two shifts
    pieces = np.bincount(r.work_issue, minlength=len(r.start))
    assert np.all(pieces == 1), f"{(pieces > 1).sum()} tasks split over a shift end"
    ends = r.end % 24
    assert np.all((ends > 8) & (ends <= 17 + 1e-9))
    queued_mornings = (np.abs(hour - 8) < 1e-9).sum()
    assert queued_mornings > 10, "the queue rarely carried over to the next morning: the ties were not exercised"
    assert (np.abs(ends - 17) < 1e-9).sum() > 10, "few tasks ended exactly at 17:00: the ties were not exercised"
