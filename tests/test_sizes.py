"""Sizes (issue 12): designs too large or malformed, absurd replication counts, and a run-size
estimate that refuses what cannot fit in memory, before anything starts: exit code 2 and a
message naming the flag, the value and what is allowed; never a hang or a MemoryError.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sim import api
from sim.cli import main
from sim.experiments import sizing

ROOT = Path(__file__).resolve().parent.parent
MMC = ROOT / "scenarios" / "validation" / "mmc.toml"
SHORT = ["--set", "calendar.horizon_days=20", "--set", "calendar.warmup_days=10", "--workers", "1", "--quiet"]


def sweep(tmp_path: Path, spec: str, *more: str) -> list[str]:
    return ["sweep", str(MMC), "--vary", f"cadres.grid_workers.per_grid={spec}", "--replications", "2", *SHORT,
            *more, "--out", str(tmp_path / "out")]


@pytest.mark.parametrize("spec, needle", [
    ("1:2:0.0000001", "--vary cadres.grid_workers.per_grid=1:2:0.0000001: 10,000,001 values; a range may have "
                      "at most 1,000,000 (use a larger STEP)"),
    ("nan:inf:1", "--vary cadres.grid_workers.per_grid=nan:inf:1: LO, HI and STEP must be finite numbers"),
    ("1:inf:1", "must be finite numbers"),
    ("1:20000:1", "the sweep design has 20,000 points; at most 10,000 are allowed; --force allows up to 1,000,000"),
])
def test_designs_too_large_or_malformed_are_refused_at_once(tmp_path, capsys, spec, needle):
    t0 = time.perf_counter()
    assert main(sweep(tmp_path, spec)) == 2
    assert time.perf_counter() - t0 < 10  # refused up front, not after materialising the design
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_two_factors_multiply(tmp_path, capsys):
    args = sweep(tmp_path, "1:150:1")
    args[args.index("--vary"):args.index("--vary")] = ["--vary", "calendar.warmup_days=1:100:1"]
    assert main(args) == 2
    assert "the sweep design has 15,000 points" in capsys.readouterr().err


def test_the_design_size_is_printed_up_front(tmp_path, capsys):
    args = [a for a in sweep(tmp_path, "3,4") if a != "--quiet"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "sweep design (grid, 2): 2 point(s)" in err
    assert "size: 2 variant(s) x 2 replication(s) = 4 run(s), about" in err
    assert err.index("sweep design") < err.index("run(s) to do")


@pytest.mark.parametrize("flag, value, needle", [
    ("--replications", "1000000000000", "--replications 1000000000000: allowed are 1 to 1,000,000"),
    ("--replications", "1e12", "--replications: '1e12': a whole number >= 1, or auto"),
    ("--replications", "-3", "a whole number >= 1"),
    ("--max-replications", "99999999999", "--max-replications 99999999999: allowed are 1 to 1,000,000"),
])
def test_absurd_replications_are_refused(tmp_path, capsys, flag, value, needle):
    args = ["run", str(MMC), *SHORT, flag, value, "--out", str(tmp_path / "out")]
    try:
        code = main(args)
    except SystemExit as e:  # argparse refuses what is not a whole number
        code = e.code
    assert code == 2
    err = capsys.readouterr().err
    assert needle in err and "MemoryError" not in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_run_that_needs_more_memory_than_the_machine_has(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sizing, "available_memory", lambda: 50 * 2**20)  # 50 MB free
    args = ["run", str(MMC), "--replications", "2", *SHORT]
    assert main([*args, "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err
    assert "too large for this machine: 1 variant(s) x 2 replication(s) = 2 run(s)" in err
    assert "only 50 MB is available" in err and "--force" in err
    assert not (tmp_path / "a").exists()
    assert main([*args, "--force", "--out", str(tmp_path / "b")]) == 0  # the user insists


def test_an_overflowing_scenario_is_refused_by_the_estimate(tmp_path, capsys):
    # 10^8 issues per 1,000 households a week on 1,000 households for 20 days: ~29 million issues a run
    args = ["run", str(MMC), "--replications", "2", *SHORT,
            "--set", "issue_types.request.rate_per_1000_households_per_week=1e8", "--set", "grids.list.0.households=100000"]
    assert main([*args, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert ("too large for this machine" in err or "issue_types.request.rate_per_1000_households_per_week" in err), err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


def test_the_estimate_counts_issues_as_the_model_does(tmp_path):
    sc = api.load_scenario(MMC, None, [])
    # M/M/3 case: 2.4 arrivals an hour for 120 days
    assert sizing.issues_per_run(sc) == pytest.approx(2.4 * 24 * 120, rel=1e-3)
    res = api.run(MMC, replications=3, workers=1, out=tmp_path / "out", quiet=True)
    window = (sc.calendar.horizon_days - sc.calendar.warmup_days) / sc.calendar.horizon_days
    arrived = res.summaries["base"]["issues_arrived"].mean  # counted after the warm-up
    assert arrived == pytest.approx(sizing.issues_per_run(sc) * window, rel=0.05)
    size = sizing.estimate([sc], 10, 2)
    assert size.runs == 10
    # 7 people: 3 grid workers, one community and one street officer, 2 department staff
    assert size.people == 7
    assert size.memory == pytest.approx(10 * sizing.BYTES_PER_RUN_IN_PARENT
                                        + 2 * (sizing.BYTES_PER_WORKER + 360 * 2.4 * 24 * 120 + 500 * 7), rel=1e-3)


@pytest.mark.parametrize("key, value, said", [
    ("cadres.grid_workers.per_grid", 10**12, "cadres.grid_workers.per_grid = 1000000000000: 1,000,000,000,000 in "
                                            "each of 1 grid makes 1,000,000,000,000 people (1,000,000,000,004 with"),
    ("levels.community.staff_per_unit", 10**12, "levels.community.staff_per_unit = 1000000000000: 1,000,000,000,000 "
                                               "in each of 1 community office makes 1,000,000,000,000 people"),
    ("cadres.sunk.count", 10**12, "cadres.sunk.count = 1000000000000: 1,000,000,000,000 in the district makes"),
    # 1,001 grid workers in each of 1,000 generated grids: 1,001,000 people, just over the bound
    ("cadres.grid_workers.per_grid", 1001, "1,001 in each of 1,000 grids makes 1,001,000 people"),
])
def test_staff_beyond_any_district_is_refused_by_validate_and_run(tmp_path, capsys, key, value, said):
    path = tmp_path / "s.toml"
    path.write_text(MMC.read_text().replace('list = [{ id = "G1", households = 1000 }]',
                                            'generate = { count = 1000, households = 1 }' if value == 1001
                                            else 'list = [{ id = "G1", households = 1000 }]'), encoding="utf-8")
    for command in (["validate", str(path)], ["run", str(path), *SHORT, "--out", str(tmp_path / "out")]):
        t0 = time.perf_counter()
        assert main([*command, "--set", f"{key}={value}"]) == 2
        assert time.perf_counter() - t0 < 10  # refused when read, not after building a roster
        err = capsys.readouterr().err
        assert str(path) in err and said in err and "allowed: at most 1,000,000 cadres and office staff" in err, err
    assert not (tmp_path / "out").exists()


def test_a_large_real_district_is_within_the_bound(tmp_path, capsys):
    # 1,000 grids with 999 grid workers each, 2 department staff, 1 community and 1 street office: 999,004 people
    path = tmp_path / "s.toml"
    path.write_text(MMC.read_text().replace('list = [{ id = "G1", households = 1000 }]',
                                            'generate = { count = 1000, households = 1 }'), encoding="utf-8")
    assert main(["validate", str(path), "--set", "cadres.grid_workers.per_grid=999"]) == 0, capsys.readouterr().err
