"""The SimPy model: issues flow through dispatch units to cadres on shifts.

(Over 450 lines on purpose: one class holds every event handler, because each
event reads and changes the same state — an issue's stage, a cadre's hand, a
unit's queue, a group's duty — and splitting the handlers over modules would
split one event's logic.  What can stand alone is elsewhere: the roster in
roster.py, issue generation in issues.py, visiting in visits.py, records in
records.py.)

Events (timed calls on SimPy's calendar, calls.py; one pending per chain):
- an issue arrives (one chain through the pre-drawn, time-sorted issue table);
- a hidden issue is reported by its resident after its delay (an agenda: agenda.py);
- a grid's visiting cursor reaches a hidden issue (one pending per grid);
- a cadre completes a stretch of work;
- a duty group comes on or goes off duty (one event for all its cadres);
- an emergency starts or ends.
No event scans the district: each touches one issue, one cadre, one grid or
one duty group, so the cost per issue does not grow with the district's size.
A duty group's shift change touches every member, so cadres' states and grids'
visiting cursors are arrays (by cadre id, by grid) that it updates in bulk; the
few members with work in hand or a queue to serve go one by one.

Semantics (documented in docs/scenario-reference.md):
- a task unfinished at a cadre's shift end stays with that cadre and resumes
  at its next shift (``resume``), or goes back to the front of its unit's
  queue (in its place by priority and report time), keeping the work already
  done (``handback``);
- issues are served by priority, then by report time, non-preemptively;
- an escalated issue is first taken in at the grid (intake time), then queued
  at its level's office (community, street or district department);
- idle on-duty cadres with a home grid visit households (see visits.py);
- no work starts at the instant a cadre's shift ends, and a task due to end at
  that instant ends then (see ``_go_off_busy``);
- the measurement ends at the horizon; the run then goes on with no new
  arrivals (a drain: shifts, visits and wartime continue) until every issue
  that occurred after the warm-up is resolved, or ``calendar.drain_days`` have
  passed, so that resolution times are not censored (docs/metrics.md).
"""

from __future__ import annotations

import math
from array import array

import numpy as np
import simpy
from simpy.events import NORMAL

from sim.model.agenda import Agenda
from sim.model.calls import Call
from sim.model.campaigns import CampaignState, build_campaigns
from sim.model.cadres import BUSY, IDLE, OFF, Cadre, DutyGroup
from sim.model.clock import Clock
from sim.model.dispatch import SmallUnit, Unit
from sim.model.district import Trips, build_district
from sim.model.roster import build_roster
from sim.model.streams import stream
from sim.model.tasks import TaskState, build_tasks
from sim.model.issues import IssueTable, generate_issues
from sim.model.records import Records, assemble_records
from sim.model.visits import Visiting
from sim.scenario import LEVELS, Scenario

NAN = math.nan
# an issue's place in its life, kept as live model state (the conservation check counts on it)
NOT_YET, HIDDEN, KNOWN, RESOLVED = 0, 1, 2, 3
FEEDBACK = 255  # the stage of an escalated issue's feedback task back at the grid
RESERVED = 3  # a cadre's state in the reserved visiting at the start of a shift (visits.mode = "scheduled")
TASK = 4  # a cadre's state while working on an emergency task (tasks.py)
TIE_HOURS = 1e-9  # times this close are one instant (sums of float durations drift by ~1e-14)


