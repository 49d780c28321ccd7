"""Per-replication metrics from a replication's records (definitions: docs/metrics.md).

Issue metrics count issues that *occur* in the window [warm-up, horizon).
Times to resolution follow every such issue to its resolution, in the drain
after the horizon if need be (so they are not censored); counts and rates
"by the horizon" stop at the horizon.  State metrics (backlog, coverage,
utilization, cadre hours) are time averages or totals over the window.
Durations are hours.
"""

from __future__ import annotations

import numpy as np

from sim.model.records import Records
from sim.scenario import LEVELS, ROLES, WORKPLACES

COVERAGE_STEP_HOURS = 1.0  # coverage is sampled on this grid of times to average it


def _share(num: float, den: float) -> float:
    return float(num / den) if den else float("nan")


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if x.size else float("nan")


def _pct(x: np.ndarray, q: float) -> float:
    return float(np.percentile(x, q)) if x.size else float("nan")


def _overlap(start: np.ndarray, end: np.ndarray, a: float, b: float) -> np.ndarray:
    """Length of each [start, end] inside [a, b]."""
    return np.clip(np.minimum(end, b) - np.maximum(start, a), 0.0, None)


def backlog_series(r: Records) -> tuple[np.ndarray, np.ndarray]:
    """Known open issues (reported or discovered, not yet resolved) as a step function.

    Returns the change times and the backlog just after each change.
    """
    rep = r.report[r.report < r.horizon]
    end = r.end[r.end < r.horizon]
    times = np.concatenate([rep, end])
    steps = np.concatenate([np.ones(rep.size), -np.ones(end.size)])
    order = np.lexsort((steps, times))  # at equal times, resolutions (-1) before reports
    return times[order], np.cumsum(steps[order])


def backlog_stats(r: Records) -> tuple[float, float]:
    """Time-average and maximum backlog over the window."""
    t, level = backlog_series(r)
    a, b = r.warmup, r.horizon
    before = level[t < a]
    start_level = before[-1] if before.size else 0.0
    inside = (t >= a) & (t < b)
    knots = np.concatenate([[a], t[inside], [b]])
    values = np.concatenate([[start_level], level[inside]])
    area = float(np.sum(values * np.diff(knots)))
    return area / (b - a), float(values.max())


def daily_backlog(r: Records) -> np.ndarray:
    """Time-average backlog of each whole day from time 0 to the horizon."""
    t, level = backlog_series(r)
    knots = np.concatenate([[0.0], t, [r.horizon]])
    values = np.concatenate([[0.0], level])  # the level on [knots[i], knots[i+1])
    area = np.concatenate([[0.0], np.cumsum(values * np.diff(knots))])
    days = np.arange(0.0, r.horizon + 1e-9, 24.0)
    return np.diff(np.interp(days, knots, area)) / 24.0


