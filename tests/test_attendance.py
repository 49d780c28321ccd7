"""Attendance: ``attendance`` in a role's table (each cadre's each shift happens with that chance).

- an attendance of 0.5 halves the hours on duty, within the binomial confidence interval
  of the number of (cadre, shift) draws, and the absences are about half of them;
- an absent cadre neither works nor visits during the shift it missed (the invariant
  checks read duty per cadre from the records, absences removed);
- common random numbers: whether a cadre turns up for a shift depends only on the cadre (its
  role, home and rank there) and the shift's start, so a policy that changes dispatch, staffing,
  service days or wartime leaves every (cadre, shift) pair that both policies have as it was;
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


def turned_up(r) -> dict[tuple, bool]:
    """Per (cadre, shift start), whether the cadre turned up; a cadre named by its role, home grid and rank
    among that role's cadres there (its number in the roster may change with the policy)."""
    rank: dict[tuple[int, int], int] = {}
    ident = []
    for role, home in zip(r.cadre_role.tolist(), r.cadre_home.tolist()):
        ident.append((role, home, rank.setdefault((role, home), 0)))
        rank[role, home] += 1
    absent = set(zip(r.absent_cadre.tolist(), r.absent_row.tolist()))
    members = {g: np.flatnonzero(r.cadre_group == g).tolist() for g in set(r.group_duty.tolist())}
    return {(ident[c], round(start, 6)): (c, row) not in absent
            for row, (g, start) in enumerate(zip(r.group_duty.tolist(), r.group_start.tolist()))
            for c in members[g]}


FLOOD = {"emergencies": [{"name": "flood", "start": 20, "duration_days": 10, "multipliers": {"req": 3.0}}],
         "wartime": {"trigger": "scheduled", "roles": ["sunk"], "start_hour": 7, "end_hour": 21}}


@pytest.mark.parametrize("change", [
    {"dispatch": {"rule": "community_pool"}},  # dispatch
    {"sunk": {"count": 61}},  # one more sunk cadre (in grid 0)
    {"sunk": {"count": 48}},  # one fewer in each grid
    {"sunk": {"service_days": ["Tue", "Thu", "Sat"]}},  # a service day more: groups keyed by other days
    FLOOD,  # wartime: extra shifts for sunk cadres, their normal shifts longer
], ids=["dispatch", "one-more", "fewer", "service-days", "wartime"])
def test_who_turns_up_for_a_shift_does_not_depend_on_the_policy(change):
    """Common random numbers: a (cadre, shift) pair that exists under both policies draws the same."""
    base = district(0.7)
    other = district(0.7, **change.get("dispatch", {}))
    other["cadres"]["sunk"].update(change.get("sunk", {}))
    other.update({k: v for k, v in change.items() if k in ("emergencies", "wartime")})
    a = simulate(build_scenario(base, ROOT / "x.toml"), np.random.SeedSequence(3))
    b = simulate(build_scenario(other, ROOT / "x.toml"), np.random.SeedSequence(3))
    # the policy did change the roster or the run
    assert a.cadre_role.size != b.cadre_role.size or not np.array_equal(a.end, b.end, equal_nan=True)
    x, y = turned_up(a), turned_up(b)
    common = x.keys() & y.keys()
    assert len(common) > 0.5 * min(len(x), len(y)) and sum(not x[k] for k in common) > 100
    assert [k for k in common if x[k] != y[k]] == []


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


def test_turnout_draws_are_uniform_and_independent_across_cadres_and_shifts():
    """The hash-based draws behave as independent uniforms: Kolmogorov-Smirnov against U(0, 1) over
    20,000 (cadre, shift) pairs, and no correlation between a cadre's consecutive shifts."""
    from scipy import stats

    from sim.model.attendance import Turnout, stable_keys

    keys = stable_keys(["sunk"] * 4000, [f"G{k // 5}" for k in range(4000)])
    assert len(set(keys.tolist())) == 4000
    t = Turnout(np.random.SeedSequence(5), keys)
    ids = np.arange(4000)
    u = np.array([t.draws(ids, 32.0 + 24.0 * d) for d in range(5)])
    assert stats.kstest(u.ravel(), "uniform").pvalue > 1e-3
    r = np.corrcoef(u[:-1].ravel(), u[1:].ravel())[0, 1]
    assert abs(r) < 4 / np.sqrt(u[1:].size), r  # 4 standard errors of a zero correlation
    assert not np.array_equal(Turnout(np.random.SeedSequence(6), keys).draws(ids, 32.0), u[0])  # the seed matters
