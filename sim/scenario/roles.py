"""The people of a scenario: each role's table (hours, days, attendance, cost) and the offices above the grid.

Reference: docs/scenario-reference.md (cadres, levels).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, NonNegativeFloat, PositiveInt, model_validator

from sim.scenario.distributions import Distribution, FieldError, Fixed
from sim.scenario.fields import WEEKDAYS, Hour, Hours, Shift, Weekdays, _Model


class RoleTerms(_Model):
    """What every role's table may say besides its hours: attendance and the cost of an hour."""

    attendance: float = Field(default=1.0, gt=0, le=1)  # the chance a cadre turns up for a shift (003's 考勤)
    cost_per_hour: NonNegativeFloat | None = None


class GridWorkers(Shift, RoleTerms):
    per_grid: int = Field(default=1, ge=0)
    days: Weekdays = list(WEEKDAYS[:6])
    start_hour: Hour = 8.5
    end_hour: Hour = 17.5
    visits: bool = True


class Sunk(Hours, RoleTerms):
    """Sunk cadres: ``count`` office staff allocated to grids, serving on ``service_days``.

    Each cadre serves ``days_per_cadre`` of the listed days.  The j-th cadre of
    grid g takes them from position (g + j) * days_per_cadre onwards, cyclically,
    so with five days and one day per cadre the cadres of every grid, and of the
    district, are spread evenly over the week.
    """

    count: int = Field(default=0, ge=0)
    allocation: Literal["equal", "households"] = "equal"
    service_days: Weekdays = ["Wed"]
    days_per_cadre: PositiveInt | None = None
    start_hour: Hour = 9.0
    end_hour: Hour = 17.0
    visits: bool = True

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
    """Police grids: ``count`` blocks of consecutive grids (or the explicit ``units``), whose
    officers take the issue types listed in ``types`` for their grids (they do not visit)."""

    units: list[PoliceUnit] | None = None
    count: int = Field(default=0, ge=0, description="number of police grids when units is not given")
    officers_per_unit: PositiveInt = 1
    types: list[str] = []
    days: Weekdays = list(WEEKDAYS)
    start_hour: Hour = 8.0
    end_hour: Hour = 20.0


class Level(Shift, RoleTerms):
    """Staff of an escalation level: ``staff_per_unit`` per community/street, or in total for department."""

    staff_per_unit: int = Field(default=1, ge=0)


class Cadres(_Model):
    grid_workers: GridWorkers = GridWorkers()
    sunk: Sunk = Sunk()
    police: Police = Police()


class DepartmentUnit(Shift, RoleTerms):
    """A named district department ("网格吹哨、部门报到"): its own staff, hours, issue types and response time."""

    staff: int = Field(default=1, ge=1)
    types: list[str] = Field(min_length=1, description="issue types escalated to the department that go to this unit")
    response_time: Distribution = Field(default_factory=lambda: Fixed(dist="fixed", value=0.0),
                                        description="hours from the call until the unit can start work")


# a role's table: working hours and attendance
Attended = GridWorkers | Sunk | Police | Level | DepartmentUnit


class Department(Level):
    """The district's departments: one shared office (``staff_per_unit`` staff), plus named units."""

    units: dict[str, DepartmentUnit] = {}


class Levels(_Model):
    community: Level = Level(staff_per_unit=1)
    street: Level = Level(staff_per_unit=1)
    department: Department = Department(staff_per_unit=2)
