"""Household visiting per grid, and the discovery of hidden issues it brings.

Two classes: ``Visiting``, every grid's visiting state as arrays, and ``Visits``,
the component that drives it as the run goes (who visits, discovery events).

Visiting is continuous work, not one event per household: a grid's idle,
on-duty, visiting cadres advance its visiting cursor ``V`` (households visited
so far, cumulative) at ``pace * visitors`` households per hour.  ``visitors`` weighs
each visiting cadre by its pace: 1 in reserved visits (and in "idle" mode), its role's
``idle_pace_share`` in idle time in "scheduled" mode.  Visitors are counted per class
of pace (whole numbers) and ``visitors`` is computed from the counts, never summed up
from fractions, so that it is exactly 0 when nobody visits at a pace above 0.  Households are
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

Every grid's state is one entry of typed arrays (numpy views share them), not
an object per grid: a shift change moves the visitors of thousands of grids at
once, and does so in a few array operations (``change_many``) with the same
floating-point operations, in the same order, as one grid at a time.  The
breakpoints of V(t) are logged (breakpoints.py) up to each grid's first change at
or after the horizon: coverage is measured inside the window, and a drain after
it can last months.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections.abc import Sequence

import numpy as np

from sim.model.breakpoints import BreakpointLog
from sim.model.cadres import IDLE, RESERVED, Cadre
from sim.model.calls import Call
from sim.model.clock import TIE_HOURS
from sim.model.component import Component, Run

FEW_GRIDS = 8  # visiting changes in at most this many grids go one grid at a time: array calls cost more there


def _zeros(code: str, n: int) -> tuple[array, np.ndarray]:
    a = array(code, bytes(array(code).itemsize * n))
    return a, np.frombuffer(a, dtype=np.dtype(code))  # the same memory: scalar access and array operations


class Visiting:
    """The visiting state of every grid: entry ``g`` of each array is grid ``g``'s.

    Most columns come twice over the same memory: a typed array (``V``), fast for one grid
    at a time, and a numpy view (``_V``) for array operations over many."""

    def __init__(self, households: np.ndarray, pace: float, log_until: float, paces: Sequence[float] = (1.0,)):
        n = len(households)
        self.paces = [float(p) for p in paces]  # per class of visitor, its share of the full pace
        self.counts = [_zeros("q", n) for _ in self.paces]  # per class, visitors per grid (typed, numpy view)
        self.households = [int(h) for h in households]
        self.pace = pace
        self.log_until = log_until
        self.visitors, self._visitors = _zeros("d", n)  # sum over classes of pace x visitors
        self.V, self._V = _zeros("d", n)
        self.last_t, self._last_t = _zeros("d", n)
        self.due = array("d", [math.inf]) * n  # when the grid's pending discovery event fires
        self.token = array("q", bytes(8 * n))  # bumps to void the pending discovery
        self.hidden: list[list[tuple[float, int]]] = [[] for _ in range(n)]  # heaps of (cursor value, issue)
        self.head, self._head = _zeros("d", n)  # the smallest cursor value in each heap (inf: none)
        self._head[:] = math.inf
        self.log_open, self._log_open = _zeros("b", n)  # the grid's breakpoints are still logged
        self._log_open[:] = 1
        self.log = BreakpointLog(n)

    def __len__(self) -> int:
        return len(self.households)

    def advance(self, g: int, now: float) -> None:
        vis = self.visitors[g]
        if vis and now > self.last_t[g]:
            self.V[g] += self.pace * vis * (now - self.last_t[g])
        self.last_t[g] = now

    def change_visitors(self, g: int, now: float, k: int, count: int, to: int = -1) -> None:
        """``count`` cadres of class ``k`` start (or, negative, stop) visiting grid ``g`` now; with ``to``,
        ``-count`` of them go on visiting in class ``to`` instead."""
        self.advance(g, now)
        self.counts[k][0][g] += count
        if to >= 0:
            self.counts[to][0][g] -= count
        self._changed(g, now)

    def change_classes(self, g: int, now: float, counts: list[int]) -> None:
        """``counts[k]`` cadres of each class k start (or stop) visiting grid ``g`` now."""
        self.advance(g, now)
        for (c, _), n in zip(self.counts, counts):
            c[g] += n
        self._changed(g, now)

    def _changed(self, g: int, now: float) -> None:
        """Grid ``g``'s visitors changed now: its pace, from the counts, and a breakpoint of its curve."""
        v = 0.0
        for p, (c, _) in zip(self.paces, self.counts):
            v += p * c[g]
        self.visitors[g] = v
        if self.log_open[g]:
            self.log.add(g, now, self.V[g])
            if now >= self.log_until:
                self.log_open[g] = 0

    def change_many(self, grids: np.ndarray, counts: np.ndarray, now: float) -> None:
        """``change_visitors`` for several grids (each once) at one instant, as array operations;
        ``counts[k]``: the change of class k's visitors in each grid."""
        vis = self._visitors[grids]
        last = self._last_t[grids]
        moving = (vis != 0) & (now > last)
        g = grids[moving]
        self._V[g] += self.pace * vis[moving] * (now - last[moving])
        self._last_t[grids] = now
        v = np.zeros(len(grids))
        for k, (p, (_, c)) in enumerate(zip(self.paces, self.counts)):
            c[grids] += counts[k]
            v += p * c[grids]
        self._visitors[grids] = v
        logged = grids[self._log_open[grids] == 1]
        if len(logged):
            self.log.add_many(logged, now, self._V[logged])
            if now >= self.log_until:
                self._log_open[logged] = 0

    def logging(self) -> np.ndarray:
        """Per grid, whether its breakpoints are still logged (it has not changed since the horizon)."""
        return self._log_open == 1

    def add_hidden(self, g: int, now: float, offset: float, issue: int) -> None:
        self.advance(g, now)
        heap = self.hidden[g]
        heapq.heappush(heap, (self.V[g] + offset * self.households[g], issue))
        self.head[g] = heap[0][0]

    def next_discovery(self, g: int, now: float) -> float:
        """When the cursor reaches the grid's nearest hidden issue at the current speed (inf if never)."""
        vis = self.visitors[g]
        if not vis or not self.hidden[g]:
            return math.inf
        gap = self.head[g] - self.V[g]
        return now + max(gap, 0.0) / (self.pace * vis)

    def next_discoveries(self, grids: np.ndarray, now: float) -> tuple[np.ndarray, np.ndarray]:
        """``next_discovery`` of those of ``grids`` with visitors and hidden issues: (grids, times), in order."""
        head = self._head[grids]
        vis = self._visitors[grids]
        some = (vis != 0) & (head < math.inf)
        g = grids[some]
        return g, now + np.maximum(head[some] - self._V[g], 0.0) / (self.pace * vis[some])

    def found(self, g: int, now: float) -> list[int]:
        """Pop the hidden issues the cursor has reached by ``now``."""
        self.advance(g, now)
        heap = self.hidden[g]
        reach = self.V[g] + 1e-9
        out = []
        while heap and heap[0][0] <= reach:
            out.append(heapq.heappop(heap)[1])
        self.head[g] = heap[0][0] if heap else math.inf
        return out

    def curves(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per grid, the breakpoints (times, values) of V(t), in time order."""
        times, values = self.log.split()
        return [np.frombuffer(t) for t in times], [np.frombuffer(v) for v in values]


class Visits(Component):
    """Household visiting as the run goes: who visits now and at what pace (per cadre, its class: full
    pace in reserved visits, its idle pace share in idle time), every grid's visiting state
    (``Visiting``), and the one pending discovery event per grid that finds hidden issues.  ``allowed``
    is off while wartime pauses visits."""

    connects = ("crew", "issues", "reserves")

    def __init__(self, run: Run, households: np.ndarray, idle_paces: np.ndarray):
        super().__init__(run)
        sc = run.sc
        # classes of pace: 0 the full pace (reserved visits), then each other idle pace share
        self.paces = [1.0] + sorted({float(p) for p in idle_paces} - {1.0})
        self.grids = Visiting(households, sc.visits.households_per_hour, run.horizon, self.paces)
        self.allowed = sc.visits.enabled
        n = len(idle_paces)
        self.visiting = bytearray(n)  # per cadre: visiting now
        self.visiting_a = np.frombuffer(self.visiting, dtype=np.uint8)
        self.cls, self.cls_a = _zeros("q", n)  # per cadre: its class while it visits
        self.idle_cls_a = np.array([self.paces.index(float(p)) for p in idle_paces], dtype=np.int64)
        self.idle_cls = self.idle_cls_a.tolist()  # per cadre: its class in idle time

    def hide(self, g: int, offset: float, i: int) -> None:
        """Hidden issue ``i`` occurs in grid ``g``: the visiting round will reach it (``offset``, visits.py)."""
        self.grids.add_hidden(g, self.env.now, offset, i)
        self.reschedule_discovery(g)

    def start_visiting(self, c: Cadre, grid_later: bool = False) -> bool:
        """The cadre visits, if it is a visitor and visiting is allowed: at full pace in reserved visits, at
        its idle pace else (a cadre visiting already changes class if its state asks another; never in a
        shift change).  ``grid_later``: its grid's visitors are changed by the caller (a shift change, summed
        per grid).  Whether it started."""
        cid = c.id
        if not (c.visits and self.allowed):
            return False
        k = 0 if self.crew.state[cid] == RESERVED else self.idle_cls[cid]
        if self.visiting[cid]:
            if k != self.cls[cid]:  # from the reserve to idle time, or back: the same visitor at another pace
                was, self.cls[cid] = self.cls[cid], k
                self.grids.change_visitors(c.home, self.env.now, k, 1, to=was)
                if self.paces[k] > self.paces[was] and self.grids.hidden[c.home]:
                    self.reschedule_discovery(c.home)
                if self.reserves.campaigns_of:
                    self.reserves.campaign_visitor(c, k, 1, to=was)
            return False
        self.visiting[cid] = 1
        self.cls[cid] = k
        if not grid_later:
            self.visitors(c.home, k, 1)
        if self.reserves.campaigns_of:
            self.reserves.campaign_visitor(c, k, 1)
        return True

    def stop_visiting(self, c: Cadre, grid_later: bool = False) -> bool:
        """The cadre stops visiting, if it visits (``grid_later`` as for ``start_visiting``).  Whether it stopped."""
        cid = c.id
        if self.visiting[cid]:
            k = self.cls[cid]
            self.visiting[cid] = 0
            if not grid_later:
                self.visitors(c.home, k, -1)
            if self.reserves.campaigns_of:
                self.reserves.campaign_visitor(c, k, -1)
            return True
        return False

    def visitors(self, g: int, k: int, count: int) -> None:
        self.grids.change_visitors(g, self.env.now, k, count)
        if count > 0 and self.paces[k] > 0 and self.grids.hidden[g]:
            self.reschedule_discovery(g)

    def visitors_of(self, grids: np.ndarray, counts: np.ndarray) -> None:
        """``visitors`` for the grids of a shift change, in order (``counts[k]``: class k's change in each):
        for many, as array operations, with the same arithmetic and the discoveries scheduled in the same
        order."""
        faster = (np.asarray(self.paces) @ counts) > 0
        if len(grids) <= FEW_GRIDS:
            now = self.env.now
            for g, n, up in zip(grids.tolist(), counts.T.tolist(), faster.tolist()):
                self.grids.change_classes(g, now, n)
                if up and self.grids.hidden[g]:
                    self.reschedule_discovery(g)
            return
        now = self.env.now
        vs = self.grids
        vs.change_many(grids, counts, now)
        sped_up, t = vs.next_discoveries(grids[faster], now)
        sooner = (t < np.frombuffer(vs.due)[sped_up] - TIE_HOURS) & (t < self.run.stop_at)
        for g, when in zip(sped_up[sooner].tolist(), t[sooner].tolist()):
            self.discovery_at(g, when)

    def pause(self) -> None:
        """Wartime pauses visits: reserves end, and every visitor stops (only the cadres it changes)."""
        self.allowed = False
        crew = self.crew
        for cid in np.flatnonzero((crew.state_a == RESERVED) | (self.visiting_a == 1)).tolist():
            c = crew.cadres[cid]
            if crew.state[cid] == RESERVED:
                self.reserves.end_now(c)
            self.stop_visiting(c)

    def resume(self) -> None:
        """The pause is over: idle visitors visit again."""
        self.allowed = True
        crew = self.crew
        for cid in np.flatnonzero((crew.state_a == IDLE) & (self.visiting_a == 0) & crew.visits_a).tolist():
            self.start_visiting(crew.cadres[cid])

    # ------------------------------------------------------------ discovery

    def reschedule_discovery(self, g: int) -> None:
        vs = self.grids
        t = vs.next_discovery(g, self.env.now)
        if t < vs.due[g] - TIE_HOURS and t < self.run.stop_at:
            self.discovery_at(g, t)

    def discovery_at(self, g: int, when: float) -> None:
        """Grid ``g``'s next discovery is at ``when``: the one pending before is void."""
        vs = self.grids
        vs.token[g] += 1
        vs.due[g] = when
        self.run.at(when, self.discover, (g, vs.token[g]))

    def discover(self, ev: Call) -> None:
        g, token = ev.value
        vs = self.grids
        if token != vs.token[g]:
            return
        vs.due[g] = math.inf
        for i in vs.found(g, self.env.now):
            self.issues.found_by_visit(i)
        self.reschedule_discovery(g)

    def finish(self, now: float) -> None:
        """The run stops: every grid's cursor is brought up to now (the last breakpoint of its curve)."""
        every = np.arange(len(self.grids))
        self.grids.change_many(every, np.zeros((len(self.paces), len(every)), np.int64), now)
