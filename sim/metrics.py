"""Per-replication metrics from a replication's records (definitions: docs/metrics.md).

Issue metrics count issues that *occur* in the window [warm-up, horizon).
Times to resolution follow every such issue to its resolution, in the drain
after the horizon if need be (so they are not censored); counts and rates
"by the horizon" stop at the horizon.  State metrics (backlog, coverage,
utilization, cadre hours) are time averages or totals over the window.
Durations are hours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.records import Records
from sim.scenario import LEVELS, ROLES, WORKPLACES

# per place where issues were resolved (WORKPLACES), present only when some issue of the window was resolved there
PLACE_METRICS = ("resolved_share_{}", "resolution_hours_mean_{}")

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


_CHUNK = 1 << 18


def _petitioned(r: Records, m: np.ndarray) -> int:
    """How many of the issues ``m`` (of the window) left the workflow as petitions."""
    return int((m & ~np.isnan(r.petition)).sum()) if r.petition.size else 0


def backlog_series(r: Records) -> tuple[np.ndarray, np.ndarray]:
    """Known open issues (reported or discovered, not yet resolved nor gone as petitions) as a step function.

    Returns the change times and the backlog just after each change; changes at one
    instant all show the backlog after the last of them.  Counted by search in the
    sorted reports and resolutions, not by sorting a signed copy of both: a third of
    the memory, for districts of millions of issues.
    """
    rep = np.sort(r.report[r.report < r.horizon])
    left = r.left  # resolved, or gone as a petition
    end = np.sort(left[left < r.horizon])
    del left
    times = np.concatenate([rep, end])
    times.sort()
    level = np.empty(times.size)
    for s in range(0, times.size, _CHUNK):  # in chunks: the integer counts are temporaries
        t = times[s:s + _CHUNK]
        level[s:s + _CHUNK] = np.searchsorted(rep, t, side="right") - np.searchsorted(end, t, side="right")
    return times, level


def backlog_stats(r: Records, periods: list[tuple[float, float]] = ()) -> tuple[float, float, float]:
    """Time-average and maximum backlog over the window, and the time average over ``periods`` inside it
    (nan without periods): one backlog series for all three, as it is two sorted arrays per issue."""
    t, level = backlog_series(r)
    over = _mean_over(t, level, periods)
    a, b = r.warmup, r.horizon
    i0, i1 = np.searchsorted(t, [a, b])  # t is sorted: the window is a slice
    knots = np.concatenate([[a], t[i0:i1], [b]])
    del t  # each of these arrays is two per issue: freed as soon as it is copied
    values = np.concatenate([[level[i0 - 1] if i0 else 0.0], level[i0:i1]])
    del level
    width = np.diff(knots)
    width *= values
    return float(np.sum(width)) / (b - a), float(values.max()), over


def daily_backlog(r: Records) -> np.ndarray:
    """Time-average backlog of each whole day from time 0 to the horizon."""
    t, level = backlog_series(r)
    knots = np.concatenate([[0.0], t, [r.horizon]])
    del t  # in place from here on: these arrays are two per issue
    area = np.empty(knots.size)  # the area under the backlog up to each knot
    area[0] = 0.0
    np.subtract(knots[1:], knots[:-1], out=area[1:])
    area[1] *= 0.0  # the level on [0, first change) is 0
    area[2:] *= level
    del level
    np.cumsum(area[1:], out=area[1:])
    days = np.arange(0.0, r.horizon + 1e-9, 24.0)
    return np.diff(np.interp(days, knots, area)) / 24.0


def mser5_truncation_days(y: np.ndarray) -> float:
    """MSER-5 warm-up estimate on the daily backlog ``y`` (daily_backlog): days to delete so the rest
    looks stationary.

    Batch means of 5 days Y_1..Y_m; MSER(d) = sum_{i>d} (Y_i - mean_d)^2 / (m - d)^2,
    minimised over d <= m/2 (White 1997; Hoad, Robinson & Davies 2010).
    """
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
    """Per grid, its mean coverage over ``times``; per time, the district's coverage: the share of all its
    households visited within the interval (grids weighted by their households, as 入户率 is).

    One grid at a time, so memory is O(grids + times), never a grids x times matrix
    (8,760 hourly samples x 10,000 grids would be 700 MB).
    """
    households = np.asarray(r.district.households, dtype=float)
    per_grid = np.empty(r.district.n)
    per_time = np.zeros(times.size)
    for g in range(r.district.n):
        cov = grid_coverage(r, g, times)
        per_grid[g] = cov.mean() if times.size else np.nan
        per_time += cov * households[g]
    return per_grid, per_time / max(households.sum(), 1.0)


def coverage_times(r: Records) -> np.ndarray:
    return np.arange(r.warmup, r.horizon, COVERAGE_STEP_HOURS) + COVERAGE_STEP_HOURS / 2


@dataclass
class Coverage:
    """What the metrics and the figures take from the visiting records: computed once, so that the
    records' visit breakpoints (the largest part of a run's records) can be freed before the rest."""

    per_grid: np.ndarray  # each grid's mean coverage over the window
    district: float  # the share of all households covered, averaged over the window (weighted by households)
    daily: np.ndarray  # the share of all households covered at the end of each day, day 0 first
    households_visited: float  # distinct households visited in the window
    visiting_hours: float  # cadre hours spent visiting in the window


def coverage(r: Records) -> Coverage:
    a, b = r.warmup, r.horizon
    days = np.arange(0.0, b, 24.0) + 24.0
    # households visited in the window, per grid (counting a second round of a grid again)
    rounds = np.array([np.diff(visited(r, g, np.array([a, b])))[0] for g in range(r.district.n)])
    per_grid, per_time = coverage_summary(r, coverage_times(r))
    return Coverage(
        per_grid=per_grid,
        district=_mean(per_time),
        daily=coverage_summary(r, np.minimum(days, b))[1],
        households_visited=float(sum(min(h, v) for h, v in zip(r.district.households, rounds))),
        visiting_hours=float(rounds.sum()) / r.visit_pace,
    )


def compute_metrics(r: Records, cov: Coverage | None = None) -> dict[str, float]:
    """The metrics of one run (``cov``: its coverage, if computed already)."""
    a, b = r.warmup, r.horizon
    # first, before the per-issue arrays below: the peak of memory is here
    backlog = backlog_stats(r, _clipped(r.emergencies, a, b))
    m = r.issues.occur >= a  # the issues of the window (all occur before the horizon)
    arrived = int(m.sum())
    reported = m & (r.report < b)  # known by the horizon
    resolved = m & (r.end < b)  # resolved by the horizon
    done = m & ~np.isnan(r.end)  # resolved, in the drain after the horizon if need be
    started = m & ~np.isnan(r.start)
    res_h = (r.end - r.report)[done]
    true_h = (r.end - r.issues.occur)[done]
    hidden = m & r.issues.hidden
    petitioned = _petitioned(r, m)

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
        # a petition went above the district: it counts as escalated (never as resolved)
        "escalation_rate": _share((done & (r.resolved_level > 0)).sum() + petitioned, done.sum() + petitioned),
        "hidden_found_by_visit_share": _share((hidden & r.found_by_visit).sum(), hidden.sum()),
    }
    if r.worsened.size:  # some type worsens: what went up, or left, because it waited (of the issues known)
        known = (r.report >= a) & (r.report < b)
        out["escalated_by_delay_rate"] = _share((known & r.escalated_by_delay).sum(), known.sum())
        out["petitions"] = float(((r.petition >= a) & (r.petition < b)).sum())
        out["petition_rate"] = _share((known & ~np.isnan(r.petition)).sum(), known.sum())
    for k, name in enumerate(r.issues.type_names):  # per type: what arrived, became known, got resolved
        of_type = r.issues.type == k
        out[f"arrived_{name}"] = float((m & of_type).sum())
        out[f"reported_{name}"] = float((reported & of_type).sum())
        out[f"resolved_{name}"] = float((resolved & of_type).sum())
    # where issues were resolved: each level (a police grid counts apart from the grid level)
    resolver = r.issues.resolver
    share_at, hours_at = PLACE_METRICS
    for k, where in enumerate(WORKPLACES):
        here = done & (resolver == k)
        if (m & (resolver == k)).any():
            out[share_at.format(where)] = _share(here.sum(), done.sum())
            out[hours_at.format(where)] = _mean((r.end - r.report)[here])
    if r.issues.lead.shape[1]:
        out["lead_hours_mean"] = _mean(lead_hours(r)[done])
    if r.supervised.size:  # some type has time limits: the share that overran one and was supervised
        out["supervised_share"] = _share((m & ~np.isnan(r.supervised)).sum(), arrived)
    out["backlog_mean"], out["backlog_max"] = backlog[:2]

    if r.visits_enabled:
        cov = cov or coverage(r)
        out["coverage_mean"] = cov.district
        out["coverage_grid_mean"] = float(cov.per_grid.mean())
        out["coverage_min_grid"] = float(cov.per_grid.min())
        out["households_visited"] = cov.households_visited

    # duty rows are per duty group: weight each by the group's cadres who turned up
    size = r.present
    group_role = np.zeros(len(r.group_names), int)
    group_role[r.cadre_group] = r.cadre_role
    row_role = group_role[r.group_duty]
    duty = _overlap(r.group_start, r.group_end, a, b) * size
    busy = _overlap(r.work_start, r.work_end, a, b)
    roles = r.role_names or ROLES  # the built-in roles, then the scenario's named roles
    duty_role = np.bincount(row_role, weights=duty, minlength=len(roles))
    over_cadre, over = overtime_hours(r, a, b)  # past shift ends: on duty too (docs/metrics.md)
    if r.overtime_possible:
        duty_role += np.bincount(r.cadre_role[over_cadre], weights=over, minlength=len(roles))
    busy_role = np.bincount(r.cadre_role[r.work_cadre], weights=busy, minlength=len(roles))
    on_post = post_hours(r, a, b)  # per post: on duty, but on the post, not on issues
    post_role = np.bincount(r.post_role, weights=on_post, minlength=len(roles))
    present = np.bincount(r.cadre_role, minlength=len(roles)) > 0
    for k, role in enumerate(roles):
        if present[k]:
            out[f"utilization_{role}"] = _share(busy_role[k], duty_role[k])
            out[f"cadre_hours_on_duty_{role}"] = float(duty_role[k] + post_role[k])
    posts = float(on_post.sum())
    out["cadre_hours_on_duty"] = float(duty.sum()) + posts
    if r.overtime_possible:
        out["cadre_hours_overtime"] = float(over.sum())
        out["cadre_hours_on_duty"] += out["cadre_hours_overtime"]
    # where the hours on duty went: issues (travel included), visits, wartime posts, and the rest idle
    out["cadre_hours_on_issues"] = float(busy.sum())
    visiting = cov.visiting_hours if r.visits_enabled else 0.0
    out["cadre_hours_visiting"] = visiting
    tasks = float(r.tasks[:, 5].sum())
    if r.task_names:
        out["cadre_hours_on_tasks"] = tasks
    out["cadre_hours_idle"] = max(0.0, out["cadre_hours_on_duty"] - out["cadre_hours_on_issues"] - visiting - posts
                                  - tasks)
    costed = np.bincount(row_role, weights=~np.isnan(r.group_cost[r.group_duty]), minlength=len(roles)) > 0
    if costed.any():  # what the hours cost, for the roles whose cost_per_hour is given
        cost = np.bincount(row_role, weights=np.nan_to_num(r.group_cost)[r.group_duty] * duty, minlength=len(roles))
        cost += np.bincount(r.post_role, weights=np.nan_to_num(r.post_cost) * on_post, minlength=len(roles))
        if r.overtime_possible:  # at the cost of an hour of the cadre's duty group
            cost += np.bincount(r.cadre_role[over_cadre], minlength=len(roles),
                                weights=np.nan_to_num(r.group_cost)[r.cadre_group[over_cadre]] * over)
        for k in np.flatnonzero(costed).tolist():
            out[f"cost_{roles[k]}"] = float(cost[k])
        out["cost_total"] = float(cost[costed].sum())
    if r.attendance_drawn:  # some cadres did not turn up for every shift: the hours rostered, and the share worked
        rostered = float((_overlap(r.group_start, r.group_end, a, b) * r.group_size[r.group_duty]).sum()
                         + post_hours(r, a, b, rostered=True).sum())
        out["cadre_hours_rostered"] = rostered
        out["attendance_share"] = _share(out["cadre_hours_on_duty"] - out.get("cadre_hours_overtime", 0.0), rostered)
    war = wartime_periods(r, a)
    # on duty in wartime, on issues or on posts
    out["wartime_cadre_hours"] = float(sum((_overlap(r.group_start, r.group_end, s, e) * size).sum()
                                           + post_hours(r, s, e).sum() for s, e in war))
    if r.overtime_possible:
        out["wartime_cadre_hours"] += float(sum(overtime_hours(r, s, e)[1].sum() for s, e in war))
    out["wartime_hours"] = float(sum(e - s for s, e in war))
    if r.post_holders.size:
        out["wartime_post_hours"] = posts
    out.update(campaign_metrics(r))
    out.update(task_metrics(r))
    if r.emergencies.size:
        out["backlog_mean_in_emergencies"] = backlog[2]
    return out


def overtime_hours(r: Records, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Per stretch of overtime, its cadre and its hours within [a, b]."""
    return r.overtime[:, 0].astype(int), _overlap(r.overtime[:, 1], r.overtime[:, 2], a, b)


