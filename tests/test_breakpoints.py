"""The visiting curves' breakpoint log: rows logged in time order come back per grid, in order, across chunks."""

from __future__ import annotations

import numpy as np

from sim.model import breakpoints
from sim.model.breakpoints import BreakpointLog


def test_split_returns_each_grids_rows_in_the_order_they_were_logged(monkeypatch):
    monkeypatch.setattr(breakpoints, "CHUNK", 4)  # many chunks, each cut in the middle of a shift change
    rng = np.random.default_rng(3)
    log = BreakpointLog(5)
    want = {g: [(0.0, 0.0)] for g in range(5)}
    for step in range(1, 30):
        t = float(step)
        if step % 3:
            grids = np.sort(rng.choice(5, size=rng.integers(1, 5), replace=False))
            vals = rng.random(len(grids))
            log.add_many(grids, t, vals)
            for g, v in zip(grids.tolist(), vals.tolist()):
                want[g].append((t, v))
        else:
            g, v = int(rng.integers(5)), float(rng.random())
            log.add(g, t, v)
            want[g].append((t, v))
    assert len(log.chunks) > 5
    times, values = log.split()
    assert log.chunks == []
    for g in range(5):
        assert list(zip(times[g], values[g])) == want[g]
