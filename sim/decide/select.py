"""Selecting the best policy: procedure KN with a clear-gap screen, common random numbers, and MCB intervals.

The question: which of k policies has the best mean of one metric, with probability at
least ``confidence`` whenever the best is at least ``delta`` better than the rest
(the indifference zone), using as few replications as that needs.

Two screens share the error rate alpha = 1 - confidence (Bonferroni): procedure KN gets
``KN_SHARE`` of it, the clear-gap screen the rest.  Written for maximisation (a metric
to minimise is negated inside, and reported in its own units).

Procedure KN (Kim & Nelson 2001, "A fully sequential procedure for indifference-zone
selection in simulation", ACM TOMACS 11(3):251-273):

1. First stage: ``n0`` replications of every policy, replication r of every policy on
   the same random numbers (common random numbers, CRN).  For each pair i != l, the
   sample variance of the paired differences ``S_il^2 = var(X_i[r] - X_l[r])`` over
   those n0 replications.  Because the differences are paired, CRN's positive
   correlation shrinks S_il^2, and with it the replications needed.
2. With a = KN_SHARE * alpha:
       eta = 0.5 * ((2 * a / (k - 1)) ** (-2 / (n0 - 1)) - 1)
       h^2 = 2 * eta * (n0 - 1)
   (these are the paper's constants for the version with CRN allowed, c = 1).
3. Screening after r replications of every survivor (r = n0 first):
       W_il(r) = max(0, delta / (2 r) * (h^2 S_il^2 / delta^2 - r))
   i survives if mean_i(r) >= mean_l(r) - W_il(r) for every other survivor l
   (the survivors as they were before this screening, so the result does not depend on
   the order in which pairs are examined).  W is a triangle in r that closes at
   r = h^2 S_il^2 / delta^2, so the procedure ends by itself.

KN keeps the first-stage S_il^2 for good: its finite-sample guarantee needs a variance
estimated once, independent of the means that follow.  Two things follow from that, and
were seen on real runs: a first stage that happens to hold an unusual replication
overstates S_il^2, and the triangle stays open long after the data separate the pair; and
the triangle's width, about h^2 S_il^2 / (2 r delta), shrinks with the indifference zone,
not with the gap, so a policy hours worse than the rest stays in as long as one a little
worse (a user saw 74 replications spent on a policy 3 h worse than the rest, and 10 on the
close contender).

The clear-gap screen uses every replication so far.  At the looks r_1 = n0,
r_(j+1) = max(r_j + 1, ceil(r_j sqrt 2)) (10, 15, 22, 32, ...), with
``S_il(r)`` the standard deviation of the r paired differences, i is eliminated if for
some survivor l

       mean_l(r) - mean_i(r) > t_(1 - a_j, r - 1) * S_il(r) / sqrt(r),
       a_j = (1 - KN_SHARE) * alpha * 6 / (pi^2 j^2) / (k - 1)

(the a_j sum to the screen's share over all looks, however many: no cap is needed).
Why the guarantee holds: a wrong selection needs the best policy b eliminated, by KN
(probability at most KN_SHARE * alpha, KN's own bound) or by this screen: at look j
against policy l, a one-sided t test of mu_b - mu_l > 0 rejecting falsely, probability
at most a_j for normal replications (r fixed at each look), summed over the k - 1
other policies and all looks: at most (1 - KN_SHARE) * alpha.  In all at most alpha.

4. One survivor left: it is selected.  Otherwise one more replication of every
   survivor (same random numbers across policies), and screen again.  If every W among
   the survivors is 0 and several have exactly the same mean, the first of them in the
   given order is selected; a survivor whose every replication equals the selected
   policy's is reported *tied* with it (the same policy as far as the metric goes), not
   eliminated.  A cap ``max_reps`` on replications per policy may stop it sooner: then
   the policies still in contention are reported, and ``best`` is the one with the best
   mean so far; the MCB intervals below still say what the data show.

The KN formulas were checked against the paper and two public implementations:
TomMonks/sim-tools ``sim_tools/ovs/indifference_zone.py`` (class KN: eta, h^2, W_il)
and a public Python KN used inside a KT+ (Zhong & Hong) implementation, found by code search
(``h2 = (n0-1)((2 alpha/(k-1))^(-2/(n0-1)) - 1)``, which is 2 eta (n0-1)).  With the paper's
c = 1, eta solves (1/2)(1 + 2 eta)^(-(n0-1)/2) = alpha/(k-1), which gives the formula above.
KN++ (Kim & Nelson 2006) updates S_il^2 at every stage instead, but is valid only as delta
goes to 0; the split above keeps a guarantee at the sample sizes used here.
``benchmarks/bench_selection.py`` measures the probability of correct selection.

Multiple comparisons with the best (MCB, Hsu 1984; under CRN as in Nelson & Matejcik 1995,
"Using common random numbers for indifference-zone selection and multiple comparisons
in simulation", Management Science 41(12)): for every policy i an interval for

    (mean of i) - (best true mean among the other policies),

in the metric's units.  When maximising, an interval [0, +x] says i is the best, by up
to x; [-x, 0] says i is not the best, and is at most x short of it; an interval
holding 0 inside says i may or may not be the best.  When minimising, the interval is
for (mean of i) - (lowest mean among the others): a negative end is how much better
(lower) i may be, a positive end how much worse.  The selected policy's interval thus
says by how much it might not be the best.

Construction (one-sided Bonferroni on paired differences, Hsu's unconstrained form):
for each pair (i, l), the n_il = min(n_i, n_l) replications both policies ran are
paired (same random numbers); D_il is the mean of X_i - X_l over them, S_il its
standard deviation, and

    w_il = max(delta, t_{1 - alpha/(k-1), n_il - 1} * S_il / sqrt(n_il))
    lo_i = min(0, min_{l != i} (D_il - w_il)),   hi_i = max(0, min_{l != i} (D_il + w_il))

Why this is valid: let b be the true best.  The k - 1 one-sided statements
mu_i - mu_b >= D_ib - w_ib (i != b) hold together with probability >= 1 - alpha by
Bonferroni (each has alpha/(k-1)), and on that event every interval above covers
(Hsu 1996, section 4.1.1, with pair-specific half-widths).  The t quantile treats each
n_il as fixed, which sequential stopping makes an approximation; the delta floor keeps
every interval at least as wide as the indifference zone, where the procedure's own
guarantee lives (Nelson & Matejcik's intervals are the delta-wide ones), and makes the
intervals conservative.  benchmarks/bench_selection.py measures their joint coverage.

Driving it: ``SequentialSelection`` says which replications it needs (``needs``), takes
results in any order (``add``), moves on when a batch is complete (``step``) and gives
a ``Selection`` (``result``).  Decisions depend only on the values, never on the order
they arrive, so a run resumed from a results folder reaches the same answer.
``run_selection`` runs the whole procedure from a ``sample(policy, rep)`` callable.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def kn_eta(k: int, n0: int, alpha: float) -> float:
    """KN's eta = 0.5 [(2 alpha / (k - 1))^(-2 / (n0 - 1)) - 1]."""
    return 0.5 * ((2.0 * alpha / (k - 1)) ** (-2.0 / (n0 - 1)) - 1.0)