def task_metrics(r: Records) -> dict[str, float]:
    """Per emergency task: the share of its units (households or grids) done by the deadline, the days
    until every grid's work was done (nan if not by the end of the run), and its cadre-hours."""
    out = {}
    for name, (start, _, units, on_time, finished, _) in zip(r.task_names, r.tasks.tolist()):
        out[f"task_{name}_on_time_share"] = on_time / units
        out[f"task_{name}_days_to_done"] = (finished - start) / 24.0
    return out


def _mean_over(t: np.ndarray, level: np.ndarray, periods: list[tuple[float, float]]) -> float:
    """Time average of the backlog step function (t, level) over some periods (nan if they are empty)."""
    total = sum(b - a for a, b in periods)
    if total <= 0:
        return float("nan")
    area = 0.0
    for a, b in periods:
        i0, i1 = np.searchsorted(t, [a, b])
        knots = np.concatenate([[a], t[i0:i1], [b]])
        values = np.concatenate([[level[i0 - 1] if i0 else 0.0], level[i0:i1]])
        area += float(np.sum(np.diff(knots) * values))
    return area / total


def campaign_metrics(r: Records) -> dict[str, float]:
    """Per visit campaign: households its participants visited while it ran, the share of its target, and
    the days it took to meet the target (nan if it was not met)."""
    out = {}
    for name, (start, _, met, visited, target) in zip(r.campaign_names, r.campaigns.tolist()):
        out[f"campaign_{name}_households_visited"] = visited
        out[f"campaign_{name}_target_share"] = min(1.0, visited / target)
        out[f"campaign_{name}_days_to_target"] = (met - max(start, 0.0)) / 24.0
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
    return _clipped(r.wartime, since, r.horizon)


