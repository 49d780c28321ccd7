"""Who turns up for a shift (a role's ``attendance`` below 1): one draw per cadre and shift start.

A cadre's draw for a shift depends only on the replication's seed, the cadre's
stable key and the shift's start time — not on the cadre's number in the roster,
its duty group, or how many others are drawn with it.  So a policy that adds a
cadre to a grid, changes a sunk group's service days or adds a wartime shift
leaves every other (cadre, shift) draw as it was: common random numbers for the
levers that optimize and compare move.  A cadre's stable key is its role, where
it serves (its home grid's id, or its office) and its rank among the cadres of
that role there.  The draws come from a counter-based hash (SplitMix64's mixer,
Steele, Lea & Flood 2014, doi:10.1145/2714064.2660195) of the three, in bulk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from sim.model.streams import stream

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's output function: a bijection of 64-bit words whose outputs pass BigCrush."""
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def stable_keys(roles: Sequence[str], places: Sequence[str]) -> np.ndarray:
    """Per cadre, a 64-bit key from its role, where it serves and its rank among the cadres of that role
    there (in roster order): the same cadre gets the same key whatever else the roster holds."""
    rank: dict[tuple[str, str], int] = {}
    out = np.empty(len(roles), np.uint64)
    for k, (role, place) in enumerate(zip(roles, places)):
        j = rank.get((role, place), 0)
        rank[role, place] = j + 1
        digest = hashlib.blake2b(f"{role}\x1f{place}\x1f{j}".encode(), digest_size=8).digest()
        out[k] = np.frombuffer(digest, np.uint64)[0]
    return out


class Turnout:
    """Uniform draws in [0, 1) per (cadre key, shift start): a cadre turns up if its draw is below the
    role's attendance."""

    def __init__(self, seeds: np.random.SeedSequence, keys: np.ndarray):
        self.seed = np.uint64(stream(seeds, "attendance").integers(2**63))
        self.keys = _mix(keys ^ self.seed)

    def draws(self, ids: np.ndarray, start: float) -> np.ndarray:
        """The draws of cadres ``ids`` for the shift that starts at ``start`` (model hours, to the second)."""
        t = np.uint64(round(start * 3600.0))
        return (_mix(self.keys[ids] ^ _mix(np.full(1, t, np.uint64))) >> np.uint64(11)) * 2.0**-53
