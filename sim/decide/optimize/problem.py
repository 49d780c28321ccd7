"""What ``optimize`` is asked: levers (what may change), targets (what must hold) and the cost.

Named as in the EMA Workbench: a *lever* is a scenario field the decision maker sets.
A lever is given as in ``sweep --vary`` (``KEY=LO:HI:STEP`` or ``KEY=A,B,C``), plus the
per-grid allocation lever ``cadres.sunk.per_grid=LO:HI`` (each grid's sunk cadres
between LO and HI; the search places them grid by grid).  A staffing lever (a number
of cadres: ``cadres.*.count``, ``cadres.*.per_grid``, ``*.staff_per_unit``,
``*.officers_per_unit``, ``cadres.sunk.days_per_cadre``) is taken to be monotone: more
staff never makes a target worse in expectation, so the search bisects on it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from sim.decide.optimize.feasibility import Target
from sim.experiments.designs import DesignError, Factor, parse_vary

ALLOCATION_KEY = "cadres.sunk.per_grid"
_MONOTONE = re.compile(r"cadres\.(?:[A-Za-z0-9_]+\.)*(count|per_grid|staff_per_unit|officers_per_unit)"
                       r"|cadres\.sunk\.days_per_cadre")


class ProblemError(ValueError):
    """A malformed lever or target (exit code 2)."""


@dataclass(frozen=True)
class Lever:
    factor: Factor
    monotone: bool  # a staffing lever: more never makes a target worse

    @property
    def key(self) -> str:
        return self.factor.key

    @property
    def values(self) -> tuple[Any, ...]:
        return self.factor.values


@dataclass(frozen=True)
class Allocation:
    """The per-grid allocation lever: each grid's sunk cadres between ``low`` and ``high``."""

    low: int
    high: int


@dataclass(frozen=True)
class Problem:
    levers: list[Lever]
    allocation: Allocation | None
    targets: list[Target]
    cost: str
    confidence: float

    @property
    def keys(self) -> list[str]:
        return [lv.key for lv in self.levers] + ([ALLOCATION_KEY] if self.allocation else [])


def parse_lever(item: str) -> Lever | Allocation:
    key, sep, spec = item.partition("=")
    if key.strip() == ALLOCATION_KEY:
        m = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*", spec)
        if not m or int(m[1]) > int(m[2]):
            raise ProblemError(f"--lever {item!r}: the allocation lever is {ALLOCATION_KEY}=LO:HI, whole numbers "
                               "with LO <= HI: each grid gets between LO and HI sunk cadres (e.g. 0:12)")
        return Allocation(int(m[1]), int(m[2]))
    try:
        factor = parse_vary(item)
    except DesignError as e:
        raise ProblemError(str(e).replace("--vary", "--lever")) from None
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in factor.values)
    monotone = numeric and bool(_MONOTONE.fullmatch(factor.key))
    if monotone:
        factor = Factor(factor.key, tuple(sorted(factor.values)), factor.low, factor.high, factor.step)
    return Lever(factor, monotone)


_TARGET = re.compile(r"\s*([A-Za-z0-9_]+)\s*(<=|>=)\s*(\S+)\s*")


def parse_target(item: str) -> Target:
    m = _TARGET.fullmatch(item)
    if not m:
        raise ProblemError(f"--target {item!r}: expected METRIC<=X or METRIC>=X, e.g. 'resolution_hours_p90<=72' "
                           "or 'coverage_min_grid>=0.8' (quote it: < and > mean something to the shell)")
    metric, op, text = m[1], m[2], m[3]
    try:
        threshold = float(text)
    except ValueError:
        raise ProblemError(f"--target {item!r}: {text!r} is not a number") from None
    if not math.isfinite(threshold):
        raise ProblemError(f"--target {item!r}: the threshold must be a finite number")
    return Target(metric, op, threshold)


def make_problem(levers: list[str], targets: list[str], cost: str, confidence: float) -> Problem:
    if not levers:
        raise ProblemError("optimize needs at least one --lever KEY=SPEC, e.g. --lever cadres.sunk.count=200:1400:50")
    if not targets:
        raise ProblemError("optimize needs at least one --target, e.g. --target 'coverage_min_grid>=0.8'")
    if not (isinstance(confidence, (int, float)) and 0 < confidence < 1):
        raise ProblemError(f"--confidence {confidence}: must be strictly between 0 and 1, e.g. 0.95")
    parsed = [parse_lever(x) for x in levers]
    allocation = [x for x in parsed if isinstance(x, Allocation)]
    plain = [x for x in parsed if isinstance(x, Lever)]
    keys = [x.key for x in plain] + [ALLOCATION_KEY] * len(allocation)
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ProblemError(f"--lever names a key twice: {', '.join(twice)}")
    if allocation and any(x.key in ("cadres.sunk.count", "cadres.sunk.allocation") for x in plain):
        raise ProblemError(f"--lever {ALLOCATION_KEY} places the sunk cadres grid by grid, so their count and "
                           "allocation follow from it: drop --lever cadres.sunk.count / cadres.sunk.allocation")
    return Problem(plain, allocation[0] if allocation else None, [parse_target(x) for x in targets], cost,
                   float(confidence))
