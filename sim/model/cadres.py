"""Cadres and duty groups (cadres sharing one weekly schedule)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model.attendance import Turnout
from sim.model.clock import WeeklySchedule
from sim.model.dispatch import Unit

# a cadre's state: off duty, idle (visiting households if it visits), at work on an issue, in the reserved
# visiting at the start of a shift (visits.mode = "scheduled"), working on an emergency task (tasks.py), or
# off duty but staying to finish an issue of a type finished before leaving (overtime.py)
OFF, IDLE, BUSY, RESERVED, TASK, OVERTIME = 0, 1, 2, 3, 4, 5


class Cadre:
    """What stays with a cadre; its state (OFF, IDLE, BUSY...) and issue in hand are entries of the Crew's
    arrays, its visiting flag of the Visits', indexed by ``id``, so that shift changes set them in bulk."""

    __slots__ = ("id", "role", "home", "unit", "visits", "since", "remaining", "token", "travel_left", "skill")

    def __init__(self, cid: int, role: int, home: int, unit: Unit, visits: bool):
        self.id = cid
        self.role = role  # index into the scenario's role names (cadres.role_names: ROLES, then named roles)
        self.home = home  # grid index, -1 for police and escalation staff
        self.unit = unit
        self.visits = visits  # does this cadre visit households when idle
        self.since = 0.0  # when the current stretch of work began
        self.remaining = 0.0  # work left on the issue in hand
        self.token = 0  # bumps to invalidate a scheduled completion
        self.travel_left = 0.0  # part of ``remaining`` that is travel to the grid
        self.skill = 0  # in a SkilledUnit: its skill set (the issue types it takes)


@dataclass
class DutyGroup:
    """Cadres whose on/off duty changes happen together: one event per change, not one per cadre."""

    index: int
    name: str
    role: int
    normal: WeeklySchedule
    wartime_schedule: WeeklySchedule | None  # None when wartime does not call this role
    attendance: float = 1.0  # the chance that a member turns up for a shift
    cost_per_hour: float | None = None  # what an hour on duty costs (None: not given)
    members: list[Cadre] = field(default_factory=list)
    on: bool = False
    on_since: float = 0.0
    token: int = 0
    schedule: WeeklySchedule | None = None
    turnout: Turnout | None = None  # draws who turns up, when attendance < 1
    absent: list[int] = field(default_factory=list)  # members absent from the current shift
    # the members a shift change touches: all (set when the run starts), but in the drain after the
    # horizon only those whose work can still matter (Duty.narrow_to_live_units)
    active: list[Cadre] = field(default_factory=list)
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.intp))  # the active members' ids
    # reserved visits (visits.mode = "scheduled") come once per calendar day on duty: the next midnight
    # at which the group's duty goes on (an event is pending for it), and the day and hours reserved so far
    next_day: float = -1.0
    quota_day: int = -1
    quota_used: float = 0.0

    def __post_init__(self) -> None:
        self.schedule = self.normal
