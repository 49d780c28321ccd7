"""The SimPy model: issues flow through dispatch units to cadres on shifts.

``Simulation`` builds the model's components (component.py lists them and who owns
what), connects them before time 0, runs the measurement window and the drain
after it, and assembles the run's records.

Events (timed calls on SimPy's calendar, fired by time, then in the order they were
scheduled: docs/architecture.md "Event order"; one pending per chain):
- an issue arrives (IssuePath; one chain through the pre-drawn, time-sorted issue table);
- a hidden issue is reported by its resident after its delay (IssuePath);
- supervision looks at an issue whose time limit at its level is up (IssuePath);
- an issue's patience at its level is up: it worsens if it still waits there unstarted (Worsening);
- an issue's response or lead step is over, or its first call (a named role's) ends (IssuePath);
- a cadre completes a stretch of work (Crew);
- a duty group comes on or goes off duty (Duty; one event for all its cadres);
- a grid's visiting cursor reaches a hidden issue (Visits; one pending per grid);
- a day's reserve of visits ends, a midnight starts a new day's reserve, a campaign
  starts, meets its target or ends (ReservedVisits);
- an emergency task starts, a grid's part of it is done, its deadline comes (Tasks);
- an emergency starts or ends, the backlog crosses a threshold, mobilisation is
  complete (Wartime);
- the drain's limit, and its daily narrowing (Simulation, Duty).
An event touches one issue, one cadre, one grid or one duty group, so the cost per
issue does not grow with the district's size.  The few events that change the whole
district by their nature (a task's start and deadline, wartime's visit pause and its
end, the drain's daily narrowing) find what they change by array operations over
cadres or grids, not by Python loops over all of them; they come a few times a run.

The measurement ends at the horizon; the run then goes on with no new arrivals
(a drain: shifts, visits and wartime continue) until every issue that occurred
after the warm-up is resolved, or ``calendar.drain_days`` have passed, so that
resolution times are not censored (docs/metrics.md).
"""

from __future__ import annotations

import numpy as np

from sim.model.calls import Call
from sim.model.component import Run, elaborate
from sim.model.crew import Crew
from sim.model.district import build_district
from sim.model.duty import Duty
from sim.model.issue_path import IssuePath
from sim.model.issues import generate_issues
from sim.model.posts import post_log
from sim.model.records import Records, assemble_records
from sim.model.reserved_visits import ReservedVisits
from sim.model.roster import Roster, build_roster
from sim.model.tasks import Tasks
from sim.model.visits import Visits
from sim.model.wartime import Wartime
from sim.model.worsening import Worsening
from sim.scenario import Scenario


class Simulation:
    def __init__(self, scenario: Scenario, seeds: np.random.SeedSequence):
        self.shared = run = Run(scenario)
        self.env = run.env
        self.d = d = build_district(scenario, seeds)
        table = generate_issues(scenario, d, seeds)
        roster = build_roster(scenario, d, run.clock, table)
        self.post_holders = roster.post_holders
        self.issues = IssuePath(run, table, d, roster)
        self.crew = Crew(run, roster, d, table)
        self.duty = Duty(run, roster, d.ids, seeds)
        self.visits = Visits(run, d.households, idle_paces(scenario, roster))
        self.reserves = ReservedVisits(run, d, roster.cadres, self.crew.role_of, list(roster.groups.values()))
        self.tasks = Tasks(run, d.households)
        self.wartime = Wartime(run, d.n)
        self.worsening = Worsening(run, table)
        elaborate({"issues": self.issues, "crew": self.crew, "duty": self.duty, "visits": self.visits,
                   "reserves": self.reserves, "tasks": self.tasks, "wartime": self.wartime,
                   "worsening": self.worsening})

    def run(self) -> Records:
        run = self.shared
        self.tasks.begin()  # first: a task starting as shifts change or wartime begins comes before any issue
        self.issues.begin()
        self.duty.begin()
        self.wartime.begin()
        self.reserves.begin()
        self.env.run(until=run.horizon)
        location = self.issues.locations(self.crew.hand_a)
        if self.issues.open_counted and run.stop_at > run.horizon:
            run.draining = True
            self.duty.narrow_to_live_units()
            run.at(run.stop_at, self._drain_limit, None)
            self.env.run(until=run.drained)
        return self._finish(location)

    def _drain_limit(self, ev: Call) -> None:
        self.shared.end_drain()

    def _finish(self, location: np.ndarray) -> Records:
        now = self.env.now
        self.crew.finish(now)
        self.duty.finish(now)
        self.wartime.finish(now)
        self.visits.finish(now)
        self.reserves.finish(now)
        self.tasks.finish(now)
        iss, crew, duty, run = self.issues, self.crew, self.duty, self.shared
        return assemble_records(
            run.sc, iss.table, self.d, report=iss.report, start=iss.start, end=iss.end, found=iss.found,
            level=iss.i_level, supervised=iss.supervised, cadres=crew.cadres, groups=list(duty.groups.values()),
            work_who=crew.work_who, work_when=crew.work_when, duty_log=duty.duty_log, absence_log=duty.absence_log,
            visits=self.visits.grids, war_periods=self.wartime.war_periods,
            mobilised_periods=self.wartime.mobilised_periods, post_holders=[len(m) for m in self.post_holders],
            post_log=post_log(run.sc, self.post_holders, self.wartime.mobilised_periods, duty.turnout),
            location=location, run_end=now, transitions=duty.transitions, campaigns=self.reserves.campaigns,
            tasks=self.tasks.tasks, task_log=self.tasks.log, events=run.events,
            worsened=self.worsening.worsened, petition=self.worsening.petition,
            overtime_log=None if crew.overtime is None else crew.overtime.log)


def simulate(scenario: Scenario, seeds: np.random.SeedSequence) -> Records:
    """Run one replication of ``scenario`` with the replication's SeedSequence."""
    sim = Simulation(scenario, seeds)
    records = sim.run()
    # cadres, units and pending events refer to each other (cycles the garbage collector frees
    # only later): drop the run's state now, so it is not held while the caller computes metrics
    for part in (sim.issues, sim.crew, sim.duty, sim.visits, sim.reserves, sim.tasks, sim.wartime, sim.worsening):
        part.__dict__.clear()
    sim.__dict__.clear()
    return records


def idle_paces(sc: Scenario, roster: Roster) -> np.ndarray:
    """Per cadre, the share of the full pace at which it visits in idle time (Visits)."""
    homed = sc.cadres.homed()
    share = {name: sc.visits.idle_pace(t.idle_pace_share) for name, t in homed.items()}
    return np.array([share.get(roster.role_names[c.role], 1.0) for c in roster.cadres], dtype=float)
