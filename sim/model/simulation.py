"""The SimPy model: issues flow through dispatch units to cadres on shifts.

(Over 450 lines on purpose: one class holds the model's state and every event
handler, because each event reads and changes the same state — an issue's
stage, a cadre's hand, a unit's queue, a group's duty.  Here: the set-up, an
issue's path through the levels, cadres at work, the discovery of hidden issues
and the horizon.  The handlers of three families of events are mixins of the
class, each in its module: shift changes (shift_changes.py), reserved visits and
campaigns (reserved_visits.py), emergency tasks and wartime (emergencies.py).
What stands alone is elsewhere: the roster in roster.py, issue generation in
issues.py, visiting in visits.py, records in records.py.)

Events (timed calls on SimPy's calendar, calls.py; one pending per chain):
- an issue arrives (one chain through the pre-drawn, time-sorted issue table);
- a hidden issue is reported by its resident after its delay;
- supervision looks at an issue whose time limit at its level is up;
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

from sim.model.attendance import Turnout, stable_keys
from sim.model.cadres import BUSY, IDLE, Cadre
from sim.model.calls import Call, call_at
from sim.model.campaigns import CampaignState, build_campaigns
from sim.model.clock import TIE_HOURS, Clock
from sim.model.dispatch import SmallUnit, Unit
from sim.model.district import Trips, build_district
from sim.model.emergencies import Emergencies
from sim.model.posts import post_log
from sim.model.issues import HIDDEN, KNOWN, RESOLVED, IssueTable, generate_issues
from sim.model.records import Records, assemble_records
from sim.model.reserved_visits import ReservedVisits
from sim.model.roster import build_roster
from sim.model.shift_changes import ShiftChanges
from sim.model.tasks import TaskState, build_tasks
from sim.model.visits import Visiting
from sim.scenario import LEVELS, Scenario

NAN = math.nan
FEEDBACK = 255  # the stage of an escalated issue's feedback task back at the grid
FEW_GRIDS = 8  # visiting changes in at most this many grids go one grid at a time: array calls cost more there


class Simulation(ShiftChanges, ReservedVisits, Emergencies):
    def __init__(self, scenario: Scenario, seeds: np.random.SeedSequence):
        self.sc = scenario
        self.env = simpy.Environment()
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
        self.unit_a = np.array([c.unit.index for c in self.cadres], dtype=np.intp)  # the number of each one's unit
        self.units = r.units
        for grp in self.groups.values():  # all members take part in shift changes (until the drain narrows them)
            grp.active = grp.members
            grp.ids = np.array([c.id for c in grp.members], dtype=np.intp)
        self.turnout = None
        if any(grp.attendance < 1 for grp in self.groups.values()):  # who turns up (attendance.py)
            places = [self.d.ids[c.home] if c.home >= 0 else c.unit.name for c in self.cadres]
            self.turnout = Turnout(seeds, stable_keys([r.role_names[c.role] for c in self.cadres], places))
            for grp in self.groups.values():
                if grp.attendance < 1:
                    grp.turnout = self.turnout
        self.absence_log = array("q")  # flat rows (cadre, duty row): a member absent from that shift
        self.grid_unit, self.police_units, self.level_units = r.grid_unit, r.police_units, r.level_units
        # each grid's and police grid's unit by its number, for the drain's narrowing
        self.grid_num = np.array([u.index for u in self.grid_unit], dtype=np.intp)
        self.police_num = np.array([u.index for u in self.police_units], dtype=np.intp)
        self.police_of = self.d.police_unit.tolist()
        self.comm_of = self.d.community.tolist()
        self.trips = self._trips() if scenario.dispatch.travel == "distance" else None
        self.street_of = self.d.street.tolist()
        pace = scenario.visits.households_per_hour
        self.visits = Visiting(self.d.households, pace, self.horizon)
        self.visiting_allowed = scenario.visits.enabled
        self.role_of = [r.role_names[c.role] for c in self.cadres]
        self.role_a = np.array([c.role for c in self.cadres], dtype=np.intp)
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
        self.tasked_in: dict[Unit, dict[int, Cadre]] = {}  # per unit, who works on an emergency task (tasks.py)
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
        # supervision (督办): per type, the hours allowed at each level, and the priority it raises to
        self.limits = [[it.time_limit_by_level.get(lv, 0.0) for lv in LEVELS] for it in types]
        self.raised_to = [it.supervised_priority for it in types]
        supervised = any(it.time_limit_by_level for it in types)
        self.i_kind = _typed(t.type, "H") if supervised else array("H")
        self.supervised = _typed(np.full(n if supervised else 0, NAN))  # when its priority was raised
        self.queued = bytearray(n)  # in a unit's queue now (supervision moves it up there)

    # ------------------------------------------------------------ event plumbing

    def _at(self, time: float, fn, value) -> None:
        """Call ``fn`` at ``time`` (now if past): a SimPy calendar entry, after those scheduled before it for
        the same instant."""
        self._after(max(time - self.env.now, 0.0), fn, value)

    def _after(self, delay: float, fn, value) -> None:
        call_at(self.env, delay, fn, value)
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

    def _drain_limit(self, ev: Call) -> None:
        self._end_drain()

    def _end_drain(self) -> None:
        """The drain is over: its limit came, or its last open issue was resolved.  Both can happen at
        one instant (the last issue resolved exactly at the limit), so this is the one place that ends it."""
        if not self.drained.triggered:
            self.drained.succeed()

    # ------------------------------------------------------------ issues

    def _arrive(self, ev: Call) -> None:
        i = ev.value
        if i + 1 < len(self.table):
            self._at(self.i_occur[i + 1], self._arrive, i + 1)
        if self.i_occur[i] >= self.warmup:
            self.open_counted += 1
        if self.i_hidden[i]:
            self._hide(i)
        else:
            self._report(i)

    def _hide(self, i: int) -> None:
        """The issue occurred unseen: its resident reports it after its delay, unless a visit finds it first."""
        now = self.env.now
        self.status[i] = HIDDEN
        if now + self.i_delay[i] < self.stop_at:
            self._after(self.i_delay[i], self._self_report, i)
        offset = self.i_offset[i]
        if math.isfinite(offset) and self.sc.visits.enabled:
            g = self.i_grid[i]
            self.visits.add_hidden(g, now, offset, i)
            self._reschedule_discovery(g)

    def _self_report(self, ev: Call) -> None:
        """The resident reports a hidden issue (unless a visit found it already)."""
        i = ev.value
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
        if cadre is None and self.i_prio[i] <= self.interrupt:
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
            self._after(hours, self._supervise, (i, lv))

    def _supervise(self, ev: Call) -> None:
        """督办: still at level ``lv`` past its time limit, the issue goes up to its supervised priority,
        in its queue if it waits in one (from where, urgent now, it may call a cadre away from reserved
        visits), and for every queue after."""
        i, lv = ev.value
        new = self.raised_to[self.i_kind[i]]
        if self.stage[i] != lv or self.status[i] == RESOLVED or self.i_prio[i] <= new:
            return
        if math.isnan(self.supervised[i]):
            self.supervised[i] = self.env.now
        old, self.i_prio[i] = self.i_prio[i], new
        if not self.queued[i]:
            return
        unit = self._office(i, lv) if lv else self._grid_place(i)
        unit.raise_priority(old, new, self.report[i], i)
        # urgent now: it calls a cadre away from reserved visits, as an issue reported urgent does
        if new <= self.interrupt:
            cadre = self._call_away(unit, self.i_grid[i], i)
            if cadre is not None:
                unit.withdraw(new, self.report[i], i)
                self._stop_visiting(cadre)
                self._start(cadre, i)

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
                self._end_drain()

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
        self._free(c)

    def _log_work(self, c: Cadre, end: float, i: int) -> None:
        self.work_who.extend((c.id, i))
        self.work_when.extend((c.since, end))

    def _free(self, c: Cadre, visitors_later: bool = False) -> bool:
        """The one rule for a cadre on duty whose hands are free (its work done, its shift begun, its
        reserve or task over).  It takes, in this order: the task it held over a shift end; an emergency
        task under way in its grid (an urgent issue waiting first: visits.interrupt_priority); its reserved
        visits, while the day's reserve lasts (an urgent issue first); the next issue its unit's queue
        has for it; else it is idle, and visits households.

        A shift change sums the change in visitors per grid itself (``visitors_later``): then the
        cadre's grid is not told, and the return value says whether the cadre started visiting."""
        cid = c.id
        if self.hand[cid] >= 0:
            self._stop_visiting(c)
            self.state[cid] = BUSY
            self._work(c)
        elif self.active_tasks and (ts := self._task_for(c)) is not None:
            self._stop_visiting(c)
            if (i := self._urgent(c.unit, c)) is not None:  # an urgent issue before the task
                self._start(c, i)
            else:
                self._join_task(c, ts)
        elif self.reserving and self.visiting_allowed and self.reserve_until[cid] > self.env.now + TIE_HOURS:
            self._reserve(c)
        elif (i := c.unit.pop(c)) is not None:
            self._stop_visiting(c)
            self._start(c, i)
        else:
            self.state[cid] = IDLE
            c.unit.add_idle(c)
            if not visitors_later:
                self._start_visiting(c)
            elif c.visits and self.visiting_allowed and not self.visiting[cid]:
                self.visiting[cid] = 1
                if self.campaigns_of:
                    self._campaign_visitor(c, +1)
                return True
        return False

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
        if len(grids) <= FEW_GRIDS:
            for g, delta in zip(grids.tolist(), deltas.tolist()):
                self._visitors(g, delta)
            return
        now = self.env.now
        vs = self.visits
        vs.change_many(grids, deltas, now)
        sped_up, t = vs.next_discoveries(grids[deltas > 0], now)
        sooner = (t < np.frombuffer(vs.due)[sped_up] - TIE_HOURS) & (t < self.stop_at)
        for g, when in zip(sped_up[sooner].tolist(), t[sooner].tolist()):
            self._discovery_at(g, when)

    def _campaign_visitor(self, c: Cadre, delta: int) -> None:
        """A participant starts or stops visiting: the campaigns it takes part in count its visits."""
        for cp in self.campaigns_of.get(c.id, ()):
            if cp.active:
                cp.change_visitors(self.env.now, delta)
                self._reschedule_campaign(cp)

    # ------------------------------------------------------------ visits find hidden issues

    def _reschedule_discovery(self, g: int) -> None:
        vs = self.visits
        t = vs.next_discovery(g, self.env.now)
        if t < vs.due[g] - TIE_HOURS and t < self.stop_at:
            self._discovery_at(g, t)

    def _discovery_at(self, g: int, when: float) -> None:
        """Grid ``g``'s next discovery is at ``when``: the one pending before is void."""
        vs = self.visits
        vs.token[g] += 1
        vs.due[g] = when
        self._at(when, self._discover, (g, vs.token[g]))

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
            mobilised_periods=self.mobilised_periods, post_holders=[len(m) for m in self.post_holders],
            post_log=post_log(self.sc, self.post_holders, self.mobilised_periods, self.turnout),
            location=location, run_end=now, transitions=self.transitions, campaigns=self.campaigns, tasks=self.tasks,
            task_log=self.task_log,
            events=self.events)


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
