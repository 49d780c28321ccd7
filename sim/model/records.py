"""What one replication leaves behind: per-issue records and cadre logs, as numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.district import District
from sim.model.issues import IssueTable

from sim.scenario import ROLES  # noqa: E402  (one list of roles, shared with the schema)
TASK, VISIT = 0, 1  # kinds of work in the work log


@dataclass
class Records:
    issues: IssueTable
    report: np.ndarray  # report or discovery time; nan if never known
    start: np.ndarray  # first time a cadre started work on it; nan if never
    end: np.ndarray  # resolution time; nan if open at the horizon
    found_by_visit: np.ndarray  # bool
    resolved_level: np.ndarray  # 0..3, -1 if open
    priority: np.ndarray
    sla_hours: np.ndarray
    # work log: one row per stretch of work (task, including any travel, or visiting)
    work_cadre: np.ndarray
    work_start: np.ndarray
    work_end: np.ndarray
    work_kind: np.ndarray
    work_issue: np.ndarray
    # duty log: one row per stretch on duty
    duty_cadre: np.ndarray
    duty_start: np.ndarray
    duty_end: np.ndarray
    cadre_role: np.ndarray  # per cadre, index into ROLES
    cadre_home: np.ndarray  # per cadre, grid index or -1
    cadre_group: list[str]  # per cadre, its duty group's name
    visit_times: list[np.ndarray]  # per grid, breakpoints of the cumulative households-visited curve
    visit_values: list[np.ndarray]
    wartime: np.ndarray  # (k, 2) start, end of each wartime period
    emergencies: np.ndarray  # (k, 2) start, end of each emergency
    district: District
    horizon: float
    warmup: float
    target_interval_hours: float
    visits_enabled: bool
    events: int
    location_count: np.ndarray  # per issue: how many places (resolved, hidden, a queue, a hand) hold it

    def conservation(self) -> np.ndarray:
        """Arrived minus (resolved + hidden + queued + in hand) per (grid, type), counted at the horizon.

        ``location`` is filled from the model's live structures (queues, cadres'
        hands, the hidden-issue lists), not from the records, so a lost or
        duplicated issue shows here as a non-zero entry.
        """
        shape = (self.district.n, len(self.issues.type_names))
        arrived = np.zeros(shape, int)
        accounted = np.zeros(shape, int)
        np.add.at(arrived, (self.issues.grid, self.issues.type), 1)
        np.add.at(accounted, (self.issues.grid, self.issues.type), self.location_count)
        return arrived - accounted
