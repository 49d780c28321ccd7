"""The offices' load of a fitted scenario (sim/fit/load.py), worked out by hand."""

from pathlib import Path

import pytest

from sim.fit.load import load_warnings, office_loads
from sim.scenario import build_scenario


def scenario(escalation: str, community_staff: int = 1, community_work: float = 4.0):
    # 1,000 households in two communities of one street: 10 issues a week of one type
    return build_scenario({
        "name": "load", "calendar": {"start": "2024-01-01", "horizon_days": 7, "warmup_days": 0},
        "grids": {"list": [{"id": "G1", "households": 600, "community": "A"},
                           {"id": "G2", "households": 400, "community": "B"}]},
        "levels": {"community": {"staff_per_unit": community_staff, "attendance": 0.5},
                   "department": {"staff_per_unit": 2,
                                  "units": {"roads": {"staff": 3, "types": ["x"], "days": ["mon"],
                                                      "start_hour": 8, "end_hour": 12}}}},
        "issue_types": {"x": {"rate_per_1000_households_per_week": 10, "escalation": escalation,
                              "level": {"grid": 0.5, "community": 0.3, "department": 0.2},
                              "service_time": 1.0,
                              "service_time_by_level": {"community": community_work, "department": 10.0}}},
    }, Path("load.toml"))


def test_direct_loads_by_hand():
    loads = {x.level: x for x in office_loads(scenario("direct"))}
    # community: 10 a week x 0.3 x 4 h = 12 h; 2 offices x 1 staff x 0.5 attendance x 5 days x 9 h = 45 h
    assert loads["community"].offered_hours_per_week == pytest.approx(12.0)
    assert loads["community"].staff_hours_per_week == pytest.approx(45.0)
    # department: 10 x 0.2 x 10 h = 20 h, all to the unit that lists the type: 3 staff x 1 day x 4 h = 12 h;
    # the shared office (2 x 45 h) gets none
    assert loads["department.roads"].offered_hours_per_week == pytest.approx(20.0)
    assert loads["department.roads"].staff_hours_per_week == pytest.approx(12.0)
    assert "department" not in loads
    assert "street" not in loads  # no type reaches it
    text = load_warnings(list(loads.values()))
    assert len(text) == 1 and text[0].startswith("department unit roads: the fitted work needs 20 h a week against 12")


def test_sequential_issues_load_every_level_they_pass():
    loads = {x.level: x for x in office_loads(scenario("sequential"))}
    # the community works every issue that reaches it, those passed on to the department too: 10 x 0.5 x 4 h
    assert loads["community"].offered_hours_per_week == pytest.approx(20.0)
    # the street is passed: 10 x 0.2 x its work, the type's service_time of 1 h
    assert loads["street"].offered_hours_per_week == pytest.approx(2.0)
    assert loads["street"].staff_hours_per_week == pytest.approx(45.0)


def test_an_understaffed_office_is_said_saturated():
    # 10 a week x 0.5 x 9 h = 45 h against 45 staff hours: load 1; 8.5 h: 0.94, nearly
    text = load_warnings(office_loads(scenario("sequential", community_work=9.0)))
    community = [t for t in text if t.startswith("community offices")]
    assert len(community) == 1 and "(load 1.00), saturated" in community[0]
    text = load_warnings(office_loads(scenario("sequential", community_work=8.5)))
    assert [t for t in text if t.startswith("community")][0].count("(load 0.94), nearly saturated") == 1
    assert not [t for t in load_warnings(office_loads(scenario("sequential", community_work=8.0)))
                if t.startswith("community")]  # 0.89


def test_an_office_without_staff_is_said_to_leave_its_issues_open():
    text = load_warnings(office_loads(scenario("direct", community_staff=0)))
    assert [t for t in text if t.startswith("community offices: no staff on duty, so")]
