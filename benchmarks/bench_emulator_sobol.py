"""Benchmark (not a test): Sobol indices from an emulator against brute-force Sobol on the same small case.

Run:  PYTHONPATH=. .venv/bin/python benchmarks/bench_emulator_sobol.py [--samples 1024] [--replications 6]
          [--days 90] [--workers 2] [--design-points 30 60] [--seeds 1 2 3] [--no-brute-force] [--out DIR]

The case: scenarios/validation/mmc.toml (one grid, an M/M/c queue), runs of --days days (10 of warm-up),
with three factors: the cadres on duty c = 3..5 (a whole number), the arrival rate and the mean work time
(utilisation 0.24..0.71), on the mean wait and the mean resolution time.

A third reference needs no simulation: the steady-state expected wait of an M/M/c queue is Erlang C's,
and the expected resolution time W + 1/mu; their exact Sobol indices follow by quadrature on the
definitions (tests/oracles.py, ``exact``).  The emulator estimates the indices of the expected output, so
it is compared with both.

    gridsim sensitivity mmc.toml --method sobol --samples N ...                         (N(D+2) = 5N points)
    gridsim sensitivity mmc.toml --method sobol --emulator --design-points P --seed S ...   (P points)

both with K replications per point on common random numbers; one emulator study per design size and
seed (its own Latin hypercube and random numbers), brute force once (seed 1).  Each is timed as a separate
process.  Per study it prints the largest |difference| over the 12 indices from each reference and how
many references lie in the emulator's 95% interval; per design size, how many studies hold the issue's
criterion (|difference| <= 0.05).  Writes DIR/bench.json.

Measured (2 cores shared with other jobs; --workers 2; see docs/sensitivity.md for the table):

    python benchmarks/bench_emulator_sobol.py --samples 1024 --replications 6 --days 90 \
        --design-points 30 60 --seeds 1 2 3 4 5 6 --out /tmp/bench

    brute force (N = 1024): 30720 runs, 1619 s; largest |brute force - exact| 0.023
    P = 30: 6 studies of 180 runs (median 29 s); against exact: 6 of 6 within ±0.05 (largest 0.045);
            against brute force: 5 of 6 (largest 0.064)
    P = 60: 6 studies of 360 runs (median 42 s); against exact: 6 of 6 within ±0.05 (largest 0.030);
            against brute force: 5 of 6 (largest 0.053)

With --replications 3 --days 45 (8 times the noise per point), 9 of 16 studies (seeds 1-8) held
against the exact indices, the largest difference 0.12.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the Erlang C oracle
SCENARIO = ROOT / "scenarios" / "validation" / "mmc.toml"
WARMUP_DAYS = 10
BOX = [[3, 5], [200, 300], [0.8, 1.2]]  # the factors' ranges, for the exact indices
VARY = ["cadres.grid_workers.per_grid=3:5", "issue_types.request.rate_per_1000_households_per_week=200:300",
        "issue_types.request.service_time.mean=0.8:1.2"]
METRICS = ["wait_hours_mean", "resolution_hours_mean"]
TOLERANCE = 0.05


def command(out: Path, a: argparse.Namespace, seed: int, extra: list[str]) -> list[str]:
    cmd = [sys.executable, "-m", "sim.cli", "sensitivity", str(SCENARIO), "--method", "sobol", "--quiet",
           "--replications", str(a.replications), "--workers", str(a.workers), "--seed", str(seed), "--out", str(out),
           "--set", f"calendar.horizon_days={a.days}", "--set", f"calendar.warmup_days={WARMUP_DAYS}", *extra]
    for v in VARY:
        cmd += ["--vary", v]
    for m in METRICS:
        cmd += ["--metric", m]
    return cmd


def timed(cmd: list[str]) -> float:
    print("$", " ".join(cmd), flush=True)
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}):\n{proc.stderr}")
    return time.perf_counter() - t


def indices(out: Path) -> dict[tuple[str, str], dict[str, float]]:
    with open(out / "sensitivity.csv", newline="") as fh:
        return {(r["metric"], r["factor"]): {k: float(v) for k, v in r.items() if k not in ("factor", "metric", "method")}
                for r in csv.DictReader(fh)}


def exact() -> dict[tuple[str, str], dict[str, float]]:
    """S1 and ST of the expected wait and resolution time over the box, from Erlang C (tests/oracles.py)."""
    from oracles import mmc_sobol_exact

    keys = [v.split("=")[0] for v in VARY]
    return {(metric, k): {"S1": float(s1[j]), "ST": float(st[j])}
            for metric, (s1, st) in mmc_sobol_exact(BOX).items() for j, k in enumerate(keys)}


def compare(em: dict, ref: dict) -> tuple[list[dict], float]:
    rows, worst = [], 0.0
    for key in sorted(ref):
        for idx in ("S1", "ST"):
            diff = em[key][idx] - ref[key][idx]
            worst = max(worst, abs(diff))
            rows.append({"metric": key[0], "factor": key[1], "index": idx, "emulator": em[key][idx],
                         "lo": em[key][f"{idx}_lo"], "hi": em[key][f"{idx}_hi"], "reference": ref[key][idx],
                         "difference": diff, "in_interval": em[key][f"{idx}_lo"] <= ref[key][idx] <= em[key][f"{idx}_hi"]})
    return rows, worst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=1024, help="brute-force Sobol base N")
    ap.add_argument("--replications", type=int, default=6)
    ap.add_argument("--days", type=int, default=90, help="each run's horizon (the first %d days are warm-up)"
                    % WARMUP_DAYS)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--design-points", type=int, nargs="+", default=[30], help="emulator designs (gridsim's default "
                    "is 10 D = 30)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1], help="one emulator study per seed and design "
                    "(its Latin hypercube and its replications' random numbers); brute force runs once, seed 1")
    ap.add_argument("--no-brute-force", action="store_true", help="compare with the exact indices only")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--reuse", action="store_true", help="keep the folders in --out that are complete (and their "
                    "times from --out's bench.json) and run only the others")
    a = ap.parse_args()
    base = a.out or Path(tempfile.mkdtemp(prefix="bench-emulator-sobol-"))
    base.mkdir(parents=True, exist_ok=True)
    ex = exact()
    before = json.loads((base / "bench.json").read_text()) if a.reuse and (base / "bench.json").exists() else {}
    done = {**before.get("emulator", {}), **({"brute": before["brute_force"]} if "brute_force" in before else {})}
    result: dict = {"case": {"scenario": str(SCENARIO.relative_to(ROOT)), "days": a.days, "warmup_days": WARMUP_DAYS,
                             "vary": VARY, "metrics": METRICS, "replications": a.replications, "workers": a.workers},
                    "tolerance": TOLERANCE, "emulator": {}, "by_design": {}}
    runs = {f"emulator-{p}-s{seed}": (seed, ["--emulator", "--design-points", str(p)])
            for p in a.design_points for seed in a.seeds}
    if not a.no_brute_force:
        runs["brute"] = (1, ["--samples", str(a.samples), *(["--force"] if 5 * a.samples > 10_000 else [])])
    found = {}
    for name, (seed, extra) in runs.items():
        old = done.get(name)
        if a.reuse and old and (base / name / "sensitivity.csv").exists():
            seconds = old["seconds"]
        else:
            seconds = timed(command(base / name, a, seed, extra))
        block = json.loads((base / name / "summary.json").read_text())["sensitivity"]
        found[name] = indices(base / name)
        entry = {"seed": seed, "points": block["points"], "runs": block["runs"], "seconds": seconds,
                 "noise_share": block["noise_share"]}
        if name == "brute":
            result["brute_force"] = {**entry, "samples": a.samples}
        else:
            entry["diagnostics"] = block["emulator"]["diagnostics"]
            result["emulator"][name] = entry
        (base / "bench.json").write_text(json.dumps(result, indent=1))
    refs = [("exact", ex)]
    if "brute" in found:
        bf = {k: {"S1": v["S1"], "ST": v["ST"], "S1_lo": v["S1"] - v["S1_conf"], "S1_hi": v["S1"] + v["S1_conf"],
                  "ST_lo": v["ST"] - v["ST_conf"], "ST_hi": v["ST"] + v["ST_conf"]} for k, v in found["brute"].items()}
        result["brute_force"]["against_exact"], worst = compare(bf, ex)
        result["brute_force"]["max_abs_difference_exact"] = worst
        print(f"brute force (N = {a.samples}): {result['brute_force']['runs']} runs, "
              f"{result['brute_force']['seconds']:.0f} s; largest |brute force - exact| {worst:.3f}")
        refs.append(("brute_force", found["brute"]))
    for name, e in result["emulator"].items():
        for ref_name, ref in refs:
            rows, worst = compare(found[name], ref)
            e[f"against_{ref_name}"], e[f"max_abs_difference_{ref_name}"] = rows, worst
            e[f"holds_{ref_name}"] = worst <= TOLERANCE
            e[f"in_interval_{ref_name}"] = sum(r["in_interval"] for r in rows)
        print(f"{name}: {e['runs']} runs, {e['seconds']:.0f} s; largest |difference| from "
              + ", ".join(f"{r} {e[f'max_abs_difference_{r}']:.3f} (in the 95% interval {e[f'in_interval_{r}']} "
                          f"of {len(e[f'against_{r}'])})" for r, _ in refs))
    for p in a.design_points:
        studies = [e for n, e in result["emulator"].items() if e["points"] == p]
        summary = {"studies": len(studies), "runs": studies[0]["runs"],
                   "median_seconds": float(statistics.median(e["seconds"] for e in studies))}
        for r, _ in refs:
            worst = [e[f"max_abs_difference_{r}"] for e in studies]
            summary[r] = {"within_tolerance": sum(w <= TOLERANCE for w in worst), "largest": max(worst),
                          "median_largest": float(statistics.median(worst))}
        result["by_design"][str(p)] = summary
        print(f"P = {p}: {summary['studies']} studies of {summary['runs']} runs (median {summary['median_seconds']:.0f}"
              " s); " + "; ".join(f"against {r}: {summary[r]['within_tolerance']} of {summary['studies']} within "
                                   f"±{TOLERANCE} (largest {summary[r]['largest']:.3f}, median "
                                   f"{summary[r]['median_largest']:.3f})" for r, _ in refs))
    (base / "bench.json").write_text(json.dumps(result, indent=1))
    print(base / "bench.json")


if __name__ == "__main__":
    main()
