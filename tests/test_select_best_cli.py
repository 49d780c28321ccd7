"""`gridsim compare --select-best`: procedure KN driving real runs, end to end on the command line.

Tiny scenarios: the M/M/c validation case (one grid, exponential service, cadres always on
duty) with the cadre count as the policy, over a few weeks.  The statistical procedure
itself is tested in test_select.py; here: the command, its files, its reproducibility
(workers, interruption + --resume) and its refusals.
"""

from __future__ import annotations

import csv
import json
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
MMC = ROOT / "scenarios" / "validation" / "mmc.toml"
LAM, MU = 2.4, 1.0  # the file's M/M/c: 2.4 issues an hour, mean service 1 h
SHORT = ["--set", "calendar.horizon_days=20", "--set", "calendar.warmup_days=2"]
# c6 against c6l (the same cadres, lognormal service of the same mean and cv: nearly the same mean wait, on
# different random numbers) within 0.005 h: the procedure needs more than its first stage (c6 and c6l 24 each)
SEQUENTIAL = ["--policies", "c4,c5,c6,c6l", "--select-best", "wait_hours_mean", "--delta", "0.005",
              "--set", "calendar.horizon_days=12", "--set", "calendar.warmup_days=2", "--max-replications", "60"]
TABLES = ("summary.json", "comparison.csv", "replications.csv", "wartime.csv")


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of M/M/c: P(wait) / (c mu - lam), P(wait) by Erlang C."""
    a, rho = lam / mu, lam / (c * mu)
    top = a**c / math.factorial(c) / (1 - rho)
    return top / (sum(a**n / math.factorial(n) for n in range(c)) + top) / (c * mu - lam)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Path:
    """The M/M/c file with one policy per cadre count."""
    path = tmp_path_factory.mktemp("scenario") / "mmc_policies.toml"
    policies = "".join(f"\n[policies.c{c}]\ndescription = \"{c} cadres\"\ncadres.grid_workers.per_grid = {c}\n"
                       for c in (3, 4, 5, 6))
    policies += "\n[policies.c5_again]\ndescription = \"5 cadres, the same as c5\"\ncadres.grid_workers.per_grid = 5\n"
    policies += ("\n[policies.c6l]\ndescription = \"6 cadres, lognormal service\"\ncadres.grid_workers.per_grid = 6\n"
                 "issue_types.request.service_time = { dist = \"lognormal\", mean = 1.0, cv = 1.0 }\n")
    path.write_text(MMC.read_text(encoding="utf-8") + policies, encoding="utf-8")
    return path


def compare(scenario: Path, *args: str) -> list[str]:
    return ["compare", str(scenario), *args]


def summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text())


def test_a_clearly_best_policy_is_selected_and_the_others_eliminated_early(scenario, tmp_path, capsys):
    out = tmp_path / "sel"
    code = main(compare(scenario, "--policies", "c3,c4,c5", "--select-best", "wait_hours_mean", "--delta", "0.05",
                        *SHORT, "--workers", "1", "--quiet", "--out", str(out), "--plot"))
    printed = capsys.readouterr().out
    assert code == 0
    sel = summary(out)["selection"]
    for key in ("metric", "direction", "delta", "confidence", "best", "replications", "eliminated", "mcb"):
        assert key in sel, key
    assert sel["metric"] == "wait_hours_mean" and sel["direction"] == "minimize"
    assert sel["delta"] == 0.05 and sel["confidence"] == 0.95 and sel["best"] == "c5"
    assert sel["eliminated"] == {"c3": 10, "c4": 10}  # gone after the first stage
    assert sel["replications"] == {"c3": 10, "c4": 10, "c5": 10}
    assert set(sel["mcb"]) == {"c3", "c4", "c5"} and all(len(v) == 2 for v in sel["mcb"].values())
    assert sel["mcb"]["c5"][1] == 0.0 and sel["mcb"]["c3"][0] == 0.0  # c5 no worse; c3 no better
    # the terminal: the choice, the order of elimination, the intervals and what they mean
    assert "selected: c5" in printed
    assert "eliminated, in order: c3 after 10 replications, c4 after 10 replications" in printed
    assert "MCB interval" in printed and "within 0.05 h of the lowest" in printed
    assert "metric" in printed and "diff vs c3" in printed  # compare's table is still there
    # everything compare writes, with each policy's own replications
    rows = list(csv.DictReader((out / "comparison.csv").open()))
    assert {r["n"] for r in rows if r["metric"] == "wait_hours_mean"} == {"10"}
    assert len(list(csv.DictReader((out / "replications.csv").open()))) == 30
    assert (out / "figures" / "selection.png").is_file()
    assert main(["report", str(out)]) == 0
    report = (out / "report.md").read_text()
    findings = report[report.index("## Findings"):report.index("## Scenario")]  # the selection is a finding
    assert "Selection of the best policy on" in findings and "With 95% confidence, **c5**" in findings


def test_sequential_answer_is_the_same_with_one_or_two_workers(scenario, tmp_path, capsys):
    outs = {}
    for w in ("1", "2"):
        outs[w] = tmp_path / f"w{w}"
        assert main(compare(scenario, *SEQUENTIAL, "--workers", w, "--quiet", "--out", str(outs[w]))) == 0
    sel = summary(outs["1"])["selection"]
    assert sel["best"] == "c6l" and max(sel["replications"].values()) > 10  # went past the first stage
    n = sel["replications"]
    rows = list(csv.DictReader((outs["1"] / "comparison.csv").open()))
    assert {r["policy"]: int(r["n"]) for r in rows if r["metric"] == "wait_hours_mean"} == n
    for name in TABLES:
        assert (outs["1"] / name).read_bytes() == (outs["2"] / name).read_bytes(), name


def test_a_failed_run_stops_the_selection_and_resume_finishes_it_identically(scenario, tmp_path, capsys,
                                                                               monkeypatch):
    ref = tmp_path / "ref"
    assert main(compare(scenario, *SEQUENTIAL, "--workers", "1", "--quiet", "--out", str(ref))) == 0
    capsys.readouterr()
    out = tmp_path / "failed"
    monkeypatch.setenv("GRIDSIM_FAIL_RUN", "c6/r0020")  # past the first stage: a sequential step fails
    assert main(compare(scenario, *SEQUENTIAL, "--workers", "1", "--quiet", "--out", str(out))) == 1
    err = capsys.readouterr().err
    assert "c6/r0020 failed" in err and f"--resume {out}" in err and "Traceback" not in err
    assert not (out / "summary.json").exists() and (out / "failures.csv").is_file()
    monkeypatch.delenv("GRIDSIM_FAIL_RUN")
    assert main(compare(scenario, *SEQUENTIAL, "--workers", "1", "--quiet", "--resume", str(out))) == 0
    for name in TABLES:
        assert (out / name).read_bytes() == (ref / name).read_bytes(), name
    assert not (out / "failures.csv").exists()


@pytest.mark.slow
def test_ctrl_c_then_resume_gives_the_same_selection(scenario, tmp_path):
    ref, out = tmp_path / "ref", tmp_path / "interrupted"
    assert main(compare(scenario, *SEQUENTIAL, "--workers", "1", "--quiet", "--out", str(ref))) == 0
    args = [sys.executable, "-m", "sim.cli", *compare(scenario, *SEQUENTIAL, "--workers", "2")]
    proc = subprocess.Popen([*args, "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    import time

    deadline = time.monotonic() + 120
    while len(list((out / "runs").glob("*/r*[0-9].json"))) < 40 and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert subprocess.run([*args, "--resume", str(out)], cwd=ROOT, capture_output=True).returncode == 0
    for name in TABLES:
        assert (out / name).read_bytes() == (ref / name).read_bytes(), name


def test_the_cap_says_which_policies_are_still_in_contention(scenario, tmp_path, capsys):
    # c6 and c6l: mean waits about 0.005 h apart, on different random numbers (paired sd about 0.01 h): neither
    # screen separates them in 12 replications, nor does the MCB interval
    out = tmp_path / "cap"
    assert main(compare(scenario, "--policies", "c6,c6l", "--select-best", "wait_hours_mean", "--delta", "0.0005",
                        *SHORT, "--max-replications", "12", "--workers", "1", "--quiet", "--out", str(out))) == 0
    printed = capsys.readouterr().out
    sel = summary(out)["selection"]
    assert sel["still_in_contention"] == ["c6", "c6l"] and sel["replications"] == {"c6": 12, "c6l": 12}
    assert "not decided" in printed and "c6, c6l still in contention" in printed
    # "do not separate" is said only when the selected policy's MCB interval reaches the worse side of zero
    lo, hi = sel["mcb"][sel["best"]]
    assert hi > 0 and "the data do not separate them" in printed


def test_an_identical_policy_is_tied_with_the_selected_one_not_eliminated(scenario, tmp_path, capsys):
    # c5_again is c5 under another name: on the same seeds, the same value on every replication
    out = tmp_path / "tied"
    assert main(compare(scenario, "--policies", "c3,c5,c5_again", "--select-best", "wait_hours_mean", "--delta", "0.05",
                        *SHORT, "--workers", "1", "--quiet", "--out", str(out), "--plot")) == 0
    printed = capsys.readouterr().out
    sel = summary(out)["selection"]
    assert sel["best"] == "c5" and sel["tied"] == {"c5_again": 10} and "c5_again" not in sel["eliminated"]
    assert sel["paired_sd"]["c5_again"] == 0.0 and sel["means"]["c5"] == sel["means"]["c5_again"]
    assert "tied with c5 (the same value on every replication): c5_again" in printed
    assert "c5_again after" not in printed
    assert main(["report", str(out)]) == 0
    report = (out / "report.md").read_text()
    assert "Tied with **" in report and "c5_again after" not in report


def test_mmc_the_policy_with_the_lowest_erlang_c_wait_is_selected(scenario, tmp_path, capsys):
    exact = {f"c{c}": erlang_c_wait(LAM, MU, c) for c in (3, 4, 5)}
    best = min(exact, key=exact.get)
    delta = 0.05  # Wq = 1.079, 0.179, 0.044 h: only c5 is within delta of the best
    assert best == "c5" and all(exact[p] - exact[best] > delta for p in exact if p != best)
    out = tmp_path / "mmc"
    assert main(compare(scenario, "--policies", "c3,c4,c5", "--select-best", "wait_hours_mean", "--delta",
                        str(delta), "--set", "calendar.horizon_days=60", "--set", "calendar.warmup_days=5",
                        "--workers", "2", "--quiet", "--out", str(out))) == 0
    sel = summary(out)["selection"]
    assert sel["best"] == best and sel["decided"]
    for p in exact:  # the replication means sit near Erlang C
        assert sel["means"][p] == pytest.approx(exact[p], rel=0.3, abs=0.02), (p, sel["means"][p], exact[p])
    assert sel["mcb"][best][1] == 0.0
    assert all(sel["mcb"][p][0] >= 0.0 for p in exact if p != best)


@pytest.mark.parametrize("args, says", [
    (["--policies", "c4,c5", "--select-best", "no_such_metric", "--delta", "0.1"], "--select-best no_such_metric"),
    (["--policies", "c4,c5", "--select-best", "wait_hours_mean", "--delta", "0"], "--delta 0.0"),
    (["--policies", "c4,c5", "--select-best", "wait_hours_mean", "--delta", "-0.5"], "--delta -0.5"),
    (["--policies", "c4", "--select-best", "wait_hours_mean", "--delta", "0.1"], "--policies c4"),
    (["--policies", "c4,c5", "--select-best", "wait_hours_mean", "--delta", "0.1", "--confidence", "1"],
     "--confidence 1.0"),
    (["--policies", "c4,c5", "--select-best", "wait_hours_mean", "--delta", "0.1", "--confidence", "0"],
     "--confidence 0.0"),
    (["--policies", "c4,c5", "--select-best", "wait_hours_mean", "--delta", "0.1", "--first-stage", "1"],
     "--first-stage 1"),
    (["--policies", "c4,c5", "--select-best", "wait_hours_mean", "--delta", "0.1", "--replications", "auto"],
     "--replications auto"),
    (["--policies", "c4,c5", "--select-best", "wait_hours_mean"], "--delta"),
    (["--policies", "c4,c5", "--select-best", "wait_hours_mean", "--delta", "0.1", "--max-replications", "5"],
     "--max-replications 5"),
])
def test_bad_input_exits_2_naming_the_flag_and_writes_nothing(scenario, tmp_path, capsys, args, says):
    out = tmp_path / "bad"
    assert main(compare(scenario, *args, *SHORT, "--out", str(out))) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert not out.exists()


def test_a_run_without_a_value_of_the_metric_stops_the_selection_naming_it(scenario, tmp_path, capsys):
    out = tmp_path / "nan"
    args = compare(scenario, "--policies", "c4,c5", "--select-best", "wait_hours_mean", "--delta", "0.1", *SHORT,
                   "--set", "issue_types.request.rate_per_1000_households_per_week=0.001")  # no issue at all
    assert main([*args, "--workers", "1", "--quiet", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "run c4/r0000 gave no value of wait_hours_mean" in err and "Traceback" not in err
    assert not (out / "summary.json").exists()


def test_help_is_enough_on_its_own(capsys):
    with pytest.raises(SystemExit):
        main(["compare", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for flag in ("--select-best METRIC", "--maximize", "--delta D", "--confidence C", "--first-stage N0",
                 "--max-replications N"):
        assert flag in text, flag
    assert "the selected policy is the best, or within D of the best" in text
