"""Shift changes: duty groups coming on and going off duty, and the drain's narrowing to live grids.

Handlers of the Simulation (a mixin of sim.model.simulation.Simulation, whose
state they read and change).  A duty group's shift change touches every member,
so cadres' states and grids' visiting cursors are arrays that it updates in
bulk; the few members with work in hand or a queue to serve go one by one.
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.cadres import BUSY, IDLE, OFF, RESERVED, TASK, Cadre, DutyGroup
from sim.model.calls import Call
from sim.model.clock import TIE_HOURS
from sim.model.dispatch import Unit
from sim.model.issues import HIDDEN, KNOWN


class ShiftChanges:
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
        # the units the open issues are worked in at grid level (_grid_place)
        police = np.frombuffer(bytes(self.i_police), dtype=np.uint8)[open_issues] == 1
        place = self.grid_num[grid]
        if police.any():
            place[police] = self.police_num[self.d.police_unit[grid[police]]]
        live_unit = np.zeros(self.units, bool)
        live_unit[place] = True
        for grp in self.groups.values():
            ids = grp.ids
            home = self.home_a[ids]
            keep = (home < 0) | live_grid[home] | live_unit[self.unit_a[ids]] | (self.hand_a[ids] >= 0)
            if not keep.all():
                grp.active = [grp.active[k] for k in np.flatnonzero(keep).tolist()]
                grp.ids = ids[keep]
        self._at(self.env.now + 24.0, self._narrow_to_live_units, None)

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
        order, through the one rule for a free cadre (Simulation._free).  Visiting changes are
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
            if self.reserving:
                self._plan_days(grp)
                if self.visiting_allowed:
                    self._reserve_shift(grp, present)
            ids = grp.ids if grp.turnout is None else np.fromiter((c.id for c in present), np.intp, len(present))
            moved = self._come_on(present, ids)
        else:
            self.transitions += len(grp.active) - len(grp.absent)
            self._log_duty(grp, now)
            ids = grp.ids
            moved = self._go_off(grp, ids, now, handed_back, finished)
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
            starts[k] = self._free(present[k], visitors_later=True)
        q = ids[quick]
        self.state_a[q] = IDLE
        self.book.mark_idle(q)  # in member order, as one by one would
        if allowed:
            visiting = quick & self.visits_a[ids]
            self.visiting_a[ids[visiting]] = 1
            starts |= visiting
        return starts

    def _go_off(self, grp: DutyGroup, ids: np.ndarray, now: float, handed_back: list[tuple[Unit, int]],
                finished: list[int]) -> np.ndarray:
        """Members going off duty (the absent are off already).  Returns which members stopped visiting."""
        members = grp.active
        # a task held over waits for its holder's next shift; with none left in the run it goes back
        resume = not self.handback and grp.schedule.next_change(now) < self.stop_at
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
                self._go_off_busy(c, now, resume, handed_back, finished)
            elif st == TASK:
                self._leave_task(c)
            else:  # reserved or idle: it stops visiting if it still visits (the wartime pause may have
                # stopped a reserved cadre's visits already, without releasing it: its grid lost it then)
                if st == RESERVED:
                    self._unreserve(c)
                else:
                    c.unit.remove_idle(c)
                if self.visiting[cid]:
                    self.visiting[cid] = 0
                    stops[k] = True
                    if self.campaigns_of:
                        self._campaign_visitor(c, -1)
        q = ids[quick]
        self.book.mark_off(q)
        visiting = quick & (self.visiting_a[ids] == 1)
        self.visiting_a[ids[visiting]] = 0
        self.state_a[ids] = OFF
        return stops | visiting

    def _reserve_shift(self, grp: DutyGroup, present: list[Cadre]) -> None:
        """Visits are reserved for the group's visiting members present: as a shift starts, and at each
        midnight on duty (one reserve per calendar day, within that day: _day_reserve).  Members coming on
        duty or idle go to reserved visiting now; those at work when their work ends (_free)."""
        now = self.env.now
        piece = min(grp.schedule.next_change(now), self.stop_at, _midnight_after(now)) - now
        base = self._day_reserve(grp, now, piece)
        self.base_until[grp.index] = now + base
        ends = set()
        for c in present:
            hours = max(base, self.campaign_share[c.id] * piece) if self.campaign_share else base
            if self.active_tasks and self.hand[c.id] < 0 and self._task_for(c) is not None:
                continue  # the task comes first
            if c.visits and hours > TIE_HOURS:
                self.reserve_until[c.id] = now + hours
                ends.add(now + hours)
                st = self.state[c.id]
                if st == IDLE:
                    c.unit.remove_idle(c)
                if st in (OFF, IDLE):
                    self._reserve(c)
        for t in ends:
            self._at(t, self._reserve_end, (grp, grp.on_since))

    def _day_reserve(self, grp: DutyGroup, now: float, piece: float) -> float:
        """Hours reserved now for the ``piece`` hours of duty ahead within this day: shift_share of them,
        or what is left of the day's quota of households (households_per_day) after earlier shifts today."""
        vs = self.sc.visits
        if vs.shift_share is not None:
            return vs.shift_share * piece
        day = math.floor(now / 24.0 + TIE_HOURS)
        if grp.quota_day != day:
            grp.quota_day, grp.quota_used = day, 0.0
        hours = max(0.0, min(piece, vs.reserved_hours(24.0) - grp.quota_used))
        grp.quota_used += hours
        return hours

    def _plan_days(self, grp: DutyGroup) -> None:
        """A duty stretch that goes on past midnight (an all-day shift, a night shift, wartime hours)
        reserves visits again for the new day: one event per group at that midnight."""
        now = self.env.now
        midnight = _midnight_after(now)
        if grp.next_day != midnight and min(grp.schedule.next_change(now), self.stop_at) > midnight + TIE_HOURS:
            grp.next_day = midnight
            self._at(midnight, self._new_day, (grp, midnight))

    def _new_day(self, ev: Call) -> None:
        grp, midnight = ev.value
        if grp.next_day != midnight:
            return
        grp.next_day = -1.0
        if not grp.on:
            return
        self._plan_days(grp)
        if self.visiting_allowed:
            self._reserve_shift(grp, [c for c in grp.active if self.state[c.id] != OFF])

    def _turn_up(self, grp: DutyGroup) -> list[Cadre]:
        """The members who turn up for the shift starting now (one draw each, attendance < 1)."""
        came = (grp.turnout.draws(grp.ids, self.env.now) < grp.attendance).tolist()  # (no narrowing: ids of members)
        grp.absent = [c.id for c, here in zip(grp.members, came) if not here]
        return [c for c, here in zip(grp.members, came) if here]

    def _log_duty(self, grp: DutyGroup, now: float) -> None:
        """A stretch on duty of the group ends: its row, and a row for each member absent from it."""
        row = len(self.duty_log) // 3
        self.duty_log.extend((grp.index, grp.on_since, now))
        for cid in grp.absent:
            self.absence_log.extend((cid, row))
        grp.absent = []

    def _go_off_busy(self, c: Cadre, now: float, resume: bool, handed_back: list[tuple[Unit, int]],
                     finished: list[int]) -> None:
        """A cadre's shift ends in the middle of a task (or exactly as one starts or ends).

        Ties at the shift end are settled so that no work happens off duty and no wait
        is understated: a task due to finish now is finished now; a task taken at this
        very instant (by a completion or an arrival that came before this event) was
        never really started and goes back to the queue in its place.  A task left unfinished
        stays with the cadre if ``resume`` (at_shift_end = "resume" and a next shift within the
        run), else goes back to the queue.
        """
        i = self.hand[c.id]
        c.token += 1  # the pending completion, if any, is void
        self.hand[c.id] = -1
        if now - c.since <= TIE_HOURS:
            if now - self.start[i] <= TIE_HOURS:
                self.start[i] = math.nan
            handed_back.append((c.unit, i))
            return
        self._log_work(c, now, i)
        c.remaining -= now - c.since
        c.travel_left = max(0.0, c.travel_left - (now - c.since))
        if c.remaining <= TIE_HOURS:
            finished.append(i)
        elif resume:  # the task stays with its cadre until the next shift
            self.hand[c.id] = i
        else:  # the issue keeps its own work left; travel is the next cadre's
            self.remaining[i] = c.remaining - c.travel_left
            handed_back.append((c.unit, i))


def _midnight_after(t: float) -> float:
    """The first midnight after ``t`` (model time 0 is a midnight)."""
    return (math.floor(t / 24.0 + TIE_HOURS) + 1) * 24.0
