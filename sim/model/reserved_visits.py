"""Reserved visiting (visits.mode = "scheduled") and visit campaigns: cadres visiting in a reserved
part of their shift, called away only by urgent issues.

Handlers of the Simulation (a mixin of sim.model.simulation.Simulation, whose
state they read and change).
"""

from __future__ import annotations

from sim.model.cadres import BUSY, IDLE, OFF, RESERVED, Cadre, DutyGroup
from sim.model.calls import Call
from sim.model.campaigns import CampaignState
from sim.model.clock import TIE_HOURS
from sim.model.dispatch import Unit


class ReservedVisits:
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
        """An urgent issue takes a cadre from reserved visits, else from an emergency task: one that takes
        the issue's type (dispatch.py), living in its grid if any."""
        if (pool := self.reserved_in.get(unit)) and (c := unit.call_away(pool, g, i)) is not None:
            return c
        if (pool := self.tasked_in.get(unit)) and (c := unit.call_away(pool, g, i)) is not None:
            self._leave_task(c)
            return c
        return None

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
        """Out of reserved visiting, on duty: free (Simulation._free), still visiting if it goes idle."""
        if self.hand[c.id] >= 0 and not self.group_of[c.id].schedule.on_duty(self.env.now):
            return  # the shift ends now: the task held over waits for the next shift
        self._unreserve(c)
        self._free(c)

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
