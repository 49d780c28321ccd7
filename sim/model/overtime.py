"""Overtime: a cadre stays past its shift's end to finish an issue of a type that is settled before leaving.

``issue_types.NAME.finish_before_leaving`` (纠纷不过夜，过夜就住夜): a cadre whose shift
ends while it works such an issue (work really under way, not taken at that very
instant) keeps working until it is done.  Its completion stands; when it comes, the
issue moves on as usual and the cadre goes off duty (state OVERTIME, then OFF: it
takes nothing else).  If its next shift starts first, the overtime ends there and it
goes on working on duty.  Each stretch of overtime is logged (cadre, start, end): it
counts as hours on duty in the metrics (docs/metrics.md).

Only cadres at work go off duty one by one (Duty.go_off_busy), so staying costs the
bulk shift change nothing; the cadres in overtime are few, kept in a dict.
"""

from __future__ import annotations

from array import array

import numpy as np

from sim.model.issues import IssueTable
from sim.scenario import Scenario


class Overtime:
    def __init__(self, stays: bytearray):
        self.stays = stays  # per issue: 1 if its type is finished before leaving
        self.since: dict[int, float] = {}  # cadre id -> when its overtime began, for those in overtime now
        self.log = array("d")  # flat rows (cadre, start, end)

    @classmethod
    def of(cls, sc: Scenario, table: IssueTable) -> Overtime | None:
        """The scenario's overtime, or None if no issue type is finished before leaving."""
        flags = np.array([sc.issue_types[n].finish_before_leaving for n in table.type_names], np.uint8)
        if not flags.any():
            return None
        return cls(bytearray(flags[table.type].tobytes()))

    def begin(self, cid: int, now: float) -> None:
        self.since[cid] = now

    def end(self, cid: int, now: float) -> None:
        """The cadre's overtime ends now: its work is done, its next shift starts, or the run stops."""
        self.log.extend((cid, self.since.pop(cid), now))

    def finish(self, now: float) -> None:
        for cid in list(self.since):
            self.end(cid, now)
