"""Property-based tests: the invariants of test_model_invariants.py on random small scenarios.

Hypothesis draws districts of 1-4 grids over 2-21 days with random arrival
rates, priorities, service distributions (tie-prone fixed durations among them),
escalation shares and rules (direct, or sequential with each level's own attempt, settled at levels
drawn on arrival or by attempt: resolve_chance, sunk cadres' department_types),
lead times, feedback, named departments with a response time, supervision (time
limits by level), hidden shares, shifts (days and hours, whole-hour shifts among them),
cadre counts and attendance, named roles with start and end dates and types, police,
dispatch rule, at_shift_end (resume, handback), visits (idle or scheduled, with
shift_share or a daily quota), campaigns, emergencies with tasks, wartime triggers
(scheduled, backlog, both) with posts and mobilisation, and short drains; and checks,
for one replication each, every invariant of oracles.check_invariants (conservation,
no work, task or visit off duty, duty = schedule, issue times, work content, the
visiting cursor, the backlog trigger) and of oracles.check_feature_invariants (held
tasks resumed or handed back, visits within reserve + idle time, hours that add up,
SLA attainment within completion).

GRIDSIM_HYPOTHESIS_EXAMPLES=N explores N fresh examples; benchmarks/bench_random_scenarios.py
runs thousands with a fixed budget and collects every failure.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.metrics import wartime_periods
from sim.model import simulate
from sim.scenario import LEVELS, WEEKDAYS, build_scenario

# shared oracles (pytest puts tests/ on sys.path: rootdir-relative import)
from oracles import check_backlog_trigger, check_feature_invariants, check_invariants

# Fixed examples by default (CI stays reproducible); GRIDSIM_HYPOTHESIS_EXAMPLES=2000 explores afresh.
_EXPLORE = int(os.environ.get("GRIDSIM_HYPOTHESIS_EXAMPLES", "0"))
SETTINGS = settings(max_examples=_EXPLORE or 200, deadline=None, derandomize=not _EXPLORE,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
HOMED = ("grid_workers", "sunk")  # built-in roles living in grids (named roles live in grids too)


def days_subset() -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True)


@st.composite
def hours(draw, min_len: float = 0.5) -> tuple[float, float]:
    if draw(st.integers(0, 2)) == 0:  # whole-hour shifts: fixed durations then end exactly at shift ends
        a = draw(st.sampled_from([0.0, 8.0, 9.0]))
        return a, draw(st.sampled_from([x for x in (16.0, 17.0, 24.0) if x > a]))
    a = draw(st.sampled_from([0.0, 6.0, 7.5, 8.0, 8.5, 9.0, 12.25, 14.0, 20.0]))
    b = draw(st.sampled_from([x for x in (2.0, 9.5, 12.0, 17.0, 17.5, 18.75, 21.0, 22.0, 24.0) if x >= a + min_len]))
    return a, b


def shift(draw) -> dict[str, Any]:
    """A role's days and hours."""
    a, b = draw(hours())
    return {"days": draw(days_subset()), "start_hour": a, "end_hour": b}


def attendance(draw, on: bool) -> dict[str, float]:
    """Attendance below 1 for about half of the roles of a scenario where absences are ``on``."""
    return {"attendance": draw(st.sampled_from([0.5, 0.8]))} if on and draw(st.booleans()) else {}


def ties(lo: float, hi: float) -> st.SearchStrategy[dict[str, Any]]:
    """Fixed whole and half hours (up to 16 h tasks): ends tie with shift ends and with each other."""
    return st.sampled_from([x for x in (0.5, 1.0, 2.0, 4.0, 4.5, 8.0, 9.0, 16.0) if lo <= x <= hi]).map(
        lambda v: {"dist": "fixed", "value": v})


