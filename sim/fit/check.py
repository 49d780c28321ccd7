"""``gridsim check SCENARIO --against RECORDS``: simulate the records' period and set the model beside them.

The scenario runs over the records' period (its calendar moved to start its warm-up before the first report's
day and to end at the last report's day; open orders censored at the records' export, or at the end of that
day if later), for its replications; each replication's issues become a work-order export
(sim.experiments.work_orders) read by the same reader as the records, so both sides are counted and censored
alike.  Per measure: the records value, the simulated mean with its CI and the range of single runs, and
whether the records value lies in that range (sim.fit.measures).
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from sim.experiments.atomic import atomic_write
from sim.experiments.runs import replication_seed
from sim.experiments.work_orders import work_orders
from sim.fit.measures import (MIN_CLOSED, QUANTILES, Period, Reduced, judge, period_of, qq, quantile_ci, quantiles,
                              reduce, two_sample)
from sim.fit.reading import FitError, parse_columns, read_records
from sim.fit.rows import LEVELS, orders_from, refused_csv
from sim.model import simulate
from sim.scenario import load_scenario, parse_set

NOTES = (
    "Each records value is one realisation: it is judged against the range where 95% of single simulated runs "
    "fall (the prediction interval mean ± t·sd·√(1 + 1/n)), not against the CI of the simulated mean.",
    "Resolution times are those of closed orders, in the records and in each simulated export alike: both are "
    "censored at the same export, so the comparison is like for like.",
    "The two-sample Kolmogorov-Smirnov test sets the records' closed durations against the simulated ones pooled "
    "over replications; orders in one run share queues and are not independent draws, so its p-value is too "
    "small when the pooled sample is large: read it beside the quantiles.",
    "With many measures some fall outside by chance (about 5%): the summary says how many would.",
)


@dataclass(frozen=True)
class CheckResult:
    out: Path
    doc: dict[str, Any]


def _scenario(path: str | Path, sets: list[Any], p: Period) -> tuple[Any, Period]:
    """The scenario moved onto the records' period, and that period in the simulation's clock."""
    base = load_scenario(path, None, sets)
    warm = math.ceil(base.calendar.warmup_days)
    start = p.start - timedelta(days=warm)
    drain = max(p.export - p.days * 24, 0.0) / 24
    moved = [("calendar.start", start.date()), ("calendar.warmup_days", warm),
             ("calendar.horizon_days", warm + p.days), ("calendar.drain_days", drain)]
    return load_scenario(path, None, [*sets, *moved]), Period(start + timedelta(days=warm), p.days, 0.0)


def _simulated(sc: Any, p: Period, replications: int, say: Any) -> list[Reduced]:
    out = []
    end = p.start + timedelta(days=p.days + sc.calendar.drain_days)
    with tempfile.TemporaryDirectory(prefix="gridsim-check-") as tmp:
        for k in range(replications):
            say(f"replication {k + 1} of {replications}")
            path = Path(tmp) / f"r{k}.csv"
            path.write_text(work_orders(simulate(sc, replication_seed(sc.seed, k)), sc), encoding="utf-8")
            try:
                out.append(reduce(orders_from(read_records(path), end), p))
            except FitError:  # no order at all in the run
                out.append(Reduced({}, {}, {}, {}, {}))
    return out


def _row(measure: str, unit: str, records: float, simulated: list[float], **where: str) -> dict[str, Any]:
    j = judge(records, simulated)
    return {"measure": measure, **where, "unit": unit, "records": j.records,
            "simulated": {"mean": j.mean, "ci95": j.ci95, "range95": j.range95, "n": j.n},
            "consistent": j.consistent, "difference": _difference(j.records, j.mean, unit)}


def _difference(records: float, mean: float, unit: str) -> float | None:
    """Records minus model: in percentage points for a share, else relative to the model (None at 0)."""
    if unit == "share":
        return records - mean
    return None if mean == 0 else records / mean - 1


def _measures(rec: Reduced, sims: list[Reduced]) -> tuple[list[dict[str, Any]], dict[str, Any], list[str]]:
    rows: list[dict[str, Any]] = []
    for name in sorted(set(rec.weekly) | {n for s in sims for n in s.weekly}):
        rows.append(_row("orders_per_week", "per week", rec.weekly.get(name, 0.0),
                         [s.weekly.get(name, 0.0) for s in sims], type=name))
    for g in sorted(set(rec.grids) | {g for s in sims for g in s.grids}):
        rows.append(_row("grid_orders_per_week", "per week", rec.grids.get(g, 0.0),
                         [s.grids.get(g, 0.0) for s in sims], grid=g))
    for name, shares in rec.shares.items():
        for lv in LEVELS:
            sim = [s.shares.get(name, {}).get(lv, 0.0) for s in sims]
            if shares[lv] > 0 or any(sim):
                rows.append(_row("level_share", "share", shares[lv], sim, type=name, level=lv))
    plots: dict[str, Any] = {}
    skipped = []  # records with enough closed orders that the model cannot be set beside: said, not dropped
    for (name, lv), hours in rec.durations.items():
        runs = [s.durations[(name, lv)] for s in sims if len(s.durations.get((name, lv), ())) >= MIN_CLOSED]
        if len(hours) >= MIN_CLOSED and len(runs) < 2:
            skipped.append(f"resolution times of {name} at {lv} not compared: the records close {len(hours)} orders "
                           f"there, the model fewer than {MIN_CLOSED} in {len(sims) - len(runs)} of {len(sims)} runs "
                           "(a level the model hardly reaches, or a queue it never clears)")
        if len(hours) < MIN_CLOSED or len(runs) < 2:
            continue
        for i, q in enumerate(QUANTILES):
            rows.append(_row(f"resolution_hours_p{round(100 * q)}", "hours", quantiles(hours)[i],
                             [quantiles(r)[i] for r in runs], type=name, level=lv)
                        | {"records_ci95": quantile_ci(hours, q)})
        pooled = np.concatenate(runs)
        ks = two_sample(hours, pooled)
        rows.append({"measure": "resolution_ks", "type": name, "level": lv, "unit": "KS D", "records": ks["statistic"],
                     "simulated": {"mean": None, "ci95": None, "range95": None, "n": len(runs)},
                     "p_value": ks["p_value"], "consistent": ks["p_value"] >= 0.05, "difference": ks["statistic"],
                     "n_records": len(hours), "n_simulated": len(pooled)})
        plots[f"{name}|{lv}"] = qq(hours, pooled)
    return rows, plots, skipped


def check(scenario: str | Path, against: str | Path, out: str | Path, sets: list[str] | None = None,
          replications: int | None = None, columns: list[str] | None = None, sheet: str | None = None,
          quiet: bool = False, export_time: datetime | None = None) -> CheckResult:
    """Simulate the records' period with ``scenario`` and write DIR/check.json; return what it found."""
    def say(text: str) -> None:
        if not quiet:
            print(f"check: {text}", file=sys.stderr, flush=True)

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FitError(f"--out {out}: a file, not a folder; give a folder for check.json")
    try:
        overrides = parse_set(sets or [])
    except ValueError as e:
        raise FitError(str(e)) from None
    orders = orders_from(read_records(against, parse_columns(columns), sheet), export_time)
    p = period_of(orders)
    say(f"{against}: {len(orders)} orders over {p.days} days from {p.start:%Y-%m-%d}")
    sc, sim_p = _scenario(scenario, overrides, p)
    n = replications or sc.replications
    if n < 2:
        raise FitError(f"--replications {n}: check needs at least 2 replications to judge the spread of runs")
    rec = reduce(orders, p)
    sims = _simulated(sc, sim_p, n, say)
    rows, plots, skipped = _measures(rec, sims)
    not_compared = len(skipped)
    if orders.refused:
        reasons = Counter(r.reason.split(" (")[0].split(" '")[0] for r in orders.refused)
        skipped.insert(0, f"{len(orders.refused)} of the records' {orders.total_rows} rows refused as fit refuses them "
                          f"({', '.join(f'{k}: {v}' for k, v in reasons.most_common(4))}); each in refused.csv")
    if n < 5:  # the range 95% of single runs fall in is a t-interval: with few runs it is very wide
        skipped.insert(0, f"only {n} simulated runs: the range single runs fall in is very wide, so few measures can be "
                          "called inconsistent; give --replications 10 or more")
    bad = sum(not r["consistent"] for r in rows)
    chance = int(stats.binom.ppf(0.99, len(rows), 0.05))
    doc = {"scenario": str(scenario), "records": str(against), "replications": n,
           "period": {"start": f"{p.start:%Y-%m-%d}", "days": p.days, "orders": len(orders),
                      "refused": len(orders.refused)},
           # a level the records close but the model cannot is a difference, not a gap in the evidence
           "summary": {"measures": len(rows), "inconsistent": bad, "expected_by_chance": 0.05 * len(rows),
                       "not_compared": not_compared, "consistent": bad <= chance and not not_compared},
           "measures": rows,
           "series": {"weekly": {t: {"records": rec.weekly_series[t],
                                     "simulated": [s.weekly_series.get(t, [0] * len(rec.weekly_series[t]))
                                                   for s in sims]} for t in rec.weekly_series},
                      "qq": plots},
           "notes": list(NOTES), "warnings": skipped}
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise FitError(f"--out {out}: cannot make the folder ({e.strerror or e})") from None
    atomic_write(out / "refused.csv", refused_csv(orders.refused))
    atomic_write(out / "check.json", json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    return CheckResult(out, doc)
