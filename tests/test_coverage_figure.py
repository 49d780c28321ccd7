"""The coverage figure says what it shows in wartime (issue 29: Baota's coverage read 100% during the flood).

Measured on Baota (`gridsim run scenarios/baota.toml`): with `wartime.pause_visits = false` every role is on
duty 7:00-21:00 every day of the flood, issues take a small share of that time (sunk cadres' utilisation
is 0.4% over the year), and the rest goes into visits at 1.5 households an hour: about 30,000 households a
day (1,500 cadres x 14 h x 1.5), so the share of households visited within 30 days reaches 100% within a
week of the flood's start and stays there until 30 days after it (the daily series of 2 replications: 93%
before, 99.9% on day 205, the flood running from day 199 to 209, back to 93% by day 239).  The metric
counts the visits the model made, rightly; the model has no emergency work besides issues, so the figure
says so rather than let 100% read as a finding.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from sim.outputs.plots.labels import LABELS
from sim.outputs.plots.run import _wartime_visits_note


def fake(pause: bool | None, wartime_days: range, lang: str = "en") -> SimpleNamespace:
    sc = {"visits": {"target_interval_days": 30}}
    if pause is not None:
        sc["wartime"] = {"pause_visits": pause}
    share = np.zeros(60)
    share[list(wartime_days)] = 1.0
    return SimpleNamespace(f=SimpleNamespace(variant_scenario=lambda v: sc), wartime_share=lambda v: share,
                           label=lambda key, **kw: LABELS[lang][key].format(**kw))


def test_wartime_with_visits_going_on_is_explained_and_says_100_only_when_reached():
    mean = np.full(60, 0.93)
    mean[25:40] = 1.0  # 100% during and after the wartime of days 20-29
    note = _wartime_visits_note(fake(False, range(20, 30)), "base", mean, "30")
    assert "pause_visits = false" in note and "reaches 100%" in note and "up to 30 days" in note
    assert "not modelled" in note
    short = _wartime_visits_note(fake(False, range(20, 30)), "base", np.full(60, 0.93), "30")
    assert short and "100%" not in short  # not reached: the note does not claim it
    zh = _wartime_visits_note(fake(False, range(20, 30), "zh"), "base", mean, "30")
    assert "100%" in zh and "30天" in zh


def test_no_note_without_such_wartime():
    mean = np.ones(60)
    assert _wartime_visits_note(fake(True, range(20, 30)), "base", mean, "30") == ""  # visits paused
    assert _wartime_visits_note(fake(None, range(20, 30)), "base", mean, "30") == ""  # paused by default
    assert _wartime_visits_note(fake(False, range(0)), "base", mean, "30") == ""  # no wartime at all
