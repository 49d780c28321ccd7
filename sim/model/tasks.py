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

import numpy as np

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
