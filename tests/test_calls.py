"""Timed calls (sim/model/calls.py) go through SimPy's own loop exactly as Timeouts do.

Call relies on what Environment.step reads of an event (``callbacks``, ``_ok``): if a SimPy
release changed that, this test fails rather than the model silently reordering events.
"""

from __future__ import annotations

import simpy

from sim.model.calls import Call, call_at


def test_calls_and_timeouts_fire_in_time_then_creation_order():
    env = simpy.Environment()
    fired: list[tuple[float, str]] = []

    def note(ev) -> None:
        fired.append((env.now, ev.value))

    call_at(env, 2.0, note, "call a")
    t = env.timeout(1.0, "timeout b")
    t.callbacks.append(note)
    call_at(env, 1.0, note, "call c")  # same time as b, created after it: fires after it
    t = env.timeout(2.0, "timeout d")
    t.callbacks.append(note)
    env.run(until=5.0)
    assert fired == [(1.0, "timeout b"), (1.0, "call c"), (2.0, "call a"), (2.0, "timeout d")]


def test_a_call_fires_once_and_releases_its_callbacks():
    env = simpy.Environment()
    seen = []
    call = Call(seen.append, 7)
    env.schedule(call, delay=0.5)
    env.run()
    assert seen == [call] and call.callbacks is None and call.value == 7
