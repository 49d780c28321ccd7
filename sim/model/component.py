"""The model's parts: components in the sense of desmod (desmod/component.py).

The model is a handful of components, each the one owner of a part of the
model's state and of the operations on it:

- ``IssuePath`` (issue_path.py): issues and their queues — each issue's state and
  its way from occurrence through the levels' queues to resolution, supervision;
- ``Crew`` (crew.py): cadres at work — who holds which issue, starting, working and
  completing it, and the one rule for what a free cadre does next;
- ``Duty`` (duty.py): duty groups — shift changes in bulk, attendance, the duty logs,
  and the drain's narrowing;
- ``Visits`` (visits.py): household visiting — who visits, every grid's visiting
  cursor, and the discovery of hidden issues;
- ``ReservedVisits`` (reserved_visits.py): visits as a duty — the day's reserve, its
  calls away by urgent issues, and visit campaigns;
- ``Tasks`` (tasks.py): emergency tasks in every grid;
- ``Wartime`` (wartime.py): wartime mode — its triggers, mobilisation, wartime duty
  and the visit pause.
- ``Worsening`` (worsening.py): issues left waiting unstarted past their patience,
  which go up by themselves or leave as petitions.

A component names the components it calls in ``connects``; ``elaborate`` hands each
its connections before time 0 and fails (``ConnectError``) if one is missing, as
desmod's ``elaborate`` does.  An event handler then reads as "this event asks these
components to do this".  All share one ``Run``: the SimPy environment, the
scenario, the run's times and the one way to schedule an event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import simpy

from sim.model.calls import Call, call_at
from sim.model.clock import Clock
from sim.scenario import Scenario


class ConnectError(Exception):
    """A component's declared connection is missing at elaboration."""


class Run:
    """What every component shares: the SimPy environment, the scenario, its clock and times (hours),
    the one way to schedule an event, and the drain after the horizon."""

    def __init__(self, scenario: Scenario):
        self.sc = scenario
        self.env = simpy.Environment()
        self.clock = Clock(scenario.calendar.start)
        self.horizon = scenario.horizon_hours
        self.warmup = scenario.warmup_hours
        self.stop_at = self.horizon + scenario.calendar.drain_days * 24.0  # the drain's limit
        self.events = 0
        self.draining = False
        self.drained = self.env.event()

    def at(self, time: float, fn: Callable[[Call], None], value: Any) -> None:
        """Call ``fn`` at ``time`` (now if past): a SimPy calendar entry, after those scheduled before it for
        the same instant (docs/architecture.md, "Event order")."""
        self.after(max(time - self.env.now, 0.0), fn, value)

    def after(self, delay: float, fn: Callable[[Call], None], value: Any) -> None:
        call_at(self.env, delay, fn, value)
        self.events += 1

    def end_drain(self) -> None:
        """The drain is over: its limit came, or its last open issue was resolved.  Both can happen at
        one instant (the last issue resolved exactly at the limit), so this is the one place that ends it."""
        if not self.drained.triggered:
            self.drained.succeed()


class Component:
    """A part of the model: it owns its state and the operations on it, and calls only the components
    it names in ``connects`` (attributes of those names, set by ``elaborate``)."""

    connects: ClassVar[tuple[str, ...]] = ()

    def __init__(self, run: Run):
        self.run = run
        self.env = run.env


def elaborate(parts: dict[str, Component]) -> None:
    """Connect every component to those it names, before time 0; a missing one is a ConnectError."""
    for name, part in parts.items():
        missing = [c for c in part.connects if c not in parts]
        if missing:
            raise ConnectError(f"{name} ({type(part).__name__}) connects to {', '.join(missing)}: not in the model")
        for c in part.connects:
            setattr(part, c, parts[c])