class Simulation:
    def __init__(self, scenario: Scenario, seeds: np.random.SeedSequence):
        self.sc = scenario
        self.env = simpy.Environment()
        self.schedule = self.env.schedule
        self.clock = Clock(scenario.calendar.start)
        self.horizon = scenario.horizon_hours
        self.warmup = scenario.warmup_hours
        self.stop_at = self.horizon + scenario.calendar.drain_days * 24.0  # the drain's limit
        self.d = build_district(scenario)
        self.table: IssueTable = generate_issues(scenario, self.d, seeds)
        self.events = 0
        self._issue_state()
        r = build_roster(scenario, self.d, self.clock, self.table)
        self.cadres, self.groups, self.post_holders = r.cadres, r.groups, r.post_holders
        self.book = r.book
        n = len(self.cadres)
        # each cadre's state, issue in hand (-1: none; worked, or held over a shift end) and visiting flag:
        # typed arrays for scalar access, numpy views over them for shift changes
        self.state = bytearray(n)  # OFF, IDLE, BUSY, RESERVED or TASK
        self.hand = array("i", [-1]) * n
        self.visiting = bytearray(n)
        self.state_a = np.frombuffer(self.state, dtype=np.uint8)
        self.hand_a = np.frombuffer(self.hand, dtype=np.int32)
        self.visiting_a = np.frombuffer(self.visiting, dtype=np.uint8)
        self.home_a = np.array([c.home for c in self.cadres], dtype=np.intp)
        self.visits_a = np.array([c.visits for c in self.cadres], dtype=bool)
        self.small_a = np.array([isinstance(c.unit, SmallUnit) for c in self.cadres], dtype=bool)
        self.unit_a = np.array([c.unit.index if isinstance(c.unit, SmallUnit) else 0 for c in self.cadres], dtype=np.intp)
        self.unit_index: dict[int, int] = {}  # id(unit) -> a number for each unit that has cadres
        self.unit_of_a = np.array([self.unit_index.setdefault(id(c.unit), len(self.unit_index)) for c in self.cadres],
                                  dtype=np.intp)
        for grp in self.groups.values():  # all members take part in shift changes (until the drain narrows them)
            grp.active = grp.members
            grp.ids = np.array([c.id for c in grp.members], dtype=np.intp)
        for grp in self.groups.values():  # who turns up: a stream per duty group (common random numbers)
            if grp.attendance < 1:
                grp.turnout = stream(seeds, "attendance", grp.name)
        self.absence_log = array("q")  # flat rows (cadre, duty row): a member absent from that shift
        self.grid_unit, self.police_units, self.level_units = r.grid_unit, r.police_units, r.level_units
        # each grid's and police grid's unit by its number (-1: a unit without cadres), for the drain's narrowing
        self.grid_num = np.array([self.unit_index.get(id(u), -1) for u in self.grid_unit], dtype=np.intp)
        self.police_num = np.array([self.unit_index.get(id(u), -1) for u in self.police_units], dtype=np.intp)
        self.police_of = self.d.police_unit.tolist()
        self.comm_of = self.d.community.tolist()
        self.trips = self._trips() if scenario.dispatch.travel == "distance" else None
        self.street_of = self.d.street.tolist()
        pace = scenario.visits.households_per_hour
        self.visits = Visiting(self.d.households, pace, self.horizon)
        self.visiting_allowed = scenario.visits.enabled
        self.role_of = [r.role_names[c.role] for c in self.cadres]
        self.campaigns = build_campaigns(scenario, self.d.ids, self.d.households, [c.home for c in self.cadres],
                                         self.role_of)
        # emergency tasks: those under way, and who works on which (per task and grid)
        self.tasks = build_tasks(scenario, self.d.households)
        self.active_tasks: list[TaskState] = []
        self.on_task: dict[int, tuple[TaskState, float]] = {}  # per cadre on a task: the task, since when
        self.task_log = array("d")  # flat rows (cadre, task, start, end): a stretch on a task
        self.task_crew: dict[tuple[int, int], dict[int, Cadre]] = {}
        # reserved visiting: until when each cadre's reserve lasts, and per unit who can be called away
        self.reserving = scenario.visits.enabled and (scenario.visits.mode == "scheduled" or bool(self.campaigns))
        self.reserve_until = array("d", bytes(8 * len(self.cadres)))
        self.reserved_in: dict[Unit, dict[int, Cadre]] = {}
        self.interrupt = scenario.visits.interrupt_priority
        self.base_until: dict[int, float] = {}  # per duty group, the end of the shift's own reserve (not a campaign's)
        self.campaign_share = array("d", bytes(8 * len(self.cadres) if self.campaigns else 0))
        self.campaigns_of: dict[int, list[CampaignState]] = {}  # per participant, the campaigns counting its visits
        for cp in self.campaigns:
            for cid in cp.participants:
                self.campaigns_of.setdefault(cid, []).append(cp)
        self.group_of = {c.id: grp for grp in self.groups.values() for c in grp.members} if self.reserving else {}
        self.handback = scenario.dispatch.at_shift_end == "handback"
        # a stretch of work: (cadre, issue) and (start, end), 24 bytes in two flat logs
        self.work_who = array("i")
        self.work_when = array("d")
        self.transitions = 0  # cadres coming on or going off duty (batched into group events)
        self.duty_log = array("d")  # flat rows (group, start, end): all members on duty, but the absent
        # wartime mode
        wt = scenario.wartime
        self.backlog = 0
        self.backlog_trigger = wt.trigger in ("backlog", "both")
        self.enter_n = wt.enter_backlog_per_grid * self.d.n
        self.exit_n = wt.exit_backlog_per_grid * self.d.n
        self.backlog_on = False
        self.scheduled_on = 0
        self.war_on = False
        self.war_periods: list[list[float]] = []
        self.mobilising = 0  # the number of the pending mobilisation (wartime.mobilisation_hours)
        self.mobilised = False
        self.mobilised_periods: list[list[float]] = []  # wartime duty in force (after mobilisation)
        # the drain: issues that occurred after the warm-up and are not resolved yet
        self.open_counted = 0
        self.draining = False
        self.drained = self.env.event()

    # ------------------------------------------------------------ set-up

    def _trips(self) -> Trips:
        """Travel by distance: pooled cadres set out from their home grid, police officers from their
        police grid's base; other cadres only ever serve their own grid or an office (no travel)."""
        base = {id(u): int(g) for u, g in zip(self.police_units, self.d.police_base)}
        origin = [c.home if c.unit.pooled else base.get(id(c.unit), -1) for c in self.cadres]
        dp = self.sc.dispatch
        return Trips(dp.overhead_hours, dp.speed_kmh, self.d.centroids, origin)

    def _issue_state(self) -> None:
        """Per-issue state in compact arrays (8 bytes a float, 1 a flag), not lists of Python objects:
        memory per issue, not per event, is what limits province-scale districts."""
        t = self.table
        n = len(t)
        types = [self.sc.issue_types[name] for name in t.type_names]
        kind = t.type.astype(np.intp)
        self.i_grid = _typed(t.grid, "i")
        self.i_level = bytearray(t.level.astype(np.uint8).tobytes())
        self.i_prio = bytearray(np.array([it.priority for it in types], np.uint8)[kind].tobytes())
        self.i_police = bytearray(t.police.astype(np.uint8).tobytes())
        self.i_hidden = bytearray(t.hidden.astype(np.uint8).tobytes())
        self.i_service = _typed(t.service)
        self.i_intake = _typed(t.intake)
        self.i_travel = _typed(t.travel)
        self.i_delay = _typed(t.report_delay)
        self.i_offset = _typed(t.visit_offset)
        self.i_occur = _typed(t.occur)
        # the table's columns become views of these arrays: one copy of each column, not two
        t.grid = np.frombuffer(self.i_grid, dtype=np.int32)
        t.service, t.intake, t.travel = (np.frombuffer(a) for a in (self.i_service, self.i_intake, self.i_travel))
        t.report_delay, t.visit_offset, t.occur = (np.frombuffer(a) for a in (self.i_delay, self.i_offset, self.i_occur))
        self.report = _typed(np.full(n, NAN))
        self.start = _typed(np.full(n, NAN))
        self.end = _typed(np.full(n, NAN))
        self.remaining = _typed(np.zeros(n))
        self.found = bytearray(n)
        self.stage = bytearray(n)  # the level the issue is at (0: the grid, or its police grid)
        self.i_seq = bytearray(t.sequential.astype(np.uint8).tobytes())
        self.i_attempt = [_typed(t.attempts[:, k]) for k in range(t.attempts.shape[1])]  # community, street
        self.i_response = _typed(t.response)
        units = list(self.sc.levels.department.units)
        dept = [0 if (u := self.sc.department_unit(name)) is None else 1 + units.index(u) for name in t.type_names]
        self.i_dept = bytearray(np.array(dept, np.uint8)[kind].tobytes())
        self.i_lead = [_typed(t.lead[:, k]) for k in range(t.lead.shape[1])]  # per level, or none
        self.i_feedback = _typed(t.feedback)
        # issues waiting with nobody working on them: for a department's response, or in a lead step
        self.waiting: set[int] = set()
        self.status = bytearray(n)  # NOT_YET, HIDDEN, KNOWN or RESOLVED
        # hidden issues' self-reports: an agenda, not one SimPy event each
        self.self_reports = Agenda(self.env, self._self_report)
        # supervision (督办): per type, the hours allowed at each level, and the priority it raises to
        self.limits = [[it.time_limit_by_level.get(lv, 0.0) for lv in LEVELS] for it in types]
        self.raised_to = [it.supervised_priority for it in types]
        supervised = any(it.time_limit_by_level for it in types)
        self.i_kind = _typed(t.type, "H") if supervised else array("H")
        self.supervised = _typed(np.full(n if supervised else 0, NAN))  # when its priority was raised
        self.queued = bytearray(n)  # in a unit's queue now (supervision moves it up there)
        self.supervision = Agenda(self.env, self._supervise)

    # ------------------------------------------------------------ event plumbing

    def _at(self, time: float, fn, value) -> None:
        self.schedule(Call(fn, value), NORMAL, max(time - self.env.now, 0.0))
        self.events += 1

    def run(self) -> Records:
        for ts in filter(lambda ts: ts.starts(self.horizon), self.tasks):
            # first: a task starting as shifts change or wartime begins comes before any issue
            self._at(ts.start, self._task_start, ts)
            if ts.deadline < self.stop_at:
                self._at(ts.deadline, self._task_deadline, ts)
        if len(self.table):
            self._at(self.table.occur[0], self._arrive, 0)
        for grp in self.groups.values():
            if grp.schedule.on_duty(0.0):
                self._set_group(grp, True)
            self._schedule_group(grp)
        if self.sc.wartime.trigger in ("scheduled", "both"):
            for em in self.sc.emergencies:
                if em.wartime:
                    a, b = self.sc.emergency_window(em)
                    if a < self.horizon and b > 0:
                        self._at(max(a, 0.0), self._emergency, +1)
                        if b < self.stop_at:
                            self._at(b, self._emergency, -1)
        for cp in self.campaigns:
            if cp.start < self.horizon and cp.end > 0:
                self._at(max(cp.start, 0.0), self._campaign_start, cp)
                if cp.end < self.stop_at:
                    self._at(cp.end, self._campaign_end, cp)
        self.env.run(until=self.horizon)
        location = self._locations()
        if self.open_counted and self.stop_at > self.horizon:
            self.draining = True
            self._narrow_to_live_units()
            self._at(self.stop_at, self._drain_limit, None)
            self.env.run(until=self.drained)
        return self._finish(location)

    def _narrow_to_live_units(self, _: Call | None = None) -> None:
        """In the drain, shift changes touch only cadres who may still work on an open issue; daily.

        With no arrivals after the horizon, a grid with no unresolved issue stays without one, so its
        cadres' shifts and visits change no number (coverage and duty are measured up to the horizon).
        The drain after a large district's year can last months for a few late hidden issues, and
        would otherwise change every cadre's duty each shift.  Kept: cadres of the units of open
        issues' grids, living in those grids or in grids whose visiting log is still open, holding an
        issue, or without a home grid (offices, police).  Not narrowed when attendance draws, reserved visits or campaigns, or emergency tasks
        still running tie cadres of other grids in."""
        if self.reserving or any(g.turnout is not None for g in self.groups.values()) or \
                any(ts.deadline > self.horizon for ts in self.tasks):
            return
        status = np.frombuffer(bytes(self.status), dtype=np.uint8)
        open_issues = np.flatnonzero((status == HIDDEN) | (status == KNOWN))
        # grids with open issues, and grids whose visiting log is still open (it ends at their first
        # change at or after the horizon)
        live_grid = self.visits.logging()
        grid = np.frombuffer(self.i_grid, dtype=np.int32)[open_issues]
        live_grid[grid] = True
        # the units the open issues are worked in at grid level (_grid_place); -1: a unit without cadres
        police = np.frombuffer(bytes(self.i_police), dtype=np.uint8)[open_issues] == 1
        place = self.grid_num[grid]
        if police.any():
            place[police] = self.police_num[self.d.police_unit[grid[police]]]
        live_unit = np.zeros(len(self.unit_index) + 1, bool)
        live_unit[place] = True
        for grp in self.groups.values():
            ids = grp.ids
            home = self.home_a[ids]
            keep = (home < 0) | live_grid[home] | live_unit[self.unit_of_a[ids]] | (self.hand_a[ids] >= 0)
            if not keep.all():
                grp.active = [grp.active[k] for k in np.flatnonzero(keep).tolist()]
                grp.ids = ids[keep]
        self._at(self.env.now + 24.0, self._narrow_to_live_units, None)

    def _drain_limit(self, ev: Call) -> None:
        if not self.drained.triggered:
            self.drained.succeed()

    # ------------------------------------------------------------ issues

    def _arrive(self, ev: Call) -> None:
        i = ev.value
        now = self.env.now
        if i + 1 < len(self.table):
            self._at(self.i_occur[i + 1], self._arrive, i + 1)
        if self.i_occur[i] >= self.warmup:
            self.open_counted += 1
        if not self.i_hidden[i]:
            self._report(i)
            return
        self.status[i] = HIDDEN
        reported_at = now + self.i_delay[i]
        if reported_at < self.stop_at:
            self.self_reports.push(now + max(reported_at - now, 0.0), i)  # the time a timeout from now fires at
        offset = self.i_offset[i]
        if math.isfinite(offset) and self.sc.visits.enabled:
            g = self.i_grid[i]
            self.visits.add_hidden(g, now, offset, i)
            self._reschedule_discovery(g)

    def _self_report(self, i: int, _: int) -> None:
        """The resident reports a hidden issue (unless a visit found it already)."""
        if math.isnan(self.report[i]):
            self._report(i)

    def _report(self, i: int) -> None:
        self.report[i] = self.env.now
        self.status[i] = KNOWN
        self.backlog += 1
        if self.backlog_trigger:
            self._check_backlog()
        if self.i_level[i] > 0 and self.i_intake[i] == 0.0 and not self.i_seq[i]:  # no intake: to its office
            self._escalate(i)
            return
        self.remaining[i] = self.i_service[i] if self.i_level[i] == 0 else self.i_intake[i]
        if self.i_kind:
            self._limit(i, 0)
        self._enqueue(self._grid_place(i), i)

    def _grid_place(self, i: int) -> Unit:
        """Where an issue is worked at grid level: its grid's unit, or its police grid for police types."""
        g = self.i_grid[i]
        return self.police_units[self.police_of[g]] if self.i_police[i] else self.grid_unit[g]

    def _enqueue(self, unit: Unit, i: int) -> None:
        cadre = unit.take_idle(self.i_grid[i], i)
        if cadre is None and self.i_prio[i] <= self.interrupt and self.reserved_in.get(unit):
            cadre = self._call_away(unit, self.i_grid[i], i)
        if cadre is None:
            unit.push(self.i_prio[i], self.report[i], i)
            self.queued[i] = 1
        else:
            self._stop_visiting(cadre)
            self._start(cadre, i)

    def _escalate(self, i: int) -> None:
        """Pass the issue up: to its resolving office (direct), or to the next level (sequential)."""
        top = self.i_level[i]
        lv = self.stage[i] + 1 if self.i_seq[i] else top
        self.stage[i] = lv
        self.remaining[i] = self.i_service[i] if lv == top else self.i_attempt[lv - 1][i]
        if self.i_kind:
            self._limit(i, lv)
        unit = self._office(i, lv)
        if lv == 3 and self.i_response and self.i_response[i] > 0:  # the department answers the call later
            self._wait(i, self.i_response[i], lambda: self._enqueue(unit, i))
        else:
            self._enqueue(unit, i)

    def _office(self, i: int, lv: int) -> Unit:
        """The unit of level ``lv`` (1 community, 2 street, 3 department) that serves issue ``i``."""
        g = self.i_grid[i]
        return self.level_units[lv - 1][(self.comm_of[g], self.street_of[g], self.i_dept[i])[lv - 1]]

    def _limit(self, i: int, lv: int) -> None:
        """The issue has just come to level ``lv``: supervision looks at it when its time there is up."""
        hours = self.limits[self.i_kind[i]][lv]
        if hours > 0:
            self.supervision.push(self.env.now + hours, i, lv)

    def _supervise(self, i: int, lv: int) -> None:
        """督办: still at level ``lv`` past its time limit, the issue goes up to its supervised priority,
        in its queue if it waits in one, and for every queue after."""
        new = self.raised_to[self.i_kind[i]]
        if self.stage[i] != lv or self.status[i] == RESOLVED or self.i_prio[i] <= new:
            return
        if math.isnan(self.supervised[i]):
            self.supervised[i] = self.env.now
        if self.queued[i]:
            unit = self._office(i, lv) if lv else self._grid_place(i)
            unit.raise_priority(self.i_prio[i], new, self.report[i], i)
        self.i_prio[i] = new

    def _wait(self, i: int, hours: float, then) -> None:
        """The issue waits ``hours`` with nobody working on it (a response, a lead step), then ``then()``."""
        self.waiting.add(i)
        self._at(self.env.now + hours, self._waited, (i, then))

    def _waited(self, ev: Call) -> None:
        i, then = ev.value
        self.waiting.remove(i)
        then()

    def _work_done(self, i: int) -> None:
        """The work at the issue's current place is done: wait its lead step there, if any, then move on."""
        st = self.stage[i]
        lead = self.i_lead[st][i] if self.i_lead and st < FEEDBACK else 0.0
        if lead > 0:
            self._wait(i, lead, lambda: self._resolve_or_escalate(i))
        else:
            self._resolve_or_escalate(i)

    def _resolve_or_escalate(self, i: int) -> None:
        if self.stage[i] < self.i_level[i]:
            self._escalate(i)
            return
        if self.i_level[i] > 0 and self.stage[i] != FEEDBACK and self.i_feedback and self.i_feedback[i] > 0:
            self.stage[i] = FEEDBACK  # resolved above: back at the grid to tell the resident
            self.remaining[i] = self.i_feedback[i]
            self._enqueue(self._grid_place(i), i)
            return
        self.end[i] = self.env.now
        self.status[i] = RESOLVED
        self.backlog -= 1
        if self.backlog_trigger:
            self._check_backlog()
        if self.i_occur[i] >= self.warmup:
            self.open_counted -= 1
            if self.draining and not self.open_counted:
                self.drained.succeed()

    # ------------------------------------------------------------ cadres at work

    def _start(self, c: Cadre, i: int) -> None:
        now = self.env.now
        self.state[c.id] = BUSY
        self.hand[c.id] = i
        self.queued[i] = 0
        if math.isnan(self.start[i]):
            self.start[i] = now
        if self.trips is not None:  # by distance: this cadre's trip, kept as the issue's travel for the records
            c.travel_left = self.trips.hours(c.id, self.i_grid[i])
            if c.travel_left:
                self.i_travel[i] = c.travel_left
        else:
            c.travel_left = self.i_travel[i] if c.unit.pooled and c.home != self.i_grid[i] else 0.0
        c.remaining = self.remaining[i] + c.travel_left
        self._work(c)

    def _work(self, c: Cadre) -> None:
        c.since = self.env.now
        c.token += 1
        self._at(c.since + c.remaining, self._complete, (c, c.token))

    def _complete(self, ev: Call) -> None:
        c, token = ev.value
        if token != c.token:
            return
        i = self.hand[c.id]
        self._log_work(c, self.env.now, i)
        self.hand[c.id] = -1
        self._work_done(i)
        self._become_idle(c)

    def _log_work(self, c: Cadre, end: float, i: int) -> None:
        self.work_who.extend((c.id, i))
        self.work_when.extend((c.since, end))

    def _become_idle(self, c: Cadre) -> None:
        if self.active_tasks and (ts := self._task_for(c)) is not None:
            self._join_task(c, ts)
            return
        if self.reserving and self.reserve_until[c.id] > self.env.now + TIE_HOURS and self.visiting_allowed:
            self._reserve(c)
            return
        i = c.unit.pop(c)
        if i is not None:
            self._start(c, i)
            return
        self.state[c.id] = IDLE
        c.unit.add_idle(c)
        self._start_visiting(c)

    def _start_visiting(self, c: Cadre) -> None:
        if c.visits and self.visiting_allowed and not self.visiting[c.id]:
            self.visiting[c.id] = 1
            self._visitors(c.home, +1)
            if self.campaigns_of:
                self._campaign_visitor(c, +1)

    def _stop_visiting(self, c: Cadre) -> None:
        if self.visiting[c.id]:
            self.visiting[c.id] = 0
            self._visitors(c.home, -1)
            if self.campaigns_of:
                self._campaign_visitor(c, -1)

    def _visitors(self, g: int, delta: int) -> None:
        self.visits.change_visitors(g, self.env.now, delta)
        if delta > 0 and self.visits.hidden[g]:
            self._reschedule_discovery(g)

    def _visitors_of(self, grids: np.ndarray, deltas: np.ndarray) -> None:
        """``_visitors`` for the grids of a shift change, in order: for many, as array operations, with
        the same arithmetic and the discoveries scheduled in the same order."""
        if len(grids) <= 8:
            for g, delta in zip(grids.tolist(), deltas.tolist()):
                self._visitors(g, delta)
            return
        now = self.env.now
        vs = self.visits
        vs.change_many(grids, deltas, now)
        sped_up, t = vs.next_discoveries(grids[deltas > 0], now)
        sooner = (t < np.frombuffer(vs.due)[sped_up] - 1e-9) & (t < self.stop_at)
        token, due, schedule, discover = vs.token, vs.due, self.schedule, self._discover  # _at, inlined: thousands a shift
        for g, when in zip(sped_up[sooner].tolist(), t[sooner].tolist()):
            token[g] += 1
            due[g] = when
            schedule(Call(discover, (g, token[g])), NORMAL, max(when - now, 0.0))
        self.events += int(sooner.sum())

    def _campaign_visitor(self, c: Cadre, delta: int) -> None:
        """A participant starts or stops visiting: the campaigns it takes part in count its visits."""
        for cp in self.campaigns_of.get(c.id, ()):
            if cp.active:
                cp.change_visitors(self.env.now, delta)
                self._reschedule_campaign(cp)

    # ------------------------------------------------------------ reserved visiting (visits.mode = "scheduled")

    def _urgent(self, unit: Unit, c: Cadre) -> int | None:
        """The first issue in the unit's queue if it is urgent enough to interrupt reserved visits."""
        i = unit.pop(c)
        if i is not None and self.i_prio[i] > self.interrupt:
            unit.push(self.i_prio[i], self.report[i], i)  # its key again: the queue is unchanged
            return None
        return i

    def _reserve(self, c: Cadre) -> None:
        """The cadre visits in the reserved part of the shift: not idle for routine issues."""
        if self.hand[c.id] < 0 and (i := self._urgent(c.unit, c)) is not None:
            self._stop_visiting(c)
            self._start(c, i)
            return
        self.state[c.id] = RESERVED
        if self.hand[c.id] < 0:  # a cadre holding a task over from the last shift cannot be called away
            self.reserved_in.setdefault(c.unit, {})[c.id] = c
        self._start_visiting(c)

    def _call_away(self, unit: Unit, g: int, i: int) -> Cadre | None:
        """An urgent issue takes a reserved visitor: one living in its grid if any."""
        pool = self.reserved_in[unit]
        return unit.call_away(pool, g, i)  # one that takes the issue's type (dispatch.py)

    def _unreserve(self, c: Cadre) -> None:
        if pool := self.reserved_in.get(c.unit):
            pool.pop(c.id, None)

    def _reserve_end(self, ev: Call) -> None:
        """The reserved part of a group's shift is over: its visitors go back to routine work."""
        grp, since = ev.value
        if not grp.on or grp.on_since != since:
            return
        now = self.env.now
        for c in grp.members:
            if self.state[c.id] == RESERVED and self.reserve_until[c.id] <= now + TIE_HOURS:
                self._release(c)

    def _release(self, c: Cadre) -> None:
        """Out of reserved visiting, on duty: the task held over, the queue, or idle (still visiting)."""
        if self.hand[c.id] >= 0 and not self.group_of[c.id].schedule.on_duty(self.env.now):
            return  # the shift ends now: the task held over waits for the next shift
        self._unreserve(c)
        if self.hand[c.id] >= 0:
            self._stop_visiting(c)
            self.state[c.id] = BUSY
            self._work(c)
        elif (i := c.unit.pop(c)) is not None:
            self._stop_visiting(c)
            self._start(c, i)
        else:
            self.state[c.id] = IDLE
            c.unit.add_idle(c)

    # ------------------------------------------------------------ visit campaigns (campaigns.py)

    def _campaign_start(self, ev: Call) -> None:
        """Participants on duty now reserve the campaign's share of the rest of their shift."""
        cp, now = ev.value, self.env.now
        cp.active, cp.last_t = True, now
        cp.visitors = sum(self.visiting[cid] for cid in cp.participants)
        ends: dict[tuple[int, float], DutyGroup] = {}
        for cid in cp.participants:
            self.campaign_share[cid] = max(self.campaign_share[cid], cp.share)
            c, grp = self.cadres[cid], self.group_of[cid]
            if self.state[c.id] == OFF or not self.visiting_allowed:
                continue
            until = now + cp.share * (min(grp.schedule.next_change(now), self.stop_at) - now)
            if until > self.reserve_until[cid] + TIE_HOURS:
                self.reserve_until[cid] = until
                ends[grp.index, until] = grp
                if self.state[c.id] == IDLE:
                    c.unit.remove_idle(c)
                    self._reserve(c)
        for (_, t), grp in ends.items():
            self._at(t, self._reserve_end, (grp, grp.on_since))
        self._reschedule_campaign(cp)

    def _reschedule_campaign(self, cp: CampaignState) -> None:
        t = cp.eta(self.env.now)
        cp.token += 1
        if t < cp.end and t < self.stop_at:
            self._at(t, self._campaign_met, (cp, cp.token))

    def _campaign_met(self, ev: Call) -> None:
        cp, token = ev.value
        if token == cp.token and cp.active:
            cp.met = self.env.now
            self._campaign_stop(cp)

    def _campaign_end(self, ev: Call) -> None:
        if ev.value.active:
            self._campaign_stop(ev.value)

    def _campaign_stop(self, cp: CampaignState) -> None:
        """The campaign is over (target met or days up): participants keep only their shift's own reserve."""
        now = self.env.now
        cp.advance(now)
        cp.active, cp.stopped = False, now
        cp.token += 1
        for cid in cp.participants:
            self.campaign_share[cid] = max((o.share for o in self.campaigns_of[cid] if o.active), default=0.0)
            grp = self.group_of[cid]
            if self.campaign_share[cid] == 0.0:
                self.reserve_until[cid] = min(self.reserve_until[cid], self.base_until.get(grp.index, 0.0))
            c = self.cadres[cid]
            if self.state[c.id] == RESERVED and self.reserve_until[cid] <= now + TIE_HOURS:
                self._release(c)

    # ------------------------------------------------------------ emergency tasks (tasks.py)

    def _task_for(self, c: Cadre) -> TaskState | None:
        """The first task under way in the cadre's grid that its role works on, if any."""
        g = c.home
        for ts in self.active_tasks:
            if g >= 0 and math.isnan(ts.finished[g]) and self.role_of[c.id] in ts.roles:
                return ts
        return None

    def _join_task(self, c: Cadre, ts: TaskState) -> None:
        self.state[c.id] = TASK
        self.on_task[c.id] = ts, self.env.now
        self.task_crew.setdefault((ts.index, c.home), {})[c.id] = c
        ts.change_workers(c.home, self.env.now, +1)
        self._reschedule_task(ts, c.home)

    def _leave_task(self, c: Cadre) -> None:
        ts, since = self.on_task.pop(c.id)
        self.task_log.extend((c.id, ts.index, since, self.env.now))
        del self.task_crew[ts.index, c.home][c.id]
        ts.change_workers(c.home, self.env.now, -1)
        self._reschedule_task(ts, c.home)

    def _reschedule_task(self, ts: TaskState, g: int) -> None:
        t = ts.eta(g, self.env.now)
        ts.token[g] += 1
        if t < self.stop_at:
            self._at(t, self._task_done, (ts, g, ts.token[g]))

    def _task_start(self, ev: Call) -> None:
        """The task's work appears in every grid: its cadres on duty and free (idle or visiting) start on it;
        those at work join when their task in hand is done."""
        ts, now = ev.value, self.env.now
        ts.active = True
        ts.last_t = [now] * len(ts.last_t)
        self.active_tasks.append(ts)
        for c in self.cadres:
            if self.state[c.id] in (IDLE, RESERVED) and self.hand[c.id] < 0 and self._task_for(c) is ts:
                if self.state[c.id] == IDLE:
                    c.unit.remove_idle(c)
                else:
                    self._unreserve(c)
                self._stop_visiting(c)
                self._join_task(c, ts)

    def _task_done(self, ev: Call) -> None:
        ts, g, token = ev.value
        if token != ts.token[g]:
            return
        ts.advance(g, self.env.now)
        ts.finished[g] = self.env.now
        for c in list(self.task_crew.get((ts.index, g), {}).values()):
            self._leave_task(c)
            self._become_idle(c)

    def _task_deadline(self, ev: Call) -> None:
        ev.value.count_on_time(self.env.now)

    # ------------------------------------------------------------ visits find hidden issues

    def _reschedule_discovery(self, g: int) -> None:
        vs = self.visits
        t = vs.next_discovery(g, self.env.now)
        if t < vs.due[g] - 1e-9 and t < self.stop_at:
            vs.token[g] += 1
            vs.due[g] = t
            self._at(t, self._discover, (g, vs.token[g]))

    def _discover(self, ev: Call) -> None:
        g, token = ev.value
        vs = self.visits
        if token != vs.token[g]:
            return
        vs.due[g] = math.inf
        for i in vs.found(g, self.env.now):
            if math.isnan(self.report[i]):
                self.found[i] = True
                self._report(i)
        self._reschedule_discovery(g)

    # ------------------------------------------------------------ shifts

    def _schedule_group(self, grp: DutyGroup) -> None:
        t = grp.schedule.next_change(self.env.now)
        if t < self.stop_at:
            self._at(t, self._toggle_group, (grp, grp.token))

    def _toggle_group(self, ev: Call) -> None:
        grp, token = ev.value
        if token != grp.token:
            return
        on = grp.schedule.on_duty(self.env.now)
        if on != grp.on:
            self._set_group(grp, on)
        self._schedule_group(grp)

    def _set_group(self, grp: DutyGroup, on: bool) -> None:
        """Bring a whole duty group on or off duty: the hot path of shift changes.

        Members in the common case (coming on to an empty queue with nothing in hand, or going off
        from idle, in a SmallUnit) change as array operations; the others one by one, in member
        order, with every step of _become_idle and _start/_stop_visiting.  Visiting changes are
        summed per grid, the grids taken in the order of their first member that changed.
        """
        now = self.env.now
        grp.on = on
        handed_back: list[tuple[Unit, int]] = []
        finished: list[int] = []
        if on:
            grp.on_since = now
            present = grp.active if grp.turnout is None else self._turn_up(grp)
            self.transitions += len(present)
            if self.reserving and self.visiting_allowed:
                self._reserve_shift(grp, present)
            ids = grp.ids if grp.turnout is None else np.fromiter((c.id for c in present), np.intp, len(present))
            moved = self._come_on(present, ids)
        else:
            self.transitions += len(grp.active) - len(grp.absent)
            self._log_duty(grp, now)
            ids = grp.ids
            moved = self._go_off(grp.active, ids, now, handed_back, finished)
        if moved.any():
            grids, first, count = np.unique(self.home_a[ids[moved]], return_index=True, return_counts=True)
            order = np.argsort(first)
            self._visitors_of(grids[order], count[order] if on else -count[order])
        for i in finished:
            self._work_done(i)
        for unit, i in handed_back:
            self._enqueue(unit, i)

    def _come_on(self, present: list[Cadre], ids: np.ndarray) -> np.ndarray:
        """Members coming on duty (not those reserved or called away already): the task held over, an
        emergency task, the queue, or idle (and visiting).  Returns which members started visiting."""
        allowed = self.visiting_allowed
        off = self.state_a[ids] == OFF
        quick = off & self.small_a[ids] & (self.hand_a[ids] < 0) & (self.book.queued_a[self.unit_a[ids]] == 0)
        if self.active_tasks or self.campaigns_of:
            quick[:] = False  # tasks to join, campaigns counting visitors: their events in member order
        starts = np.zeros(len(ids), bool)
        for k in np.flatnonzero(off & ~quick).tolist():
            c = present[k]
            cid = c.id
            if self.hand[cid] >= 0:  # a task held over from the last shift
                self.state[cid] = BUSY
                self._work(c)
            elif self.active_tasks and (ts := self._task_for(c)) is not None:
                self._join_task(c, ts)
            elif (i := c.unit.pop(c)) is not None:
                self._start(c, i)
            else:
                self.state[cid] = IDLE
                c.unit.add_idle(c)
                if c.visits and allowed:
                    self.visiting[cid] = 1
                    starts[k] = True
                    if self.campaigns_of:
                        self._campaign_visitor(c, +1)
        q = ids[quick]
        self.state_a[q] = IDLE
        self.book.mark_idle(q)  # in member order, as one by one would
        if allowed:
            visiting = quick & self.visits_a[ids]
            self.visiting_a[ids[visiting]] = 1
            starts |= visiting
        return starts

    def _go_off(self, members: list[Cadre], ids: np.ndarray, now: float, handed_back: list[tuple[Unit, int]],
                finished: list[int]) -> np.ndarray:
        """Members going off duty (the absent are off already).  Returns which members stopped visiting."""
        state = self.state_a[ids]
        quick = (state == IDLE) & self.small_a[ids]
        if self.campaigns_of:
            quick[:] = False
        stops = np.zeros(len(ids), bool)
        for k in np.flatnonzero((state != OFF) & ~quick).tolist():
            c = members[k]
            cid = c.id
            st = self.state[cid]
            if st == BUSY:
                self._go_off_busy(c, now, handed_back, finished)
            elif st == TASK:
                self._leave_task(c)
            elif st == RESERVED or (st == IDLE and self.visiting[cid]):
                if st == RESERVED:
                    self._unreserve(c)
                else:
                    c.unit.remove_idle(c)
                self.visiting[cid] = 0
                stops[k] = True
                if self.campaigns_of:
                    self._campaign_visitor(c, -1)
            else:
                c.unit.remove_idle(c)
        q = ids[quick]
        self.book.since_a[q] = -1
        visiting = quick & (self.visiting_a[ids] == 1)
        self.visiting_a[ids[visiting]] = 0
        self.state_a[ids] = OFF
        return stops | visiting

    def _reserve_shift(self, grp: DutyGroup, present: list[Cadre]) -> None:
        """The shift starts with visits reserved for its visiting members (reserve_until set, state RESERVED)."""
        now = self.env.now
        shift = min(grp.schedule.next_change(now), self.stop_at) - now
        base = self.sc.visits.reserved_hours(min(shift, 24.0))
        self.base_until[grp.index] = now + base
        ends = set()
        for c in present:
            hours = max(base, self.campaign_share[c.id] * shift) if self.campaign_share else base
            if self.active_tasks and self.hand[c.id] < 0 and self._task_for(c) is not None:
                continue  # the task comes first
            if c.visits and hours > TIE_HOURS:
                self.reserve_until[c.id] = now + hours
                ends.add(now + hours)
                self._reserve(c)
        for t in ends:
            self._at(t, self._reserve_end, (grp, now))

    def _turn_up(self, grp: DutyGroup) -> list[Cadre]:
        """The members who turn up for the shift starting now (one draw each, attendance < 1)."""
        came = (grp.turnout.random(len(grp.members)) < grp.attendance).tolist()
        grp.absent = [c.id for c, here in zip(grp.members, came) if not here]
        return [c for c, here in zip(grp.members, came) if here]

    def _log_duty(self, grp: DutyGroup, now: float) -> None:
        """A stretch on duty of the group ends: its row, and a row for each member absent from it."""
        row = len(self.duty_log) // 3
        self.duty_log.extend((grp.index, grp.on_since, now))
        for cid in grp.absent:
            self.absence_log.extend((cid, row))
        grp.absent = []

    def _go_off_busy(self, c: Cadre, now: float, handed_back: list[tuple[Unit, int]], finished: list[int]) -> None:
        """A cadre's shift ends in the middle of a task (or exactly as one starts or ends).

        Ties at the shift end are settled so that no work happens off duty and no wait
        is understated: a task due to finish now is finished now; a task taken at this
        very instant (by a completion or an arrival that came before this event) was
        never really started and goes back to the queue in its place.
        """
        i = self.hand[c.id]
        c.token += 1  # the pending completion, if any, is void
        self.hand[c.id] = -1
        if now - c.since <= TIE_HOURS:
            if now - self.start[i] <= TIE_HOURS:
                self.start[i] = NAN
            handed_back.append((c.unit, i))
            return
        self._log_work(c, now, i)
        c.remaining -= now - c.since
        c.travel_left = max(0.0, c.travel_left - (now - c.since))
        if c.remaining <= TIE_HOURS:
            finished.append(i)
        elif self.handback:  # the issue keeps its own work left; travel is the next cadre's
            self.remaining[i] = c.remaining - c.travel_left
            handed_back.append((c.unit, i))
        else:  # resume: the task stays with its cadre until the next shift
            self.hand[c.id] = i

    # ------------------------------------------------------------ wartime

    def _emergency(self, ev: Call) -> None:
        self.scheduled_on += ev.value
        self._update_mode()

    def _check_backlog(self) -> None:
        # The mode changes in an event of its own at this same instant, never inside the
        # report or resolution that crossed the threshold: that event's cadre and issue
        # are mid-change, and a duty change must not see them half done.
        if not self.backlog_on and self.backlog > self.enter_n:
            self.backlog_on = True
            self._at(self.env.now, self._mode_event, None)
        elif self.backlog_on and self.backlog < self.exit_n:
            self.backlog_on = False
            self._at(self.env.now, self._mode_event, None)

    def _mode_event(self, ev: Call) -> None:
        self._update_mode()

    def _update_mode(self) -> None:
        on = self.scheduled_on > 0 or self.backlog_on
        if on == self.war_on:
            return
        now = self.env.now
        self.war_on = on
        self.mobilising += 1  # a mobilisation still under way is void
        if on:
            self.war_periods.append([now, math.inf])  # closed when it ends or the run stops
            delay = self.sc.wartime.mobilisation_hours
            if delay > 0:  # duty, posts and the visit pause start once cadres are mobilised
                self._at(now + delay, self._mobilised, self.mobilising)
                return
        else:
            self.war_periods[-1][1] = now
            if not self.mobilised:
                return
        self._mobilise(on)

    def _mobilised(self, ev: Call) -> None:
        if ev.value == self.mobilising:
            self._mobilise(True)

    def _mobilise(self, on: bool) -> None:
        """Wartime duty starts (or ends): the called roles' schedules, posts and the visit pause."""
        now = self.env.now
        self.mobilised = on
        if on:
            self.mobilised_periods.append([now, math.inf])
        else:
            self.mobilised_periods[-1][1] = now
        pause = self.sc.wartime.pause_visits and self.sc.visits.enabled
        if pause and on:
            self.visiting_allowed = False
            for c in self.cadres:
                if self.state[c.id] == RESERVED:
                    self.reserve_until[c.id] = now
                    self._release(c)
                self._stop_visiting(c)
        for grp in self.groups.values():
            if grp.wartime_schedule is None:
                continue
            grp.schedule = grp.wartime_schedule if on else grp.normal
            grp.token += 1
            want = grp.schedule.on_duty(now)
            if want != grp.on:
                self._set_group(grp, want)
            self._schedule_group(grp)
        if pause and not on:
            self.visiting_allowed = True
            for c in self.cadres:
                if self.state[c.id] == IDLE and not self.visiting[c.id]:
                    self._start_visiting(c)

    # ------------------------------------------------------------ the horizon

    def _locations(self) -> np.ndarray:
        """Per issue, how many places hold it now: hidden, resolved, a queue or a cadre's hand.

        Counted from live model state (issue status, queues, cadres), not from the
        records, so that a lost or duplicated issue shows as a count other than 1.
        """
        status = np.frombuffer(bytes(self.status), dtype=np.uint8)
        location = ((status == HIDDEN) | (status == RESOLVED)).astype(np.int8)
        for i in self.waiting:
            location[i] += 1
        np.add.at(location, self.hand_a[self.hand_a >= 0], 1)
        units = self.grid_unit + self.police_units + [u for lv in self.level_units for u in lv]
        for unit in {id(u): u for u in units}.values():
            for i in unit.waiting():
                location[i] += 1
        return location

    def _finish(self, location: np.ndarray) -> Records:
        now = self.env.now
        for cid in np.flatnonzero(self.state_a == BUSY).tolist():
            self._log_work(self.cadres[cid], now, self.hand[cid])
        for grp in self.groups.values():
            if grp.on:
                self._log_duty(grp, now)
        for periods in (self.war_periods, self.mobilised_periods):
            if periods and periods[-1][1] == math.inf:
                periods[-1][1] = now
        every = np.arange(len(self.visits))
        self.visits.change_many(every, np.zeros_like(every), now)
        for cp in self.campaigns:
            if cp.active:
                cp.advance(now)
                cp.stopped = now
        for cid, (ts, since) in self.on_task.items():
            self.task_log.extend((cid, ts.index, since, now))
        for ts in self.active_tasks:
            if ts.deadline >= now:  # the run ended before the deadline: what was done by then
                ts.count_on_time(now)
            else:
                for g in range(len(ts.need)):
                    ts.advance(g, now)
        return assemble_records(
            self.sc, self.table, self.d, report=self.report, start=self.start, end=self.end, found=self.found,
            level=self.i_level, supervised=self.supervised, cadres=self.cadres, groups=list(self.groups.values()),
            work_who=self.work_who, work_when=self.work_when, duty_log=self.duty_log, absence_log=self.absence_log, visits=self.visits, war_periods=self.war_periods,
            mobilised_periods=self.mobilised_periods, post_holders=self.post_holders,
            location=location, run_end=now, transitions=self.transitions, campaigns=self.campaigns, tasks=self.tasks,
            task_log=self.task_log,
            events=self.events + self.self_reports.count)


def simulate(scenario: Scenario, seeds: np.random.SeedSequence) -> Records:
    """Run one replication of ``scenario`` with the replication's SeedSequence."""
    sim = Simulation(scenario, seeds)
    records = sim.run()
    # cadres, units and pending events refer to each other (cycles the garbage collector frees
    # only later): drop the run's state now, so it is not held while the caller computes metrics
    sim.__dict__.clear()
    return records


def _typed(x: np.ndarray, code: str = "d") -> array:
    """A numpy column as a compact Python array (typecode 'd' float64, 'i' int32, 'H' uint16): fast scalar access."""
    out = array(code)
    out.frombytes(np.ascontiguousarray(x, dtype=np.dtype(code)).tobytes())
    return out
