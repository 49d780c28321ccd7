"""Dispatch units: a queue of issues and the idle cadres that may serve it.

A unit is a grid (``own_grid``), a community pool (``community_pool``), a
police grid, or an escalation level's office.  Queues are priority heaps keyed
by (priority, report time, issue id): non-preemptive priority, first come first
served within a priority.  An issue whose priority is raised while it waits
(supervision) gets a new entry; the old one is void and skipped when it comes
up, so raising costs O(log queue), not a search of the queue.  Idle cadres are kept per unit and, in pools, per
home grid, so that finding a cadre is O(1) whatever the size of the district.

Which idle cadre takes an issue: the one idle longest (first in, first out),
among those living in the issue's grid if any; cadres that became idle at the
same instant (a shift start) go in cadre order.  Spreading work this way is
what offices do, and it keeps every cadre's utilisation alike.
"""

from __future__ import annotations

import heapq
from collections import OrderedDict
from typing import Protocol


class Cadre(Protocol):
    """What a unit needs of a cadre (sim.model.cadres.Cadre): its id and home grid."""

    id: int
    home: int


class Unit:
    __slots__ = ("name", "queue", "void", "idle", "idle_by_grid", "pooled")

    def __init__(self, name: str, pooled: bool = False):
        self.name = name
        self.queue: list[tuple[int, float, int]] = []
        self.void: set[tuple[int, float, int]] = set()  # entries replaced by a raised priority
        # idle cadres, longest idle first; OrderedDict pops its first entry in O(1)
        self.idle: OrderedDict[int, Cadre] = OrderedDict()
        self.idle_by_grid: dict[int, OrderedDict[int, Cadre]] = {}
        self.pooled = pooled

    def push(self, priority: int, report_t: float, issue: int) -> None:
        heapq.heappush(self.queue, (priority, report_t, issue))

    def pop(self) -> int | None:
        while self.queue:
            entry = heapq.heappop(self.queue)
            if not self.void or entry not in self.void:
                return entry[2]
            self.void.remove(entry)
        return None

    def raise_priority(self, old: int, new: int, report_t: float, issue: int) -> None:
        """A waiting issue moves up from priority ``old`` to ``new``."""
        self.void.add((old, report_t, issue))
        heapq.heappush(self.queue, (new, report_t, issue))

    def waiting(self) -> list[int]:
        """The issues in the queue (void entries left out)."""
        return [e[2] for e in self.queue if e not in self.void]

    def add_idle(self, cadre: Cadre) -> None:
        self.idle[cadre.id] = cadre
        if self.pooled:
            self.idle_by_grid.setdefault(cadre.home, OrderedDict())[cadre.id] = cadre

    def remove_idle(self, cadre: Cadre) -> None:
        del self.idle[cadre.id]
        if self.pooled:
            del self.idle_by_grid[cadre.home][cadre.id]

    def take_idle(self, grid: int) -> Cadre | None:
        """An idle cadre for an issue in ``grid``: one living in that grid if any (no travel)."""
        if not self.idle:
            return None
        if self.pooled:
            local = self.idle_by_grid.get(grid)
            if local:
                cadre = local.popitem(last=False)[1]
                del self.idle[cadre.id]
            else:
                cadre = self.idle.popitem(last=False)[1]
                del self.idle_by_grid[cadre.home][cadre.id]
            return cadre
        return self.idle.popitem(last=False)[1]
