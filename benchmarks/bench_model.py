"""Benchmark (not a test): the model's event throughput against raw SimPy, and cost per issue vs district size.

Run:  .venv/bin/python benchmarks/bench_model.py [--repeats 5]

1. Raw SimPy: processes that do nothing but ``yield env.timeout(...)``; events per second.
2. One replication-year of scenarios/baota.toml (policy baseline): wall time, SimPy events
   scheduled by the model, events per second, and the ratio to raw SimPy.
3. Cost per issue for districts of 10 to 10,000 grids (same per-grid rates and staffing,
   30 days, no drain): microseconds per issue should stay flat as the district grows;
   --days 365 for replication-years of 100 to 10,000 grids (drain included).
4. Memory: peak resident memory of a whole ``gridsim run`` (one replication-year, one
   worker, in a fresh process) for 200 and 2,000 grids, and the growth per issue between
   them (--memory; add --big for a 10,000-grid year's wall time and peak).
Figures are medians of --repeats runs on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
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


def district(grids: int) -> list[str]:
    """--set overrides that scale Baota to ``grids`` grids with the same per-grid rates and staffing."""
    return ["--set", f"grids.generate.count={grids}", "--set", f"grids.generate.communities={max(1, grids // 10)}",
            "--set", f"grids.generate.streets={max(1, grids // 60)}",
            "--set", f"cadres.sunk.count={round(1090 / 358 * grids)}", "--set", "emergencies=[]"]


PROBE = """
import json, resource, sys, time
from sim.cli import main
t = time.perf_counter()
code = main(sys.argv[1:])
wall = time.perf_counter() - t
print(json.dumps({"code": code, "wall": wall, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def whole_run(grids: int, out: Path) -> dict:
    """Peak memory and wall time of `gridsim run` on a ``grids``-grid district-year, in a fresh process."""
    args = ["run", str(ROOT / "scenarios" / "baota.toml"), "--policy", "baseline", "--replications", "1",
            "--workers", "1", "--quiet", "--out", str(out / f"g{grids}"), *district(grids),
            "--set", "calendar.warmup_days=0"]  # so that issues_arrived counts every issue of the year
    # one BLAS thread: OpenBLAS's per-thread buffers otherwise add a few MB of noise to the peak
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True, env=env)
    doc = json.loads(proc.stdout.strip().splitlines()[-1])
    summary = json.loads((out / f"g{grids}" / "summary.json").read_text())
    doc["issues"] = summary["metrics"]["issues_arrived"]["mean"]
    return doc


def memory(big: bool) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        runs = {g: whole_run(g, Path(tmp)) for g in ((200, 2000, 10000) if big else (200, 2000))}
    for g, d in runs.items():
        print(f"  gridsim run, {g:>6} grids, one year: peak {d['peak_mb']:6.0f} MB, {d['wall']:6.1f} s, "
              f"about {d['issues']:,.0f} issues")
    a, b = runs[200], runs[2000]
    print(f"  peak growth per issue, 200 -> 2,000 grids: {(b['peak_mb'] - a['peak_mb']) * 2**20 / (b['issues'] - a['issues']):.0f} bytes")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "baota.toml"))
    ap.add_argument("--memory", action="store_true", help="only the memory measurement (4)")
    ap.add_argument("--big", action="store_true", help="with --memory: also a 10,000-grid year")
    ap.add_argument("--days", type=int, default=30,
                    help="length of the cost-per-issue runs (365: replication-years with their drain, 100+ grids)")
    args = ap.parse_args()
    if args.memory:
        print("memory of a whole gridsim run:")
        memory(args.big)
        return

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

    year = args.days >= 365
    print(f"cost per issue by district size ({args.days} days, {'with' if year else 'no'} drain, "
          "same per-grid rates and staffing):")
    base = load_scenario(args.scenario, "baseline")
    per_grid_sunk = base.cadres.sunk.count / 358
    for grids in (100, 1000, 10000) if year else (10, 100, 1000, 10000):
        sc = load_scenario(args.scenario, "baseline", [
            ("grids.generate.count", grids),
            ("grids.generate.communities", max(1, grids // 10)),
            ("grids.generate.streets", max(1, grids // 60)),
            ("cadres.sunk.count", int(round(per_grid_sunk * grids))),
            ("calendar.horizon_days", args.days),
            ("calendar.warmup_days", 0),
            *([] if year else [("calendar.drain_days", 0)]),  # 30 days: the event machinery only, no idle drain
            ("emergencies", []),
        ])
        times = []
        for _ in range(max(1, args.repeats // 2)):
            wall, events, issues, _ = model_run(sc)
            times.append(wall / max(issues, 1) * 1e6)
        print(f"  {grids:>6} grids: {issues:>8,} issues, {statistics.median(times):7.1f} us per issue")


if __name__ == "__main__":
    main()
