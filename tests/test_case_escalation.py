"""The shipped cases' escalation as their articles describe it (issue 30 section 5).

Urad Front (001): "小事不出小區、難事不出網格、大事不出社區": residents' matters climb from the micro
grid and the community settles whatever reaches it (resolve_chance.community = 1), so they never end
at the town or the banner; hazards are not the maxim's and may.  The county (002): its department-level
items go to named departments that answer after a response time, so none ends before that wait.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from sim.model import simulate
from sim.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SHORT = [("calendar.warmup_days", 7.0), ("calendar.horizon_days", 37.0)]
MAXIM = ["consultation", "assistance", "dispute", "environment"]


def _run(name: str, seed: int):
    sc = load_scenario(SCENARIOS / f"{name}.toml", None, SHORT)
    return sc, simulate(sc, np.random.SeedSequence(seed))


def test_urad_residents_matters_stop_at_the_community_and_hazards_may_climb():
    """Every issue of the maxim's types ends at the micro grid or the community; the grid settles each such
    type with its share's chance (binomial: |share - p| within 4 standard errors); hazards reach the town
    or the banner (their chances there are below 1)."""
    sc, r = _run("urad_front", 5)
    names = r.issues.type_names
    level = r.resolved_level
    assert (level >= 0).all()  # the drain settles every issue
    for name in MAXIM:
        mine = level[r.issues.type == names.index(name)]
        assert mine.size > 50, name
        assert mine.max() <= 1, (name, np.bincount(mine))
        p = sc.issue_types[name].level["grid"]
        share = float(np.mean(mine == 0))
        assert abs(share - p) <= 4 * math.sqrt(p * (1 - p) / mine.size), (name, share, p, mine.size)
    hazards = level[r.issues.type == names.index("hazard")]
    assert (hazards >= 2).any(), np.bincount(hazards)


def test_county_departments_answer_only_after_their_response_time():
    """An item settled at the county by a named department ends no sooner than its report plus the unit's
    response time (drawn per issue); a hazard's department answers sooner on average (24 h) than the
    others' (72 h); disputes, left with the shared office, have no response wait."""
    sc, r = _run("county_five_level", 3)
    names, t = r.issues.type_names, r.issues
    at_county = r.resolved_level == 3
    for name in ("hazard", "stability_info", "assistance"):
        mine = at_county & (t.type == names.index(name))
        assert mine.any(), name
        assert (t.response[mine] > 0).all(), name
        assert (r.end[mine] - r.report[mine] >= t.response[mine]).all(), name
    assert (t.response[t.type == names.index("dispute")] == 0).all()
    hazard = t.response[t.type == names.index("hazard")]
    others = t.response[(t.type == names.index("stability_info")) | (t.type == names.index("assistance"))]
    assert hazard.mean() < others.mean() / 2, (hazard.mean(), others.mean())
