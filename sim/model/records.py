"""What one replication leaves behind: per-issue records and cadre logs, as numpy arrays."""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.model.cadres import Cadre, DutyGroup
from sim.model.district import District
from sim.model.issues import IssueTable
from sim.model.visits import GridVisits
from sim.scenario import Scenario


@dataclass
class Records:
    issues: IssueTable
    report: np.ndarray  # report or discovery time; nan if never known
    start: np.ndarray  # first time a cadre started work on it; nan if never
    end: np.ndarray  # resolution time; nan if open at the horizon
    found_by_visit: np.ndarray  # bool
    resolved_level: np.ndarray  # 0..3, -1 if open
    priority: np.ndarray  # the type's priority (supervision may have raised it during the run)
    supervised: np.ndarray  # when supervision raised its priority, nan if never; empty if no type has time limits
    sla_hours: np.ndarray
    # work log: one row per stretch of work on an issue (including any travel)
    work_cadre: np.ndarray
    work_start: np.ndarray
    work_end: np.ndarray
    work_issue: np.ndarray
    # duty log: one row per stretch on duty of a duty group (all its cadres share it)
    group_names: list[str]
    group_duty: np.ndarray  # group index of each row
    group_start: np.ndarray
    group_end: np.ndarray
    cadre_group: np.ndarray  # per cadre, index into group_names
    cadre_role: np.ndarray  # per cadre, index into sim.scenario.ROLES
    cadre_home: np.ndarray  # per cadre, grid index or -1
    visit_times: list[np.ndarray]  # per grid, breakpoints of the cumulative households-visited curve
    visit_values: list[np.ndarray]
    wartime: np.ndarray  # (k, 2) start, end of each wartime period
    emergencies: np.ndarray  # (k, 2) start, end of each emergency
    district: District
    horizon: float  # end of the measurement window
    run_end: float  # when the run stopped: the horizon, or the end of the drain after it
    warmup: float
    target_interval_hours: float
    visits_enabled: bool
    events: int  # SimPy events the model scheduled
    transitions: int  # cadre on/off duty changes, handled in batches by group events
    location_count: np.ndarray  # per issue: how many places (resolved, hidden, a queue, a hand) hold it

    @property
    def group_size(self) -> np.ndarray:
        return np.bincount(self.cadre_group, minlength=len(self.group_names))

    def cadre_duty(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The duty log expanded to one row per cadre and stretch: (cadre, start, end)."""
        members = [np.flatnonzero(self.cadre_group == g) for g in range(len(self.group_names))]
        rows = [(members[g], s, e) for g, s, e in zip(self.group_duty.tolist(), self.group_start, self.group_end)]
        if not rows:
            return np.zeros(0, int), np.zeros(0), np.zeros(0)
        cadre = np.concatenate([m for m, _, _ in rows])
        start = np.concatenate([np.full(m.size, s) for m, s, _ in rows])
        end = np.concatenate([np.full(m.size, e) for m, _, e in rows])
        return cadre, start, end

    def conservation(self) -> np.ndarray:
        """Arrived minus (resolved + hidden + queued + in hand) per (grid, type), counted at the horizon
        (before any drain).

        ``location`` is filled from the model's live structures (queues, cadres'
        hands, the hidden-issue lists), not from the records, so a lost or
        duplicated issue shows here as a non-zero entry.
        """
        shape = (self.district.n, len(self.issues.type_names))
        arrived = np.zeros(shape, int)
        accounted = np.zeros(shape, int)
        np.add.at(arrived, (self.issues.grid, self.issues.type), 1)
        np.add.at(accounted, (self.issues.grid, self.issues.type), self.location_count)
        return arrived - accounted


def assemble_records(sc: Scenario, table: IssueTable, district: District, *, report: array,
                     start: array, end: array, found: bytearray, level: bytearray,
                     supervised: array, cadres: list[Cadre], groups: list[DutyGroup], work_log: array,
                     duty_log: Sequence[float], visits: list[GridVisits], war_periods: list[list[float]],
                     location: np.ndarray, run_end: float, events: int, transitions: int) -> Records:
    """A finished run's state and logs (compact arrays while it ran) as numpy arrays.

    Float arrays are wrapped, not copied (``np.frombuffer``): the records share the run's
    memory.  ``work_log`` and ``duty_log`` are flat: rows of (cadre, start, end, issue) and
    (group, start, end).
    """
    end_a = np.frombuffer(end)
    work = np.frombuffer(work_log).reshape(-1, 4)
    duty = np.array(duty_log, dtype=float).reshape(-1, 3)
    cadre_group = np.zeros(len(cadres), int)
    for grp in groups:
        cadre_group[[c.id for c in grp.members]] = grp.index
    types = [sc.issue_types[n] for n in table.type_names]
    sla = np.array([it.sla_hours for it in types], dtype=float)
    prio = np.array([it.priority for it in types], dtype=int)
    flags = lambda b: np.frombuffer(bytes(b), dtype=np.uint8)  # noqa: E731
    return Records(
        issues=table,
        report=np.frombuffer(report),
        start=np.frombuffer(start),
        end=end_a,
        found_by_visit=flags(found).astype(bool),
        resolved_level=np.where(np.isnan(end_a), -1, flags(level).astype(int)),
        priority=prio[table.type] if len(table) else np.zeros(0, int),
        supervised=np.frombuffer(supervised),
        sla_hours=sla[table.type] if len(table) else np.zeros(0),
        work_cadre=work[:, 0].astype(int),
        work_start=work[:, 1],
        work_end=work[:, 2],
        work_issue=work[:, 3].astype(int),
        group_names=[g.name for g in groups],
        group_duty=duty[:, 0].astype(int),
        group_start=duty[:, 1],
        group_end=duty[:, 2],
        cadre_role=np.array([c.role for c in cadres], dtype=int),
        cadre_home=np.array([c.home for c in cadres], dtype=int),
        cadre_group=cadre_group,
        visit_times=[np.frombuffer(gv.times) for gv in visits],
        visit_values=[np.frombuffer(gv.values) for gv in visits],
        wartime=np.array(war_periods, dtype=float).reshape(-1, 2),
        emergencies=np.array([sc.emergency_window(e) for e in sc.emergencies], dtype=float).reshape(-1, 2),
        district=district,
        horizon=sc.horizon_hours,
        run_end=run_end,
        warmup=sc.warmup_hours,
        target_interval_hours=sc.visits.target_interval_days * 24.0,
        visits_enabled=sc.visits.enabled,
        events=events,
        transitions=transitions,
        location_count=location,
    )
