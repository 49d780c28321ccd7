"""Wartime posts (checkpoints, hazard watch): who stood on each post, when, in a log made at the run's end.

A post is held every day from its start to its end hour while wartime duty is in
force (from mobilisation to the end of wartime), by its holders (roster.assign_posts).
A holder stands the post only within its role's dates (a named role's ``start`` and
``end``), and, when the role's attendance is below 1, only if it turns up: one draw per
holder and post stretch, as for any shift (attendance.py).  Posts take no events:
nothing else in the run depends on who stood them, so the log is made once, at the end.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from sim.model.attendance import Turnout
from sim.scenario import Scenario


def post_log(sc: Scenario, members: Sequence[Sequence[int]], mobilised: Sequence[Sequence[float]],
             turnout: Turnout | None) -> np.ndarray:
    """Rows (post, start, end, holders rostered, holders present): one per post and day of wartime duty."""
    rows = []
    for k, post in enumerate(sc.wartime.posts):
        role = sc.cadres.homed()[post.role]
        lo, hi = sc.cadres.roles[post.role].window(sc.calendar.start) if post.role in sc.cadres.roles \
            else (-math.inf, math.inf)
        ids = np.asarray(members[k], np.intp)
        for s, e in mobilised:
            for day in range(math.floor(s / 24.0), math.ceil(e / 24.0)):
                a = max(day * 24.0 + post.start_hour, s, lo)
                b = min(day * 24.0 + post.end_hour, e, hi)
                if b <= a or not ids.size:
                    continue
                present = ids.size if role.attendance >= 1 or turnout is None else \
                    int((turnout.draws(ids, a) < role.attendance).sum())
                rows.append((k, a, b, ids.size, present))
    return np.array(rows, dtype=float).reshape(-1, 5)
