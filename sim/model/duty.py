"""Duty: duty groups (cadres sharing one weekly schedule) coming on and going off duty.

One event per group's shift change, not one per cadre.  A shift change touches
every member, so it works on the Crew's arrays in bulk: members in the common
case (coming on to an empty queue with nothing in hand, or going off from idle,
in a SmallUnit) change as array operations; the others one by one, in member
order, through the one rule for a free cadre (Crew.free).  Visiting changes are
summed per grid, the grids taken in the order of their first member that changed.

Semantics (docs/scenario-reference.md): a task unfinished at a cadre's shift end
stays with that cadre and resumes at its next shift (``resume``; back to the
queue if the cadre has no next shift within the run), or goes back to the front
of its unit's queue, keeping the work already done (``handback``); no work starts
at the instant a cadre's shift ends, and a task due to end then ends then.  With
``attendance`` below 1, each member turns up for each shift with that chance
(attendance.py).  A cadre at work on an issue of a type finished before leaving stays
until it is done (overtime.py); if its next shift comes first, it is there for it.  In
the drain after the horizon, shift changes touch only the cadres whose work can still
matter (``narrow_to_live_units``).
"""

from __future__ import annotations

import math
from array import array

import numpy as np

from sim.model.attendance import Turnout, stable_keys
from sim.model.cadres import BUSY, IDLE, OFF, OVERTIME, RESERVED, TASK, Cadre, DutyGroup
from sim.model.calls import Call
from sim.model.clock import TIE_HOURS
from sim.model.component import Component, Run
from sim.model.dispatch import Unit
from sim.model.roster import Roster


