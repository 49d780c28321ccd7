"""The people of a scenario: each role's table (hours, days, attendance, cost) and the offices above the grid.

Reference: docs/scenario-reference.md (cadres, levels).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, Literal

import numpy as np

from pydantic import Field, NonNegativeFloat, NonNegativeInt, PositiveInt, model_validator

from sim.scenario.distributions import Distribution, FieldError, Fixed
from sim.scenario.errors import NOTHING
from sim.scenario.fields import ROLES, WEEKDAYS, Hour, Hours, Shift, Weekdays, _Model


class RoleTerms(_Model):
    """What every role's table may say besides its hours: attendance and the cost of an hour."""

    attendance: float = Field(default=1.0, gt=0, le=1)  # the chance a cadre turns up for a shift (003's 考勤)
    cost_per_hour: NonNegativeFloat | None = None


class Visitor(_Model):
    """What a role living in grids may say of its visits."""

    # with visits.mode = "scheduled" (unused otherwise, so that a policy may switch the mode): this role's idle
    # time visits at this share of the pace (None: visits.idle_pace_share)
    idle_pace_share: float | None = Field(default=None, ge=0, le=1)


class GridWorkers(Shift, RoleTerms, Visitor):
    per_grid: int = Field(default=1, ge=0)
    days: Weekdays = list(WEEKDAYS[:6])
    start_hour: Hour = 8.5
    end_hour: Hour = 17.5
    visits: bool = True


class Sunk(Hours, RoleTerms, Visitor):
    """Sunk cadres: ``count`` office staff allocated to grids, serving on ``service_days``.

    Each cadre serves ``days_per_cadre`` of the listed days.  The j-th cadre of
    grid g takes them from position (g + j) * days_per_cadre onwards, cyclically,
    so with five days and one day per cadre the cadres of every grid, and of the
    district, are spread evenly over the week.
    """

    count: int = Field(default=0, ge=0)
    allocation: Literal["equal", "households", "explicit", "table"] = "equal"
    per_grid: dict[str, NonNegativeInt] | None = None  # with allocation = "explicit": grid id -> cadres
    service_days: Weekdays = ["Wed"]
    days_per_cadre: PositiveInt | None = None
    start_hour: Hour = 9.0
    end_hour: Hour = 17.0
    visits: bool = True
    # issue types that would go to a department and that a sunk cadre settles at the grid, bringing its
    # department's reach with it (把问题带出网格; sim/scenario/settling.py)
    department_types: list[str] = []

    @model_validator(mode="after")
    def _explicit_allocation(self) -> "Sunk":
        """An explicit allocation names each grid's cadres; ``count`` is then their sum (given or not).

        ``table`` reads them from the grid table's ``sunk_cadres`` column: the scenario turns it into
        an explicit allocation once the grids are read (:meth:`from_table`)."""
        if self.allocation == "table" and self.per_grid is None:
            return self
        if (self.allocation == "explicit") != (self.per_grid is not None):
            if self.per_grid is None:
                raise FieldError("per_grid", NOTHING, 'allocation = "explicit" needs per_grid, a table of grid id = '
                                 "number of sunk cadres (grids not named get none)")
            raise FieldError("allocation", self.allocation, 'per_grid (cadres grid by grid) needs allocation = '
                             '"explicit"; or drop per_grid and give count (or use the grid table\'s sunk_cadres '
                             'column with allocation = "table")')
        if self.per_grid is not None:
            total = sum(self.per_grid.values())
            if "count" in self.model_fields_set and self.count != total:
                raise FieldError("count", self.count, f"must equal the sum of per_grid ({total:,}) with an explicit "
                                 "allocation; or leave count out")
            object.__setattr__(self, "count", total)  # frozen model: count follows from per_grid
        return self

    @model_validator(mode="after")
    def _days_per_cadre_fits(self) -> "Sunk":
        if self.days_per_cadre is not None and self.days_per_cadre > len(self.service_days):
            raise FieldError(
                "days_per_cadre", self.days_per_cadre,
                f"cannot exceed the number of service_days ({len(self.service_days)})",
            )
        return self


class PoliceUnit(_Model):
    grids: list[str] = Field(min_length=1)


