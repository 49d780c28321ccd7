"""The roster: who serves where and when, built from the scenario before the run.

Dispatch units (grids or community pools, police grids, escalation offices),
the cadres in them, and duty groups (cadres sharing one weekly schedule, so
that a shift change is one event, not one per cadre).  Sunk cadres are
allocated to grids and given staggered service days by documented rules.
Named roles (``cadres.roles``) live in grids too, after the built-in roles in
the roster; a unit holding cadres that take only some issue types is a
SkilledUnit.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

import numpy as np

from sim.model.cadres import Cadre, DutyGroup
from sim.model.clock import Clock, DatedSchedule, WeeklySchedule
from sim.model.dispatch import SMALL, IdleBook, SkilledUnit, SmallUnit, Unit
from sim.model.district import District
from sim.model.issues import IssueTable
from sim.scenario import WEEKDAYS, Attended, Scenario
from sim.scenario.roles import equal_positions


def allocate_sunk(scenario: Scenario, district: District, filled: np.ndarray | None = None) -> np.ndarray:
    """Home grid of each sunk cadre: round-robin (``equal``), by largest remainder on households, or as
    ``per_grid`` says (``explicit``), in grid order.  ``filled``: see :func:`allocate`."""
    sunk = scenario.cadres.sunk
    if sunk.per_grid is not None:
        counts = np.array([sunk.per_grid.get(g, 0) for g in district.ids], dtype=int)
        return np.repeat(np.arange(district.n), counts)
    return allocate(sunk.count, sunk.allocation, district, filled=filled)


def allocate(count: int, rule: str, district: District, grids: np.ndarray | None = None,
             filled: np.ndarray | None = None) -> np.ndarray:
    """Home grids of ``count`` cadres among ``grids`` (indices; default all): round-robin (``equal``) or by
    largest remainder on households.  ``filled``: per grid of the district, the cadres placed by earlier
    ``equal`` allocations, where this one goes on (``sim.scenario.roles.equal_positions``); updated."""
    grids = np.arange(district.n) if grids is None else grids
    if rule == "equal":
        homes = grids[equal_positions(count, np.zeros(len(grids), int) if filled is None else filled[grids])]
        if filled is not None:
            np.add.at(filled, homes, 1)
        return homes
    households = district.households[grids]
    quota = count * households / households.sum()
    per_grid = np.floor(quota).astype(int)
    short = count - per_grid.sum()
    per_grid[np.argsort(-(quota - per_grid), kind="stable")[:short]] += 1
    return np.repeat(grids, per_grid)


def sunk_days(scenario: Scenario, homes: np.ndarray) -> list[tuple[str, ...]]:
    """Service days of each sunk cadre, staggered within and across grids (see scenario.Sunk)."""
    sunk = scenario.cadres.sunk
    days = sunk.service_days
    k = sunk.days_per_cadre or len(days)
    rank = np.zeros(len(homes), int)
    seen: dict[int, int] = {}
    for i, h in enumerate(homes.tolist()):
        rank[i] = seen.get(h, 0)
        seen[h] = rank[i] + 1
    out = []
    for i, h in enumerate(homes.tolist()):
        first = (rank[i] + h) * k
        out.append(tuple(sorted({days[(first + j) % len(days)] for j in range(k)}, key=WEEKDAYS.index)))
    return out


@dataclass
class Roster:
    grid_unit: list[Unit]  # per grid: the unit its issues go to (its own, or its community's pool)
    police_units: list[Unit]
    level_units: list[list[Unit]]  # community offices, street offices, the department
    cadres: list[Cadre] = field(default_factory=list)
    groups: dict[str, DutyGroup] = field(default_factory=dict)
    post_holders: list[list[int]] = field(default_factory=list)  # per wartime post, the ids of its holders
    role_names: tuple[str, ...] = ()  # what a cadre's role indexes: ROLES, then the named roles
    book: IdleBook | None = None  # the idle stamps of the SmallUnits' cadres
    units: int = 0  # how many units there are (each has its number, Unit.index)
    kinds: array | None = None  # per issue, its type (+ the number of types while in its first call): SkilledUnits


def named_homes(sc: Scenario, d: District, filled: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Home grid of each cadre of each named role: ``per_grid`` in each of its grids, or ``count`` allocated
    among them (``filled``: see :func:`allocate`)."""
    pos = {gid: i for i, gid in enumerate(d.ids)}
    out = {}
    for name, role in sc.cadres.roles.items():
        grids = np.array([pos[g] for g in role.grids], int) if role.grids else np.arange(d.n)
        out[name] = (np.repeat(grids, role.per_grid) if role.per_grid is not None
                     else allocate(role.count or 0, role.allocation, d, grids, filled))
    return out


