"""Benchmark (not a test): the selection procedure with CRN (sim.decide.select: KN with its share of alpha,
plus the clear-gap screen) against Rinott's two-stage procedure.

    .venv/bin/python benchmarks/bench_selection.py [--repeats 1000] [--time-limit 900] [--rho 0,0.5,0.9]

The stand-in has known means: replication r of policy i is

    X_i[r] = mu_i + sigma * (sqrt(rho) * Z[r] + sqrt(1 - rho) * E_i[r]),   Z, E independent N(0, 1)

so every policy has variance sigma^2, and replication r of every policy shares Z[r], as
common random numbers make a simulation's outputs correlated (corr = rho).  sigma = 1,
n0 = 10, delta = sigma / sqrt(n0) (the setting of Kim & Nelson 2001's experiments), confidence
0.95, maximising; policy 0 is the best in both configurations:

- slippage: mu_0 = delta, every other mu_i = 0 (the least favourable configuration);
- spread:   mu_i = -i * delta (monotone decreasing means, each delta apart);
- far:      mu_0 = delta, mu_1 = 0, every other mu_i = -10 delta (one close contender, the rest far
            worse: where KN's triangle, about h^2 S^2 / (2 r delta) wide, keeps the far ones in for
            long, and the clear-gap screen removes them at its first looks).

Reported per case: the probability of correct selection (PCS) with its exact (Clopper-Pearson)
95% binomial interval, the mean total replications, the mean replications of each policy beyond
the first two (p2+ each: in the far configuration, what the far-worse policies cost), and how
often every MCB interval covered its true mu_i - max_{l != i} mu_l at once (nominal >= 0.95); the same for Rinott's procedure on
the same kind of draws, and the ratio of mean total replications, KN / Rinott.

Rinott's procedure: n0 replications of every policy, S_i^2 the sample variance of policy i's
own outputs (no pairing: it cannot use CRN), then N_i = max(n0, ceil((h S_i / delta)^2)) in all,
and the largest mean wins.  Rinott's constant h solves

    integral_0^inf [ integral_0^inf Phi(h / sqrt(nu (1/x + 1/y))) f_nu(x) dx ]^(k-1) f_nu(y) dy = 1 - alpha

with f_nu the chi-square density, nu = n0 - 1 (Rinott 1978; Bechhofer, Santner & Goldsman 1995).
Both integrals are done by 64-point Gauss-Laguerre quadrature and h by Brent's method (scipy),
as the RINOTT Fortran program and rossetti/JSL (MultipleComparisonAnalyzer.rinott) do with 32
points.  Checks: k = 10, 1 - alpha = 0.975, nu = 50 gives 4.045 (JSL's test value); k = 2,
n0 = 20, 0.95 gives 2.453 (Law & Kelton's table); `--check-h` confirms h by Monte Carlo.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
from scipy import optimize, special, stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sim.decide.select import run_selection  # noqa: E402

N0 = 10
SIGMA = 1.0
DELTA = SIGMA / math.sqrt(N0)
CONFIDENCE = 0.95


def rinott_h(k: int, n0: int, pstar: float, nodes: int = 64) -> float:
    """Rinott's constant by Gauss-Laguerre quadrature (see the module's docstring)."""
    nu = n0 - 1
    t, w = np.polynomial.laguerre.laggauss(nodes)
    x = 2.0 * t  # integral g(x) f(x) dx over (0, inf) with x = 2t: weight e^-t matches the chi-square's tail
    wf = 2.0 * w * np.exp(t) * stats.chi2.pdf(x, nu)
    ratio = np.sqrt(nu * (1.0 / x[:, None] + 1.0 / x[None, :]))  # [x, y]

    def pcs(h: float) -> float:
        inner = (wf[:, None] * special.ndtr(h / ratio)).sum(axis=0)  # a function of y
        return float((wf * inner ** (k - 1)).sum())

    return optimize.brentq(lambda h: pcs(h) - pstar, 1e-3, 50.0, xtol=1e-10)


def rinott_h_monte_carlo(k: int, n0: int, h: float, n: int = 400_000, seed: int = 0) -> float:
    """The probability that defines h, by simulation: should be 1 - alpha."""
    g = np.random.default_rng(seed)
    nu = n0 - 1
    y = g.chisquare(nu, n)
    x = g.chisquare(nu, (n, k - 1))
    z = g.standard_normal((n, k - 1))
    return float(np.mean(np.all(z < h / np.sqrt(nu * (1.0 / x + 1.0 / y[:, None])), axis=1)))


def means_of(config: str, k: int, delta: float) -> np.ndarray:
    if config == "slippage":
        return np.array([delta] + [0.0] * (k - 1))
    if config == "far":
        return np.array([delta, 0.0] + [-10 * delta] * (k - 2))
    return -delta * np.arange(k)


class StandIn:
    """One repeat's draws: replication r of every policy shares Z[r] (CRN); rows made as needed."""

    def __init__(self, mu: np.ndarray, rho: float, rng: np.random.Generator):
        self.mu, self.rho, self.rng = mu, rho, rng
        self.rows = np.empty((0, len(mu)))

    def upto(self, n: int) -> np.ndarray:
        while len(self.rows) < n:
            m = max(64, len(self.rows))
            z = self.rng.standard_normal((m, 1))
            e = self.rng.standard_normal((m, len(self.mu)))
            new = self.mu + SIGMA * (math.sqrt(self.rho) * z + math.sqrt(1.0 - self.rho) * e)
            self.rows = np.vstack([self.rows, new])
        return self.rows[:n]

    def sample(self, policy: str, r: int) -> float:
        return float(self.upto(r + 1)[r, int(policy[1:])])


