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

A unit some of whose cadres take only some issue types (a named role's
``types``) is a ``SkilledUnit``; every other unit is a plain ``Unit``, which
ignores the issue and cadre passed to ``take_idle``, ``pop`` and ``call_away``,
and so serves exactly as before named roles existed.

A plain grid unit of a few cadres is a ``SmallUnit``: the same service, but its
idle cadres are marked in an ``IdleBook`` (a stamp per cadre in one array for
the whole district) instead of held in a dict, so that a shift change marks the
cadres of thousands of grids idle or off in one array operation.
"""

from __future__ import annotations

import heapq
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

import numpy as np

SMALL = 16  # the most cadres a SmallUnit holds: finding the longest idle scans them


class Cadre(Protocol):
    """What a unit needs of a cadre (sim.model.cadres.Cadre): its id and home grid."""

    id: int
    home: int
    skill: int  # index into its unit's skill sets (SkilledUnit); 0 elsewhere


class Unit:
    __slots__ = ("name", "queue", "void", "idle", "idle_by_grid", "pooled", "index")

    def __init__(self, name: str, pooled: bool = False):
        self.name = name
        self.index = -1  # the unit's number in its roster (roster.number_units)
        self.queue: list[tuple[int, float, int]] = []
        self.void: set[tuple[int, float, int]] = set()  # entries replaced by a raised priority
        # idle cadres, longest idle first; OrderedDict pops its first entry in O(1)
        self.idle: OrderedDict[int, Cadre] = OrderedDict()
        self.idle_by_grid: dict[int, OrderedDict[int, Cadre]] = {}
        self.pooled = pooled

    def push(self, priority: int, report_t: float, issue: int) -> None:
        heapq.heappush(self.queue, (priority, report_t, issue))

    def pop(self, cadre: Cadre | None = None) -> int | None:
        """The next issue for ``cadre`` (any cadre of a plain unit takes any issue)."""
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

    def withdraw(self, priority: int, report_t: float, issue: int) -> None:
        """A waiting issue leaves the queue without being popped (a cadre was called to it).  Taken out of
        the heap, not voided: the same entry may be queued again later (handed back at a shift end), and a
        void entry would hide it.  O(queue), and rare (supervision, a first call's end)."""
        _remove(self.queue, (priority, report_t, issue))

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

    def take_idle(self, grid: int, issue: int = -1) -> Cadre | None:
        """An idle cadre for ``issue`` in ``grid``: one living in that grid if any (no travel)."""
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

    def call_away(self, pool: dict[int, Cadre], grid: int, issue: int) -> Cadre | None:
        """A cadre from ``pool`` (cadres that may be called away, from reserved visits or a task: id -> cadre,
        in order) for ``issue`` in ``grid``: one living in the grid if any, else the first; taken out of ``pool``."""
        return pool.pop(next((k for k, c in pool.items() if c.home == grid), next(iter(pool))))


class IdleBook:
    """For the cadres of every SmallUnit, when each became idle (a stamp; -1: not idle), and per
    unit (by its number) the issues in a SmallUnit's queue: typed arrays, with numpy views for shift changes.

    The one owner of the SmallUnits' idle cadres: a SmallUnit marks one cadre at a time (``idle``,
    ``off``), a shift change many at once (``mark_idle``, ``mark_off``), both through these methods."""

    __slots__ = ("since", "since_a", "next", "queued", "queued_a")

    def __init__(self, cadres: int, units: int):
        self.since = array("q", [-1]) * cadres
        self.since_a = np.frombuffer(self.since, dtype=np.int64)
        self.next = 0  # the next stamp: stamps only grow, so a smaller one has been idle longer
        self.queued = array("q", bytes(8 * units))  # stays 0 for units other than SmallUnits
        self.queued_a = np.frombuffer(self.queued, dtype=np.int64)

    def idle(self, cid: int) -> None:
        """Cadre ``cid`` becomes idle now."""
        self.since[cid] = self.next
        self.next += 1

    def off(self, cid: int) -> None:
        """Cadre ``cid`` is no longer idle."""
        self.since[cid] = -1

    def mark_idle(self, ids: np.ndarray) -> None:
        """Cadres ``ids`` (of SmallUnits) become idle now, in this order."""
        self.since_a[ids] = np.arange(self.next, self.next + len(ids))
        self.next += len(ids)

    def mark_off(self, ids: np.ndarray) -> None:
        """Cadres ``ids`` (of SmallUnits) are no longer idle."""
        self.since_a[ids] = -1


class SmallUnit(Unit):
    """A plain, unpooled grid unit of at most SMALL cadres, its idle cadres marked in an IdleBook.

    Serves exactly as a plain Unit: the longest-idle cadre (smallest stamp) takes an issue."""

    __slots__ = ("book", "members")

    def __init__(self, name: str, book: IdleBook, index: int, members: list[Cadre]):
        super().__init__(name)
        self.book = book
        self.index = index  # the unit's number: its entry in book.queued
        self.members = members

    def push(self, priority: int, report_t: float, issue: int) -> None:
        Unit.push(self, priority, report_t, issue)
        self.book.queued[self.index] += 1
    # (Unit.raise_priority adds an entry and voids one, bypassing push: the count stays that of live entries)

    def pop(self, cadre: Cadre | None = None) -> int | None:
        i = Unit.pop(self, cadre)
        if i is not None:
            self.book.queued[self.index] -= 1
        return i

    def withdraw(self, priority: int, report_t: float, issue: int) -> None:
        Unit.withdraw(self, priority, report_t, issue)
        self.book.queued[self.index] -= 1

    def add_idle(self, cadre: Cadre) -> None:
        self.book.idle(cadre.id)

    def remove_idle(self, cadre: Cadre) -> None:
        self.book.off(cadre.id)

    def take_idle(self, grid: int, issue: int = -1) -> Cadre | None:
        since = self.book.since
        best, first = None, -1
        for c in self.members:
            s = since[c.id]
            if s >= 0 and (best is None or s < first):
                best, first = c, s
        if best is not None:
            self.book.off(best.id)
        return best


class SkilledUnit(Unit):
    """A unit some of whose cadres take only some issue types.

    Each cadre has a skill set (the types it takes, or None: all).  Issue types
    fall into classes by the skill sets that take them; each class has its own
    heap, and idle cadres are kept per skill set (and home grid, in pools), with
    a stamp of when they became idle.  An issue takes the longest-idle cadre
    whose skill set takes its type (in pools: living in its grid first); a cadre
    becoming free takes the best (priority, report time, id) head among the
    classes it takes.  The work per call grows with the number of skill sets and
    classes of the unit (a few), not with the district.  With only unrestricted
    cadres this is the plain unit's order of service.
    """

    __slots__ = ("kinds", "skills", "type_class", "heaps", "takes", "served_by", "idle_sets", "local", "stamp",
                 "n_types")

    def __init__(self, name: str, kinds: Sequence[int], pooled: bool = False):
        super().__init__(name, pooled)
        self.kinds = kinds  # per issue, its type index
        self.skills: list[frozenset[int] | None] = []
        self.stamp = 0  # counts cadres becoming idle: a smaller stamp has been idle longer

    def skill_of(self, types: frozenset[int] | None) -> int:
        """The index of a skill set (registered on first use); call ``seal`` once all are known."""
        if types not in self.skills:
            self.skills.append(types)
        return self.skills.index(types)

    def seal(self, n_types: int, first_call: Sequence[bool] = ()) -> None:
        """Split the issue types into classes by the skill sets that take them.  A type with a first call
        (``first_call[t]``: cadres of restricted skill sets have it alone for a while) has a second class,
        of its issues still in their first call, taken only by the restricted skill sets that take it;
        an issue is in it while ``kinds[issue]`` is ``n_types + t`` (``hold``, ``release``)."""
        self.n_types = n_types
        sig_class: dict[tuple, int] = {}
        self.type_class = [sig_class.setdefault(tuple(k for k, s in enumerate(self.skills) if s is None or t in s),
                                                len(sig_class)) for t in range(n_types)]
        held = [("first call",) + tuple(k for k, s in enumerate(self.skills) if s is not None and t in s)
                if t < len(first_call) and first_call[t] else None for t in range(n_types)]
        self.type_class += [self.type_class[t] if sig is None or len(sig) == 1 else sig_class.setdefault(sig, len(sig_class))
                            for t, sig in enumerate(held)]
        self.heaps: list[list[tuple[int, float, int]]] = [[] for _ in sig_class]
        self.takes = [[c for sig, c in sig_class.items() if k in sig] for k in range(len(self.skills))]
        self.served_by = [tuple(k for k in sig if isinstance(k, int)) for sig in sig_class]
        self.idle_sets: list[OrderedDict[int, tuple[int, Cadre]]] = [OrderedDict() for _ in self.skills]
        self.local: list[dict[int, OrderedDict[int, tuple[int, Cadre]]]] = [{} for _ in self.skills]

    def holds(self, issue: int) -> bool:
        """Whether the issue's type has a first call here (a restricted skill set of this unit takes it)."""
        t = self.kinds[issue]
        return self.type_class[self.n_types + t] != self.type_class[t]

    def hold(self, issue: int) -> None:
        """The issue is in its first call (before it is queued or taken)."""
        self.kinds[issue] += self.n_types

    def release(self, priority: int, report_t: float, issue: int, queued: bool) -> None:
        """The issue's first call is over: any cadre that takes its type may take it (moved to its type's
        class if it waits in the queue)."""
        if queued:
            self.withdraw(priority, report_t, issue)
        self.kinds[issue] -= self.n_types
        if queued:
            self.push(priority, report_t, issue)

    def push(self, priority: int, report_t: float, issue: int) -> None:
        heapq.heappush(self.heaps[self.type_class[self.kinds[issue]]], (priority, report_t, issue))

    def pop(self, cadre: Cadre | None = None) -> int | None:
        """The best waiting issue ``cadre`` can take (None: any cadre), or None."""
        best, where = None, None
        for k in (range(len(self.heaps)) if cadre is None else self.takes[cadre.skill]):
            heap = self.heaps[k]
            while heap and self.void and heap[0] in self.void:
                self.void.remove(heapq.heappop(heap))
            if heap and (best is None or heap[0] < best):
                best, where = heap[0], heap
        if where is None:
            return None
        return heapq.heappop(where)[2]

    def raise_priority(self, old: int, new: int, report_t: float, issue: int) -> None:
        self.void.add((old, report_t, issue))
        self.push(new, report_t, issue)

    def withdraw(self, priority: int, report_t: float, issue: int) -> None:
        _remove(self.heaps[self.type_class[self.kinds[issue]]], (priority, report_t, issue))

    def waiting(self) -> list[int]:
        return [e[2] for heap in self.heaps for e in heap if e not in self.void]

    def add_idle(self, cadre: Cadre) -> None:
        entry = (self.stamp, cadre)
        self.stamp += 1
        self.idle_sets[cadre.skill][cadre.id] = entry
        if self.pooled:
            self.local[cadre.skill].setdefault(cadre.home, OrderedDict())[cadre.id] = entry

    def remove_idle(self, cadre: Cadre) -> None:
        del self.idle_sets[cadre.skill][cadre.id]
        if self.pooled:
            del self.local[cadre.skill][cadre.home][cadre.id]

    def take_idle(self, grid: int, issue: int = -1) -> Cadre | None:
        sets = self.served_by[self.type_class[self.kinds[issue]]]
        best = None
        if self.pooled:  # living in the issue's grid first
            for k in sets:
                if here := self.local[k].get(grid):
                    head = next(iter(here.values()))
                    if best is None or head[0] < best[0]:
                        best = head
        if best is None:
            for k in sets:
                if idle := self.idle_sets[k]:
                    head = next(iter(idle.values()))
                    if best is None or head[0] < best[0]:
                        best = head
        if best is None:
            return None
        self.remove_idle(best[1])
        return best[1]

    def call_away(self, pool: dict[int, Cadre], grid: int, issue: int) -> Cadre | None:
        kind, first_call = self.kinds[issue] % self.n_types, self.kinds[issue] >= self.n_types
        fits = [k for k, c in pool.items()
                if ((s := self.skills[c.skill]) is None and not first_call) or (s is not None and kind in s)]
        if not fits:
            return None
        return pool.pop(next((k for k in fits if pool[k].home == grid), fits[0]))


def _remove(heap: list[tuple[int, float, int]], entry: tuple[int, float, int]) -> None:
    """Take ``entry`` out of ``heap`` (a list kept as a heap)."""
    heap.remove(entry)
    heapq.heapify(heap)
