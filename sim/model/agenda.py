"""An agenda: many timed entries behind one pending SimPy event.

Hidden issues' self-reports and grids' next discoveries are numerous and often
rescheduled (every shift start moves every visiting grid's discovery earlier).
As SimPy events, each reschedule would leave a void event in SimPy's queue to be
stepped through later, and the queue would hold one entry per grid.  Here an
entry costs one push on a heap of plain tuples, and SimPy holds a single event,
for the earliest entry; a void entry is dropped by its owner's check when popped.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable

from sim.model.calls import Call, call_at


class Agenda:
    """Entries ``(time, key, tag)`` handled by ``handle(key, tag)`` when their time comes, earliest first
    (ties by key, then tag).  ``time`` is the exact instant: see :func:`exact_delay`."""

    __slots__ = ("env", "handle", "heap", "next", "token", "count")

    def __init__(self, env, handle: Callable[[int, int], None]):
        self.env = env
        self.handle = handle
        self.heap: list[tuple[float, int, int]] = []
        self.next = math.inf  # when the pending SimPy event fires
        self.token = 0  # the pending event's number: an older event is void
        self.count = 0  # SimPy events scheduled, for the run's event count

    def push(self, time: float, key: int, tag: int = 0) -> None:
        heapq.heappush(self.heap, (time, key, tag))
        if time < self.next:
            self._schedule(time)

    def _schedule(self, time: float) -> None:
        self.next = time
        self.token += 1
        self.count += 1
        call_at(self.env, exact_delay(self.env.now, time), self._fire, self.token)

    def _fire(self, ev: Call) -> None:
        if ev.value != self.token:
            return
        now = self.env.now
        heap = self.heap
        while heap and heap[0][0] <= now:
            _, key, tag = heapq.heappop(heap)
            self.handle(key, tag)
        if heap:
            self._schedule(heap[0][0])
        else:
            self.next = math.inf


def exact_delay(now: float, time: float) -> float:
    """The delay that makes a SimPy timeout from ``now`` fire at ``time`` to the last bit
    (a timeout fires at now + delay, which can round away from ``time``)."""
    delay = time - now
    while now + delay < time:
        delay = math.nextafter(delay, math.inf)
    while now + delay > time:
        delay = math.nextafter(delay, -math.inf)
    return delay
