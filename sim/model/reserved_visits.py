"""Visits as a duty (visits.mode = "scheduled") and visit campaigns: a reserved part of each day on duty.

Once per calendar day on duty (as a shift starts, or at midnight for a duty stretch
that goes on past it), a visiting cadre's duty starts with reserved visits: a share of
the day's shift, or the hours the day's quota of households takes (shared by the
day's shifts).  A reserved cadre takes only urgent issues (``visits.interrupt_priority``),
which call it away; it goes back to the reserve when done, if the reserve has not
ended.  A campaign makes its participants reserve its share of their shift while it
runs, until its target of households is met or its days are over.
"""

from __future__ import annotations

import math
from array import array

from sim.model.cadres import IDLE, OFF, OVERTIME, RESERVED, Cadre, DutyGroup
from sim.model.calls import Call
from sim.model.campaigns import CampaignState, build_campaigns
from sim.model.clock import TIE_HOURS
from sim.model.component import Component, Run
from sim.model.dispatch import Unit
from sim.model.district import District


class ReservedVisits(Component):
    connects = ("crew", "issues", "visits", "tasks")

    def __init__(self, run: Run, district: District, cadres: list[Cadre], role_of: list[str],
                 groups: list[DutyGroup]):
        super().__init__(run)
        sc = run.sc
        self.campaigns = build_campaigns(sc, district.ids, district.households, [c.home for c in cadres], role_of)
        self.reserving = sc.visits.enabled and (sc.visits.mode == "scheduled" or bool(self.campaigns))
        self.reserve_until = array("d", bytes(8 * len(cadres)))  # per cadre, until when its reserve lasts
        self.reserved_in: dict[Unit, dict[int, Cadre]] = {}  # per unit, the reserved cadres it can call away
        self.base_until: dict[int, float] = {}  # per duty group, the end of the day's own reserve (not a campaign's)
        self.campaign_share = array("d", bytes(8 * len(cadres) if self.campaigns else 0))
        self.campaigns_of: dict[int, list[CampaignState]] = {}  # per participant, the campaigns counting its visits
        for cp in self.campaigns:
            for cid in cp.participants:
                self.campaigns_of.setdefault(cid, []).append(cp)
        self.group_of = {c.id: grp for grp in groups for c in grp.members} if self.reserving else {}

    def begin(self) -> None:
        run = self.run
        for cp in self.campaigns:
            if cp.start < run.horizon and cp.end > 0:
                run.at(max(cp.start, 0.0), self.campaign_start, cp)
                if cp.end < run.stop_at:
                    run.at(cp.end, self.campaign_end, cp)

    # ------------------------------------------------------------ the day's reserve

    def shift_starts(self, grp: DutyGroup, present: list[Cadre]) -> None:
        """A duty group comes on: plan its midnights, and reserve the day's visits."""
        self.plan_days(grp)
        if self.visits.allowed:
            self.reserve_day(grp, present)

    def reserve_day(self, grp: DutyGroup, present: list[Cadre]) -> None:
        """Visits are reserved for the group's visiting members present: as a shift starts, and at each
        midnight on duty (one reserve per calendar day, within that day: ``day_hours``).  Members coming on
        duty or idle go to reserved visiting now; those at work when their work ends (Crew.free).  A task
        held over a shift end waits for the reserve's end, unless the reserve takes the whole shift: then
        the task comes first, and the reserve after it."""
        now = self.env.now
        crew = self.crew
        piece = min(grp.schedule.next_change(now), self.run.stop_at, _midnight_after(now)) - now
        base = self.day_hours(grp, now, piece)
        self.base_until[grp.index] = now + base
        ends = set()
        for c in present:
            hours = max(base, self.campaign_share[c.id] * piece) if self.campaign_share else base
            if self.tasks.active and crew.hand[c.id] < 0 and self.tasks.task_for(c) is not None:
                continue  # the task comes first
            if c.visits and hours > TIE_HOURS:
                self.reserve_until[c.id] = now + hours
                ends.add(now + hours)
                st = crew.state[c.id]
                if st == OFF and crew.hand[c.id] >= 0 and hours >= piece - TIE_HOURS:
                    continue  # a reserve of the whole shift would starve the task held over: it comes first
                if st == IDLE:
                    c.unit.remove_idle(c)
                if st in (OFF, IDLE):
                    self.reserve(c)
        for t in ends:
            self.run.at(t, self.reserve_end, (grp, grp.on_since))

    def day_hours(self, grp: DutyGroup, now: float, piece: float) -> float:
        """Hours reserved now for the ``piece`` hours of duty ahead within this day: shift_share of them,
        or what is left of the day's quota of households (households_per_day) after earlier shifts today."""
        vs = self.run.sc.visits
        if vs.shift_share is not None:
            return vs.shift_share * piece
        day = math.floor((now + TIE_HOURS) / 24.0)
        if grp.quota_day != day:
            grp.quota_day, grp.quota_used = day, 0.0
        hours = max(0.0, min(piece, vs.reserved_hours(24.0) - grp.quota_used))
        grp.quota_used += hours
        return hours

    def plan_days(self, grp: DutyGroup) -> None:
        """A duty stretch that goes on past midnight (an all-day shift, wartime hours) reserves visits
        again for the new day: one event per group at that midnight."""
        now = self.env.now
        midnight = _midnight_after(now)
        if grp.next_day != midnight and min(grp.schedule.next_change(now), self.run.stop_at) > midnight + TIE_HOURS:
            grp.next_day = midnight
            self.run.at(midnight, self.new_day, (grp, midnight))

    def new_day(self, ev: Call) -> None:
        grp, midnight = ev.value
        if grp.next_day != midnight:
            return
        grp.next_day = -1.0
        if not grp.on:
            return
        self.plan_days(grp)
        if self.visits.allowed:
            self.reserve_day(grp, [c for c in grp.active if self.crew.state[c.id] != OFF])

    # ------------------------------------------------------------ a reserved cadre

    def reserve(self, c: Cadre) -> None:
        """The cadre visits in the reserved part of the shift: not idle for routine issues."""
        crew = self.crew
        if crew.hand[c.id] < 0 and (i := self.issues.urgent(c.unit, c)) is not None:
            crew.assign(c, i)
            return
        crew.state[c.id] = RESERVED
        if crew.hand[c.id] < 0:  # a cadre holding a task over from the last shift cannot be called away
            self.reserved_in.setdefault(c.unit, {})[c.id] = c
        self.visits.start_visiting(c)

    def call_away(self, unit: Unit, g: int, i: int) -> Cadre | None:
        """An urgent issue takes a reserved visitor of ``unit`` that takes its type (dispatch.py), living in
        its grid if any."""
        pool = self.reserved_in.get(unit)
        return unit.call_away(pool, g, i) if pool else None

    def unreserve(self, c: Cadre) -> None:
        if pool := self.reserved_in.get(c.unit):
            pool.pop(c.id, None)

    def reserve_end(self, ev: Call) -> None:
        """The reserved part of a group's shift is over: its visitors go back to routine work."""
        grp, since = ev.value
        if not grp.on or grp.on_since != since:
            return
        for c in grp.members:
            self.release_if_over(c)

    def release_if_over(self, c: Cadre) -> None:
        """A reserved cadre whose reserve has ended by now goes back to routine work."""
        if self.crew.state[c.id] == RESERVED and self.reserve_until[c.id] <= self.env.now + TIE_HOURS:
            self.release(c)

    def release(self, c: Cadre) -> None:
        """Out of reserved visiting, on duty: free (Crew.free), still visiting if it goes idle."""
        if self.crew.hand[c.id] >= 0 and not self.group_of[c.id].schedule.on_duty(self.env.now):
            return  # the shift ends now: the task held over waits for the next shift
        self.unreserve(c)
        self.crew.free(c)

    def end_now(self, c: Cadre) -> None:
        """The cadre's reserve ends now (wartime pauses visits)."""
        self.reserve_until[c.id] = self.env.now
        self.release(c)

    # ------------------------------------------------------------ visit campaigns (campaigns.py)

    def campaign_start(self, ev: Call) -> None:
        """Participants on duty now reserve the campaign's share of the rest of their shift (of the day)."""
        cp, now = ev.value, self.env.now
        crew, visits = self.crew, self.visits
        cp.active, cp.last_t = True, now
        cp.paces, cp.counts = visits.paces, [0] * len(visits.paces)
        for cid in cp.participants:
            if visits.visiting[cid]:
                cp.counts[visits.cls[cid]] += 1
        cp.visitors = sum(p * n for p, n in zip(cp.paces, cp.counts))
        ends: dict[tuple[int, float], DutyGroup] = {}
        for cid in cp.participants:
            self.campaign_share[cid] = max(self.campaign_share[cid], cp.share)
            c, grp = crew.cadres[cid], self.group_of[cid]
            if crew.state[c.id] in (OFF, OVERTIME) or not visits.allowed:
                continue
            # its share of the rest of the day's duty (the next midnight's reserve takes the next day's)
            until = now + cp.share * (min(grp.schedule.next_change(now), self.run.stop_at, _midnight_after(now)) - now)
            if until > self.reserve_until[cid] + TIE_HOURS:
                self.reserve_until[cid] = until
                ends[grp.index, until] = grp
                if crew.state[c.id] == IDLE:
                    c.unit.remove_idle(c)
                    self.reserve(c)
        for (_, t), grp in ends.items():
            self.run.at(t, self.reserve_end, (grp, grp.on_since))
        self.reschedule_campaign(cp)

    def reschedule_campaign(self, cp: CampaignState) -> None:
        t = cp.eta(self.env.now)
        cp.token += 1
        if t < cp.end and t < self.run.stop_at:
            self.run.at(t, self.campaign_met, (cp, cp.token))

    def campaign_met(self, ev: Call) -> None:
        cp, token = ev.value
        if token == cp.token and cp.active:
            cp.met = self.env.now
            self.campaign_stop(cp)

    def campaign_end(self, ev: Call) -> None:
        if ev.value.active:
            self.campaign_stop(ev.value)

    def campaign_stop(self, cp: CampaignState) -> None:
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
            self.release_if_over(self.crew.cadres[cid])

    def campaign_visitor(self, c: Cadre, k: int, count: int, to: int = -1) -> None:
        """A participant starts or stops visiting in class ``k`` (or moves there from class ``to``): the
        campaigns it takes part in count its visits."""
        for cp in self.campaigns_of.get(c.id, ()):
            if cp.active:
                cp.change_visitors(self.env.now, k, count, to)
                self.reschedule_campaign(cp)

    def finish(self, now: float) -> None:
        for cp in self.campaigns:
            if cp.active:
                cp.advance(now)
                cp.stopped = now


def _midnight_after(t: float) -> float:
    """The first midnight after ``t`` (model time 0 is a midnight)."""
    return (math.floor((t + TIE_HOURS) / 24.0) + 1) * 24.0
