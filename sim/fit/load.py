"""The offices' load in a fitted scenario: the work its issues bring each week against its staff's hours.

A fitted work time that still holds waiting (a 签收 that is the grid's sign-off, not the start of an
office's work; nights and weekends between them), or a base scenario whose office staffing is not the
district's, makes an office's queue grow without bound: every wait and resolution time of a run is then an
artefact of the run's length.  This says so before anyone runs it.

Per office (the community and street offices, the department's shared office, each named department unit with
the types it lists): offered hours per week = sum over issue types of arrivals per
week x the share of them the level works (for a sequential type, every issue that reaches or passes the
level) x the level's mean work time; staff hours per week = offices x staff x attendance x days x hours of
the shift (the department's shared office plus its named units).  Load = offered / staff hours, the
utilisation a queue would settle at (it has no steady state at 1 or above).  Emergencies' multipliers are
left out (the records' rates already hold the period's emergencies), and so is the grid level, whose
cadres also visit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sim.model.district import build_district
from sim.scenario import Scenario
from sim.scenario.fields import LEVELS

SATURATED = 1.0  # no steady state: queues grow for as long as the run lasts
NEAR = 0.9  # waits grow steeply as a queue nears this


@dataclass(frozen=True)
class Load:
    level: str
    offered_hours_per_week: float
    staff_hours_per_week: float

    @property
    def load(self) -> float:
        return self.offered_hours_per_week / self.staff_hours_per_week if self.staff_hours_per_week else float("inf")


def _hours(shift: Any) -> float:
    return len(shift.days) * (shift.end_hour - shift.start_hour) * shift.attendance


def office_loads(sc: Scenario) -> list[Load]:
    """Each office that some issue type reaches: the community and street offices, the department's shared
    office, and each named department unit (``department.NAME``, taking the types it lists), with their
    offered and staffed hours per week."""
    d = build_district(sc)
    households = float(d.households.sum())
    lv = sc.levels
    units = lv.department.units
    offered: dict[str, float] = {}
    for key, it in sc.issue_types.items():
        per_week = it.rate_per_1000_households_per_week * households / 1000
        for k, level in enumerate(LEVELS[1:], start=1):
            share = (sum(it.level.get(x, 0.0) for x in LEVELS[k:]) if it.escalation == "sequential"
                     else it.level.get(level, 0.0))
            office = level if level != "department" else next(
                (f"department.{name}" for name, u in units.items() if key in u.types), "department")
            hours = per_week * share * it.service_time_by_level.get(level, it.service_time).mean_value
            offered[office] = offered.get(office, 0.0) + hours
    staff = {"community": d.n_communities * lv.community.staff_per_unit * _hours(lv.community),
             "street": d.n_streets * lv.street.staff_per_unit * _hours(lv.street),
             "department": lv.department.staff_per_unit * _hours(lv.department),
             **{f"department.{name}": u.staff * _hours(u) for name, u in units.items()}}
    return [Load(office, offered[office], staff[office]) for office in staff if offered.get(office, 0) > 0]


def _name(office: str) -> str:
    return (f"department unit {office.split('.', 1)[1]}" if office.startswith("department.")
            else "the department's shared office" if office == "department" else f"{office} offices")


def load_warnings(loads: list[Load]) -> list[str]:
    """What a reader must know before running: saturated or nearly saturated offices."""
    out = []
    for x in loads:
        if not x.staff_hours_per_week:
            out.append(f"{_name(x.level)}: no staff on duty, so the {x.offered_hours_per_week:,.0f} h a week of "
                       "work the records bring there is never done, and those issues stay open (as --scenario's "
                       "staffing has it: give it staff if that is not meant)")
        elif x.load >= NEAR:
            state = ("saturated: its queue grows for as long as a run lasts, so waits and resolution times are "
                     "artefacts of the run's length" if x.load >= SATURATED else "nearly saturated: waits will be long")
            out.append(f"{_name(x.level)}: the fitted work needs {x.offered_hours_per_week:,.0f} h a week against "
                       f"{x.staff_hours_per_week:,.0f} staff hours on duty (load {x.load:.2f}), {state}. The "
                       "records' hours from 签收 (or report) to 办结 count nights, weekends and waiting as work; "
                       "where they are not all work, refit with --work-by-simulation (and --columns accepted= if "
                       "签收 is a sign-off), which finds the work time that reproduces the records' resolution "
                       "times with the staffing given; and give --scenario with the district's office staffing")
    return out


def loads_json(loads: list[Load]) -> dict[str, dict[str, float]]:
    """fit.json's ``office_load``: per level its offered and staffed hours a week and their ratio."""
    return {x.level: {**{k: round(v, 3) for k, v in asdict(x).items() if k != "level"}, "load": round(x.load, 4)}
            for x in loads}
