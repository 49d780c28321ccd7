"""Stay until it is settled (issue_types.NAME.finish_before_leaving, 纠纷不过夜): hand-worked cases.

One grid, one grid worker on Mon-Fri 09:00-17:00 (2024-01-01 is a Monday, so hour
t of the run is Monday t:00 for t < 24), and issues put in by hand at chosen times
with fixed work, resolved at the grid.  The answers are worked out on the clock:
an issue reported Monday 16:00 with 3 h of work is worked 16:00-17:00 on duty; with
the flag the cadre stays until 19:00 (2 h of overtime), without it the last 2 h
wait for Tuesday 09:00 (done 11:00, t = 35).
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from sim.metrics import compute_metrics
from sim.model import simulate, simulation
from sim.model.attendance import Turnout, stable_keys
from sim.model.issues import IssueTable
from sim.scenario import build_scenario
from tests.oracles import check_invariants

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
