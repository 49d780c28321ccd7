"""Emergency tasks: work an emergency brings by itself, in every grid, with a deadline.

A task's work in a grid is ``units * crew * hours`` cadre-hours (units: the grid's
households, or 1 per grid).  Like visiting (visits.py) it is continuous: the cadres
on the task in a grid advance its done cadre-hours at one per cadre per hour, units
are done in order, and the moment the grid's work is done is one event, moved
whenever the number of workers changes.  So the units done by the deadline are
floor(done(deadline) / (crew * hours)).
"""

from __future__ import annotations

import math
from array import array

import numpy as np

from sim.model.cadres import IDLE, RESERVED, TASK, Cadre
from sim.model.calls import Call
from sim.model.component import Component, Run
from sim.model.dispatch import Unit
from sim.scenario import Scenario


class TaskState:
    __slots__ = ("index", "name", "start", "deadline", "unit_hours", "roles", "need", "done", "workers",
                 "last_t", "token", "finished", "on_time", "window", "in_window", "active", "role_ids")

    def __init__(self, index: int, name: str, start: float, deadline: float, unit_hours: float, roles: set[str],
                 units: np.ndarray, window: tuple[float, float], names: tuple[str, ...]):
        """``names``: every role's name, in the order a cadre's role number indexes (Cadres.role_names)."""
        self.index = index
        self.name = name
        self.start = start
        self.deadline = deadline
        self.unit_hours = unit_hours  # cadre-hours per unit: crew * hours
        self.roles = roles
        self.role_ids = np.array([names.index(r) for r in sorted(roles)], np.intp)  # the roles by number
        n = len(units)
        self.need = (units * unit_hours).tolist()  # per grid, cadre-hours of work
        self.done = [0.0] * n
        self.workers = [0] * n
        self.last_t = [0.0] * n
        self.token = [0] * n
        self.finished = [math.nan] * n  # when each grid's work was done
        self.on_time = [math.nan] * n  # units done by the deadline (set at the deadline)
        self.window = window  # the measurement window: cadre-hours in it are counted apart
        self.in_window = 0.0
        self.active = False  # started (it stays true once its work has appeared)

    def starts(self, horizon: float) -> bool:
        """Whether the run starts this task: it begins at or after time 0 and before the horizon."""
        return 0.0 <= self.start < horizon

    def advance(self, g: int, now: float) -> None:
        w, last = self.workers[g], self.last_t[g]
        if w and now > last:
            self.done[g] += w * (now - last)
            a, b = self.window
            self.in_window += w * max(0.0, min(now, b) - max(last, a))
        self.last_t[g] = now

    def change_workers(self, g: int, now: float, delta: int) -> None:
        self.advance(g, now)
        self.workers[g] += delta

    def left(self, g: int) -> float:
        return self.need[g] - self.done[g]

    def eta(self, g: int, now: float) -> float:
        """When the grid's work is done at the current number of workers (inf if nobody works)."""
        if not self.workers[g]:
            return math.inf
        return now + max(self.left(g), 0.0) / self.workers[g]

    def units_done(self, g: int) -> float:
        return math.floor(self.done[g] / self.unit_hours + 1e-9)

    def count_on_time(self, now: float) -> None:
        """The units each grid has done by ``now`` (the deadline, or the run's end before it)."""
        for g in range(len(self.need)):
            self.advance(g, now)
            self.on_time[g] = self.units_done(g)


def build_tasks(sc: Scenario, households: np.ndarray) -> list[TaskState]:
    """Every emergency's tasks (the run starts those that begin in [0, horizon), see ``starts``)."""
    out: list[TaskState] = []
    window = (sc.warmup_hours, sc.horizon_hours)
    for em in sc.emergencies:
        a, _ = sc.emergency_window(em)
        for task in em.tasks:
            start = a + task.start_after_hours
            units = households.astype(float) if task.per == "household" else np.ones(len(households))
            out.append(TaskState(len(out), task.name, start, start + task.deadline_hours, task.crew * task.hours,
                                 set(task.roles), units, window, sc.cadres.role_names))
    return out


