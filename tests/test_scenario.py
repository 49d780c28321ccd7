"""Scenario loading: every bad input is a ScenarioError naming file, field path, value and what is allowed."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.scenario import (
    ScenarioError,
    apply_override,
    build_scenario,
    deep_merge,
    dump_toml,
    load_scenario,
    merge_inputs,
    parse_set,
    parse_value,
    read_toml,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"

BASE = """\
name = "t"

[grids]
list = [{ id = "G1", households = 1000 }, { id = "G2", households = 500 }]

[issue_types.request]
rate_per_1000_households_per_week = 40
service_time = { dist = "exponential", mean = 1.0 }

[issue_types.dispute]
rate_per_1000_households_per_week = 5
service_time = { dist = "lognormal", mean = 3.0, cv = 0.8 }
"""


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error(path: Path, policy: str | None = None, sets: list[str] | None = None) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, policy, parse_set(sets))
    err = info.value
    assert err.file == str(path)
    message = str(err)
    assert message == err.render() and message.startswith(str(path))
    return message


def test_base_is_valid(tmp_path):
    sc = load_scenario(write(tmp_path, BASE))
    assert [g.id for g in sc.grids.rows] == ["G1", "G2"]
    assert sc.issue_types["dispute"].service_time.cv == 0.8


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").rglob("*.toml")), ids=lambda p: p.name)
def test_shipped_scenarios_and_their_policies_load(path):
    sc = load_scenario(path)
    for name in sc.policies:
        assert load_scenario(path, name).policy == name


# ---------------------------------------------------------------- one test per kind of mistake


def test_unknown_key_lists_allowed_keys(tmp_path):
    msg = error(write(tmp_path, BASE + "\n[cadres.sunk]\ncuont = 800\n"))
    assert "cadres.sunk.cuont = 800" in msg
    assert "unknown key" in msg and "did you mean count?" in msg
    assert "allowed keys: idle_pace_share, attendance, cost_per_hour, start_hour, end_hour, count, allocation, per_grid, service_days, days_per_cadre" in msg


def test_unknown_top_level_table(tmp_path):
    msg = error(write(tmp_path, BASE + "\n[wartim]\ntrigger = 'off'\n"))
    assert 'wartim = {trigger = "off"}: unknown key (did you mean wartime?)' in msg


def test_unknown_key_inside_a_distribution(tmp_path):
    msg = error(write(tmp_path, BASE.replace("cv = 0.8", "sigma = 0.8")))
    assert "issue_types.dispute.service_time.sigma = 0.8: unknown key" in msg
    assert "allowed keys: dist, mean, cv" in msg


def test_wrong_type(tmp_path):
    msg = error(write(tmp_path, BASE + "\n[cadres.sunk]\ncount = 'many'\n"))
    assert 'cadres.sunk.count = "many": must be a valid integer' in msg


def test_bool_is_not_a_number(tmp_path):
    msg = error(write(tmp_path, BASE + "\n[cadres.sunk]\ncount = true\n"))
    assert "cadres.sunk.count = true: true/false is not allowed here; give a number" in msg


def test_table_expected(tmp_path):
    msg = error(write(tmp_path, BASE + "\n[issue_types]\nhazard = 3\n"))
    assert "issue_types.hazard = 3: must be a table with keys among: rate_per_1000_households_per_week" in msg


def test_negative_rate(tmp_path):
    msg = error(write(tmp_path, BASE.replace("= 40", "= -4")))
    assert "issue_types.request.rate_per_1000_households_per_week = -4: must be greater than or equal to 0" in msg


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("cv = 0.8", "cv = -1", "issue_types.dispute.service_time.cv = -1: must be greater than or equal to 0.000001"),
        ("mean = 1.0", "mean = 0", "issue_types.request.service_time.mean = 0: must be greater than 0"),
    ],
)
def test_non_positive_distribution_parameter(tmp_path, old, new, field):
    msg = error(write(tmp_path, BASE.replace(old, new)))
    assert field in msg


def test_infinite_number_is_refused(tmp_path):
    msg = error(write(tmp_path, BASE + "\n[calendar]\nhorizon_days = inf\n"))
    assert "calendar.horizon_days = inf: must be a finite number" in msg


def test_bare_number_distribution_names_the_field(tmp_path):
    msg = error(write(tmp_path, BASE.replace('{ dist = "exponential", mean = 1.0 }', "-3")))
    assert "issue_types.request.service_time = -3: must be greater than or equal to 0" in msg


def test_unknown_distribution(tmp_path):
    msg = error(write(tmp_path, BASE.replace('"lognormal"', '"weibull"')))
    assert 'issue_types.dispute.service_time.dist = "weibull": unknown distribution' in msg
    assert "allowed: exponential, lognormal, gamma, fixed, uniform, empirical" in msg


def test_distribution_without_dist(tmp_path):
    msg = error(write(tmp_path, BASE.replace('dist = "exponential", ', "")))
    assert "issue_types.request.service_time.dist: required field is missing; allowed: exponential" in msg


def test_distribution_given_as_a_bare_name(tmp_path):
    msg = error(write(tmp_path, BASE.replace('{ dist = "exponential", mean = 1.0 }', '"exponential"')))
    assert 'issue_types.request.service_time = "exponential": must be a number (a fixed value) or a table' in msg


def test_literal_lists_allowed_values(tmp_path):
    msg = error(write(tmp_path, BASE + "\n[cadres.sunk]\nallocation = 'random'\n"))
    assert "cadres.sunk.allocation = \"random\": must be 'equal', 'households', 'explicit' or 'table'" in msg


def test_unknown_level_name(tmp_path):
    msg = error(write(tmp_path, BASE.replace("cv = 0.8 }", "cv = 0.8 }\nlevel = 'cummunity'")))
    assert 'issue_types.dispute.level = "cummunity"' in msg and "allowed: grid, community, street, department" in msg


def test_unknown_policy_lists_defined_ones(tmp_path):
    path = write(tmp_path, BASE + "\n[policies.pooled]\ndispatch.rule = 'community_pool'\n[policies.lean]\ncadres.sunk.count = 0\n")
    msg = error(path, policy="pooled_typo")
    assert "--policy pooled_typo: no such policy; defined policies: pooled, lean" in msg


def test_policy_field_in_file_must_name_a_policy(tmp_path):
    msg = error(write(tmp_path, 'policy = "x"\n' + BASE))
    assert 'policy = "x": not a defined policy; defined: none' in msg


def test_service_day_not_a_weekday(tmp_path):
    msg = error(write(tmp_path, BASE + "\n[cadres.sunk]\nservice_days = ['Wedensday']\n"))
    assert 'cadres.sunk.service_days.0 = "Wedensday"' in msg
    assert "allowed: Mon, Tue, Wed, Thu, Fri, Sat, Sun" in msg


def test_missing_grid_csv(tmp_path):
    msg = error(write(tmp_path, BASE.replace("list = [", 'csv = "nowhere.csv"\n#')))
    assert 'grids.csv = "nowhere.csv": grid table not found' in msg and str(tmp_path / "nowhere.csv") in msg


def test_grid_csv_missing_column(tmp_path):
    (tmp_path / "g.csv").write_text("id,hh\nG1,3\n")
    msg = error(write(tmp_path, BASE.replace("list = [", 'csv = "g.csv"\n#')))
    assert 'grids.csv = "g.csv"' in msg and "lacks column(s) households" in msg and "has: id, hh" in msg


def test_grid_csv_bad_row_names_line(tmp_path):
    (tmp_path / "g.csv").write_text("id,households\nG1,3\nG2,lots\n")
    msg = error(write(tmp_path, BASE.replace("list = [", 'csv = "g.csv"\n#')))
    assert 'grids.csv = "g.csv"' in msg and 'line 3: households = "lots": must be a valid integer' in msg


def test_missing_empirical_csv(tmp_path):
    text = BASE.replace('{ dist = "exponential", mean = 1.0 }', '{ dist = "empirical", file = "t.csv", column = "h" }')
    msg = error(write(tmp_path, text))
    assert 'issue_types.request.service_time.file = "t.csv": CSV file not found' in msg


def test_empirical_csv_missing_column(tmp_path):
    (tmp_path / "t.csv").write_text("hours\n1.5\n")
    text = BASE.replace('{ dist = "exponential", mean = 1.0 }', '{ dist = "empirical", file = "t.csv", column = "h" }')
    msg = error(write(tmp_path, text))
    assert 'issue_types.request.service_time.column = "h": not a column of' in msg and "columns: hours" in msg


def test_empty_grid_list(tmp_path):
    msg = error(write(tmp_path, BASE.replace("list = [", "list = []\n#")))
    assert "grids.list = []: is empty; give at least one grid" in msg


def test_grids_need_exactly_one_source(tmp_path):
    msg = error(write(tmp_path, BASE.replace("list = [", 'csv = "g.csv"\nlist = [')))
    assert 'grids.csv = "g.csv": give only one of list, generate, csv, xlsx, geojson (list is also given)' in msg


def test_duplicate_grid_id(tmp_path):
    msg = error(write(tmp_path, BASE.replace('id = "G2"', 'id = "G1"')))
    assert "grids.list.1.id = \"G1\": grid id 'G1' is repeated" in msg


def test_malformed_toml_gives_line_number(tmp_path):
    text = BASE + "\n[cadres.sunk]\ncount = = 3\n"
    line = text.splitlines().index("count = = 3") + 1
    msg = error(write(tmp_path, text))
    assert f"malformed TOML: Invalid value (at line {line}, column 9): count = = 3" in msg


def test_missing_file(tmp_path):
    assert "file not found" in error(tmp_path / "absent.toml")


def test_model_validator_errors_name_the_field(tmp_path):
    msg = error(write(tmp_path, BASE + "\n[calendar]\nhorizon_days = 20\nwarmup_days = 30\n"))
    assert "calendar.warmup_days = 30: must be less than horizon_days (20.0)" in msg
    msg = error(write(tmp_path, BASE + "\n[cadres.sunk]\nstart_hour = 18\n"))
    assert "cadres.sunk.end_hour = 17.0: must be after start_hour (18.0)" in msg


def test_cross_reference_errors_name_the_field(tmp_path):
    msg = error(write(tmp_path, BASE + "\n[cadres.police]\ntypes = ['request', 'hazrd']\n"))
    assert 'cadres.police.types.1 = "hazrd": not an issue type; defined issue types: request, dispute' in msg
    msg = error(write(tmp_path, BASE + "\n[[emergencies]]\nstart = 3\nduration_days = 2\nmultipliers = { riot = 2 }\n"))
    assert "emergencies.0.multipliers.riot = 2: 'riot' is not an issue type" in msg
    msg = error(write(tmp_path, BASE + "\n[cadres.police]\nunits = [{ grids = ['G1', 'G7'] }]\n"))
    assert 'cadres.police.units.0.grids.1 = "G7": not a grid id; grids: G1, G2' in msg


def test_union_field_says_what_is_allowed(tmp_path):
    msg = error(write(tmp_path, BASE + "\n[[emergencies]]\nstart = 'soon'\nduration_days = 2\n"))
    assert 'emergencies.0.start = "soon": must be a date, a date-time, or a number of days' in msg


def test_all_problems_are_reported(tmp_path):
    err = pytest.raises(ScenarioError, load_scenario, write(tmp_path, BASE + "seed = -1\n[visits]\nenabeld = true\n")).value
    assert len(err.problems) == 2


# ---------------------------------------------------------------- policies and --set


def test_policy_deep_merges(tmp_path):
    path = write(tmp_path, BASE + "\n[cadres.sunk]\ncount = 10\nservice_days = ['Wed']\n"
                 "\n[policies.two_days]\ndescription = 'two days'\ncadres.sunk.service_days = ['Mon', 'Thu']\n")
    sc = load_scenario(path, "two_days")
    assert sc.cadres.sunk.service_days == ["Mon", "Thu"]
    assert sc.cadres.sunk.count == 10  # kept from the base table
    assert sc.policy == "two_days"
    assert load_scenario(path).cadres.sunk.service_days == ["Wed"]


def test_a_policy_distribution_replaces_the_base_one_whole(tmp_path):
    path = write(tmp_path, BASE + "\n[policies.uniform]\nissue_types.dispute.service_time = { dist = 'uniform', low = 1, high = 2 }\n"
                 "[policies.mean]\nissue_types.dispute.service_time = { mean = 5.0 }\n")
    assert load_scenario(path, "uniform").issue_types["dispute"].service_time.dist == "uniform"  # no cv inherited
    changed = load_scenario(path, "mean").issue_types["dispute"].service_time  # a table without dist: one key
    assert (changed.dist, changed.mean, changed.cv) == ("lognormal", 5.0, 0.8)


def test_policy_error_says_so(tmp_path):
    path = write(tmp_path, BASE + "\n[policies.bad]\ncadres.sunk.count = -1\n[policies.short]\ncalendar.horizon_days = 10\n")
    msg = error(path, policy="bad")
    assert "policies.bad.cadres.sunk.count = -1: must be greater than or equal to 0 (set by policy 'bad')" in msg
    msg = error(path, policy="short")
    assert "calendar.warmup_days = 28.0: must be less than horizon_days (10.0)" in msg
    assert "(with policy 'short')" in msg


def test_set_nested_key_and_list_index(tmp_path):
    path = write(tmp_path, BASE + "\n[[emergencies]]\nstart = 3\nduration_days = 2\n")
    sc = load_scenario(path, overrides=parse_set([
        "cadres.sunk.count=800", "emergencies.0.duration_days=5", "grids.list.1.households=42",
        "dispatch.rule=community_pool",
    ]))
    assert sc.cadres.sunk.count == 800
    assert sc.emergencies[0].duration_days == 5
    assert sc.grids.rows[1].households == 42
    assert sc.dispatch.rule == "community_pool"


def test_set_weekday_string(tmp_path):
    sc = load_scenario(write(tmp_path, BASE), overrides=parse_set(["cadres.sunk.service_days=Mon+Thu"]))
    assert sc.cadres.sunk.service_days == ["Mon", "Thu"]


def test_set_overrides_policy(tmp_path):
    path = write(tmp_path, BASE + "\n[policies.p]\ncadres.sunk.count = 5\n")
    assert load_scenario(path, "p", parse_set(["cadres.sunk.count=7"])).cadres.sunk.count == 7


def test_bad_set_value_names_the_key(tmp_path):
    path = write(tmp_path, BASE)
    msg = error(path, sets=["cadres.sunk.count=abc"])
    assert 'cadres.sunk.count = "abc": must be a valid integer' in msg and "(from --set cadres.sunk.count)" in msg
    msg = error(path, sets=["cadres.sunk.service_days=Mon+Xyz"])
    assert 'cadres.sunk.service_days = "Mon+Xyz"' in msg and "'Xyz' is not a weekday name" in msg
    msg = error(path, sets=["cadres.sunk.cuont=3"])
    assert "cadres.sunk.cuont = 3: unknown key" in msg and "(from --set cadres.sunk.cuont)" in msg


def test_set_causing_another_field_to_fail_says_so(tmp_path):
    msg = error(write(tmp_path, BASE), sets=["cadres.sunk.start_hour=18"])
    assert "cadres.sunk.end_hour = 17.0: must be after start_hour (18.0)" in msg
    assert "(after --set cadres.sunk.start_hour)" in msg


def test_bad_set_path(tmp_path):
    path = write(tmp_path, BASE)
    assert "--set grids.list.5: '5' is not an index 0..1" in error(path, sets=["grids.list.5.id=x"])
    assert "--set name.x: name is a value, not a table" in error(path, sets=["name.x=1"])
    with pytest.raises(ValueError, match="expected KEY=VALUE"):
        parse_set(["cadres.sunk.count"])


def test_apply_override_does_not_mutate():
    data = {"a": {"b": [1, 2]}}
    assert apply_override(data, "a.b.1", 5) == {"a": {"b": [1, 5]}}
    assert apply_override(data, "a.c.d", "x") == {"a": {"b": [1, 2], "c": {"d": "x"}}}
    assert data == {"a": {"b": [1, 2]}}


def test_deep_merge():
    base = {"a": {"b": 1, "c": [1]}, "d": 2}
    assert deep_merge(base, {"a": {"c": [2], "e": 3}}) == {"a": {"b": 1, "c": [2], "e": 3}, "d": 2}
    assert base == {"a": {"b": 1, "c": [1]}, "d": 2}


def test_resolved_scenario_round_trips(tmp_path):
    path = ROOT / "scenarios" / "validation" / "mmc.toml"
    merged = merge_inputs(read_toml(path), path, overrides=parse_set(["cadres.grid_workers.per_grid=4"]))
    again = write(tmp_path, dump_toml(merged), "resolved.toml")
    assert load_scenario(again) == build_scenario(read_toml(path), path, overrides=[("cadres.grid_workers.per_grid", 4)])


# ---------------------------------------------------------------- files, data not code


def test_csv_files_load_relative_to_the_scenario(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nowhere near the data
    sc = load_scenario(DATA / "csv_scenario" / "scenario.toml")
    assert [(g.id, g.community, g.households) for g in sc.grids.rows] == [("G1", "C1", 300), ("G2", "C1", 450), ("G3", "C2", 500)]
    st_ = sc.issue_types["request"].service_time
    assert st_.values == (0.5, 1.5, 1.0) and math.isclose(st_.mean_value, 1.0)


def test_code_in_a_scenario_is_just_data(tmp_path):
    marker = tmp_path / "pwned"
    code = f"__import__('os').system('touch {marker}')"
    path = write(tmp_path, f"description = {tomli_w.dumps({'v': code})[4:]}" + BASE)
    assert load_scenario(path).description == code
    assert load_scenario(path, overrides=parse_set([f"description={code}"])).description == code
    msg = error(path, sets=[f"cadres.sunk.allocation={code}"])
    assert "cadres.sunk.allocation" in msg
    assert parse_value("exec('1/0')") == "exec('1/0')"
    assert not marker.exists()


# ---------------------------------------------------------------- parse_value


_scalars = (
    st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.booleans()
    | st.text(max_size=20)
    | st.dates()
    | st.datetimes()
)


@settings(max_examples=150, deadline=None)
@given(st.one_of(_scalars, st.lists(_scalars, max_size=5)))
def test_parse_value_round_trips_dumped_values(value):
    text = tomli_w.dumps({"v": value}).removeprefix("v = ").rstrip("\n")
    assert parse_value(text) == value


def test_parse_value_keeps_plain_words_as_strings():
    assert parse_value("community_pool") == "community_pool"
    assert parse_value("Mon+Thu") == "Mon+Thu"
    assert parse_value("2024-03-01") == dt.date(2024, 3, 1)
    assert parse_value("[1, 2]") == [1, 2]
    assert parse_value("{a = 1}") == {"a": 1}


def test_emergency_start_with_utc_offset_is_refused(tmp_path):
    text = BASE + '\n[[emergencies]]\nstart = 2024-01-10T06:00:00+08:00\nduration_days = 2\n'
    msg = error(write(tmp_path, text))
    assert "emergencies.0.start" in msg and "without a UTC offset" in msg


def test_explicit_allocation_places_cadres_grid_by_grid(tmp_path):
    from sim.model.district import build_district
    from sim.model.roster import allocate_sunk

    text = BASE + '\n[cadres.sunk]\nallocation = "explicit"\nper_grid = { G2 = 3, G1 = 1 }\n'
    sc = load_scenario(write(tmp_path, text))
    assert sc.cadres.sunk.count == 4  # the sum, when count is left out
    assert allocate_sunk(sc, build_district(sc)).tolist() == [0, 1, 1, 1]  # grid order, not the table's
    assert "must equal the sum of per_grid (4)" in error(write(tmp_path, text + "count = 5\n"))
    assert "'G9' is not a grid id; grids: G1, G2" in error(write(tmp_path, text), sets=["cadres.sunk.per_grid.G9=1"])
    assert 'needs allocation = "explicit"' in error(write(tmp_path, text.replace('allocation = "explicit"\n', "")))
    assert 'allocation = "explicit" needs per_grid' in error(write(tmp_path, BASE + '\n[cadres.sunk]\nallocation = "explicit"\n'))
    # a grid with no cadre at all is refused under own-grid dispatch (its issues would wait forever)
    alone = text + "\n[cadres.grid_workers]\nper_grid = 0\n"
    assert "1 of 2 grids have no cadre living in them (G1)" in error(write(tmp_path, alone), sets=["cadres.sunk.per_grid.G1=0"])
