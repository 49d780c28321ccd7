"""Issues and their queues: each issue's state, and its way from occurrence to resolution.

An issue occurs (reported at once, or hidden until its resident reports it or a
visit finds it), is taken in at its grid (or its police grid), goes up the
levels' queues as its type says (direct to its resolving office, or level by
level), waits for a department's response or a lead step where it has one, is
worked, and is resolved (with a feedback step back at the grid when resolved
above it).  Supervision (督办) raises its priority when it stays at a level past
its time limit.

Semantics (docs/scenario-reference.md):
- issues are served by priority, then by report time, non-preemptively; an issue of
  priority ``visits.interrupt_priority`` or more urgent calls a cadre away from reserved
  visits or an emergency task (ReservedVisits, Tasks) when no cadre is idle;
- an escalated issue is first taken in at the grid (intake time), then queued at its
  level's office (community, street or district department).

Per-issue state is compact typed arrays (8 bytes a float, 1 a flag), not lists of
Python objects: memory per issue, not per event, is what limits province-scale
districts.  The queues are the dispatch units (dispatch.py), built by the roster.
"""

from __future__ import annotations

import math
from array import array

import numpy as np

from sim.model.cadres import Cadre
from sim.model.calls import Call
from sim.model.columns import typed
from sim.model.component import Component, Run
from sim.model.dispatch import SkilledUnit, Unit
from sim.model.district import District
from sim.model.issues import HIDDEN, KNOWN, PETITION, RESOLVED, IssueTable
from sim.model.roster import Roster
from sim.model.settling import Settling, needed
from sim.scenario import LEVELS

NAN = math.nan
FEEDBACK = 255  # the stage of an escalated issue's feedback task back at the grid


