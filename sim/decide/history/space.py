"""The --vary box, and space-filling designs in the part of it not yet ruled out.

- wave 1: a Latin hypercube over the whole box (scipy.stats.qmc);
- later waves: candidates drawn uniformly (scrambled Sobol' points) in the smallest
  box around what is still non-implausible (widened by ``MARGIN`` of its width per
  side, so a region wider than the points that show it is still reached), kept only
  if the earlier waves' emulators do not rule them out (rejection sampling), then
  thinned to the wanted number by greedy maximin (each next point the one farthest
  from those chosen), so the design spreads over the region rather than piling up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from sim.decide.sensitivity.factors import SFactor

MARGIN = 0.1  # widening of the candidates' box per side, as a share of its width
BATCH = 4096  # candidates judged at once
MAX_DRAWS = 262_144  # candidates judged at most per design before settling for fewer points
CANDIDATES_PER_POINT = 10  # accepted candidates per wanted point before thinning


@dataclass(frozen=True)
class Box:
    """The ranges of the varied fields (--vary KEY=LO:HI) and how a number becomes a scenario value."""

    factors: tuple[SFactor, ...]

    @property
    def keys(self) -> list[str]:
        return [f.key for f in self.factors]

    @property
    def lo(self) -> np.ndarray:
        return np.array([f.low for f in self.factors])

    @property
    def hi(self) -> np.ndarray:
        return np.array([f.high for f in self.factors])

    def scale(self, u: np.ndarray) -> np.ndarray:
        """Unit-cube rows as points of the box, whole-number fields rounded (the values that are run)."""
        x = self.lo + np.atleast_2d(u) * (self.hi - self.lo)
        return np.array([[f.value(v) for f, v in zip(self.factors, row)] for row in x], dtype=float).reshape(x.shape)

    def unit(self, x: np.ndarray) -> np.ndarray:
        return (np.atleast_2d(x) - self.lo) / (self.hi - self.lo)


def latin_hypercube(box: Box, n: int, seed: int) -> np.ndarray:
    return box.scale(qmc.LatinHypercube(d=len(box.factors), seed=seed).random(n))


def uniform(box: Box, n: int, seed: int) -> np.ndarray:
    """A fixed uniform sample of the box (not rounded: it stands for the box's volume)."""
    u = np.random.default_rng(seed).random((n, len(box.factors)))
    return box.lo + u * (box.hi - box.lo)


def maximin(u: np.ndarray, n: int) -> np.ndarray:
    """Indices of ``n`` rows of ``u`` chosen greedily, each the farthest from those already chosen."""
    if len(u) <= n:
        return np.arange(len(u))
    chosen = [int(np.argmin(np.sum((u - u.mean(axis=0)) ** 2, axis=1)))]
    dist = np.sum((u - u[chosen[0]]) ** 2, axis=1)
    for _ in range(n - 1):
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        dist = np.minimum(dist, np.sum((u - u[nxt]) ** 2, axis=1))
    return np.array(chosen)


def sample_region(box: Box, n: int, inside: Callable[[np.ndarray], np.ndarray], known: np.ndarray,
                  seed: int) -> np.ndarray:
    """Up to ``n`` space-filling points of the box that ``inside`` (rows -> bool mask) keeps.

    ``known``: points already known to be inside; candidates are drawn around them (the whole box when
    there are none).  Fewer than ``n`` rows come back when the region is too small to find them."""
    u_known = box.unit(known) if len(known) else np.empty((0, len(box.factors)))
    lo, hi = (u_known.min(axis=0), u_known.max(axis=0)) if len(u_known) else (np.zeros(len(box.factors)),
                                                                             np.ones(len(box.factors)))
    width = np.maximum(hi - lo, 1.0 / max(len(u_known), 1))
    lo, hi = np.clip(lo - MARGIN * width, 0, 1), np.clip(hi + MARGIN * width, 0, 1)
    sobol = qmc.Sobol(d=len(box.factors), scramble=True, seed=seed)
    kept: list[np.ndarray] = []
    drawn = accepted = 0
    while drawn < MAX_DRAWS and accepted < CANDIDATES_PER_POINT * n:
        x = box.scale(lo + sobol.random(BATCH) * (hi - lo))
        drawn += BATCH
        ok = x[inside(x)]
        kept.append(ok)
        accepted += len(ok)
    x = np.concatenate(kept) if kept else np.empty((0, len(box.factors)))
    x = np.unique(x, axis=0)  # rounding of whole-number fields makes repeats
    return x[maximin(box.unit(x), n)] if len(x) else x
