"""What one replication leaves behind: per-issue records and cadre logs, as numpy arrays."""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.model.cadres import Cadre, DutyGroup
from sim.model.campaigns import CampaignState
from sim.model.district import District
from sim.model.issues import IssueTable
from sim.model.tasks import TaskState
from sim.model.visits import Visiting
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
    # absences: a member of the group of duty row ``absent_row`` did not turn up for that stretch
    absent_cadre: np.ndarray
    absent_row: np.ndarray
    attendance_drawn: bool  # some role's attendance is below 1 (absences possible)
    group_cost: np.ndarray  # per duty group, the cost of an hour on duty (nan: not given)
    cadre_group: np.ndarray  # per cadre, index into group_names
    cadre_role: np.ndarray  # per cadre, index into role_names
    cadre_home: np.ndarray  # per cadre, grid index or -1
    visit_times: list[np.ndarray]  # per grid, breakpoints of the cumulative households-visited curve,
    # up to the first at or after the horizon
    visit_values: list[np.ndarray]
    wartime: np.ndarray  # (k, 2) start, end of each wartime period
    mobilised: np.ndarray  # (k, 2) the same, from when wartime duty took effect (wartime.mobilisation_hours)
    post_holders: np.ndarray  # per wartime post, the cadres holding it
    post_hours: np.ndarray  # (posts, 2) each post's daily start and end hour
    post_role: np.ndarray  # per post, the holders' role (index into role_names)
    post_cost: np.ndarray  # per post, the holders' cost of an hour (nan: not given)
    post_log: np.ndarray  # (k, 5) per post and day of wartime duty: post, start, end, holders rostered, present
    emergencies: np.ndarray  # (k, 2) start, end of each emergency
    campaign_names: list[str]
    campaigns: np.ndarray  # (k, 5) per visit campaign: start, stop (target met or end), target met (nan: never),
    # households its participants visited while it ran, target households
    task_names: list[str]
    tasks: np.ndarray  # (k, 6) per emergency task: start, deadline, units (households or grids), units done by
    # the deadline (nan: never started), when the last grid's work was done (nan: not all), cadre-hours on it in
    # the window
    task_cadre: np.ndarray  # task log: one row per stretch a cadre spent on a task
    task_index: np.ndarray
    task_start: np.ndarray
    task_end: np.ndarray
    district: District
    horizon: float  # end of the measurement window
    run_end: float  # when the run stopped: the horizon, or the end of the drain after it
    warmup: float
    target_interval_hours: float
    visits_enabled: bool
    visit_pace: float  # households a visiting cadre visits in an hour
    events: int  # SimPy events the model scheduled
    transitions: int  # cadre on/off duty changes, handled in batches by group events
    location_count: np.ndarray  # per issue: how many places (resolved, hidden, a queue, a hand) hold it
    # every role's name: sim.scenario.ROLES, then the scenario's named roles in file order
    role_names: tuple[str, ...] = ()
    # per issue, whether it went up by itself because it waited too long (``escalated_by_delay``: to a level it
    # was not headed for, or as a petition), and when it left as a petition (nan: never); empty when no type worsens
    worsened: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    escalated_by_delay: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    petition: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # overtime log: one row per stretch a cadre worked past its shift's end (cadre, start, end), when some
    # issue type is finished before leaving (``overtime_possible``)
    overtime: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    overtime_possible: bool = False

    @property
    def left(self) -> np.ndarray:
        """When each issue left the district's workflow: resolved, or as a petition (nan: neither)."""
        return self.end if not self.petition.size else np.where(np.isnan(self.end), self.petition, self.end)

    @property
    def group_size(self) -> np.ndarray:
        return np.bincount(self.cadre_group, minlength=len(self.group_names))

    @property
    def present(self) -> np.ndarray:
        """Per duty row, the members who turned up."""
        absent = np.bincount(self.absent_row, minlength=len(self.group_duty)) if self.absent_row.size else 0
        return self.group_size[self.group_duty] - absent

    def cadre_duty(self, present_only: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The duty log expanded to one row per cadre and stretch: (cadre, start, end); the stretches
        a cadre missed (attendance) are left out unless ``present_only`` is false."""
        members = [np.flatnonzero(self.cadre_group == g) for g in range(len(self.group_names))]
        row = np.concatenate([np.full(members[g].size, k) for k, g in enumerate(self.group_duty.tolist())] or [[]])
        cadre = np.concatenate([members[g] for g in self.group_duty.tolist()] or [[]]).astype(int)
        keep = np.ones(cadre.size, bool)
        if present_only and self.absent_row.size:  # drop (cadre, row) pairs of absences
            n = len(self.cadre_group)
            keep = ~np.isin(row.astype(np.int64) * n + cadre, self.absent_row * n + self.absent_cadre)
        row = row.astype(int)
        return cadre[keep], self.group_start[row][keep], self.group_end[row][keep]

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
                     supervised: array, cadres: list[Cadre], groups: list[DutyGroup], work_who: array, work_when: array,
                     duty_log: Sequence[float], absence_log: array, visits: Visiting, war_periods: list[list[float]],
                     mobilised_periods: list[list[float]], post_holders: list[int], post_log: np.ndarray,
                     location: np.ndarray, run_end: float, events: int, transitions: int,
                     campaigns: Sequence[CampaignState] = (), tasks: Sequence[TaskState] = (),
                     task_log: Sequence[float] = (), worsened: bytearray = bytearray(),
                     petition: array = array("d"), overtime_log: Sequence[float] | None = None) -> Records:
    """A finished run's state and logs (compact arrays while it ran) as numpy arrays.

    Float arrays are wrapped, not copied (``np.frombuffer``): the records share the run's
    memory.  ``work_who``, ``work_when`` and ``duty_log`` are flat: rows of (cadre, issue), (start, end) and
    (group, start, end); ``overtime_log`` rows of (cadre, start, end), None if no type allows overtime.
    """
    end_a = np.frombuffer(end)
    who = np.frombuffer(work_who, dtype=np.int32).reshape(-1, 2)
    when = np.frombuffer(work_when).reshape(-1, 2)
    duty = np.array(duty_log, dtype=float).reshape(-1, 3)
    on_task = np.array(task_log, dtype=float).reshape(-1, 4)
    absent = np.frombuffer(absence_log, dtype=np.int64).reshape(-1, 2)
    cadre_group = np.zeros(len(cadres), int)
    for grp in groups:
        cadre_group[[c.id for c in grp.members]] = grp.index
    types = [sc.issue_types[n] for n in table.type_names]
    sla = np.array([it.sla_hours for it in types], dtype=float)
    prio = np.array([it.priority for it in types], dtype=np.int8)
    flags = lambda b: np.frombuffer(bytes(b), dtype=np.uint8)  # noqa: E731
    times, values = visits.curves()
    return Records(
        issues=table,
        report=np.frombuffer(report),
        start=np.frombuffer(start),
        end=end_a,
        found_by_visit=flags(found).astype(bool),
        resolved_level=np.where(np.isnan(end_a), -1, flags(level).astype(np.int8)),
        priority=prio[table.type] if len(table) else np.zeros(0, np.int8),
        supervised=np.frombuffer(supervised),
        sla_hours=sla[table.type] if len(table) else np.zeros(0),
        work_cadre=who[:, 0],
        work_start=when[:, 0],
        work_end=when[:, 1],
        work_issue=who[:, 1],
        group_names=[g.name for g in groups],
        group_duty=duty[:, 0].astype(int),
        group_start=duty[:, 1],
        group_end=duty[:, 2],
        absent_cadre=absent[:, 0],
        absent_row=absent[:, 1],
        attendance_drawn=any(g.turnout is not None for g in groups),
        group_cost=np.array([np.nan if g.cost_per_hour is None else g.cost_per_hour for g in groups], dtype=float),
        cadre_role=np.array([c.role for c in cadres], dtype=int),
        cadre_home=np.array([c.home for c in cadres], dtype=int),
        cadre_group=cadre_group,
        visit_times=times,
        visit_values=values,
        wartime=np.array(war_periods, dtype=float).reshape(-1, 2),
        mobilised=np.array(mobilised_periods, dtype=float).reshape(-1, 2),
        post_holders=np.array(post_holders, dtype=int),
        post_log=post_log,
        post_hours=np.array([(p.start_hour, p.end_hour) for p in sc.wartime.posts], dtype=float).reshape(-1, 2),
        post_role=np.array([sc.cadres.role_names.index(p.role) for p in sc.wartime.posts], dtype=int),
        post_cost=np.array([np.nan if (c := sc.cadres.homed()[p.role].cost_per_hour) is None else c
                            for p in sc.wartime.posts], dtype=float),
        emergencies=np.array([sc.emergency_window(e) for e in sc.emergencies], dtype=float).reshape(-1, 2),
        campaign_names=[cp.name for cp in campaigns],
        campaigns=np.array([(cp.start, cp.stopped, cp.met, cp.done, cp.target) for cp in campaigns],
                           dtype=float).reshape(-1, 5),
        task_names=[ts.name for ts in tasks],
        tasks=np.array([(ts.start, ts.deadline, sum(ts.need) / ts.unit_hours, np.nansum(ts.on_time) if ts.active else np.nan,
                         np.max(ts.finished), ts.in_window) for ts in tasks], dtype=float).reshape(-1, 6),
        task_cadre=on_task[:, 0].astype(int),
        task_index=on_task[:, 1].astype(int),
        task_start=on_task[:, 2],
        task_end=on_task[:, 3],
        district=district,
        horizon=sc.horizon_hours,
        run_end=run_end,
        warmup=sc.warmup_hours,
        target_interval_hours=sc.visits.target_interval_days * 24.0,
        visits_enabled=sc.visits.enabled,
        visit_pace=sc.visits.households_per_hour,
        events=events,
        transitions=transitions,
        location_count=location,
        role_names=sc.cadres.role_names,
        worsened=flags(worsened).astype(bool),
        escalated_by_delay=flags(worsened) == 2,
        petition=np.frombuffer(petition) if len(petition) else np.zeros(0),
        overtime=np.array(overtime_log or (), dtype=float).reshape(-1, 3),
        overtime_possible=overtime_log is not None,
    )
