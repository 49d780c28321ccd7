"""Work times found by simulation where the records have no accepted time (``fit --work-by-simulation``).

Report-to-resolution holds the waiting as well as the work.  With the staffing given (``--scenario``),
the fitted scenario is run and, per issue type and level without accepted times, the work time's mean is
scaled by records' mean resolution / simulated mean resolution (the factor kept within 1/4 and 4, the
distribution's cv kept; after two rounds by the square root of that factor, as the levels share offices and
near saturation a full step overshoots), until every simulated mean lies in the records' 95% CI of their mean (or within ``tol`` of it) or the
rounds run out.  Where waiting is most of the resolution time (office hours, long queues) the work time is weakly
identified: a small change in the records' mean moves it a lot; the rounds are in fit.json.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiments.runs import replication_seed
from sim.model import simulate
from sim.scenario import LEVELS, load_scenario
from sim.scenario.loading import dump_toml

ROUNDS = 12
FULL_STEPS = 2
REPLICATIONS = 2
TOL = 0.05


def targets(est: dict[str, Any]) -> dict[tuple[str, str], tuple[float, float, float]]:
    """(type, level) -> the records' mean resolution hours and its 95% CI, where no order there has an
    accepted time."""
    out = {}
    for key, t in est["issue_types"].items():
        for lv, e in t["resolution_hours"].items():
            if lv not in t["work_hours"] and e.get("mean"):
                out[(key, lv)] = (float(e["mean"]), *map(float, e["ci95"]))
    return out


def _entry(data: dict[str, Any], key: str, level: str) -> dict[str, Any]:
    it = data["issue_types"][key]
    return it.get("service_time_by_level", {}).get(level) or it["service_time"]


def simulated_means(data: dict[str, Any], wanted: set[tuple[str, str]], replications: int) -> dict[tuple[str, str], float]:
    """The scenario's mean report-to-resolution hours per (type, level), over resolved issues reported after the
    warm-up, pooled over ``replications`` runs."""
    with tempfile.TemporaryDirectory(prefix="gridsim-work-") as tmp:
        path = Path(tmp) / "scenario.toml"
        path.write_text(dump_toml(data), encoding="utf-8")
        sc = load_scenario(path)
    sums: dict[tuple[str, str], list[float]] = {k: [0.0, 0.0] for k in wanted}
    for k in range(replications):
        rec = simulate(sc, replication_seed(sc.seed, k))
        t = rec.issues
        ok = ~np.isnan(rec.end) & (rec.report >= rec.warmup)
        for (key, lv) in wanted:
            sel = ok & (t.type == t.type_names.index(key)) & (rec.resolved_level == LEVELS.index(lv))
            sums[(key, lv)][0] += float((rec.end[sel] - rec.report[sel]).sum())
            sums[(key, lv)][1] += int(sel.sum())
    return {k: s / n for k, (s, n) in sums.items() if n}


def search(data: dict[str, Any], est: dict[str, Any], say: Any, rounds: int = ROUNDS,
           replications: int = REPLICATIONS, tol: float = TOL) -> dict[str, Any]:
    """Scale the work times of ``data`` (in place) until the simulated resolution means match the records';
    return the account for fit.json."""
    goal = targets(est)
    history = []
    done = False
    for r in range(rounds):
        sim = simulated_means(data, set(goal), replications)
        gaps = {k: goal[k][0] / sim[k] for k in goal if k in sim and sim[k] > 0}
        history.append({f"{k[0]}|{k[1]}": {"records": goal[k][0], "records_ci95": list(goal[k][1:]),
                                           "simulated": sim.get(k), "work_mean": _entry(data, *k)["mean"]}
                        for k in goal})
        worst = max((abs(g - 1) for g in gaps.values()), default=0.0)
        inside = sum(goal[k][1] <= sim[k] <= goal[k][2] for k in gaps)
        say(f"work by simulation, round {r + 1}: {inside} of {len(goal)} simulated resolution means in the "
            f"records' CI (the farthest {100 * worst:.0f}% off)")
        # done when each lies in the records' own CI (closer is noise), or within tol of its mean
        done = len(gaps) == len(goal) and all(goal[k][1] <= sim[k] <= goal[k][2] or abs(g - 1) <= tol
                                              for k, g in gaps.items())
        if done:
            break
        for k, g in gaps.items():
            entry = _entry(data, *k)
            # full steps to get near, then half steps (on the log scale): the levels share offices, so one
            # type's work moves another's resolution, and near saturation a full step overshoots
            g = min(max(g, 0.25), 4.0) ** (1.0 if r < FULL_STEPS else 0.5)
            entry["mean"] = float(f"{entry['mean'] * g:.4g}")
    return {"targets": len(goal), "converged": done, "tolerance": tol,
            "replications": replications, "rounds": history}
