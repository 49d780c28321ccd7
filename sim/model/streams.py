"""Named random streams: one numpy Generator per purpose, derived from a SeedSequence.

A stream's seed depends only on the replication's SeedSequence, the stream's
name and its keys (e.g. the issue type), never on the order in which streams
are created.  So a policy that changes one part of the model (dispatch, service
days) leaves every other stream's numbers unchanged: common random numbers.
"""

from __future__ import annotations

import zlib

import numpy as np

_STREAM_IDS = {"arrivals": 1, "attributes": 2, "grids": 3, "attendance": 4, "layout": 5}


def _key(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def stream(root: np.random.SeedSequence, name: str, *keys: str) -> np.random.Generator:
    spawn_key = tuple(root.spawn_key) + (_STREAM_IDS[name],) + tuple(_key(k) for k in keys)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(root.entropy, spawn_key=spawn_key)))


def scenario_stream(seed: int, name: str) -> np.random.Generator:
    """A stream tied to the scenario, not to a replication (e.g. generated grid sizes)."""
    return stream(np.random.SeedSequence(seed, spawn_key=(2**32 - 1,)), name)


def replication_root(seed: int, k: int) -> np.random.SeedSequence:
    """Replication k's SeedSequence: the k-th child of SeedSequence(seed), whatever the variant."""
    return np.random.SeedSequence(seed, spawn_key=(k,))
