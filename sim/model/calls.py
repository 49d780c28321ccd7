"""A timed call: the lightest event SimPy's loop will process.

Every event of the model is "at time t, call f(event)" and carries one value.
``simpy.Timeout`` does that through two constructors, a delay check and a
callback list per event; at millions of events a year that bookkeeping is a
tenth of a large district's run.  ``Environment.step`` needs only
``callbacks`` and ``_ok`` of what it pops, so a slotted object with those,
scheduled with the public ``Environment.schedule``, is processed exactly as a
Timeout would be: same time, same priority, next event id, same order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simpy.core import Environment
from simpy.events import NORMAL


class Call:
    __slots__ = ("callbacks", "value", "_ok")

    def __init__(self, fn: Callable[[Call], None], value: Any):
        self.callbacks = (fn,)  # SimPy calls each, then sets the attribute to None
        self.value = value
        self._ok = True  # not a failed event: SimPy raises for those


def call_at(env: Environment, delay: float, fn: Callable[[Call], None], value: Any) -> None:
    """Call ``fn(event)`` after ``delay`` hours; ``event.value`` is ``value``."""
    env.schedule(Call(fn, value), NORMAL, delay)
