"""Cadres at work: who holds which issue, starting, working and completing it, and what a free cadre does.

Each cadre's state (OFF, IDLE, BUSY, RESERVED or TASK) and the issue in its hand
(-1: none; worked, or held over a shift end) are typed arrays by cadre id, with
numpy views over the same memory for the bulk shift changes of Duty.  ``Cadre``
objects (cadres.py) keep only what the dispatch units need (id, home, unit,
skill) and the stretch of work under way; the fixed columns (home grid, role,
unit number, whether it visits, whether its unit is small) are arrays made once
here, read-only, for array operations.

The one rule for a free cadre is ``free``: every path that frees a cadre (work
done, a shift begun, a reserve or a task over) goes through it.
"""

from __future__ import annotations

import math
from array import array

import numpy as np

from sim.model.cadres import BUSY, IDLE, OFF, OVERTIME, Cadre
from sim.model.calls import Call
from sim.model.clock import TIE_HOURS
from sim.model.component import Component, Run
from sim.model.dispatch import SmallUnit, Unit
from sim.model.district import District, Trips
from sim.model.issues import IssueTable
from sim.model.overtime import Overtime
from sim.model.roster import Roster


class Crew(Component):
    connects = ("issues", "visits", "reserves", "tasks")

    def __init__(self, run: Run, roster: Roster, district: District, table: IssueTable):
        super().__init__(run)
        self.cadres = roster.cadres
        self.book = roster.book
        self.units = roster.units  # how many dispatch units there are (each has its number)
        n = len(self.cadres)
        self.state = bytearray(n)  # OFF, IDLE, BUSY, RESERVED or TASK
        self.hand = array("i", [-1]) * n
        self.state_a = np.frombuffer(self.state, dtype=np.uint8)
        self.hand_a = np.frombuffer(self.hand, dtype=np.int32)
        self.home_a = np.array([c.home for c in self.cadres], dtype=np.intp)
        self.visits_a = np.array([c.visits for c in self.cadres], dtype=bool)
        self.small_a = np.array([isinstance(c.unit, SmallUnit) for c in self.cadres], dtype=bool)
        self.unit_a = np.array([c.unit.index for c in self.cadres], dtype=np.intp)  # the number of each one's unit
        self.role_a = np.array([c.role for c in self.cadres], dtype=np.intp)
        self.role_of = [roster.role_names[c.role] for c in self.cadres]
        self.trips = self._trips(roster, district) if run.sc.dispatch.travel == "distance" else None
        # a stretch of work: (cadre, issue) and (start, end), 24 bytes in two flat logs
        self.work_who = array("i")
        self.work_when = array("d")
        self.overtime = Overtime.of(run.sc, table)  # None unless some type is finished before leaving

    def _trips(self, roster: Roster, district: District) -> Trips:
        """Travel by distance: pooled cadres set out from their home grid, police officers from their
        police grid's base; other cadres only ever serve their own grid or an office (no travel)."""
        base = {id(u): int(g) for u, g in zip(roster.police_units, district.police_base)}
        origin = [c.home if c.unit.pooled else base.get(id(c.unit), -1) for c in self.cadres]
        dp = self.run.sc.dispatch
        return Trips(dp.overhead_hours, dp.speed_kmh, district.centroids, origin)

    # ------------------------------------------------------------ work

    def assign(self, c: Cadre, i: int) -> None:
        """Cadre ``c`` (idle, or called away from visits or a task) takes issue ``i`` now."""
        self.visits.stop_visiting(c)
        self.start(c, i)

    def start(self, c: Cadre, i: int) -> None:
        iss = self.issues
        self.state[c.id] = BUSY
        self.hand[c.id] = i
        iss.queued[i] = 0
        if iss.here:
            iss.here[i] = 1
        if iss.settling is not None:  # who works it may decide where it ends (settling.py)
            iss.settling.taken(c.role, i)
        if math.isnan(iss.start[i]):
            iss.start[i] = self.env.now
        g = iss.i_grid[i]
        if self.trips is not None:  # by distance: this cadre's trip, kept as the issue's travel for the records
            c.travel_left = self.trips.hours(c.id, g)
            if c.travel_left:
                iss.i_travel[i] = c.travel_left
        else:
            c.travel_left = iss.i_travel[i] if c.unit.pooled and c.home != g else 0.0
        c.remaining = iss.remaining[i] + c.travel_left
        self.work(c)

    def work(self, c: Cadre) -> None:
        c.since = self.env.now
        c.token += 1
        self.run.at(c.since + c.remaining, self.complete, (c, c.token))

    def complete(self, ev: Call) -> None:
        c, token = ev.value
        if token != c.token:
            return
        i = self.hand[c.id]
        self.log_work(c, self.env.now, i)
        self.hand[c.id] = -1
        self.issues.work_done(i)
        if self.state[c.id] == OVERTIME:  # done after its shift: it goes off duty, taking nothing else
            self.overtime.end(c.id, self.env.now)
            self.state[c.id] = OFF
        else:
            self.free(c)

    def log_work(self, c: Cadre, end: float, i: int) -> None:
        self.work_who.extend((c.id, i))
        self.work_when.extend((c.since, end))

    def free(self, c: Cadre, visitors_later: bool = False) -> bool:
        """The one rule for a cadre on duty whose hands are free (its work done, its shift begun, its
        reserve or task over).  It takes, in this order: the task it held over a shift end; an emergency
        task under way in its grid (an urgent issue waiting first: visits.interrupt_priority); its reserved
        visits, while the day's reserve lasts (an urgent issue first); the next issue its unit's queue
        has for it; else it is idle, and visits households.

        A shift change sums the change in visitors per grid itself (``visitors_later``): then the
        cadre's grid is not told, and the return value says whether the cadre started visiting."""
        cid = c.id
        tasks, reserves = self.tasks, self.reserves
        if self.hand[cid] >= 0:
            self.visits.stop_visiting(c)
            self.state[cid] = BUSY
            self.work(c)
        elif tasks.active and (ts := tasks.task_for(c)) is not None:
            self.visits.stop_visiting(c)
            if (i := self.issues.urgent(c.unit, c)) is not None:  # an urgent issue before the task
                self.start(c, i)
            else:
                tasks.join(c, ts)
        elif reserves.reserving and self.visits.allowed and reserves.reserve_until[cid] > self.env.now + TIE_HOURS:
            reserves.reserve(c)
        elif (i := c.unit.pop(c)) is not None:
            self.visits.stop_visiting(c)
            self.start(c, i)
        else:
            self.state[cid] = IDLE
            c.unit.add_idle(c)
            return self.visits.start_visiting(c, visitors_later)
        return False

    def call_away(self, unit: Unit, g: int, i: int) -> Cadre | None:
        """For an urgent issue with no idle cadre: one from reserved visits, else from an emergency task."""
        c = self.reserves.call_away(unit, g, i)
        return c if c is not None else self.tasks.call_away(unit, g, i)

    # ------------------------------------------------------------ the horizon

    def finish(self, now: float) -> None:
        """The run stops: work under way is logged up to now.  Work taken at this very instant (a cadre
        freed as the drain ends takes the next issue) was never really started, as at a shift's end.  Overtime
        under way ends now too."""
        iss = self.issues
        for cid in np.flatnonzero((self.state_a == BUSY) | (self.state_a == OVERTIME)).tolist():
            c, i = self.cadres[cid], self.hand[cid]
            if now - c.since > TIE_HOURS:
                self.log_work(c, now, i)
            elif now - iss.start[i] <= TIE_HOURS:
                iss.start[i] = math.nan
        if self.overtime is not None:
            self.overtime.finish(now)
