"""Worsening: issues left waiting unstarted go up by themselves (issue_types.NAME.worsens_after).

An issue's patience at the grid runs from its occurrence, hidden or not (a
dispute nobody has found can grow into a petition: finding it early is what
visits prevent); at an office, from when it joins the office's queue.  One timed
call per issue and level where it may wait, scheduled when its clock starts.
When the call comes, the issue worsens if it is still at that level, unstarted
there (hidden, or in the queue and never taken there): it leaves its queue and
goes to the next level's queue with no intake step (IssuePath.go_up), or out of
the district's workflow as a petition (IssuePath.petition; worsens_to, and
always from the department, above which there is no level).

With exponential work and patience at a grid of c cadres always on duty this
is the M/M/c+M (Erlang-A) queue: tests/test_worsening.py.
"""

from __future__ import annotations

import math
from array import array

import numpy as np

from sim.model.calls import Call
from sim.model.columns import typed
from sim.model.component import Component, Run
from sim.model.issues import HIDDEN, KNOWN, IssueTable


SKIPPED, BEYOND = 1, 2  # how an issue worsened (Worsening.worsened)


class Worsening(Component):
    connects = ("issues",)

    def __init__(self, run: Run, table: IssueTable):
        super().__init__(run)
        n = len(table)
        self.at_grid = typed(table.worsen)  # hours after occurrence (inf: never); empty: no type worsens there
        self.at_office = [typed(table.worsen_office[:, k]) for k in range(table.worsen_office.shape[1])]
        self.on = bool(len(self.at_grid) or self.at_office)
        to_petition = np.array([run.sc.issue_types[t].worsens_to == "petition" for t in table.type_names], bool)
        self.to_petition = bytearray(to_petition[table.type].astype(np.uint8).tobytes()) if self.on else bytearray()
        # 1: went up by itself, but to where it was headed anyway (a direct issue skipping its intake); 2: went up
        # beyond where it was headed, or left as a petition, because it waited
        self.worsened = bytearray(n if self.on else 0)
        self.petition = array("d", [math.nan]) * (n if self.on else 0)  # when it left as a petition

    def watch_grid(self, i: int) -> None:
        """Issue ``i`` has occurred: its patience at the grid runs from now."""
        if len(self.at_grid) and (t := self.run.env.now + self.at_grid[i]) < self.run.stop_at:
            self.run.at(t, self.check, (i, 0))

    def watch_office(self, i: int, lv: int) -> None:
        """Issue ``i`` has joined the queue of level ``lv`` (1 community, 2 street, 3 department)."""
        if self.at_office and (t := self.run.env.now + self.at_office[lv - 1][i]) < self.run.stop_at:
            self.run.at(t, self.check, (i, lv))

    def check(self, ev: Call) -> None:
        """Its patience at level ``lv`` is up: the issue worsens if it still waits there unstarted."""
        i, lv = ev.value
        iss = self.issues
        if iss.stage[i] != lv:
            return
        status = iss.status[i]
        if status == KNOWN and iss.queued[i] and not iss.here[i]:
            iss.withdraw(i)
        elif status != HIDDEN:
            return
        if self.to_petition[i] or lv == 3:
            self.worsened[i] = BEYOND
            self.petition[i] = self.run.env.now
            iss.petition(i)
        else:
            self.worsened[i] = BEYOND if iss.go_up(i) else SKIPPED
