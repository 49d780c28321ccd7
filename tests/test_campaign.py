"""Experiments end to end: common random numbers, executors, failures, crash safety, designs."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.designs import lhs_design, parse_vary
from sim.experiment import FAIL_ENV, summarize
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BAOTA = ROOT / "scenarios" / "baota.toml"
MMC = ROOT / "scenarios" / "validation" / "mmc.toml"


def gridsim(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})}, timeout=timeout)


# ---------------------------------------------------------------- common random numbers


def test_paired_ci_is_much_narrower_than_unpaired(tmp_path):
    """Same runs, two ways to compare baseline and two_days on mean resolution time.

    Measured (the file's seed, 6 replications, 90 days): the paired half-width is 0.29 of
    the unpaired one for resolution_hours_mean (0.56 for backlog_mean, 0.51 for
    coverage_mean, whose spread between replications is tiny anyway). Without common
    random numbers the two are about equal, so < 0.5 fails then.
    """
    res = sim.compare(BAOTA, ["baseline", "two_days"], replications=6, workers=1, quiet=True,
                      overrides=[("calendar.horizon_days", 90)], out=tmp_path / "crn")
    a = [o.metrics for o in res.outcomes if o.variant == "baseline"]
    b = [o.metrics for o in res.outcomes if o.variant == "two_days"]
    for metric, bound in (("resolution_hours_mean", 0.5),):
        paired = res.differences["two_days"][metric].half_width
        sa, sb = summarize(m[metric] for m in a), summarize(m[metric] for m in b)
        unpaired = 2.571 * np.sqrt(sa.std**2 / sa.n + sb.std**2 / sb.n)  # t(0.975, 5), Welch-style
        assert paired < bound * unpaired, (metric, paired, unpaired)


def test_identical_policies_differ_by_exactly_zero(tmp_path):
    text = MMC.read_text() + '\n[policies.a]\ndescription = "same"\n[policies.b]\ndescription = "same again"\n'
    path = tmp_path / "twins.toml"
    path.write_text(text)
    res = sim.compare(path, ["a", "b"], replications=3, workers=1, quiet=True, out=tmp_path / "out",
                      overrides=[("calendar.horizon_days", 20), ("calendar.warmup_days", 2)])
    for name, d in res.differences["b"].items():
        if d.n:  # n == 0 only for metrics undefined in every run (e.g. no hidden issues)
            assert d.mean == 0 and d.std == 0, name
    by = {(o.variant, o.replication): o.metrics for o in res.outcomes}
    for k in range(3):
        assert by[("a", k)] == by[("b", k)]


# ---------------------------------------------------------------- executors


def test_results_are_bit_identical_across_executors(tmp_path):
    from distributed import LocalCluster

    vary = ["cadres.grid_workers.per_grid=2,3"]
    common = dict(replications=2, quiet=True, overrides=[("calendar.horizon_days", 30), ("calendar.warmup_days", 3)])
    sim.sweep(MMC, vary, out=tmp_path / "w1", workers=1, **common)
    sim.sweep(MMC, vary, out=tmp_path / "w2", workers=2, **common)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        sim.sweep(MMC, vary, out=tmp_path / "dask", scheduler=cluster.scheduler_address, **common)
    for name in ("replications.csv", "points.csv"):
        ref = (tmp_path / "w1" / name).read_bytes()
        assert (tmp_path / "w2" / name).read_bytes() == ref, name
        assert (tmp_path / "dask" / name).read_bytes() == ref, name


# ---------------------------------------------------------------- failures and crash safety


SWEEP = ["sweep", str(MMC), "--vary", "cadres.grid_workers.per_grid=2,3", "--replications", "2",
         "--set", "calendar.horizon_days=20", "--set", "calendar.warmup_days=2", "--quiet"]


def test_one_failing_run_does_not_sink_the_sweep_and_resume_finishes_it(tmp_path):
    out = tmp_path / "out"
    proc = gridsim(*SWEEP, "--workers", "2", "--out", str(out), env={FAIL_ENV: "p0001/r0000"})
    assert proc.returncode == 1, proc.stderr
    assert "1 run(s) failed" in proc.stderr and "p0001/r0000" in proc.stderr
    rows = list(csv.DictReader((out / "failures.csv").open()))
    assert [(r["point"], r["replication"]) for r in rows] == [("p0001", "0")]
    assert "injected failure" in rows[0]["error"] and rows[0]["seed"] == "1"
    assert len(list(csv.DictReader((out / "replications.csv").open()))) == 3  # the other three completed
    proc = gridsim(*SWEEP, "--workers", "2", "--resume", str(out))
    assert proc.returncode == 0, proc.stderr
    assert not (out / "failures.csv").exists()
    assert len(list(csv.DictReader((out / "replications.csv").open()))) == 4


def test_killed_sweep_loses_and_redoes_nothing(tmp_path):
    args = ["sweep", str(BAOTA), "--vary", "cadres.sunk.count=800,1000,1200", "--replications", "4",
            "--set", "calendar.horizon_days=120", "--workers", "2", "--quiet"]
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", *args, "--out", str(out)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(out.glob("runs/*/r*[0-9].json"))) < 3:
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = sorted(out.glob("runs/*/r*[0-9].json"))
    assert 3 <= len(finished) < 12, "kill the sweep mid-way"
    for p in out.rglob("*.json"):
        json.loads(p.read_text())  # every file that exists is whole
    stamps = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in finished}

    done = gridsim(*args, "--resume", str(out))
    assert done.returncode == 0, done.stderr
    for p, stamp in stamps.items():
        assert (p.stat().st_ino, p.stat().st_mtime_ns) == stamp, f"{p.name} was redone"
    assert len(list(out.glob("runs/*/r*[0-9].json"))) == 12
    whole = tmp_path / "whole"
    assert gridsim(*args, "--out", str(whole)).returncode == 0
    assert (out / "replications.csv").read_bytes() == (whole / "replications.csv").read_bytes()


def test_resume_refuses_another_command_and_out_refuses_a_used_folder(tmp_path):
    out = tmp_path / "out"
    assert gridsim(*SWEEP, "--workers", "1", "--out", str(out)).returncode == 0
    other = gridsim("run", str(MMC), "--replications", "2", "--resume", str(out))
    assert other.returncode == 2 and "different command" in other.stderr
    again = gridsim(*SWEEP, "--workers", "1", "--out", str(out))
    assert again.returncode == 2 and "--resume" in again.stderr


def test_ctrl_c_exits_130_and_names_resume(tmp_path):
    out = tmp_path / "int"
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "run", str(BAOTA), "--replications", "20",
                             "--workers", "1", "--out", str(out), "--quiet"], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline and not list(out.glob("runs/*/r*[0-9].json")):
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and f"--resume {out}" in err


# ---------------------------------------------------------------- designs and replications


def test_full_factorial_of_the_issue_example(tmp_path):
    res = sim.sweep(BAOTA, ["cadres.sunk.count=600:1400:200", "cadres.sunk.service_days=Wed,Mon+Thu"],
                    replications=1, workers=2, quiet=True, out=tmp_path / "o",
                    overrides=[("calendar.horizon_days", 45), ("calendar.warmup_days", 7)])
    pts = list(res.points.values())
    assert len(pts) == 10
    assert [p["cadres.sunk.count"] for p in pts[::2]] == [600, 800, 1000, 1200, 1400]
    point = load_scenario(tmp_path / "o" / "scenarios" / "p0001.resolved.toml")
    assert point.cadres.sunk.service_days == ["Mon", "Thu"] and point.cadres.sunk.count == 600
    rows = list(csv.DictReader((tmp_path / "o" / "points.csv").open()))
    assert [r["cadres.sunk.service_days"] for r in rows[:2]] == ["Wed", "Mon+Thu"]


def test_latin_hypercube_is_stratified_and_reproducible():
    f = [parse_vary("a=0:100:0.001"), parse_vary("b=10:20:0.001")]
    pts = lhs_design(f, 16, seed=3)
    assert pts == lhs_design(f, 16, seed=3) and pts != lhs_design(f, 16, seed=4)
    for key, lo, hi in (("a", 0, 100), ("b", 10, 20)):
        strata = sorted(int((p[key] - lo) / (hi - lo) * 16 - 1e-9) for p in pts)
        assert strata == list(range(16)), key  # one sample in each sixteenth of the range


@pytest.mark.parametrize("spec, needle", [("nokey", "KEY=SPEC"), ("a=1:x:2", "LO:HI:STEP"), ("a=5:1:1", "HI >= LO")])
def test_bad_vary_is_exit_2(spec, needle):
    proc = gridsim("sweep", str(MMC), "--vary", spec)
    assert proc.returncode == 2 and needle in proc.stderr and "Traceback" not in proc.stderr


def test_auto_replications_reach_the_precision_with_the_same_replications(tmp_path):
    common = dict(workers=1, quiet=True, overrides=[("calendar.horizon_days", 30), ("calendar.warmup_days", 3)])
    auto = sim.run(MMC, replications=None, precision=0.05, precision_metric="resolution_hours_mean",
                   out=tmp_path / "auto", **common)
    s = auto.summaries["base"]["resolution_hours_mean"]
    assert auto.replications > 10 and s.half_width <= 0.05 * s.mean
    fixed = sim.run(MMC, replications=auto.replications, out=tmp_path / "fixed", **common)
    assert auto.to_frame().equals(fixed.to_frame())


def test_python_api_frames(tmp_path):
    path = tmp_path / "two.toml"
    path.write_text(MMC.read_text() + "\n[policies.base]\n[policies.more.cadres.grid_workers]\nper_grid = 4\n")
    res = sim.compare(path, None, replications=2, workers=1, quiet=True, out=tmp_path / "c",  # None: all policies
                      overrides=[("calendar.horizon_days", 20), ("calendar.warmup_days", 2)])
    frame, summary = res.to_frame(), res.summary()
    assert list(frame["policy"].unique()) == ["base", "more"] and len(frame) == 4
    assert {"policy", "metric", "mean", "ci_lo", "ci_hi", "n", "diff", "diff_ci_lo", "diff_ci_hi"} <= set(summary.columns)
    wait = summary[(summary.policy == "more") & (summary.metric == "wait_hours_mean")].iloc[0]
    assert wait["diff"] < 0  # a fourth cadre cuts the wait


def test_warmup_check_warns_when_the_start_is_a_transient(tmp_path):
    proc = gridsim("run", str(MMC), "--replications", "3", "--workers", "1", "--out", str(tmp_path / "w"),
                   "--set", "calendar.warmup_days=0", "--set", "calendar.horizon_days=60",
                   "--set", 'emergencies=[{start = 0, duration_days = 12, multipliers = {request = 1.2}, wartime = false}]')
    assert proc.returncode == 0, proc.stderr
    assert "MSER-5" in proc.stderr and "warm-up" in proc.stderr
    check = json.loads((tmp_path / "w" / "summary.json").read_text())["warmup_check"]["base"]
    assert check["long_enough"] is False and check["mser5_median_days"] > 0


def test_progress_lines_when_not_a_terminal_and_none_when_quiet(tmp_path):
    loud = gridsim("run", str(MMC), "--replications", "2", "--workers", "1", "--out", str(tmp_path / "a"),
                   "--set", "calendar.horizon_days=10", "--set", "calendar.warmup_days=1")
    assert "runs 2/2 done" in loud.stderr
    quiet = gridsim("run", str(MMC), "--replications", "2", "--workers", "1", "--out", str(tmp_path / "b"),
                    "--set", "calendar.horizon_days=10", "--set", "calendar.warmup_days=1", "--quiet")
    assert quiet.stderr == ""
