"""Visit campaigns: a drive to visit a number of households in some grids within some days.

While a campaign runs, its participants (cadres of its roles living in its grids)
spend ``share`` of each shift on reserved visits (as ``visits.mode = "scheduled"``
does, see reserved_visits.py).  The campaign counts the households its participants
visit from its start; like a grid's visiting cursor (visits.py) the
count is continuous, advancing at ``pace * visitors`` per hour, and the moment it
reaches the target is one event, moved whenever the number of visitors changes.
"""

from __future__ import annotations

import math

import numpy as np

from sim.scenario import Scenario


class CampaignState:
    __slots__ = ("index", "name", "start", "end", "share", "grids", "target", "participants", "pace",
                 "active", "visitors", "counts", "paces", "done", "last_t", "token", "stopped", "met")

    def __init__(self, index: int, name: str, window: tuple[float, float], share: float, grids: set[int],
                 target: float, participants: list[int], pace: float):
        self.index = index
        self.name = name
        self.start, self.end = window
        self.share = share
        self.grids = grids
        self.target = target
        self.participants = participants  # cadre ids
        self.pace = pace
        self.active = False
        self.paces = [1.0]  # per class of visitor, its share of the full pace (set by ReservedVisits)
        self.counts = [0]  # participants visiting now, per class
        self.visitors = 0.0  # sum over classes of pace x participants visiting
        self.done = 0.0  # households its participants visited since it started
        self.last_t = 0.0
        self.token = 0
        self.stopped = math.nan  # when it stopped: target met, or its end
        self.met = math.nan  # when the target was met, nan if never

    def advance(self, now: float) -> None:
        if self.visitors and now > self.last_t:
            self.done += self.pace * self.visitors * (now - self.last_t)
        self.last_t = now

    def change_visitors(self, now: float, k: int, count: int, to: int = -1) -> None:
        """As ``visits.Visiting.change_visitors``: ``count`` participants of class ``k`` start or stop
        visiting (or, with ``to``, move from class ``to``)."""
        self.advance(now)
        self.counts[k] += count
        if to >= 0:
            self.counts[to] -= count
        self.visitors = sum(p * n for p, n in zip(self.paces, self.counts))

    def eta(self, now: float) -> float:
        """When the target is met at the current number of visitors (inf if nobody visits)."""
        if not self.visitors:
            return math.inf
        return now + max(self.target - self.done, 0.0) / (self.pace * self.visitors)


def build_campaigns(sc: Scenario, grid_ids: list[str], households: np.ndarray, homes: list[int],
                    roles: list[str]) -> list[CampaignState]:
    """Each campaign's grids (indices), target and participants (by their role name and home grid)."""
    pos = {gid: i for i, gid in enumerate(grid_ids)}
    out = []
    for k, cp in enumerate(sc.campaigns):
        grids = {pos[g] for g in cp.grids} if cp.grids else set(range(len(grid_ids)))
        target = cp.target_households or int(households[sorted(grids)].sum())
        people = [cid for cid, (h, role) in enumerate(zip(homes, roles)) if h in grids and role in cp.roles]
        out.append(CampaignState(k, cp.name, sc.emergency_window(cp), cp.share, grids, float(target), people,
                                 sc.visits.households_per_hour))
    return out