def build_roster(sc: Scenario, d: District, clock: Clock, table: IssueTable | None = None) -> Roster:
    """Units, cadres and duty groups; offices that no issue can reach get no staff.  ``table``: the run's
    issues (their types, for units with cadres restricted to some types)."""
    filled = np.zeros(d.n, int)  # equal allocations go on one after another: sunk cadres, then named roles
    sunk_homes = allocate_sunk(sc, d, filled)
    homes_of = named_homes(sc, d, filled)
    skilled = {h for name, hs in homes_of.items() if sc.cadres.roles[name].types is not None for h in hs.tolist()}
    kinds = array("H", np.asarray(table.type if table is not None else [], np.uint16).tobytes()) if skilled else None

    def unit(name: str, grids: set[int], pooled: bool = False) -> Unit:
        return SkilledUnit(name, kinds, pooled) if kinds is not None and grids & skilled else Unit(name, pooled)

    if sc.dispatch.rule == "community_pool":
        members: dict[int, set[int]] = {}
        for g, c in enumerate(d.community.tolist()):
            members.setdefault(c, set()).add(g)
        pools = [unit(f"pool {c}", members.get(k, set()), pooled=True) for k, c in enumerate(d.community_names)]
        grid_unit = [pools[c] for c in d.community.tolist()]
    else:
        grid_unit = [unit(f"grid {gid}", {g}) for g, gid in enumerate(d.ids)]
    units = sc.levels.department.units
    r = Roster(grid_unit, [Unit(f"police {u + 1}") for u in range(d.n_police_units)],
               [[Unit(f"community {c}") for c in d.community_names],
                [Unit(f"street {s}") for s in d.street_names],
                [Unit("department")] + [Unit(f"department {name}") for name in units]])
    r.kinds = kinds
    wt = sc.wartime
    role_names = r.role_names = sc.cadres.role_names

    def group(name: str, role: str, shift: Attended, days: tuple[str, ...] | None = None) -> DutyGroup:
        if name not in r.groups:
            day_idx = [WEEKDAYS.index(x) for x in (days or shift.days)]
            normal = WeeklySchedule.daily(day_idx, shift.start_hour, shift.end_hour, clock)
            if role in sc.cadres.roles and (window := sc.cadres.roles[role].window(sc.calendar.start)) != (
                    -np.inf, np.inf):  # a named role's start and end dates
                normal = DatedSchedule.within(normal, *window)
            war = None
            if wt.trigger != "off" and role in wt.roles:  # wartime hours add to the normal shifts
                war = normal.union(WeeklySchedule.daily(range(7), wt.start_hour, wt.end_hour, clock))
            r.groups[name] = DutyGroup(len(r.groups), name, role_names.index(role), normal, war, shift.attendance,
                                      shift.cost_per_hour)
        return r.groups[name]

    def add(role: str, home: int, unit: Unit, visits: bool, grp: DutyGroup, types: frozenset[int] | None = None) -> None:
        c = Cadre(len(r.cadres), role_names.index(role), home, unit, visits)
        if isinstance(unit, SkilledUnit):
            c.skill = unit.skill_of(types)
        r.cadres.append(c)
        grp.members.append(c)

    gw = sc.cadres.grid_workers
    if gw.per_grid:
        grp = group("grid_workers", "grid_workers", gw)
        for g in range(d.n):
            for _ in range(gw.per_grid):
                add("grid_workers", g, r.grid_unit[g], gw.visits, grp)
    sunk = sc.cadres.sunk
    for h, days in zip(sunk_homes.tolist(), sunk_days(sc, sunk_homes)):
        add("sunk", h, r.grid_unit[h], sunk.visits, group("sunk " + "+".join(days), "sunk", sunk, days))
    # offices that no issue can reach are not part of the model (nor of its cadre hours)
    pol = sc.cadres.police
    if pol.types:
        for unit in r.police_units:
            for _ in range(pol.officers_per_unit):
                add("police", -1, unit, False, group("police", "police", pol))
    for lv, role in enumerate(("community", "street", "department")):
        # the shared office only if some type reaches this level and no named unit takes it
        if not any(role in it.levels_reached() and (lv < 2 or sc.department_unit(name) is None)
                   for name, it in sc.issue_types.items()):
            continue
        spec = getattr(sc.levels, role)
        for unit in r.level_units[lv][: 1 if lv == 2 else None]:
            for _ in range(spec.staff_per_unit):
                add(role, -1, unit, False, group(role, role, spec))
    for unit, (name, spec) in zip(r.level_units[2][1:], units.items()):
        for _ in range(spec.staff):
            add("department", -1, unit, False, group(f"department {name}", "department", spec))
    type_index = {t: k for k, t in enumerate(table.type_names if table is not None else sc.issue_types)}
    for name, role in sc.cadres.roles.items():  # named roles: one duty group each, named by the role
        types = None if role.types is None else frozenset(type_index[t] for t in role.types)
        for h in homes_of[name].tolist():
            add(name, h, r.grid_unit[h], role.visits, group(name, name, role), types)
    for u in {id(u): u for u in grid_unit}.values():
        if isinstance(u, SkilledUnit):
            u.seal(len(type_index), [sc.first_call_hours(t) > 0 for t in type_index])
    assign_posts(sc, r, clock)
    number_units(r)
    make_small(r)
    return r


