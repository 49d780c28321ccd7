"""Visit campaigns (``[[campaigns]]``): participants reserve a share of their shifts for visits
in the campaign's grids until its target is met or its days are over.

Exact answers on a saturated cadre (one grid worker on duty 8:00-16:00 every day, more
routine work than she can do, 3 households an hour):
- a campaign with share 0.5 takes 8:00-12:00 of each of its days from issues, and those
  visits (12 households a day) are what it counts;
- a target met mid-morning ends the reserve at that moment;
- a campaign starting mid-shift reserves its share of the rest of the shift;
- invariants hold with campaigns, scheduled visits and pools; bad input names the field.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mixes import mixed, run_checked_data
from sim.scenario import ScenarioError, build_scenario

ROOT = Path(__file__).resolve().parent.parent
DAYS = 20


def saturated(*campaigns: dict) -> dict:
    return {
        "name": "campaign",
        "calendar": {"start": "2024-01-01", "horizon_days": DAYS, "warmup_days": 0, "drain_days": 0},
        "grids": {"generate": {"count": 1, "communities": 1, "households": 300}},
        "issue_types": {"routine": {"rate_per_1000_households_per_week": 1000,
                                    "service_time": {"dist": "fixed", "value": 1.5}}},
        "cadres": {"grid_workers": {"per_grid": 1, "days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
                                    "start_hour": 8, "end_hour": 16}},
        "visits": {"households_per_hour": 3.0},
        "campaigns": list(campaigns),
        "wartime": {"trigger": "off"},
    }


run = run_checked_data


def issue_hours_by_day(r) -> np.ndarray:
    hours = np.zeros(DAYS)
    for s, e in zip(r.work_start, r.work_end):
        hours[int(s // 24)] += e - s  # shifts end at 16:00: no stretch crosses midnight
    return hours


def test_a_campaign_takes_its_share_of_each_day():
    r, m = run(saturated({"name": "drive", "start": 5, "duration_days": 5, "roles": ["grid_workers"],
                          "share": 0.5, "target_households": 1000}))
    hours = issue_hours_by_day(r)
    assert hours[5:10] == pytest.approx([4.0] * 5)
    assert np.delete(hours, range(5, 10)) == pytest.approx([8.0] * (DAYS - 5))
    assert m["campaign_drive_households_visited"] == pytest.approx(5 * 4 * 3.0)
    assert m["campaign_drive_target_share"] == pytest.approx(60 / 1000)
    assert np.isnan(m["campaign_drive_days_to_target"])
    assert m["cadre_hours_visiting"] == pytest.approx(5 * 4.0)


def test_a_met_target_ends_the_reserve():
    # 30 households at 3 an hour: day 5 8-12 (12), day 6 8-12 (24), day 7 8:00-10:00 (30)
    r, m = run(saturated({"name": "drive", "start": 5, "duration_days": 5, "roles": ["grid_workers"],
                          "share": 0.5, "target_households": 30}))
    assert m["campaign_drive_days_to_target"] == pytest.approx(2 + 10 / 24)
    assert m["campaign_drive_households_visited"] == pytest.approx(30.0)
    assert m["campaign_drive_target_share"] == 1.0
    assert issue_hours_by_day(r)[5:9] == pytest.approx([4.0, 4.0, 6.0, 8.0])


def test_a_campaign_starting_mid_shift_reserves_its_share_of_the_rest():
    r, m = run(saturated({"name": "drive", "start": 5.5, "duration_days": 1, "roles": ["grid_workers"],
                          "share": 0.5, "target_households": 1000}))  # day 5 12:00 to day 6 12:00
    # day 5: the task in hand at 12:00 is finished (no pre-emption), then visits until 14:00 (half of the
    # 4 hours left); day 6: 8:00-12:00 (half the shift), all of it inside the campaign's days
    noon = 5 * 24 + 12.0
    t1 = max(noon, r.work_end[(r.work_start < noon) & (r.work_end > noon)].max(initial=noon))
    reserve = max(0.0, noon + 2 - t1)
    assert 0 < reserve < 2
    assert issue_hours_by_day(r)[5:8] == pytest.approx([8.0 - reserve, 4.0, 8.0])
    assert m["campaign_drive_households_visited"] == pytest.approx((reserve + 4) * 3.0)


def test_non_participants_are_not_reserved():
    _, m = run(saturated({"name": "drive", "start": 5, "duration_days": 5, "roles": ["sunk"]}))
    assert m["cadre_hours_on_issues"] == pytest.approx(8.0 * DAYS)
    assert m["campaign_drive_households_visited"] == 0.0


@pytest.mark.parametrize("extra", [
    {"visits": {"mode": "scheduled", "shift_share": 0.25}},
    {"dispatch": {"rule": "community_pool"}, "cadres": {"grid_workers": {"per_grid": 1, "attendance": 0.8},
                                                        "sunk": {"count": 5, "service_days": ["Tue", "Fri"]}}},
    {"emergencies": [{"name": "flood", "start": 8, "duration_days": 3}],
     "wartime": {"trigger": "scheduled", "pause_visits": True}},
])
def test_invariants_hold_with_campaigns(extra):
    _, m = run(mixed({"cadres": {"sunk": {"count": 6}}, "campaigns": [
        {"name": "a", "start": 3, "duration_days": 6, "grids": ["G1", "G2", "G3"], "share": 0.7},
        {"name": "b", "start": 7, "duration_days": 10, "roles": ["sunk"], "target_households": 400}]},
        extra, horizon_days=24))
    assert 0 < m["campaign_a_households_visited"] and 0 < m["campaign_b_target_share"] <= 1


@pytest.mark.parametrize("campaign, field", [
    ({"name": "x", "start": 1, "duration_days": 2, "roles": ["police"]}, "campaigns.0.roles.0"),
    ({"name": "x", "start": 1, "duration_days": 2, "grids": ["G9"]}, "campaigns.0.grids.0"),
    ({"name": "x y", "start": 1, "duration_days": 2}, "campaigns.0.name"),
    ({"name": "x", "start": 1, "duration_days": 0}, "campaigns.0.duration_days"),
    ({"name": "x", "start": 1, "duration_days": 2, "share": 0}, "campaigns.0.share"),
])
def test_bad_campaigns_are_named(campaign, field):
    with pytest.raises(ScenarioError) as err:
        build_scenario(saturated(campaign), ROOT / "x.toml")
    assert field in str(err.value)


def test_a_campaign_needs_visits_on():
    data = saturated({"name": "x", "start": 1, "duration_days": 2})
    data["visits"]["enabled"] = False
    with pytest.raises(ScenarioError, match="visits"):
        build_scenario(data, ROOT / "x.toml")


def test_only_participants_visits_count():
    data = saturated({"name": "drive", "start": 0, "duration_days": 14, "roles": ["sunk"],
                      "target_households": 10_000})
    data["issue_types"]["routine"]["rate_per_1000_households_per_week"] = 0  # everyone idle, visiting
    data["cadres"]["sunk"] = {"count": 1, "service_days": ["Wed"]}
    _, m = run(data)
    # the sunk cadre's two Wednesdays (days 2 and 9), 9:00-17:00, at 3 households an hour; the grid
    # worker's visits every day do not count
    assert m["campaign_drive_households_visited"] == pytest.approx(2 * 8 * 3.0)
    assert m["cadre_hours_visiting"] == pytest.approx(20 * 8.0 + 3 * 8.0)  # three Wednesdays in 20 days