def mcb_covers(mcb: dict[str, tuple[float, float]], mu: np.ndarray) -> bool:
    for i, (lo, hi) in enumerate(mcb.values()):
        truth = mu[i] - np.max(np.delete(mu, i))
        if not lo - 1e-12 <= truth <= hi + 1e-12:
            return False
    return True


def clopper_pearson(x: int, n: int) -> tuple[float, float]:
    lo = stats.beta.ppf(0.025, x, n - x + 1) if x > 0 else 0.0
    hi = stats.beta.ppf(0.975, x + 1, n - x) if x < n else 1.0
    return float(lo), float(hi)


def run_case(k: int, config: str, rho: float, repeats: int, h: float, seed: int, delta: float = DELTA) -> dict:
    mu = means_of(config, k, delta)
    policies = [f"p{i}" for i in range(k)]
    rng = np.random.default_rng([seed, k, int(rho * 1000), ("slippage", "spread", "far").index(config)])
    kn_ok = kn_reps = rest_reps = cover = rin_ok = rin_reps = 0
    t0 = time.perf_counter()
    for _ in range(repeats):
        draws = StandIn(mu, rho, rng)
        sel = run_selection(policies, draws.sample, delta, CONFIDENCE, maximize=True, n0=N0)
        kn_ok += sel.best == "p0"
        kn_reps += sel.total_replications
        rest_reps += sum(sel.replications[p] for p in policies[2:])  # beyond the best and the first rival
        cover += mcb_covers(sel.mcb, mu)
        # Rinott on the same kind of draws (fresh ones, so the two procedures are independent checks)
        rin = StandIn(mu, rho, rng)
        s = rin.upto(N0).std(axis=0, ddof=1)
        n_i = np.maximum(N0, np.ceil((h * s / delta) ** 2)).astype(int)
        x = rin.upto(int(n_i.max()))
        means = np.array([x[: n_i[i], i].mean() for i in range(k)])
        rin_ok += int(np.argmax(means)) == 0
        rin_reps += int(n_i.sum())
    return {"k": k, "config": config, "rho": rho, "repeats": repeats,
            "kn_pcs": kn_ok / repeats, "kn_ci": clopper_pearson(kn_ok, repeats), "kn_reps": kn_reps / repeats,
            "rest_reps": rest_reps / repeats / max(1, k - 2),
            "mcb": cover / repeats, "h": h, "rin_pcs": rin_ok / repeats,
            "rin_ci": clopper_pearson(rin_ok, repeats), "rin_reps": rin_reps / repeats,
            "seconds": time.perf_counter() - t0}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=1000, help="repeats per case (default 1000)")
    ap.add_argument("--time-limit", type=float, default=1800.0, help="seconds; cases not started by then are skipped")
    ap.add_argument("--rho", default="0,0.5,0.9", help="CRN correlations to try, comma-separated")
    ap.add_argument("--k", default="2,5,10", help="numbers of policies, comma-separated")
    ap.add_argument("--configs", default="slippage,spread,far", help="configurations, comma-separated")
    ap.add_argument("--delta", type=float, default=DELTA, help=f"the indifference zone, in sigmas (default "
                    f"1/sqrt(n0) = {DELTA:.4f}; the far configuration shows most at a small one, e.g. 0.1)")
    ap.add_argument("--seed", type=int, default=20261203)
    ap.add_argument("--check-h", action="store_true", help="check Rinott's h by Monte Carlo first")
    a = ap.parse_args(argv)
    ks = [int(x) for x in a.k.split(",")]
    rhos = [float(x) for x in a.rho.split(",")]
    hs = {k: rinott_h(k, N0, CONFIDENCE) for k in ks}
    print(f"n0={N0}, sigma={SIGMA}, delta={a.delta:.4f}, confidence={CONFIDENCE}, repeats={a.repeats} per case")
    print("Rinott h: " + ", ".join(f"k={k}: {h:.4f}" for k, h in hs.items()))
    if a.check_h:
        for k, h in hs.items():
            print(f"  Monte Carlo P(h) for k={k}: {rinott_h_monte_carlo(k, N0, h):.4f} (want {CONFIDENCE})")
    head = (f"{'k':>3} {'config':<9} {'rho':>4} | {'KN PCS':>6} {'95% CI':>15} {'KN reps':>8} {'p2+ each':>8} "
            f"{'MCB cov':>7} | "
            f"{'Rin PCS':>7} {'95% CI':>15} {'Rin reps':>8} | {'KN/Rin':>6} {'sec':>5}")
    print(head)
    print("-" * len(head))
    t0 = time.perf_counter()
    rows = []
    for config in a.configs.split(","):
        for k in ks:
            for rho in rhos:
                if time.perf_counter() - t0 > a.time_limit:
                    print(f"{k:>3} {config:<9} {rho:>4} | skipped: time limit of {a.time_limit:g} s reached")
                    continue
                c = run_case(k, config, rho, a.repeats, hs[k], a.seed, a.delta)
                rows.append(c)
                print(f"{k:>3} {config:<9} {rho:>4} | {c['kn_pcs']:>6.3f} [{c['kn_ci'][0]:.3f}, {c['kn_ci'][1]:.3f}] "
                      f"{c['kn_reps']:>8.1f} {c['rest_reps']:>8.1f} {c['mcb']:>7.3f} | {c['rin_pcs']:>7.3f} "
                      f"[{c['rin_ci'][0]:.3f}, {c['rin_ci'][1]:.3f}] {c['rin_reps']:>8.1f} | "
                      f"{c['kn_reps'] / c['rin_reps']:>6.3f} {c['seconds']:>5.0f}", flush=True)
    print()
    print("CRN: KN's mean total replications relative to rho = 0 (same k and configuration):")
    for c in rows:
        base = next((b for b in rows if b["k"] == c["k"] and b["config"] == c["config"] and b["rho"] == 0), None)
        if base and c["rho"] != 0:
            print(f"  k={c['k']:<2} {c['config']:<9} rho={c['rho']}: {c['kn_reps'] / base['kn_reps']:.3f} "
                  f"(1 - rho = {1 - c['rho']:.2f}: the paired-difference variance's share)")
    low = [c for c in rows if c["kn_ci"][1] < CONFIDENCE]
    print(f"cases whose KN PCS is below {CONFIDENCE} beyond doubt (CI entirely below): {len(low)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