def kn_h2(k: int, n0: int, alpha: float) -> float:
    """KN's h^2 = 2 eta (n0 - 1)."""
    return 2.0 * kn_eta(k, n0, alpha) * (n0 - 1)


def kn_w(r: int, delta: float, h2: float, s2: float) -> float:
    """KN's continuation half-width W_il(r) = max(0, delta / (2 r) (h^2 S_il^2 / delta^2 - r))."""
    return max(0.0, delta / (2.0 * r) * (h2 * s2 / delta**2 - r))


KN_SHARE = 0.8  # of alpha: procedure KN's; the clear-gap screen has the rest


def gap_looks(n0: int, upto: int) -> list[int]:
    """The clear-gap screen's looks up to ``upto``: n0, then x sqrt(2) each time (at least one more)."""
    out = [n0]
    while out[-1] < upto:
        out.append(max(out[-1] + 1, math.ceil(out[-1] * math.sqrt(2))))
    return [r for r in out if r <= upto]


def gap_level(j: int, k: int, alpha: float) -> float:
    """The one-sided level of the clear-gap test at look j (1, 2, ...): the screen's share of alpha, spent as
    6 / (pi^2 j^2) over the looks (these sum to 1) and split over the k - 1 rivals of the best."""
    return (1.0 - KN_SHARE) * alpha * 6.0 / (math.pi**2 * j**2) / (k - 1)


