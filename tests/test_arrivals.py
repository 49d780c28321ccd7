"""Statistical tests of issue arrivals: totals, weekday/hour/month profiles, grids, emergencies.

Issues come from ``generate_issues`` (non-homogeneous Poisson by thinning).  The
expected counts are derived here, independently of ``sim.model.issues``, from
the semantics documented in docs/scenario-reference.md:

* the average rate is ``rate_per_1000_households_per_week`` x households / 1000
  per week, i.e. that / 168 per hour;
* each profile list is rescaled to mean 1 and the intensity at a time is the
  product of its weekday, hour and month factors (weekday and month from the
  calendar, hour 0 = midnight of ``calendar.start``), times the multipliers of
  the emergencies covering it (window [start, start + duration));
* a type's own ``profile`` replaces ``[arrival_profile]``;
* grids receive issues in proportion to their households.

:func:`hourly_expectation` integrates that intensity hour by hour with the
calendar computed by ``datetime`` (not by ``sim.model.clock``), and never calls
``intensity()``.

Tests, each with a fixed seed:

* counts (a total, or the count in a window) against a Poisson mean: the
  observed count must lie in the central 99.9% interval of Poisson(mu).  The
  count of a thinned Poisson process over a set is exactly Poisson with mean
  the integrated intensity, so this is the exact sampling distribution;
* counts per bin (weekday, hour, weekday x hour, month, grid) against their
  expected shares: Pearson's chi-square goodness of fit given the total, which
  must not reject at the 0.001 level (the smallest expected cell is in the
  hundreds, far above the usual >= 5 rule); bins with zero expected intensity
  must be exactly empty.

Every count is in the tens of thousands, so a 99.9% Poisson interval is a few
percent wide (asserted where it matters, so that the tests keep their power).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from sim.model.district import build_district
from sim.model.issues import IssueTable, generate_issues
from sim.scenario import Scenario, build_scenario

ALPHA = 1e-3  # significance level of every test: a correct implementation fails a check with probability 0.001
HOUSEHOLDS = [120, 380, 500, 1000, 1500, 2500]  # 6,000 households in six grids of very different sizes

# Monday first; mean 1.0 already, but the tests do not rely on that
WEEKDAY = [1.0, 1.3, 1.6, 1.2, 1.0, 0.6, 0.3]
# hour 0 first; a daytime peak, and no arrivals at all from 03:00 to 04:00
HOUR = [0.2, 0.1, 0.1, 0.0, 0.1, 0.3, 0.8, 1.5, 2.0, 2.2, 2.0, 1.8,
        1.2, 1.6, 2.0, 2.0, 1.8, 1.5, 1.2, 1.0, 0.8, 0.6, 0.4, 0.3]
# a type-specific profile: night-heavy hours, flat weekdays (replaces the default profile, not multiplies it)
NIGHT_HOUR = [3.0, 3.0, 2.5, 2.0, 1.5, 1.0, 0.5, 0.2, 0.1, 0.1, 0.1, 0.1,
              0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.0]
# January first; a zero month (September), a strong December peak
MONTH = [1.0, 1.0, 2.0, 3.0, 1.0, 0.5, 1.0, 1.0, 0.0, 2.0, 1.0, 4.0]


# ---------------------------------------------------------------- helpers


def make_scenario(start: dt.date, days: float, issue_types: dict[str, Any], profile: dict[str, list[float]] | None = None,
                  emergencies: list[dict[str, Any]] | None = None) -> Scenario:
    data: dict[str, Any] = {
        "name": "arrivals",
        "calendar": {"start": start, "horizon_days": days, "warmup_days": 0},
        "grids": {"list": [{"id": f"G{i + 1}", "households": h} for i, h in enumerate(HOUSEHOLDS)]},
        "issue_types": issue_types,
        "emergencies": emergencies or [],
    }
    if profile is not None:
        data["arrival_profile"] = profile
    return build_scenario(data, Path("arrivals.toml"))


def issues(sc: Scenario, seed: int) -> IssueTable:
    return generate_issues(sc, build_district(sc), np.random.SeedSequence(seed))


def times(table: IssueTable, type_name: str) -> np.ndarray:
    return table.occur[table.type == table.type_names.index(type_name)]


def mean_one(weights: list[float] | None, n: int) -> np.ndarray:
    """The documented rescaling: weights divided by their mean (a missing list is flat)."""
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    return w / w.mean()


@dataclass
class Expectation:
    """Expected arrivals of one type in each model hour [h, h + 1), without emergencies."""

    lam: np.ndarray  # expected count per hour
    weekday: np.ndarray  # 0 = Monday, of each hour, from the calendar
    hour: np.ndarray  # hour of the day
    month: np.ndarray  # 0 = January

    def between(self, a: float, b: float) -> float:
        """Expected count in [a, b) hours (fractions of an hour pro rata: the intensity is constant within an hour)."""
        h = np.arange(len(self.lam))
        overlap = np.clip(np.minimum(h + 1.0, b) - np.maximum(h, a), 0.0, None)
        return float((self.lam * overlap).sum())

    def by(self, key: np.ndarray, n: int) -> np.ndarray:
        return np.bincount(key, weights=self.lam, minlength=n)


def hourly_expectation(start: dt.date, days: int, rate: float, profile: dict[str, list[float]]) -> Expectation:
    base = rate * sum(HOUSEHOLDS) / 1000.0 / 168.0  # issues per hour, district
    dates = [start + dt.timedelta(days=d) for d in range(days)]
    weekday = np.repeat([d.weekday() for d in dates], 24)
    month = np.repeat([d.month - 1 for d in dates], 24)
    hour = np.tile(np.arange(24), days)
    f = (mean_one(profile.get("weekday"), 7)[weekday] * mean_one(profile.get("hour"), 24)[hour]
         * mean_one(profile.get("month"), 12)[month])
    return Expectation(base * f, weekday, hour, month)


def weekday_of(t: np.ndarray, start: dt.date) -> np.ndarray:
    return (start.weekday() + (t // 24).astype(int)) % 7


def hour_of(t: np.ndarray) -> np.ndarray:
    return (t // 1).astype(int) % 24


def month_of(t: np.ndarray, start: dt.date, days: int) -> np.ndarray:
    """Calendar month (0 = January) of each time, from month boundaries computed with datetime."""
    bounds, months = [0.0], []
    d = start
    end = start + dt.timedelta(days=days)
    while d < end:
        nxt = min(dt.date(d.year + d.month // 12, d.month % 12 + 1, 1), end)
        bounds.append((nxt - start).days * 24.0)
        months.append(d.month - 1)
        d = nxt
    idx = np.searchsorted(bounds, t, side="right") - 1
    return np.asarray(months)[idx]


def assert_poisson(n: int, mu: float, what: str, max_rel_halfwidth: float | None = None) -> None:
    lo, hi = stats.poisson.interval(1 - ALPHA, mu)
    assert lo <= n <= hi, f"{what}: {n} issues, expected Poisson({mu:.1f}); 99.9% interval [{lo:.0f}, {hi:.0f}]"
    if max_rel_halfwidth is not None:  # power: the interval is narrow enough to see a real error
        assert (hi - lo) / 2 < max_rel_halfwidth * mu, f"{what}: interval too wide for the test to have power"


def assert_shares(counts: np.ndarray, expected: np.ndarray, what: str, min_cell: float = 100.0) -> None:
    """Chi-square goodness of fit of ``counts`` to shares proportional to ``expected``; zero-expectation bins empty."""
    counts = np.asarray(counts, dtype=float)
    expected = np.asarray(expected, dtype=float)
    zero = expected <= 0
    assert counts[zero].sum() == 0, f"{what}: {counts[zero].sum():.0f} issues in bins with zero intensity"
    c, e = counts[~zero], expected[~zero]
    e = e / e.sum() * c.sum()
    assert e.min() >= min_cell, f"{what}: smallest expected cell {e.min():.1f} (the chi-square approximation needs more)"
    stat, p = stats.chisquare(c, e)
    worst = int(np.argmax((c - e) ** 2 / e))
    assert p > ALPHA, (
        f"{what}: chi-square {stat:.1f} on {len(c) - 1} df, p = {p:.2g}; "
        f"worst bin {worst}: {c[worst]:.0f} observed vs {e[worst]:.1f} expected"
    )


# ---------------------------------------------------------------- weekday, hour, grids

START = dt.date(2022, 1, 5)  # a Wednesday: a weekday taken as (t // 24) % 7 would be wrong
WEEKS = 52
DAYS = 7 * WEEKS  # whole weeks: every hour of the week gets the same exposure
RATES = {"request": 600.0, "night": 150.0}  # 3,600 and 900 issues a week in 6,000 households
PROFILE = {"weekday": WEEKDAY, "hour": HOUR}
NIGHT_PROFILE = {"hour": NIGHT_HOUR}  # weekday and month left out: flat


@pytest.fixture(scope="module")
def profiled():
    sc = make_scenario(START, DAYS, {
        "request": {"rate_per_1000_households_per_week": RATES["request"], "service_time": 1.0},
        "night": {"rate_per_1000_households_per_week": RATES["night"], "service_time": 1.0, "profile": NIGHT_PROFILE},
    }, profile=PROFILE)
    return sc, issues(sc, 20240601)


def test_total_count_is_the_documented_mean_rate(profiled):
    sc, table = profiled
    assert len(table) > 0 and np.all(np.diff(table.occur) >= 0)
    assert table.occur.min() >= 0 and table.occur.max() < DAYS * 24
    for name, rate in RATES.items():
        # rate per 1000 households per week x households / 1000 x weeks: the profiles reshape, they do not scale
        mu = rate * sum(HOUSEHOLDS) / 1000.0 * WEEKS
        assert_poisson(len(times(table, name)), mu, f"{name} total", max_rel_halfwidth=0.03)


def test_weekday_and_hour_counts_follow_the_profile(profiled):
    _, table = profiled
    t = times(table, "request")
    wd, hr = weekday_of(t, START), hour_of(t)
    # over whole weeks each hour of the week has the same exposure, so the shares are the weights' shares
    assert_shares(np.bincount(wd, minlength=7), np.asarray(WEEKDAY), "request per weekday")
    assert_shares(np.bincount(hr, minlength=24), np.asarray(HOUR), "request per hour of day")
    # the joint weekday x hour counts: the intensity is the product of the two factors
    assert_shares(np.bincount(wd * 24 + hr, minlength=168), np.outer(WEEKDAY, HOUR).ravel(),
                  "request per hour of the week", min_cell=20.0)


def test_weekday_and_hour_counts_match_the_hourly_integral(profiled):
    # the same check through the calendar-based integral (which also covers the month factor, flat here)
    _, table = profiled
    exp = hourly_expectation(START, DAYS, RATES["request"], PROFILE)
    t = times(table, "request")
    assert_shares(np.bincount(weekday_of(t, START), minlength=7), exp.by(exp.weekday, 7), "request per weekday")
    assert_shares(np.bincount(hour_of(t), minlength=24), exp.by(exp.hour, 24), "request per hour")
    assert exp.lam.sum() == pytest.approx(RATES["request"] * sum(HOUSEHOLDS) / 1000.0 * WEEKS)


def test_a_type_profile_replaces_the_default_profile(profiled):
    _, table = profiled
    t = times(table, "night")
    # flat weekdays: the default profile's weekday weights must not apply to this type
    assert_shares(np.bincount(weekday_of(t, START), minlength=7), np.ones(7), "night per weekday")
    assert_shares(np.bincount(hour_of(t), minlength=24), np.asarray(NIGHT_HOUR), "night per hour of day")


def test_counts_per_grid_are_proportional_to_households(profiled):
    _, table = profiled
    for name in RATES:
        grid = table.grid[table.type == table.type_names.index(name)]
        assert_shares(np.bincount(grid, minlength=len(HOUSEHOLDS)), np.asarray(HOUSEHOLDS, float), f"{name} per grid")
    assert_shares(np.bincount(table.grid, minlength=len(HOUSEHOLDS)), np.asarray(HOUSEHOLDS, float), "all per grid")


def test_issue_weights_split_the_same_total_by_households_times_weight():
    weights = [0.0, 3.0, 1.0, 0.5, 2.0, 1.0]
    data = {"name": "weighted", "calendar": {"start": START, "horizon_days": 365, "warmup_days": 0},
            "grids": {"list": [{"id": f"G{i + 1}", "households": h, "issue_weight": w}
                               for i, (h, w) in enumerate(zip(HOUSEHOLDS, weights))]},
            "issue_types": {"request": {"rate_per_1000_households_per_week": 5.0, "service_time": 1.0}}}
    table = issues(build_scenario(data, Path("weighted.toml")), 7)
    # the total is unchanged by the weights: 5 per 1,000 households a week over 6,000 households for 365 days
    mu = 5.0 * sum(HOUSEHOLDS) / 1000 * 365 / 7
    assert stats.poisson.ppf(ALPHA / 2, mu) <= len(table.grid) <= stats.poisson.ppf(1 - ALPHA / 2, mu)
    expected = np.asarray(HOUSEHOLDS, float) * np.asarray(weights)
    counts = np.bincount(table.grid, minlength=len(HOUSEHOLDS))
    assert counts[0] == 0  # a weight of 0: no issue in that grid
    assert_shares(counts[1:], expected[1:], "per weighted grid")


def test_all_issue_weights_zero_is_refused():
    from sim.scenario import ScenarioError

    data = {"name": "none", "calendar": {"start": START, "horizon_days": 7},
            "grids": {"list": [{"id": "G1", "households": 10, "issue_weight": 0}]},
            "issue_types": {"request": {"rate_per_1000_households_per_week": 5.0, "service_time": 1.0}}}
    with pytest.raises(ScenarioError, match="issue_weight"):
        build_scenario(data, Path("none.toml"))


# ---------------------------------------------------------------- emergencies

E_RATES = {"hazard": 40.0, "request": 100.0}  # 240 and 600 issues a week
FLOOD = (70.0, 84.0)  # days; hazard x5
AFTERSHOCK = (77.0, 91.0)  # overlaps the flood's second week; hazard x2, so x10 in days 77-84
LULL_START = dt.datetime.combine(START + dt.timedelta(days=200), dt.time(6, 30))  # a local date-time
LULL = (200 + 6.5 / 24, 214 + 6.5 / 24)  # hazard x0.25, request x0.5
CURFEW = (280.0, 287.0)  # request x0 (a factor of 0 is allowed); hazard unaffected


@pytest.fixture(scope="module")
def emergency():
    sc = make_scenario(START, DAYS, {
        name: {"rate_per_1000_households_per_week": r, "service_time": 1.0} for name, r in E_RATES.items()
    }, profile=PROFILE, emergencies=[
        {"name": "flood", "start": FLOOD[0], "duration_days": 14, "multipliers": {"hazard": 5.0}},
        {"name": "aftershock", "start": START + dt.timedelta(days=77), "duration_days": 14, "multipliers": {"hazard": 2.0}},
        {"name": "lull", "start": LULL_START, "duration_days": 14, "multipliers": {"hazard": 0.25, "request": 0.5}},
        {"name": "curfew", "start": CURFEW[0], "duration_days": 7, "multipliers": {"request": 0.0}},
    ])
    # the loader's windows, in hours, are the documented ones
    windows = [sc.emergency_window(em) for em in sc.emergencies]
    want = [(FLOOD[0] * 24, FLOOD[1] * 24), (AFTERSHOCK[0] * 24, AFTERSHOCK[1] * 24),
            (LULL[0] * 24, LULL[1] * 24), (CURFEW[0] * 24, CURFEW[1] * 24)]
    assert windows == [pytest.approx(w) for w in want]
    return sc, issues(sc, 20240602)


def pieces(name: str) -> list[tuple[str, float, float, float]]:
    """(label, start hour, end hour, multiplier of ``name``) covering the whole horizon."""
    m = {
        "hazard": {"flood": 5.0, "flood+aftershock": 10.0, "aftershock": 2.0, "lull": 0.25, "curfew": 1.0},
        "request": {"flood": 1.0, "flood+aftershock": 1.0, "aftershock": 1.0, "lull": 0.5, "curfew": 0.0},
    }[name]
    cuts = [("before", 0.0, FLOOD[0], 1.0), ("flood", FLOOD[0], AFTERSHOCK[0], m["flood"]),
            ("flood+aftershock", AFTERSHOCK[0], FLOOD[1], m["flood+aftershock"]),
            ("aftershock", FLOOD[1], AFTERSHOCK[1], m["aftershock"]), ("between", AFTERSHOCK[1], LULL[0], 1.0),
            ("lull", LULL[0], LULL[1], m["lull"]), ("after lull", LULL[1], CURFEW[0], 1.0),
            ("curfew", CURFEW[0], CURFEW[1], m["curfew"]), ("after", CURFEW[1], float(DAYS), 1.0)]
    return [(label, a * 24, b * 24, mult) for label, a, b, mult in cuts]


@pytest.mark.parametrize("name", list(E_RATES))
def test_emergency_multipliers_scale_counts_inside_windows_only(emergency, name):
    _, table = emergency
    t = times(table, name)
    exp = hourly_expectation(START, DAYS, E_RATES[name], PROFILE)
    for label, a, b, m in pieces(name):
        n = int(((t >= a) & (t < b)).sum())
        mu = m * exp.between(a, b)
        if mu == 0:
            assert n == 0, f"{name} in {label}: {n} issues under a multiplier of 0"
        else:
            assert_poisson(n, mu, f"{name} in {label} (x{m})", max_rel_halfwidth=0.35)


def test_emergency_multiplier_keeps_the_hour_profile(emergency):
    # inside the flood the hazard rate is scaled, not flattened: hours still follow the profile
    _, table = emergency
    t = times(table, "hazard")
    t = t[(t >= FLOOD[0] * 24) & (t < AFTERSHOCK[1] * 24)]
    assert_shares(np.bincount(hour_of(t), minlength=24), np.asarray(HOUR), "hazard per hour during the flood",
                  min_cell=10.0)


def test_emergency_checks_have_power():
    # in every emergency piece, the count a plausible error would produce (the multiplier of the overlapping
    # emergency alone, no multiplier, or the other type's) lies outside the 99.9% acceptance interval
    exp = hourly_expectation(START, DAYS, E_RATES["hazard"], PROFILE)
    for label, a, b, m in pieces("hazard"):
        lo, hi = stats.poisson.interval(1 - ALPHA, m * exp.between(a, b))
        for wrong in {"flood": [1, 2, 10], "flood+aftershock": [2, 5, 7], "aftershock": [1, 5, 10], "lull": [1, 0.5]}.get(label, []):
            assert not lo <= wrong * exp.between(a, b) <= hi, (label, wrong)


def test_emergency_window_boundaries_are_sharp():
    # [start, start + duration) exactly: at 2,000 issues an hour the gap an intensity change leaves at a boundary
    # is ~1/2000 h, so a window off by even a minute shows; a x0 window must hold no issue at all
    start = dt.date(2022, 1, 5)
    sc = make_scenario(start, 3, {
        "burst": {"rate_per_1000_households_per_week": 2000 * 168 / 6.0, "service_time": 1.0},  # 2,000/h district
    }, emergencies=[
        {"name": "silence", "start": dt.datetime(2022, 1, 5, 12, 0), "duration_days": 0.5, "multipliers": {"burst": 0.0}},
        {"name": "surge", "start": 1.5, "duration_days": 0.25, "multipliers": {"burst": 3.0}},
    ])
    t = times(issues(sc, 20240604), "burst")
    assert not np.any((t >= 12.0) & (t < 24.0)), "issues inside a window with multiplier 0"
    eps = 1.0 / 60  # one minute: Poisson(33) issues expected on each side of each boundary, P(none) = e^-33
    assert np.any((t >= 12.0 - eps) & (t < 12.0)), "no issue in the minute before the x0 window"
    assert np.any((t >= 24.0) & (t < 24.0 + eps)), "no issue in the minute after the x0 window"
    for a, b, m in [(36.0 - 1, 36.0, 1.0), (36.0, 42.0, 3.0), (42.0, 43.0, 1.0)]:
        assert_poisson(int(((t >= a) & (t < b)).sum()), 2000.0 * (b - a) * m, f"burst in [{a}, {b}) x{m}")
    # per minute just inside and just outside the surge: x3 starts and ends on the minute
    for a, b, m in [(36.0 - eps, 36.0, 1.0), (36.0, 36.0 + eps, 3.0), (42.0 - eps, 42.0, 3.0), (42.0, 42.0 + eps, 1.0)]:
        assert_poisson(int(((t >= a) & (t < b)).sum()), 2000.0 * (b - a) * m, f"burst in [{a:.3f}, {b:.3f}) x{m}")


# ---------------------------------------------------------------- months

M_START = dt.date(2023, 7, 1)  # a Saturday; two years through a leap February (2024-02-29)
M_DAYS = 731  # 2023-07-01 .. 2025-06-30: every calendar month exactly twice
M_RATE = 300.0  # 1,800 issues a week
M_PROFILE = {"weekday": WEEKDAY, "month": MONTH}


@pytest.fixture(scope="module")
def seasonal():
    assert M_START + dt.timedelta(days=M_DAYS) == dt.date(2025, 7, 1)
    sc = make_scenario(M_START, M_DAYS, {
        "request": {"rate_per_1000_households_per_week": M_RATE, "service_time": 1.0},
    }, profile=M_PROFILE)
    return sc, issues(sc, 20240603)


def test_counts_per_month_follow_weights_and_month_lengths(seasonal):
    _, table = seasonal
    t = times(table, "request")
    months = month_of(t, M_START, M_DAYS)
    counts = np.bincount(months, minlength=12)
    # expected share of month j: weight_j x the days of month j in the run (here 28 + 29 for February)
    days = np.zeros(12)
    for d in range(M_DAYS):
        days[(M_START + dt.timedelta(days=d)).month - 1] += 1
    assert days[1] == 57 and days[0] == 62 and days[3] == 60
    # the weekday profile is not flat, so each month's exposure also depends on its mix of weekdays: use the integral
    exp = hourly_expectation(M_START, M_DAYS, M_RATE, M_PROFILE)
    assert_shares(counts, exp.by(exp.month, 12), "request per month")
    # the integral agrees with weights x days up to the months' weekday mix (a few percent at most)
    share_days = np.asarray(MONTH) * days
    assert np.allclose(exp.by(exp.month, 12) / exp.lam.sum(), share_days / share_days.sum(), rtol=0.06)


def test_month_profile_total_and_weekday_shares(seasonal):
    _, table = seasonal
    t = times(table, "request")
    exp = hourly_expectation(M_START, M_DAYS, M_RATE, M_PROFILE)
    # the integral of the documented intensity.  NB "each list is rescaled to mean 1" is over the twelve weights,
    # not weighted by the months' lengths, so the long-run rate is the nominal rate x sum(days_j w_j / mean w) /
    # total days: here 0.5% above it, which this interval (2% wide) cannot tell apart either way
    assert_poisson(len(t), exp.lam.sum(), "request total with a month profile", max_rel_halfwidth=0.02)
    assert_shares(np.bincount(weekday_of(t, M_START), minlength=7), exp.by(exp.weekday, 7), "request per weekday")
