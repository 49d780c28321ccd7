"""Escalation as an outcome of staffing in the shipped Baota scenario (issue 30's acceptance).

Before worsening, the level where an issue ends was drawn when it arrived, so a second grid worker
per grid left the escalation rate identical in every replication.  Now hidden needs, disputes and
hazards that nobody takes up within their patience go up by themselves, and visits are what find
them in time: more visiting (a second grid worker, or sunk cadres on two days) must lower the
escalation rate in every paired replication.  Run exactly as a researcher would:
``gridsim compare scenarios/baota.toml --policies baseline,second_grid_worker,two_days
--set calendar.horizon_days=150 --replications 10``.

Measured (seed 20220801, 10 replications): second_grid_worker lowers escalation_rate by 0.65 to 0.97
percentage points in every replication (mean 0.87 [0.80, 0.94]); two_days by 0.31 to 0.54 (mean 0.43).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_more_visiting_lowers_escalation_in_every_paired_replication(tmp_path):
    out = tmp_path / "cmp"
    assert main(["compare", str(ROOT / "scenarios" / "baota.toml"), "--policies",
                 "baseline,second_grid_worker,two_days", "--set", "calendar.horizon_days=150",
                 "--replications", "10", "--workers", "2", "--quiet", "--out", str(out)]) == 0
    rows = list(csv.DictReader((out / "replications.csv").open(encoding="utf-8")))
    rate = {(r["policy"], r["replication"]): float(r["escalation_rate"]) for r in rows}
    waited = {(r["policy"], r["replication"]): float(r["escalated_by_delay_rate"]) for r in rows}
    reps = sorted({r["replication"] for r in rows})
    assert len(reps) == 10
    for k in reps:
        # the bar: at least half a percentage point in every paired replication
        assert rate["baseline", k] - rate["second_grid_worker", k] >= 0.005, k
        assert rate["two_days", k] < rate["baseline", k], k
        # and it is worsening that moved: fewer issues went up because they waited
        assert waited["second_grid_worker", k] < waited["baseline", k]
        assert waited["two_days", k] < waited["baseline", k]
