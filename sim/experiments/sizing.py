"""How big a command is, before it starts: design points, runs, issues per run and memory.

The estimate (docs/scenario-reference.md, "Limits"): issues per run = arrival rate x
households / 1,000 x weeks of the horizon, summed over issue types, plus the extra
issues of emergencies; a worker's peak memory grows by about 360 bytes per issue
(README, "Performance") and 500 bytes per cadre or office worker, on top of about 60 MB for
the interpreter and the model; the parent keeps a few kilobytes per run.  (A scenario's
people are bounded when it is read: ``sim.scenario.headcount``.)  A command that would need
more memory than the machine has available is refused (exit code 2) unless ``--force``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass

from sim.model.district import build_district
from sim.scenario import Scenario
from sim.scenario.headcount import people

BYTES_PER_ISSUE = 360  # peak memory growth of a run per issue (README, "Performance")
# 100,000 grid workers raised a 40-day run's peak from 64 to 102 MB (about 400 bytes each; 500 to be safe)
BYTES_PER_PERSON = 500
BYTES_PER_WORKER = 60 * 2**20  # a worker process with the model loaded (a 200-grid year peaks at 59 MB)
BYTES_PER_RUN_IN_PARENT = 8 * 2**10  # a run's metrics, its task and its outcome, kept by the parent
MAX_POINTS = 10_000  # sweep design points without --force
MAX_POINTS_FORCED = 1_000_000  # design points even with --force
MAX_REPLICATIONS = 1_000_000  # replications per variant (--replications, --max-replications)


class SizeError(ValueError):
    """A command too large to run on this machine, or at all (exit code 2)."""


def issues_per_run(sc: Scenario) -> float:
    """Expected issues of one replication: rate x households x weeks, plus emergencies' extra issues."""
    households = float(build_district(sc).households.sum())
    horizon_h = sc.calendar.horizon_days * 24.0
    total = 0.0
    for name, it in sc.issue_types.items():
        per_hour = it.rate_per_1000_households_per_week * households / 1000.0 / 168.0
        total += per_hour * horizon_h
        for em in sc.emergencies:
            start, end = sc.emergency_window(em)
            hours = max(0.0, min(end, horizon_h) - max(start, 0.0))
            total += per_hour * hours * max(0.0, em.multipliers.get(name, 1.0) - 1.0)
    return total


def _gb(n: float) -> str:
    return f"{n / 2**30:,.1f} GB" if n >= 2**30 else f"{n / 2**20:,.0f} MB"


@dataclass(frozen=True)
class Size:
    variants: int
    replications: int
    issues_per_run: float  # the largest over the variants
    concurrent: int  # runs at once on this machine (0: on a cluster)
    people: int = 0  # cadres and office staff of a run, the largest over the variants

    @property
    def runs(self) -> int:
        return self.variants * self.replications

    @property
    def memory(self) -> float:
        """Bytes this machine needs at the peak: the parent, and each local worker's largest run."""
        per_run = BYTES_PER_WORKER + BYTES_PER_ISSUE * self.issues_per_run + BYTES_PER_PERSON * self.people
        return self.runs * BYTES_PER_RUN_IN_PARENT + min(self.concurrent, self.runs) * per_run

    def describe(self) -> str:
        return (f"{self.variants:,} variant(s) x {self.replications:,} replication(s) = {self.runs:,} run(s), "
                f"about {self.issues_per_run:,.0f} issues and {self.people:,} cadres and staff per run; "
                f"memory needed about {_gb(self.memory)}")


def available_memory() -> int | None:
    """Bytes of memory available now (Linux: MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def estimate(variants: Iterable[Scenario], replications: int, concurrent: int) -> Size:
    scs = list(variants)
    return Size(len(scs), replications, max((issues_per_run(sc) for sc in scs), default=0.0), concurrent,
                max((people(sc) for sc in scs), default=0))


def check(size: Size, force: bool) -> None:
    """Refuse a command that cannot fit in this machine's memory (or whose size is not a number)."""
    if not math.isfinite(size.issues_per_run):
        raise SizeError(f"the scenario gives {size.issues_per_run} issues per run: not a number a run can have; "
                        "check the arrival rates, households, horizon and emergency multipliers")
    if force:
        return
    free = available_memory()
    if free is not None and size.memory > free:
        raise SizeError(f"too large for this machine: {size.describe()}, but only {_gb(free)} is available. "
                        "Use fewer replications, points or workers, a shorter horizon or a smaller district "
                        "(or --force to run it anyway)")


def check_replications(n: int | None, flag: str = "--replications") -> None:
    if n is not None and not 1 <= n <= MAX_REPLICATIONS:
        raise SizeError(f"{flag} {n}: allowed are 1 to {MAX_REPLICATIONS:,} replications per variant")


def check_points(n: int, force: bool) -> None:
    """A sweep design of ``n`` points: at most MAX_POINTS (MAX_POINTS_FORCED with --force)."""
    limit = MAX_POINTS_FORCED if force else MAX_POINTS
    if n > limit:
        more = "" if force else f"; --force allows up to {MAX_POINTS_FORCED:,}"
        raise SizeError(f"the sweep design has {n:,} points; at most {limit:,} are allowed{more}. "
                        "Use a coarser STEP, fewer values, or --design lhs --samples N")
