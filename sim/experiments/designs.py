"""Parameter designs for sweeps: factors from ``--vary KEY=SPEC``, full factorial or Latin hypercube.

A SPEC is a list of values (``600,800,1000``; each value read like a ``--set``
value, so ``Wed,Mon+Thu`` is two weekday lists) or a numeric range
``LO:HI:STEP`` (inclusive: ``600:1400:200`` is 600, 800, ..., 1400).

- ``grid``: every combination of every factor's values.
- ``lhs``: ``samples`` points by Latin hypercube (``scipy.stats.qmc``): a range
  is sampled continuously over [LO, HI] and snapped to its STEP (whole numbers
  stay whole); a list is sampled by index, each value getting an equal stratum.
  The design's own seed comes from the command's seed, so it is reproducible.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.experiments.sizing import MAX_POINTS_FORCED, SizeError, check_points
from sim.scenario import parse_value


class DesignError(ValueError):
    """A malformed --vary or design option (exit code 2)."""


@dataclass(frozen=True)
class Factor:
    key: str
    values: tuple[Any, ...]  # the grid values (for a range: LO, LO+STEP, ..., HI)
    low: float | None = None  # set for a numeric range
    high: float | None = None
    step: float | None = None

    @property
    def is_range(self) -> bool:
        return self.low is not None

    def snap(self, u: float) -> Any:
        """The factor's value at quantile u in [0, 1) of a Latin-hypercube column."""
        if not self.is_range:
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        x = self.low + u * (self.high - self.low)
        x = self.low + round((x - self.low) / self.step) * self.step
        x = min(max(x, self.low), self.high)
        return int(round(x)) if all(isinstance(v, int) for v in (self.values[0], self.values[-1])) else float(x)


def parse_vary(item: str) -> Factor:
    key, sep, spec = item.partition("=")
    key, spec = key.strip(), spec.strip()
    if not sep or not key or not spec:
        raise DesignError(f"--vary {item!r}: expected KEY=SPEC, e.g. cadres.sunk.count=600:1400:200 or cadres.sunk.service_days=Wed,Mon+Thu")
    if spec.count(":") == 2 and "," not in spec:
        parts = [parse_value(p) for p in spec.split(":")]
        if not all(isinstance(p, (int, float)) and not isinstance(p, bool) for p in parts):
            raise DesignError(f"--vary {key}={spec}: a range is LO:HI:STEP with numbers")
        lo, hi, step = parts
        if not all(math.isfinite(p) for p in parts):
            raise DesignError(f"--vary {key}={spec}: LO, HI and STEP must be finite numbers (not nan or inf)")
        if step <= 0 or hi < lo:
            raise DesignError(f"--vary {key}={spec}: needs STEP > 0 and HI >= LO")
        count = math.floor((hi - lo) / step + 1e-9) + 1
        if not math.isfinite(count) or count > MAX_POINTS_FORCED:
            raise DesignError(f"--vary {key}={spec}: {count:,.0f} values; a range may have at most "
                              f"{MAX_POINTS_FORCED:,} (use a larger STEP)")
        n = int(count)
        values = tuple(lo + i * step for i in range(n))
        if all(isinstance(p, int) for p in parts):
            values = tuple(int(v) for v in values)
        return Factor(key, values, float(lo), float(hi), float(step))
    values = tuple(parse_value(v.strip()) for v in spec.split(","))
    if any(v == "" for v in values):
        raise DesignError(f"--vary {key}={spec}: an empty value in the list")
    return Factor(key, values)


def grid_design(factors: list[Factor]) -> list[dict[str, Any]]:
    return [dict(zip((f.key for f in factors), combo)) for combo in itertools.product(*(f.values for f in factors))]


def lhs_design(factors: list[Factor], samples: int, seed: int) -> list[dict[str, Any]]:
    if samples < 1:
        raise DesignError(f"--samples {samples}: must be >= 1")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2**32 - 2,)))  # not a replication stream
    from scipy.stats import qmc  # only Latin hypercube designs pay its import time

    u = qmc.LatinHypercube(d=len(factors), rng=rng).random(samples)
    return [{f.key: f.snap(float(u[i, j])) for j, f in enumerate(factors)} for i in range(samples)]


def make_design(varies: list[str], design: str, samples: int | None, seed: int,
                force: bool = False) -> tuple[list[Factor], list[dict[str, Any]]]:
    """The factors and the points of a design; too many points (``sizing.check_points``) is an error."""
    if not varies:
        raise DesignError("sweep needs at least one --vary KEY=SPEC")
    factors = [parse_vary(v) for v in varies]
    keys = [f.key for f in factors]
    if len(set(keys)) != len(keys):
        raise DesignError(f"--vary names a key twice: {', '.join(k for k in keys if keys.count(k) > 1)}")
    if design == "grid":
        if samples is not None:
            raise DesignError("--samples goes with --design lhs")
        _check_points(math.prod(len(f.values) for f in factors), force)
        return factors, grid_design(factors)
    if samples is None:
        raise DesignError("--design lhs needs --samples N")
    _check_points(samples, force)
    return factors, lhs_design(factors, samples, seed)


def _check_points(n: int, force: bool) -> None:
    try:
        check_points(n, force)
    except SizeError as e:
        raise DesignError(str(e)) from None


def point_id(i: int) -> str:
    return f"p{i:04d}"