@st.composite
def distribution(draw, lo: float = 0.1, hi: float = 4.0) -> dict[str, Any]:
    kind = draw(st.sampled_from(["exponential", "lognormal", "gamma", "fixed", "uniform", "tie"]))
    if kind == "tie":
        return draw(ties(lo, 4 * hi))
    mean = draw(st.floats(lo, hi))
    if kind == "exponential":
        return {"dist": kind, "mean": mean}
    if kind in ("lognormal", "gamma"):
        return {"dist": kind, "mean": mean, "cv": draw(st.floats(0.2, 1.5))}
    if kind == "uniform":
        return {"dist": kind, "low": mean / 2, "high": mean * 1.5}
    return {"dist": kind, "value": mean}


@st.composite
def level_shares(draw) -> dict[str, float]:
    w = draw(st.lists(st.sampled_from([0.0, 0.0, 1.0, 2.0, 5.0]), min_size=4, max_size=4))
    w[0] += 1.0  # some share always at the grid
    total = sum(w)
    shares = {lv: x / total for lv, x in zip(LEVELS, w) if x > 0}
    # make the shares sum to 1 exactly in floating point
    last = next(reversed(shares))
    shares[last] = 1.0 - sum(v for k, v in shares.items() if k != last)
    return shares


def some(draw, items, p: int = 2) -> list:
    """A random subset of ``items``, empty with chance about 1 - 1/p."""
    return [x for x in items if draw(st.booleans())] if draw(st.integers(0, p - 1)) == 0 else []


@st.composite
def issue_type(draw) -> dict[str, Any]:
    t: dict[str, Any] = {
        "rate_per_1000_households_per_week": draw(st.floats(5.0, 300.0)),
        "priority": draw(st.integers(1, 3)),
        "service_time": draw(st.one_of(distribution(), ties(0.5, 16.0))),
        "level": draw(level_shares()),
        "escalation": draw(st.sampled_from(["direct", "sequential"])),
    }
    if draw(st.booleans()):
        t["hidden_share"] = draw(st.sampled_from([0.2, 0.5, 1.0]))
        t["report_delay"] = draw(distribution(1.0, 200.0))
    if draw(st.booleans()):
        t["intake_time"] = draw(st.one_of(distribution(0.05, 1.0), st.just(0)))
    resolved = list(t["level"])
    top = max(LEVELS.index(lv) for lv in resolved)
    reached = LEVELS[: top + 1] if t["escalation"] == "sequential" else sorted(set(resolved) | {"grid"}, key=LEVELS.index)
    own_work = reached if t["escalation"] == "sequential" else resolved
    if by_level := some(draw, own_work):  # each level's own work (a sequential type's attempts)
        t["service_time_by_level"] = {lv: draw(distribution()) for lv in by_level}
    if lead := some(draw, reached, 3):
        t["lead_time_by_level"] = {lv: draw(distribution(0.1, 24.0)) for lv in lead}
    if top > 0 and draw(st.integers(0, 2)) == 0:
        t["feedback_time"] = draw(distribution(0.05, 1.0))
    if draw(st.integers(0, 2)) == 0:  # worsening: waited too long, it goes up by itself
        t["worsens_after"] = draw(st.one_of(distribution(0.5, 48.0), ties(1.0, 8.0)))
        t["worsens_to"] = draw(st.sampled_from(["next_level", "petition"]))
        if offices := some(draw, [lv for lv in reached if lv != "grid"]):
            t["worsens_after_by_level"] = {lv: draw(distribution(0.5, 48.0)) for lv in offices}
    if t["priority"] > 1 and (limits := some(draw, reached)):  # supervision (督办)
        t["time_limit_by_level"] = {lv: draw(st.sampled_from([0.5, 2.0, 8.0, 24.0, 72.0])) for lv in limits}
        t["supervised_priority"] = draw(st.integers(1, t["priority"] - 1))
    if draw(st.integers(0, 2)) == 0:  # 纠纷不过夜: work on it goes on past a shift's end until done
        t["finish_before_leaving"] = True
    if t["escalation"] == "sequential" and draw(st.integers(0, 2)) == 0:
        t["resolve_chance"] = resolve_chance(draw)
    return t


