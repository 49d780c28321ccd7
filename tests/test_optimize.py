"""gridsim optimize: known answers (Erlang C, a brute-forced allocation), the check's error rate,
the results folder, and bad input.  benchmarks/bench_optimize.py measures the whole procedure's
rate of true answers over many repeats."""

from __future__ import annotations

import csv
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest

from oracles import erlang_c
from sim import api
from sim.cli import main
from sim.decide.optimize.feasibility import FEASIBLE, INFEASIBLE, Check, Target, looks
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
MMC = ROOT / "scenarios" / "validation" / "mmc.toml"


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


# ---------------------------------------------------------------- the check on its own


def test_looks_grow_to_the_cap():
    assert looks(10, 200) == [10, 15, 22, 32, 46, 66, 94, 133, 189, 200]
    assert looks(5, 5) == [5]


@pytest.mark.parametrize("op", ["<=", ">="])
def test_check_error_rate_at_the_boundary(op):
    """A mean exactly at the threshold is not met (for the guarantee: a miss by 0 is still not shown met):
    over 4,000 independent checks of normal data with the mean on the threshold, the share declared
    met must be at most beta (0.05), plus 3 binomial standard errors."""
    rng = np.random.default_rng(1)
    beta, n = 0.05, 4000
    t = Target("x", op, 10.0)
    met = 0
    for _ in range(n):
        chk = Check([t], beta, 10, 60)
        while chk.verdict is None:
            chk.add([rng.normal(10.0, 2.0)])
        met += chk.verdict == FEASIBLE
    assert met / n <= beta + 3 * math.sqrt(beta * (1 - beta) / n)


def test_check_decides_clear_cases_at_the_first_look():
    rng = np.random.default_rng(2)
    far = Check([Target("x", "<=", 1.0)], 0.01, 10, 200)
    near = Check([Target("x", "<=", 1.0)], 0.01, 10, 200)
    for _ in range(10):
        far.add([rng.normal(10.0, 5.0)])  # ten times the threshold, very noisy
        near.add([rng.normal(0.95, 0.5)])
    assert (far.verdict, far.decided_at) == (INFEASIBLE, 10)
    assert near.verdict is None and near.next_look() == 15


def test_check_with_two_targets_needs_both():
    chk = Check([Target("a", "<=", 1.0), Target("b", ">=", 0.9)], 0.05, 3, 10)
    for a, b in [(0.1, 0.95), (0.2, 0.96), (0.15, 0.97)]:
        chk.add([a, b])
    assert chk.verdict == FEASIBLE
    chk = Check([Target("a", "<=", 1.0), Target("b", ">=", 0.9)], 0.05, 3, 10)
    for a, b in [(0.1, 0.5), (0.2, 0.52), (0.15, 0.51)]:
        chk.add([a, b])
    assert chk.verdict == INFEASIBLE and chk.met == {0: True, 1: False}


# ---------------------------------------------------------------- a known answer: Erlang C


@pytest.mark.parametrize("lam,wait", [(2.4, 0.4), (6.0, 0.1)])
def test_fewest_cadres_for_a_mean_wait_is_erlang_c(tmp_path, lam, wait):
    """One grid, c cadres always on duty, Poisson arrivals, exponential service (mu = 1/h): the smallest c
    whose Erlang C mean wait is within ``wait`` is what optimize must return, with c - 1 shown infeasible.
    (lambda 2.4: Wq(3) = 1.08 h, Wq(4) = 0.18 h; lambda 6: Wq(8) = 0.178 h, Wq(9) = 0.065 h.)"""
    best = next(c for c in range(int(lam) + 1, 40) if erlang_c(lam, 1.0, c)[1] <= wait)
    res = api.optimize(MMC, ["cadres.grid_workers.per_grid=1:14:1"], [f"wait_hours_mean<={wait}"],
                       options=api.Options(overrides=[("issue_types.request.rate_per_1000_households_per_week",
                                                       lam * 168)], out=tmp_path / "o", workers=1))
    assert res.optimum is not None
    assert res.optimum.levers == {"cadres.grid_workers.per_grid": best}
    assert res.next_cheaper.levers == {"cadres.grid_workers.per_grid": best - 1}
    assert res.next_cheaper.verdict == INFEASIBLE
    # bisection: a handful of candidates out of 14
    assert len(res.candidates) <= math.ceil(math.log2(15))
    rows = _rows(tmp_path / "o" / "candidates.csv")
    assert [r["chosen"] for r in rows].count("yes") == 1
    assert {r["verdict"] for r in rows} <= {"feasible", "infeasible", "not distinguishable"}
    sc = load_scenario(tmp_path / "o" / "optimum.toml")  # runs as it is, with the answer written in
    assert sc.cadres.grid_workers.per_grid == best
    doc = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert doc["optimum"]["found"] and doc["optimum"]["levers"] == {"cadres.grid_workers.per_grid": best}
    assert doc["metrics"]["wait_hours_mean"]["mean"] <= wait


