"""Targets from a district's records (``--records fit.json``, written by ``gridsim fit``; docs/records.md).

Each issue type of fit.json that the scenario has gives one target: its ``arrivals_per_week`` as the
metric ``reported_<type>`` (issues of the type reported in the run's window), the value scaled to the
window's weeks ((horizon - warm-up) / 7).  The records' 95% CI is the target's uncertainty: the tolerance
is the CI's half-width over the value, which history matching reads as a 95% band (2 sd), so sd_target is
the records' own standard error.

The level shares give one target per level (grid, community, street, department) on the model's
``resolved_share_<level>``.  The model has no share per type and level, so the target is the district's:
the records' closed orders at the level over all their closed orders with a level (open orders are not
resolved anywhere yet, as the model counts them), summed over the types, with Wilson's 95% interval of that
count as the band, its half-width over the share as the tolerance (absolute when the share is 0).  A level
constrains nothing, and is said in ``unused``, where the model has no such metric, where police grids make
the model count the records' grid level under two metrics, or where the scenario has issue types the
records do not (its shares would count issues the records cannot show).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.decide.calibrate import target_metrics
from sim.decide.history.waves import TargetSpec
from sim.experiments.commands import ApiError
from sim.metrics import PLACE_METRICS
from sim.scenario import LEVELS, Scenario

SHARE_AT, _ = PLACE_METRICS  # the model's share of resolved issues per place


@dataclass(frozen=True)
class RecordsTargets:
    """What a fit.json gives history matching: its targets, and what in it constrains nothing here (sentences)."""

    targets: list[TargetSpec]
    unused: list[str]


def _read(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ApiError(f"--records {path}: cannot read it ({e.strerror or e})") from None
    except ValueError as e:
        raise ApiError(f"--records {path}: not JSON ({e}); give the fit.json that 'gridsim fit' wrote") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("issue_types"), dict):
        raise ApiError(f"--records {path}: has no 'issue_types' object; give the fit.json that 'gridsim fit' wrote")
    return doc


def tolerance(value: float, lo: float, hi: float) -> float:
    """A 95% interval [lo, hi] as a target's tolerance: its half-width over the value (as an absolute error when the
    value is 0, as history matching reads it then), so that sd_target is a quarter of the interval's width."""
    half = (hi - lo) / 2
    return max(half / abs(value) if value else half, 1e-9)


def records_targets(path: str | Path, sc: Scenario) -> RecordsTargets:
    """The targets of fit.json that ``sc`` can be matched to (ApiError when none of its issue types is ``sc``'s, or
    the file is not fit.json)."""
    path = Path(path)
    doc = _read(path)
    arrivals = _arrival_targets(path, doc, sc)
    if not arrivals:
        raise ApiError(f"--records {path}: none of its issue types ({', '.join(doc['issue_types']) or 'none'}) "
                       f"is an issue type of {sc.name} ({', '.join(sc.issue_types)})")
    unused = window_warning(path, doc, sc)
    return RecordsTargets(arrivals + _level_targets(path, doc, sc, unused), unused)


def _window_weeks(sc: Scenario) -> float:
    """The run's window after the warm-up, in weeks."""
    return (sc.calendar.horizon_days - sc.calendar.warmup_days) / 7.0


def window_warning(path: Path, doc: dict[str, Any], sc: Scenario) -> list[str]:
    """A warning when the run's window (after the warm-up) is not the records' period (fit.json's ``window``): the
    targets are the records' weekly means and overall shares, which hold for another window only if the district's
    work is the same throughout (e.g. Tiefeng's testing day in April 2022 adds 3,000 epidemic orders at the grid and
    the community, so 2021 alone has a higher street share than the records' period)."""
    w = doc.get("window")
    if not isinstance(w, dict) or not w.get("start") or not w.get("weeks"):
        return []
    start = dt.datetime.fromisoformat(str(w["start"]))
    weeks = float(w["weeks"])
    run_start = dt.datetime.combine(sc.calendar.start, dt.time()) + dt.timedelta(days=sc.calendar.warmup_days)
    run_weeks = _window_weeks(sc)
    if abs((run_start - start).total_seconds()) <= 86400 and abs(run_weeks - weeks) <= max(1 / 7, 0.02 * weeks):
        return []
    return [f"--records {path}: the records cover {weeks:.4g} weeks from {start.date()}, the run's window "
            f"{run_weeks:.4g} weeks from {run_start.date()}: the targets are the records' weekly arrivals and "
            "overall level shares, right for another window only if the district's work is the same throughout "
            "(a surge, a season or a change in one and not the other moves them); match the records against a run "
            "over their own period where you can"]


def _arrival_targets(path: Path, doc: dict[str, Any], sc: Scenario) -> list[TargetSpec]:
    weeks = _window_weeks(sc)
    out = []
    for key, t in doc["issue_types"].items():
        if key not in sc.issue_types:
            continue
        mean, lo, hi = _arrivals(path, key, t)
        if mean <= 0:
            continue
        out.append(TargetSpec(f"reported_{key}", mean * weeks, tolerance(mean, lo, hi),
                              f"{path}: arrivals_per_week {mean:.4g} (95% CI {lo:.4g} to {hi:.4g}) x {weeks:.4g} weeks", "records"))
    return out


