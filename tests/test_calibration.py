"""The shipped case scenarios: each validates, runs a short horizon, and reproduces the
published figures its [[targets]] declare (docs/scenarios.md), within the stated tolerance.

The calibration tests run 10 replications with the scenario's own seed, i.e. exactly
``gridsim calibrate SCENARIO [--policy P] --replications 10``, whose tables are in
docs/scenarios.md.  Targets that docs/scenarios.md reports as missed (findings, not
failures) are listed in MISSED and are checked to be reported as missed.  Published figures that are
differences between two policies (COMPARISONS) are checked on ``gridsim compare`` with 10 replications.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from sim import api
from sim.decide.calibrate import CSV_COLUMNS, calibrate, calibration_table
from sim.cli import main
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
CASES = ["baota", "dalad", "tiefeng", "urad_front", "county_five_level"]

# (scenario, policy) whose targets docs/scenarios.md reports; replications as there.
CALIBRATIONS = [
    ("baota", None),
    ("dalad", None),
    ("tiefeng", None),
    ("tiefeng", "year_2021"),
    ("tiefeng", "year_2020"),
    ("urad_front", None),
    ("county_five_level", None),
    ("county_five_level", "shuichuan"),
]
# Targets docs/scenarios.md reports as missed, with why (a finding).
# (Shuichuan's sla_attainment was missed until its cadres stayed to finish a dispute,
# finish_before_leaving: 94.7% -> 98.2%, issue 30 section 5.)
MISSED: set[tuple[str, str | None, str]] = set()
REPLICATIONS = 10
# Published figures that are differences between two policies, which a [[targets]] entry cannot hold: docs/scenarios.md
# reports them as comparisons.  (scenario, reference policy, policy, metric, published reference - policy, relative
# tolerance as a target's, source.)
COMPARISONS = [
    ("dalad", "no_campaign", "baseline", "petitions", 17.0, 0.2, "000: 预防越级上访案件17起"),
]


def path(name: str) -> Path:
    return SCENARIOS / f"{name}.toml"


@pytest.mark.parametrize("name", CASES)
def test_case_scenario_has_sourced_targets(name):
    sc = load_scenario(path(name))
    assert sc.targets, f"{name} declares no [[targets]]"
    for t in sc.targets:
        assert ".txt" in t.source, f"{name}: target {t.metric} cites no article file"
    text = path(name).read_text(encoding="utf-8")
    assert "assumed" in text


@pytest.mark.parametrize("name", CASES)
def test_case_scenario_and_every_policy_run_a_short_horizon(name, tmp_path):
    sc = load_scenario(path(name))
    for policy in [None, *sc.policies]:
        p = load_scenario(path(name), policy)
        short = [("calendar.horizon_days", p.calendar.warmup_days + 3.0)]
        res = api.run(path(name), policy, replications=1, workers=1, overrides=short,
                      out=tmp_path / (policy or "base"), quiet=True)
        assert not res.failures, (name, policy, res.failures[0].error if res.failures else "")
        m = res.summaries[res.variant]
        assert m["issues_arrived"].n == 1


@pytest.mark.slow
@pytest.mark.parametrize(("name", "policy"), CALIBRATIONS, ids=lambda x: str(x))
def test_calibration_within_stated_tolerance(name, policy, tmp_path):
    cal = calibrate(path(name), policy, replications=REPLICATIONS, workers=2, out=tmp_path / "out", quiet=True)
    assert cal.checks
    for c in cal.checks:
        key = (name, policy, c.target.metric)
        assert c.simulated.n == REPLICATIONS
        if key in MISSED:
            assert not c.within, f"{key} is documented as missed but is now within tolerance: update docs/scenarios.md"
        else:
            assert c.within, (f"{name} {policy or ''}: {c.target.metric} = {c.simulated.mean:.6g} vs target "
                              f"{c.target.value:g} (relative error {c.relative_error:+.3%}, tolerance "
                              f"{c.target.tolerance:.3%})")
    rows = list(csv.DictReader((tmp_path / "out" / "calibration.csv").open(encoding="utf-8")))
    assert [r["metric"] for r in rows] == [c.target.metric for c in cal.checks]
    assert (tmp_path / "out" / "summary.json").exists()


@pytest.mark.slow
@pytest.mark.parametrize(("name", "reference", "policy", "metric", "value", "tolerance", "source"), COMPARISONS,
                         ids=lambda x: str(x))
def test_published_difference_between_policies(name, reference, policy, metric, value, tolerance, source, tmp_path):
    """``gridsim compare SCENARIO --policies REFERENCE,POLICY --replications 10``: the paired difference, reference
    minus policy, is the published figure within the tolerance a target would have."""
    res = api.compare(path(name), [reference, policy], replications=REPLICATIONS, workers=2, out=tmp_path / "out",
                      quiet=True)
    d = res.differences[policy][metric]  # policy - reference, paired by replication
    assert d.n == REPLICATIONS
    assert abs(-d.mean - value) <= tolerance * value, (f"{name}: {metric} {reference} - {policy} = {-d.mean:.3g} "
                                                       f"[{-d.ci95[1]:.3g}, {-d.ci95[0]:.3g}] vs {value:g} ({source})")


# ---------------------------------------------------------------- the calibrate command itself


SMALL = """\
name = "small"
seed = 3
replications = 2

