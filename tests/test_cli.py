"""The command line end to end: results folder contract, exit codes, determinism."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
MMC = ROOT / "scenarios" / "validation" / "mmc.toml"
SHORT = ["--set", "calendar.horizon_days=20", "--set", "calendar.warmup_days=2"]
CONTRACT_METRICS = [
    "issues_arrived", "completion_rate", "completion_rate_reported", "wait_hours_mean",
    "resolution_hours_mean", "resolution_hours_p50", "resolution_hours_p90", "resolution_hours_p95",
    "true_resolution_hours_mean", "true_resolution_hours_p90", "sla_attainment", "backlog_mean",
    "backlog_max", "cadre_hours_on_duty", "wartime_cadre_hours", "escalation_rate",
]


def run_cli(tmp_path: Path, *args: str) -> tuple[int, Path]:
    out = tmp_path / "out"
    code = main(["run", str(MMC), *SHORT, "--replications", "3", "--out", str(out), "--quiet", "--workers", "1", *args])
    return code, out


def test_run_writes_the_results_folder(tmp_path, capsys):
    code, out = run_cli(tmp_path, "--records")
    assert code == 0
    printed = capsys.readouterr().out
    assert "completion_rate" in printed and "95% CI" in printed
    summary = json.loads((out / "summary.json").read_text())
    for name in CONTRACT_METRICS + ["utilization_grid_workers"]:
        m = summary["metrics"][name]
        assert set(m) == {"mean", "std", "ci95", "n"} and m["n"] == 3, name
    assert summary["seeds"]["root"] == 1 and summary["versions"]["simpy"]
    rows = list(csv.DictReader((out / "replications.csv").open()))
    assert [r["replication"] for r in rows] == ["0", "1", "2"]
    mean = sum(float(r["wait_hours_mean"]) for r in rows) / 3
    assert mean == pytest.approx(summary["metrics"]["wait_hours_mean"]["mean"])
    resolved = tomllib.loads((out / "scenario.resolved.toml").read_text())
    assert resolved["calendar"]["horizon_days"] == 20  # the overrides are in the resolved input
    assert len(list((out / "records").glob("*.parquet"))) == 3


def test_same_seed_same_numbers_other_seed_different(tmp_path):
    assert run_cli(tmp_path / "a", "--seed", "5")[0] == 0
    assert run_cli(tmp_path / "b", "--seed", "5")[0] == 0
    assert run_cli(tmp_path / "c", "--seed", "6")[0] == 0
    read = lambda d: (d / "out" / "replications.csv").read_text()  # noqa: E731
    assert read(tmp_path / "a") == read(tmp_path / "b")
    assert read(tmp_path / "a") != read(tmp_path / "c")


@pytest.mark.parametrize("args, needle", [
    (["run", "missing.toml"], "file not found"),
    (["run", str(MMC), "--set", "cadres.grid_workers.per_grid=-1"], "cadres.grid_workers.per_grid"),
    (["run", str(MMC), "--set", "nonsense"], "KEY=VALUE"),
    (["run", str(MMC), "--policy", "nope"], "nope"),
    (["run", str(MMC), "--replications", "0"], "--replications"),
    (["validate", str(MMC), "--bogus"], "unrecognized arguments"),
])
def test_bad_input_exits_2_without_traceback(args, needle):
    proc = subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2, proc.stderr
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr


def test_validate_prints_what_the_file_defines(capsys):
    assert main(["validate", str(MMC)]) == 0
    out = capsys.readouterr().out
    assert "grids: 1 in 1 communities" in out and "valid" in out


def test_each_replication_can_be_reproduced_alone(tmp_path):
    """replications.csv names each run's own SeedSequence; simulating with it gives that row."""
    import numpy as np

    from sim.metrics import compute_metrics
    from sim.model import simulate
    from sim.scenario import load_scenario

    code, out = run_cli(tmp_path, "--seed", "9")
    assert code == 0
    rows = list(csv.DictReader((out / "replications.csv").open()))
    assert [r["seed_sequence"] for r in rows] == [f"SeedSequence(9, spawn_key=({k},))" for k in range(3)]
    sc = load_scenario(out / "scenario.resolved.toml")
    seq = eval(rows[2]["seed_sequence"], {"SeedSequence": np.random.SeedSequence})  # noqa: S307
    alone = compute_metrics(simulate(sc, seq))
    assert float(rows[2]["resolution_hours_mean"]) == pytest.approx(alone["resolution_hours_mean"], rel=1e-12)
    assert float(rows[2]["issues_arrived"]) == alone["issues_arrived"]


def test_one_version_everywhere():
    from importlib.metadata import version

    import sim

    assert version("gridsim") == sim.__version__
    assert sim.__version__ in subprocess.run([sys.executable, "-m", "sim.cli", "--version"],
                                             capture_output=True, text=True, cwd=ROOT).stdout


def test_compare_with_a_policy_that_lacks_a_role(tmp_path, capsys):
    """Regression: a policy without any sunk cadre has no utilization_sunk; the table said KeyError."""
    text = MMC.read_text().replace('name = "mmc"', 'name = "roles"') + """
[cadres.sunk]
count = 2
service_days = ["Wed"]
visits = false

[policies.with_sunk]
description = "the file as it is"

[policies.no_sunk]
cadres.sunk.count = 0
"""
    path = tmp_path / "roles.toml"
    path.write_text(text)
    code = main(["compare", str(path), "--policies", "with_sunk,no_sunk", *SHORT, "--replications", "2",
                 "--out", str(tmp_path / "out"), "--quiet", "--workers", "1"])
    assert code == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if "no_sunk" in ln]
    assert any(ln.split()[-1] == "-" for ln in lines), lines  # no sunk cadre: no utilization to show


@pytest.mark.parametrize("command", ["run", "compare", "sweep", "optimize", "sensitivity", "calibrate"])
def test_help_prints_no_format_escapes_or_joined_lines(command, capsys):
    """argparse %-formats option help but not descriptions or epilogs: a '%%' there prints as it is; a lone
    backslash at a line's end inside the epilog's string joins two example lines with a run of spaces."""
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    assert "%%" not in text and "by_households                 --select-best" not in text
    assert text.count("examples:") == 1 and "exit codes: 0 success; 2 bad input" in text


@pytest.mark.parametrize("command,writes", [("compare", ["ensemble.csv", "'ensemble' block", "ensemble-POLICY"]),
                                            ("optimize", ["gains 'ensemble'", "METRIC_decided_set"])])
def test_ensemble_help_says_what_it_writes(command, writes, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert all(w in text for w in writes) and "a K above the file's rows: every set" in text