@dataclass(frozen=True)
class Selection:
    """The answer of a selection, in the metric's own units."""

    direction: str  # "maximize" or "minimize"
    delta: float
    confidence: float
    first_stage: int
    best: str  # the selected policy (with several still in contention: the best mean among them)
    replications: dict[str, int]  # replications each policy ran in the procedure
    eliminated: dict[str, int]  # policy -> replications it had when eliminated, in order of elimination
    mcb: dict[str, tuple[float, float]]  # policy -> interval for (its mean - best mean of the others)
    still_in_contention: list[str]  # [best] when decided; several when max_reps stopped it
    means: dict[str, float] = field(default_factory=dict)  # over each policy's own replications
    h2: float = math.nan
    tied: dict[str, int] = field(default_factory=dict)  # policy -> replications: every one equal to the best's
    by_gap: list[str] = field(default_factory=list)  # eliminated policies the clear-gap screen removed
    first_stage_sd: dict[str, float] = field(default_factory=dict)  # sd of (policy - best) over the first stage
    paired_sd: dict[str, float] = field(default_factory=dict)  # the same over every replication both ran

    @property
    def decided(self) -> bool:
        """Whether one policy was left (rather than the cap on replications stopping it)."""
        return len(self.still_in_contention) == 1

    @property
    def total_replications(self) -> int:
        return sum(self.replications.values())

    def to_dict(self, metric: str) -> dict[str, Any]:
        """The ``selection`` block of summary.json (DESIGN.md), plus what is still in contention."""
        return {"metric": metric, "direction": self.direction, "delta": self.delta,
                "confidence": self.confidence, "best": self.best,
                "replications": dict(self.replications), "eliminated": dict(self.eliminated),
                "mcb": {p: [lo, hi] for p, (lo, hi) in self.mcb.items()},
                "still_in_contention": list(self.still_in_contention), "first_stage": self.first_stage,
                "tied": dict(self.tied), "eliminated_by_gap": list(self.by_gap),
                "first_stage_sd": dict(self.first_stage_sd), "paired_sd": dict(self.paired_sd)}


def _check_inputs(policies: Sequence[str], delta: float, confidence: float, n0: int,
                  max_reps: int | None) -> None:
    if len(policies) < 2:
        raise ValueError(f"policies {list(policies)}: give at least two policies to select from")
    if len(set(policies)) != len(policies):
        raise ValueError(f"policies {list(policies)}: each policy may appear only once")
    if not (isinstance(delta, (int, float)) and math.isfinite(delta) and delta > 0):
        raise ValueError(f"delta {delta!r}: the indifference zone must be a number > 0 "
                         "(in the metric's units: the smallest difference worth detecting)")
    if not (isinstance(confidence, (int, float)) and 0 < confidence < 1):
        raise ValueError(f"confidence {confidence!r}: must be strictly between 0 and 1 (e.g. 0.95)")
    if isinstance(n0, bool) or not isinstance(n0, (int, np.integer)) or n0 < 2:
        raise ValueError(f"first stage n0 {n0!r}: must be a whole number >= 2 (a variance needs two replications)")
    if max_reps is not None and (isinstance(max_reps, bool) or not isinstance(max_reps, (int, np.integer))
                                 or max_reps < n0):
        raise ValueError(f"max_reps {max_reps!r}: must be a whole number >= the first stage ({n0})")