[calendar]
horizon_days = 20
warmup_days = 2

[grids]
list = [{ id = "G1", households = 1000 }, { id = "G2", households = 500 }]

[issue_types.request]
rate_per_1000_households_per_week = 20
service_time = { dist = "exponential", mean = 0.5 }

[visits]
enabled = false

[[targets]]
metric = "issues_arrived"
value = %s
tolerance = 0.2
source = "made up"
note = "a note"

[[targets]]
metric = "completion_rate_reported"
value = 1.0
tolerance = 0.05
source = "made up"
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "small.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_calibrate_writes_table_and_csv(tmp_path, capsys):
    # 30 requests a week x 20 days after a 2-day warm-up: about 77 arrive
    f = write(tmp_path, SMALL % "77")
    code = main(["calibrate", str(f), "--replications", "3", "--workers", "1", "--quiet", "--out", str(tmp_path / "o")])
    assert code == 0
    out = capsys.readouterr().out
    assert "issues_arrived" in out and "95% CI" in out and "rel. error" in out
    rows = list(csv.DictReader((tmp_path / "o" / "calibration.csv").open(encoding="utf-8")))
    assert list(rows[0]) == CSV_COLUMNS
    assert rows[0]["metric"] == "issues_arrived" and float(rows[0]["target"]) == 77
    lo, mean, hi = (float(rows[0][k]) for k in ("ci_lo", "simulated_mean", "ci_hi"))
    assert lo <= mean <= hi
    assert math.isclose(float(rows[0]["relative_error"]), (mean - 77) / 77)
    assert rows[0]["within"] == str(abs(mean - 77) / 77 <= 0.2)


def test_missed_target_is_reported_not_an_error(tmp_path, capsys):
    f = write(tmp_path, SMALL % "10000")
    code = main(["calibrate", str(f), "--replications", "2", "--workers", "1", "--quiet", "--out", str(tmp_path / "o")])
    assert code == 0
    out = capsys.readouterr().out
    assert "MISSED" in out and "a note" in out
    cal = calibrate(f, replications=2, workers=1, out=tmp_path / "p", quiet=True)
    assert not cal.check("issues_arrived").within and cal.check("completion_rate_reported").within
    assert "1 of 2 target(s) within tolerance" in calibration_table(cal)


def test_unknown_metric_names_target_and_lists_metrics(tmp_path, capsys):
    f = write(tmp_path, (SMALL % "77").replace('metric = "issues_arrived"', 'metric = "isues_arived"'))
    code = main(["calibrate", str(f), "--workers", "1", "--quiet", "--out", str(tmp_path / "o")])
    assert code == 2
    err = capsys.readouterr().err
    assert "targets.0.metric = 'isues_arived'" in err and "issues_arrived" in err and "resolved_request" in err
    assert not (tmp_path / "o").exists()  # refused before running


def test_no_targets_is_bad_input(tmp_path, capsys):
    text = (SMALL % "77").split("[[targets]]")[0]
    code = main(["calibrate", str(write(tmp_path, text)), "--workers", "1", "--quiet", "--out", str(tmp_path / "o")])
    assert code == 2
    assert "no [[targets]]" in capsys.readouterr().err


def test_set_overrides_apply_before_checking(tmp_path):
    f = write(tmp_path, SMALL % "77")
    cal = calibrate(f, replications=2, workers=1, out=tmp_path / "o", quiet=True,
                    overrides=[("targets.0.value", 154.0), ("calendar.horizon_days", 38.0)])
    assert cal.check("issues_arrived").target.value == 154.0
    assert cal.check("issues_arrived").simulated.mean > 100
