"""Shared test oracles: what the model must do, computed independently of it.

- queueing theory: Erlang C and the non-preemptive priority formula;
- statistics: the Student-t 95% interval over replications, with a power check;
- schedule arithmetic from the calendar with datetime (weekdays, shifts, wartime hours);
- the invariants of one replication, one named check each (``check_invariants``
  runs them all): conservation, the drain, issue times, work within duty, tasks
  within their issues, work content, duty = schedule, wartime periods, the
  visiting cursor and who visits, and the backlog trigger.
(The periodic Markov chain of scheduled servers is in periodic_ctmc.py.)
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from scipy import stats

from sim.metrics import compute_metrics
from sim.model import simulate
from sim.scenario import ROLES, WEEKDAYS, Scenario
from sim.scenario.settling import settles_by_attempt

EPS = 1e-6
# the smallest valid scenario file: one grid, one issue type (bad-input cases add to it)
ONE_GRID = """\
name = "t"

[calendar]
start = 2024-01-01

[grids]
list = [{ id = "G1", households = 1000 }]

[issue_types.request]
rate_per_1000_households_per_week = 40
service_time = { dist = "exponential", mean = 1.0 }
"""
START = dt.date(2024, 1, 4)  # a Thursday: model time 0 is not a Monday midnight (the test district's start)


# ---------------------------------------------------------------- theory


def erlang_c(lam: float, mu: float, c: int) -> tuple[float, float]:
    """P(wait) and mean wait Wq of an M/M/c queue."""
    a = lam / mu
    rho = a / c
    top = a**c / math.factorial(c) / (1 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return p_wait, p_wait / (c * mu - lam)


def mmc_sobol_exact(box: list[list[float]], households: float = 1000.0,
                    nodes: int = 48) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """S1 and ST of an M/M/c queue's steady-state mean wait (Erlang C) and resolution time (wait + work), over the
    factors c (rounded half up, as gridsim's integer factors), the arrival rate per 1,000 households a week and the
    mean work time in hours, uniform on ``box``.  By their definitions (Var E[f | x_i] / Var f and
    E Var(f | x_~i) / Var f) on a tensor grid: each whole c with the share of [lo, hi] that rounds to it, the two
    rates at ``nodes`` Gauss-Legendre points (the functions are smooth below saturation: 24 and 48 nodes agree to
    1e-14).  No sampling, and no SALib: an independent check of how gridsim calls it."""
    (clo, chi), (rlo, rhi), (mlo, mhi) = box
    levels = np.arange(math.floor(clo + 0.5), math.floor(chi + 0.5) + 1)
    wc = np.array([min(k + 0.5, chi) - max(k - 0.5, clo) for k in levels])
    g, gw = np.polynomial.legendre.leggauss(nodes)
    rate, mean = rlo + (g + 1) * (rhi - rlo) / 2, mlo + (g + 1) * (mhi - mlo) / 2
    wait = np.array([[[erlang_c(r * households / 1000 / 168, 1 / m, int(c))[1] for m in mean] for r in rate]
                     for c in levels])
    w = (wc / wc.sum())[:, None, None] * (gw / 2)[None, :, None] * (gw / 2)[None, None, :]
    out = {}
    for metric, f in (("wait_hours_mean", wait), ("resolution_hours_mean", wait + mean[None, None, :])):
        mu = (w * f).sum()
        var = (w * (f - mu) ** 2).sum()
        s1, st = np.empty(3), np.empty(3)
        for i in range(3):
            others = tuple(j for j in range(3) if j != i)
            given_i = (w * f).sum(axis=others) / w.sum(axis=others)  # E[f | x_i]
            s1[i] = (w.sum(axis=others) * (given_i - mu) ** 2).sum() / var
            given_rest = (w * f).sum(axis=i, keepdims=True) / w.sum(axis=i, keepdims=True)  # E[f | x_~i]
            st[i] = (w * (f - given_rest) ** 2).sum() / var
        out[metric] = (s1, st)
    return out


def erlang_a(lam: float, mu: float, theta: float, c: int, states: int = 2000) -> float:
    """The abandonment probability of an M/M/c+M (Erlang-A) queue, from its birth-death chain: rate lam up,
    min(n, c) mu + max(n - c, 0) theta down; abandonments per hour theta E[(n - c)+] over arrivals lam."""
    n = np.arange(states)
    down = np.minimum(n[1:], c) * mu + np.maximum(n[1:] - c, 0) * theta
    log_p = np.concatenate([[0.0], np.cumsum(np.log(lam) - np.log(down))])
    p = np.exp(log_p - log_p.max())
    p /= p.sum()
    return float(theta * (np.maximum(n - c, 0) * p).sum() / lam)


def priority_waits(lams: list[float], m1: list[float], m2: list[float]) -> list[float]:
    """Cobham: mean wait per class (class 0 first) of a non-preemptive priority M/G/1 queue."""
    w0 = sum(lam * s2 for lam, s2 in zip(lams, m2)) / 2
    out, sigma = [], 0.0
    for lam, s1 in zip(lams, m1):
        prev = sigma
        sigma += lam * s1
        out.append(w0 / ((1 - prev) * (1 - sigma)))
    return out


# ---------------------------------------------------------------- statistics over replications


def ci95(values) -> tuple[float, float]:
    """Mean and half-width of the Student-t 95% interval over replications."""
    x = np.asarray(values, dtype=float)
    return float(x.mean()), float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))


def assert_in_ci(values, expected: float, max_rel_halfwidth: float, what: str) -> tuple[float, float]:
    mean, half = ci95(values)
    assert abs(mean - expected) <= half, (
        f"{what}: theory {expected:.4f} outside the 95% CI {mean:.4f} +- {half:.4f} (n={len(values)})"
    )
    assert half < max_rel_halfwidth * expected, (
        f"{what}: CI half-width {half:.4f} is {half / expected:.1%} of {expected:.4f}; the test has too little power"
    )
    return mean, half


# ---------------------------------------------------------------- independent schedule arithmetic


def weekday_of(t: float | np.ndarray, start: dt.date = START) -> np.ndarray:
    """Weekday (Mon = 0) of model times, from the calendar's start date with datetime arithmetic."""
    days = np.floor(np.asarray(t, dtype=float) / 24.0).astype(int)
    return np.array([(start + dt.timedelta(days=int(d))).weekday() for d in np.atleast_1d(days)])


def merge(intervals, tol: float = EPS) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for a, b in sorted((float(a), float(b)) for a, b in intervals):
        if b - a <= tol:
            continue
        if out and a <= out[-1][1] + tol:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def on_shift(t: float, days: set[int], start_hour: float, end_hour: float, start: dt.date) -> bool:
    day = math.floor(t / 24.0)
    h = t - 24.0 * day
    return (start + dt.timedelta(days=day)).weekday() in days and start_hour <= h < end_hour


def expected_duty(days: set[int], start_hour: float, end_hour: float, horizon: float, start: dt.date,
                  war: np.ndarray | None = None, war_hours: tuple[float, float] | None = None,
                  post_hours: tuple[float, float] | None = None,
                  window: tuple[float, float] = (-math.inf, math.inf)) -> list[tuple[float, float]]:
    """On-duty intervals of a weekly shift over [0, horizon]; inside the wartime periods ``war``
    the wartime hours (every day, ``war_hours``) add to the normal shift, and a post's hours
    (every day, ``post_hours``) are taken out of it (spent on the post); all of it only within
    ``window`` (a named role's start and end dates, in model hours)."""
    if war is None or (war_hours is None and post_hours is None):
        war = np.zeros((0, 2))
    cuts = {0.0, horizon}
    for d in range(int(horizon // 24) + 2):
        for h in (0.0, start_hour, end_hour) + (tuple(war_hours) if war_hours else ()) + (post_hours or ()):
            cuts.add(d * 24.0 + h)
    cuts.update(war.ravel().tolist())
    cuts.update(w for w in window if math.isfinite(w))
    cuts = sorted(c for c in cuts if 0.0 <= c <= horizon)
    pieces = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        mid = (a + b) / 2
        on = on_shift(mid, days, start_hour, end_hour, start)
        if any(s <= mid < e for s, e in war):
            if war_hours:
                on = on or on_shift(mid, set(range(7)), war_hours[0], war_hours[1], start)
            if post_hours:
                on = on and not on_shift(mid, set(range(7)), post_hours[0], post_hours[1], start)
        if on and window[0] <= mid < window[1]:
            pieces.append((a, b))
    return merge(pieces)


def role_shift(sc: Scenario, role: str):
    if role in sc.cadres.roles:
        return sc.cadres.roles[role]
    if role in ("grid_workers", "sunk", "police"):
        return getattr(sc.cadres, role)
    return getattr(sc.levels, role)


def role_name(r, c: int) -> str:
    """The role of cadre ``c``: a built-in role, or a named role of the scenario."""
    return (r.role_names or ROLES)[r.cadre_role[c]]


def role_window(sc: Scenario, role: str) -> tuple[float, float]:
    """A named role's [first hour, last hour) of service from its start and end dates (datetime arithmetic)."""
    spec = sc.cadres.roles.get(role)
    if spec is None:
        return -math.inf, math.inf
    day = lambda v: (v - sc.calendar.start).days if isinstance(v, dt.date) else v  # noqa: E731
    return (-math.inf if spec.start is None else 24.0 * day(spec.start),
            math.inf if spec.end is None else 24.0 * (day(spec.end) + 1))


def duty_by_cadre(r, rostered: bool = False) -> dict[int, list[tuple[float, float]]]:
    """Per cadre, its stretches on duty (``rostered``: with the shifts it missed)."""
    out: dict[int, list[tuple[float, float]]] = {c: [] for c in range(len(r.cadre_role))}
    cadre, start, end = r.cadre_duty(present_only=not rostered)
    for c, a, b in zip(cadre.tolist(), start.tolist(), end.tolist()):
        out[c].append((a, b))
    return out


def expected_sunk_days(sc: Scenario, r) -> dict[int, set[int]]:
    """Service days of each sunk cadre by the documented rule (scenario.Sunk): the j-th cadre
    of grid g takes days_per_cadre of the service days from position (g + j) * days_per_cadre
    onwards, cyclically."""
    spec = sc.cadres.sunk
    days = [WEEKDAYS.index(d) for d in spec.service_days]
    k = spec.days_per_cadre or len(days)
    out, rank = {}, {}
    for c in np.flatnonzero(r.cadre_role == ROLES.index("sunk")).tolist():
        g = int(r.cadre_home[c])
        j = rank[g] = rank.get(g, -1) + 1
        out[c] = {days[((g + j) * k + i) % len(days)] for i in range(k)}
    return out


def sunk_days_seen(sc: Scenario, r, duty: list[tuple[float, float]]) -> set[int]:
    """Weekdays on which a sunk cadre was on duty outside wartime."""
    seen = set()
    for a, b in duty:
        mid = (a + b) / 2
        if not any(s - EPS <= mid <= e + EPS for s, e in r.mobilised):
            seen.add(int(weekday_of(mid, sc.calendar.start)[0]))
    return seen


# ---------------------------------------------------------------- the invariants, one check each


def check_invariants(sc: Scenario, r) -> None:
    """Every invariant of one replication (each check below is also usable alone)."""
    check_conservation(r)
    check_drain(sc, r)
    check_issue_times(sc, r)
    duty = duty_by_cadre(r)
    check_work_within_duty(r, duty)
    check_overtime(sc, r, duty)
    check_tasks_within_issues(r)
    check_work_content(sc, r)
    check_duty_is_schedule(sc, r, duty_by_cadre(r, rostered=True))
    check_wartime_periods(r)
    check_visiting_cursor(sc, r)
    check_visitors(sc, r, duty)
    check_emergency_tasks(r, duty)
    check_hours_add_up(r)
    check_types_taken(sc, r)


def check_conservation(r) -> None:
    """Per grid and type, counted from the model's live state at the horizon: every issue in one place."""
    cons = r.conservation()
    assert cons.shape == (r.district.n, len(r.issues.type_names))
    assert not cons.any(), f"issues lost or duplicated per (grid, type):\n{cons}"
    assert (r.location_count == 1).all(), "an issue is in no place, or in two"


def check_drain(sc: Scenario, r) -> None:
    """The drain goes on until every issue of the window is resolved (or gone as a petition), or to its
    limit, and no longer."""
    H, E = r.horizon, r.run_end
    occur, end = r.issues.occur, r.left
    counted_open = (occur >= r.warmup) & np.isnan(end)
    limit = H + sc.calendar.drain_days * 24.0
    assert E == pytest.approx(limit) if counted_open.any() else E <= limit + EPS
    if E > H + EPS and not counted_open.any():
        assert E == pytest.approx(np.nanmax(end[occur >= r.warmup])), "the drain went on after its last issue"


def petitioned(r) -> np.ndarray:
    """Per issue, whether it left the district's workflow as a petition (worsens_to)."""
    return ~np.isnan(r.petition) if r.petition.size else np.zeros(len(r.report), bool)


def check_issue_times(sc: Scenario, r) -> None:
    """occur <= report <= start <= end, within the run; levels and discovery consistent."""
    H, E = r.horizon, r.run_end
    occur, report, start, end = r.issues.occur, r.report, r.start, r.end
    assert np.all((occur >= 0) & (occur < H))
    assert np.all(np.diff(occur) >= 0)
    known = ~np.isnan(report)
    assert np.all(report[known] >= occur[known] - EPS)
    assert np.all(report[known] <= E)
    assert np.all(np.isnan(start[~known])), "an unreported issue was started"
    st = ~np.isnan(start)
    assert np.all(start[st] >= report[st] - EPS), "start before report (negative wait)"
    assert np.all(start[st] <= E)
    done = ~np.isnan(end)
    assert np.all(st[done]), "an issue resolved without being started"
    assert np.all(end[done] >= start[done] - EPS)
    assert np.all(end[done] <= E + EPS)
    assert np.all((r.resolved_level >= 0) == done)
    assert np.all(r.resolved_level[done] == r.issues.level[done])
    assert np.all(~r.found_by_visit | known)
    if not sc.visits.enabled:
        assert not r.found_by_visit.any()
    vis = ~r.issues.hidden  # reported on arrival (to rounding: SimPy adds a delay to the clock)
    assert np.allclose(report[vis], occur[vis], rtol=0, atol=1e-9), "a visible issue is reported late"


def overtime_by_cadre(r) -> dict[int, list[tuple[float, float]]]:
    """Per cadre with overtime, its stretches of it (issue_types.NAME.finish_before_leaving)."""
    out: dict[int, list[tuple[float, float]]] = {}
    for c, a, b in r.overtime.tolist():
        out.setdefault(int(c), []).append((a, b))
    return out


def check_work_within_duty(r, duty: dict[int, list[tuple[float, float]]]) -> None:
    """No cadre works off duty (but in overtime: check_overtime), starts work as a shift ends, or does two
    things at once."""
    E, n = r.run_end, len(r.report)
    ws, we, wc, wi = r.work_start, r.work_end, r.work_cadre, r.work_issue
    assert np.all(we >= ws - EPS)
    assert np.all((ws >= -EPS) & (we <= E + EPS))
    bad = (wi < 0) | (wi >= n)
    assert not bad.any(), f"task rows for no issue (issue {wi[bad][:3]}) at {ws[bad][:3]}"
    assert np.all((wc >= 0) & (wc < len(r.cadre_role)))
    for c, rows in duty.items():
        rows.sort()
        for (a0, b0), (a1, b1) in zip(rows, rows[1:]):
            assert a1 >= b0 - EPS, f"cadre {c}: overlapping duty intervals {(a0, b0)} {(a1, b1)}"
        for a, b in rows:
            assert -EPS <= a <= b + EPS and b <= E + EPS
    over = overtime_by_cadre(r)
    for c in np.unique(wc).tolist():
        sel = np.flatnonzero(wc == c)
        iv = sorted(zip(ws[sel].tolist(), we[sel].tolist()))
        rows = merge(duty[c] + over[c]) if c in over else duty[c]  # overtime goes on from a shift's end
        for a, b in iv:
            # inside a duty interval, and not starting at its very end (no work starts as a shift ends)
            assert any(s - EPS <= a < e - 1e-9 and b <= e + EPS for s, e in rows), (
                f"cadre {c} ({role_name(r, c)}) works {a:.4f}-{b:.4f} outside its duty intervals"
            )
        for (a0, b0), (a1, b1) in zip(iv, iv[1:]):
            assert a1 >= b0 - EPS, f"cadre {c} does two things at once: {(a0, b0)} and {(a1, b1)}"


def check_overtime(sc: Scenario, r, duty: dict[int, list[tuple[float, float]]]) -> None:
    """Overtime is work past a shift's end on an issue of a type finished before leaving, and nothing else.

    Each stretch of overtime begins as one of its cadre's duty stretches ends, lies off duty and inside
    one stretch of the cadre's work on such an issue, and ends as that work ends (done), as the cadre's
    next shift starts, or as the run stops.  There is overtime only if some type allows it; and work on
    such an issue is never cut at a shift end with its step unfinished (held over or handed back)."""
    stays = np.array([sc.issue_types[n].finish_before_leaving for n in r.issues.type_names], bool)
    assert r.overtime_possible == bool(stays.any())
    assert r.overtime_possible or not r.overtime.size
    ws, we, wc, wi = r.work_start, r.work_end, r.work_cadre, r.work_issue
    for c, s, e in r.overtime.tolist():
        c = int(c)
        what = f"cadre {c} ({role_name(r, c)}) in overtime {s:.4f}-{e:.4f}"
        assert e >= s - EPS and e <= r.run_end + EPS, what
        assert any(abs(b - s) <= EPS for _, b in duty[c]), f"{what}: it does not begin as a shift ends"
        assert measure(clip(duty[c], s, e)) <= EPS, f"{what}: on duty at the same time"
        k = np.flatnonzero((wc == c) & (ws < s - 1e-9) & (we >= e - EPS))
        assert k.size == 1, f"{what}: no work under way from before the shift's end through it"
        kind = r.issues.type[wi[k[0]]]
        assert stays[kind], f"{what}: on an issue of type {r.issues.type_names[kind]}, not finished before leaving"
        assert abs(e - we[k[0]]) <= EPS or abs(e - r.run_end) <= EPS or any(abs(a - e) <= EPS for a, _ in duty[c]), \
            f"{what}: it ends neither as the work ends, nor as a shift starts, nor at the run's end"
    order, mid = mid_step_rows(sc, r)
    ti, te = r.work_issue[order], r.work_end[order]
    cut = mid & stays[r.issues.type[ti]] & (te < r.run_end - 1e-9)
    assert not cut.any(), (f"work on issue {ti[cut][0]} (finished before leaving) stopped at {te[cut][0]:.4f} with "
                           "its step unfinished")


def check_tasks_within_issues(r) -> None:
    """Tasks lie within their issue's [start, end], and one issue is worked by one cadre at a time."""
    ti, ts, te = r.work_issue, r.work_start, r.work_end
    done = ~np.isnan(r.end)
    stop = np.where(done, r.end, r.run_end)
    assert np.all(ts >= r.start[ti] - EPS) and np.all(te <= stop[ti] + EPS)
    order = np.lexsort((ts, ti))
    same = ti[order][1:] == ti[order][:-1]
    assert np.all(ts[order][1:][same] >= te[order][:-1][same] - EPS), "an issue worked by two cadres at once"


def check_work_content(sc: Scenario, r) -> None:
    """A resolved issue got exactly its work content (intake if escalated, service, travel if pooled)."""
    n = len(r.report)
    ti, ts, te = r.work_issue, r.work_start, r.work_end
    done = ~np.isnan(r.end)
    work_on = np.zeros(n)
    np.add.at(work_on, ti, te - ts)
    steps = work_steps(sc, r)
    content = steps.sum(axis=1)
    pooled = sc.dispatch.rule == "community_pool"
    by_distance = sc.dispatch.travel == "distance"  # police officers travel too; each stint its own trip
    stints = np.zeros(n)
    np.add.at(stints, ti, 1)
    trip = np.full(n, r.issues.travel.max(initial=0.0)) if by_distance else r.issues.travel
    # an issue that went up by itself skipped the work of the levels it waited at: its work is one of those
    up = r.worsened if r.worsened.size else np.zeros(n, bool)
    if up.any() and not (pooled or by_distance):
        alt = np.stack([kept.sum(axis=1) for kept in (steps, *skipped(steps))], axis=1)[up & done]
        assert np.any(np.abs(alt - work_on[up & done][:, None]) <= 1e-6, axis=1).all(), \
            "an issue that went up by itself got the wrong amount of work"
    done = done & ~up
    if not (pooled or by_distance):
        assert np.allclose(work_on[done], content[done], atol=1e-6), "resolved issue got the wrong amount of work"
        assert np.all(work_on[~done] <= content[~done] + 1e-6)
        return
    assert np.all(work_on >= np.where(done, content, 0.0) - 1e-6)
    assert np.all(work_on <= content + stints * trip + 1e-6), "an issue got more work than its content and trips"


def check_duty_is_schedule(sc: Scenario, r, duty: dict[int, list[tuple[float, float]]]) -> None:
    """Each cadre's duty is its weekly schedule, plus the wartime hours while wartime duty is in force
    (from mobilisation to the end of wartime), minus a post's hours for those who hold one."""
    if sc.wartime.trigger == "off":
        assert len(r.wartime) == 0
    sunk_days = expected_sunk_days(sc, r)
    for c, rows in duty.items():
        want = cadre_schedule(sc, r, c, r.run_end, r.mobilised, sunk_days)
        got = merge(rows)
        assert len(got) == len(want) and np.allclose(got, want, atol=1e-6), (
            f"cadre {c} ({role_name(r, c)}): duty {got[:6]}... differs from the schedule {want[:6]}..."
        )


def cadre_schedule(sc: Scenario, r, c: int, until: float, war: np.ndarray,
                   sunk_days: dict[int, set[int]] | None = None) -> list[tuple[float, float]]:
    """Cadre c's on-duty intervals over [0, until] by its schedule, with wartime duty in force over the
    periods ``war`` (its role's wartime hours added, its post's hours taken out)."""
    wt = sc.wartime
    role = role_name(r, c)
    group = r.group_names[r.cadre_group[c]]
    spec = sc.levels.department.units[group.removeprefix("department ")] if group.startswith("department ") \
        else role_shift(sc, role)
    days = (sunk_days or expected_sunk_days(sc, r))[c] if role == "sunk" else {WEEKDAYS.index(d) for d in spec.days}
    war_hours = (wt.start_hour, wt.end_hour) if wt.trigger != "off" and role in wt.roles else None
    post = wt.posts[int(group.rsplit(" ", 1)[1]) - 1] if " on post " in group else None
    return expected_duty(days, spec.start_hour, spec.end_hour, until, sc.calendar.start, war,
                         war_hours, (post.start_hour, post.end_hour) if post else None, role_window(sc, role))


def check_wartime_periods(r) -> None:
    """Wartime periods are ordered, disjoint and inside the run."""
    wp = r.wartime
    assert wp.shape[1] == 2
    assert np.all(wp[:, 1] >= wp[:, 0]) and np.all(wp[:, 0] >= 0) and np.all(wp[:, 1] <= r.run_end + EPS)
    assert np.all(wp[1:, 0] >= wp[:-1, 1])


def check_visiting_cursor(sc: Scenario, r) -> None:
    """Each grid's visiting cursor never goes back, and stays at 0 when visits are off."""
    assert len(r.visit_times) == r.district.n
    for t, v in zip(r.visit_times, r.visit_values):
        assert len(t) == len(v)
        assert np.all(np.diff(t) >= -EPS), "visit cursor times go back"
        assert np.all(np.diff(v) >= -EPS), "visit cursor goes back"
    if not sc.visits.enabled:
        assert all(np.all(v == 0) for v in r.visit_values)


def _covers(intervals: list[tuple[float, float]], t: np.ndarray) -> np.ndarray:
    """Whether each time in ``t`` lies inside one of the (disjoint) ``intervals``."""
    if not intervals:
        return np.zeros(len(t), bool)
    iv = np.array(sorted(intervals))
    k = np.searchsorted(iv[:, 0], t, side="right") - 1
    return (k >= 0) & (t < iv[np.maximum(k, 0), 1])


def check_visitors(sc: Scenario, r, duty: dict[int, list[tuple[float, float]]]) -> None:
    """The cursor's slope is pace x (visiting cadres of the grid on duty and not on a task),
    and zero when visits are off or paused by wartime: nobody visits off duty.  In "scheduled"
    mode a free cadre out of its reserve visits at its idle pace share, so the slope lies between
    pace x (those cadres at their idle shares) and pace x (those cadres)."""
    pace = sc.visits.households_per_hour
    names = r.role_names or ROLES
    visiting_role = {names.index(x) for x in ("grid_workers", "sunk", *sc.cadres.roles) if role_shift(sc, x).visits}
    paused = r.mobilised if (sc.wartime.pause_visits and sc.wartime.trigger != "off") else np.zeros((0, 2))
    tasks: dict[int, list[tuple[float, float]]] = {}
    for c, a, b in zip(r.work_cadre.tolist(), r.work_start.tolist(), r.work_end.tolist()):
        tasks.setdefault(c, []).append((a, b))
    for c, a, b in zip(r.task_cadre.tolist(), r.task_start.tolist(), r.task_end.tolist()):
        tasks.setdefault(c, []).append((a, b))  # on an emergency task: not visiting either
    for g, (t, v) in enumerate(zip(r.visit_times, r.visit_values)):
        dt_ = np.diff(t)
        seg = dt_ > 1e-3
        if not seg.any():
            continue
        mid = (t[:-1] + t[1:])[seg] / 2
        slope = np.diff(v)[seg] / dt_[seg] / pace
        want = np.zeros(len(mid))
        least = np.zeros(len(mid))  # in "scheduled" mode, a free cadre out of its reserve visits at its idle share
        if sc.visits.enabled:
            for c in np.flatnonzero((r.cadre_home == g) & np.isin(r.cadre_role, list(visiting_role))).tolist():
                free = _covers(duty[c], mid) & ~_covers(tasks.get(c, []), mid)
                want += free
                least += free * sc.visits.idle_pace(role_shift(sc, names[r.cadre_role[c]]).idle_pace_share)
            off = _covers([tuple(p) for p in paused], mid)
            want[off] = least[off] = 0
        bad = np.flatnonzero((slope > want + 1e-4) | (slope < least - 1e-4))
        assert not bad.size, (
            f"grid {g}: visiting speed {slope[bad[0]]:.4f} x pace at t={mid[bad[0]]:.3f}, "
            f"but {want[bad[0]]:.0f} visiting cadres are on duty and idle ({bad.size} such segments)"
        )


def check_emergency_tasks(r, duty: dict[int, list[tuple[float, float]]]) -> None:
    """Stretches on emergency tasks lie within duty, never overlap issue work or each other, and add up
    (inside the window) to the hours each task reports."""
    a, b = r.warmup, r.horizon
    for c in np.unique(r.task_cadre).tolist():
        sel = r.task_cadre == c
        on_task = sorted(zip(r.task_start[sel].tolist(), r.task_end[sel].tolist()))
        for s, e in on_task:
            assert any(ds - EPS <= s and e <= de + EPS for ds, de in duty[c]), f"cadre {c} on a task off duty"
        work = r.work_cadre == c
        both = sorted(on_task + list(zip(r.work_start[work].tolist(), r.work_end[work].tolist())))
        for (a0, b0), (a1, b1) in zip(both, both[1:]):
            assert a1 >= b0 - EPS, f"cadre {c} on a task and on something else at once: {(a0, b0)} {(a1, b1)}"
    for k in range(len(r.task_names)):
        sel = r.task_index == k
        in_window = np.clip(np.minimum(r.task_end[sel], b) - np.maximum(r.task_start[sel], a), 0, None).sum()
        assert in_window == pytest.approx(r.tasks[k, 5], abs=1e-6), (r.task_names[k], in_window, r.tasks[k, 5])


def check_types_taken(sc: Scenario, r) -> None:
    """Cadres of a named role with ``types`` work only on issues of those types."""
    for name, spec in sc.cadres.roles.items():
        if spec.types is None:
            continue
        mine = r.cadre_role[r.work_cadre] == r.role_names.index(name)
        worked = {r.issues.type_names[k] for k in np.unique(r.issues.type[r.work_issue[mine]]).tolist()}
        assert worked <= set(spec.types), f"{name} (types {spec.types}) worked on {sorted(worked - set(spec.types))}"


def check_hours_add_up(r) -> None:
    """Issues, visits, posts and tasks take disjoint parts of the hours on duty: together no more than them."""
    m = compute_metrics(r)
    used = (m["cadre_hours_on_issues"] + m["cadre_hours_visiting"] + m.get("wartime_post_hours", 0.0)
            + m.get("cadre_hours_on_tasks", 0.0))
    assert used <= m["cadre_hours_on_duty"] * (1 + 1e-9) + 1e-6, (used, m["cadre_hours_on_duty"])


def run_checked(sc: Scenario, seed: int = 0):
    r = simulate(sc, np.random.SeedSequence(seed))
    check_invariants(sc, r)
    return r


# ---------------------------------------------------------------- the backlog trigger


def backlog_steps(r) -> tuple[np.ndarray, np.ndarray]:
    """Times at which the backlog of known open issues changes, and its value just after."""
    known = ~np.isnan(r.report)
    rep = r.report[known]
    left = np.where(petitioned(r), r.petition if r.petition.size else np.nan, r.end)  # resolved, or a petition
    end = left[~np.isnan(left)]
    times = np.concatenate([rep, end])
    step = np.concatenate([np.ones(len(rep)), -np.ones(len(end))])
    order = np.argsort(times, kind="stable")
    times, level = times[order], np.cumsum(step[order])
    # collapse simultaneous changes to the value after all of them
    last = np.r_[times[1:] != times[:-1], True] if len(times) else np.zeros(0, bool)
    return times[last], level[last]


def check_backlog_trigger(sc: Scenario, r) -> int:
    n_grids = r.district.n
    enter = sc.wartime.enter_backlog_per_grid * n_grids
    leave = sc.wartime.exit_backlog_per_grid * n_grids
    times, level = backlog_steps(r)

    def value_at(t: float) -> float:  # just after t
        k = np.searchsorted(times, t, side="right") - 1
        return level[k] if k >= 0 else 0.0

    def value_before(t: float) -> float:
        k = np.searchsorted(times, t, side="left") - 1
        return level[k] if k >= 0 else 0.0

    wp = r.wartime
    for s, e in wp:
        assert s in set(times.tolist()), f"wartime starts at {s}, not at a change of the backlog"
        assert value_at(s) > enter and value_before(s) <= enter, (
            f"wartime started at {s} with backlog {value_before(s)} -> {value_at(s)}, threshold {enter}")
        if e < r.run_end:
            assert value_at(e) < leave and value_before(e) >= leave, (
                f"wartime ended at {e} with backlog {value_before(e)} -> {value_at(e)}, threshold {leave}")
        inside = (times > s) & (times < e)
        assert np.all(level[inside] >= leave), "backlog fell below the exit level but wartime went on"
    # outside wartime the backlog never exceeds the entry level
    in_war = np.zeros(len(times), bool)
    for s, e in wp:
        in_war |= (times >= s) & ((times < e) | (e >= r.run_end))  # a wartime the run's end closed includes it
    assert np.all(level[~in_war] <= enter), "backlog exceeded the entry level without wartime"
    return len(wp)


# ---------------------------------------------------------------- invariants of the features (issue 28)
# Held tasks, reserved visits, posts, tasks and the SLA, checked from the Records (and the scenario).
# Where the Records lack a field for the full invariant, the check is the strongest they allow; the
# docstring names the field that would complete it.

TOL = 1e-6


def check_feature_invariants(sc: Scenario, r) -> None:
    """The invariants of issue 28 (each usable alone): held tasks, visits within reserve + idle time,
    hours that add up, SLA attainment within completion.  No work off duty is check_work_within_duty."""
    duty = duty_by_cadre(r)
    m = compute_metrics(r)
    check_held_tasks(sc, r, duty)
    check_visits_within_free_time(sc, r, duty)
    check_hours_balance(sc, r, duty, m)
    check_sla_within_completion(sc, r, m)


def measure(intervals) -> float:
    return sum(b - a for a, b in merge(intervals, tol=0.0))


def clip(intervals, lo: float, hi: float) -> list[tuple[float, float]]:
    return [(max(a, lo), min(b, hi)) for a, b in intervals if min(b, hi) > max(a, lo)]


def subtract(base, cut) -> list[tuple[float, float]]:
    """The parts of the intervals ``base`` outside every interval of ``cut``: the pieces between
    consecutive end points of either whose middle ``base`` covers and ``cut`` does not."""
    points = np.unique(np.array([x for iv in (*base, *cut) for x in iv], dtype=float))
    if points.size < 2:
        return []
    mid = (points[:-1] + points[1:]) / 2
    keep = _covers(merge(base, tol=0.0), mid) & ~_covers(merge(cut, tol=0.0), mid)
    return merge(zip(points[:-1][keep], points[1:][keep]), tol=0.0)


def work_steps(sc: Scenario, r) -> np.ndarray:
    """Per issue, the work of each of its steps in order: (intake or the grid's attempt, the community's
    and the street's attempts when passed on, the resolving work, the feedback).  An issue settled by
    attempt (resolve_chance, sunk cadres' department_types) did the attempt of every level up to the one
    that settled it, and the resolving work only at the department; a direct issue a sunk cadre settled at
    the grid (department_types) did the department's work there (its service), with no intake."""
    t = r.issues
    up = t.level > 0
    by_attempt = np.array([settles_by_attempt(sc, name) for name in t.type_names], bool)[t.type]
    steps = np.zeros((len(t), 5))
    # direct: 0 means no intake step; sequential: the grid's attempt
    steps[:, 0] = np.where(up | by_attempt, t.intake, 0.0)
    if t.attempts.shape[1]:
        for k in range(2):
            passed = np.where(by_attempt, t.level > k, t.sequential & (t.level > k + 1))
            steps[:, 1 + k] = np.where(passed, t.attempts[:, k], 0.0)
    steps[:, 3] = np.where(by_attempt & (t.level < 3), 0.0, t.service)
    if t.feedback.size:
        steps[:, 4] = np.where(up, t.feedback, 0.0)
    return steps


def step_ends(sc: Scenario, r) -> np.ndarray:
    """Per issue, the work done when each of its steps (work_steps) is done, 0 first.  An issue that went up
    by itself skipped the step of each level it waited at (the intake or the grid's attempt, the community's
    or the street's attempt): for it, the ends of every such skip too."""
    steps = work_steps(sc, r)
    ends = np.concatenate([np.zeros((len(steps), 1)), np.cumsum(steps, axis=1)], axis=1)
    if not r.worsened.any():
        return ends
    alt = np.concatenate([np.cumsum(kept, axis=1) for kept in skipped(steps)], axis=1)
    return np.concatenate([ends, np.where(r.worsened[:, None], alt, ends[:, :1])], axis=1)


def skipped(steps: np.ndarray) -> list[np.ndarray]:
    """The steps of ``work_steps`` with each non-empty set of the first three (a level's step an issue that
    went up by itself skipped: the intake or the grid's attempt, the community's, the street's) left out."""
    out = []
    for skip in range(1, 8):
        kept = steps.copy()
        kept[:, [k for k in range(3) if skip >> k & 1]] = 0.0
        out.append(kept)
    return out


def mid_step_rows(sc: Scenario, r) -> tuple[np.ndarray, np.ndarray]:
    """Work rows in issue order (by issue, then start) and whether each ends with its step unfinished
    (the work so far strictly between two step ends).  Issues a pooled cadre travelled for are left out
    (marked False): a trip cut by a shift end is paid again by the next cadre, so the work done tells
    nothing of the step."""
    ti, ts, te, tc = r.work_issue, r.work_start, r.work_end, r.work_cadre
    order = np.lexsort((ts, ti))
    d = (te - ts)[order]
    cum = np.cumsum(d)
    first = np.r_[True, ti[order][1:] != ti[order][:-1]] if order.size else np.zeros(0, bool)
    cum -= (cum - d)[np.maximum.accumulate(np.where(first, np.arange(order.size), 0))]
    ends = step_ends(sc, r)[ti[order]]
    mid = ~np.any(np.abs(ends - cum[:, None]) <= TOL, axis=1)
    home = r.cadre_home[tc]
    away = (home >= 0) & (home != r.issues.grid[ti]) if sc.dispatch.rule == "community_pool" \
        else np.zeros(ti.size, bool)
    if sc.dispatch.travel == "distance":
        away |= r.cadre_role[tc] == ROLES.index("police")
    travelled = np.zeros(len(r.report), bool)
    travelled[ti[away]] = True
    return order, mid & ~travelled[ti[order]]


class CadreTime:
    """Per cadre, what of its time on duty is not free for an issue waiting in its unit: its work, its
    emergency tasks, and an upper bound of its reserved visits (visits.mode = "scheduled", campaigns).

    The Records hold no per-cadre reserve log, so the reserve is bounded from the scenario: at the start
    of each duty stretch, at each midnight inside it and at each campaign start, the larger of the visit
    reserve and the campaign's share of what is left of the stretch (of 24 h when a change of wartime
    mode or the end of the run fell in the stretch, which the model could not foresee)."""

    def __init__(self, sc: Scenario, r, duty: dict[int, list[tuple[float, float]]]):
        self.sc, self.r, self.duty = sc, r, duty
        self.cuts = np.concatenate([r.wartime.ravel(), r.mobilised.ravel(), [r.run_end]])
        self._busy: dict[int, list[tuple[float, float]]] = {}

    def busy(self, c: int) -> list[tuple[float, float]]:
        if c not in self._busy:
            r = self.r
            work, task = r.work_cadre == c, r.task_cadre == c
            self._busy[c] = merge(list(zip(r.work_start[work].tolist(), r.work_end[work].tolist()))
                                  + list(zip(r.task_start[task].tolist(), r.task_end[task].tolist()))
                                  + self.reserves(c), tol=0.0)
        return self._busy[c]

    def reserves(self, c: int) -> list[tuple[float, float]]:
        sc, r = self.sc, self.r
        role = role_name(r, c)
        if not getattr(role_shift(sc, role), "visits", False) or r.cadre_home[c] < 0:
            return []
        home = r.district.ids[r.cadre_home[c]]
        mine = [(*sc.emergency_window(cp), cp.share) for cp in sc.campaigns
                if role in cp.roles and (not cp.grids or home in cp.grids)]
        out = []
        for s, e in self.duty[c]:
            # a change of wartime mode during the stretch changed its schedule: planned at its start, the
            # reserve may be a share of a longer stretch than the one served
            cut = bool(np.any((self.cuts > s + 1e-9) & (self.cuts <= e + 1e-9)))
            starts = [s] + [24.0 * d for d in range(math.floor(s / 24) + 1, math.ceil(e / 24))] \
                + [a for a, _, _ in mine if s < a < e]
            for t in starts:
                left = 24.0 if cut else e - t
                share = max((x for a, b, x in mine if a <= t < b), default=0.0)
                out.append((t, t + max(sc.visits.reserved_hours(min(left, 24.0)), share * left)))
        return out

    def free(self, c: int, lo: float, hi: float) -> float:
        """Hours in (lo, hi) the cadre was present on duty and neither working, on a task nor reserved."""
        return measure(subtract(clip(self.duty[c], lo, hi), self.busy(c)))


def unit_mates(sc: Scenario, r, c: int, i: int) -> np.ndarray:
    """The cadres of issue i's grid unit that take its type (c, a cadre living in grids, served it there):
    the cadres living in its grid, or in its community under pooled dispatch."""
    homed = [k for k, name in enumerate(r.role_names or ROLES) if name in ("grid_workers", "sunk", *sc.cadres.roles)]
    home = r.cadre_home
    g = r.issues.grid[i]
    same = (home == g) if sc.dispatch.rule == "own_grid" else \
        (home >= 0) & (r.district.community[np.maximum(home, 0)] == r.district.community[g])
    kind = r.issues.type_names[r.issues.type[i]]
    takes = np.array([(spec := sc.cadres.roles.get(role_name(r, k))) is None or spec.types is None or kind in spec.types
                      for k in range(len(home))], bool)
    return np.flatnonzero(same & np.isin(r.cadre_role, homed) & takes)


def next_shift(sc: Scenario, r, c: int, t: float, stop_at: float) -> float:
    """When cadre c, going off duty at t, is next on duty by the schedule in force at t (its wartime
    schedule if wartime duty is in force then, kept from then on), or inf if not before ``stop_at``."""
    war = np.array([[s, 2 * stop_at + 48.0] for s, e in r.mobilised.tolist() if s <= t < e]).reshape(-1, 2)
    return next((a for a, _ in cadre_schedule(sc, r, c, stop_at, war) if t + 1e-9 < a < stop_at), math.inf)


def check_held_tasks(sc: Scenario, r, duty: dict[int, list[tuple[float, float]]]) -> None:
    """Every held task is eventually resumed or handed back.

    A stretch of work that ends with its step unfinished (``mid_step_rows``) before the end of the run
    ends exactly as its cadre goes off duty (nothing else stops work).  Until the issue's next stretch
    of work (or the run's end) the task waits.  With ``resume``, when the cadre's schedule at that
    moment has a next shift within the run (before the drain's limit), in its cadre's hand: so that
    cadre (a) does nothing else before it resumes the task, (b) has no free time on duty before it
    does, (c) is the one who resumes it, and (d) does have a shift again before the run ends (else the
    task was held forever).  Otherwise (``handback``, or no next shift in the run) in its unit's queue:
    neither its last cadre nor any other cadre of its grid unit that takes its type has free time on
    duty while it waits.

    Partial: the Records do not say where an issue is (whose hand, which queue) at the run's end, only
    how many places hold it at the horizon (``location_count``); nor when a cadre was reserved for
    visits (bounded by ``CadreTime``); and unit membership of police and office staff is not recorded,
    so for them only the last cadre is checked.  The full invariant needs a hold log (cadre, issue,
    from, to, and how it ended: resumed, handed back, run end) and per-issue ``place_at_run_end``.
    """
    if not r.work_issue.size:
        return
    order, mid = mid_step_rows(sc, r)
    ti, ts, te, tc = (x[order] for x in (r.work_issue, r.work_start, r.work_end, r.work_cadre))
    stop_at = r.horizon + sc.calendar.drain_days * 24.0
    time = CadreTime(sc, r, duty)
    rostered = duty_by_cadre(r, rostered=True)
    by_cadre = np.lexsort((r.work_start, r.work_cadre))
    homed = {"grid_workers", "sunk", *sc.cadres.roles}
    for k in np.flatnonzero(mid & (te < r.run_end - 1e-9)).tolist():
        i, c, t = int(ti[k]), int(tc[k]), float(te[k])
        who = f"issue {i} ({r.issues.type_names[r.issues.type[i]]}), cadre {c} ({role_name(r, c)})"
        assert any(abs(e - t) <= TOL for _, e in duty[c]), (
            f"{who}: work stopped at {t:.6f} with its step unfinished while the cadre stayed on duty")
        again = k + 1 < ti.size and ti[k + 1] == i
        until = float(ts[k + 1]) if again else r.run_end
        held = sc.dispatch.at_shift_end == "resume" and next_shift(sc, r, c, t, stop_at) < stop_at
        if held and not any(a > t + 1e-9 for a, _ in duty[c]):
            # the cadre is never on duty again in the run: the task went back to its unit's queue
            # (Duty.give_back_held) at the end of its last shift, from which it was absent, or at the
            # change of wartime duty that left it no shift; it waits there from then on
            later = [b for a, b in rostered[c] if a > t + 1e-9]
            changes = [x for x in r.mobilised.ravel().tolist() if x > t + 1e-9]
            assert later or changes or r.run_end < stop_at - 1e-9, (
                f"{who}: held at {t:.4f} (resume) with a next shift by its schedule then, but the cadre had no "
                f"shift again before the run ended at {r.run_end:.4f}: held forever")
            if later or changes:
                held, t = False, max(later) if later else min(changes)
        if held:  # a change of wartime duty while it waits that leaves the cadre no shift: given back then
            for x in sorted(x for x in r.mobilised.ravel().tolist() if t + 1e-9 < x <= until + 1e-9):
                if next_shift(sc, r, c, x, stop_at) >= stop_at:
                    held, t = False, x
                    break
        if held:
            pos = int(np.searchsorted(r.work_cadre[by_cadre], c, side="right"))  # c's rows end before pos
            later = [j for j in by_cadre[:pos].tolist() if r.work_cadre[j] == c and r.work_start[j] >= t - 1e-9]
            assert not later or r.work_issue[later[0]] == i, (
                f"{who}: held at {t:.4f} (resume), but the cadre worked on issue {r.work_issue[later[0]]} at "
                f"{r.work_start[later[0]]:.4f} first")
            assert not again or tc[k + 1] == c, f"{who}: held at {t:.4f} (resume), resumed by cadre {tc[k + 1]}"
            assert again or r.run_end < stop_at - 1e-9 or any(a > t + 1e-9 for a, _ in rostered[c]), (
                f"{who}: held at {t:.4f} (resume) with a next shift by its schedule then, but the cadre had no "
                f"shift again before the run ended at {r.run_end:.4f}: held forever")
        free = time.free(c, t, until)
        assert free <= TOL, (
            f"{who}: task {'held' if held else 'handed back'} at {t:.4f} waited until {until:.4f} "
            f"while the cadre had {free:.4f} h free on duty")
        if held or role_name(r, c) not in homed:
            continue
        for d in unit_mates(sc, r, c, i).tolist():
            free = time.free(d, t, until)
            assert free <= TOL, (
                f"{who}: task handed back at {t:.4f} ({sc.dispatch.at_shift_end}) waited until {until:.4f} "
                f"while cadre {d} ({role_name(r, d)}) of its unit had {free:.4f} h free on duty")


def grid_visiting_hours(r, g: int, a: float, b: float) -> float:
    """Cadre hours grid g's cursor says were spent visiting in [a, b]."""
    v = np.interp([a, b], r.visit_times[g], r.visit_values[g], left=0.0)
    return float(v[1] - v[0]) / r.visit_pace


def check_visits_within_free_time(sc: Scenario, r, duty: dict[int, list[tuple[float, float]]]) -> None:
    """Visiting hours never exceed reserve + idle time: per grid, over the window, the hours its cursor
    advanced are at most its visiting cadres' hours present on duty and neither working nor on a task.

    Partial: the Records keep one visiting curve per grid, not per cadre, and no reserve log; the full
    invariant (per cadre, reserve and idle apart) needs a visit log of (cadre, start, end, reserved)."""
    a, b = r.warmup, min(r.horizon, r.run_end)
    visiting = {k for k, name in enumerate(r.role_names or ROLES)
                if name in ("grid_workers", "sunk", *sc.cadres.roles) and role_shift(sc, name).visits}
    for g in range(r.district.n):
        hours = grid_visiting_hours(r, g, a, b)
        room = 0.0
        for c in np.flatnonzero((r.cadre_home == g) & np.isin(r.cadre_role, list(visiting))).tolist():
            work, task = r.work_cadre == c, r.task_cadre == c
            busy = list(zip(r.work_start[work].tolist(), r.work_end[work].tolist())) + \
                list(zip(r.task_start[task].tolist(), r.task_end[task].tolist()))
            room += measure(subtract(clip(duty[c], a, b), busy))
        assert hours <= room + TOL * max(1.0, room), (
            f"grid {g}: {hours:.4f} h of visits in [{a:g}, {b:g}], but its visiting cadres had only {room:.4f} h "
            "on duty off issues and tasks")


def expected_post_hours(sc: Scenario, r) -> np.ndarray:
    """Per wartime post, the cadre hours its holders are rostered on it over the run: for its daily
    hours, while wartime duty is in force, within their role's dates (a named role's start and end)."""
    out = np.zeros(len(sc.wartime.posts))
    for k, post in enumerate(sc.wartime.posts):
        holders = [c for c in range(len(r.cadre_group)) if r.group_names[r.cadre_group[c]].endswith(f" on post {k + 1}")]
        assert len(holders) == r.post_holders[k], (post, holders, r.post_holders[k])
        daily = [(24.0 * d + post.start_hour, 24.0 * d + post.end_hour) for d in range(int(r.run_end // 24) + 1)]
        for c in holders:
            lo, hi = role_window(sc, role_name(r, c))
            for s, e in r.mobilised.tolist():
                out[k] += measure(clip(daily, max(s, lo), min(e, hi, r.run_end)))
    return out


def check_hours_balance(sc: Scenario, r, duty: dict[int, list[tuple[float, float]]], m: dict[str, float]) -> None:
    """A cadre's hours add up: work + visits + posts + tasks + idle = on duty.

    Checked: per cadre, work and tasks within the window fit in its hours present on duty; the metrics'
    hours on duty are the present duty rows plus the post hours of the holders present; the post log's
    rostered hours are the holders' post hours while wartime duty is in force, within their role's
    dates, and its present holders at most those rostered; idle time (on duty less issues, visits,
    posts and tasks) is not negative (the metric clips it at 0: checked before the clip); per role,
    hours on duty add up to the total.  Partial: the Records have no per-cadre visit log and the post
    log counts holders, not which cadre stood the post, so visits are checked per grid
    (check_visits_within_free_time) and posts per post; the identity per cadre needs a visit log
    (cadre, start, end, reserved) and the post log by cadre (post, cadre, start, end)."""
    a, b = r.warmup, r.horizon
    on_duty = 0.0
    over = overtime_by_cadre(r)
    for c, rows in duty.items():
        present = measure(clip(rows + over.get(c, []), a, b))  # overtime counts as on duty
        on_duty += present
        work, task = r.work_cadre == c, r.task_cadre == c
        used = measure(clip(list(zip(r.work_start[work].tolist(), r.work_end[work].tolist()))
                            + list(zip(r.task_start[task].tolist(), r.task_end[task].tolist())), a, b))
        assert used <= present + TOL, f"cadre {c} ({role_name(r, c)}): {used:.4f} h of work and tasks, {present:.4f} on duty"
    log = r.post_log  # (post, start, end, holders rostered, present) per post and day
    rostered = np.bincount(log[:, 0].astype(int), weights=(log[:, 2] - log[:, 1]) * log[:, 3],
                           minlength=len(sc.wartime.posts))
    assert np.allclose(rostered, expected_post_hours(sc, r), atol=TOL), (
        f"post log: {rostered} cadre hours rostered on posts, the holders' post hours within their roles' dates "
        f"{expected_post_hours(sc, r)}")
    assert np.all(log[:, 4] <= log[:, 3]) and np.all(log[:, 2] >= log[:, 1])
    if sc.wartime.posts:
        present = float((np.clip(np.minimum(log[:, 2], b) - np.maximum(log[:, 1], a), 0, None) * log[:, 4]).sum())
        assert m["wartime_post_hours"] == pytest.approx(present, abs=TOL)
    assert m["cadre_hours_on_duty"] == pytest.approx(on_duty + m.get("wartime_post_hours", 0.0), rel=1e-9, abs=TOL)
    roles = [k for k in m if k.startswith("cadre_hours_on_duty_")]
    assert sum(m[k] for k in roles) == pytest.approx(m["cadre_hours_on_duty"], rel=1e-9, abs=TOL)
    idle = (m["cadre_hours_on_duty"] - m["cadre_hours_on_issues"] - m["cadre_hours_visiting"]
            - m.get("wartime_post_hours", 0.0) - m.get("cadre_hours_on_tasks", 0.0))
    assert idle >= -TOL * max(1.0, m["cadre_hours_on_duty"]), (
        f"idle hours {idle:.4f} < 0: issues {m['cadre_hours_on_issues']:.4f} + visits {m['cadre_hours_visiting']:.4f}"
        f" + posts {m.get('wartime_post_hours', 0.0):.4f} + tasks {m.get('cadre_hours_on_tasks', 0.0):.4f}"
        f" > on duty {m['cadre_hours_on_duty']:.4f}")


def check_sla_within_completion(sc: Scenario, r, m: dict[str, float]) -> None:
    """SLA attainment never exceeds completion measured over the same window: the issues of the window
    resolved within their SLA (through the drain) are at most those resolved by the run's end, and,
    without a drain, at most those resolved by the horizon (completion_rate); those resolved within their
    SLA by the horizon are at most completion_rate whatever the drain.  The metric is recomputed from the
    records first, so that the comparison is of the reported numbers."""
    window = r.issues.occur >= r.warmup
    arrived = int(window.sum())
    if not arrived:
        return
    done = window & ~np.isnan(r.end)
    within = done & (r.end - r.report <= r.sla_hours)
    assert m["sla_attainment"] == pytest.approx(within.sum() / arrived)
    completed = 1.0 - m["issues_unresolved_at_run_end"] / arrived
    assert m["sla_attainment"] <= completed + 1e-12, (m["sla_attainment"], completed)
    if r.run_end <= r.horizon + EPS:
        assert m["sla_attainment"] <= m["completion_rate"] + 1e-12, (m["sla_attainment"], m["completion_rate"])
    by_horizon = window & (r.end < r.horizon)  # completion_rate's window: resolved by the horizon
    assert m["completion_rate"] == pytest.approx(by_horizon.sum() / arrived)
    assert (within & by_horizon).sum() / arrived <= m["completion_rate"] + 1e-12
