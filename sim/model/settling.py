"""Who settles an issue, when the level it ends at is an outcome of the run (sim.scenario.settling).

Two cases:

- Settled by attempt (a sequential type with ``resolve_chance``, or one listed in
  ``cadres.sunk.department_types``): each level from the grid up works the issue,
  then settles it with the chance of whoever worked it (the role of the cadre who
  finished the work there: the last to start it), else sends it up.  One uniform
  per issue (the level draw's, IssueTable.settle) decides every level in turn:
  the level settles it if the uniform is below its chance p, else the uniform
  becomes (u - p) / (1 - p), uniform again given the failure, for the next level.
  So raising a chance never makes an issue of the same seed end higher (the
  remainder only falls), and with the chances the level shares imply an issue
  ends where the drawn level would have put it.
- Carried (a direct type listed in ``cadres.sunk.department_types``): an issue
  drawn to end at the department that a sunk cadre takes in at the grid is
  settled there (把问题带出网格), for the department's work instead of the intake.

Everything here is O(1) per event: a role recorded when a cadre starts work, one
comparison when a level's work is done.
"""

from __future__ import annotations

import math
from array import array
from typing import Any

import numpy as np

from sim.model.columns import typed
from sim.scenario import LEVELS, ROLES, Scenario
from sim.scenario.settling import chances, settles_by_attempt

TOP = len(LEVELS) - 1  # the department: an issue settled by attempt stays at this level until one settles it
SUNK = ROLES.index("sunk")


def carries(sc: Scenario, name: str) -> bool:
    """Whether a sunk cadre who takes in an issue of this type settles it at the grid in place of a department."""
    return sc.issue_types[name].escalation == "direct" and name in sc.cadres.sunk.department_types


def needed(sc: Scenario) -> bool:
    return any(settles_by_attempt(sc, name) or carries(sc, name) for name in sc.issue_types)


class Settling:
    """Per issue, who worked it last and what is left of its uniform; per type, each role's chance."""

    def __init__(self, sc: Scenario, type_names: list[str], kind: np.ndarray, settle: np.ndarray, path: Any):
        n = len(kind)
        self.path = path  # the IssuePath: its stage, level, start, work columns
        self.kind = typed(kind, "H")
        self.left = typed(settle)
        self.who = array("H", bytes(2 * n))  # the role of the cadre who last started work on it
        self.chance = [chances(sc, name) for name in type_names]
        self.carries = [carries(sc, name) for name in type_names]
        self.carried = bytearray(n if any(self.carries) else 0)  # taken in by a sunk cadre, settled at the grid

    def taken(self, role: int, i: int) -> None:
        """A cadre of ``role`` starts work on issue ``i`` (the issue's start not yet set if it is the first)."""
        self.who[i] = role
        if self.carried and self.carries[self.kind[i]]:
            path = self.path
            # its intake at the grid, not begun yet (a start undone at a shift end is begun again)
            if path.stage[i] == 0 and path.i_level[i] == TOP and math.isnan(path.start[i]):
                sunk = role == SUNK
                if sunk != self.carried[i]:
                    self.carried[i] = sunk
                    path.remaining[i] = path.i_service[i] if sunk else path.i_intake[i]

    def by_attempt(self, i: int) -> bool:
        """Whether issue ``i`` is settled by attempt (its level an outcome of each level's try)."""
        return self.chance[self.kind[i]] is not None

    def settles(self, i: int) -> bool:
        """The work at the issue's level (below the one it would end at) is done: does this level settle it?
        If so its level becomes this one."""
        path = self.path
        st = path.stage[i]
        if self.carried and self.carried[i] and st == 0:
            path.i_level[i] = 0
            return True
        row = self.chance[self.kind[i]]
        if row is None:
            return False
        p, u = row[self.who[i]], self.left[i]
        if u < p:
            path.i_level[i] = st
            return True
        self.left[i] = (u - p) / (1.0 - p)
        return False
