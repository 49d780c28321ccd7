"""The search for the cheapest deployment meeting every target: which candidates to check, in what order.

The search is written as plain sequential code over the finished runs, and replayed from
the start each time runs finish (``Search.replay``): where it needs a run the folder does
not hold yet, it stops that line of search and says which (``NeedRuns``).  Replaying is
cheap (arithmetic on cached values), and it makes resuming and determinism free: the
same runs give the same decisions, whatever order they finished in or how many workers
ran them.  Lines of search that do not depend on each other (one per *configuration*,
i.e. per combination of the levers that are not bisected) run side by side.

- Staffing levers are monotone (``problem.py``): per configuration, bisection on the
  one with most values finds its smallest feasible value (the others are enumerated).
- The per-grid allocation (``cadres.sunk.per_grid=LO:HI``), in three phases:
  1. *per-grid bisection* (PCAM's idea: grids are served by their own cadres, so one run
     measures every grid at once): every grid's count is bisected side by side on the
     per-grid version of the targets (``grid_coverage`` for coverage targets,
     ``grid_resolution_p90`` for resolution-time targets), ``n0`` replications a round.
     A target on the worst grid (``coverage_min_grid``) is a mean of a minimum over
     grids, so there each grid must reach it in every replication, not on average;
  2. *greedy marginal allocation*: the allocation is checked; while it is not shown
     feasible, one more cadre goes where the missed target binds: to every grid that
     missed a worst-grid target in some replication, otherwise to the grid worst in most
     replications;
  3. *greedy removal*: one cadre is taken from each of the half of the grids with most
     slack, and checked; kept if shown feasible, else the same is tried with half as many
     grids, down to one (so the search ends in a few checks, not one per cadre).
- Every check is ``feasibility.Check`` with the error rate divided over every check the
  search may make (``decisions``): Bonferroni, so the returned deployment meets every
  target with at least the stated confidence.

Runs: replication r of every candidate uses the same seed (common random numbers), so
candidates are compared on the same days, arrivals and absences.  A check asks for the
replications up to its next look (``feasibility.looks``), a number that does not depend
on the workers, so the runs made, and the answer, are the same on any executor.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.decide.optimize.feasibility import FEASIBLE, Check
from sim.decide.optimize.problem import ALLOCATION_KEY, Problem

MAX_GREEDY = 20  # checks the allocation search may make per configuration (phases 2 and 3)

# the per-grid series standing for a district target in the per-grid bisection: (series, direction)
GRID_PROXY = {"coverage": ("grid_coverage", ">="), "resolution_hours": ("grid_resolution_p90", "<=")}


class NeedRuns(Exception):
    """A line of search needs runs the folder does not hold yet: variant -> replications."""

    def __init__(self, needs: dict[str, list[int]]):
        super().__init__(str(needs))
        self.needs = needs


class BadValue(Exception):
    """A run gave no value of a target or of the cost (e.g. no issue after the warm-up)."""


@dataclass
class Candidate:
    """One deployment the search looked at."""

    name: str
    levers: dict[str, Any]  # lever key -> value (the allocation: {grid id: cadres})
    phase: str  # what put it there: bisection, enumeration, per-grid bisection, greedy add, greedy removal
    configuration: int
    check: Any = None  # a Check (an EnsembleCheck over an ensemble); None: sampled in the per-grid bisection only
    sampled: int = 0  # replications used without a check (per-grid bisection)

    @property
    def verdict(self) -> str:
        return self.check.verdict if self.check and self.check.verdict else "explored"

    @property
    def replications(self) -> int:
        return self.check.replications if self.check else self.sampled

    @property
    def total_cadres(self) -> int | None:
        alloc = self.levers.get(ALLOCATION_KEY)
        return sum(alloc.values()) if isinstance(alloc, dict) else None


def candidate_name(levers: dict[str, Any]) -> str:
    """A stable name for a candidate: the hash of its lever values (same values, same runs on resume)."""
    blob = json.dumps(levers, sort_keys=True, default=str)
    return "c" + hashlib.sha256(blob.encode()).hexdigest()[:10]


@dataclass
class Search:
    problem: Problem
    runs: dict[tuple[str, int], dict[str, Any]]  # (variant, rep) -> {"metrics": ..., "series": ...}
    grid_ids: list[str]
    households: np.ndarray  # per grid, in grid order (where no per-grid measure guides the allocation)
    n0: int
    max_reps: int
    max_runs: int | None = None
    candidates: dict[str, Candidate] = field(default_factory=dict)
    stopped: str | None = None  # why the search ended early, if it did
    ensemble: Any = None  # an EnsembleFeasibility: a candidate must be feasible in enough parameter sets

    # ------------------------------------------------------------ the plan

    def configurations(self) -> list[dict[str, Any]]:
        """Every combination of the levers not bisected (each a line of search)."""
        bis = self.bisected()
        others = [lv for lv in self.problem.levers if lv is not bis]
        return [dict(zip((lv.key for lv in others), combo)) for combo in itertools.product(*(lv.values for lv in others))]

    def bisected(self):
        mono = [lv for lv in self.problem.levers if lv.monotone]
        if self.problem.allocation or not mono:
            return None
        return max(mono, key=lambda lv: len(lv.values))

    def decisions(self) -> int:
        """How many checks the search may make: the error rate is divided over them (Bonferroni)."""
        per = MAX_GREEDY if self.problem.allocation else (
            math.ceil(math.log2(len(self.bisected().values) + 1)) if self.bisected() else 1)
        return len(self.configurations()) * per

    @property
    def beta(self) -> float:
        return (1.0 - self.problem.confidence) / (self.decisions() * len(self.problem.targets))

    # ------------------------------------------------------------ replay

    def replay(self) -> dict[str, list[int]]:
        """Run the search as far as the finished runs allow; return the runs still needed ({} when done)."""
        needs: dict[str, list[int]] = {}
        for k, config in enumerate(self.configurations()):
            try:
                if self.problem.allocation:
                    self._allocate(k, config)
                else:
                    self._bisect(k, config)
            except NeedRuns as e:
                for v, reps in e.needs.items():
                    needs.setdefault(v, []).extend(r for r in reps if r not in needs.get(v, []))
        if needs and self.max_runs is not None:
            room = self.max_runs - len(self.runs)
            if room <= 0:
                self.stopped = f"the run budget (--max-runs {self.max_runs}) was spent"
                return {}
            needs = _trim(needs, room)
        return needs

    # ------------------------------------------------------------ evaluating one candidate

    def _candidate(self, levers: dict[str, Any], phase: str, k: int) -> Candidate:
        name = candidate_name(levers)
        if name not in self.candidates:
            self.candidates[name] = Candidate(name, levers, phase, k)
        return self.candidates[name]

    def _run(self, c: Candidate | str, r: int, upto: int) -> dict[str, Any]:
        name = c if isinstance(c, str) else c.name  # a variant: the candidate, or the candidate in one set
        got = self.runs.get((name, r))
        if got is None:
            raise NeedRuns({name: [x for x in range(r, upto) if (name, x) not in self.runs]})
        return got

    def _value(self, variant: str, r: int, run: dict[str, Any], metric: str) -> float:
        v = run["metrics"].get(metric)
        if v is None or not math.isfinite(v):
            raise BadValue(f"run {variant}/r{r:04d} gave no value of {metric} ({v}; e.g. no issue counted after the "
                           "warm-up); the check needs every replication it asks for, so the search stopped. "
                           "Choose a metric every run has, or a longer horizon")
        return float(v)

    def check(self, c: Candidate) -> Any:
        """The candidate's feasibility check, as far as the runs go (raises NeedRuns until it decides); over an
        ensemble, one check per parameter set (``ensemble.py``: an ``EnsembleCheck``)."""
        if self.ensemble is not None:
            return self.ensemble.check(self, c)
        if c.check is None:
            c.check = Check(self.problem.targets, self.beta, self.n0, self.max_reps)
        return self.advance(c.name, c.check)

    def advance(self, variant: str, chk: Check) -> Check:
        """Feed a check the runs of ``variant`` in order until it decides (raises NeedRuns for missing ones)."""
        while chk.verdict is None:
            r = chk.replications
            run = self._run(variant, r, chk.next_look())
            self._value(variant, r, run, self.problem.cost)  # the cost must be a number too
            chk.add([self._value(variant, r, run, t.metric) for t in self.problem.targets])
        return chk

    def used(self, c: Candidate) -> list[tuple[str, int]]:
        """The runs (variant, replication) behind a candidate's numbers: its own, or its runs in every set."""
        if self.ensemble is not None:
            return self.ensemble.used(c)
        return [(c.name, r) for r in range(c.replications)]

    def sample(self, c: Candidate, n: int) -> list[dict[str, Any]]:
        """The first ``n`` replications of a candidate (raises NeedRuns for the missing ones)."""
        c.sampled = max(c.sampled, n)
        return [self._run(c, r, n) for r in range(n)]

    # ------------------------------------------------------------ levers without the allocation

    def _bisect(self, k: int, config: dict[str, Any]) -> None:
        lever = self.bisected()
        if lever is None:
            self.check(self._candidate(dict(config), "enumeration", k))
            return
        lo, hi = 0, len(lever.values)  # the smallest feasible index is in [lo, hi]; hi = none is
        while lo < hi:
            mid = (lo + hi) // 2
            c = self._candidate({**config, lever.key: lever.values[mid]}, "bisection", k)
            if self.check(c).verdict == FEASIBLE:
                hi = mid
            else:
                lo = mid + 1

    # ------------------------------------------------------------ the per-grid allocation

    def _alloc_candidate(self, config: dict[str, Any], counts: np.ndarray, phase: str, k: int) -> Candidate:
        alloc = {g: int(n) for g, n in zip(self.grid_ids, counts.tolist()) if n}
        return self._candidate({**config, ALLOCATION_KEY: alloc}, phase, k)

    def _allocate(self, k: int, config: dict[str, Any]) -> None:
        a = self.problem.allocation
        counts = self._per_grid_bisection(k, config)
        checks = 0
        while True:  # phase 2: add where the missed target binds, until shown feasible
            c = self._alloc_candidate(config, counts, "greedy add" if checks else "per-grid bisection", k)
            chk = self.check(c)
            checks += 1
            if chk.verdict == FEASIBLE:
                break
            grids = self._binding_grids(c, counts, a.high)
            if not grids or checks >= MAX_GREEDY:
                return  # no grid can take another cadre, or the checks allowed are spent: none shown feasible
            counts = counts.copy()
            counts[grids] += 1
        order = self._slack_order(c, counts, a.low)  # phase 3: take cadres back while it stays feasible,
        take = max(1, len(order) // 2)  # from the grids with most slack, half as many after each failure
        while order and take >= 1 and checks < MAX_GREEDY:
            fewer = counts.copy()
            fewer[order[:take]] -= 1
            trial = self._alloc_candidate(config, fewer, "greedy removal", k)
            checks += 1
            if self.check(trial).verdict == FEASIBLE:
                c, counts = trial, fewer
                order = self._slack_order(c, counts, a.low)
                take = min(take, len(order))
            else:
                take //= 2

    def _proxies(self) -> list[tuple[str, str, float, bool]]:
        """(series, direction, threshold, worst) per target that has a per-grid version; ``worst``: the target is on
        the worst grid (``*_min_grid``, ``*_max_grid``), so every grid must reach it in every replication."""
        out = []
        for t in self.problem.targets:
            for prefix, (series, op) in GRID_PROXY.items():
                if t.metric.startswith(prefix) and op == t.op:
                    out.append((series, op, t.threshold, t.metric.endswith(("_min_grid", "_max_grid"))))
        return out

    def _margins(self, runs: list[dict[str, Any]]) -> list[tuple[np.ndarray, bool]]:
        """Per per-grid target: [replication, grid] how far inside it each grid was (negative: missed; NaN where
        a grid had nothing to measure), and whether it is a worst-grid target."""
        out = []
        for series, op, q, worst in self._proxies():
            v = np.array([run["series"][series] for run in runs], float)
            out.append(((v - q) if op == ">=" else (q - v), worst))
        return out

    def _grid_meets(self, runs: list[dict[str, Any]]) -> np.ndarray:
        """Per grid: does it meet every per-grid target (on its mean, or in its worst replication)?"""
        ok = np.ones(len(self.grid_ids), bool)
        for m, worst in self._margins(runs):
            x = _per_grid(m, worst)
            ok &= np.isnan(x) | (x >= 0)
        return ok

    def _per_grid_bisection(self, k: int, config: dict[str, Any]) -> np.ndarray:
        a = self.problem.allocation
        n = len(self.grid_ids)
        lo, hi = np.full(n, a.low), np.full(n, a.high)
        if not self._proxies():
            return hi.copy()  # nothing measures grids one by one: start high, let the removal phase trim
        while (lo < hi).any():
            trial = np.where(lo < hi, (lo + hi) // 2, lo)
            ok = self._grid_meets(self.sample(self._alloc_candidate(config, trial, "per-grid bisection", k), self.n0))
            hi = np.where((lo < hi) & ok, trial, hi)
            lo = np.where((lo < hi) & ~ok, trial + 1, lo)
        return lo

    def _binding_grids(self, c: Candidate, counts: np.ndarray, high: int) -> list[int]:
        """Where more cadres help the missed targets most: for a worst-grid target, every grid that missed it in
        some replication; otherwise the grid worst in most replications (with no per-grid measure: the grid
        with fewest cadres per household)."""
        room = counts < high
        grids: set[int] = set()
        for m, worst in self._margins(self._check_runs(c)):
            m = np.where(np.isnan(m), np.inf, m)
            if worst:
                grids |= set(np.flatnonzero((m < 0).any(axis=0) & room).tolist())
            else:
                times = np.bincount(m.argmin(axis=1), minlength=len(counts)).astype(float)
                times[~room] = -1
                if times.max() > 0:
                    grids.add(int(np.argmax(times)))
        if not grids and room.any() and not self._proxies():
            grids.add(int(np.argmin(np.where(room, counts / self.households, np.inf))))
        return sorted(grids)

    def _check_runs(self, c: Candidate) -> list[dict[str, Any]]:
        return [self.runs[(c.name, r)] for r in range(c.check.replications)]

    def _slack_order(self, c: Candidate, counts: np.ndarray, low: int) -> list[int]:
        """Grids with a cadre to spare, most slack first: furthest inside every per-grid target (as
        ``_grid_meets`` measures it), or with no per-grid measure, most cadres per household."""
        margins = self._margins(self._check_runs(c))
        slack = np.full(len(counts), np.inf) if margins else counts / self.households
        for m, worst in margins:
            x = _per_grid(m, worst)
            slack = np.fmin(slack, np.where(np.isnan(x), np.inf, x))
        spare = np.flatnonzero((counts > low) & (slack > 0))
        return spare[np.argsort(-slack[spare], kind="stable")].tolist()

    # ------------------------------------------------------------ the answer

    def checked(self) -> list[Candidate]:
        return [c for c in self.candidates.values() if c.check is not None and c.check.verdict is not None]

    def optimum(self, cost_of: Callable[[Candidate], float]) -> Candidate | None:
        feasible = [c for c in self.checked() if c.check.verdict == FEASIBLE]
        return min(feasible, key=cost_of) if feasible else None


def _per_grid(v: np.ndarray, worst: bool) -> np.ndarray:
    """Per grid, the worst replication's value (larger is better) or the mean; NaN for a grid never measured."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a grid with nothing to measure in any replication
        return np.nanmin(v, axis=0) if worst else np.nanmean(v, axis=0)


def _trim(needs: dict[str, list[int]], room: int) -> dict[str, list[int]]:
    """At most ``room`` runs, taken in a fixed order (so the budget cuts the same runs on any executor)."""
    out: dict[str, list[int]] = {}
    for v in sorted(needs):
        for r in sorted(needs[v]):
            if room <= 0:
                return out
            out.setdefault(v, []).append(r)
            room -= 1
    return out


