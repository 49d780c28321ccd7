"""Inputs that were accepted or mishandled (issue 29, section 8): each is refused with exit code 2
and a message naming the file, the field, the value and what is allowed, or applied as meant,
or warned about.
"""

from __future__ import annotations

import errno
import os
import tomllib
from pathlib import Path

import pytest
from openpyxl import Workbook
from oracles import ONE_GRID

from sim.cli import main

SHORT = ["--set", "calendar.horizon_days=20", "--set", "calendar.warmup_days=10", "--replications", "2",
         "--workers", "1", "--quiet"]
POLICIES = ONE_GRID + """
[policies.base]

[policies.two_days]
cadres.sunk.count = 2
cadres.sunk.service_days = ["Mon", "Thu"]
"""


def scenario(tmp_path: Path, text: str = POLICIES) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- --set into a policy


def test_a_set_into_the_policy_run_is_applied(tmp_path, capsys):
    path = scenario(tmp_path)
    assert main(["validate", str(path), "--policy", "two_days", "--set", "policies.two_days.cadres.sunk.count=5"]) == 0
    assert "sunk cadres: 5, allocation equal, service days Mon+Thu" in capsys.readouterr().out
    out = tmp_path / "out"
    assert main(["run", str(path), "--policy", "two_days", "--set", "policies.two_days.cadres.sunk.count=5",
                 *SHORT, "--out", str(out)]) == 0
    resolved = tomllib.loads((out / "scenario.resolved.toml").read_text(encoding="utf-8"))
    assert resolved["cadres"]["sunk"]["count"] == 5  # the policy as changed, merged over the base
    assert resolved["policies"]["two_days"]["cadres"]["sunk"]["count"] == 5


def test_a_plain_set_still_wins_over_the_policy(tmp_path, capsys):
    path = scenario(tmp_path)
    assert main(["validate", str(path), "--policy", "two_days", "--set", "policies.two_days.cadres.sunk.count=5",
                 "--set", "cadres.sunk.count=7"]) == 0
    assert "sunk cadres: 7," in capsys.readouterr().out