class SequentialSelection:
    """Procedure KN as a state machine that the experiments layer drives without knowing it.

        sel = SequentialSelection(["A", "B", "C"], delta=2.0, maximize=False)
        while not sel.done:
            for policy, reps in sel.needs().items():
                for r in reps:
                    sel.add(policy, r, run(policy, r))   # replication r: the same seed for every policy
            sel.step()
        print(sel.result())

    ``add`` takes values in any order, and also values of replications not yet asked for
    (a resumed folder may hold them); ``step`` uses only the ones the procedure reaches.
    """

    def __init__(self, policies: Sequence[str], delta: float, confidence: float = 0.95,
                 maximize: bool = False, n0: int = 10, max_reps: int | None = None):
        policies = list(policies)
        _check_inputs(policies, delta, confidence, n0, max_reps)
        self.policies = policies
        self.delta, self.confidence, self.maximize = float(delta), float(confidence), maximize
        self.n0, self.max_reps = int(n0), (None if max_reps is None else int(max_reps))
        self.k = len(policies)
        self.alpha = 1.0 - self.confidence
        self.h2 = kn_h2(self.k, self.n0, KN_SHARE * self.alpha)
        self._sign = 1.0 if maximize else -1.0  # the procedure maximises sign * value
        self._values: dict[str, dict[int, float]] = {p: {} for p in policies}
        self._alive: list[str] = list(policies)  # survivors, in the given order
        self._r = 0  # replications every survivor has been screened with (0: first stage not done)
        self._sums = np.zeros(self.k)  # sign * sum of the first r values, per policy index
        self._s2: np.ndarray | None = None  # S_il^2 from the first stage
        self._eliminated: dict[str, int] = {}
        self._by_gap: list[str] = []  # eliminated by the clear-gap screen (the rest: by KN)
        self._tied: dict[str, int] = {}
        self._done = False

    # ------------------------------------------------------------ feeding

    @property
    def done(self) -> bool:
        return self._done

    def _batch(self) -> dict[str, list[int]]:
        """Every replication the current step needs (done or not)."""
        if self._done:
            return {}
        if self._r == 0:
            return {p: list(range(self.n0)) for p in self.policies}
        return {p: [self._r] for p in self._alive}

    def needs(self) -> dict[str, list[int]]:
        """The replications to run before the next ``step``: policy -> replication indices.

        First the whole first stage (0 .. n0-1 of every policy), then replication r of each
        survivor.  Replication r must use the same random numbers for every policy (CRN).
        """
        return {p: missing for p, reps in self._batch().items()
                if (missing := [r for r in reps if r not in self._values[p]])}

    def add(self, policy: str, rep: int, value: float) -> None:
        """Record replication ``rep`` of ``policy``; giving the same value again is allowed."""
        if policy not in self._values:
            raise ValueError(f"policy {policy!r}: not one of {self.policies}")
        if isinstance(rep, bool) or not isinstance(rep, (int, np.integer)) or rep < 0:
            raise ValueError(f"replication {rep!r}: must be a whole number >= 0")
        if self.max_reps is not None and rep >= self.max_reps:
            raise ValueError(f"replication {rep}: beyond the cap of {self.max_reps} replications per policy")
        value = float(value)
        if not math.isfinite(value):  # a failed run: the caller decides (run it again, or give up)
            raise ValueError(f"{policy} replication {rep}: value {value} is not a finite number")
        old = self._values[policy].get(int(rep))
        if old is not None and old != value:
            raise ValueError(f"{policy} replication {rep}: given {value}, but it already has {old}; "
                             "the same replication (same seed) must give the same value")
        self._values[policy][int(rep)] = value

    def step(self) -> bool:
        """Screen with every complete batch available; return whether the procedure has ended."""
        while not self._done and not self.needs():
            if self._r == 0:
                self._first_stage()
            else:
                for p in self._alive:
                    self._sums[self.policies.index(p)] += self._sign * self._values[p][self._r]
                self._r += 1
            self._screen()
        return self._done

    # ------------------------------------------------------------ the procedure

    def _first_stage(self) -> None:
        x = self._sign * np.array([[self._values[p][r] for r in range(self.n0)] for p in self.policies])
        self._sums = x.sum(axis=1)
        diffs = x[:, None, :] - x[None, :, :]  # [i, l, r] = X_i[r] - X_l[r]: paired on CRN
        self._s2 = diffs.var(axis=2, ddof=1)
        self._r = self.n0

    def _screen(self) -> None:
        r = self._r
        idx = [self.policies.index(p) for p in self._alive]
        means = self._sums[idx] / r
        s2 = self._s2[np.ix_(idx, idx)]
        w = np.maximum(0.0, self.delta / (2.0 * r) * (self.h2 * s2 / self.delta**2 - r))
        # i survives if mean_i >= mean_l - W_il for every other survivor l (W_ii = 0 harmlessly)
        keep = np.all(means[:, None] >= means[None, :] - w, axis=1)
        gap = self._gap_screen(means) & keep
        for p, kept, by_gap in zip(self._alive, keep, gap):  # in the given order: deterministic
            if not kept or by_gap:
                self._eliminated[p] = r
                if kept:
                    self._by_gap.append(p)
        keep &= ~gap
        self._alive = [p for p, kept in zip(self._alive, keep) if kept]
        if len(self._alive) == 1:
            self._done = True
            return
        alive_w = w[np.ix_(keep, keep)]
        if not alive_w.any():  # the triangle has closed: equal best means left; the first in order wins
            first = self._alive[0]
            for p in self._alive[1:]:
                same = all(self._values[p][x] == self._values[first][x] for x in range(r))
                (self._tied if same else self._eliminated)[p] = r
            self._alive = self._alive[:1]
            self._done = True
        elif self.max_reps is not None and r >= self.max_reps:
            self._done = True  # the cap: report who is still in contention

    def _gap_screen(self, means: np.ndarray) -> np.ndarray:
        """Per survivor: eliminated by the clear-gap screen at this look (all False between looks)."""
        r = self._r
        looks = gap_looks(self.n0, r)
        if looks[-1] != r:
            return np.zeros(len(self._alive), bool)
        from scipy import stats  # here: importing scipy costs time, and only a look needs it

        t = float(stats.t.ppf(1.0 - gap_level(len(looks), self.k, self.alpha), r - 1))
        x = self._sign * np.array([[self._values[p][i] for i in range(r)] for p in self._alive])
        sd = (x[:, None, :] - x[None, :, :]).std(axis=2, ddof=1)  # [i, l]: of the r paired differences
        behind = means[None, :] - means[:, None]  # [i, l] = mean_l - mean_i
        return np.any(behind > t * sd / math.sqrt(r), axis=1)

    # ------------------------------------------------------------ the answer

    def replications(self) -> dict[str, int]:
        """Replications each policy has used so far in the procedure."""
        return {p: self._eliminated.get(p, self._r) for p in self.policies}

    def result(self) -> Selection:
        if not self._done:
            raise RuntimeError(f"the selection has not ended; it still needs {self.needs()}")
        n = self.replications()
        means_signed = {p: self._sign * float(np.mean([self._values[p][r] for r in range(n[p])]))
                        for p in self.policies}
        best = max(self._alive, key=lambda p: (means_signed[p], -self.policies.index(p)))
        return Selection(
            direction="maximize" if self.maximize else "minimize", delta=self.delta,
            confidence=self.confidence, first_stage=self.n0, best=best, replications=n,
            eliminated=dict(self._eliminated), mcb=self._mcb(n),
            still_in_contention=list(self._alive) if len(self._alive) > 1 else [best],
            means={p: self._sign * m for p, m in means_signed.items()}, h2=self.h2, tied=dict(self._tied),
            by_gap=list(self._by_gap), first_stage_sd=self._sd_vs(best, {p: self.n0 for p in n}),
            paired_sd=self._sd_vs(best, n),
        )

    def _sd_vs(self, best: str, n: dict[str, int]) -> dict[str, float]:
        """Per other policy, the sd of (its value - the best's) over its first n[p] replications."""
        b = self._values[best]
        return {p: float(np.std([self._values[p][r] - b[r] for r in range(min(n[p], n[best]))], ddof=1))
                for p in self.policies if p != best}

    def _mcb(self, n: dict[str, int]) -> dict[str, tuple[float, float]]:
        """MCB intervals (see the module's docstring), in the metric's own units."""
        from scipy import stats  # here: importing scipy costs time, and only the answer needs it

        q = self.alpha / (self.k - 1)  # Bonferroni over the k - 1 comparisons with the best
        out = {}
        for p in self.policies:
            lows, highs = [], []
            for o in self.policies:
                if o == p:
                    continue
                m = min(n[p], n[o])  # the replications both ran: paired on the same random numbers
                d = self._sign * (np.array([self._values[p][r] for r in range(m)])
                                  - np.array([self._values[o][r] for r in range(m)]))
                half = float(stats.t.ppf(1.0 - q, m - 1) * d.std(ddof=1) / math.sqrt(m))
                w = max(self.delta, half)
                lows.append(float(d.mean()) - w)
                highs.append(float(d.mean()) + w)
            lo, hi = min(0.0, min(lows)), max(0.0, min(highs))
            out[p] = (lo, hi) if self.maximize else (-hi, -lo)  # back to (mean_i - best of others)
        return out


def run_selection(policies: Sequence[str], sample: Callable[[str, int], float], delta: float,
                  confidence: float = 0.95, maximize: bool = False, n0: int = 10,
                  max_reps: int | None = None) -> Selection:
    """Run procedure KN to the end, calling ``sample(policy, rep)`` for each replication needed.

    ``sample`` must give replication ``rep`` of every policy on the same random numbers (CRN).
    """
    sel = SequentialSelection(policies, delta, confidence, maximize, n0, max_reps)
    while not sel.step():
        for policy, reps in sel.needs().items():
            for r in reps:
                sel.add(policy, r, sample(policy, r))
    return sel.result()
