"""How a district operates: dispatch, household visits, emergencies and wartime mode.

Reference: docs/scenario-reference.md (dispatch, visits, emergencies, wartime).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, NonNegativeFloat, PositiveFloat, PositiveInt, model_validator

from sim.scenario.distributions import Distribution, FieldError, Fixed
from sim.scenario.errors import NOTHING
from sim.scenario.fields import Days, Hour, Hours, Weight, _Model


class Dispatch(_Model):
    rule: Literal["own_grid", "community_pool"] = "own_grid"
    # drawn: travel_time per issue; distance: overhead_hours + centroid distance / speed_kmh (by the cadre's origin)
    travel: Literal["drawn", "distance"] = "drawn"
    travel_time: Distribution = Field(default_factory=lambda: Fixed(dist="fixed", value=0.25))
    speed_kmh: float = Field(default=15.0, gt=0, le=1000)  # effective: straight lines are shorter than roads
    overhead_hours: float = Field(default=0.1, ge=0, le=24)  # getting going and finding the household
    at_shift_end: Literal["resume", "handback"] = "resume"

    @model_validator(mode="after")
    def _travel_fields_match(self) -> "Dispatch":
        # travel_time may stay beside travel = "distance" (unused), so that a policy or --set can switch a
        # scenario that draws travel over to distances; speed and overhead without distances are a mistake
        for f in ("speed_kmh", "overhead_hours"):
            if self.travel == "drawn" and f in self.model_fields_set:
                raise FieldError(f, getattr(self, f), 'applies only with travel = "distance" (travel is "drawn": '
                                 "each issue draws travel_time); set dispatch.travel = \"distance\" or drop it")
        return self

    def trip_hours(self, km: float) -> float:
        """Hours to reach a grid ``km`` away (straight line between centroids) with travel = "distance"."""
        return self.overhead_hours + km / self.speed_kmh


class Visits(_Model):
    enabled: bool = True
    target_interval_days: Days = 30.0
    households_per_hour: Annotated[float, Field(gt=0, le=1000)] = 3.0
    discovery_probability: float = Field(default=0.8, ge=0, le=1)
    # idle: visits fill idle time only; scheduled: the start of each shift is reserved for visits
    # (shift_share of it, or the hours a daily quota of households takes), then idle time as well
    mode: Literal["idle", "scheduled"] = "idle"
    shift_share: float | None = Field(default=None, gt=0, le=1)
    households_per_day: PositiveFloat | None = None
    # with mode = "scheduled" (unused in "idle" mode): idle time visits at this share of households_per_hour
    # (visiting is a duty, done in the reserve; the rest of the day goes to other duties: docs/scenario-reference.md)
    idle_pace_share: float | None = Field(default=None, ge=0, le=1)
    # issues of this priority or more urgent (a smaller number) call a cadre away from reserved visits
    # and from emergency tasks
    interrupt_priority: int = Field(default=1, ge=1, le=9)

    @model_validator(mode="after")
    def _reserve_given_once(self) -> "Visits":
        given = [f for f in ("shift_share", "households_per_day") if getattr(self, f) is not None]
        if self.mode == "idle" and given:
            raise FieldError(given[0], getattr(self, given[0]), 'reserves visiting time only with mode = "scheduled"; '
                             'set visits.mode = "scheduled" or drop it')
        if self.mode == "scheduled" and len(given) != 1:
            raise FieldError("mode", "scheduled", "give exactly one of shift_share (a share of each shift, 0-1) "
                             f"or households_per_day (a daily quota per cadre); given: {', '.join(given) or 'neither'}")
        return self

    def idle_pace(self, role_share: float | None) -> float:
        """The share of the full pace at which a cadre visits in idle time: 1 in "idle" mode; in "scheduled"
        mode its role's ``idle_pace_share`` if given, else this table's (default 0)."""
        if self.mode == "idle":
            return 1.0
        return role_share if role_share is not None else (self.idle_pace_share or 0.0)

    def reserved_hours(self, shift_hours: float) -> float:
        """Hours at the start of a shift of ``shift_hours`` reserved for visits (0 in idle mode)."""
        if self.mode == "idle":
            return 0.0
        if self.shift_share is not None:
            return self.shift_share * shift_hours
        return min(shift_hours, self.households_per_day / self.households_per_hour)


class Dated(_Model):
    """Something that happens for a while: from ``start`` for ``duration_days``."""

    start: dt.datetime | dt.date | NonNegativeFloat = Field(
        description="a date, a date-time, or a number of days (>= 0) after calendar.start"
    )
    duration_days: Days

    @model_validator(mode="after")
    def _local_time(self) -> "Dated":
        if isinstance(self.start, dt.datetime) and self.start.tzinfo is not None:
            raise FieldError("start", self.start, "give a local date-time without a UTC offset, e.g. 2022-07-21T06:00:00")
        return self


class Task(_Model):
    """Work an emergency brings by itself (003's silt clearing and warnings, 004's mass testing):
    in every grid, ``hours`` of work by each of ``crew`` cadres per household (or per grid), done by
    the cadres of ``roles`` living there, from the emergency's start, before anything but urgent issues
    (``visits.interrupt_priority`` or more urgent: these call a cadre off the task, as off reserved visits)."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    label: str | None = Field(default=None, description="the task's name as readers see it (figures, reports)")
    label_zh: str | None = Field(default=None, description="the same in Chinese")
    per: Literal["household", "grid"] = "household"
    hours: PositiveFloat  # each crew member's hours per unit (a household, or the grid)
    crew: PositiveInt = 1
    deadline_hours: PositiveFloat  # from the task's start: units done by then are on time
    start_after_hours: NonNegativeFloat = 0.0  # from the emergency's start
    roles: list[str] = Field(default_factory=lambda: ["grid_workers", "sunk"], min_length=1)


