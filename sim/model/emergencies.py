"""Emergencies: emergency tasks in every grid, and wartime mode (its duty, posts and visiting pause).

Handlers of the Simulation (a mixin of sim.model.simulation.Simulation, whose
state they read and change).
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.cadres import IDLE, RESERVED, TASK, Cadre
from sim.model.calls import Call
from sim.model.tasks import TaskState


class Emergencies:
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
        self.tasked_in.setdefault(c.unit, {})[c.id] = c
        ts.change_workers(c.home, self.env.now, +1)
        self._reschedule_task(ts, c.home)

    def _leave_task(self, c: Cadre) -> None:
        ts, since = self.on_task.pop(c.id)
        self.task_log.extend((c.id, ts.index, since, self.env.now))
        del self.task_crew[ts.index, c.home][c.id]
        self.tasked_in[c.unit].pop(c.id, None)  # (gone already if an urgent issue called it away)
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
        # only the free cadres of the task's roles (the task appears in every grid, so in all their grids)
        ids = np.flatnonzero(np.isin(self.role_a, ts.role_ids) & (self.home_a >= 0) & (self.hand_a < 0)
                             & ((self.state_a == IDLE) | (self.state_a == RESERVED)))
        for c in map(self.cadres.__getitem__, ids.tolist()):
            if self._task_for(c) is ts:
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
            self._free(c)

    def _task_deadline(self, ev: Call) -> None:
        ev.value.count_on_time(self.env.now)

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
        if pause and on:  # only the cadres it changes: those reserved for visits or visiting
            self.visiting_allowed = False
            for cid in np.flatnonzero((self.state_a == RESERVED) | (self.visiting_a == 1)).tolist():
                c = self.cadres[cid]
                if self.state[cid] == RESERVED:
                    self.reserve_until[cid] = now
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
            elif want and self.reserving:  # on duty still, perhaps now past midnight
                self._plan_days(grp)
            self._schedule_group(grp)
        if pause and not on:
            self.visiting_allowed = True
            for cid in np.flatnonzero((self.state_a == IDLE) & (self.visiting_a == 0) & self.visits_a).tolist():
                self._start_visiting(self.cadres[cid])
