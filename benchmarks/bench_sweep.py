"""Benchmark (not a test): one sweep of 64 runs on 1 worker, 2 worker processes and a Dask cluster.

Run:  .venv/bin/python benchmarks/bench_sweep.py [--repeats 3] [--horizon 365] [--replications 4]

The sweep is the issue's example shape on scenarios/baota.toml:

    gridsim sweep scenarios/baota.toml --vary cadres.sunk.count=600:1300:100 \\
        --vary cadres.sunk.service_days=Wed,Mon+Thu --replications 4 --quiet --out DIR \\
        [--workers 1 | --workers 2 | --scheduler tcp://127.0.0.1:PORT]

i.e. 8 x 2 = 16 points x 4 replications = 64 runs of a full year each (about 1.3 s a
run, so process start-up does not dominate).  Each command runs as its own process,
as a user would start it, so its wall time includes interpreter start-up and, for
--workers 2, starting the process pool.  Each Dask timing gets a fresh
distributed.LocalCluster (2 worker processes x 1 thread, on loopback), started before
the clock starts, like an existing cluster.  Dask is timed twice: with the worker
settings gridsim ships (deploy/dask/gridsim.yaml: profiler off, the event loop's
periodic checks once a second) and with Dask's defaults.

The executors are timed in turn within each repeat (1, 2, Dask, Dask, 1, 2, ...) so
that drift in the machine's load hits them alike; the figures are medians over the
repeats.  Every command's replications.csv must be byte-identical.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARY = ["cadres.sunk.count=600:1300:100", "cadres.sunk.service_days=Wed,Mon+Thu"]  # 8 x 2 points


def command(replications: int, horizon: int, out: Path, executor: list[str]) -> list[str]:
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(ROOT / "scenarios" / "baota.toml")]
    for v in VARY:
        cmd += ["--vary", v]
    cmd += ["--replications", str(replications), "--quiet", "--out", str(out), *executor]
    if horizon != 365:
        cmd += ["--set", f"calendar.horizon_days={horizon}"]
    return cmd


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
    return elapsed


def run_seconds(out: Path) -> list[float]:
    return [json.loads(p.read_text())["wall_seconds"] for p in (out / "runs").glob("*/r*[0-9].json")]


WORKER_SETTINGS = ROOT / "deploy" / "dask" / "gridsim.yaml"


def dotted(tree: dict, prefix: str = "") -> dict[str, object]:
    """{"a": {"b": 1}} -> {"a.b": 1}: dask.config.set replaces nested dicts whole."""
    out: dict[str, object] = {}
    for k, v in tree.items():
        out.update(dotted(v, f"{prefix}{k}.") if isinstance(v, dict) else {f"{prefix}{k}": v})
    return out


@contextmanager
def dask_cluster(settings: dict[str, object]) -> Iterator[str]:
    """A LocalCluster of 2 worker processes x 1 thread on loopback; yields its scheduler address."""
    import dask
    from distributed import LocalCluster

    with dask.config.set(settings), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                         dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


def executors() -> dict[str, tuple[list[str], dict[str, object] | None]]:
    """name: (gridsim options, Dask settings, or None for no cluster)."""
    import yaml  # a Dask dependency

    return {
        "1 worker (in-process)": (["--workers", "1"], None),
        "2 workers (process pool)": (["--workers", "2"], None),
        "Dask, 2 workers, gridsim.yaml": (["--scheduler"], dotted(yaml.safe_load(WORKER_SETTINGS.read_text()))),
        "Dask, 2 workers, Dask defaults": (["--scheduler"], {}),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3, help="timings per executor; the median is shown (default 3)")
    ap.add_argument("--horizon", type=int, default=365, help="days per run (default 365, the file's year)")
    ap.add_argument("--replications", type=int, default=4, help="per point; 16 points (default 4: 64 runs)")
    args = ap.parse_args()

    n_runs = 16 * args.replications
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0]
    print(f"machine: {cores} cores usable, load average {load:.2f} at start"
          + ("  (other work is running: figures will be noisy)" if load > 0.5 else ""))
    tmp = Path(tempfile.mkdtemp(prefix="gridsim-bench-sweep-"))
    todo = executors()
    times: dict[str, list[float]] = {name: [] for name in todo}
    csvs: dict[str, set[bytes]] = {name: set() for name in todo}
    per_run: dict[str, list[float]] = {name: [] for name in todo}
    for r in range(args.repeats):
        for i, (name, (options, settings)) in enumerate(todo.items()):
            out = tmp / f"r{r}-e{i}"
            with (dask_cluster(settings) if settings is not None else nullcontext("")) as address:
                cmd = command(args.replications, args.horizon, out, options + ([address] if address else []))
                times[name].append(timed(cmd))
            csvs[name].add((out / "replications.csv").read_bytes())
            per_run[name] += run_seconds(out)
            print(f"  repeat {r + 1}/{args.repeats}: {name:<32} {times[name][-1]:6.1f} s", flush=True)
    print()
    print(f"sweep of {n_runs} runs (16 points x {args.replications} replications of baota.toml, "
          f"{args.horizon} days each)")
    print(f"wall time of the whole command, median of {args.repeats} (min-max), and one run's time inside it:")
    base = statistics.median(times["1 worker (in-process)"])
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"  {name:<32} {med:6.1f} s  ({min(ts):.1f}-{max(ts):.1f})   speed-up vs 1 worker {base / med:4.2f}x"
              f"   one run {statistics.median(per_run[name]):.2f} s")
    print("Dask clusters start before each timing and stop after it (start-up not timed).")
    identical = len(set().union(*csvs.values())) == 1
    print(f"replications.csv byte-identical across executors and repeats: {identical}")
    print("command:", " ".join(command(args.replications, args.horizon, Path("DIR"), ["--workers", "N"])))
    if not identical:
        sys.exit(1)


if __name__ == "__main__":
    main()