def resolve_chance(draw) -> dict[str, float]:
    """Settling by attempt: chances for some roles and offices (an empty table: the shares' own chances)."""
    keys = some(draw, ["grid_workers", "sunk", "community", "street", "department"], 1)
    return {k: 1.0 if k == "department" else draw(st.sampled_from([0.0, 0.3, 0.7, 1.0])) for k in keys}


@st.composite
def named_roles(draw, names: list[str], horizon: float, grid_ids: list[str], absences: bool) -> dict[str, Any]:
    """0-2 roles of the scenario's own: dates (a day number, or a date), types, visits, attendance."""
    roles = {}
    for k in range(draw(st.sampled_from([0, 0, 1, 2]))):
        role: dict[str, Any] = {**shift(draw), **attendance(draw, absences), "visits": draw(st.booleans())}
        if draw(st.booleans()):
            role["per_grid"] = draw(st.integers(1, 2))
        else:
            role["count"] = draw(st.integers(1, 4))
            role["allocation"] = draw(st.sampled_from(["equal", "households"]))
        if draw(st.integers(0, 2)) == 0:
            role["grids"] = draw(st.lists(st.sampled_from(grid_ids), min_size=1, unique=True))
        first = draw(st.integers(0, int(horizon)))
        if draw(st.booleans()):
            role["start"] = first
        if draw(st.integers(0, 2)) > 0:  # an end often inside the run: work held then has no next shift
            role["end"] = draw(st.integers(first, int(horizon) + 1))
        if draw(st.booleans()):
            role["types"] = draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
        roles[f"r{k}"] = role
    return roles


@st.composite
def campaigns(draw, horizon: float, grid_ids: list[str], visitors: list[str]) -> list[dict[str, Any]]:
    out = []
    for k in range(draw(st.integers(0, 2))):
        cp: dict[str, Any] = {"name": f"c{k}", "start": draw(st.floats(0.0, horizon)),
                              "duration_days": draw(st.floats(0.3, 10.0)),
                              "roles": draw(st.lists(st.sampled_from(visitors), min_size=1, unique=True)),
                              "share": draw(st.sampled_from([0.25, 0.5, 1.0]))}
        if draw(st.booleans()):
            cp["grids"] = draw(st.lists(st.sampled_from(grid_ids), min_size=1, unique=True))
        if draw(st.booleans()):
            cp["target_households"] = draw(st.integers(1, 400))
        out.append(cp)
    return out


@st.composite
def tasks(draw, k: int, homed: list[str]) -> list[dict[str, Any]]:
    out = []
    for j in range(draw(st.integers(0, 2))):
        per = draw(st.sampled_from(["household", "grid"]))
        out.append({"name": f"t{k}{j}", "per": per,
                    "hours": draw(st.sampled_from([0.01, 0.05, 0.1]) if per == "household" else st.sampled_from([1.0, 4.0, 8.0])),
                    "crew": draw(st.integers(1, 3)), "deadline_hours": draw(st.sampled_from([6.0, 24.0, 48.0])),
                    "start_after_hours": draw(st.sampled_from([0.0, 0.0, 8.0, 30.0])),
                    "roles": draw(st.lists(st.sampled_from(homed), min_size=1, unique=True))})
    return out


