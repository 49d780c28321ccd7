"""The estimates of fit.json from the orders: per issue type its arrivals per week, level shares, and
resolution and work times per level (censored fits); per grid its arrivals; the profiles."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

import numpy as np

from sim.fit.arrivals import Window, dispersion, per_week, profiles, weekly_series
from sim.fit.censored import Durations, Fitted, curves, fit_durations
from sim.fit.levels import level_shares
from sim.fit.rows import LEVELS, Orders

# usual type names in records -> the scenario's key (other names: their own if ASCII, else type_N)
TYPE_KEYS = {"政策咨询": "consultation", "咨询": "consultation", "帮扶求助": "assistance", "求助": "assistance",
             "矛盾纠纷": "dispute", "房屋安全隐患": "housing_safety", "纠纷": "dispute", "安全隐患": "hazard", "隐患": "hazard",
             "环境卫生": "sanitation", "信息采集": "information", "投诉": "complaint", "建议": "suggestion"}


def type_keys(names: list[str], known: dict[str, str] | None = None) -> dict[str, str]:
    """A scenario key per type name in the records, most frequent first, each unique: the base scenario's key
    where ``known`` (its types' keys, labels and Chinese labels -> key) names it, else the usual one."""
    keys: dict[str, str] = {}
    for i, name in enumerate(names, start=1):
        key = (known or {}).get(name) or TYPE_KEYS.get(name) or (re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
                                      if re.fullmatch(r"[A-Za-z0-9 _.-]+", name) else "") or f"type_{i}"
        keys[name] = key if key not in keys.values() else f"{key}_{i}"
    return keys


def _entry(d: Durations, fit: Fitted | None) -> dict[str, Any]:
    out: dict[str, Any] = {"dist": None, "mean": None, "ci95": None, "p90": None, "n": d.n, "open": d.open,
                           "mean_closed_only": d.closed_mean(), "mean_exponential": d.exponential_mean()}
    if fit is not None:
        out.update(dist=fit.dist, mean=fit.mean, ci95=list(fit.ci95), p90=fit.p90, cv=fit.cv,
                   params={"shape": fit.shape, "scale": fit.scale}, aic=fit.aic, guard=fit.guard)
    return out


def _by_level(o: Orders, idx: np.ndarray, start: np.ndarray) -> dict[str, Any]:
    """Durations from ``start`` to resolution (censored at the export when open), fitted per level."""
    out = {}
    for lv in LEVELS:
        sel = idx[(np.asarray(o.level, dtype=object)[idx] == lv) & ~np.isnan(start[idx])]
        if not len(sel):
            continue
        ended = ~np.isnan(o.resolved[sel])
        hours = np.where(ended, o.resolved[sel], o.export) - start[sel]
        d = Durations(hours, ended)
        fit = fit_durations(d)
        out[lv] = _entry(d, fit) | {"curves": curves(d, fit)}
    return out


def estimate(o: Orders, progress: Any = None, known: dict[str, str] | None = None) -> dict[str, Any]:
    """fit.json's estimates (without its rows and notes); ``known`` as for ``type_keys``."""
    # arrivals are counted between the first and the last report: an export filtered by report date (the period
    # a platform's export asks for) holds resolutions long after its last report, which are no time of arrival
    w = Window(float(o.reported.min()), float(o.reported.max()), o.origin.weekday())
    types = np.asarray(o.type, dtype=object)
    names = sorted(set(o.type), key=lambda t: (-o.type.count(t), t))
    keys = type_keys(names, known)
    issue_types = {}
    for name in names:
        if progress:
            progress(f"fitting {name} ({keys[name]})")
        idx = np.flatnonzero(types == name)
        times = o.reported[idx]
        disp = dispersion(times, w)
        issue_types[keys[name]] = {
            "name_in_records": name,
            "arrivals_per_week": per_week(times, w, disp),
            "dispersion": None if disp is None else asdict(disp),
            "weekly_counts": weekly_series(times, w),
            "profile": profiles(times, w),
            "level_share": level_shares([o.level[i] for i in idx]),
            "resolution_hours": _by_level(o, idx, o.reported),
            "work_hours": _by_level(o, idx, o.accepted),
        }
    grids: dict[str, Any] = {}
    gridcol = np.asarray(o.grid, dtype=object)
    for g in sorted(set(o.grid), key=natural):
        idx = np.flatnonzero(gridcol == g)
        grids[g] = {"community": _most([o.community[i] for i in idx]), "street": _most([o.street[i] for i in idx]),
                    "arrivals_per_week": per_week(o.reported[idx], w)}
    disp = dispersion(o.reported, w)
    return {"window": {"start": o.origin.isoformat(sep=" "), "first_report_hours": w.start, "last_report_hours": w.end,
                       "weeks": w.weeks},
            "issue_types": issue_types, "grids": grids, "profile": profiles(o.reported, w),
            "dispersion": None if disp is None else asdict(disp),
            "level_names": {t: lv for t, lv in sorted(set(zip(o.level_text, o.level))) if t}}


def natural(name: str) -> list[Any]:
    """Sort key: 第2网格 before 第10网格."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


def _most(values: list[str]) -> str:
    """The value most rows give ("" when none does)."""
    values = [v for v in values if v]
    return max(sorted(set(values)), key=values.count) if values else ""