# ---------------------------------------------------------------- a known answer: brute force


ALLOC = """
name = "alloc3"
seed = 5
replications = 2
[calendar]
horizon_days = 90
warmup_days = 30
[grids]
list = [{id = "A", households = 30}, {id = "B", households = 15}, {id = "C", households = 45}]
[cadres.grid_workers]
per_grid = 1
visits = false
[cadres.sunk]
count = 3
service_days = ["Wed"]
[visits]
target_interval_days = 30
households_per_hour = 0.5
[issue_types.general]
rate_per_1000_households_per_week = 50
service_time = {dist = "exponential", mean = 2.0}
"""


def test_per_grid_allocation_matches_brute_force(tmp_path):
    """Three grids whose sunk cadres alone visit (each visits 4 households a Wednesday): every allocation of
    0..3 cadres per grid is run (2 replications, the same seeds), and the fewest cadres whose mean
    coverage_min_grid reaches 0.9 is what optimize must return, with an allocation that reaches it."""
    path = tmp_path / "alloc.toml"
    path.write_text(ALLOC)
    feasible: dict[tuple[int, ...], float] = {}
    for alloc in itertools.product(range(4), repeat=3):
        per = {g: n for g, n in zip("ABC", alloc) if n}
        if not per:
            continue
        res = api.run(path, options=api.Options(overrides=[("cadres.sunk.allocation", "explicit"),
                                                           ("cadres.sunk.per_grid", per),
                                                           ("cadres.sunk.count", sum(alloc))],
                                                out=tmp_path / ("b" + "".join(map(str, alloc))), workers=1))
        if res.summaries["base"]["coverage_min_grid"].mean >= 0.9:
            feasible[alloc] = res.summaries["base"]["coverage_min_grid"].mean
    fewest = min(sum(a) for a in feasible)
    res = api.optimize(path, ["cadres.sunk.per_grid=0:3"], ["coverage_min_grid>=0.9"],
                       options=api.Options(out=tmp_path / "o", workers=1))
    alloc = res.optimum.levers["cadres.sunk.per_grid"]
    assert sum(alloc.values()) == fewest
    assert tuple(alloc.get(g, 0) for g in "ABC") in feasible
    table = _rows(tmp_path / "o" / "allocation.csv")
    assert {r["grid"]: int(r["sunk_cadres"]) for r in table} == {g: alloc.get(g, 0) for g in "ABC"}
    sc = load_scenario(tmp_path / "o" / "optimum.toml")
    assert sc.cadres.sunk.allocation == "explicit" and sc.cadres.sunk.count == fewest
    # the report states the answer and shows where the cadres go
    assert main(["report", str(tmp_path / "o")]) == 0
    md = (tmp_path / "o" / "report.md").read_text()
    assert f"shown to meet every target: **{fewest} sunk cadres placed grid by grid in {len(alloc)} grids" in md
    assert "![map-allocation](figures/map-allocation.png)" in md
    assert "Key results of the chosen deployment" in md
    import openpyxl

    book = openpyxl.load_workbook(tmp_path / "o" / "results.xlsx")
    assert {"summary", "candidates", "allocation", "grids", "replications", "about"} <= set(book.sheetnames)
    cells = {r[0]: r[4] for r in book["allocation"].iter_rows(min_row=2, values_only=True)}
    assert cells == {g: alloc.get(g, 0) for g in "ABC"}  # numbers, as in allocation.csv