class Tasks(Component):
    """Emergency tasks as the run goes: those under way, who works on which, and when each grid's work is
    done.  A free cadre of a task's roles joins a task under way in its grid (Crew.free); an urgent issue
    calls one off it (``call_away``), and it goes back when free again."""

    connects = ("crew", "issues", "visits", "reserves")

    def __init__(self, run: Run, households: np.ndarray):
        super().__init__(run)
        self.tasks = build_tasks(run.sc, households)
        self.active: list[TaskState] = []
        self.on_task: dict[int, tuple[TaskState, float]] = {}  # per cadre on a task: the task, since when
        self.log = array("d")  # flat rows (cadre, task, start, end): a stretch on a task
        self.crew_of: dict[tuple[int, int], dict[int, Cadre]] = {}  # per task and grid, who works on it
        self.tasked_in: dict[Unit, dict[int, Cadre]] = {}  # per unit, who works on a task (to call away)

    def begin(self) -> None:
        run = self.run
        for ts in filter(lambda ts: ts.starts(run.horizon), self.tasks):
            run.at(ts.start, self.task_start, ts)
            if ts.deadline < run.stop_at:
                run.at(ts.deadline, self.task_deadline, ts)

    def task_for(self, c: Cadre) -> TaskState | None:
        """The first task under way in the cadre's grid that its role works on, if any."""
        g = c.home
        for ts in self.active:
            if g >= 0 and math.isnan(ts.finished[g]) and self.crew.role_of[c.id] in ts.roles:
                return ts
        return None

    def join(self, c: Cadre, ts: TaskState) -> None:
        self.crew.state[c.id] = TASK
        self.on_task[c.id] = ts, self.env.now
        self.crew_of.setdefault((ts.index, c.home), {})[c.id] = c
        self.tasked_in.setdefault(c.unit, {})[c.id] = c
        ts.change_workers(c.home, self.env.now, +1)
        self.reschedule(ts, c.home)

    def leave(self, c: Cadre) -> None:
        ts, since = self.on_task.pop(c.id)
        self.log.extend((c.id, ts.index, since, self.env.now))
        del self.crew_of[ts.index, c.home][c.id]
        self.tasked_in[c.unit].pop(c.id, None)  # (gone already if an urgent issue called it away)
        ts.change_workers(c.home, self.env.now, -1)
        self.reschedule(ts, c.home)

    def call_away(self, unit: Unit, g: int, i: int) -> Cadre | None:
        """An urgent issue takes a cadre of ``unit`` off its task (one that takes its type, in its grid if any)."""
        if (pool := self.tasked_in.get(unit)) and (c := unit.call_away(pool, g, i)) is not None:
            self.leave(c)
            return c
        return None

    def reschedule(self, ts: TaskState, g: int) -> None:
        t = ts.eta(g, self.env.now)
        ts.token[g] += 1
        if t < self.run.stop_at:
            self.run.at(t, self.grid_done, (ts, g, ts.token[g]))

    def task_start(self, ev: Call) -> None:
        """The task's work appears in every grid: its cadres on duty and free (idle or visiting) start on it;
        those at work join when their task in hand is done."""
        ts, now = ev.value, self.env.now
        crew = self.crew
        ts.active = True
        ts.last_t = [now] * len(ts.last_t)
        self.active.append(ts)
        # only the free cadres of the task's roles (the task appears in every grid, so in all their grids)
        ids = np.flatnonzero(np.isin(crew.role_a, ts.role_ids) & (crew.home_a >= 0) & (crew.hand_a < 0)
                             & ((crew.state_a == IDLE) | (crew.state_a == RESERVED)))
        for c in map(crew.cadres.__getitem__, ids.tolist()):
            if self.task_for(c) is ts:
                if crew.state[c.id] == IDLE:
                    c.unit.remove_idle(c)
                else:
                    self.reserves.unreserve(c)
                self.visits.stop_visiting(c)
                self.join(c, ts)

    def grid_done(self, ev: Call) -> None:
        ts, g, token = ev.value
        if token != ts.token[g]:
            return
        ts.advance(g, self.env.now)
        ts.finished[g] = self.env.now
        for c in list(self.crew_of.get((ts.index, g), {}).values()):
            self.leave(c)
            self.crew.free(c)

    def task_deadline(self, ev: Call) -> None:
        ev.value.count_on_time(self.env.now)

    def finish(self, now: float) -> None:
        for cid, (ts, since) in self.on_task.items():
            self.log.extend((cid, ts.index, since, now))
        for ts in self.active:
            if ts.deadline >= now:  # the run ended before the deadline: what was done by then
                ts.count_on_time(now)
            else:
                for g in range(len(ts.need)):
                    ts.advance(g, now)