class Police(Shift, RoleTerms):
    """Police grids: ``count`` blocks of grids (or the explicit ``units``), whose officers take the
    issue types listed in ``types`` for their grids (they do not visit).  ``blocks``: consecutive
    grids in grid order, or contiguous grids (touching polygons, within streets where count allows)."""

    units: list[PoliceUnit] | None = None
    count: int = Field(default=0, ge=0, description="number of police grids when units is not given")
    blocks: Literal["consecutive", "contiguous"] = "consecutive"
    officers_per_unit: PositiveInt = 1
    types: list[str] = []
    days: Weekdays = list(WEEKDAYS)
    start_hour: Hour = 8.0
    end_hour: Hour = 20.0

    @model_validator(mode="after")
    def _blocks_need_count(self) -> "Police":
        if "blocks" in self.model_fields_set and self.units is not None:
            raise FieldError("blocks", self.blocks, "shapes the count blocks; explicit units list their own grids: "
                             "drop blocks or units")
        return self


class Level(Shift, RoleTerms):
    """Staff of an escalation level: ``staff_per_unit`` per community/street, or in total for department."""

    staff_per_unit: int = Field(default=1, ge=0)


class NamedRole(Shift, RoleTerms, Visitor):
    """A role of the scenario's own (``[cadres.roles.NAME]``): part-time grid workers, in-service party
    members, volunteers, campaign cadres.  Its members live in grids (``per_grid`` in each, or ``count``
    allocated as sunk cadres are) and join their grid's dispatch unit; they serve ``days`` from
    start_hour to end_hour, only from ``start`` to ``end`` (inclusive) if given, and take only the
    issue ``types`` listed (all if not given).  ``grids`` limits where they live (a campaign's
    compounds, say)."""

    label: str | None = Field(default=None, description="the role's name as readers see it (figures, reports)")
    label_zh: str | None = Field(default=None, description="the same in Chinese")
    per_grid: NonNegativeInt | None = None
    count: NonNegativeInt | None = None
    allocation: Literal["equal", "households"] = "equal"
    grids: list[str] = []  # where its members live (grid ids); empty: every grid
    start: dt.date | NonNegativeInt | None = Field(
        default=None, description="first day served: a date, or whole days after calendar.start (0: that day)")
    end: dt.date | NonNegativeInt | None = Field(
        default=None, description="last day served (inclusive): a date, or whole days after calendar.start")
    types: list[str] | None = Field(default=None, min_length=1)
    # an issue of one of ``types`` reported in a grid where this role has cadres is theirs alone for this
    # many hours (its first call: the grid worker organises the volunteers, 001); then any cadre's
    first_call_hours: NonNegativeFloat = 0.0
    visits: bool = True

    @model_validator(mode="after")
    def _one_size(self) -> "NamedRole":
        given = [f for f in ("per_grid", "count") if getattr(self, f) is not None]
        if len(given) != 1:
            raise FieldError(given[-1] if given else "per_grid", getattr(self, given[-1]) if given else NOTHING,
                             "give exactly one of per_grid (cadres in each grid) or count (cadres in the district, "
                             f"allocated by `allocation`); given: {' and '.join(given) or 'neither'}")
        if self.per_grid is not None and "allocation" in self.model_fields_set:
            raise FieldError("allocation", self.allocation, "applies only with count; with per_grid every grid "
                             "has the same number: drop allocation or give count")
        if self.first_call_hours > 0 and self.types is None:
            raise FieldError("first_call_hours", self.first_call_hours, "gives this role's cadres the first call on "
                             "the issue types they take: give types too, or drop first_call_hours")
        if self.types is not None:
            twice = sorted({t for t in self.types if self.types.count(t) > 1})
            if twice:
                raise FieldError("types", self.types, f"{', '.join(twice)} listed more than once; give each type once")
        return self

    def window(self, calendar_start: dt.date) -> tuple[float, float]:
        """The hours [from, to) of model time in which the role serves (-inf, inf: always)."""
        def day(v: dt.date | int) -> int:
            return (v - calendar_start).days if isinstance(v, dt.date) else int(v)
        lo = -math.inf if self.start is None else day(self.start) * 24.0
        hi = math.inf if self.end is None else (day(self.end) + 1) * 24.0
        return lo, hi


def equal_positions(count: int, filled: np.ndarray) -> np.ndarray:
    """Where ``count`` cadres allocated "equal" live: positions into a list of grids whose cadres of earlier
    equal allocations are ``filled``.  Round-robin from the least filled grid (ties in grid order): the first
    allocation starts at the first grid, and a second one (sunk cadres, then named roles) goes on where the
    first stopped instead of filling the same first grids again."""
    order = np.argsort(filled, kind="stable")
    return order[np.arange(count) % len(order)]


