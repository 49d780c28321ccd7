"""Results folders (issue 12): a lock while a command writes, fingerprinted run files, corrupt
files named and set aside, --resume --records, and --out / --scheduler refused before anything
is written.  Every refusal is exit code 2 with the folder or file named, never a traceback.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli import main
from sim.experiments.lock import LOCK_NAME

ROOT = Path(__file__).resolve().parent.parent
MMC = ROOT / "scenarios" / "validation" / "mmc.toml"
SHORT = ["--set", "calendar.horizon_days=20", "--set", "calendar.warmup_days=10", "--workers", "1"]
SWEEP = ["sweep", str(MMC), "--vary", "cadres.grid_workers.per_grid=3,4", "--replications", "2", *SHORT]
RUN = ["run", str(MMC), "--replications", "2", *SHORT, "--quiet"]


def run_files(out: Path) -> list[Path]:
    return sorted((out / "runs").glob("*/r*[0-9].json"))


@pytest.fixture
def done(tmp_path) -> Path:
    out = tmp_path / "done"
    assert main([*SWEEP, "--quiet", "--out", str(out)]) == 0
    return out


# ---------------------------------------------------------------- the lock


def test_a_folder_in_use_by_a_live_command_is_refused(tmp_path, capsys):
    out = tmp_path / "busy"
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "run", str(MMC), "--replications", "400",
                             "--workers", "1", "--quiet", "--out", str(out)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (out / LOCK_NAME).exists() or not (out / "command.json").exists():
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
            time.sleep(0.05)
        holder = json.loads((out / LOCK_NAME).read_text())
        assert holder["pid"] == proc.pid and holder["host"] == socket.gethostname()
        command = (out / "command.json").read_bytes()
        assert main([*RUN, "--set", "calendar.horizon_days=21", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert f"{out}: in use by another gridsim command (pid {proc.pid} on host" in err, err
        assert "Traceback" not in err
        assert main([*RUN, "--resume", str(out)]) == 2  # nor can anyone resume it meanwhile
        assert "in use by another gridsim command" in capsys.readouterr().err
        assert (out / "command.json").read_bytes() == command  # the refused command wrote nothing
        assert json.loads((out / LOCK_NAME).read_text()) == holder  # nor took the lock
    finally:
        proc.kill()
        proc.wait()


def test_a_stale_lock_is_taken_over_with_a_note(tmp_path, capsys):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # its pid is gone now
    out = tmp_path / "stale"
    out.mkdir()
    (out / LOCK_NAME).write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname(), "command": "x"}))
    assert main([*RUN[:-1], "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"{out}: took over a stale lock (pid {dead.pid} on {socket.gethostname()}" in err
    assert not (out / LOCK_NAME).exists()  # released at the end
    assert (out / "summary.json").is_file()


def test_a_lock_of_another_host_counts_as_live(tmp_path, capsys):
    out = tmp_path / "remote"
    out.mkdir()
    (out / LOCK_NAME).write_text(json.dumps({"pid": 1, "host": "elsewhere.example", "command": "x"}))
    assert main([*RUN, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "pid 1 on host elsewhere.example" in err and f"delete {out / LOCK_NAME}" in err


# ---------------------------------------------------------------- fingerprints


def test_every_run_file_carries_the_command_fingerprint(done):
    fp = json.loads((done / "command.json").read_text())["fingerprint"]
    assert len(run_files(done)) == 4
    assert {json.loads(p.read_text())["fingerprint"] for p in run_files(done)} == {fp}


def test_a_run_file_of_another_command_is_refused_on_resume(tmp_path, done, capsys):
    other = tmp_path / "other"
    assert main([*SWEEP, "--quiet", "--seed", "7", "--out", str(other)]) == 0
    foreign = done / "runs" / "p0001" / "r0001.json"
    foreign.write_bytes((other / "runs" / "p0001" / "r0001.json").read_bytes())  # two commands mixed
    assert main([*SWEEP, "--quiet", "--resume", str(done)]) == 2
    err = capsys.readouterr().err
    assert f"{foreign}: made by a different command or scenario" in err and "Traceback" not in err


# ---------------------------------------------------------------- corrupt files


def test_resume_sets_corrupt_run_files_aside_and_runs_them_again(tmp_path, done, capsys):
    empty, cut = done / "runs" / "p0000" / "r0001.json", done / "runs" / "p0001" / "r0000.json"
    empty.write_bytes(b"")
    cut.write_bytes(cut.read_bytes()[:40])
    assert main([*SWEEP, "--resume", str(done)]) == 0
    err = capsys.readouterr().err
    assert f"{empty}: corrupt run file, set aside as r0001.json.corrupt" in err
    assert f"{cut}: corrupt run file, set aside as r0000.json.corrupt" in err
    assert "2 run(s) to do, 2 already done" in err
    assert (empty.parent / "r0001.json.corrupt").read_bytes() == b""
    fresh = tmp_path / "fresh"
    assert main([*SWEEP, "--quiet", "--out", str(fresh)]) == 0
    assert (done / "replications.csv").read_bytes() == (fresh / "replications.csv").read_bytes()


def test_resume_with_a_corrupt_command_file(done, capsys):
    (done / "command.json").write_bytes(b'{"command": "swe')
    assert main([*SWEEP, "--quiet", "--resume", str(done)]) == 0  # the run files show it is this command's
    err = capsys.readouterr().err
    assert f"{done / 'command.json'} was corrupt" in err and (done / "command.json.corrupt").exists()
    (done / "command.json").write_bytes(b"")
    assert main([*SWEEP, "--quiet", "--seed", "3", "--resume", str(done)]) == 2  # another command: cannot tell
    err = capsys.readouterr().err
    assert f"{done / 'command.json'} is corrupt (empty)" in err and "cannot be resumed" in err


def test_plot_and_report_skip_corrupt_runs_and_say_which(done, capsys):
    bad = done / "runs" / "p0001" / "r0000.json"
    bad.write_bytes(bad.read_bytes()[:25])
    assert main(["report", str(done)]) == 0
    err = capsys.readouterr().err
    assert "skipped 1 corrupt run file(s)" in err and "runs/p0001/r0000.json" in err
    assert (done / "report.md").is_file()
    (done / "command.json").write_bytes(b"")
    assert main(["plot", str(done)]) == 2
    err = capsys.readouterr().err
    assert f"{done / 'command.json'}: corrupt (empty)" in err and "Traceback" not in err


# ---------------------------------------------------------------- --records on a finished folder


def test_resume_with_records_on_a_finished_folder_writes_the_records(done, capsys):
    table = (done / "replications.csv").read_bytes()
    assert main([*SWEEP, "--records", "--resume", str(done)]) == 0
    err = capsys.readouterr().err
    assert "4 finished run(s) have no per-issue records; running them again" in err
    assert sorted(p.name for p in (done / "records").glob("*.parquet")) == [
        f"p000{p}-r000{k}.parquet" for p in range(2) for k in range(2)]
    assert (done / "replications.csv").read_bytes() == table  # same seeds, same numbers
    assert main([*SWEEP, "--records", "--resume", str(done)]) == 0  # all there now: nothing to do
    assert "0 run(s) to do, 4 already done" in capsys.readouterr().err


# ---------------------------------------------------------------- where --out points


def test_a_non_empty_folder_that_is_not_a_results_folder_is_refused(tmp_path, capsys):
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.tex").write_text("precious")
    assert main([*RUN, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"--out {out}: not empty (chapter1.tex) and not a gridsim results folder" in err
    assert sorted(p.name for p in out.iterdir()) == ["chapter1.tex"]
    (tmp_path / "empty").mkdir()
    assert main([*RUN, "--out", str(tmp_path / "empty")]) == 0  # an empty folder is fine


@pytest.mark.parametrize("case", ["file", "under a file", "unwritable"])
def test_out_that_cannot_be_a_folder(tmp_path, capsys, case):
    (tmp_path / "notes.txt").write_text("x")
    out, needle = {
        "file": (tmp_path / "notes.txt", "is a file, not a folder"),
        "under a file": (tmp_path / "notes.txt" / "out", f"{tmp_path / 'notes.txt'} is a file, so no folder"),
        "unwritable": (Path("/proc/gridsim-test/out"), "cannot"),
    }[case]
    assert main([*RUN, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"--out {out}: " in err and needle in err and "Traceback" not in err
    assert (tmp_path / "notes.txt").read_text() == "x"


def test_an_unwritable_parent_is_named(tmp_path, capsys):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    locked = tmp_path / "ro"
    locked.mkdir(mode=0o500)
    assert main([*RUN, "--out", str(locked / "out")]) == 2
    assert f"cannot write in {locked}" in capsys.readouterr().err


@pytest.mark.parametrize("address, needle", [("notaurl", "missing port"),
                                             ("tcp://127.0.0.1:9", "Timed out")])
def test_a_bad_scheduler_leaves_no_folder_behind(tmp_path, capsys, address, needle):
    pytest.importorskip("distributed")
    out = tmp_path / "new" / "out"
    args = [a for a in RUN if a not in ("--workers", "1")]
    assert main([*args, "--scheduler", address, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"--scheduler {address}: cannot connect" in err and needle in err
    assert not (tmp_path / "new").exists()
