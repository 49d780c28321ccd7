"""The roster: who serves where and when, built from the scenario before the run.

Dispatch units (grids or community pools, police grids, escalation offices),
the cadres in them, and duty groups (cadres sharing one weekly schedule, so
that a shift change is one event, not one per cadre).  Sunk cadres are
allocated to grids and given staggered service days by documented rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model.cadres import Cadre, DutyGroup
from sim.model.clock import Clock, WeeklySchedule
from sim.model.dispatch import Unit
from sim.model.district import District
from sim.scenario import ROLES, WEEKDAYS, Attended, Scenario


def allocate_sunk(scenario: Scenario, district: District) -> np.ndarray:
    """Home grid of each sunk cadre: round-robin (``equal``) or by largest remainder on households."""
    count, n = scenario.cadres.sunk.count, district.n
    if scenario.cadres.sunk.allocation == "equal":
        return np.arange(count) % n
    quota = count * district.households / district.households.sum()
    per_grid = np.floor(quota).astype(int)
    short = count - per_grid.sum()
    per_grid[np.argsort(-(quota - per_grid), kind="stable")[:short]] += 1
    return np.repeat(np.arange(n), per_grid)


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
    post_holders: list[int] = field(default_factory=list)  # per wartime post, the cadres holding it


def build_roster(sc: Scenario, d: District, clock: Clock) -> Roster:
    """Units, cadres and duty groups; offices that no issue can reach get no staff."""
    if sc.dispatch.rule == "community_pool":
        pools = [Unit(f"pool {c}", pooled=True) for c in d.community_names]
        grid_unit = [pools[c] for c in d.community.tolist()]
    else:
        grid_unit = [Unit(f"grid {gid}") for gid in d.ids]
    units = sc.levels.department.units
    r = Roster(grid_unit, [Unit(f"police {u + 1}") for u in range(d.n_police_units)],
               [[Unit(f"community {c}") for c in d.community_names],
                [Unit(f"street {s}") for s in d.street_names],
                [Unit("department")] + [Unit(f"department {name}") for name in units]])
    wt = sc.wartime

    def group(name: str, role: str, shift: Attended, days: tuple[str, ...] | None = None) -> DutyGroup:
        if name not in r.groups:
            day_idx = [WEEKDAYS.index(x) for x in (days or shift.days)]
            normal = WeeklySchedule.daily(day_idx, shift.start_hour, shift.end_hour, clock)
            war = None
            if wt.trigger != "off" and role in wt.roles:  # wartime hours add to the normal shifts
                war = normal.union(WeeklySchedule.daily(range(7), wt.start_hour, wt.end_hour, clock))
            r.groups[name] = DutyGroup(len(r.groups), name, ROLES.index(role), normal, war, shift.attendance,
                                      shift.cost_per_hour)
        return r.groups[name]

    def add(role: str, home: int, unit: Unit, visits: bool, grp: DutyGroup) -> None:
        c = Cadre(len(r.cadres), ROLES.index(role), home, unit, visits)
        r.cadres.append(c)
        grp.members.append(c)

    gw = sc.cadres.grid_workers
    if gw.per_grid:
        grp = group("grid_workers", "grid_workers", gw)
        for g in range(d.n):
            for _ in range(gw.per_grid):
                add("grid_workers", g, r.grid_unit[g], gw.visits, grp)
    sunk = sc.cadres.sunk
    homes = allocate_sunk(sc, d)
    for h, days in zip(homes.tolist(), sunk_days(sc, homes)):
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
    assign_posts(sc, r, clock)
    return r


def assign_posts(sc: Scenario, r: Roster, clock: Clock) -> None:
    """Wartime posts: in each grid, the first ``per_grid`` cadres of the post's role (in roster order)
    not on another post hold it.  They move to duty groups of their own, whose wartime schedule is
    their group's without the post's hours: in those hours they are on the post, not on issues."""
    taken: set[int] = set()
    for k, post in enumerate(sc.wartime.posts):
        count: dict[int, int] = {}
        picked: set[int] = set()
        for c in r.cadres:
            if ROLES[c.role] == post.role and c.id not in taken and count.get(c.home, 0) < post.per_grid:
                count[c.home] = count.get(c.home, 0) + 1
                picked.add(c.id)
        taken |= picked
        r.post_holders.append(len(picked))
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
