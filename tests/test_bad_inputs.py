"""Bad input met at the command line (issue 12's fault-injection cases): exit code 2 and a
message naming the file, the field, the value and what is allowed; or accepted, where legal.

Each case is a scenario file as a user would write it, run through ``gridsim validate``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from oracles import ONE_GRID

from sim.cli import main



def validate(tmp_path: Path, text: str, capsys) -> tuple[int, str]:
    path = tmp_path / "s.toml"
    path.write_bytes(text.encode("utf-8"))
    code = main(["validate", str(path)])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("patch, named", [
    # true/false read as numbers: in a distribution, in a table of shares, in multipliers
    (("mean = 1.0 }", "mean = true }"), "issue_types.request.service_time.mean = true: true/false is not allowed"),
    (("mean = 1.0 }", "mean = 1.0 }\nlevel = { grid = true }"), "issue_types.request.level.grid = true: true/false"),
    (("mean = 1.0 }", "mean = 1.0 }\n\n[[emergencies]]\nstart = 3\nduration_days = 2\nmultipliers = { request = false }"),
     "emergencies.0.multipliers.request = false: true/false is not allowed"),
    # a day listed twice
    (("mean = 1.0 }", "mean = 1.0 }\n\n[cadres.grid_workers]\ndays = ['Wed', 'Wed']"),
     'cadres.grid_workers.days = ["Wed", "Wed"]: Wed listed more than once'),
    (("mean = 1.0 }", "mean = 1.0 }\n\n[cadres.sunk]\ncount = 2\nservice_days = ['Mon', 'Tue', 'Mon']"),
     "Mon listed more than once"),
    # a number where a date is wanted (pydantic reads 0 as 1970-01-01)
    (("start = 2024-01-01", "start = 0"), "calendar.start = 0: give a date such as 2024-01-01"),
    # grid ids that do not exist, with generated grids (G1..G3 here)
    (('list = [{ id = "G1", households = 1000 }]', 'generate = { count = 3, households = 300 }\n\n'
      '[cadres.police]\ntypes = ["request"]\nunits = [{ grids = ["G1", "G7"] }]'),
     'cadres.police.units.0.grids.1 = "G7": not a grid id; grids: G1, G2, G3'),
    (('list = [{ id = "G1", households = 1000 }]', 'generate = { count = 3, households = 300 }\n\n'
      '[[campaigns]]\nname = "drive"\nstart = 3\nduration_days = 7\ngrids = ["G01"]'),
     'campaigns.0.grids.0 = "G01": not a grid id'),
])
def test_nonsense_is_refused_with_the_field_named(tmp_path, capsys, patch, named):
    code, err = validate(tmp_path, ONE_GRID.replace(*patch), capsys)
    assert code == 2 and named in err, err
    assert str(tmp_path / "s.toml") in err and "Traceback" not in err


def test_a_byte_order_mark_is_fine(tmp_path, capsys):
    code, err = validate(tmp_path, "\ufeff" + ONE_GRID, capsys)
    assert code == 0, err


def test_a_directory_is_named_as_such(tmp_path, capsys):
    assert main(["validate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path) in err and "is a directory, not a scenario file" in err


def test_validate_checks_a_variant_without_running_it(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(ONE_GRID + "\n[policies.more]\ncadres.sunk.count = 4\n", encoding="utf-8")
    assert main(["validate", str(path), "--policy", "more", "--set", "cadres.sunk.service_days=Mon+Thu"]) == 0
    out = capsys.readouterr().out
    assert "sunk cadres: 4, allocation equal, service days Mon+Thu" in out
    assert main(["validate", str(path)]) == 0
    assert "sunk cadres: none" in capsys.readouterr().out  # only what the scenario uses
    assert main(["validate", str(path), "--set", "cadres.sunk.count=-1"]) == 2
    assert "cadres.sunk.count = -1" in capsys.readouterr().err
    assert main(["validate", str(path), "--policy", "nope"]) == 2
    assert "no such policy; defined policies: more" in capsys.readouterr().err


@pytest.mark.parametrize("patch, named", [
    (("rate_per_1000_households_per_week = 40", "rate_per_1000_households_per_week = 1e12"),
     "rate_per_1000_households_per_week = 1000000000000.0: must be less than or equal to 100000 (a plausible"),
    (("start = 2024-01-01", "start = 2024-01-01\nhorizon_days = 1e12"), "calendar.horizon_days = 1000000000000.0"),
    (("households = 1000", "households = 1000000000000"), "grids.list.0.households = 1000000000000"),
    (("mean = 1.0 }", "mean = 1.0 }\nreport_delay = { dist = 'gamma', mean = 5, cv = 1e-200 }\nhidden_share = 0.5"),
     "report_delay.cv = 1e-200: must be greater than or equal to 0.000001"),
    (('{ dist = "exponential", mean = 1.0 }', '{ dist = "lognormal", mean = 1.0, cv = 1e200 }'),
     "service_time.cv = 1e+200: must be less than or equal to 100"),
    (("mean = 1.0 }", "mean = 1.0 }\nprofile = { weekday = [1e308, 1, 1, 1, 1, 1, 1] }"),
     "profile.weekday.0 = 1e+308: must be less than or equal to 10000"),
    (("mean = 1.0 }", "mean = 1.0 }\n\n[[emergencies]]\nstart = 3\nduration_days = 2\nmultipliers = { request = 1e12 }"),
     "emergencies.0.multipliers.request = 1000000000000.0"),
    (("mean = 1.0 }", "mean = 1e300 }"), "service_time.mean = 1e+300: must be less than or equal to 1000000000000"),
])
def test_values_beyond_plausible_bounds_are_refused(tmp_path, capsys, patch, named):
    code, err = validate(tmp_path, ONE_GRID.replace(*patch), capsys)
    assert code == 2 and named in err, err


def test_a_default_in_conflict_is_named_as_the_default(tmp_path, capsys):
    code, err = validate(tmp_path, ONE_GRID + "\n[wartime]\nenter_backlog_per_grid = 0.6\n", capsys)
    assert code == 2 and "wartime.exit_backlog_per_grid = 2.0: must be below enter_backlog_per_grid (0.6); " \
                         "the file does not give exit_backlog_per_grid: 2.0 is its default" in err, err
    code, err = validate(tmp_path, ONE_GRID.replace("start = 2024-01-01", "start = 2024-01-01\nhorizon_days = 20"), capsys)
    assert code == 2 and "the file does not give warmup_days: 28.0 is its default" in err, err


def test_an_emergency_outside_the_run_is_warned_about(tmp_path, capsys):
    text = ONE_GRID + "\n[[emergencies]]\nname = \"flood\"\nstart = 2026-07-01\nduration_days = 5\n"
    code, err = validate(tmp_path, text, capsys)
    assert code == 0 and "emergencies.0 (flood) runs from day 912 to day 917, outside the run (day 0 to 365)" in err, err


@pytest.mark.parametrize("content, said", [
    ("id,households,community\nG1,300,东风社区\nG2,250,红旗社区\n".encode("gbk"),
     "grids.csv line 2: not UTF-8 text (byte 0xb6; GBK from a Chinese spreadsheet?): UTF-8 is required"),
    (b"id,households\nG1,300\n\x00\x01\x02binary", "grids.csv line 3: a binary file, not text (a NUL byte)"),
])
def test_a_grid_table_that_is_not_utf8_is_named_with_its_line(tmp_path, capsys, content, said):
    (tmp_path / "grids.csv").write_bytes(content)
    text = ONE_GRID.replace('list = [{ id = "G1", households = 1000 }]', 'csv = "grids.csv"')
    code, err = validate(tmp_path, text, capsys)
    assert code == 2 and said in err and "grids.csv" in err, err


def test_a_scenario_file_in_gbk_is_named_with_its_line(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_bytes((ONE_GRID + '\ndescription = "塔区"\n').encode("gbk"))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "s.toml line 13: not UTF-8 text" in err and "UTF-8 is required" in err, err


def test_a_utf8_grid_table_with_chinese_names_is_fine(tmp_path, capsys):
    (tmp_path / "grids.csv").write_bytes("\ufeffid,households,community\nG1,300,东风社区\n".encode("utf-8"))
    code, err = validate(tmp_path, ONE_GRID.replace('list = [{ id = "G1", households = 1000 }]', 'csv = "grids.csv"'), capsys)
    assert code == 0, err


def test_an_office_without_staff_that_resolves_issues_is_warned_about(tmp_path, capsys):
    text = ONE_GRID.replace('mean = 1.0 }', 'mean = 1.0 }\nlevel = { grid = 0.9, street = 0.1 }') + \
        "\n[levels.street]\nstaff_per_unit = 0\n"
    code, err = validate(tmp_path, text, capsys)
    assert code == 0 and "levels.street.staff_per_unit = 0: the issues of request that reach street level are " \
                         "never resolved" in err, err
