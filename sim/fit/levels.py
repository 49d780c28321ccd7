"""Where orders end: the share of each type resolved at each level (grid, community, street, department),
with Wilson 95% intervals.  An open order counts at the level the records give it (where it is now)."""

from __future__ import annotations

import math

from sim.fit.censored import Z95
from sim.fit.rows import LEVELS


def wilson(k: int, n: int) -> list[float]:
    """Wilson's 95% interval for a share k/n (good near 0 and 1, where the normal interval is not)."""
    if n == 0:
        return [0.0, 1.0]
    p, z2 = k / n, Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # exactly 0 and 1 at the ends (k = 0, k = n), where rounding would leave them a hair inside
    return [0.0 if k == 0 else max(centre - half, 0.0), 1.0 if k == n else min(centre + half, 1.0)]


def level_shares(levels: list[str]) -> dict[str, dict[str, float | list[float]]]:
    """Per level: the share of the orders with a known level (``mean``), its Wilson CI, and the count."""
    known = [lv for lv in levels if lv]
    n = len(known)
    return {lv: {"mean": known.count(lv) / n if n else 0.0, "ci95": wilson(known.count(lv), n),
                 "n": known.count(lv)} for lv in LEVELS}
