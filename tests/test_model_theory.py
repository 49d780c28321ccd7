"""The model against queueing theory: Erlang C, Little's law, non-preemptive priority.

Everything here is computed directly from the model's Records (not from
sim.metrics), over issues reported after the warm-up.  Each check is a 95%
Student-t confidence interval over replication means that must contain the
theoretical value, together with a bound on the interval's half-width so that
the test has power (a wrong model cannot pass by being noisy).

Waits are measured on issues reported in [warm-up, horizon - 2 days): every one
of them has started by the horizon (asserted), so the mean is not censored.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from oracles import assert_in_ci, erlang_c, priority_waits
from sim.model import simulate
from sim.scenario import load_scenario

VALIDATION = Path(__file__).resolve().parent.parent / "scenarios" / "validation"
MARGIN = 48.0  # hours before the horizon after which arrivals are not used for waits


# ---------------------------------------------------------------- theory


def test_theory_helpers_match_published_values():
    # M/M/3, rho 0.8 (mmc.toml): P(wait) 0.6472, Wq 1.0787 h
    p, wq = erlang_c(2.4, 1.0, 3)
    assert p == pytest.approx(0.6472, abs=1e-4)
    assert wq == pytest.approx(1.0787, abs=1e-4)
    # M/M/1: Wq = rho / (mu - lam)
    assert erlang_c(0.5, 1.0, 1)[1] == pytest.approx(1.0)
    # mm1_priority.toml: 0.75 h and 2.5 h; one class reduces to Pollaczek-Khinchine
    assert priority_waits([0.4, 0.5], [0.5, 1.0], [0.5, 2.0]) == pytest.approx([0.75, 2.5])
    assert priority_waits([0.7], [1.0], [2.0]) == pytest.approx([0.7 / 0.3])


# ---------------------------------------------------------------- statistics from records


def waits(r, mask=None) -> np.ndarray:
    """Waits (report -> start) of issues reported in [warm-up, horizon - MARGIN)."""
    m = (r.report >= r.warmup) & (r.report < r.horizon - MARGIN)
    if mask is not None:
        m &= mask
    assert not np.isnan(r.start[m]).any(), "an issue reported well before the horizon never started"
    return (r.start - r.report)[m]


def little(r) -> dict[str, float]:
    """L, lambda, W (and the queue's Lq, Wq) over the window [warm-up, horizon].

    L and Lq are time averages of the number in system / in queue, integrated
    by sweeping the +1/-1 events of report, start and end times; lambda counts
    reports in the window; W is the mean sojourn (report -> end, censored at
    the horizon) of those issues.  ``busy`` is the time-average number of
    cadres at work, from the work log.
    """
    w0, H = r.warmup, r.horizon
    T = H - w0
    end = np.where(np.isnan(r.end), H, r.end)
    start = np.where(np.isnan(r.start), H, r.start)

    def time_average(a: np.ndarray, b: np.ndarray) -> float:
        times = np.concatenate([a, b])
        steps = np.concatenate([np.ones(len(a)), -np.ones(len(b))])
        order = np.argsort(times, kind="stable")
        times, level = times[order], np.cumsum(steps[order])
        t = np.clip(times, w0, H)
        # level holds on [times[j], times[j+1])
        return float(np.sum(level[:-1] * np.diff(t)) / T)

    known = ~np.isnan(r.report)
    inw = known & (r.report >= w0)
    lam = inw.sum() / T
    ws, we = np.clip(r.work_start, w0, H), np.clip(r.work_end, w0, H)
    return {
        "L": time_average(r.report[known], end[known]),
        "Lq": time_average(r.report[known], start[known]),
        "lam": lam,
        "W": float(np.mean(end[inw] - r.report[inw])),
        "Wq": float(np.mean(start[inw] - r.report[inw])),
        "busy": float(np.sum(we - ws) / T),
    }


def run(scenario, n: int, base_seed: int = 0):
    return [simulate(scenario, np.random.SeedSequence(base_seed + k)) for k in range(n)]


# ---------------------------------------------------------------- M/M/c: Erlang C and Little's law

MMC_LAM, MMC_MU, MMC_C = 2.4, 1.0, 3


def check_mmc(n: int, horizon_days: float, max_rel: float) -> dict[str, tuple[float, float]]:
    sc = load_scenario(VALIDATION / "mmc.toml", overrides=[("calendar.horizon_days", horizon_days)])
    reps = run(sc, n)
    _, wq = erlang_c(MMC_LAM, MMC_MU, MMC_C)
    L_theory = MMC_LAM * (wq + 1 / MMC_MU)
    out = {"Wq": assert_in_ci([waits(r).mean() for r in reps], wq, max_rel, "M/M/3 mean wait vs Erlang C")}
    lt = [little(r) for r in reps]
    for x in lt:
        # Little's law on each sample path: L and lambda*W differ only by the
        # issues already in the system at the warm-up (carried in, a few hours
        # of sojourn over a window of thousands of hours).
        assert x["L"] == pytest.approx(x["lam"] * x["W"], rel=0.01)
        assert x["Lq"] == pytest.approx(x["lam"] * x["Wq"], rel=0.02)
    out["L"] = assert_in_ci([x["L"] for x in lt], L_theory, max_rel, "M/M/3 L (time average)")
    out["lamW"] = assert_in_ci([x["lam"] * x["W"] for x in lt], L_theory, max_rel, "M/M/3 lambda * W")
    out["Lq"] = assert_in_ci([x["Lq"] for x in lt], MMC_LAM * wq, max_rel, "M/M/3 Lq (time average)")
    out["lam"] = assert_in_ci([x["lam"] for x in lt], MMC_LAM, max_rel, "M/M/3 arrival rate")
    # busy cadres from the work log: offered load lambda / mu
    out["busy"] = assert_in_ci([x["busy"] for x in lt], MMC_LAM / MMC_MU, max_rel, "M/M/3 busy cadres")
    return out


def test_mmc_erlang_c_and_little_quick():
    """M/M/3, rho 0.8 (scenarios/validation/mmc.toml), 20 replications x 120 days (10 warm-up).

    Theory: Wq = 1.0787 h, L = lambda (Wq + 1/mu) = 4.989, Lq = 2.589, busy = 2.4.
    Observed (seeds 0..19): Wq 1.052 +- 0.065 h (half-width 6.0% of theory),
    L 4.942 +- 0.164 (3.3%), lambda*W 4.938 +- 0.165, Lq 2.534 +- 0.153,
    lambda 2.4008 +- 0.012, busy 2.408 +- 0.018; per replication L and lambda*W
    agree within 0.1%.  ~1 s.
    """
    check_mmc(20, 120, max_rel=0.15)


@pytest.mark.slow
def test_mmc_erlang_c_and_little_long():
    """M/M/3, rho 0.8: 100 replications x 400 days (10 warm-up).

    Observed (seeds 0..99): Wq 1.077 +- 0.018 h (half-width 1.7% of 1.0787),
    L 4.989 +- 0.049 (1.0%), lambda*W 4.988 +- 0.049, Lq 2.587 +- 0.045,
    lambda 2.3997 +- 0.0031, busy 2.402 +- 0.005.  ~20 s.
    """
    check_mmc(100, 400, max_rel=0.05)


# ---------------------------------------------------------------- non-preemptive priority M/M/1

PRIO_LAMS, PRIO_MEANS = [0.4, 0.5], [0.5, 1.0]  # urgent (priority 1), routine (priority 2)


def check_priority(n: int, horizon_days: float, max_rel: float) -> list[tuple[float, float]]:
    sc = load_scenario(VALIDATION / "mm1_priority.toml", overrides=[("calendar.horizon_days", horizon_days)])
    names = list(sc.issue_types)
    assert names == ["urgent", "routine"]
    assert [sc.issue_types[k].priority for k in names] == [1, 2]
    theory = priority_waits(PRIO_LAMS, PRIO_MEANS, [2 * m * m for m in PRIO_MEANS])
    assert theory == pytest.approx([0.75, 2.5])
    reps = run(sc, n)
    out = []
    for k, name in enumerate(names):
        per_rep = [waits(r, r.issues.type == k).mean() for r in reps]
        out.append(assert_in_ci(per_rep, theory[k], max_rel, f"priority M/M/1 class {name} mean wait vs Cobham"))
    # the classes are told apart: FCFS would give both 2.0 h
    assert out[0][0] + out[0][1] < 2.0 < out[1][0] - out[1][1]
    return out


def test_priority_mm1_quick():
    """Two-class non-preemptive priority M/M/1, rho 0.7 (scenarios/validation/mm1_priority.toml),
    30 replications x 200 days (10 warm-up).

    Theory: W_urgent = 0.75 h, W_routine = 2.5 h.  Observed (seeds 0..29):
    urgent 0.753 +- 0.013 h (half-width 1.7% of theory), routine 2.515 +- 0.134 h (5.4%).  ~1 s.
    """
    check_priority(30, 200, max_rel=0.15)


@pytest.mark.slow
def test_priority_mm1_long():
    """Two-class priority M/M/1: 100 replications x 400 days.

    Observed (seeds 0..99): urgent 0.754 +- 0.007 h (0.9%), routine 2.536 +- 0.045 h (1.8%).  ~6 s.
    """
    check_priority(100, 400, max_rel=0.05)