def _arrivals(path: Path, key: str, t: Any) -> tuple[float, float, float]:
    """fit.json's ``arrivals_per_week`` of the type ``key``: its mean and 95% CI (ApiError naming the entry when it
    is not the object 'gridsim fit' writes, ``{"mean": m, "ci95": [lo, hi]}`` with finite numbers, lo <= hi)."""
    a = t.get("arrivals_per_week") if isinstance(t, dict) else None
    try:
        mean, (lo, hi) = float(a["mean"]), (float(x) for x in a["ci95"])
        ok = all(math.isfinite(x) for x in (mean, lo, hi)) and lo <= hi
    except (TypeError, KeyError, ValueError):
        ok = False
    if not ok:
        raise ApiError(f"--records {path}: issue_types.{key}.arrivals_per_week is "
                       f"{'missing' if a is None else json.dumps(a)}; expected "
                       '{"mean": M, "ci95": [LO, HI]} with finite numbers, LO <= HI, as \'gridsim fit\' writes it')
    return mean, lo, hi


def closed_by_level(types: dict[str, Any], path: Path | None = None) -> dict[str, int] | None:
    """Per level, the closed orders of ``types`` (fit.json's entries) resolved there: each level's orders
    (``level_share``'s n) less those still open there (``resolution_hours``' open); None when a type has no level
    shares (ApiError naming the entry when a count is not a whole number)."""
    out = dict.fromkeys(LEVELS, 0)
    for key, t in types.items():
        shares = t.get("level_share")
        if not isinstance(shares, dict):
            return None
        hours = t.get("resolution_hours")
        for lv in LEVELS:
            n = _count(path, f"issue_types.{key}.level_share.{lv}", shares.get(lv), "n")
            still_open = _count(path, f"issue_types.{key}.resolution_hours.{lv}",
                                hours.get(lv) if isinstance(hours, dict) else None, "open") if n else 0
            out[lv] += n - still_open
    return out


def _count(path: Path | None, where: str, entry: Any, field: str) -> int:
    """``entry[field]``, a whole number of orders (0 where the entry is absent)."""
    if not entry:
        return 0
    v = entry.get(field, 0) if isinstance(entry, dict) else None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v != int(v) or v < 0:
        raise ApiError(f"--records {path}: {where} is {json.dumps(entry)}; expected {{\"{field}\": a whole number "
                       ">= 0, ...}, as 'gridsim fit' writes it")
    return int(v)


def _level_targets(path: Path, doc: dict[str, Any], sc: Scenario, unused: list[str]) -> list[TargetSpec]:
    """The district's share of closed orders at each level, as targets on ``resolved_share_<level>``; what cannot be
    a target is appended to ``unused``."""
    from scipy.stats import binomtest

    head = f"--records {path}: the level shares"
    missing = [k for k in sc.issue_types if k not in doc["issue_types"]]
    if missing:
        unused.append(f"{head} constrain nothing: {sc.name} has issue types the records do not "
                      f"({', '.join(missing)}), so its resolved_share_<level> counts issues the records cannot show")
        return []
    closed = closed_by_level({k: t for k, t in doc["issue_types"].items() if k in sc.issue_types}, path)
    total = sum(closed.values()) if closed is not None else 0
    if not total:
        unused.append(f"{head} constrain nothing: {'no closed order has a level' if closed is not None else 'fit.json has none'}")
        return []
    metrics, out = set(target_metrics(sc)), []
    for lv, k in closed.items():
        metric = SHARE_AT.format(lv)
        if lv == "grid" and SHARE_AT.format("police") in metrics:
            unused.append(f"{head}: grid ({k} of {total} closed orders) constrains nothing: the records' grid level "
                          "holds police grids' orders too, which the model counts apart (resolved_share_police)")
        elif metric not in metrics:
            unused.append(f"{head}: {lv} ({k} of {total} closed orders) constrains nothing: {sc.name} has no metric "
                          f"{metric} (it resolves no issue there)")
        else:
            ci = binomtest(k, total).proportion_ci(0.95, method="wilson")
            out.append(TargetSpec(metric, k / total, tolerance(k / total, ci.low, ci.high),
                                  f"{path}: {k} of {total} closed orders resolved at {lv}, all types (95% CI "
                                  f"{ci.low:.4g} to {ci.high:.4g}; the model has no share per type)", "records"))
    return out


@dataclass(frozen=True)
class Replaced:
    """A metric both the scenario's [[targets]] and the records give a target on: the records' is matched, the
    scenario's dropped (history matching needs one target per metric)."""

    kept: TargetSpec
    dropped: TargetSpec

    def note(self) -> str:
        k, d = self.kept, self.dropped
        return (f"{k.metric}: the scenario's target {d.value:.6g} (tolerance {d.tolerance:.3g}; {d.source or 'no source'}) "
                f"is dropped, the records' {k.value:.6g} (tolerance {k.tolerance:.3g}; {k.source}) is kept: both name "
                "the metric, and --records asked for the district's own data and its CI")


def merge_targets(own: list[TargetSpec], records: list[TargetSpec]) -> tuple[list[TargetSpec], list[Replaced]]:
    """The scenario's targets and the records', one per metric: where both name a metric, the records' (the
    district's data with its CI, what --records was given for) is kept and the scenario's dropped."""
    by = {t.metric: t for t in records}
    return [t for t in own if t.metric not in by] + records, [Replaced(by[t.metric], t) for t in own if t.metric in by]
