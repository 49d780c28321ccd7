"""Visiting in bulk (Visiting.change_many, next_discoveries) is one grid at a time, to the last bit.

A shift change moves the visitors of thousands of grids as array operations; the model's numbers
stay those of one grid at a time only if the arrays see the same floating-point operations in
the same order.  Random changes go through both and every array must match exactly.
"""

from __future__ import annotations

import numpy as np

from sim.model.visits import Visiting


def test_change_many_matches_change_visitors_one_grid_at_a_time():
    rng = np.random.default_rng(11)
    households = rng.integers(50, 500, 40)
    paces = (1.0, 0.25, 0.0)  # classes of visitors: full pace, and idle time at a share of it
    bulk, each = Visiting(households, 2.7, 500.0, paces), Visiting(households, 2.7, 500.0, paces)
    now = 0.0
    for step in range(300):
        now += float(rng.exponential(3.0))
        if step % 7 == 0:  # hidden issues arrive at random grids
            g, offset = int(rng.integers(40)), float(rng.random() * 2)
            for v in (bulk, each):
                v.add_hidden(g, now, offset, step)
        grids = rng.choice(40, size=int(rng.integers(1, 40)), replace=False)
        up = rng.random() < 0.5
        counts = np.zeros((len(paces), len(grids)), np.int64)
        for k, (_, have) in enumerate(each.counts):
            d = np.where(up | (have[grids] == 0), 1, -1) * rng.integers(0, 3, len(grids))
            counts[k] = np.maximum(d, -have[grids])  # never below no visitors
        bulk.change_many(grids, counts, now)
        for g, n in zip(grids.tolist(), counts.T.tolist()):  # one grid at a time, as in a few grids' change
            each.change_classes(g, now, n)
        sped, t = bulk.next_discoveries(grids, now)
        assert t.tolist() == [each.next_discovery(g, now) for g in sped.tolist()]
        for name in ("_V", "_last_t", "_visitors", "_log_open"):
            assert np.array_equal(getattr(bulk, name), getattr(each, name)), name
        for (_, a), (_, b) in zip(bulk.counts, each.counts):
            assert np.array_equal(a, b), (a, b)
    for a, b in zip(bulk.curves(), each.curves()):
        assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
