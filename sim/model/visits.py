"""Household visiting per grid, and the discovery of hidden issues it brings.

Visiting is continuous work, not one event per household: a grid's idle,
on-duty, visiting cadres advance its visiting cursor ``V`` (households visited
so far, cumulative) at ``pace * visitors`` households per hour.  Households are
visited least-recently-visited first, i.e. round the grid in a fixed cycle, so:

- the households visited within the last T hours are the last V(t) - V(t-T)
  of the cycle, and coverage(t) = min(1, (V(t) - V(t-T)) / households);
- a hidden issue occurring at t0 sits at a uniform position ahead of the
  cursor and is found when a visit reaches it and the visit notices it
  (probability p per pass): when V reaches V(t0) + households * offset,
  where offset = U(0,1) + (failed passes), drawn with the issue.

Only changes in the number of visitors are events (they come with tasks and
shifts); the one pending discovery per grid is scheduled lazily: it is moved
earlier when visiting speeds up, and re-checked when it fires if it slowed.

The breakpoints of V(t) are kept up to the first at or after the horizon: coverage
is measured inside the window, and a drain after it can last months.
"""

from __future__ import annotations

import heapq
import math
from array import array


class GridVisits:
    __slots__ = ("households", "pace", "visitors", "V", "last_t", "times", "values", "hidden",
                 "due", "token", "log_until")

    def __init__(self, households: int, pace: float, log_until: float):
        self.households = households
        self.pace = pace
        self.log_until = log_until
        self.visitors = 0
        self.V = 0.0
        self.last_t = 0.0
        self.times = array("d", [0.0])  # breakpoints of the piecewise-linear V(t), 8 bytes each
        self.values = array("d", [0.0])
        self.hidden: list[tuple[float, int]] = []  # heap of (cursor value that finds it, issue)
        self.due = math.inf  # when the pending discovery event fires
        self.token = 0

    def advance(self, now: float) -> None:
        if self.visitors and now > self.last_t:
            self.V += self.pace * self.visitors * (now - self.last_t)
        self.last_t = now

    def change_visitors(self, now: float, delta: int) -> None:
        self.advance(now)
        self.visitors += delta
        if self.times[-1] < self.log_until:
            self.times.append(now)
            self.values.append(self.V)

    def add_hidden(self, now: float, offset: float, issue: int) -> None:
        self.advance(now)
        heapq.heappush(self.hidden, (self.V + offset * self.households, issue))

    def next_discovery(self, now: float) -> float:
        """When the cursor reaches the nearest hidden issue at the current speed (inf if never)."""
        if not self.hidden or not self.visitors:
            return math.inf
        gap = self.hidden[0][0] - self.V
        return now + max(gap, 0.0) / (self.pace * self.visitors)

    def found(self, now: float) -> list[int]:
        """Pop the hidden issues the cursor has reached by ``now``."""
        self.advance(now)
        out = []
        while self.hidden and self.hidden[0][0] <= self.V + 1e-9:
            out.append(heapq.heappop(self.hidden)[1])
        return out
