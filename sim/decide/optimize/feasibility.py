"""Is a candidate feasible?  A sequential check of every target at once, with a stated error rate.

A target is a constraint on a metric's mean, E[Y] <= q (a ``>=`` target is negated
inside).  The check looks at the candidate's replications at a few fixed *looks*
(r = n0, then about x1.4 each time: 10, 15, 22, 32, ... up to the cap), and at each
look computes, per target still open, the one-sided t interval of the mean at level
``beta / L`` (L the number of looks):

    upper = mean + t(1 - beta/L, r - 1) * s / sqrt(r) <= q   ->  the target is met
    lower = mean - t(1 - beta/L, r - 1) * s / sqrt(r) >  q   ->  it is missed: infeasible

Every target met: feasible.  At the cap with a target still open: "not distinguishable"
(treated as not shown feasible).  Why this is valid: a target whose true mean misses q
is declared met only if one of its L looks says so, each with probability at most
beta/L, so at most beta in all (Bonferroni over the looks; the t interval treats the
replications as normal, which means over a whole horizon are close to).  The same holds
the other way: a target truly met is declared missed with probability at most beta.
The search (``search.py``) divides its error rate over every check and target it may
decide (Bonferroni again), so that the deployment it returns meets every target with at
least the stated confidence.

Why not the indifference-zone procedure of Andradóttir & Kim (2010, F_B)?  Its
triangular continuation region is tuned to means a tolerance away from the threshold:
a candidate far from it (a mean ten times the threshold, say) still needs about
h^2 S^2 / (2 eps |gap|) replications, hundreds with a 1% tolerance; the looks above
decide such a candidate at the first look, and need no tolerance from the user.

Decisions depend only on the values of replications 0, 1, 2, ... in that order, never
on the order runs finish in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

FEASIBLE, INFEASIBLE, UNDECIDED = "feasible", "infeasible", "not distinguishable"
GROWTH = math.sqrt(2)  # replications grow by this factor from one look to the next


def looks(n0: int, max_reps: int) -> list[int]:
    """The replication counts at which a check decides: n0, then x sqrt(2) each time, and the cap."""
    out = [n0]
    while out[-1] < max_reps:
        out.append(min(max_reps, max(out[-1] + 1, math.ceil(out[-1] * GROWTH))))
    return out


@lru_cache(maxsize=4096)
def t_quantile(p: float, df: int) -> float:
    from scipy import stats  # here: importing scipy costs time, and only a check needs it

    return float(stats.t.ppf(p, df))


@dataclass(frozen=True)
class Target:
    """``metric <= threshold`` or ``metric >= threshold``, on the metric's mean."""

    metric: str
    op: str  # "<=" or ">="
    threshold: float

    @property
    def sign(self) -> float:
        """+1 for <=, -1 for >=: the check works on sign * value <= sign * threshold."""
        return 1.0 if self.op == "<=" else -1.0

    def met_by(self, value: float) -> bool:
        return value <= self.threshold if self.op == "<=" else value >= self.threshold

    def shortfall(self, value: float) -> float:
        """How far ``value`` misses the threshold, in the metric's units (0 when it is met)."""
        return max(0.0, self.sign * (value - self.threshold))

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.threshold:g}"


@dataclass
class Check:
    """One candidate's check: feed replications in order with ``add``; ``verdict`` once decided."""

    targets: list[Target]
    beta: float  # error rate allowed for each target's decision (over all its looks)
    n0: int
    max_reps: int
    values: list[np.ndarray] = field(default_factory=list)  # per replication, one value per target
    verdict: str | None = None
    decided_at: int = 0  # replications used when decided
    met: dict[int, bool] = field(default_factory=dict)  # target index -> declared met (decided ones only)
    # target index -> the decision interval (lo, hi, r) in the metric's units: the two one-sided bounds at level
    # 1 - beta / L at the look that decided the target, or at the last look for a target still open
    intervals: dict[int, tuple[float, float, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.looks = looks(self.n0, self.max_reps)
        self._signs = np.array([t.sign for t in self.targets])
        self._q = self._signs * np.array([t.threshold for t in self.targets])

    @property
    def replications(self) -> int:
        return len(self.values)

    @property
    def level(self) -> float:
        """The one-sided confidence of each bound the check decides with: 1 - beta / L."""
        return 1.0 - self.beta / len(self.looks)

    def status(self, k: int) -> str:
        """Target k as the check left it: "met", "missed" or "open" (not shown either way)."""
        return {True: "met", False: "missed"}.get(self.met.get(k), "open")

    def source(self, k: int) -> str:
        """Where target k's decision interval comes from: "" (this candidate's own runs)."""
        return ""

    def next_look(self) -> int:
        """The replications the next decision needs."""
        r = len(self.values)
        return next(n for n in self.looks if n > r) if r < self.looks[-1] else r

    def add(self, values: list[float]) -> None:
        """The next replication's value of each target (in ``targets`` order); decide at a look."""
        if self.verdict is not None:
            return
        self.values.append(np.asarray(values, float))
        r = len(self.values)
        if r not in self.looks:
            return
        y = self._signs * np.array(self.values)  # [r, s]: smaller is better in every column
        half = t_quantile(1.0 - self.beta / len(self.looks), r - 1) * y.std(axis=0, ddof=1) / math.sqrt(r)
        mean = y.mean(axis=0)
        for k in range(len(self.targets)):
            if k in self.met:
                continue
            ends = sorted((self._signs[k] * (mean[k] - half[k]), self._signs[k] * (mean[k] + half[k])))
            self.intervals[k] = (float(ends[0]), float(ends[1]), r)
            if mean[k] + half[k] <= self._q[k]:
                self.met[k] = True
            elif mean[k] - half[k] > self._q[k]:
                self.met[k] = False
        if any(v is False for v in self.met.values()):
            self.verdict, self.decided_at = INFEASIBLE, r
        elif len(self.met) == len(self.targets):
            self.verdict, self.decided_at = FEASIBLE, r
        elif r >= self.max_reps:
            self.verdict, self.decided_at = UNDECIDED, r
