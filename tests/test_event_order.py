"""One event order: every model event is an entry on SimPy's calendar, fired by time, then in the order
it was scheduled (SimPy's own rule, docs/architecture.md "Event order").

Hidden issues' self-reports and supervision used to sit in heaps of their own behind one re-armed
event, ordered by (time, issue) at equal times: an entry pushed at t=0 for t=5 could fire after a
call made at t=1 for t=5.  Now both are calendar entries like every other event.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.model.simulation import Simulation
from sim.scenario import build_scenario

ROOT = Path(__file__).resolve().parent.parent


def small_model() -> Simulation:
    spec = {"name": "order", "calendar": {"start": "2024-01-01", "horizon_days": 7, "warmup_days": 0},
            "grids": {"list": [{"id": "G1", "households": 100}]},
            "issue_types": {"t": {"rate_per_1000_households_per_week": 100.0, "service_time": 1.0, "hidden_share": 0.5,
                                  "time_limit_by_level": {"grid": 2.0}}},
            "wartime": {"trigger": "off"}}
    return Simulation(build_scenario(spec, ROOT / "order.toml"), np.random.SeedSequence(1))


def test_equal_times_fire_in_the_order_they_were_scheduled():
    sim = small_model()
    fired: list[str] = []
    note = lambda ev: fired.append(ev.value)  # noqa: E731
    run = sim.shared
    run.at(5.0, note, "scheduled at 0 for 5")
    run.at(1.0, lambda ev: run.at(5.0, note, "scheduled at 1 for 5"), None)
    run.at(1.0, lambda ev: run.after(4.0, note, "scheduled at 1 for 1 + 4"), None)
    run.at(5.0, note, "scheduled at 0 for 5, second")
    sim.env.run(until=6.0)
    assert fired == ["scheduled at 0 for 5", "scheduled at 0 for 5, second", "scheduled at 1 for 5",
                     "scheduled at 1 for 1 + 4"]


def test_a_self_report_keeps_its_place_among_calls_for_the_same_instant():
    """Two hidden issues, both seen at t=0, reported by their residents at t=3 and t=5; at t=1 a call is
    made for t=5.  The second report was scheduled first, so it comes first (in a heap of its own behind
    one re-armed event, it came after the call)."""
    sim = small_model()
    fired: list[str] = []
    issues, run = sim.issues, sim.shared
    issues.report_now = lambda i: fired.append(f"report {i}")
    issues.i_offset[0] = issues.i_offset[1] = np.nan  # no visit finds them
    for i, delay in ((0, 3.0), (1, 5.0)):
        issues.i_delay[i] = delay
        issues.hide(i)
    run.at(1.0, lambda ev: run.at(5.0, lambda e: fired.append("call"), None), None)
    sim.env.run(until=6.0)
    assert fired == ["report 0", "report 1", "call"]