class Duty(Component):
    connects = ("crew", "issues", "visits", "reserves", "tasks")

    def __init__(self, run: Run, roster: Roster, grid_ids: list[str], seeds: np.random.SeedSequence):
        super().__init__(run)
        self.groups = roster.groups
        for grp in self.groups.values():  # all members take part in shift changes (until the drain narrows them)
            grp.active = grp.members
            grp.ids = np.array([c.id for c in grp.members], dtype=np.intp)
        self.turnout = None
        if any(grp.attendance < 1 for grp in self.groups.values()):  # who turns up (attendance.py)
            places = [grid_ids[c.home] if c.home >= 0 else c.unit.name for c in roster.cadres]
            self.turnout = Turnout(seeds, stable_keys([roster.role_names[c.role] for c in roster.cadres], places))
            for grp in self.groups.values():
                if grp.attendance < 1:
                    grp.turnout = self.turnout
        self.handback = run.sc.dispatch.at_shift_end == "handback"
        self.transitions = 0  # cadres coming on or going off duty (batched into group events)
        self.duty_log = array("d")  # flat rows (group, start, end): all members on duty, but the absent
        self.absence_log = array("q")  # flat rows (cadre, duty row): a member absent from that shift

    def begin(self) -> None:
        for grp in self.groups.values():
            if grp.schedule.on_duty(0.0):
                self.set_group(grp, True)
            self.schedule(grp)

    def schedule(self, grp: DutyGroup) -> None:
        t = grp.schedule.next_change(self.env.now)
        if t < self.run.stop_at:
            self.run.at(t, self.toggle, (grp, grp.token))

    def toggle(self, ev: Call) -> None:
        grp, token = ev.value
        if token != grp.token:
            return
        on = grp.schedule.on_duty(self.env.now)
        if on != grp.on:
            self.set_group(grp, on)
        self.schedule(grp)

    def switch_schedules(self, wartime: bool) -> None:
        """Wartime duty starts or ends: the called roles' groups take their wartime or normal schedule."""
        now = self.env.now
        for grp in self.groups.values():
            if grp.wartime_schedule is None:
                continue
            grp.schedule = grp.wartime_schedule if wartime else grp.normal
            grp.token += 1
            want = grp.schedule.on_duty(now)
            if want != grp.on:
                self.set_group(grp, want)
            elif want and self.reserves.reserving:  # on duty still, perhaps now past midnight
                self.reserves.plan_days(grp)
            self.schedule(grp)
            self.give_back_held(grp)  # if the new schedule leaves them no shift in the run

    def no_shift_left(self, grp: DutyGroup) -> bool:
        """Whether the group, by the schedule in force now, has no shift starting within the run."""
        return grp.schedule.next_change(self.env.now) >= self.run.stop_at

    def give_back_held(self, grp: DutyGroup) -> None:
        """If the group is off duty and will not come back within the run (``resume`` only): the tasks its
        members hold over go back to their units' queues (with the work done kept), as at a shift end with
        no next shift."""
        if self.handback or grp.on or not self.no_shift_left(grp):
            return
        crew, iss = self.crew, self.issues
        for c in grp.members:
            i = crew.hand[c.id]
            if i >= 0 and crew.state[c.id] == OFF:
                crew.hand[c.id] = -1
                iss.remaining[i] = c.remaining - c.travel_left
                iss.enqueue(c.unit, i)

    # ------------------------------------------------------------ a shift change

    def set_group(self, grp: DutyGroup, on: bool) -> None:
        """Bring a whole duty group on or off duty: the hot path of shift changes."""
        now = self.env.now
        grp.on = on
        handed_back: list[tuple[Unit, int]] = []
        finished: list[int] = []
        if on:
            grp.on_since = now
            present = grp.active if grp.turnout is None else self.turn_up(grp)
            self.transitions += len(present)
            if self.reserves.reserving:
                self.reserves.shift_starts(grp, present)
            ids = grp.ids if grp.turnout is None else np.fromiter((c.id for c in present), np.intp, len(present))
            if self.crew.overtime is not None and self.crew.overtime.since:
                self.back_from_overtime(present, ids, now)
            moved = self.come_on(present, ids)
        else:
            self.transitions += len(grp.active) - len(grp.absent)
            self.log_duty(grp, now)
            ids = grp.ids
            cls = self.visits.cls_a[ids]  # (a copy) the class each member visits in, before it stops
            moved = self.go_off(grp, ids, now, handed_back, finished)
        if moved.any():
            if on:
                cls = self.visits.cls_a[ids]
            grids, first, where = np.unique(self.crew.home_a[ids[moved]], return_index=True, return_inverse=True)
            counts = np.zeros((len(self.visits.paces), len(grids)), np.int64)  # per class and grid
            np.add.at(counts, (cls[moved], where), 1 if on else -1)
            order = np.argsort(first)
            self.visits.visitors_of(grids[order], counts[:, order])
        for i in finished:
            self.issues.work_done(i)
        for unit, i in handed_back:
            self.issues.enqueue(unit, i)
        if not on:
            self.give_back_held(grp)  # those absent from a last shift may hold tasks from an earlier one

    def come_on(self, present: list[Cadre], ids: np.ndarray) -> np.ndarray:
        """Members coming on duty (not those reserved or called away already): free (Crew.free).  Returns
        which members started visiting."""
        crew, visits = self.crew, self.visits
        off = crew.state_a[ids] == OFF
        quick = off & crew.small_a[ids] & (crew.hand_a[ids] < 0) & (crew.book.queued_a[crew.unit_a[ids]] == 0)
        if self.tasks.active or self.reserves.campaigns_of:
            quick[:] = False  # tasks to join, campaigns counting visitors: their events in member order
        starts = np.zeros(len(ids), bool)
        for k in np.flatnonzero(off & ~quick).tolist():
            starts[k] = crew.free(present[k], visitors_later=True)
        q = ids[quick]
        crew.state_a[q] = IDLE
        crew.book.mark_idle(q)  # in member order, as one by one would
        if visits.allowed:
            visiting = quick & crew.visits_a[ids]
            idle = ids[visiting]
            visits.visiting_a[idle] = 1
            visits.cls_a[idle] = visits.idle_cls_a[idle]
            starts |= visiting
        return starts

    def go_off(self, grp: DutyGroup, ids: np.ndarray, now: float, handed_back: list[tuple[Unit, int]],
               finished: list[int]) -> np.ndarray:
        """Members going off duty (the absent are off already).  Returns which members stopped visiting."""
        crew, visits = self.crew, self.visits
        members = grp.active
        # a task held over waits for its holder's next shift; with none left in the run it goes back
        resume = not self.handback and not self.no_shift_left(grp)
        state = crew.state_a[ids]
        quick = (state == IDLE) & crew.small_a[ids]
        if self.reserves.campaigns_of:
            quick[:] = False
        stops = np.zeros(len(ids), bool)
        staying: list[int] = []
        for k in np.flatnonzero((state != OFF) & ~quick).tolist():
            c = members[k]
            st = crew.state[c.id]
            if st == BUSY:
                if self.go_off_busy(c, now, resume, handed_back, finished):
                    staying.append(c.id)
            elif st == TASK:
                self.tasks.leave(c)
            else:  # reserved or idle: it stops visiting if it still visits (the wartime pause may have
                # stopped a reserved cadre's visits already, without releasing it: its grid lost it then)
                if st == RESERVED:
                    self.reserves.unreserve(c)
                else:
                    c.unit.remove_idle(c)
                stops[k] = visits.stop_visiting(c, grid_later=True)
        q = ids[quick]
        crew.book.mark_off(q)
        visiting = quick & (visits.visiting_a[ids] == 1)
        visits.visiting_a[ids[visiting]] = 0
        crew.state_a[ids] = OFF
        for cid in staying:
            crew.state[cid] = OVERTIME
        return stops | visiting

    def back_from_overtime(self, present: list[Cadre], ids: np.ndarray, now: float) -> None:
        """Members still at work past their last shift's end as this one starts: the overtime ends, and
        they go on working on duty."""
        crew = self.crew
        for k in np.flatnonzero(crew.state_a[ids] == OVERTIME).tolist():
            crew.overtime.end(present[k].id, now)
            crew.state[present[k].id] = BUSY

    def go_off_busy(self, c: Cadre, now: float, resume: bool, handed_back: list[tuple[Unit, int]],
                    finished: list[int]) -> bool:
        """A cadre's shift ends in the middle of a task (or exactly as one starts or ends).  Returns whether
        it stays to finish it (overtime).

        Ties at the shift end are settled so that no work happens off duty and no wait
        is understated: a task due to finish now is finished now; a task taken at this
        very instant (by a completion or an arrival that came before this event) was
        never really started and goes back to the queue in its place.  A task left unfinished
        stays with the cadre if ``resume`` (at_shift_end = "resume" and a next shift within the
        run), else goes back to the queue.  An issue of a type finished before leaving, with work left,
        stays in hand: the cadre works on (its pending completion stands) in overtime.
        """
        crew, iss = self.crew, self.issues
        i = crew.hand[c.id]
        if now - c.since <= TIE_HOURS:
            c.token += 1  # the pending completion is void
            crew.hand[c.id] = -1
            if now - iss.start[i] <= TIE_HOURS:
                iss.start[i] = math.nan
            handed_back.append((c.unit, i))
            return False
        if crew.overtime is not None and crew.overtime.stays[i] and c.remaining - (now - c.since) > TIE_HOURS:
            crew.overtime.begin(c.id, now)
            return True
        c.token += 1  # the pending completion, if any, is void
        crew.hand[c.id] = -1
        crew.log_work(c, now, i)
        c.remaining -= now - c.since
        c.travel_left = max(0.0, c.travel_left - (now - c.since))
        if c.remaining <= TIE_HOURS:
            finished.append(i)
        elif resume:  # the task stays with its cadre until the next shift
            crew.hand[c.id] = i
        else:  # the issue keeps its own work left; travel is the next cadre's
            iss.remaining[i] = c.remaining - c.travel_left
            handed_back.append((c.unit, i))
        return False

    def turn_up(self, grp: DutyGroup) -> list[Cadre]:
        """The members who turn up for the shift starting now (one draw each, attendance < 1)."""
        came = grp.turnout.draws(grp.ids, self.env.now) < grp.attendance  # (no narrowing: ids of members)
        if self.crew.overtime is not None and self.crew.overtime.since:
            came |= self.crew.state_a[grp.ids] == OVERTIME  # still at work from the last shift: it is there
        came = came.tolist()
        grp.absent = [c.id for c, here in zip(grp.members, came) if not here]
        return [c for c, here in zip(grp.members, came) if here]

    def log_duty(self, grp: DutyGroup, now: float) -> None:
        """A stretch on duty of the group ends: its row, and a row for each member absent from it."""
        row = len(self.duty_log) // 3
        self.duty_log.extend((grp.index, grp.on_since, now))
        for cid in grp.absent:
            self.absence_log.extend((cid, row))
        grp.absent = []

    # ------------------------------------------------------------ the drain and the end

    def narrow_to_live_units(self, _: Call | None = None) -> None:
        """In the drain, shift changes touch only cadres who may still work on an open issue; daily.

        With no arrivals after the horizon, a grid with no unresolved issue stays without one, so its
        cadres' shifts and visits change no number (coverage and duty are measured up to the horizon).
        The drain after a large district's year can last months for a few late hidden issues, and
        would otherwise change every cadre's duty each shift.  Kept: cadres of the units of open
        issues' grids, living in those grids or in grids whose visiting log is still open, holding an
        issue, or without a home grid (offices, police).  Not narrowed when attendance draws, reserved
        visits or campaigns, or emergency tasks still running tie cadres of other grids in."""
        if self.reserves.reserving or self.turnout is not None or \
                any(ts.starts(self.run.horizon) and ts.deadline > self.run.horizon for ts in self.tasks.tasks):
            return
        crew = self.crew
        grid, place = self.issues.open_places()
        # grids with open issues, and grids whose visiting log is still open (it ends at their first
        # change at or after the horizon)
        live_grid = self.visits.grids.logging()
        live_grid[grid] = True
        live_unit = np.zeros(crew.units, bool)
        live_unit[place] = True
        for grp in self.groups.values():
            ids = grp.ids
            home = crew.home_a[ids]
            keep = (home < 0) | live_grid[home] | live_unit[crew.unit_a[ids]] | (crew.hand_a[ids] >= 0)
            if not keep.all():
                grp.active = [grp.active[k] for k in np.flatnonzero(keep).tolist()]
                grp.ids = ids[keep]
        self.run.at(self.env.now + 24.0, self.narrow_to_live_units, None)

    def finish(self, now: float) -> None:
        for grp in self.groups.values():
            if grp.on:
                self.log_duty(grp, now)