@pytest.mark.parametrize("policy", [["--policy", "two_days"], []])
def test_a_wrong_value_set_into_a_policy_is_refused(tmp_path, capsys, policy):
    path = scenario(tmp_path)
    assert main(["validate", str(path), *policy, "--set", "policies.two_days.cadres.sunk.count=-5"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "policies.two_days.cadres.sunk.count = -5: must be greater than or equal to 0 " \
                                "(from --set policies.two_days.cadres.sunk.count)" in err, err


@pytest.mark.parametrize("command, said", [
    (["run"], "it runs the base scenario (no --policy)); give --policy two_days, or set the field itself "
              "(cadres.sunk.count=...)"),
    (["run", "--policy", "base"], "(it runs base); give --policy two_days"),
    (["compare", "--policies", "base,base2"], "(it runs base, base2); add it to --policies"),
])
def test_a_set_into_a_policy_the_command_does_not_run_is_refused(tmp_path, capsys, command, said):
    path = scenario(tmp_path, POLICIES + "\n[policies.base2]\n")
    args = [command[0], str(path), *command[1:], "--set", "policies.two_days.cadres.sunk.count=5", *SHORT,
            "--out", str(tmp_path / "out")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "--set policies.two_days.cadres.sunk.count: changes policy 'two_days', which this command does not run" \
           in err and said in err, err
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- --policies with full-width commas


@pytest.mark.parametrize("sep", ["，", "、", ", "])
def test_policies_separated_by_full_width_commas(tmp_path, capsys, sep):
    path = scenario(tmp_path)
    out = tmp_path / "out"
    assert main(["compare", str(path), "--policies", f"base{sep}two_days", *SHORT, "--out", str(out)]) == 0, \
        capsys.readouterr().err
    resolved = sorted(p.name for p in (out / "scenarios").iterdir())
    assert resolved == ["base.resolved.toml", "two_days.resolved.toml"]


# ---------------------------------------------------------------- a full disk


def test_a_full_disk_is_bad_circumstance_and_resume_completes(tmp_path, capsys, monkeypatch):
    path = scenario(tmp_path, ONE_GRID)
    args = ["run", str(path), *SHORT, "--replications", "4"]
    real_fsync, calls = os.fsync, []

    def fsync(fd: int) -> None:  # the disk fills up at the 6th file written (the runs' files come after the inputs)
        calls.append(fd)
        if len(calls) == 6:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    out = tmp_path / "out"
    monkeypatch.setattr(os, "fsync", fsync)
    assert main([*args, "--out", str(out)]) == 2
    monkeypatch.setattr(os, "fsync", real_fsync)
    err = capsys.readouterr().err
    assert f"No space left on device writing {out}" in err, err
    assert f"free some space (df -h {out}" in err and f"then run the same command with --resume {out}: the runs " \
           "finished so far are kept" in err and "internal error" not in err, err
    assert not list(out.rglob("*.tmp"))  # no half-written file left behind
    assert 0 < len(list((out / "runs").rglob("r*.json"))) < 4  # some runs were saved, not all

    assert main([*args, "--resume", str(out)]) == 0
    assert main([*args, "--out", str(tmp_path / "clean")]) == 0  # the same command on a roomy disk
    assert (out / "replications.csv").read_text() == (tmp_path / "clean" / "replications.csv").read_text()


# ---------------------------------------------------------------- grid tables from spreadsheets

TABLE_SCENARIO = ONE_GRID.replace('list = [{ id = "G1", households = 1000 }]', 'xlsx = "g.xlsx"')


def workbook(path: Path, rows: list[list], merged: list[str] = ()) -> None:
    book = Workbook()
    for r in rows:
        book.active.append(r)
    for ref in merged:
        book.active.merge_cells(ref)
    book.save(path)  # openpyxl saves formulas without their values, as some programs do


@pytest.mark.parametrize("last", [["合计", 1500], ["总计：", 1500], ["Total", 1500], ["", 1500, "小计"]])
def test_a_totals_row_is_not_a_grid(tmp_path, capsys, last):
    workbook(tmp_path / "g.xlsx", [["id", "households", "community"], ["A", 1000, "东风"], ["B", 500, "东风"], last])
    assert main(["validate", str(scenario(tmp_path, TABLE_SCENARIO))]) == 2
    err = capsys.readouterr().err
    word = next(c for c in last if isinstance(c, str) and c)
    named = "id" if last[0] else "community"
    assert f'grids.xlsx = "g.xlsx": {tmp_path / "g.xlsx"} row 4: {named} = {word!r} makes this a totals row, not a ' \
           "grid; a grid table has one row per grid: delete the row" in err, err


def test_a_totals_row_in_a_csv_too(tmp_path, capsys):
    (tmp_path / "g.csv").write_text("id,households\nA,1000\nB,500\n合计,1500\n", encoding="utf-8")
    text = ONE_GRID.replace('list = [{ id = "G1", households = 1000 }]', 'csv = "g.csv"')
    assert main(["validate", str(scenario(tmp_path, text))]) == 2
    assert "g.csv line 4: id = '合计' makes this a totals row" in capsys.readouterr().err


def test_a_merged_community_cell_names_every_row_it_spans(tmp_path, capsys):
    # column C: 东风 merged over rows 2-4 (grids A, B, C), 红旗 on row 5: two communities, as the reader sees
    workbook(tmp_path / "g.xlsx", [["id", "households", "community"], ["A", 100, "东风"], ["B", 200], ["C", 300],
                                   ["D", 400, "红旗"]], merged=["C2:C4"])
    path = scenario(tmp_path, TABLE_SCENARIO)
    assert main(["validate", str(path)]) == 0
    captured = capsys.readouterr()
    assert "grids: 4 in 2 communities" in captured.out, captured.out
    assert f"{tmp_path / 'g.xlsx'}: merged cells C2:C4 (community) read as '东风' in each of their 3 rows" \
           in captured.err, captured.err
    from sim.scenario import load_scenario
    rows = load_scenario(path).grids.rows
    assert [r.community for r in rows] == ["东风", "东风", "东风", "红旗"]


def test_a_merged_number_cell_is_refused(tmp_path, capsys):
    workbook(tmp_path / "g.xlsx", [["id", "households"], ["A", 100], ["B"]], merged=["B2:B3"])
    assert main(["validate", str(scenario(tmp_path, TABLE_SCENARIO))]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'g.xlsx'} cells B2:B3 are merged (households): one value cannot be shared out among " \
           "grids; unmerge them" in err, err


def test_a_formula_without_its_value_is_named(tmp_path, capsys):
    workbook(tmp_path / "g.xlsx", [["id", "households", "base"], ["A", "=C2*2", 50]])
    assert main(["validate", str(scenario(tmp_path, TABLE_SCENARIO))]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'g.xlsx'} row 2: households is a formula (=C2*2) whose value the file does not hold" in err
    assert "open it in Excel, WPS or LibreOffice and save it" in err and "required field is missing" not in err, err


# ---------------------------------------------------------------- a top-level policy key


def test_a_top_level_policy_key_does_not_choose_a_policy(tmp_path, capsys):
    path = scenario(tmp_path, 'policy = "two_days"\n' + POLICIES)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and 'policy = "two_days": this key does not apply a policy' in err and \
        "holds none of the settings of policy two_days (cadres.sunk.count is not given here, 2 in the policy): to " \
        "run the policy, drop the key and give --policy two_days" in err, err


def test_a_resolved_scenario_records_its_policy_and_runs_as_it_is(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(scenario(tmp_path)), "--policy", "two_days", *SHORT, "--out", str(out)]) == 0
    resolved = out / "scenario.resolved.toml"
    assert 'policy = "two_days"' in resolved.read_text(encoding="utf-8")
    assert main(["validate", str(resolved)]) == 0, capsys.readouterr().err
    assert "sunk cadres: 2, allocation equal, service days Mon+Thu" in capsys.readouterr().out
    # a --set over one of the policy's settings: the file still holds the other
    out = tmp_path / "out2"
    assert main(["run", str(scenario(tmp_path)), "--policy", "two_days", "--set", "cadres.sunk.count=3", *SHORT,
                 "--out", str(out)]) == 0
    assert main(["validate", str(out / "scenario.resolved.toml")]) == 0, capsys.readouterr().err
    assert "sunk cadres: 3, allocation equal, service days Mon+Thu" in capsys.readouterr().out


# ---------------------------------------------------------------- two equal allocations

FOUR_GRIDS = ONE_GRID.replace('list = [{ id = "G1", households = 1000 }]',
                              'generate = { count = 4, households = 100 }') + """
[cadres.grid_workers]
per_grid = 0

[cadres.sunk]
count = SUNK

[cadres.roles.volunteers]
count = 3
"""


@pytest.mark.parametrize("sunk, homes", [
    # by hand: sunk cadres round-robin from G1; the volunteers go on where they stopped
    (2, {"sunk": [0, 1], "volunteers": [2, 3, 0]}),
    (5, {"sunk": [0, 1, 2, 3, 0], "volunteers": [1, 2, 3]}),
    (4, {"sunk": [0, 1, 2, 3], "volunteers": [0, 1, 2]}),  # every grid as full: from G1 again
])
def test_a_second_equal_allocation_goes_on_where_the_first_stopped(tmp_path, sunk, homes):
    from sim.model.clock import Clock
    from sim.model.district import build_district
    from sim.model.roster import build_roster
    from sim.scenario import load_scenario

    sc = load_scenario(scenario(tmp_path, FOUR_GRIDS.replace("SUNK", str(sunk))))
    roster = build_roster(sc, build_district(sc), Clock(sc.calendar.start))
    got = {role: [c.home for c in roster.cadres if roster.role_names[c.role] == role] for role in homes}
    assert got == homes


def test_two_equal_allocations_together_serve_every_grid(tmp_path, capsys):
    # 2 sunk cadres and 2 volunteers on 4 grids without grid workers: each grid has one (they all went to
    # G1 and G2 before, and validate refused the scenario for G3 and G4)
    path = scenario(tmp_path, FOUR_GRIDS.replace("SUNK", "2").replace("count = 3", "count = 2"))
    assert main(["validate", str(path)]) == 0, capsys.readouterr().err
    path = scenario(tmp_path, FOUR_GRIDS.replace("SUNK", "1").replace("count = 3", "count = 2"))
    assert main(["validate", str(path)]) == 2
    assert "1 of 4 grids have no cadre living in them (G4)" in capsys.readouterr().err
