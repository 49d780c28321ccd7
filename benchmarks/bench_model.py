"""Benchmark (not a test): the model's event throughput against raw SimPy, and cost per issue vs district size.

Run:  .venv/bin/python benchmarks/bench_model.py [--repeats 5]

1. Raw SimPy: processes that do nothing but ``yield env.timeout(...)``; events per second.
2. One replication-year of scenarios/baota.toml (policy baseline): wall time, SimPy events
   scheduled by the model, events per second, and the ratio to raw SimPy.
3. Cost per issue for districts of 10 to 10,000 grids (same per-grid rates and staffing,
   30 days): microseconds per issue should stay flat as the district grows.
Figures are medians of --repeats runs on this machine.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import simpy

from sim.model import simulate
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def raw_simpy(n_events: int = 400_000, n_procs: int = 1000) -> float:
    """Events per second of a bare SimPy loop of timeouts."""
    env = simpy.Environment()
    rng = np.random.default_rng(0)
    delays = rng.exponential(1.0, n_events).tolist()
    per = n_events // n_procs

    def proc(k: int):
        for d in delays[k * per:(k + 1) * per]:
            yield env.timeout(d)

    for k in range(n_procs):
        env.process(proc(k))
    t = time.perf_counter()
    env.run()
    return per * n_procs / (time.perf_counter() - t)


def model_run(scenario) -> tuple[float, int, int, int]:
    t = time.perf_counter()
    rec = simulate(scenario, np.random.SeedSequence(1))
    return time.perf_counter() - t, rec.events, len(rec.issues), rec.transitions


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "baota.toml"))
    args = ap.parse_args()

    raw = statistics.median(raw_simpy() for _ in range(args.repeats))
    print(f"raw SimPy: {raw:,.0f} events/s (median of {args.repeats})")

    sc = load_scenario(args.scenario, "baseline")
    runs = [model_run(sc) for _ in range(args.repeats)]
    wall = statistics.median(r[0] for r in runs)
    events, issues, transitions = runs[0][1], runs[0][2], runs[0][3]
    print(f"baota baseline, one replication-year: {wall:.2f} s (median of {args.repeats}), "
          f"{issues:,} issues, {events:,} SimPy events, {transitions:,} cadre on/off-duty changes")
    # The model batches the shift changes of a duty group into one SimPy event; a model with
    # one SimPy process per cadre would schedule one event per cadre change.  Both counts:
    for label, n in (("SimPy events only", events), ("SimPy events + cadre duty changes", events + transitions)):
        rate = n / wall
        print(f"model, {label}: {rate:,.0f} events/s; ratio to raw SimPy {rate / raw:.2f}")

    print("cost per issue by district size (30 days, same per-grid rates and staffing):")
    base = load_scenario(args.scenario, "baseline")
    per_grid_sunk = base.cadres.sunk.count / 358
    for grids in (10, 100, 1000, 10000):
        sc = load_scenario(args.scenario, "baseline", [
            ("grids.generate.count", grids),
            ("grids.generate.communities", max(1, grids // 10)),
            ("grids.generate.streets", max(1, grids // 60)),
            ("cadres.sunk.count", int(round(per_grid_sunk * grids))),
            ("calendar.horizon_days", 30),
            ("calendar.warmup_days", 0),
            ("emergencies", []),
        ])
        times = []
        for _ in range(max(1, args.repeats // 2)):
            wall, events, issues, _ = model_run(sc)
            times.append(wall / max(issues, 1) * 1e6)
        print(f"  {grids:>6} grids: {issues:>8,} issues, {statistics.median(times):7.1f} us per issue")


if __name__ == "__main__":
    main()