class IssuePath(Component):
    connects = ("crew", "visits", "wartime", "worsening")

    def __init__(self, run: Run, table: IssueTable, district: District, roster: Roster):
        super().__init__(run)
        sc = run.sc
        self.table = table
        self.n = len(table)
        self._columns(table)
        self.grid_unit, self.police_units, self.level_units = roster.grid_unit, roster.police_units, roster.level_units
        # each grid's and police grid's unit by its number, for the drain's narrowing
        self.grid_num = np.array([u.index for u in self.grid_unit], dtype=np.intp)
        self.police_num = np.array([u.index for u in self.police_units], dtype=np.intp)
        self.police_of = district.police_unit.tolist()
        self.comm_of = district.community.tolist()
        self.street_of = district.street.tolist()
        self.interrupt = sc.visits.interrupt_priority
        # first calls: per type, the hours a named role that takes it has it alone (SkilledUnit.hold)
        self.kinds = roster.kinds
        self.first_call = [sc.first_call_hours(name) for name in table.type_names]
        self.visits_on = sc.visits.enabled
        self.backlog = 0  # issues known and not resolved
        self.backlog_watched = sc.wartime.trigger in ("backlog", "both")  # wartime may start on the backlog
        self.open_counted = 0  # issues that occurred after the warm-up and are not resolved yet (the drain)
        # where issues end as an outcome (resolve_chance, sunk cadres' department_types): who settles them
        self.settling = Settling(sc, table.type_names, table.type, table.settle, self) if needed(sc) else None

    def _columns(self, t: IssueTable) -> None:
        n = len(t)
        sc = self.run.sc
        types = [sc.issue_types[name] for name in t.type_names]
        kind = t.type.astype(np.intp)
        self.i_grid = typed(t.grid, "i")
        self.i_level = bytearray(t.level.astype(np.uint8).tobytes())
        t.drawn_level = t.level
        t.level = np.frombuffer(self.i_level, dtype=np.uint8)  # live: where it ends is an outcome (worsening)
        self.i_prio = bytearray(np.array([it.priority for it in types], np.uint8)[kind].tobytes())
        self.i_police = bytearray(t.police.astype(np.uint8).tobytes())
        self.i_hidden = bytearray(t.hidden.astype(np.uint8).tobytes())
        self.i_service = typed(t.service)
        self.i_intake = typed(t.intake)
        self.i_travel = typed(t.travel)
        self.i_delay = typed(t.report_delay)
        self.i_offset = typed(t.visit_offset)
        self.i_occur = typed(t.occur)
        # the table's columns become views of these arrays: one copy of each column, not two
        t.grid = np.frombuffer(self.i_grid, dtype=np.int32)
        t.service, t.intake, t.travel = (np.frombuffer(a) for a in (self.i_service, self.i_intake, self.i_travel))
        t.report_delay, t.visit_offset, t.occur = (np.frombuffer(a) for a in (self.i_delay, self.i_offset, self.i_occur))
        self.report = typed(np.full(n, NAN))
        self.start = typed(np.full(n, NAN))
        self.end = typed(np.full(n, NAN))
        self.remaining = typed(np.zeros(n))
        self.found = bytearray(n)
        self.stage = bytearray(n)  # the level the issue is at (0: the grid, or its police grid)
        self.i_seq = bytearray(t.sequential.astype(np.uint8).tobytes())
        self.i_attempt = [typed(t.attempts[:, k]) for k in range(t.attempts.shape[1])]  # community, street
        self.i_response = typed(t.response)
        units = list(sc.levels.department.units)
        dept = [0 if (u := sc.department_unit(name)) is None else 1 + units.index(u) for name in t.type_names]
        self.i_dept = bytearray(np.array(dept, np.uint8)[kind].tobytes())
        self.i_lead = [typed(t.lead[:, k]) for k in range(t.lead.shape[1])]  # per level, or none
        self.i_feedback = typed(t.feedback)
        # issues waiting with nobody working on them: for a department's response, or in a lead step
        self.waiting: set[int] = set()
        self.status = bytearray(n)  # NOT_YET, HIDDEN, KNOWN, RESOLVED or PETITION
        worsens = any(it.worsens() for it in types)
        self.here = bytearray(n if worsens else 0)  # taken at its current level (worsening waits for no other)
        # supervision (督办): per type, the hours allowed at each level, and the priority it raises to
        self.limits = [[it.time_limit_by_level.get(lv, 0.0) for lv in LEVELS] for it in types]
        self.raised_to = [it.supervised_priority for it in types]
        supervised = any(it.time_limit_by_level for it in types)
        self.i_kind = typed(t.type, "H") if supervised else array("H")
        self.supervised = typed(np.full(n if supervised else 0, NAN))  # when its priority was raised
        self.queued = bytearray(n)  # in a unit's queue now (supervision moves it up there)

    def begin(self) -> None:
        """The first arrival (each arrival schedules the next: one pending through the sorted table)."""
        if self.n:
            self.run.at(self.table.occur[0], self.arrive, 0)

    # ------------------------------------------------------------ arrival and report

    def arrive(self, ev: Call) -> None:
        i = ev.value
        if i + 1 < self.n:
            self.run.at(self.i_occur[i + 1], self.arrive, i + 1)
        if self.i_occur[i] >= self.run.warmup:
            self.open_counted += 1
        if self.i_hidden[i]:
            self.hide(i)
        else:
            self.report_now(i)
        if self.here and (self.status[i] == HIDDEN or self.queued[i]):
            self.worsening.watch_grid(i)

    def hide(self, i: int) -> None:
        """The issue occurred unseen: its resident reports it after its delay, unless a visit finds it first."""
        run = self.run
        self.status[i] = HIDDEN
        if self.env.now + self.i_delay[i] < run.stop_at:
            run.after(self.i_delay[i], self.self_report, i)
        offset = self.i_offset[i]
        if math.isfinite(offset) and self.visits_on:
            self.visits.hide(self.i_grid[i], offset, i)

    def self_report(self, ev: Call) -> None:
        """The resident reports a hidden issue (unless a visit found it already)."""
        i = ev.value
        if math.isnan(self.report[i]):
            self.report_now(i)

    def found_by_visit(self, i: int) -> None:
        if math.isnan(self.report[i]):
            self.found[i] = True
            self.report_now(i)

    def report_now(self, i: int) -> None:
        self.known(i)
        if self.i_level[i] > 0 and self.i_intake[i] == 0.0 and not self.i_seq[i]:  # no intake: to its office
            self.escalate(i)
            return
        self.remaining[i] = self.i_service[i] if self.i_level[i] == 0 else self.i_intake[i]
        if self.i_kind:
            self.limit(i, 0)
        unit = self.grid_place(i)
        if self.kinds is not None and (hours := self.first_call[self.kinds[i]]) > 0 and \
                isinstance(unit, SkilledUnit) and unit.holds(i):
            unit.hold(i)
            self.run.after(hours, self.first_call_over, i)
        self.enqueue(unit, i)

    def known(self, i: int) -> None:
        """The district learns of the issue now (reported, found, or gone up by itself unseen)."""
        self.report[i] = self.env.now
        self.status[i] = KNOWN
        self.backlog_by(1)

    def backlog_by(self, change: int) -> None:
        self.backlog += change
        if self.backlog_watched:
            self.wartime.check_backlog(self.backlog)

    def first_call_over(self, ev: Call) -> None:
        """The issue's first call is over: any cadre of its grid that takes its type may take it now."""
        i = ev.value
        unit = self.grid_place(i)
        queued = bool(self.queued[i]) and self.stage[i] in (0, FEEDBACK)  # waiting in this unit's queue
        unit.release(self.i_prio[i], self.report[i], i, queued)
        if queued and (cadre := self.taker(unit, i)) is not None:
            unit.withdraw(self.i_prio[i], self.report[i], i)
            self.crew.assign(cadre, i)

    # ------------------------------------------------------------ queues

    def grid_place(self, i: int) -> Unit:
        """Where an issue is worked at grid level: its grid's unit, or its police grid for police types."""
        g = self.i_grid[i]
        return self.police_units[self.police_of[g]] if self.i_police[i] else self.grid_unit[g]

    def enqueue(self, unit: Unit, i: int) -> None:
        """The issue comes to ``unit``: an idle cadre takes it, or (urgent) one called away, or it waits."""
        cadre = self.taker(unit, i)
        if cadre is None:
            unit.push(self.i_prio[i], self.report[i], i)
            self.queued[i] = 1
        else:
            self.crew.assign(cadre, i)

    def taker(self, unit: Unit, i: int) -> Cadre | None:
        """Who takes issue ``i`` in ``unit`` now: an idle cadre, or (urgent) one called away, or nobody."""
        cadre = unit.take_idle(self.i_grid[i], i)
        if cadre is None and self.i_prio[i] <= self.interrupt:
            cadre = self.crew.call_away(unit, self.i_grid[i], i)
        return cadre

    def urgent(self, unit: Unit, c: Cadre) -> int | None:
        """The first issue in the unit's queue for ``c``, taken out, if it is urgent enough to call a cadre
        away from reserved visits or a task."""
        i = unit.pop(c)
        if i is not None and self.i_prio[i] > self.interrupt:
            unit.push(self.i_prio[i], self.report[i], i)  # its key again: the queue is unchanged
            return None
        return i

    def escalate(self, i: int) -> None:
        """Pass the issue up: to its resolving office (direct), or to the next level (sequential)."""
        top = self.i_level[i]
        lv = self.stage[i] + 1 if self.i_seq[i] else top
        self.stage[i] = lv
        self.remaining[i] = self.i_service[i] if lv == top else self.i_attempt[lv - 1][i]
        if self.i_kind:
            self.limit(i, lv)
        unit = self.office(i, lv)
        if self.here:
            self.here[i] = 0
        if lv == 3 and self.i_response and self.i_response[i] > 0:  # the department answers the call later
            self.wait(i, self.i_response[i], lambda: self.join(unit, i, lv))
        else:
            self.join(unit, i, lv)

    def join(self, unit: Unit, i: int, lv: int) -> None:
        """The issue joins office ``unit`` of level ``lv``: its patience there runs from now."""
        self.enqueue(unit, i)
        if self.here and self.queued[i]:
            self.worsening.watch_office(i, lv)

    def place(self, i: int, lv: int) -> Unit:
        """The unit issue ``i`` waits in at level ``lv``: its grid's (or police grid's) at 0, else the office."""
        return self.office(i, lv) if lv else self.grid_place(i)

    def office(self, i: int, lv: int) -> Unit:
        """The unit of level ``lv`` (1 community, 2 street, 3 department) that serves issue ``i``."""
        g = self.i_grid[i]
        return self.level_units[lv - 1][(self.comm_of[g], self.street_of[g], self.i_dept[i])[lv - 1]]

    # ------------------------------------------------------------ worsening (worsening.py decides when)

    def withdraw(self, i: int) -> None:
        """The issue leaves the queue it waits in at its current level, unstarted."""
        lv = self.stage[i]
        unit = self.place(i, lv)
        unit.withdraw(self.i_prio[i], self.report[i], i)
        self.queued[i] = 0

    def go_up(self, i: int) -> bool:
        """Waited too long: the issue goes up by itself into the next level's queue, with no intake step
        (a direct issue drawn for an office: to that office), known from now if nobody had seen it; it
        is resolved there (or, sequential, passed on as its type says) with the work it was drawn with.
        Returns whether it now ends higher than it would have: a level it was not headed for, or (settled by
        attempt) past a level that might have settled it; not a direct issue that only skipped its intake."""
        if self.status[i] == HIDDEN:
            self.known(i)
        st = self.stage[i]
        up = self.i_level[i] if st == 0 and not self.i_seq[i] and self.i_level[i] > 0 else st + 1
        higher = self.i_level[i] < up or (self.settling is not None and self.settling.by_attempt(i))
        if self.i_level[i] < up:
            self.i_level[i] = up
        self.escalate(i)
        return higher

    def petition(self, i: int) -> None:
        """Waited too long: the issue leaves the district's workflow as a petition (越级上访), never resolved by
        the district; the district learns of it now if nobody had seen it."""
        if self.status[i] == KNOWN:
            self.backlog_by(-1)
        else:
            self.report[i] = self.env.now
        self.status[i] = PETITION
        self.closed(i)

    # ------------------------------------------------------------ supervision

    def limit(self, i: int, lv: int) -> None:
        """The issue has just come to level ``lv``: supervision looks at it when its time there is up."""
        hours = self.limits[self.i_kind[i]][lv]
        if hours > 0:
            self.run.after(hours, self.supervise, (i, lv))

    def supervise(self, ev: Call) -> None:
        """督办: still at level ``lv`` past its time limit, the issue goes up to its supervised priority,
        in its queue if it waits in one (from where, urgent now, it may call a cadre away from reserved
        visits or a task), and for every queue after."""
        i, lv = ev.value
        new = self.raised_to[self.i_kind[i]]
        if self.stage[i] != lv or self.status[i] == RESOLVED or self.i_prio[i] <= new:
            return
        if math.isnan(self.supervised[i]):
            self.supervised[i] = self.env.now
        old, self.i_prio[i] = self.i_prio[i], new
        if not self.queued[i]:
            return
        unit = self.place(i, lv)
        unit.raise_priority(old, new, self.report[i], i)
        # urgent now: it calls a cadre away, as an issue reported urgent does
        if new <= self.interrupt:
            cadre = self.crew.call_away(unit, self.i_grid[i], i)
            if cadre is not None:
                unit.withdraw(new, self.report[i], i)
                self.crew.assign(cadre, i)

    # ------------------------------------------------------------ after work

    def wait(self, i: int, hours: float, then) -> None:
        """The issue waits ``hours`` with nobody working on it (a response, a lead step), then ``then()``."""
        self.waiting.add(i)
        self.run.at(self.env.now + hours, self.waited, (i, then))

    def waited(self, ev: Call) -> None:
        i, then = ev.value
        self.waiting.remove(i)
        then()

    def work_done(self, i: int) -> None:
        """The work at the issue's current place is done: wait its lead step there, if any, then move on."""
        st = self.stage[i]
        lead = self.i_lead[st][i] if self.i_lead and st < FEEDBACK else 0.0
        if lead > 0:
            self.wait(i, lead, lambda: self.resolve_or_escalate(i))
        else:
            self.resolve_or_escalate(i)

    def resolve_or_escalate(self, i: int) -> None:
        if self.stage[i] < self.i_level[i] and (self.settling is None or not self.settling.settles(i)):
            self.escalate(i)
            return
        if self.i_level[i] > 0 and self.stage[i] != FEEDBACK and self.i_feedback and self.i_feedback[i] > 0:
            self.stage[i] = FEEDBACK  # resolved above: back at the grid to tell the resident
            self.remaining[i] = self.i_feedback[i]
            self.enqueue(self.grid_place(i), i)
            return
        self.end[i] = self.env.now
        self.status[i] = RESOLVED
        self.backlog_by(-1)
        self.closed(i)

    def closed(self, i: int) -> None:
        """The issue has left the workflow (resolved, or a petition): the drain may be over."""
        if self.i_occur[i] >= self.run.warmup:
            self.open_counted -= 1
            if self.run.draining and not self.open_counted:
                self.run.end_drain()

    # ------------------------------------------------------------ the horizon

    def open_places(self) -> tuple[np.ndarray, np.ndarray]:
        """The open issues (hidden or known, not resolved) and the unit each is worked in at grid level
        (by unit number): for the drain's narrowing."""
        status = np.frombuffer(bytes(self.status), dtype=np.uint8)
        open_issues = np.flatnonzero((status == HIDDEN) | (status == KNOWN))
        grid = np.frombuffer(self.i_grid, dtype=np.int32)[open_issues]
        police = np.frombuffer(bytes(self.i_police), dtype=np.uint8)[open_issues] == 1
        place = self.grid_num[grid]
        if police.any():
            place[police] = self.police_num[np.asarray(self.police_of)[grid[police]]]
        return grid, place

    def locations(self, hands: np.ndarray) -> np.ndarray:
        """Per issue, how many places hold it now: hidden, resolved, waiting, a queue or a cadre's hand
        (``hands``: the issue in each cadre's hand, -1 for none).

        Counted from live model state (issue status, queues, cadres), not from the
        records, so that a lost or duplicated issue shows as a count other than 1.
        """
        status = np.frombuffer(bytes(self.status), dtype=np.uint8)
        location = ((status == HIDDEN) | (status == RESOLVED) | (status == PETITION)).astype(np.int8)
        for i in self.waiting:
            location[i] += 1
        np.add.at(location, hands[hands >= 0], 1)
        units = self.grid_unit + self.police_units + [u for lv in self.level_units for u in lv]
        for unit in {id(u): u for u in units}.values():
            for i in unit.waiting():
                location[i] += 1
        return location
