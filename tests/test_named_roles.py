"""Named roles (``[cadres.roles.NAME]``): volunteers, part-time workers, campaign cadres.

- a role serving Saturdays 9-12 from one date to another is on duty exactly those hours
  (dates or day numbers alike), and its duty rows are exactly those shifts;
- wartime adds its hours to a named role, only within the role's dates; a named role can
  hold wartime posts;
- a role restricted to some issue types never works another type; a cadre becoming free
  takes the best waiting issue (priority, then report time) among the types it takes;
  listing every type is the same run as listing none (bit for bit);
- the restricted dispatch unit (SkilledUnit): longest-idle capable cadre, home grid first
  in pools, raised priorities, and the plain unit's order when no cadre is restricted;
- attendance 0.5 halves a named role's attended hours (binomial CI); metrics per role and
  cost_total include named roles;
- bad input names the field, the value and what is allowed (also `gridsim validate`: exit 2).
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from oracles import check_invariants
from sim.cli import main
from sim.metrics import compute_metrics
from sim.model import simulate
from sim.model.cadres import Cadre
from sim.model.dispatch import SkilledUnit, Unit
from sim.scenario import ScenarioError, build_scenario

FILE = Path("named.toml")
FIXED = {"dist": "fixed", "value": 1.0}


def scenario(roles: dict, *, gw: int = 1, horizon: int = 60, types: dict | None = None, **more) -> dict:
    """One grid of 1,000 households from Monday 2024-01-01, no warm-up and no drain."""
    return {
        "name": "named",
        "calendar": {"start": "2024-01-01", "horizon_days": horizon, "warmup_days": 0, "drain_days": 0},
        "grids": {"list": [{"id": "G1", "community": "C1", "street": "S1", "households": 1000}]},
        "issue_types": types or {"info": {"rate_per_1000_households_per_week": 5, "service_time": FIXED}},
        "cadres": {"grid_workers": {"per_grid": gw}, "roles": roles},
        "visits": {"enabled": False},
        "wartime": {"trigger": "off"},
        **more,
    }


def run(data: dict, seed: int = 1):
    sc = build_scenario(data, FILE)
    r = simulate(sc, np.random.SeedSequence(seed))
    check_invariants(sc, r)
    return sc, r


SATURDAY = {"per_grid": 2, "days": ["Sat"], "start_hour": 9.0, "end_hour": 12.0}


# ---------------------------------------------------------------- dates and hours


@pytest.mark.parametrize("dates", [{"start": "2024-01-10", "end": "2024-02-03"}, {"start": 9, "end": 33}])
def test_a_saturday_role_between_two_dates_has_exactly_those_hours(dates):
    import datetime as dt
    dates = {k: dt.date.fromisoformat(v) if isinstance(v, str) else v for k, v in dates.items()}
    sc, r = run(scenario({"vol": {**SATURDAY, **dates}}))
    m = compute_metrics(r)
    # Saturdays from Wed 10 January to Sat 3 February (inclusive): 13, 20, 27 Jan and 3 Feb
    days = [12, 19, 26, 33]
    rows = np.array(r.group_names)[r.group_duty] == "vol"
    assert sorted(zip(r.group_start[rows].tolist(), r.group_end[rows].tolist())) == \
        [(24.0 * d + 9, 24.0 * d + 12) for d in days]
    assert m["cadre_hours_on_duty_vol"] == 4 * 3.0 * 2
    assert m["cadre_hours_on_duty"] == m["cadre_hours_on_duty_grid_workers"] + 24.0


def test_a_role_without_dates_serves_the_whole_run_and_an_end_only_role_stops():
    _, r = run(scenario({"vol": SATURDAY, "late": {**SATURDAY, "end": 19}}))  # day 19 is Sat 20 January
    m = compute_metrics(r)
    assert m["cadre_hours_on_duty_vol"] == 8 * 3.0 * 2  # 8 Saturdays in 60 days from a Monday
    assert m["cadre_hours_on_duty_late"] == 3 * 3.0 * 2  # 6, 13 and 20 January


def test_wartime_adds_hours_to_a_named_role_only_within_its_dates():
    # wartime from Mon 15 January (day 14) for 7 days, 07:00-21:00; the role ends Thu 18 January
    data = scenario({"vol": {**SATURDAY, "end": "2024-01-18"}, "all": {**SATURDAY, "per_grid": 1}}, horizon=28,
                    emergencies=[{"name": "flood", "start": 14, "duration_days": 7}],
                    wartime={"trigger": "scheduled", "roles": ["vol", "all"], "start_hour": 7, "end_hour": 21})
    _, r = run(data)
    m = compute_metrics(r)
    assert m["cadre_hours_on_duty_vol"] == 2 * (2 * 3.0 + 4 * 14.0)  # Sat 6 and 13 Jan; Mon-Thu of wartime
    assert m["cadre_hours_on_duty_all"] == 3 * 3.0 + 7 * 14.0  # Sat 6, 13 and 27 Jan; 7 wartime days (20 Jan in them)


def test_a_named_role_holds_wartime_posts():
    data = scenario({"vol": {**SATURDAY, "cost_per_hour": 10.0}}, horizon=28,
                    emergencies=[{"name": "flood", "start": 14, "duration_days": 7}],
                    wartime={"trigger": "scheduled", "roles": ["vol"], "start_hour": 7, "end_hour": 21,
                             "posts": [{"role": "vol", "per_grid": 1, "start_hour": 9, "end_hour": 12}]})
    sc, r = run(data)
    m = compute_metrics(r)
    assert m["wartime_post_hours"] == 7 * 3.0  # one holder, 09:00-12:00 on each of the 7 wartime days
    assert m["cadre_hours_on_duty_vol"] == 2 * (3 * 3.0 + 7 * 14.0)  # the post's hours count as duty
    assert m["cost_vol"] == pytest.approx(10.0 * m["cadre_hours_on_duty_vol"])
    holder = [g for g in r.group_names if g.endswith("on post 1")]
    assert holder == ["vol on post 1"]


def test_a_dated_schedule_flips_exactly_where_the_weekly_one_does_inside_its_window():
    import datetime as dt
    import math
    from sim.model.clock import Clock, DatedSchedule, WeeklySchedule
    clock = Clock(dt.date(2024, 1, 4))  # a Thursday
    rng = random.Random(3)
    for _ in range(60):
        weekly = WeeklySchedule.daily(rng.sample(range(7), rng.randint(0, 7)), 9.0, rng.choice([12.0, 24.0]), clock)
        if rng.random() < 0.3:
            weekly = weekly.union(WeeklySchedule.daily(range(7), 7.0, 21.0, clock))
        lo = rng.choice([-math.inf, 0.0, 24.0 * rng.randint(0, 20), 24.0 * rng.randint(0, 20) + 10])
        hi = rng.choice([math.inf, lo + 24.0 * rng.randint(1, 20), lo + 24.0 * rng.randint(0, 20) + 10.25])
        dated = DatedSchedule.within(weekly, lo, hi)
        ts = [k * 0.25 for k in range(24 * 4 * 40)]  # every flip is on a quarter hour
        on = [lo <= t < hi and weekly.on_duty(t) for t in ts]
        flips = [math.inf] * len(ts)  # the next time the state differs, from the end backwards
        for k in range(len(ts) - 2, -1, -1):
            flips[k] = ts[k + 1] if on[k + 1] != on[k] else flips[k + 1]
        for k, t in enumerate(ts[:-1]):
            assert dated.on_duty(t) == on[k]
            nxt, got = flips[k], dated.next_change(t)
            assert got == nxt or (nxt == math.inf and got >= ts[-1]), (t, got, nxt)
        assert dated.duty_hours(0.0, ts[-1]) == pytest.approx(0.25 * sum(on[:-1]))


# ---------------------------------------------------------------- issue types


TYPES = {
    "a": {"rate_per_1000_households_per_week": 60, "priority": 2, "service_time": FIXED},
    "b": {"rate_per_1000_households_per_week": 20, "priority": 1, "service_time": FIXED},
    "c": {"rate_per_1000_households_per_week": 30, "priority": 3, "service_time": FIXED},
}
EVERY_DAY = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
A_ONLY = {"per_grid": 2, "days": EVERY_DAY, "start_hour": 12.0, "end_hour": 20.0, "types": ["a"]}


def test_a_restricted_role_works_only_its_types():
    _, r = run(scenario({"vol": A_ONLY}, types=TYPES, horizon=28))
    vol = r.cadre_role[r.work_cadre] == r.role_names.index("vol")
    assert vol.sum() > 100
    assert set(np.array(r.issues.type_names)[r.issues.type[r.work_issue[vol]]].tolist()) == {"a"}
    gw = ~vol  # the grid worker takes every type
    assert set(np.array(r.issues.type_names)[r.issues.type[r.work_issue[gw]]].tolist()) == {"a", "b", "c"}


def test_a_free_cadre_takes_the_best_waiting_issue_it_can_take():
    _, r = run(scenario({"vol": A_ONLY}, types=TYPES, horizon=28))
    names = np.array(r.issues.type_names)
    kind, report, start, prio = names[r.issues.type], r.report, r.start, r.priority
    checked = 0
    for c, i, t in zip(r.work_cadre.tolist(), r.work_issue.tolist(), r.work_start.tolist()):
        if t != start[i]:
            continue  # a stretch resumed after a shift end, not a choice
        takes = {"a"} if r.role_names[r.cadre_role[c]] == "vol" else {"a", "b", "c"}
        waiting = np.flatnonzero(np.isin(kind, list(takes)) & (report < t - 1e-9)
                                 & ~(start <= t + 1e-9))  # reported before, not started by then
        best = min(((int(prio[j]), report[j], j) for j in waiting), default=None)
        assert best is None or (int(prio[i]), report[i], i) <= best, (c, i, t, best)
        checked += len(waiting) > 0
    assert checked > 50  # the queue was not empty at many of those choices


@pytest.mark.parametrize("pooled", [False, True])
def test_listing_every_type_is_the_same_run_as_listing_none(pooled):
    grids = {"list": [{"id": f"G{k}", "community": "C1", "street": "S1", "households": 400} for k in range(3)]}
    more = {"dispatch": {"rule": "community_pool"}} if pooled else {}
    more["visits"] = {"enabled": True, "mode": "scheduled", "shift_share": 0.25, "interrupt_priority": 2}
    base = scenario({}, types=TYPES, horizon=28, grids=grids, **more)
    runs = []
    for types in (None, ["c", "a", "b"]):
        role = {**A_ONLY, "per_grid": 1, "visits": True}
        role.pop("types")
        if types:
            role["types"] = types
        base["cadres"]["roles"] = {"vol": role}
        runs.append(run(base)[1])
    a, b = runs
    for field in ("start", "end", "work_cadre", "work_issue", "work_start", "work_end"):
        assert np.array_equal(getattr(a, field), getattr(b, field), equal_nan=True), field


# ---------------------------------------------------------------- the dispatch unit


def skilled(homes: list[int], skills: list[frozenset[int] | None], kinds: list[int], pooled: bool = False):
    unit = SkilledUnit("grid G1", kinds, pooled)
    cadres = []
    for k, (h, s) in enumerate(zip(homes, skills)):
        c = Cadre(k, 0, h, unit, False)
        c.skill = unit.skill_of(s)
        cadres.append(c)
    unit.seal(3)
    return unit, cadres


def test_the_longest_idle_cadre_that_takes_the_type_takes_the_issue():
    kinds = [0, 1, 2]  # issue i has type i
    unit, c = skilled([0, 0, 0], [frozenset({0}), None, frozenset({1, 2})], kinds)
    for k in (0, 2, 1):
        unit.add_idle(c[k])
    assert unit.take_idle(0, 2).id == 2  # cadre 0 idled first but does not take type 2
    assert unit.take_idle(0, 2).id == 1
    assert unit.take_idle(0, 2) is None  # only cadre 0 is left: it takes type 0 only
    assert unit.take_idle(0, 0).id == 0


def test_a_pool_prefers_the_issue_grid_among_the_cadres_that_take_it():
    unit, c = skilled([5, 7, 5, 5], [None, None, frozenset({1}), None], [0, 1], pooled=True)
    for k in (1, 2, 0, 3):
        unit.add_idle(c[k])
    assert unit.take_idle(5, 1).id == 2  # grid 5's longest idle that takes type 1
    assert unit.take_idle(5, 0).id == 0  # cadre 2 is gone; 0 idled before 3
    assert unit.take_idle(9, 0).id == 1  # nobody in grid 9: the pool's longest idle
    unit.remove_idle(c[3])
    assert unit.take_idle(5, 0) is None


def test_a_free_cadre_pops_the_best_issue_among_its_classes():
    kinds = [0, 1, 2, 0, 1]
    unit, c = skilled([0, 0], [frozenset({0, 1}), None], kinds)
    unit.push(3, 1.0, 0)  # type 0
    unit.push(2, 5.0, 1)  # type 1, more urgent
    unit.push(1, 0.5, 2)  # type 2: only cadre 1 takes it
    unit.push(2, 4.0, 4)  # type 1, reported before issue 1
    assert unit.pop(c[0]) == 4
    unit.raise_priority(3, 1, 1.0, 0)  # supervision: issue 0 jumps ahead
    assert sorted(unit.waiting()) == [0, 1, 2]
    assert unit.pop(c[0]) == 0
    assert unit.pop(c[0]) == 1
    assert unit.pop(c[0]) is None  # issue 2 waits for cadre 1
    assert unit.pop(c[1]) == 2 and unit.pop(c[1]) is None and unit.waiting() == []


def test_without_restrictions_the_skilled_unit_serves_as_the_plain_unit():
    rng = random.Random(4)
    kinds = [rng.randrange(3) for _ in range(400)]
    for pooled in (False, True):
        plain, skill = Unit("u", pooled), skilled([0] * 6, [None] * 6, kinds, pooled)[0]
        homes = [rng.randrange(3) for _ in range(6)]
        ca = [Cadre(k, 0, h, plain, False) for k, h in enumerate(homes)]
        cb = [Cadre(k, 0, h, skill, False) for k, h in enumerate(homes)]
        idle: set[int] = set()
        for i in range(400):
            op = rng.random()
            if op < 0.4:
                prio, t = rng.randrange(1, 4), float(rng.randrange(50))
                plain.push(prio, t, i)
                skill.push(prio, t, i)
            elif op < 0.6 and len(idle) < 6:
                k = rng.choice([k for k in range(6) if k not in idle])
                idle.add(k)
                plain.add_idle(ca[k])
                skill.add_idle(cb[k])
            elif op < 0.8:
                g = rng.randrange(3)
                a, b = plain.take_idle(g, i), skill.take_idle(g, i)
                assert (a and a.id) == (b and b.id)
                idle.discard(a.id if a else -1)
            else:
                assert plain.pop(ca[0]) == skill.pop(cb[0])
        assert sorted(plain.waiting()) == sorted(skill.waiting())


# ---------------------------------------------------------------- attendance, metrics


def test_half_attendance_halves_a_named_roles_hours():
    roles = {"vol": {"per_grid": 30, "days": ["Sat", "Sun"], "start_hour": 9.0, "end_hour": 12.0, "attendance": 0.5}}
    _, r = run(scenario(roles, horizon=56))
    m = compute_metrics(r)
    rows = np.flatnonzero(np.array(r.group_names)[r.group_duty] == "vol")
    draws = int(r.group_size[r.group_duty[rows]].sum())  # (cadre, shift) pairs: 30 cadres x 16 shifts
    assert draws == 30 * 16
    absent = r.absent_row.size
    assert abs(absent - draws / 2) < 3 * np.sqrt(draws * 0.25), (absent, draws)
    assert m["cadre_hours_on_duty_vol"] == pytest.approx((draws - absent) * 3.0)


def test_metrics_per_named_role_and_the_total_cost():
    roles = {"vol": {**SATURDAY, "cost_per_hour": 15.0},
             "party": {"count": 3, "allocation": "households", "days": ["Tue"], "cost_per_hour": 40.0}}
    data = scenario(roles)
    data["cadres"]["grid_workers"]["cost_per_hour"] = 30.0
    _, r = run(data)
    m = compute_metrics(r)
    for name in ("vol", "party", "grid_workers"):
        assert {f"utilization_{name}", f"cadre_hours_on_duty_{name}", f"cost_{name}"} <= set(m)
    assert m["cost_vol"] == 15.0 * 8 * 3.0 * 2
    assert m["cost_party"] == pytest.approx(40.0 * 3 * 9 * 9.0)  # 3 cadres, 9 Tuesdays in 60 days, 08:00-17:00
    assert m["cost_total"] == pytest.approx(m["cost_vol"] + m["cost_party"] + m["cost_grid_workers"])
    assert "utilization_sunk" not in m  # no sunk cadres: built-in metric names as before


# ---------------------------------------------------------------- bad input


TWO_TYPES = {"a": {"rate_per_1000_households_per_week": 5, "service_time": FIXED},
             "b": {"rate_per_1000_households_per_week": 5, "service_time": FIXED}}


@pytest.mark.parametrize("roles, gw, needles", [
    ({"vol": {"per_grid": 1, "types": ["a", "nope"]}}, 1, ["cadres.roles.vol.types.1", '"nope"', "not an issue type", "a, b"]),
    ({"vol": {"per_grid": 1, "count": 3}}, 1, ["cadres.roles.vol.count = 3", "exactly one of per_grid"]),
    ({"vol": {"days": ["Sat"]}}, 1, ["cadres.roles.vol.per_grid", "given: neither"]),
    ({"vol": {"per_grid": 1, "allocation": "households"}}, 1, ["cadres.roles.vol.allocation", "only with count"]),
    ({"vol": {"per_grid": 1, "start": "2024-02-01", "end": "2024-01-20"}}, 1,
     ['cadres.roles.vol.end = "2024-01-20"', "before start (2024-02-01)"]),
    ({"vol": {"per_grid": 1, "start": 20, "end": 10}}, 1, ["cadres.roles.vol.end = 10", "before start (20)"]),
    ({"sunk": {"per_grid": 1}}, 1, ["cadres.roles.sunk", "taken by a built-in role", "grid_workers, sunk"]),
    ({"total": {"per_grid": 1}}, 1, ["cadres.roles.total", "taken"]),
    ({"my vol": {"per_grid": 1}}, 1, ['cadres.roles."my vol"', "letters, digits"]),
    ({"vol": {"per_grid": 1, "types": ["a", "a"]}}, 1, ["cadres.roles.vol.types", "more than once"]),
    ({"vol": {"per_grid": 1, "types": []}}, 1, ["cadres.roles.vol.types"]),
    ({"vol": {"per_grid": 1, "start": "2024-02-01T08:00:00"}}, 1, ["cadres.roles.vol.start"]),
    ({"vol": {"per_grid": 1, "start": 2.5}}, 1, ["cadres.roles.vol.start"]),
    ({"vol": {"per_grid": 1, "types": ["a"]}}, 0, ["issue_types.b", "no cadre in the grids takes this type", "vol"]),
])
def test_bad_named_roles_are_refused_with_the_field_and_value(roles, gw, needles):
    with pytest.raises(ScenarioError) as e:
        build_scenario(scenario(roles, gw=gw, types=TWO_TYPES), FILE)
    text = str(e.value)
    for needle in needles:
        assert needle in text, (needle, text)


@pytest.mark.parametrize("roles, gw, sunk", [
    ({"vol": {"per_grid": 1, "types": ["a"]}, "rest": {"count": 1, "types": ["b"]}}, 0, 0),  # together: every type
    ({"vol": {"per_grid": 1, "types": ["a"]}}, 0, 2),  # sunk cadres take every type
    ({"vol": {"per_grid": 1, "types": ["a"]}, "gen": {"count": 1}}, 0, 0),  # an unrestricted named role
    ({"vol": {"per_grid": 1, "start": "2023-12-01", "end": 3}}, 1, 0),  # a start before the calendar's
])
def test_legal_restrictions(roles, gw, sunk):
    data = scenario(roles, gw=gw, types=TWO_TYPES)
    data["cadres"]["sunk"] = {"count": sunk}
    build_scenario(data, FILE)


def test_a_type_police_grids_take_needs_no_grid_cadre():
    data = scenario({"vol": {"per_grid": 1, "types": ["a"]}}, gw=0, types=TWO_TYPES)
    data["cadres"]["police"] = {"count": 1, "types": ["b"]}
    build_scenario(data, FILE)


@pytest.mark.parametrize("wartime, needles", [
    ({"roles": ["grid_workers", "nobody"]}, ["wartime.roles.1", '"nobody"', "allowed: grid_workers", "vol"]),
    ({"posts": [{"role": "police"}]}, ["wartime.posts.0.role", '"police"', "allowed: grid_workers, sunk, vol"]),
])
def test_wartime_names_only_known_roles(wartime, needles):
    data = scenario({"vol": SATURDAY}, emergencies=[{"start": 3, "duration_days": 2}],
                    wartime={"trigger": "scheduled", **wartime})
    with pytest.raises(ScenarioError) as e:
        build_scenario(data, FILE)
    for needle in needles:
        assert needle in str(e.value), (needle, str(e.value))


def test_validate_exits_2_on_a_bad_named_role(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text("""
[calendar]
start = 2024-01-01
[grids]
list = [{id = "G1", community = "C1", street = "S1", households = 100}]
[issue_types.a]
rate_per_1000_households_per_week = 5
service_time = {dist = "fixed", value = 1.0}
[cadres.roles.volunteers]
per_grid = 2
days = ["Sat", "Sun"]
start = 2022-03-31
end = 2022-03-01
""")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "cadres.roles.volunteers.end = 2022-03-01" in err and "Traceback" not in err


# ---------------------------------------------------------------- where members live


@pytest.mark.parametrize("size, homes", [({"per_grid": 2}, [1, 1, 3, 3]),
                                         ({"count": 5, "allocation": "equal"}, [1, 3, 1, 3, 1]),
                                         ({"count": 4, "allocation": "households"}, [1, 3, 3, 3])])
def test_a_role_with_grids_lives_only_there(size, homes):
    data = scenario({"crew": {**size, "grids": ["G2", "G4"], "days": ["Mon"]}})
    data["grids"] = {"list": [{"id": f"G{k + 1}", "households": h} for k, h in enumerate([100, 100, 100, 300])]}
    sc, r = run(data)
    crew = np.flatnonzero(np.array(sc.cadres.role_names)[r.cadre_role] == "crew")
    assert sorted(r.cadre_home[crew].tolist()) == sorted(homes)


def test_a_role_in_an_unknown_grid_is_refused():
    with pytest.raises(ScenarioError, match=r"cadres.roles.crew.grids.0 = \"G9\": not a grid id"):
        build_scenario(scenario({"crew": {"per_grid": 1, "grids": ["G9"]}}), FILE)


def test_grids_where_no_cadre_lives_are_refused():
    data = scenario({"vol": {"per_grid": 0, "types": ["a"]}}, gw=0, types=TWO_TYPES)  # nobody at all
    with pytest.raises(ScenarioError, match=r"cadres.grid_workers.per_grid = 0: 1 of 1 grids have no cadre living"):
        build_scenario(data, FILE)
    data = scenario({}, gw=0, types=TWO_TYPES)
    data["grids"] = {"generate": {"count": 5, "households": 100}}
    data["cadres"]["sunk"] = {"count": 3}  # round-robin: G1-G3 have one, G4 and G5 none
    with pytest.raises(ScenarioError, match=r"2 of 5 grids have no cadre living in them \(G4, G5\)"):
        build_scenario(data, FILE)
    data["dispatch"] = {"rule": "community_pool"}  # one community: the pool serves them all
    build_scenario(data, FILE)


def test_fewer_cadres_than_grids_by_households_are_counted_not_listed():
    data = scenario({}, gw=0, types=TWO_TYPES)
    data["grids"] = {"generate": {"count": 5, "households": 100}}
    data["cadres"]["sunk"] = {"count": 3, "allocation": "households"}  # which grids get them depends on sizes
    with pytest.raises(ScenarioError, match=r"at least 2 of 5 grids have no cadre living in them, so"):
        build_scenario(data, FILE)
    data["cadres"]["sunk"] = {"count": 5, "allocation": "households"}
    build_scenario(data, FILE)


def test_first_call_without_types_is_named():
    with pytest.raises(ScenarioError) as e:
        build_scenario(scenario({"vol": {"per_grid": 1, "first_call_hours": 24}}), Path("x.toml"))
    assert "cadres.roles.vol.first_call_hours" in str(e.value) and "give types too" in str(e.value), str(e.value)
