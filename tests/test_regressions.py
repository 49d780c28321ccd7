"""Bugs found once, kept found."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.experiments.runs import replication_seed
from sim.model import simulate
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def test_backlog_wartime_switch_during_a_resolution_hands_back_nothing_unreported():
    """A resolution that drops the backlog below the exit threshold used to switch the
    mode inside the completing cadre's event; its group going off duty under handback
    then re-queued issue -1 (the table's last, unreported issue), which got resolved."""
    sc = load_scenario(ROOT / "scenarios" / "baota.toml", "backlog_wartime",
                       [("calendar.horizon_days", 230), ("calendar.warmup_days", 7)])
    assert sc.dispatch.at_shift_end == "handback" and sc.wartime.trigger == "backlog"
    for k in range(3):
        r = simulate(sc, replication_seed(sc.seed, k))
        assert len(r.wartime), "the flood should trigger wartime"
        resolved = ~np.isnan(r.end)
        assert not np.isnan(r.report[resolved]).any()
        assert (r.start[resolved] >= r.report[resolved]).all()
        assert not r.conservation().any()