def number_units(r: Roster) -> None:
    """Every unit gets its number (``Unit.index``): grid units (a pool once), police grids, offices."""
    units = {id(u): u for u in [*r.grid_unit, *r.police_units, *(u for lv in r.level_units for u in lv)]}
    for k, u in enumerate(units.values()):
        u.index = k
    r.units = len(units)


def make_small(r: Roster) -> None:
    """Plain own-grid units of at most SMALL cadres become SmallUnits (keeping their numbers), sharing
    one IdleBook."""
    members: dict[int, list[Cadre]] = {}
    for c in r.cadres:
        members.setdefault(id(c.unit), []).append(c)
    r.book = IdleBook(len(r.cadres), r.units)
    for g, old in enumerate(r.grid_unit):
        if type(old) is Unit and not old.pooled and len(members.get(id(old), ())) <= SMALL:
            unit = r.grid_unit[g] = SmallUnit(old.name, r.book, old.index, members.get(id(old), []))
            for c in unit.members:
                c.unit = unit


def assign_posts(sc: Scenario, r: Roster, clock: Clock) -> None:
    """Wartime posts: in each grid, the first ``per_grid`` cadres of the post's role (in roster order)
    not on another post hold it.  They move to duty groups of their own, whose wartime schedule is
    their group's without the post's hours: in those hours they are on the post, not on issues."""
    taken: set[int] = set()
    names = sc.cadres.role_names
    for k, post in enumerate(sc.wartime.posts):
        count: dict[int, int] = {}
        picked: set[int] = set()
        for c in r.cadres:
            if names[c.role] == post.role and c.id not in taken and count.get(c.home, 0) < post.per_grid:
                count[c.home] = count.get(c.home, 0) + 1
                picked.add(c.id)
        taken |= picked
        r.post_holders.append(sorted(picked))
        hours = WeeklySchedule.daily(range(7), post.start_hour, post.end_hour, clock)
        for grp in list(r.groups.values()):
            holders = [c for c in grp.members if c.id in picked]
            if not holders:
                continue
            grp.members = [c for c in grp.members if c.id not in picked]
            war = (grp.wartime_schedule or grp.normal).minus(hours)
            name = f"{grp.name} on post {k + 1}"
            r.groups[name] = DutyGroup(len(r.groups), name, grp.role, grp.normal, war, grp.attendance,
                                       grp.cost_per_hour, holders)
