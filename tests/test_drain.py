"""The drain: resolution times of a short window are not censored.

The one-service-day office (scenarios/validation/mmc_one_service_day.toml: 4
cadres on Wednesdays 08-17, nearly every issue waits for the next Wednesday)
has a long-run mean time in system W from its periodic Markov chain
(tests/periodic_ctmc.py).  On a four-week window after a two-week warm-up
(within 6e-4 of the periodic regime), the mean resolution time of the
window's issues, followed through the drain, must match W within the 95% CI
over replications.  Dropping the issues still open at the horizon (no drain,
the old estimator) must be visibly biased low: the slowest issues are the
ones missing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import stats

from periodic_ctmc import solve, weekly_pieces
from sim.metrics import compute_metrics
from sim.model import simulate
from sim.scenario import load_scenario

ONE_DAY = Path(__file__).resolve().parent.parent / "scenarios" / "validation" / "mmc_one_service_day.toml"
REPS = 60


def short_window(drain_days: float) -> list[dict[str, float]]:
    sc = load_scenario(ONE_DAY, overrides=[("calendar.horizon_days", 42), ("calendar.warmup_days", 14),
                                           ("calendar.drain_days", drain_days)])
    return [compute_metrics(simulate(sc, np.random.SeedSequence(2024, spawn_key=(k,)))) for k in range(REPS)]


def test_drained_short_window_is_unbiased_and_the_censored_one_is_not():
    sc = load_scenario(ONE_DAY)
    it = sc.issue_types["request"]
    lam = it.rate_per_1000_households_per_week / 168.0  # one grid of 1,000 households
    w = solve(lam, 1 / it.service_time.mean, weekly_pieces(["Wed"], 8, 17, sc.cadres.sunk.count)).W

    drained = short_window(60)
    assert all(m["issues_unresolved_at_run_end"] == 0 for m in drained)
    assert sum(m["issues_open_at_horizon"] for m in drained) > REPS, "nothing was open at the horizon"
    x = np.array([m["resolution_hours_mean"] for m in drained])
    half = stats.t.ppf(0.975, REPS - 1) * x.std(ddof=1) / np.sqrt(REPS)
    assert abs(x.mean() - w) <= half, f"drained mean {x.mean():.2f} +- {half:.2f} h, chain W = {w:.2f} h"
    assert half < 0.05 * w, "too few replications for the check to have power"

    censored = np.array([m["resolution_hours_mean"] for m in short_window(0)])
    assert censored.mean() + half < w, f"censored mean {censored.mean():.2f} h is not below W = {w:.2f} h"
    assert np.all(censored <= x + 1e-9), "dropping the slowest issues should never raise a replication's mean"


def _drained_records(monkeypatch, narrow: bool, path: Path, policy: str, days: int):
    from sim.model.duty import Duty
    from sim.scenario import parse_set

    if not narrow:
        monkeypatch.setattr(Duty, "narrow_to_live_units", lambda self, _=None: None)
    # every cadre turns up: attendance draws tie cadres of every grid in, and the drain is then not narrowed
    sets = [f"calendar.horizon_days={days}", "calendar.warmup_days=7", "cadres.sunk.attendance=1"]
    sc = load_scenario(path, policy, parse_set(sets))
    return simulate(sc, np.random.SeedSequence(11))


def test_narrowing_the_drain_to_live_grids_changes_no_number(monkeypatch):
    """The drain's shift changes touch only the cadres of grids with open issues: every metric and every
    issue's times stay bit for bit those of a drain that changes every cadre's duty (own-grid and pooled)."""
    root = Path(__file__).resolve().parent.parent / "scenarios"
    for path, policy, days in ((root / "baota.toml", "baseline", 60), (root / "baota.toml", "pooled", 45),
                               (root / "urad_front.toml", "baseline", 30)):
        narrowed = _drained_records(monkeypatch, True, path, policy, days)
        full = _drained_records(monkeypatch, False, path, policy, days)
        monkeypatch.undo()
        assert narrowed.transitions < full.transitions  # the narrowing did happen
        a, b = compute_metrics(narrowed), compute_metrics(full)
        assert a.keys() == b.keys()
        assert [k for k in a if not (a[k] == b[k] or (np.isnan(a[k]) and np.isnan(b[k])))] == []
        for name in ("report", "start", "end"):
            a, b = getattr(narrowed, name), getattr(full, name)
            assert np.array_equal(a, b, equal_nan=True), name