class Emergency(Dated):
    name: str = "emergency"
    label: str | None = Field(default=None, description="the emergency's name as readers see it (figures, reports)")
    label_zh: str | None = Field(default=None, description="the same in Chinese")
    multipliers: dict[str, Weight] = {}
    wartime: bool = True
    tasks: list[Task] = []


class Campaign(Dated):
    """A visit campaign (a registration drive, 000's whole-village visits): the cadres of ``roles``
    living in ``grids`` spend ``share`` of each shift visiting there, until ``target_households``
    visits are made in those grids or the campaign's days are over."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    label: str | None = Field(default=None, description="the campaign's name as readers see it (figures, reports)")
    label_zh: str | None = Field(default=None, description="the same in Chinese")
    grids: list[str] = []  # grid ids; empty: every grid
    target_households: PositiveInt | None = None  # default: every household of its grids once
    roles: list[str] = Field(default_factory=lambda: ["grid_workers", "sunk"], min_length=1)
    share: float = Field(default=1.0, gt=0, le=1)


class Post(Hours):
    """Fixed posts in wartime (checkpoints, hazard watch): ``per_grid`` cadres of ``role`` in each grid
    hold a post from start_hour to end_hour every day, unavailable for issues and visits."""

    role: str  # a role living in grids: grid_workers, sunk or a named role (checked by the scenario)
    per_grid: PositiveInt = 1


class Wartime(Hours):
    """Wartime mode: the named roles add these hours, every day, to their normal shifts."""

    trigger: Literal["off", "scheduled", "backlog", "both"] = "scheduled"
    roles: list[str] = ["grid_workers", "sunk"]  # built-in or named roles (checked by the scenario)
    start_hour: Hour = 7.0
    end_hour: Hour = 21.0
    pause_visits: bool = True
    # hours from the declaration of wartime until its duty, posts and visit pause take effect
    mobilisation_hours: NonNegativeFloat = 0.0
    posts: list[Post] = []
    enter_backlog_per_grid: PositiveFloat = 5.0
    exit_backlog_per_grid: NonNegativeFloat = 2.0

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> "Wartime":
        if self.posts and self.trigger == "off":
            raise FieldError("posts", NOTHING, "wartime.trigger is \"off\", so posts are never held; "
                             "give a trigger or drop the posts")
        if self.exit_backlog_per_grid >= self.enter_backlog_per_grid:
            raise FieldError(
                "exit_backlog_per_grid", self.exit_backlog_per_grid,
                f"must be below enter_backlog_per_grid ({self.enter_backlog_per_grid})"
                + self.default_note("exit_backlog_per_grid", "enter_backlog_per_grid"),
            )
        return self
