"""``optimize --ensemble``: a deployment is feasible when it is shown feasible in enough plausible parameter sets.

Each candidate runs in each of the K sets (variant ``set007-c1a2b3...``: the set's values applied as
``--set`` overrides, then the candidate's levers), on the same seeds as every other candidate and set
(common random numbers).  In each set the candidate gets the ordinary check (``feasibility.Check``); the
candidate is feasible when at least ``ceil(share * K)`` sets are shown feasible (``--ensemble-share``,
default 1: every set), and infeasible as soon as more than ``K - ceil(share * K)`` sets are shown not to
be (the remaining sets' checks are then not pursued).  The error rate of each check is the search's
divided by K (Bonferroni over the sets), so with the stated confidence every set declared feasible is
feasible, and the answer meets every target in at least the share of sets it claims.

Nothing else in the search changes: bisection on a staffing lever stays valid when each set's targets are
monotone in it, since "feasible in at least m of K sets" is then monotone too.  The per-grid allocation lever
is not offered over an ensemble (its greedy steps follow one scenario's per-grid measures).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.decide.optimize.feasibility import FEASIBLE, INFEASIBLE, Check, Target
from sim.decide.optimize.problem import ALLOCATION_KEY, Problem
from sim.decide.optimize.search import Candidate, NeedRuns, Search
from sim.experiments.commands import ApiError
from sim.experiments.ensemble import (Ensemble, load_ensemble, refuse_clash, refuse_non_numeric, scenario_problem,
                                     variant_name)
from sim.scenario import ScenarioError, build_scenario


@dataclass
class EnsembleCheck:
    """A candidate's checks, one per parameter set (set id -> Check), and the verdict over them."""

    targets: list[Target]
    checks: dict[str, Check]
    need: int  # sets that must be shown feasible
    verdict: str | None = None
    decided_at: int = 0

    @property
    def replications(self) -> int:
        """The most replications any set's check used."""
        return max(c.replications for c in self.checks.values())

    @property
    def level(self) -> float:
        return next(iter(self.checks.values())).level

    def update(self) -> None:
        if self.verdict is not None:
            return
        feasible = [s for s, c in self.checks.items() if c.verdict == FEASIBLE]
        not_shown = [s for s, c in self.checks.items() if c.verdict not in (None, FEASIBLE)]
        if len(not_shown) > len(self.checks) - self.need:
            self.verdict, self.decided_at = INFEASIBLE, self.replications
        elif all(c.verdict is not None for c in self.checks.values()):
            self.verdict = FEASIBLE if len(feasible) >= self.need else INFEASIBLE
            self.decided_at = self.replications

    def failing(self) -> dict[str, str]:
        """The sets where the candidate was not shown feasible: set id -> that check's verdict (or 'not checked',
        where the candidate was ruled out before that set's check decided)."""
        return {s: c.verdict or "not checked" for s, c in self.checks.items() if c.verdict != FEASIBLE}

    def status(self, k: int) -> str:
        """Target k over the sets: met in enough of them, missed in too many, else open."""
        met = sum(c.status(k) == "met" for c in self.checks.values())
        missed = sum(c.status(k) == "missed" for c in self.checks.values())
        return "met" if met >= self.need else "missed" if missed > len(self.checks) - self.need else "open"

    def _hardest(self, k: int) -> str | None:
        """The set where target k is hardest to meet (the worst end of its decision interval)."""
        have = [s for s, c in self.checks.items() if k in c.intervals]
        if not have:
            return None
        if self.targets[k].op == "<=":
            return max(have, key=lambda s: self.checks[s].intervals[k][1])
        return min(have, key=lambda s: self.checks[s].intervals[k][0])

    @property
    def intervals(self) -> dict[int, tuple[float, float, int]]:
        """Per target, the decision interval of the set where it is hardest to meet (``source`` names it): that
        set's runs alone, so it need not hold the mean pooled over every set."""
        return {k: self.checks[s].intervals[k] for k in range(len(self.targets))
                if (s := self._hardest(k)) is not None}

    def source(self, k: int) -> str:
        """The set target k's decision interval comes from."""
        return self._hardest(k) or ""


@dataclass
class EnsembleFeasibility:
    """What the search needs of the ensemble: its sets, the share that must be feasible, and the checks."""

    ensemble: Ensemble
    share: float
    sets: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.sets = [s.id for s in self.ensemble.sets]

    @property
    def need(self) -> int:
        return max(1, math.ceil(self.share * len(self.sets) - 1e-9))

    def check(self, search: Search, c: Candidate) -> EnsembleCheck:
        if c.check is None:
            beta = search.beta / len(self.sets)  # Bonferroni over the sets
            c.check = EnsembleCheck(search.problem.targets, {s: Check(search.problem.targets, beta, search.n0,
                                                                      search.max_reps) for s in self.sets}, self.need)
        chk = c.check
        needs: dict[str, list[int]] = {}
        for s, one in chk.checks.items():
            try:
                search.advance(variant_name(s, c.name), one)
            except NeedRuns as e:
                needs.update(e.needs)
        chk.update()
        if chk.verdict is None:
            raise NeedRuns(needs)
        return chk

    def used(self, c: Candidate) -> list[tuple[str, int]]:
        if c.check is None:
            return []
        return [(variant_name(s, c.name), r) for s, one in c.check.checks.items() for r in range(one.replications)]

    def variants(self, name: str) -> dict[str, str]:
        """Variant name -> set id, for a candidate ``name``."""
        return {variant_name(s, name): s for s in self.sets}

    def block(self, answer: Candidate | None) -> dict[str, Any]:
        """The optimize summary's ensemble block: the sets, the share, and which sets fail at the answer."""
        fails = answer.check.failing() if answer is not None and isinstance(answer.check, EnsembleCheck) else {}
        rows = {s.id: s for s in self.ensemble.sets}
        return {**self.ensemble.block(), "share": self.share, "need": self.need,
                "failing_at_answer": [{"id": s, "row": rows[s].row, "values": dict(rows[s].values), "verdict": v}
                                      for s, v in fails.items()]}


def feasibility_over(file: str | Path | None, size: int | None, share: float, problem: Problem,
                     data: dict[str, Any], path: Path, policy: str | None, overrides: list[tuple[str, Any]],
                     seed: int) -> EnsembleFeasibility | None:
    """The ensemble a deployment must be feasible over, its sets checked against the scenario; None without one."""
    if file is None:
        if size is not None or share != 1.0:
            raise ApiError("--ensemble-size and --ensemble-share need --ensemble FILE (a plausible.csv)")
        return None
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 1:
        raise ApiError(f"--ensemble-share {share}: a share of the sets, greater than 0 and at most 1 (1: every set)")
    if problem.allocation:
        raise ApiError(f"--lever {ALLOCATION_KEY} with --ensemble: the per-grid allocation follows one scenario's "
                   "per-grid measures; give a staffing lever such as cadres.sunk.count, or drop --ensemble")
    ens = load_ensemble(file, size, seed)
    refuse_clash(ens.keys, overrides, ens.file)
    refuse_clash(ens.keys, [(lv.key, None) for lv in problem.levers], ens.file, "--lever")
    for s in ens.sets:
        try:
            sc = build_scenario(data, path, policy, overrides + s.overrides())
        except ScenarioError as e:
            raise scenario_problem(ens.file, s, [str(x) for x in e.problems]) from None
        refuse_non_numeric(ens.file, ens.keys, sc)
    return EnsembleFeasibility(ens, float(share))
