"""Benchmark (not a test): Sobol indices from an emulator against brute-force Sobol on the same small case.

Run:  .venv/bin/python benchmarks/bench_emulator_sobol.py [--samples 512] [--replications 3] [--workers 2]
                                                           [--design-points 30] [--out DIR]

The case: scenarios/validation/mmc.toml (one grid, an M/M/c queue) over 30 days, with
three factors: the cadres on duty c = 3..5 (a whole number), the arrival rate and the
mean work time (utilisation 0.5..0.83), on the mean wait and the mean resolution time.

    gridsim sensitivity mmc.toml --method sobol --samples N ...             (N(D+2) = 5N points)
    gridsim sensitivity mmc.toml --method sobol --emulator [--design-points P] ...   (P = 30 points)

both with K replications per point on common random numbers.  Each is timed as a
separate process.  Per metric and factor it prints S1 and ST of both, their
difference, and whether the brute-force value lies within the emulator's 95% interval;
the issue's criterion is |emulator - brute force| <= 0.05 for every index.  The
emulator estimates the indices of the expected output; brute force those of the
K-replication means, which also carry the part of the noise common random numbers do
not share (the noise share, printed): with a noise share s, brute-force indices are
about (1 - s) times the emulator's.  Writes DIR/bench.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "validation" / "mmc.toml"
SETS = ["calendar.horizon_days=30", "calendar.warmup_days=10"]
VARY = ["cadres.grid_workers.per_grid=3:5", "issue_types.request.rate_per_1000_households_per_week=250:350",
        "issue_types.request.service_time.mean=0.8:1.2"]
METRICS = ["wait_hours_mean", "resolution_hours_mean"]
TOLERANCE = 0.05


def command(out: Path, replications: int, workers: int, extra: list[str]) -> list[str]:
    cmd = [sys.executable, "-m", "sim.cli", "sensitivity", str(SCENARIO), "--method", "sobol", "--quiet",
           "--replications", str(replications), "--workers", str(workers), "--out", str(out), *extra]
    for s in SETS:
        cmd += ["--set", s]
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=512, help="brute-force Sobol base N")
    ap.add_argument("--replications", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--design-points", type=int, default=None, help="emulator design (default: gridsim's, 10 D)")
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args()
    base = a.out or Path(tempfile.mkdtemp(prefix="bench-emulator-sobol-"))
    base.mkdir(parents=True, exist_ok=True)
    design = ["--design-points", str(a.design_points)] if a.design_points else []
    t_em = timed(command(base / "emulator", a.replications, a.workers, ["--emulator", *design]))
    t_bf = timed(command(base / "brute", a.replications, a.workers, ["--samples", str(a.samples)]))
    em, bf = indices(base / "emulator"), indices(base / "brute")
    summary = {e: json.loads((base / e / "summary.json").read_text())["sensitivity"] for e in ("emulator", "brute")}
    rows, worst = [], 0.0
    for key in sorted(bf):
        for idx in ("S1", "ST"):
            diff = em[key][idx] - bf[key][idx]
            inside = em[key][f"{idx}_lo"] <= bf[key][idx] <= em[key][f"{idx}_hi"]
            worst = max(worst, abs(diff))
            rows.append({"metric": key[0], "factor": key[1], "index": idx, "emulator": em[key][idx],
                         "emulator_lo": em[key][f"{idx}_lo"], "emulator_hi": em[key][f"{idx}_hi"],
                         "brute_force": bf[key][idx], "brute_force_conf": bf[key][f"{idx}_conf"], "difference": diff,
                         "brute_force_in_emulator_interval": inside})
    for r in rows:
        print(f"{r['metric']:22s} {r['factor'][:45]:45s} {r['index']}  emulator {r['emulator']:.3f} "
              f"[{r['emulator_lo']:.3f}, {r['emulator_hi']:.3f}]  brute force {r['brute_force']:.3f} "
              f"± {r['brute_force_conf']:.3f}  diff {r['difference']:+.3f}")
    result = {
        "case": {"scenario": str(SCENARIO.relative_to(ROOT)), "set": SETS, "vary": VARY, "metrics": METRICS,
                 "replications": a.replications, "workers": a.workers},
        "emulator": {"points": summary["emulator"]["points"], "runs": summary["emulator"]["runs"], "seconds": t_em,
                     "diagnostics": summary["emulator"]["emulator"]["diagnostics"],
                     "noise_share": summary["emulator"]["noise_share"]},
        "brute_force": {"samples": a.samples, "points": summary["brute"]["points"], "runs": summary["brute"]["runs"],
                        "seconds": t_bf, "noise_share": summary["brute"]["noise_share"]},
        "rows": rows, "max_abs_difference": worst, "tolerance": TOLERANCE, "holds": worst <= TOLERANCE,
    }
    (base / "bench.json").write_text(json.dumps(result, indent=1))
    print(f"emulator: {result['emulator']['runs']} runs, {t_em:.0f} s; brute force: {result['brute_force']['runs']} "
          f"runs, {t_bf:.0f} s; largest |difference| {worst:.3f} (criterion {TOLERANCE}): "
          f"{'holds' if result['holds'] else 'FAILS'}; {base / 'bench.json'}")


if __name__ == "__main__":
    main()
