"""Field types and the base model shared by every table of a scenario file.

Weekdays, hours of the day, and the strict base model: unknown keys, NaN and
booleans where numbers are expected are all refused.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.scenario.distributions import FieldError, no_bool_as_number

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WEEKDAY_ALIASES = {name.lower(): i for i, name in enumerate(WEEKDAYS)} | {
    full: i
    for i, full in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
}
LEVELS = ("grid", "community", "street", "department")
WORKPLACES = LEVELS + ("police",)  # where an issue can be resolved: a level, or a police grid
ROLES = ("grid_workers", "sunk", "police", "community", "street", "department")


# ---------------------------------------------------------------- field types


def _weekday(v: Any) -> str:
    if isinstance(v, str) and v.strip().lower() in _WEEKDAY_ALIASES:
        return WEEKDAYS[_WEEKDAY_ALIASES[v.strip().lower()]]
    raise ValueError(f"{v!r} is not a weekday name; allowed: {', '.join(WEEKDAYS)} (or full names, any case)")


def _weekday_list(v: Any) -> Any:
    # "Mon+Thu" on the command line means ["Mon", "Thu"].
    if isinstance(v, str):
        v = [p for p in re.split(r"[+,\s]+", v) if p]
    return v


def _each_once(v: list[str]) -> list[str]:
    # a day listed twice would make counts of days (days_per_cadre) lie
    twice = sorted({d for d in v if v.count(d) > 1}, key=WEEKDAYS.index)
    if twice:
        raise ValueError(f"{', '.join(twice)} listed more than once; give each day once")
    return v


Weekday = Annotated[str, BeforeValidator(_weekday)]
Weekdays = Annotated[list[Weekday], BeforeValidator(_weekday_list), AfterValidator(_each_once), Field(min_length=1)]
Hour = Annotated[float, Field(ge=0, le=24)]

# Plausible upper bounds (docs/scenario-reference.md, "Limits"): far beyond any district, they keep a
# typo such as 1e12 from reaching the model, where it would exhaust memory or overflow.
MAX_DAYS = 36_500.0  # a calendar span: a hundred years
MAX_RATE = 100_000.0  # issues per 1,000 households per week: a hundred a household
MAX_FACTOR = 10_000.0  # an arrival multiplier or a profile weight
Days = Annotated[float, Field(gt=0, le=MAX_DAYS)]
Weight = Annotated[float, Field(ge=0, le=MAX_FACTOR)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_as_number(cls, v: Any, info: ValidationInfo) -> Any:
        return no_bool_as_number(cls.model_fields[info.field_name].annotation, v)

    def default_note(self, *names: str) -> str:
        """For a message about fields in conflict: name those whose value is the default, which the
        reader did not write and will not find in the file."""
        return "".join(f"; the file does not give {n}: {getattr(self, n)!r} is its default" for n in names
                       if n not in self.model_fields_set)


class Hours(_Model):
    """Daily working hours on the local clock, within one day (end > start)."""

    start_hour: Hour = 8.0
    end_hour: Hour = 17.0

    @model_validator(mode="after")
    def _hours_ordered(self) -> "Hours":
        if self.end_hour <= self.start_hour:
            raise FieldError(
                "end_hour", self.end_hour,
                f"must be after start_hour ({self.start_hour}); shifts past midnight are not supported",
            )
        return self


class Shift(Hours):
    """Working days and hours."""

    days: Weekdays = list(WEEKDAYS[:5])
