"""Crash safety and --resume: a killed or interrupted command leaves only whole run files,
--resume redoes none of them and loses none, and ends with the same files as an
uninterrupted command.  A folder made by another command is refused.

The commands run as real processes (``python -m sim.cli ... --workers 2``) in their own
process group, which the tests kill like a crash (SIGKILL) or a Ctrl-C (SIGINT).
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
BAOTA = ROOT / "scenarios" / "baota.toml"
MMC = ROOT / "scenarios" / "validation" / "mmc.toml"
RUN_FILE = re.compile(r"r\d{4}\.json")

# The example sweep: 10 points x 2 replications of baota, 60 days (~0.2 s a run).
SWEEP = ["sweep", str(BAOTA), "--vary", "cadres.sunk.count=600:1400:200", "--vary",
         "cadres.sunk.service_days=Wed,Mon+Thu", "--replications", "2", "--set", "calendar.horizon_days=60"]
SWEEP_RUNS = 20
# Two policies x 8 replications; compare keeps each run's series too (written before the run file).
COMPARE = ["compare", str(BAOTA), "--policies", "baseline,two_days", "--replications", "8",
           "--set", "calendar.horizon_days=60"]
COMPARE_RUNS = 16


def _sigint_default() -> None:
    # A shell starts background jobs (`make test &`) with SIGINT ignored, and Python then
    # never turns SIGINT into KeyboardInterrupt: give the command a terminal's default.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(args: list[str], *more: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sim.cli", *args, *map(str, more)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=_sigint_default)


def run_files(out: Path) -> list[Path]:
    return sorted(p for p in (out / "runs").glob("*/*.json") if RUN_FILE.fullmatch(p.name))


def wait_for_runs(proc: subprocess.Popen, out: Path, at_least: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while len(run_files(out)) < at_least:
        if proc.poll() is not None:
            raise AssertionError(f"the command ended (code {proc.returncode}) before {at_least} runs finished: "
                                 f"{proc.stderr.read()}")
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError(f"no {at_least} finished runs after {timeout} s")
        time.sleep(0.01)


def assert_consistent(out: Path) -> dict[Path, tuple[int, int, int]]:
    """Every visible file parses; only hidden .tmp files may be partial.  Returns the visible files'
    (inode, mtime_ns, size), to check later that nothing was rewritten."""
    json.loads((out / "command.json").read_text())
    files = {}
    for p in sorted((out / "runs").rglob("*")):
        if p.is_dir():
            continue
        if p.name.startswith("."):
            assert p.name.endswith(".tmp"), p  # an atomic write cut short: invisible to readers
            continue
        doc = json.loads(p.read_text())  # a visible file is a whole file
        if RUN_FILE.fullmatch(p.name):
            assert doc["error"] is None and isinstance(doc["metrics"], dict) and doc["metrics"], p
            assert doc["replication"] == int(p.stem[1:]) and doc["variant"] == p.parent.name
        st = p.stat()
        files[p] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return files


def assert_untouched(files: dict[Path, tuple[int, int, int]]) -> None:
    for p, before in files.items():
        st = p.stat()
        assert (st.st_ino, st.st_mtime_ns, st.st_size) == before, f"{p} was rewritten"


def test_sigkill_mid_sweep_then_resume_redoes_nothing_and_loses_nothing(tmp_path):
    out = tmp_path / "killed"
    proc = start(SWEEP, "--workers", "2", "--out", out)
    wait_for_runs(proc, out, 3)
    os.killpg(proc.pid, signal.SIGKILL)  # the command and its worker processes, at once
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    finished = run_files(out)
    assert 3 <= len(finished) < SWEEP_RUNS, "the kill came too late to test anything"
    files = assert_consistent(out)
    assert set(finished) <= set(files)
    assert not (out / "replications.csv").exists()  # written only at the end

    proc = start(SWEEP, "--workers", "2", "--resume", out)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert f"{SWEEP_RUNS - len(finished)} run(s) to do, {len(finished)} already done" in err
    assert_untouched(files)  # nothing finished was redone
    assert len(run_files(out)) == SWEEP_RUNS  # nothing lost
    assert_consistent(out)

    ref = tmp_path / "uninterrupted"
    assert main([*SWEEP, "--workers", "1", "--quiet", "--out", str(ref)]) == 0
    for name in ("replications.csv", "points.csv"):
        assert (out / name).read_bytes() == (ref / name).read_bytes(), name
    assert len(list(csv.DictReader((out / "replications.csv").open()))) == SWEEP_RUNS


@pytest.mark.parametrize("target", ["group", pytest.param("parent", marks=pytest.mark.slow)])
def test_ctrl_c_exits_130_naming_resume_and_resume_finishes(tmp_path, target):
    """Ctrl-C on a terminal signals the whole foreground process group; `kill -INT PID` only the parent."""
    out = tmp_path / "interrupted"
    proc = start(COMPARE, "--workers", "2", "--out", out)
    wait_for_runs(proc, out, 2)
    if target == "group":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert f"--resume {out}" in err and "Traceback" not in err
    finished = run_files(out)
    assert 2 <= len(finished) < COMPARE_RUNS
    files = assert_consistent(out)
    for p in finished:  # a run file on disk means its series is complete too
        assert p.with_suffix(".series.json").is_file(), p

    proc = start(COMPARE, "--workers", "2", "--quiet", "--resume", out)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert_untouched(files)
    assert len(run_files(out)) == COMPARE_RUNS
    rows = list(csv.DictReader((out / "replications.csv").open()))
    assert sorted((r["policy"], r["replication"]) for r in rows) == sorted(
        (p, str(k)) for p in ("baseline", "two_days") for k in range(8))


# ---------------------------------------------------------------- folders that do not fit

MMC_SWEEP = ["sweep", str(MMC), "--vary", "cadres.grid_workers.per_grid=3,4", "--replications", "2",
             "--set", "calendar.horizon_days=20", "--set", "calendar.warmup_days=10", "--workers", "1", "--quiet"]


@pytest.fixture
def folder(tmp_path) -> Path:
    out = tmp_path / "done"
    assert main([*MMC_SWEEP, "--out", str(out)]) == 0
    return out


def snapshot(out: Path) -> dict[Path, tuple[int, int]]:
    return {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}


def other_scenario(tmp_path: Path) -> Path:
    p = tmp_path / "mmc_other.toml"
    p.write_text(MMC.read_text().replace("mean = 1.0", "mean = 1.1"))
    return p


@pytest.mark.parametrize("case", ["compare", "run", "other scenario", "other --set", "other --seed",
                                  "other --vary", "other design"])
def test_resume_with_a_different_command_or_scenario_exits_2(tmp_path, folder, capsys, case):
    policies = tmp_path / "mmc_policies.toml"
    policies.write_text(MMC.read_text() + "\n[policies.a]\ndescription = \"a\"\n[policies.b]\ndescription = \"b\"\n"
                        "cadres.grid_workers.per_grid = 4\n")
    args = {
        "compare": ["compare", str(policies), "--replications", "2", "--set", "calendar.horizon_days=20",
                    "--set", "calendar.warmup_days=10", "--workers", "1", "--quiet"],
        "run": ["run", str(MMC), "--replications", "2", "--set", "calendar.horizon_days=20",
                "--set", "calendar.warmup_days=10", "--workers", "1", "--quiet"],
        "other scenario": [MMC_SWEEP[0], str(other_scenario(tmp_path)), *MMC_SWEEP[2:]],
        "other --set": [*MMC_SWEEP, "--set", "calendar.horizon_days=21"],
        "other --seed": [*MMC_SWEEP, "--seed", "2"],
        "other --vary": [*[a.replace("3,4", "3,5") for a in MMC_SWEEP]],
        "other design": [*[a.replace("3,4", "3:4:1") for a in MMC_SWEEP], "--design", "lhs", "--samples", "2"],
    }[case]
    before = snapshot(folder)
    assert main([*args, "--resume", str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"--resume {folder}" in err and "different command or scenario" in err
    assert snapshot(folder) == before  # refused before touching anything


def test_out_on_a_folder_with_runs_exits_2(folder, capsys):
    before = snapshot(folder)
    assert main([*MMC_SWEEP, "--out", str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"--out {folder}" in err and "already holds runs" in err and f"--resume {folder}" in err
    assert snapshot(folder) == before


def test_resume_of_a_folder_that_is_not_a_results_folder_exits_2(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    for d in (tmp_path / "empty", tmp_path / "missing"):
        assert main([*MMC_SWEEP, "--resume", str(d)]) == 2
        assert "not a gridsim results folder" in capsys.readouterr().err
    assert main([*MMC_SWEEP, "--resume", str(tmp_path / "a"), "--out", str(tmp_path / "b")]) == 2
    assert "not both" in capsys.readouterr().err


def test_resume_of_a_finished_folder_runs_nothing(folder):
    runs = {p: v for p, v in snapshot(folder).items() if "runs" in p.parts}
    assert len(runs) == 4
    assert main([*MMC_SWEEP, "--resume", str(folder)]) == 0
    assert {p: v for p, v in snapshot(folder).items() if "runs" in p.parts} == runs


def test_resume_with_more_replications_adds_only_the_new_runs(tmp_path, folder):
    runs = {p: v for p, v in snapshot(folder).items() if "runs" in p.parts}
    more = [a if a != "2" else "3" for a in MMC_SWEEP]  # --replications 3
    assert main([*more, "--resume", str(folder)]) == 0
    after = {p: v for p, v in snapshot(folder).items() if "runs" in p.parts}
    assert {p: after[p] for p in runs} == runs and len(after) == 6
    fresh = tmp_path / "fresh"
    assert main([*more, "--out", str(fresh)]) == 0
    assert (folder / "replications.csv").read_bytes() == (fresh / "replications.csv").read_bytes()