# names a named role may not take: the built-in roles, and "total" (cost_total is a metric of its own)
RESERVED_NAMES = ROLES + ("total",)


class Cadres(_Model):
    grid_workers: GridWorkers = GridWorkers()
    sunk: Sunk = Sunk()
    police: Police = Police()
    roles: dict[str, NamedRole] = {}

    @model_validator(mode="after")
    def _role_names(self) -> "Cadres":
        for name in self.roles:
            if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
                raise FieldError(("roles", name), NOTHING, f"role name {name!r} may use only letters, digits, _ . -")
            if name in RESERVED_NAMES:
                raise FieldError(("roles", name), NOTHING, f"role name {name!r} is taken by a built-in role or "
                                 f"metric; names not allowed: {', '.join(RESERVED_NAMES)}")
        return self

    @property
    def role_names(self) -> tuple[str, ...]:
        """Every role's name: the built-in ROLES, then the named roles in file order (a cadre's role indexes this)."""
        return ROLES + tuple(self.roles)

    def homed(self) -> dict[str, Any]:
        """The tables of the roles whose cadres live in grids: grid workers, sunk cadres and the named roles."""
        return {"grid_workers": self.grid_workers, "sunk": self.sunk, **self.roles}


class DepartmentUnit(Shift, RoleTerms):
    """A named district department ("网格吹哨、部门报到"): its own staff, hours, issue types and response time."""

    staff: int = Field(default=1, ge=1)
    types: list[str] = Field(min_length=1, description="issue types escalated to the department that go to this unit")
    label: str | None = Field(default=None, description="the department's name as readers see it")
    label_zh: str | None = Field(default=None, description="the same in Chinese")
    response_time: Distribution = Field(default_factory=lambda: Fixed(dist="fixed", value=0.0),
                                        description="hours from the call until the unit can start work")


# a role's table: working hours and attendance
Attended = GridWorkers | Sunk | Police | Level | DepartmentUnit | NamedRole


class Department(Level):
    """The district's departments: one shared office (``staff_per_unit`` staff), plus named units."""

    units: dict[str, DepartmentUnit] = {}


class Levels(_Model):
    community: Level = Level(staff_per_unit=1)
    street: Level = Level(staff_per_unit=1)
    department: Department = Department(staff_per_unit=2)


def role_refs(sc: Any) -> None:
    """Scenario-level checks of the named roles (``sc``: a Scenario): their issue types, start before end,
    every issue type taken by someone at the grids, and role names in wartime.roles and wartime.posts."""
    types = f"defined issue types: {', '.join(sc.issue_types)}"
    for name, role in sc.cadres.roles.items():
        for j, t in enumerate(role.types or ()):
            if t not in sc.issue_types:
                raise FieldError(("cadres", "roles", name, "types", j), t, f"not an issue type; {types}")
        lo, hi = role.window(sc.calendar.start)
        if hi <= lo:
            raise FieldError(("cadres", "roles", name, "end"), role.end,
                             f"is before start ({role.start}): the role would never serve; give an end on or after it")
    homed = sc.cadres.homed()
    # sunk cadres' per_grid is a table (their count is its sum); the others' a number
    staffed = {n: t for n, t in homed.items()
               if (t.count if isinstance(t, Sunk) else getattr(t, "per_grid", None) or getattr(t, "count", None) or 0) > 0}
    if any(getattr(t, "types", None) is not None for t in staffed.values()) and \
            all(getattr(t, "types", None) is not None for t in staffed.values()):
        taken = {x for t in staffed.values() for x in t.types}
        if sc.cadres.police.count or sc.cadres.police.units:  # police grids take their types
            taken |= set(sc.cadres.police.types)
        for t in sc.issue_types:
            if t not in taken:
                raise FieldError(("issue_types", t), NOTHING,
                                 f"no cadre in the grids takes this type: every role living in grids that has cadres "
                                 f"({', '.join(staffed)}) lists its types, and none lists {t!r}; add it to a role's "
                                 "types, or staff a role that takes every type (e.g. cadres.grid_workers.per_grid)")
    allowed = sc.cadres.role_names
    for j, role in enumerate(sc.wartime.roles):
        if role not in allowed:
            raise FieldError(("wartime", "roles", j), role, f"not a role; allowed: {', '.join(allowed)}")
    for k, post in enumerate(sc.wartime.posts):
        if post.role not in homed:
            raise FieldError(("wartime", "posts", k, "role"), post.role,
                             f"not a role living in grids; allowed: {', '.join(homed)}")
