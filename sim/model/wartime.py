"""Wartime mode (战时状态): when it is on, and what it does to duty and visits.

It is on while a scheduled emergency with ``wartime = true`` lasts, or (trigger
``backlog``/``both``) from when the district's open issues exceed
``enter_backlog_per_grid`` per grid until they fall below ``exit_backlog_per_grid``.
Its duty takes effect ``mobilisation_hours`` after it is declared: the called
roles' duty groups switch to their wartime schedules (their normal shifts plus the
wartime hours, less any post's hours), and visits pause if ``pause_visits``.
"""

from __future__ import annotations

import math

from sim.model.calls import Call
from sim.model.component import Component, Run


class Wartime(Component):
    connects = ("duty", "visits")

    def __init__(self, run: Run, grids: int):
        super().__init__(run)
        wt = run.sc.wartime
        self.enter_n = wt.enter_backlog_per_grid * grids
        self.exit_n = wt.exit_backlog_per_grid * grids
        self.backlog_on = False
        self.scheduled_on = 0  # scheduled emergencies with wartime under way
        self.war_on = False
        self.war_periods: list[list[float]] = []
        self.mobilising = 0  # the number of the pending mobilisation (wartime.mobilisation_hours)
        self.mobilised = False
        self.mobilised_periods: list[list[float]] = []  # wartime duty in force (after mobilisation)

    def begin(self) -> None:
        run, sc = self.run, self.run.sc
        if sc.wartime.trigger in ("scheduled", "both"):
            for em in sc.emergencies:
                if em.wartime:
                    a, b = sc.emergency_window(em)
                    if a < run.horizon and b > 0:
                        run.at(max(a, 0.0), self.emergency, +1)
                        if b < run.stop_at:
                            run.at(b, self.emergency, -1)

    def emergency(self, ev: Call) -> None:
        self.scheduled_on += ev.value
        self.update_mode()

    def check_backlog(self, backlog: int) -> None:
        # The mode changes in an event of its own at this same instant, never inside the
        # report or resolution that crossed the threshold: that event's cadre and issue
        # are mid-change, and a duty change must not see them half done.
        if not self.backlog_on and backlog > self.enter_n:
            self.backlog_on = True
            self.run.at(self.env.now, self.mode_event, None)
        elif self.backlog_on and backlog < self.exit_n:
            self.backlog_on = False
            self.run.at(self.env.now, self.mode_event, None)

    def mode_event(self, ev: Call) -> None:
        self.update_mode()

    def update_mode(self) -> None:
        on = self.scheduled_on > 0 or self.backlog_on
        if on == self.war_on:
            return
        now = self.env.now
        self.war_on = on
        self.mobilising += 1  # a mobilisation still under way is void
        if on:
            self.war_periods.append([now, math.inf])  # closed when it ends or the run stops
            delay = self.run.sc.wartime.mobilisation_hours
            if delay > 0:  # duty, posts and the visit pause start once cadres are mobilised
                self.run.at(now + delay, self.mobilised_now, self.mobilising)
                return
        else:
            self.war_periods[-1][1] = now
            if not self.mobilised:
                return
        self.mobilise(on)

    def mobilised_now(self, ev: Call) -> None:
        if ev.value == self.mobilising:
            self.mobilise(True)

    def mobilise(self, on: bool) -> None:
        """Wartime duty starts (or ends): the called roles' schedules, posts and the visit pause."""
        now = self.env.now
        self.mobilised = on
        if on:
            self.mobilised_periods.append([now, math.inf])
        else:
            self.mobilised_periods[-1][1] = now
        sc = self.run.sc
        pause = sc.wartime.pause_visits and sc.visits.enabled
        if pause and on:
            self.visits.pause()
        self.duty.switch_schedules(on)
        if pause and not on:
            self.visits.resume()

    def finish(self, now: float) -> None:
        for periods in (self.war_periods, self.mobilised_periods):
            if periods and periods[-1][1] == math.inf:
                periods[-1][1] = now
