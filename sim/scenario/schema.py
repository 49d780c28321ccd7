"""The scenario schema: the calendar, issue types and the scenario itself, as pydantic models.

Targets are in ``sim.scenario.targets``, roles in ``sim.scenario.roles``, dispatch, visits and wartime in ``sim.scenario.operations``.  Loading (TOML, policies, ``--set``) is in ``sim.scenario.loading``; the error
messages in ``sim.scenario.errors``.  Reference: docs/scenario-reference.md.

Units: the clock is in hours; durations of tasks and SLAs are hours; calendar
spans (horizon, warm-up, emergencies, visit interval) are days.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

import numpy as np

from pydantic import (
    BeforeValidator,
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    field_validator,
    model_validator,
)

from sim.scenario.distributions import Distribution, FieldError, Fixed
from sim.scenario.errors import NOTHING, few
from sim.scenario.fields import LEVELS, MAX_DAYS, MAX_RATE, Days, Weight, _Model
from sim.scenario.grids import Grids
from sim.scenario.headcount import check_headcount
from sim.scenario.operations import Campaign, Dated, Dispatch, Emergency, Visits, Wartime
from sim.scenario.roles import Cadres, Levels, equal_positions, role_refs
from sim.scenario.settling import check_scenario as check_settling, check_type as check_chance, last_level
from sim.scenario.targets import Target
from sim.scenario.settling import settling_notes
from sim.scenario.worsening import Worsening, worsening_notes

# ---------------------------------------------------------------- calendar


class Calendar(_Model):
    start: dt.date = dt.date(2022, 1, 3)
    horizon_days: Days = 365.0
    warmup_days: NonNegativeFloat = 28.0
    # After the horizon the run goes on without new arrivals until the issues of the
    # window are resolved, for at most this long (0: no drain, resolution times censored).
    drain_days: Annotated[float, Field(ge=0, le=MAX_DAYS)] = 365.0

    @field_validator("start", mode="before")
    @classmethod
    def _a_date(cls, v: Any) -> Any:
        if isinstance(v, (int, float)):  # pydantic would read 0 as 1970-01-01
            raise ValueError("give a date such as 2024-01-01; a number is not a date")
        return v

    @field_validator("start", mode="before")
    @classmethod
    def _date_only(cls, v: Any) -> Any:
        if isinstance(v, dt.datetime):
            return v.date()
        return v

    @model_validator(mode="after")
    def _warmup_inside(self) -> "Calendar":
        if self.warmup_days >= self.horizon_days:
            raise FieldError("warmup_days", self.warmup_days,
                             f"must be less than horizon_days ({self.horizon_days})"
                             + self.default_note("warmup_days", "horizon_days"))
        return self


# ---------------------------------------------------------------- issues


class Profile(_Model):
    """Relative arrival intensity; each list is rescaled to mean 1 so the base rate is the average."""

    weekday: list[Weight] = Field(default_factory=lambda: [1.0] * 7, min_length=7, max_length=7)
    hour: list[Weight] = Field(default_factory=lambda: [1.0] * 24, min_length=24, max_length=24)
    month: list[Weight] = Field(default_factory=lambda: [1.0] * 12, min_length=12, max_length=12)

    @model_validator(mode="after")
    def _not_all_zero(self) -> "Profile":
        for name in ("weekday", "hour", "month"):
            if sum(getattr(self, name)) <= 0:
                raise FieldError(name, getattr(self, name), "weights are all zero; at least one must be positive")
        return self


def _level_shares(v: Any) -> Any:
    if isinstance(v, str):
        if v not in LEVELS:
            raise ValueError(f"{v!r} is not a level; allowed: {', '.join(LEVELS)} (or a table of shares)")
        return {v: 1.0}
    return v


class IssueType(Worsening):
    rate_per_1000_households_per_week: Annotated[float, Field(ge=0, le=MAX_RATE)]
    priority: int = Field(default=3, ge=1, le=9, description="1 is served first")
    hidden_share: float = Field(default=0.0, ge=0, le=1)
    report_delay: Distribution = Field(default_factory=lambda: Fixed(dist="fixed", value=1e12))
    service_time: Distribution
    # work where the issue is resolved, per level (or police grid); service_time for the others
    service_time_by_level: dict[Literal["grid", "community", "street", "department", "police"], Distribution] = {}
    intake_time: Distribution = Field(default_factory=lambda: Fixed(dist="fixed", value=0.25))
    # workflow steps that take time without holding anyone: the case waits this long at a level
    # after the level's work there (approval, materials, a scheduled visit), before it moves on
    lead_time_by_level: dict[Literal["grid", "community", "street", "department"], Distribution] = {}
    # 回访: grid work after an escalated issue is resolved above (feedback to the resident); the
    # issue counts as resolved when it is done
    feedback_time: Distribution | None = None
    # 督办: hours an issue may stay at a level (from its arrival there) before supervision raises
    # its priority to supervised_priority, in its queue there and at the levels after
    time_limit_by_level: dict[Literal["grid", "community", "street", "department"], PositiveFloat] = {}
    supervised_priority: int = Field(default=1, ge=1, le=9)
    # direct: intake at the grid, then the resolving office; sequential: every level from the
    # grid up tries in turn, each taking its own work, until the one drawn from `level` resolves it
    escalation: Literal["direct", "sequential"] = "direct"
    level: Annotated[dict[Literal["grid", "community", "street", "department"], NonNegativeFloat],
                     BeforeValidator(_level_shares)] = Field(default_factory=lambda: {"grid": 1.0})
    # sequential only: per role or office, the chance it settles what it works (settling.py); None: drawn from level
    resolve_chance: dict[str, Annotated[float, Field(ge=0, le=1)]] | None = None
    sla_hours: PositiveFloat = 72.0
    # 纠纷不过夜: a cadre whose shift ends while working an issue of this type stays until it is done
    # (overtime, counted as hours on duty; sim/model/overtime.py)
    finish_before_leaving: bool = False
    profile: Profile | None = None
    label: str | None = Field(default=None, description="the type's name as readers see it (figures, reports)")
    label_zh: str | None = Field(default=None, description="the same in Chinese")

    @field_validator("level")
    @classmethod
    def _shares_sum_to_one(cls, v: dict[str, float]) -> dict[str, float]:
        total = sum(v.values())
        if not v or abs(total - 1.0) > 1e-6:
            raise ValueError(f"level shares must sum to 1 (got {total:g}); or give one level name: {', '.join(LEVELS)}")
        return v

    def resolved_at(self) -> set[str]:
        """The levels that resolve some issues of this type (a positive share)."""
        return {lv for lv, share in self.level.items() if share > 0}

    def levels_reached(self) -> set[str]:
        """The levels that work on this type: those that resolve it, (sequential) those it passes, and
        those worsening sends it to."""
        drawn = self.resolved_at()
        if self.escalation == "direct":
            reached = drawn | {"grid"}
        else:
            top = max(LEVELS.index(lv) for lv in drawn) if self.resolve_chance is None else \
                last_level(self.resolve_chance, self.level)
            reached = set(LEVELS[: 1 + top])
        return reached | self.worsened_levels(reached, self.escalation == "sequential" or "grid" in drawn)

    @property
    def shares_text(self) -> str:
        """The level shares as a message shows them: 'grid 0.6, community 0.4'."""
        return ", ".join(f"{k} {v:g}" for k, v in self.level.items())

    @model_validator(mode="after")
    def _by_level_reachable(self) -> "IssueType":
        check_chance(self.resolve_chance, self.escalation)
        # a place's own work applies where the type is resolved, or (sequential) passed on
        worked = self.levels_reached() if self.escalation == "sequential" else self.resolved_at()
        for where in self.service_time_by_level:
            if where != "police" and where not in worked:
                raise FieldError(("service_time_by_level", where), NOTHING,
                                 f"this type is never resolved at {where} (its level shares: {self.shares_text}); "
                                 "give a time only for levels it reaches")
        for field in ("lead_time_by_level", "time_limit_by_level", "worsens_after_by_level"):
            for where in getattr(self, field):
                if where not in self.levels_reached():
                    raise FieldError((field, where), NOTHING,
                                     f"this type never reaches {where} (its level shares: {self.shares_text})")
        if self.time_limit_by_level and self.supervised_priority >= self.priority:
            raise FieldError("supervised_priority", self.supervised_priority,
                             f"supervision must raise the priority: give a number below this type's priority "
                             f"{self.priority} (1 is served first)")
        if self.feedback_time is not None and self.levels_reached() == {"grid"}:
            raise FieldError("feedback_time", NOTHING, "this type is never escalated, so there is no feedback "
                             "to give after an office resolves it; drop feedback_time or add a level above grid")
        return self


class Scenario(_Model):
    name: str = Field(default="scenario", pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    description_zh: str = Field(default="", description="the description in Chinese, for Chinese reports")
    seed: int = Field(default=12345, ge=0)
    replications: PositiveInt = 10
    calendar: Calendar = Calendar()
    grids: Grids
    arrival_profile: Profile = Profile()
    issue_types: dict[str, IssueType] = Field(min_length=1)
    cadres: Cadres = Cadres()
    levels: Levels = Levels()
    dispatch: Dispatch = Dispatch()
    visits: Visits = Visits()
    emergencies: list[Emergency] = []
    campaigns: list[Campaign] = []
    targets: list[Target] = []
    wartime: Wartime = Wartime()
    policies: dict[str, dict[str, Any]] = {}
    policy: str | None = Field(default=None, description="set by the loader: the policy applied")

    @model_validator(mode="after")
    def _cross_refs(self) -> "Scenario":
        types = f"defined issue types: {', '.join(self.issue_types)}"
        for i, em in enumerate(self.emergencies):
            for name, m in em.multipliers.items():
                if name not in self.issue_types:
                    raise FieldError(("emergencies", i, "multipliers", name), m, f"{name!r} is not an issue type; {types}")
        for i, name in enumerate(self.cadres.police.types):
            if name not in self.issue_types:
                raise FieldError(("cadres", "police", "types", i), name, f"not an issue type; {types}")
        owner: dict[str, str] = {}
        for unit, spec in self.levels.department.units.items():
            if not re.fullmatch(r"[A-Za-z0-9_.-]+", unit):
                raise FieldError(("levels", "department", "units", unit), NOTHING,
                                 f"unit name {unit!r} may use only letters, digits, _ . -")
            for j, name in enumerate(spec.types):
                where = ("levels", "department", "units", unit, "types", j)
                if name not in self.issue_types:
                    raise FieldError(where, name, f"not an issue type; {types}")
                if name in owner:
                    raise FieldError(where, name, f"already sent to unit {owner[name]!r}; a type goes to one unit")
                if "department" not in self.issue_types[name].levels_reached():
                    raise FieldError(where, name, f"{name!r} never reaches the department (its level shares: "
                                     f"{self.issue_types[name].shares_text})")
                owner[name] = unit
        for name, it in self.issue_types.items():
            if "police" in it.service_time_by_level and name not in self.cadres.police.types:
                raise FieldError(("issue_types", name, "service_time_by_level", "police"), NOTHING,
                                 f"police grids do not take {name!r} (cadres.police.types: "
                                 f"{', '.join(self.cadres.police.types) or 'none'}); add it there or drop this entry")
        ids = set(self.grids.ids())
        for i, u in enumerate(self.cadres.police.units or []):
            for j, g in enumerate(u.grids):
                if g not in ids:
                    raise FieldError(("cadres", "police", "units", i, "grids", j), g, f"not a grid id; grids: {few(ids)}")
        self._campaign_refs(ids)
        self._sunk_from_table()
        too_many = check_headcount(self)
        if too_many is not None:
            raise FieldError(*too_many)
        for g in self.cadres.sunk.per_grid or {}:
            if g not in ids:
                raise FieldError(("cadres", "sunk", "per_grid", g), self.cadres.sunk.per_grid[g],
                                 f"{g!r} is not a grid id; grids: {few(ids)}")
        self._every_grid_served()
        for name, role in self.cadres.roles.items():
            for j, g in enumerate(role.grids):
                if g not in ids:
                    raise FieldError(("cadres", "roles", name, "grids", j), g, f"not a grid id; grids: {few(ids)}")
        self._task_refs()
        role_refs(self)  # named roles: their types and dates; role names in wartime
        check_settling(self)  # resolve_chance keys, cadres.sunk.department_types
        for name in self.policies:
            if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
                raise FieldError(("policies", name), NOTHING, f"policy name {name!r} may use only letters, digits, _ . -")
        if self.policy is not None and self.policy not in self.policies:
            raise FieldError("policy", self.policy, f"not a defined policy; defined: {', '.join(self.policies) or 'none'}")
        return self

    def _sunk_from_table(self) -> None:
        """``cadres.sunk.allocation = "table"``: each grid's sunk cadres from the grid table, made explicit."""
        sunk = self.cadres.sunk
        if sunk.allocation != "table":
            return
        table = self.grids.table_sunk()
        if table is None:
            source = next((f"{k} = {getattr(self.grids, k)!r}" for k in ("csv", "xlsx", "geojson") if getattr(self.grids, k)),
                          "grids.generate" if self.grids.generate is not None else "grids.list")
            raise FieldError(("cadres", "sunk", "allocation"), "table",
                             f"reads each grid's sunk cadres from the grid table's sunk_cadres column, and {source} "
                             "gives none: add the column, or give count with allocation = \"equal\" or \"households\"")
        total = sum(table.values())
        if "count" in sunk.model_fields_set and sunk.count != total:
            raise FieldError(("cadres", "sunk", "count"), sunk.count,
                             f"must equal the sum of the grid table's sunk_cadres column ({total:,}) with allocation = "
                             "\"table\"; or leave count out (to place another number, give allocation = \"households\")")
        for k, v in (("per_grid", table), ("count", total), ("allocation", "explicit")):
            object.__setattr__(sunk, k, v)  # frozen model: resolved once, as if written grid by grid

    def _every_grid_served(self) -> None:
        """With own-grid dispatch, a grid where no cadre lives would never resolve its issues: refuse it.
        Sunk cadres and named roles allocated by households are taken to reach a grid when there are at
        least as many cadres as grids (largest remainder could still pass over a small grid)."""
        if self.dispatch.rule != "own_grid" or self.cadres.grid_workers.per_grid > 0:
            return
        police = set(self.cadres.police.types) if (self.cadres.police.count or self.cadres.police.units) else set()
        if not any(it.rate_per_1000_households_per_week > 0 and name not in police
                   for name, it in self.issue_types.items()):
            return  # every issue is a police grid's: the grids need no cadre of their own
        order = self.grids.ids()
        served: set[str] = set()
        sunk = self.cadres.sunk
        if sunk.per_grid is not None:
            served.update(g for g, n in sunk.per_grid.items() if n > 0)
        groups = [] if sunk.per_grid is not None else [(sunk.count, None, sunk.allocation, order)]
        for role in self.cadres.roles.values():
            grids = role.grids or order
            groups.append((role.count, role.per_grid, role.allocation, grids))
        somewhere = 0  # cadres allocated by households to grids not known here (fewer cadres than grids)
        filled = dict.fromkeys(order, 0)  # cadres of equal allocations so far, where the next one goes on
        for count, per_grid, allocation, grids in groups:
            if per_grid:
                served.update(grids)
            elif count and allocation == "equal":
                placed = np.bincount(equal_positions(count, np.array([filled[g] for g in grids])), minlength=len(grids))
                for g, n in zip(grids, placed.tolist()):
                    filled[g] += n
                served.update(g for g, n in zip(grids, placed.tolist()) if n)
            elif count and count >= len(grids):
                served.update(grids)
            elif count:
                somewhere += count
        missing = [g for g in order if g not in served]
        if len(missing) > somewhere:
            which = f"at least {len(missing) - somewhere}" if somewhere else f"{len(missing)}"
            listed = f" ({few(missing)})" if not somewhere else ""
            raise FieldError(("cadres", "grid_workers", "per_grid"), 0,
                             f"{which} of {len(order)} grids have no cadre living in them{listed}, so "
                             "their issues would never be resolved under dispatch.rule = \"own_grid\": give grid "
                             "workers, enough sunk cadres or a named role for every grid, or pool the grids of a "
                             "community (dispatch.rule = \"community_pool\")")

    def _task_refs(self) -> None:
        homed = self.cadres.homed()
        names = set()
        for i, em in enumerate(self.emergencies):
            for k, task in enumerate(em.tasks):
                if task.name in names:
                    raise FieldError(("emergencies", i, "tasks", k, "name"), task.name,
                                     "another task has this name; names must differ")
                names.add(task.name)
                for j, role in enumerate(task.roles):
                    if role not in homed:
                        raise FieldError(("emergencies", i, "tasks", k, "roles", j), role,
                                         f"not a role living in grids; allowed: {', '.join(homed)}")

    def _campaign_refs(self, ids: set[str]) -> None:
        homed = self.cadres.homed()
        names = set()
        for i, cp in enumerate(self.campaigns):
            if cp.name in names:
                raise FieldError(("campaigns", i, "name"), cp.name, "another campaign has this name; names must differ")
            names.add(cp.name)
            for j, role in enumerate(cp.roles):
                if role not in homed:
                    raise FieldError(("campaigns", i, "roles", j), role,
                                     f"not a role living in grids; allowed: {', '.join(homed)}")
                if not homed[role].visits:
                    raise FieldError(("campaigns", i, "roles", j), role,
                                     f"cadres.{role}.visits is false: this role does not visit households")
            for j, g in enumerate(cp.grids):
                if g not in ids:
                    raise FieldError(("campaigns", i, "grids", j), g, f"not a grid id; grids: {few(ids)}")
        if self.campaigns and not self.visits.enabled:
            raise FieldError(("campaigns",), NOTHING, "visits.enabled is false: a visit campaign needs visits on")

    # -- derived

    def first_call_hours(self, type_name: str) -> float:
        """Hours an issue of this type is for the named roles that take it alone (the longest of their
        ``first_call_hours``; 0: none)."""
        return max((r.first_call_hours for r in self.cadres.roles.values() if r.types and type_name in r.types),
                   default=0.0)

    def department_unit(self, type_name: str) -> str | None:
        """The named department unit an issue type goes to, or None for the shared department."""
        for unit, spec in self.levels.department.units.items():
            if type_name in spec.types:
                return unit
        return None

    @property
    def horizon_hours(self) -> float:
        return self.calendar.horizon_days * 24.0

    @property
    def warmup_hours(self) -> float:
        return self.calendar.warmup_days * 24.0

    def emergency_window(self, em: Dated) -> tuple[float, float]:
        """Start and end of an emergency (or a campaign) in model hours."""
        s = em.start
        if isinstance(s, dt.datetime):
            start = (s - dt.datetime.combine(self.calendar.start, dt.time())).total_seconds() / 3600
        elif isinstance(s, dt.date):
            start = (s - self.calendar.start).days * 24.0
        else:
            start = float(s) * 24.0
        return start, start + em.duration_days * 24.0

    def measurement_warnings(self) -> list[str]:
        """What in this scenario makes a metric less trustworthy than the user may think."""
        out = []
        cal, v = self.calendar, self.visits
        if v.enabled and cal.warmup_days < v.target_interval_days:
            out.append(
                f"calendar.warmup_days = {cal.warmup_days:g} is shorter than visits.target_interval_days = "
                f"{v.target_interval_days:g}: the run starts with no visit history, so coverage is biased low over "
                f"the first {v.target_interval_days - cal.warmup_days:g} days of the window; "
                f"set warmup_days >= {v.target_interval_days:g} for steady-state coverage")
        if v.enabled and cal.horizon_days - cal.warmup_days < v.target_interval_days:
            out.append(
                f"the measurement window (horizon_days - warmup_days = {cal.horizon_days - cal.warmup_days:g} days) "
                f"is shorter than visits.target_interval_days = {v.target_interval_days:g}: coverage there is "
                f"the share visited since the window began, not within a full interval")
        for kind, items in (("emergencies", self.emergencies), ("campaigns", self.campaigns)):
            for i, item in enumerate(items):
                a, b = self.emergency_window(item)
                if a >= self.horizon_hours or b <= 0:
                    out.append(f"{kind}.{i} ({item.name}) runs from day {a / 24:g} to day {b / 24:g}, outside the run "
                               f"(day 0 to {cal.horizon_days:g}): it has no effect; check its start against "
                               f"calendar.start = {cal.start}")
        out += list(self.grids.notes)
        table, sunk = self.grids.table_sunk(), self.cadres.sunk
        if table is not None and sunk.per_grid != table:
            out.append(f"the grid table's sunk_cadres column ({sum(table.values()):,} cadres) is not used: "
                       f"cadres.sunk.allocation = \"{sunk.allocation}\" places {sunk.count:,}; "
                       "set allocation = \"table\" to place them as the column says")
        for lv in ("community", "street", "department"):
            unstaffed = getattr(self.levels, lv).staff_per_unit == 0
            sent = [name for name, it in self.issue_types.items() if lv in it.levels_reached()
                    and it.rate_per_1000_households_per_week > 0 and (lv != "department" or not self.department_unit(name))]
            if unstaffed and sent:
                out.append(f"levels.{lv}.staff_per_unit = 0: the issues of {', '.join(sent)} that reach {lv} level "
                           "are never resolved (they stay open, and count against completion); give staff unless "
                           "that is the point")
        if cal.drain_days == 0:
            out.append("calendar.drain_days = 0: issues still open at the horizon are left out of resolution "
                       "times and SLA attainment, which are then biased low (censored)")
        pol = self.cadres.police
        synthetic = [what for what, used in (
            ('dispatch.travel = "distance": travel times', self.dispatch.travel == "distance"),
            ('cadres.police.blocks = "contiguous": police grids', pol.blocks == "contiguous" and pol.units is None
             and pol.count > 0)) if used and not self.grids.geometry]
        for what in synthetic:
            out.append(f"{what} come from a synthetic layout of the grids (no grids.geojson), not the real map: "
                       "distances and neighbours are nominal")
        return out + worsening_notes(self) + settling_notes(self)