@st.composite
def scenarios(draw) -> dict[str, Any]:
    n_grids = draw(st.integers(1, 4))
    n_comm = draw(st.integers(1, n_grids))
    grids = [
        {"id": f"G{g}", "community": f"C{g * n_comm // n_grids}", "street": f"S{(g * n_comm // n_grids) % 2}",
         "households": draw(st.integers(50, 500))}
        for g in range(n_grids)
    ]
    grid_ids = [g["id"] for g in grids]
    horizon = draw(st.one_of(st.floats(2.0, 21.0), st.integers(2, 21).map(float)))
    names = ["a", "b", "c"][:draw(st.integers(1, 3))]
    types = {name: draw(issue_type()) for name in names}
    sunk_h, pol_h, lvl_h, war_h = (draw(hours()) for _ in range(4))
    enter = draw(st.sampled_from([1.0, 2.5, 4.0]))
    leave = draw(st.sampled_from([x for x in (0.5, 1.0, 2.0, 0.0) if x < enter]))
    sunk_days = draw(days_subset())
    rule = draw(st.sampled_from(["own_grid", "community_pool"]))
    # own_grid needs a cadre in every grid (refused otherwise); a pool may be left with nobody
    per_grid = draw(st.integers(1 if rule == "own_grid" else 0, 2))
    sunk_count = draw(st.integers(0, 5))
    absences = draw(st.integers(0, 2)) == 0  # attendance below 1 for some roles
    roles = draw(named_roles(names, horizon, grid_ids, absences))
    if not per_grid and not sunk_count and roles:  # then a role must take every type (refused otherwise)
        next(iter(roles.values())).pop("types", None)
    gw_visits, sunk_visits = draw(st.booleans()), draw(st.booleans())
    homed = [*HOMED, *roles]
    visitors = [r for r, v in zip(homed, (gw_visits, sunk_visits, *(x["visits"] for x in roles.values()))) if v]
    visits: dict[str, Any] = {"enabled": draw(st.integers(0, 2)) > 0, "households_per_hour": draw(st.floats(0.5, 20.0)),
                              "discovery_probability": draw(st.sampled_from([0.3, 1.0, 0.0]))}
    if visits["enabled"] and draw(st.booleans()):  # visits as duty: the start of each shift reserved
        visits["mode"] = "scheduled"
        if draw(st.integers(0, 2)):
            visits["shift_share"] = draw(st.sampled_from([0.1, 0.25, 0.5, 0.75, 1.0]))
        else:
            visits["households_per_day"] = draw(st.sampled_from([2.0, 10.0, 40.0]))
        visits["interrupt_priority"] = draw(st.integers(1, 3))
    to_department = [n for n, t in types.items() if "department" in t["level"]]  # shares given are positive
    department: dict[str, Any] = {"staff_per_unit": draw(st.integers(1, 2)), "days": draw(days_subset()),
                                  **attendance(draw, absences)}
    if unit_types := some(draw, to_department, 1):  # a named department with a response time
        department["units"] = {"u0": {"staff": draw(st.integers(1, 2)), "types": unit_types,
                                      "response_time": draw(distribution(0.5, 24.0)), **shift(draw)}}
    trigger = draw(st.sampled_from(["off", "scheduled", "backlog", "both"]))
    wartime: dict[str, Any] = {
        "trigger": trigger,
        "roles": draw(st.lists(st.sampled_from(["grid_workers", "sunk", "police", "community", "street",
                                                "department", *roles]), unique=True)),
        "start_hour": war_h[0], "end_hour": war_h[1], "pause_visits": draw(st.booleans()),
        "enter_backlog_per_grid": enter, "exit_backlog_per_grid": leave,
        "mobilisation_hours": draw(st.sampled_from([0.0, 0.0, 2.0, 6.5, 30.0])),
    }
    if trigger != "off" and draw(st.booleans()):
        wartime["posts"] = [{"role": draw(st.sampled_from(homed)), "per_grid": draw(st.integers(1, 2)),
                             **dict(zip(("start_hour", "end_hour"), draw(hours())))}
                            for _ in range(draw(st.integers(1, 2)))]
    data: dict[str, Any] = {
        "name": "prop",
        "calendar": {"start": dt.date(2024, 1, 1) + dt.timedelta(days=draw(st.integers(0, 13))),
                     "horizon_days": horizon, "warmup_days": draw(st.sampled_from([0.0, 0.0, 1.0])),
                     "drain_days": draw(st.sampled_from([0.0, 0.5, 1.0, 1.0, 3.0, 30.0]))},
        "grids": {"list": grids},
        "issue_types": types,
        "cadres": {
            "grid_workers": {"per_grid": per_grid, **shift(draw), "visits": gw_visits, **attendance(draw, absences)},
            "sunk": {"count": sunk_count, "service_days": sunk_days, "department_types": some(draw, to_department, 1),
                     "days_per_cadre": draw(st.integers(1, len(sunk_days))),
                     "allocation": draw(st.sampled_from(["equal", "households"])),
                     "start_hour": sunk_h[0], "end_hour": sunk_h[1], "visits": sunk_visits, **attendance(draw, absences)},
            "police": {"count": draw(st.integers(0, 2)), "types": draw(st.lists(st.sampled_from(names), unique=True)),
                       "days": draw(days_subset()), "start_hour": pol_h[0], "end_hour": pol_h[1],
                       **attendance(draw, absences)},
            "roles": roles,
        },
        "levels": {
            "community": {"staff_per_unit": draw(st.integers(1, 2)), "days": draw(days_subset()),
                          "start_hour": lvl_h[0], "end_hour": lvl_h[1], **attendance(draw, absences)},
            "street": {"staff_per_unit": 1, **attendance(draw, absences)},
            "department": department,
        },
        "dispatch": {"rule": rule,
                     "at_shift_end": draw(st.sampled_from(["resume", "handback"])),
                     "travel_time": draw(distribution(0.05, 1.0))},
        "visits": visits,
        "wartime": wartime,
        "emergencies": [
            {"start": draw(st.floats(0.0, horizon)), "duration_days": draw(st.floats(0.2, 10.0)),
             "multipliers": {name: draw(st.floats(0.0, 5.0)) for name in names if draw(st.booleans())},
             "wartime": draw(st.booleans()), "tasks": draw(tasks(k, homed))}
            for k in range(draw(st.integers(0, 2)))
        ],
        "campaigns": draw(campaigns(horizon, grid_ids, visitors)) if visits["enabled"] and visitors else [],
    }
    return data


