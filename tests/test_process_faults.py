"""Process faults (issue 12): a pool worker killed mid-run does not sink the campaign; SIGTERM
to the command shuts its workers down; workers exit when the command is killed; a compare
whose policy fails every run still prints, writes and plots what exists.

Faults are injected with the documented GRIDSIM_FAIL_RUN (``kill:<variant>/r<NNNN>`` makes that
run SIGKILL its worker process, as the OOM killer would).
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli import main
from sim.experiments.runs import FAIL_ENV

ROOT = Path(__file__).resolve().parent.parent
MMC = ROOT / "scenarios" / "validation" / "mmc.toml"
SWEEP = ["sweep", str(MMC), "--vary", "cadres.grid_workers.per_grid=3,4,5", "--replications", "3",
         "--set", "calendar.horizon_days=20", "--set", "calendar.warmup_days=10"]


def cli(*args: object, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=timeout)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------- a worker killed


def test_a_run_that_kills_its_worker_is_recorded_and_the_rest_finish(tmp_path):
    out, ref = tmp_path / "killed", tmp_path / "ref"
    proc = cli(*SWEEP, "--workers", "2", "--out", out, env={FAIL_ENV: "kill:p0001/r0001"})
    assert proc.returncode == 1, proc.stderr
    assert "BrokenProcessPool" not in proc.stderr and "Traceback" not in proc.stderr
    assert "1 run(s) failed; the others completed" in proc.stderr and "p0001/r0001" in proc.stderr
    fails = rows(out / "failures.csv")
    assert [(f["point"], f["replication"]) for f in fails] == [("p0001", "1")]
    assert "worker process died twice running this run" in fails[0]["error"]
    # every other run finished, with the numbers of an undisturbed command (the runs in flight were re-run)
    assert main([*SWEEP, "--workers", "1", "--quiet", "--out", str(ref)]) == 0
    expected = [r for r in rows(ref / "replications.csv") if (r["point"], r["replication"]) != ("p0001", "1")]
    assert rows(out / "replications.csv") == expected
    assert (out / "points.csv").is_file()
    # and --resume without the fault finishes the one that failed
    assert main([*SWEEP, "--workers", "2", "--quiet", "--resume", str(out)]) == 0
    assert (out / "replications.csv").read_bytes() == (ref / "replications.csv").read_bytes()


# ---------------------------------------------------------------- the command stopped


def workers_of(pid: int) -> list[int]:
    """The pool workers (spawned processes) whose parent is ``pid``."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmd = (d / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid and b"spawn_main" in cmd:
            found.append(int(d.name))
    return found


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")  # a zombie has exited (its reaper may be slow)


def start_long_run(out: Path) -> tuple[subprocess.Popen, list[int]]:
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "run", str(MMC), "--replications", "400",
                             "--workers", "2", "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while len(list((out / "runs").glob("*/r*.json"))) < 2 or len(workers_of(proc.pid)) < 2:
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
        time.sleep(0.05)
    return proc, workers_of(proc.pid)


def wait_gone(pids: list[int], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not all(gone(p) for p in pids):
        assert time.monotonic() < deadline, f"workers still alive: {[p for p in pids if not gone(p)]}"
        time.sleep(0.05)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_sigterm_shuts_the_workers_down(tmp_path):
    out = tmp_path / "out"
    proc, workers = start_long_run(out)
    try:
        os.kill(proc.pid, signal.SIGTERM)  # the command only, as a scheduler or `kill` would
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 143, err
        assert f"--resume {out}" in err and "Traceback" not in err
        wait_gone(workers)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_exit_when_the_command_is_killed(tmp_path):
    out = tmp_path / "out"
    proc, workers = start_long_run(out)
    try:
        os.kill(proc.pid, signal.SIGKILL)  # only the parent: its workers must not live on as orphans
        proc.communicate(timeout=30)
        wait_gone(workers)
    finally:
        for p in workers:
            if not gone(p):
                os.kill(p, signal.SIGKILL)


# ---------------------------------------------------------------- a policy that fails every run


@pytest.fixture
def policies(tmp_path) -> Path:
    p = tmp_path / "mmc_policies.toml"
    p.write_text(MMC.read_text() + "\n[policies.a]\ndescription = \"a\"\n[policies.b]\ndescription = \"b\"\n"
                 "cadres.grid_workers.per_grid = 4\n[policies.c]\ndescription = \"c\"\n"
                 "cadres.grid_workers.per_grid = 5\n")
    return p


def compare(policies: Path, out: Path) -> list[str]:
    return ["compare", str(policies), "--replications", "2", "--set", "calendar.horizon_days=20",
            "--set", "calendar.warmup_days=10", "--workers", "1", "--quiet", "--out", str(out)]


@pytest.mark.parametrize("failing", ["b", "a"])
def test_compare_with_a_policy_that_fails_every_run(tmp_path, capsys, monkeypatch, policies, failing):
    monkeypatch.setenv(FAIL_ENV, f"{failing}/r0000,{failing}/r0001")
    out = tmp_path / "out"
    assert main(compare(policies, out)) == 1
    captured = capsys.readouterr()
    table, err = captured.out, captured.err
    assert "Traceback" not in err and "internal error" not in err
    assert "2 run(s) failed" in err and "failures.csv" in err
    for p in "abc":  # every policy is in the table; the failed one is marked
        assert f"  {p}  " in table, table
    assert "all runs failed" in table and f"no results for {failing}: every run failed" in table
    if failing == "a":
        assert "the reference policy a has no results" in table and "--policies b,c" in table
    else:
        assert "diff vs a" in table
    assert [r["policy"] for r in rows(out / "failures.csv")] == [failing, failing]
    assert sorted({r["policy"] for r in rows(out / "replications.csv")}) == sorted(set("abc") - {failing})
    # the figures and the report are made from what exists
    assert main(["plot", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    assert f"{failing} (all runs failed)" in (out / "report.md").read_text()
