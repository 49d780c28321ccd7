"""Worsening (issue_types.NAME.worsens_after): issues left waiting go up by themselves.

Each rate is checked against an answer worked out apart from the model: the
Erlang-A abandonment probability of an M/M/c+M queue (oracles.erlang_a, from
its birth-death chain; itself checked against the closed form of the case
theta = mu, where the chain is that of M/M/inf), and for hidden issues the
probability that the patience runs out before the report.  Each is a 95%
Student-t interval over replications that must contain the theory and be
narrow enough to have power (oracles.assert_in_ci).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from oracles import assert_in_ci, check_conservation, erlang_a
from sim.metrics import compute_metrics
from sim.model import simulate
from sim.scenario import build_scenario

ROOT = Path(__file__).resolve().parent.parent
LAM, MU, THETA = 2.4, 1.0, 0.5  # per hour: arrivals, work, patience (mean 2 h)
ALWAYS = {"days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], "start_hour": 0, "end_hour": 24}


def queue(c: int, days: float = 60, **issue) -> dict:
    """One grid of ``c`` cadres always on duty, Poisson arrivals at LAM per hour, exponential work."""
    it = {"rate_per_1000_households_per_week": LAM * 168, "service_time": {"dist": "exponential", "mean": 1 / MU},
          "worsens_after": {"dist": "exponential", "mean": 1 / THETA}, "worsens_to": "petition"} | issue
    return {"name": "erlang_a", "calendar": {"start": "2024-01-01", "horizon_days": days, "warmup_days": 5},
            "grids": {"list": [{"id": "G1", "households": 1000}]}, "issue_types": {"dispute": it},
            "cadres": {"grid_workers": {"per_grid": c, "visits": False} | ALWAYS},
            "visits": {"enabled": False}, "wartime": {"trigger": "off"}}


def metrics(spec: dict, n: int) -> list[dict[str, float]]:
    sc = build_scenario(spec, ROOT / "worsening.toml")
    out = []
    for k in range(n):
        r = simulate(sc, np.random.SeedSequence(k))
        check_conservation(r)  # every issue in exactly one place (a petition counts as one)
        if r.petition.size:  # a petition is never resolved by the district, nor worked after it left
            left = ~np.isnan(r.petition)
            assert np.isnan(r.end[left]).all() and r.worsened[left].all()
            rows = left[r.work_issue]
            assert (r.work_end[rows] <= r.petition[r.work_issue[rows]]).all()
        out.append(compute_metrics(r))
    return out


def test_erlang_a_oracle_is_the_birth_death_chain():
    # theta = mu: the chain is M/M/inf's, Poisson(lam/mu) in the system; abandonments theta E[(n-1)+]
    lam = 0.5
    assert erlang_a(lam, 1.0, 1.0, 1) == pytest.approx((lam - 1 + math.exp(-lam)) / lam, rel=1e-9)
    assert erlang_a(LAM, MU, 1e-12, 3) == pytest.approx(0.0, abs=1e-9)  # no abandonment without impatience


@pytest.mark.parametrize("c", [1, 2, 3])
def test_escalated_by_delay_rate_is_the_erlang_a_abandonment(c):
    """M/M/c+M at the grid: lam 2.4, mu 1, theta 0.5; 20 replications x 55 days.
    Theory: c=1 0.5999, c=2 0.2925, c=3 0.1199; observed (seeds 0..19) 0.6028 +- 0.0055,
    0.2938 +- 0.0067, 0.1216 +- 0.0043."""
    ms = metrics(queue(c), 20)
    want = erlang_a(LAM, MU, THETA, c)
    assert_in_ci([m["escalated_by_delay_rate"] for m in ms], want, 0.06, f"M/M/{c}+M abandonment")
    # every worsened issue left as a petition
    assert all(m["petition_rate"] == m["escalated_by_delay_rate"] and m["petitions"] > 0 for m in ms)


def test_worsened_issues_go_to_the_next_level_and_are_resolved_there():
    """worsens_to = next_level: a grid issue that waited too long is resolved at the community, so the
    escalation rate (share resolved above the grid) is the abandonment probability."""
    spec = queue(2, worsens_to="next_level")
    spec["levels"] = {"community": {"staff_per_unit": 20} | ALWAYS}
    ms = metrics(spec, 20)
    want = erlang_a(LAM, MU, THETA, 2)
    assert_in_ci([m["escalated_by_delay_rate"] for m in ms], want, 0.06, "M/M/2+M, worsened to the community")
    for m in ms:
        assert m["petitions"] == 0
        assert m["escalation_rate"] == pytest.approx(m["resolved_share_community"])
        assert m["escalation_rate"] == pytest.approx(m["escalated_by_delay_rate"], abs=0.01)  # window vs done


def test_an_office_queue_worsens_too():
    """worsens_after_by_level: a type taken straight to the community (no intake) waits there as in
    M/M/1+M; what worsens goes to the street and is resolved there."""
    it = {"level": "community", "intake_time": 0, "worsens_after": None,
          "worsens_after_by_level": {"community": {"dist": "exponential", "mean": 1 / THETA}}, "worsens_to": "next_level"}
    spec = queue(1, **it)
    spec["levels"] = {"community": {"staff_per_unit": 1} | ALWAYS, "street": {"staff_per_unit": 20} | ALWAYS}
    lam = 0.8  # a community's load below one cadre's (rho 0.8)
    spec["issue_types"]["dispute"]["rate_per_1000_households_per_week"] = lam * 168
    ms = metrics(spec, 20)
    want = erlang_a(lam, MU, THETA, 1)
    assert_in_ci([m["escalated_by_delay_rate"] for m in ms], want, 0.08, "M/M/1+M at the community")
    for m in ms:
        assert m["resolved_share_street"] == pytest.approx(m["escalated_by_delay_rate"], abs=0.01)


def test_hidden_issues_worsen_before_anyone_knows():
    """Hidden issues reported after a fixed 5 h, patience exponential with mean 5 h, cadres enough that
    none waits: an issue worsens exactly when its patience is under 5 h, P = 1 - e^-1 = 0.632."""
    spec = queue(30, hidden_share=1.0, report_delay=5.0, worsens_after={"dist": "exponential", "mean": 5.0})
    spec["issue_types"]["dispute"]["rate_per_1000_households_per_week"] = 0.5 * 168
    ms = metrics(spec, 10)
    assert_in_ci([m["escalated_by_delay_rate"] for m in ms], 1 - math.exp(-1), 0.05, "hidden issues worsening")


def test_worsening_follows_common_random_numbers():
    """More cadres never make more issues worsen in a paired replication (same seeds): each issue's
    patience is drawn once, from a stream of its own, whatever the staffing."""
    for k in range(5):
        rates = [compute_metrics(simulate(build_scenario(queue(c, days=30), ROOT / "w.toml"),
                                          np.random.SeedSequence(k)))["escalated_by_delay_rate"] for c in (1, 2, 3)]
        assert rates[0] > rates[1] > rates[2]


def test_scenarios_without_worsening_have_no_worsening_metrics():
    spec = queue(2)
    del spec["issue_types"]["dispute"]["worsens_after"]
    m = metrics(spec, 1)[0]
    assert not {"escalated_by_delay_rate", "petitions", "petition_rate"} & set(m)


def test_validate_describes_worsening(capsys):
    from sim.cli import main

    assert main(["validate", str(ROOT / "scenarios" / "baota.toml"),
                 "--set", "issue_types.assistance.worsens_after.mean=500"]) == 0
    out = capsys.readouterr().out
    assert "assistance (1.2/1000 hh/week, priority 3, hidden 50%, worsens after 500 h on average)" in out