def check_scenario(data: dict[str, Any], seed: int):
    """Build and run one generated scenario, and check every invariant; returns (scenario, records)."""
    sc = build_scenario(data, Path("prop.toml"))
    r = simulate(sc, np.random.SeedSequence(seed))
    check_invariants(sc, r)
    check_feature_invariants(sc, r)
    if sc.wartime.trigger == "backlog":
        check_backlog_trigger(sc, r)
    if sc.wartime.trigger in ("scheduled", "both"):
        # every wartime emergency inside the run lies within a wartime period
        for em in sc.emergencies:
            a, b = sc.emergency_window(em)
            if em.wartime and a < r.horizon:
                assert any(s <= max(a, 0) + 1e-9 and min(b, r.horizon) <= e + 1e-9 for s, e in r.wartime)
    if sc.wartime.trigger == "scheduled":
        wanted = [em for em in sc.emergencies if em.wartime and sc.emergency_window(em)[0] < r.horizon]
        want = sorted((max(sc.emergency_window(e)[0], 0.0), min(sc.emergency_window(e)[1], r.horizon)) for e in wanted)
        merged: list[list[float]] = []
        for a, b in want:  # overlapping emergencies make one period
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        assert np.allclose(np.array(wartime_periods(r)).reshape(-1, 2), np.array(merged).reshape(-1, 2))
    return sc, r


@SETTINGS
@given(data=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_invariants_on_random_scenarios(data, seed):
    check_scenario(data, seed)


@settings(max_examples=10, deadline=None, derandomize=True)
@given(data=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_same_seed_same_run(data, seed):
    sc = build_scenario(data, Path("prop.toml"))
    a = simulate(sc, np.random.SeedSequence(seed))
    b = simulate(sc, np.random.SeedSequence(seed))
    for name in ("report", "start", "end", "work_start", "work_end", "work_cadre", "group_start", "wartime",
                 "task_start", "absent_cadre", "overtime"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