# ---------------------------------------------------------------- the folder: resume, executors


def test_same_answer_and_runs_with_any_workers_and_on_resume(tmp_path):
    args = ["optimize", str(MMC), "--lever", "cadres.grid_workers.per_grid=2:8:1", "--target", "wait_hours_mean<=0.4",
            "--set", "calendar.horizon_days=40", "--quiet"]
    assert main(args + ["--out", str(tmp_path / "w1"), "--workers", "1"]) == 0
    assert main(args + ["--out", str(tmp_path / "w2"), "--workers", "2"]) == 0
    a, b = (tmp_path / "w1" / "candidates.csv").read_text(), (tmp_path / "w2" / "candidates.csv").read_text()
    assert a == b
    runs = sorted(p.relative_to(tmp_path / "w1") for p in (tmp_path / "w1" / "runs").rglob("r*.json"))
    # a resumed search replays its decisions from the runs on disk and runs nothing again
    for p in runs[len(runs) // 2:]:
        (tmp_path / "w1" / p).unlink()
    assert main(args + ["--resume", str(tmp_path / "w1")]) == 0
    assert (tmp_path / "w1" / "candidates.csv").read_text() == b


# ---------------------------------------------------------------- findings and bad input


def test_no_feasible_candidate_is_a_finding(tmp_path, capsys):
    code = main(["optimize", str(MMC), "--lever", "cadres.grid_workers.per_grid=3:4:1", "--target",
                 "wait_hours_mean<=0.01", "--set", "calendar.horizon_days=40", "--out", str(tmp_path / "o"), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    assert "no candidate in the lever ranges was shown to meet every target" in out
    assert "misses" not in out or "wait_hours_mean<=0.01" in out
    assert (tmp_path / "o" / "closest.toml").is_file() and not (tmp_path / "o" / "optimum.toml").exists()
    doc = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert doc["optimum"]["found"] is False and doc["optimum"]["levers"] == {"cadres.grid_workers.per_grid": 4}
    assert doc["optimum"]["misses"]["wait_hours_mean<=0.01"] > 0
    assert main(["report", str(tmp_path / "o")]) == 0  # says what the numbers support, and no more
    md = (tmp_path / "o" / "report.md").read_text()
    assert "No candidate in the lever ranges was shown to meet every target" in md
    assert "cheapest deployment shown" not in md and "With 95% confidence" not in md
    assert "missed on average by" in md and "Key results of the closest candidate" in md


@pytest.mark.parametrize("extra,words", [
    (["--lever", "cadres.grid_workers.per_grid=1:4:1", "--target", "no_such_metric<=3"], "'no_such_metric' is not a metric"),
    (["--lever", "cadres.grid_workers.per_grid=1:4:1", "--target", "wait_hours_mean<3"], "expected METRIC<=X"),
    (["--lever", "cadres.grid_workers.per_grid=4:1:1", "--target", "wait_hours_mean<=3"], "HI >= LO"),
    (["--lever", "cadres.grid_workers.per_grid=1:4:1", "--target", "wait_hours_mean<=3", "--cost", "nope"],
     "--cost nope: not a metric"),
    (["--lever", "cadres.no_such_role.per_grid=1:4:1", "--target", "wait_hours_mean<=3"], "no_such_role"),
    (["--lever", "cadres.sunk.per_grid=3:1", "--target", "wait_hours_mean<=3"], "LO <= HI"),
    (["--lever", "cadres.grid_workers.per_grid=0:4:1", "--target", "wait_hours_mean<=3"], "--lever cadres.grid_workers.per_grid=0"),
    (["--lever", "cadres.grid_workers.per_grid=1:4:1", "--target", "wait_hours_mean<=3", "--confidence", "1.5"],
     "--confidence 1.5"),
])
def test_bad_input_exits_2_naming_it(tmp_path, capsys, extra, words):
    code = main(["optimize", str(MMC), *extra, "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert words in err and "Traceback" not in err
    assert not (tmp_path / "o" / "runs").exists()