def mser5_truncation_days(r: Records) -> float:
    """MSER-5 warm-up estimate on the daily backlog: days to delete so the rest looks stationary.

    Batch means of 5 days Y_1..Y_m; MSER(d) = sum_{i>d} (Y_i - mean_d)^2 / (m - d)^2,
    minimised over d <= m/2 (White 1997; Hoad, Robinson & Davies 2010).
    """
    y = daily_backlog(r)
    m = y.size // 5
    if m < 4:
        return float("nan")
    b = y[: m * 5].reshape(m, 5).mean(axis=1)
    best, best_d = np.inf, 0
    for d in range(m // 2 + 1):
        tail = b[d:]
        stat = float(((tail - tail.mean()) ** 2).sum()) / tail.size**2
        if stat < best:
            best, best_d = stat, d
    return float(best_d * 5)


def visited(r: Records, g: int, t: np.ndarray) -> np.ndarray:
    """Cumulative households visited in grid g by times t (none before time 0: the model
    knows no visit it did not make)."""
    return np.interp(t, r.visit_times[g], r.visit_values[g], left=0.0)


def grid_coverage(r: Records, g: int, times: np.ndarray) -> np.ndarray:
    """Grid g's share of households visited within the target interval before each of ``times``.

    Only visits the model made count: in the first interval of a run a household
    not yet visited is not covered, so coverage ramps up from 0 (a warm-up of at
    least one target interval keeps that ramp out of the metrics).
    """
    recent = visited(r, g, times) - visited(r, g, times - r.target_interval_hours)
    return np.minimum(1.0, recent / r.district.households[g])


def coverage_summary(r: Records, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per grid, the mean coverage over ``times``; per time, the mean over grids.

    One grid at a time, so memory is O(grids + times), never a grids x times matrix
    (8,760 hourly samples x 10,000 grids would be 700 MB).
    """
    per_grid = np.empty(r.district.n)
    per_time = np.zeros(times.size)
    for g in range(r.district.n):
        cov = grid_coverage(r, g, times)
        per_grid[g] = cov.mean() if times.size else np.nan
        per_time += cov
    return per_grid, per_time / max(r.district.n, 1)


def coverage_times(r: Records) -> np.ndarray:
    return np.arange(r.warmup, r.horizon, COVERAGE_STEP_HOURS) + COVERAGE_STEP_HOURS / 2


def compute_metrics(r: Records) -> dict[str, float]:
    a, b = r.warmup, r.horizon
    m = r.issues.occur >= a  # the issues of the window (all occur before the horizon)
    arrived = int(m.sum())
    reported = m & (r.report < b)  # known by the horizon
    resolved = m & (r.end < b)  # resolved by the horizon
    done = m & ~np.isnan(r.end)  # resolved, in the drain after the horizon if need be
    started = m & ~np.isnan(r.start)
    res_h = (r.end - r.report)[done]
    true_h = (r.end - r.issues.occur)[done]
    hidden = m & r.issues.hidden

    out: dict[str, float] = {
        "issues_arrived": float(arrived),
        "issues_reported": float(reported.sum()),
        "issues_known_in_window": float(((r.report >= a) & (r.report < b)).sum()),
        "issues_resolved": float(resolved.sum()),
        "issues_open_at_horizon": float(arrived - resolved.sum()),
        "issues_unresolved_at_run_end": float(arrived - done.sum()),
        "completion_rate": _share(resolved.sum(), arrived),
        "completion_rate_reported": _share((resolved & reported).sum(), reported.sum()),
        "wait_hours_mean": _mean((r.start - r.report)[started]),
        "resolution_hours_mean": _mean(res_h),
        "resolution_hours_p50": _pct(res_h, 50),
        "resolution_hours_p90": _pct(res_h, 90),
        "resolution_hours_p95": _pct(res_h, 95),
        "true_resolution_hours_mean": _mean(true_h),
        "true_resolution_hours_p90": _pct(true_h, 90),
        "sla_attainment": _share((done & (r.end - r.report <= r.sla_hours)).sum(), arrived),
        "escalation_rate": _share((done & (r.resolved_level > 0)).sum(), done.sum()),
        "hidden_found_by_visit_share": _share((hidden & r.found_by_visit).sum(), hidden.sum()),
    }
    for k, name in enumerate(r.issues.type_names):  # per type: what arrived, became known, got resolved
        of_type = r.issues.type == k
        out[f"arrived_{name}"] = float((m & of_type).sum())
        out[f"reported_{name}"] = float((reported & of_type).sum())
        out[f"resolved_{name}"] = float((resolved & of_type).sum())
    # where issues were resolved: each level (a police grid counts apart from the grid level)
    resolver = r.issues.resolver
    for k, where in enumerate(WORKPLACES):
        here = done & (resolver == k)
        if (m & (resolver == k)).any():
            out[f"resolved_share_{where}"] = _share(here.sum(), done.sum())
            out[f"resolution_hours_mean_{where}"] = _mean((r.end - r.report)[here])
    if r.issues.lead.shape[1]:
        out["lead_hours_mean"] = _mean(lead_hours(r)[done])
    if r.supervised.size:  # some type has time limits: the share that overran one and was supervised
        out["supervised_share"] = _share((m & ~np.isnan(r.supervised)).sum(), arrived)
    out["backlog_mean"], out["backlog_max"] = backlog_stats(r)

    if r.visits_enabled:
        cov = coverage_summary(r, coverage_times(r))[0]
        out["coverage_mean"] = float(cov.mean())
        out["coverage_min_grid"] = float(cov.min())
        out["households_visited"] = float(sum(
            min(r.district.households[g], np.diff(visited(r, g, np.array([a, b])))[0]) for g in range(r.district.n)
        ))

    # duty rows are per duty group: weight each by the group's cadres who turned up
    size = r.present
    group_role = np.zeros(len(r.group_names), int)
    group_role[r.cadre_group] = r.cadre_role
    row_role = group_role[r.group_duty]
    duty = _overlap(r.group_start, r.group_end, a, b) * size
    busy = _overlap(r.work_start, r.work_end, a, b)
    duty_role = np.bincount(row_role, weights=duty, minlength=len(ROLES))
    busy_role = np.bincount(r.cadre_role[r.work_cadre], weights=busy, minlength=len(ROLES))
    on_post = post_hours(r, a)  # per post: on duty, but on the post, not on issues
    post_role = np.bincount(r.post_role, weights=on_post, minlength=len(ROLES))
    present = np.bincount(r.cadre_role, minlength=len(ROLES)) > 0
    for k, role in enumerate(ROLES):
        if present[k]:
            out[f"utilization_{role}"] = _share(busy_role[k], duty_role[k])
            out[f"cadre_hours_on_duty_{role}"] = float(duty_role[k] + post_role[k])
    posts = float(on_post.sum())
    out["cadre_hours_on_duty"] = float(duty.sum()) + posts
    costed = np.bincount(row_role, weights=~np.isnan(r.group_cost[r.group_duty]), minlength=len(ROLES)) > 0
    if costed.any():  # what the hours cost, for the roles whose cost_per_hour is given
        cost = np.bincount(row_role, weights=np.nan_to_num(r.group_cost)[r.group_duty] * duty, minlength=len(ROLES))
        cost += np.bincount(r.post_role, weights=np.nan_to_num(r.post_cost) * on_post, minlength=len(ROLES))
        for k in np.flatnonzero(costed).tolist():
            out[f"cost_{ROLES[k]}"] = float(cost[k])
        out["cost_total"] = float(cost[costed].sum())
    if r.attendance_drawn:  # some cadres did not turn up for every shift: the hours rostered, and the share worked
        rostered = float((_overlap(r.group_start, r.group_end, a, b) * r.group_size[r.group_duty]).sum()) + posts
        out["cadre_hours_rostered"] = rostered
        out["attendance_share"] = _share(out["cadre_hours_on_duty"], rostered)
    war = wartime_periods(r, a)
    out["wartime_cadre_hours"] = float(sum((_overlap(r.group_start, r.group_end, s, e) * size).sum() for s, e in war))
    out["wartime_hours"] = float(sum(e - s for s, e in war))
    if r.post_holders.size:
        out["wartime_post_hours"] = posts
    return out


def lead_hours(r: Records) -> np.ndarray:
    """Per issue, the hours it spent in lead steps: at each place that worked on it, that level's lead time."""
    t = r.issues
    if not t.lead.shape[1]:  # no type has lead steps
        return np.zeros(len(t))
    k = np.arange(len(LEVELS))[None, :]
    lv = t.level[:, None]
    at_grid = (t.level == 0) | (t.intake > 0) | t.sequential  # direct with no intake skips the grid
    worked = np.where(t.sequential[:, None], k <= lv, (k == lv) | ((k == 0) & at_grid[:, None]))
    return (t.lead * worked).sum(axis=1)


def wartime_periods(r: Records, since: float = 0.0) -> list[tuple[float, float]]:
    """Wartime periods clipped to [since, horizon] (the drain after the horizon is not measured)."""
    return [(max(float(s), since), min(float(e), r.horizon)) for s, e in r.wartime if e > since and s < r.horizon]


def post_hours(r: Records, since: float) -> np.ndarray:
    """Per wartime post, cadre hours on it in the window: its holders, for its daily hours, while
    wartime duty is in force (from mobilisation to the end of wartime)."""
    out = np.zeros(r.post_holders.size)
    for s, e in [(max(float(s), since), min(float(e), r.horizon)) for s, e in r.mobilised if e > since and s < r.horizon]:
        days = np.arange(np.floor(s / 24), np.ceil(e / 24)) * 24.0
        for k, (h0, h1) in enumerate(r.post_hours.tolist()):
            out[k] += r.post_holders[k] * float(_overlap(days + h0, days + h1, s, e).sum())
    return out


QUANTILES = np.linspace(0.0, 1.0, 101)  # resolution-time distribution kept as percentiles 0..100


def run_series(r: Records) -> dict[str, list[float]]:
    """What the briefing figures need from one run, small enough to keep per run (a few kB).

    Daily series cover the whole horizon (day 0 first); distributions and per-grid
    values cover issues occurring after the warm-up, like the metrics.
    """
    m = r.issues.occur >= r.warmup
    resolved = m & ~np.isnan(r.end)  # with the drain: every issue of the window, as in the metrics
    res_h = r.end - r.report
    out: dict[str, list[float]] = {"backlog_daily": daily_backlog(r).tolist()}
    days = np.arange(0.0, r.horizon, 24.0) + 24.0
    if r.visits_enabled:
        out["coverage_daily"] = coverage_summary(r, np.minimum(days, r.horizon))[1].tolist()
        out["grid_coverage"] = coverage_summary(r, coverage_times(r))[0].tolist()
    out["resolution_quantiles"] = np.quantile(res_h[resolved], QUANTILES).tolist() if resolved.any() else []
    for k, name in enumerate(r.issues.type_names):
        sel = resolved & (r.issues.type == k)
        out[f"resolution_quantiles_{name}"] = np.quantile(res_h[sel], QUANTILES).tolist() if sel.any() else []
    grid = r.issues.grid[resolved]
    p90 = np.full(r.district.n, np.nan)
    order = np.argsort(grid, kind="stable")
    bounds = np.searchsorted(grid[order], np.arange(r.district.n + 1))
    vals = res_h[resolved][order]
    for g in range(r.district.n):
        if bounds[g + 1] > bounds[g]:
            p90[g] = np.percentile(vals[bounds[g]:bounds[g + 1]], 90)
    out["grid_resolution_p90"] = p90.tolist()
    return out