def _clipped(periods: np.ndarray, a: float, b: float) -> list[tuple[float, float]]:
    """Periods (rows of start, end) clipped to [a, b], those outside it left out."""
    return [(max(float(s), a), min(float(e), b)) for s, e in periods if e > a and s < b]


def post_hours(r: Records, a: float, b: float, rostered: bool = False) -> np.ndarray:
    """Per wartime post, cadre hours on it within [a, b]: its holders present (or rostered), for the
    stretches of the post log (its daily hours while wartime duty is in force, within the role's dates)."""
    log = r.post_log
    holders = log[:, 3] if rostered else log[:, 4]
    hours = _overlap(log[:, 1], log[:, 2], a, b) * holders
    return np.bincount(log[:, 0].astype(int), weights=hours, minlength=r.post_holders.size)


QUANTILES = np.linspace(0.0, 1.0, 101)  # resolution-time distribution kept as percentiles 0..100


def run_series(r: Records, backlog_daily: np.ndarray, cov: Coverage | None = None) -> dict[str, list[float]]:
    """What the briefing figures need from one run, small enough to keep per run (a few kB).

    Daily series cover the whole horizon (day 0 first); distributions and per-grid
    values cover issues occurring after the warm-up, like the metrics.
    """
    out: dict[str, list[float]] = {"backlog_daily": backlog_daily.tolist()}
    if r.visits_enabled:
        cov = cov or coverage(r)
        out["coverage_daily"] = cov.daily.tolist()
        out["grid_coverage"] = cov.per_grid.tolist()
    # the resolved issues of the window only (with the drain: every one of them, as in the metrics)
    resolved = (r.issues.occur >= r.warmup) & ~np.isnan(r.end)
    res_h = (r.end - r.report)[resolved]
    out["resolution_quantiles"] = np.quantile(res_h, QUANTILES).tolist() if res_h.size else []
    kind = r.issues.type[resolved]
    for k, name in enumerate(r.issues.type_names):
        sel = kind == k
        out[f"resolution_quantiles_{name}"] = np.quantile(res_h[sel], QUANTILES).tolist() if sel.any() else []
    grid = r.issues.grid[resolved]
    p90 = np.full(r.district.n, np.nan)
    order = np.argsort(grid, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(grid, minlength=r.district.n))])
    vals = res_h[order]
    for g in range(r.district.n):
        if bounds[g + 1] > bounds[g]:
            p90[g] = np.percentile(vals[bounds[g]:bounds[g + 1]], 90)
    out["grid_resolution_p90"] = p90.tolist()
    return out
