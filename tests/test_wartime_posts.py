"""What wartime demands: fixed posts (``wartime.posts``) and a mobilisation delay.

- exact: a post takes exactly its hours out of its holders' time for issues, every
  wartime day (holders do no issue work in post hours), and those hours are counted as
  post hours, still on duty: the cadre hours on duty (the cost) do not change;
- the holders are the first ``per_grid`` cadres of the role in each grid;
- exact: with ``mobilisation_hours``, wartime duty, posts and the visit pause start that
  many hours after wartime is declared (the invariant checks read the schedule from the
  records), and a wartime shorter than the delay changes nobody's duty;
- bad input names the field.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from oracles import check_invariants
from sim.metrics import compute_metrics
from sim.model import simulate
from sim.scenario import ScenarioError, build_scenario

ROOT = Path(__file__).resolve().parent.parent


def flood(**wartime) -> dict:
    """8 grids, 2 grid workers each; a 10-day flood from day 14 calls them 7:00-21:00 every day."""
    return {
        "name": "posts",
        "calendar": {"start": "2024-01-01", "horizon_days": 42, "warmup_days": 7, "drain_days": 0},
        "grids": {"generate": {"count": 8, "communities": 2, "households": 300}},
        "issue_types": {"req": {"rate_per_1000_households_per_week": 40,
                                "service_time": {"dist": "exponential", "mean": 1.5}}},
        "cadres": {"grid_workers": {"per_grid": 2}, "sunk": {"count": 8, "service_days": ["Wed"]}},
        "visits": {"enabled": True, "households_per_hour": 2.0},
        "emergencies": [{"name": "flood", "start": 14, "duration_days": 10, "multipliers": {"req": 2.0}}],
        "wartime": {"trigger": "scheduled", "roles": ["grid_workers", "sunk"], "start_hour": 7, "end_hour": 21,
                    **wartime},
    }


POST = {"role": "grid_workers", "per_grid": 1, "start_hour": 8, "end_hour": 20}


def test_a_post_takes_exactly_its_hours_from_issues():
    without = simulate(build_scenario(flood(), ROOT / "x.toml"), np.random.SeedSequence(1))
    sc = build_scenario(flood(posts=[POST]), ROOT / "x.toml")
    r = simulate(sc, np.random.SeedSequence(1))
    check_invariants(sc, r)  # holders' duty is the wartime schedule without the post's hours
    m, m0 = compute_metrics(r), compute_metrics(without)
    assert m["wartime_post_hours"] == pytest.approx(8 * 1 * 10 * 12.0)  # 8 holders, 10 days, 12 h
    assert m["cadre_hours_on_duty"] == pytest.approx(m0["cadre_hours_on_duty"])  # the post is within wartime duty
    assert m["wartime_cadre_hours"] == pytest.approx(m0["wartime_cadre_hours"])  # and so within wartime's hours
    assert m["utilization_grid_workers"] > m0["utilization_grid_workers"]  # fewer hours for the same issues
    holders = np.flatnonzero(np.char.find(np.array(r.group_names)[r.cadre_group], "on post") >= 0)
    assert sorted(r.cadre_home[holders].tolist()) == list(range(8))  # one per grid
    assert holders.tolist() == [2 * g for g in range(8)]  # the first grid worker of each grid
    a, b = r.wartime[0]
    on_post = np.isin(r.work_cadre, holders)
    start, end = r.work_start[on_post], r.work_end[on_post]
    for d in range(int(a // 24), int(np.ceil(b / 24))):
        p0, p1 = max(d * 24 + 8.0, a), min(d * 24 + 20.0, b)
        assert not ((start < p1 - 1e-9) & (end > p0 + 1e-9)).any(), f"issue work on a post on day {d}"


def test_posts_follow_attendance():
    """At attendance 0.5 each holder stands each day's post with chance 0.5: of the 80 (holder, day) pairs,
    Binomial(80, 0.5) are stood, 12 h each; the hours rostered stay 80 x 12."""
    spec = flood(posts=[POST])
    spec["cadres"]["grid_workers"]["attendance"] = 0.5
    sc = build_scenario(spec, ROOT / "x.toml")
    r = simulate(sc, np.random.SeedSequence(4))
    m = compute_metrics(r)
    stood = m["wartime_post_hours"] / 12.0
    assert stood == int(stood) and abs(stood - 40) < 3 * np.sqrt(80 * 0.25), stood
    assert r.post_log[:, 3].sum() == 80 and r.post_log[:, 4].sum() == stood
    full = compute_metrics(simulate(build_scenario(flood(posts=[POST]), ROOT / "x.toml"), np.random.SeedSequence(4)))
    assert m["wartime_cadre_hours"] < full["wartime_cadre_hours"]


def test_posts_only_within_the_role_s_dates():
    """A named role serving days 0-9 holds a post in a flood of days 14-23: it is never on the post; one
    serving days 0-17 stands it on days 14-17 only (4 days x 12 h in each of the 8 grids)."""
    for end, days in ((9, 0), (17, 4)):
        spec = flood(posts=[{**POST, "role": "temp"}])
        spec["cadres"]["roles"] = {"temp": {"per_grid": 1, "end": end}}
        spec["wartime"]["roles"] = ["grid_workers", "sunk", "temp"]
        m = compute_metrics(simulate(build_scenario(spec, ROOT / "x.toml"), np.random.SeedSequence(5)))
        assert m["wartime_post_hours"] == pytest.approx(8 * days * 12.0)


def test_mobilisation_delays_wartime_duty():
    sc = build_scenario(flood(mobilisation_hours=30, posts=[POST]), ROOT / "x.toml")
    r = simulate(sc, np.random.SeedSequence(2))
    check_invariants(sc, r)  # duty follows the mobilised periods, not the declaration
    assert r.wartime.tolist() == [[14 * 24.0, 24 * 24.0]]
    assert r.mobilised.tolist() == [[14 * 24.0 + 30, 24 * 24.0]]
    # mobilised at 06:00 on day 15, before the post opens at 08:00: days 15-23, 12 h each
    assert compute_metrics(r)["wartime_post_hours"] == pytest.approx(8 * 9 * 12.0)


def test_a_wartime_shorter_than_mobilisation_calls_nobody():
    hours = {}
    for label, data in (("late", flood(mobilisation_hours=300)), ("called", flood()),
                        ("off", {**flood(), "wartime": {"trigger": "off"}})):
        sc = build_scenario(data, ROOT / "x.toml")
        r = simulate(sc, np.random.SeedSequence(3))
        check_invariants(sc, r)
        hours[label] = compute_metrics(r)["cadre_hours_on_duty"]
        if label == "late":
            assert len(r.wartime) == 1 and len(r.mobilised) == 0
    assert hours["late"] == pytest.approx(hours["off"]) and hours["called"] > hours["off"] + 1000


@pytest.mark.parametrize("patch, field", [
    ({"posts": [{**POST, "role": "police"}]}, "wartime.posts.0.role"),
    ({"posts": [{**POST, "per_grid": 0}]}, "wartime.posts.0.per_grid"),
    ({"posts": [{**POST, "end_hour": 6}]}, "wartime.posts.0.end_hour"),
    ({"mobilisation_hours": -1}, "wartime.mobilisation_hours"),
    ({"trigger": "off", "posts": [POST]}, "wartime.posts"),
])
def test_wartime_mistakes_are_named(patch, field):
    with pytest.raises(ScenarioError) as e:
        build_scenario(flood(**patch), ROOT / "x.toml")
    assert field in str(e.value), str(e.value)

