"""Shift changes in bulk: cadres of small grid units come on and go off duty as array operations.

Without SmallUnits (``roster.SMALL = 0``) every cadre goes one by one through the same steps as
a single cadre does (the path taken when emergency tasks or visit campaigns run), so the two runs
must agree bit for bit: every issue's times, every work and duty row, and the visiting curves.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.model import roster, simulate
from sim.scenario import load_scenario, parse_set

ROOT = Path(__file__).resolve().parent.parent / "scenarios"
CASES = [("baota.toml", "baseline", 60, []), ("baota.toml", "visiting_duty", 45, []),
         ("baota.toml", "baseline", 30, ["cadres.sunk.attendance=0.8", "cadres.grid_workers.attendance=0.9"]),
         ("urad_front.toml", "baseline", 30, []), ("dalad.toml", "baseline", 30, []), ("tiefeng.toml", "baseline", 30, []),
         ("county_five_level.toml", "shuichuan", 60, [])]


def _run(path: Path, policy: str, days: int, sets: list[str] = ()):
    sc = load_scenario(path, policy, parse_set([f"calendar.horizon_days={days}", "calendar.warmup_days=7", *sets]))
    return simulate(sc, np.random.SeedSequence(5))


def _assert_same(a, b) -> None:
    """Two runs' records agree bit for bit: issues, work and duty rows, visiting curves."""
    assert a.transitions == b.transitions > 0
    for field in ("report", "start", "end", "work_cadre", "work_issue", "work_start", "work_end", "group_start",
                  "group_end"):
        assert np.array_equal(getattr(a, field), getattr(b, field), equal_nan=True), field
    for x, y in zip(a.visit_times + a.visit_values, b.visit_times + b.visit_values, strict=True):
        assert np.array_equal(x, y)


@pytest.mark.parametrize("name,policy,days,sets", CASES)
def test_bulk_and_one_by_one_shift_changes_agree_bit_for_bit(monkeypatch, name, policy, days, sets):
    bulk = _run(ROOT / name, policy, days, sets)
    monkeypatch.setattr(roster, "SMALL", 0)
    _assert_same(bulk, _run(ROOT / name, policy, days, sets))


def test_a_district_of_small_and_plain_units_agrees_with_one_by_one(monkeypatch):
    """Baota's 16 grids with a fourth sunk cadre hold 5 cadres: with SMALL = 4 they stay plain units
    (one by one) while the other 342 are SmallUnits (in bulk), in the same shift changes."""
    monkeypatch.setattr(roster, "SMALL", 4)
    mixed = _run(ROOT / "baota.toml", "baseline", 45)
    monkeypatch.setattr(roster, "SMALL", 0)
    _assert_same(mixed, _run(ROOT / "baota.toml", "baseline", 45))


def test_the_shipped_districts_use_small_units():
    """The bulk path is the one taken: Baota's own-grid units are all SmallUnits."""
    from sim.model.clock import Clock
    from sim.model.dispatch import SmallUnit
    from sim.model.district import build_district

    sc = load_scenario(ROOT / "baota.toml", "baseline")
    r = roster.build_roster(sc, build_district(sc), Clock(sc.calendar.start))
    assert all(isinstance(u, SmallUnit) for u in r.grid_unit)
