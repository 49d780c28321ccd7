"""gridsim check: a scenario whose rates are doubled is inconsistent with records made at the original rates;
the scenario that made them, and the scenario fitted to them, are consistent on what the records identify."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from scipy import stats

from sim.cli import main
from sim.experiments.runs import replication_seed
from sim.experiments.work_orders import work_orders
from sim.fit import fit
from sim.fit.check import check
from sim.model import simulate
from sim.scenario import load_scenario

TWIN = Path(__file__).parent / "data" / "twin" / "twin.toml"
RATES = {"consultation": 20, "dispute": 10, "hazard": 6}  # as twin.toml has them
DOUBLED = [f"issue_types.{k}.rate_per_1000_households_per_week={2 * v}" for k, v in RATES.items()]
IDENTIFIED = ("orders_per_week", "grid_orders_per_week", "level_share")  # what the records fix, whatever the staffing


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    """Records made at the original rates: replication 7 of twin.toml (not one that check will run)."""
    folder = tmp_path_factory.mktemp("check")
    sc = load_scenario(TWIN)
    path = folder / "orders.csv"
    path.write_text(work_orders(simulate(sc, replication_seed(sc.seed, 7)), sc), encoding="utf-8")
    fitted = fit(path, folder / "fit", scenario=TWIN, quiet=True).out / "fitted.toml"
    return path, fitted


def _allowed(rows: list[dict]) -> int:
    return int(stats.binom.ppf(0.999, len(rows), 0.05))


def test_doubled_rates_are_inconsistent(records, tmp_path):
    path, _ = records
    doc = check(TWIN, path, tmp_path, DOUBLED, replications=6, quiet=True).doc
    weekly = [m for m in doc["measures"] if m["measure"] in ("orders_per_week", "grid_orders_per_week")]
    assert len(weekly) == 6 and not any(m["consistent"] for m in weekly)
    # the records are about half the model: difference -50% within what Poisson counts allow
    for m in weekly:
        assert -0.6 < m["difference"] < -0.4, m
    assert doc["summary"]["consistent"] is False
    saved = json.loads((tmp_path / "check.json").read_text(encoding="utf-8"))
    assert saved["measures"] == doc["measures"]


@pytest.mark.parametrize("which", ["original", "fitted"])
def test_the_source_and_the_fitted_scenario_are_consistent(records, tmp_path, which):
    path, fitted = records
    doc = check(TWIN if which == "original" else fitted, path, tmp_path, replications=6, quiet=True).doc
    rows = [m for m in doc["measures"] if m["measure"] in IDENTIFIED]
    assert len(rows) >= 12
    bad = [m for m in rows if not m["consistent"]]
    assert len(bad) <= _allowed(rows), bad
    # the grid's resolution times: grid workers on duty around the clock, so the fitted work time is the work
    grid_times = [m for m in doc["measures"] if m["measure"].startswith("resolution") and m["level"] == "grid"]
    assert grid_times and sum(not m["consistent"] for m in grid_times) <= _allowed(grid_times), grid_times
    if which == "original":
        assert doc["summary"]["consistent"] is True, [m for m in doc["measures"] if not m["consistent"]]


def test_check_from_the_command_line(records, tmp_path, capsys):
    path, _ = records
    assert main(["check", str(TWIN), "--against", str(path), "--replications", "2", "--quiet",
                 "--out", str(tmp_path / "c")]) == 0
    out = capsys.readouterr().out
    assert "orders_per_week 政策咨询" in out and "measures inconsistent" in out
    # two runs are allowed, but the verdict says how little they can tell
    assert "warning: only 2 simulated runs" in out
    assert (tmp_path / "c" / "check.json").is_file() and (tmp_path / "c" / "results.xlsx").is_file()
    assert (tmp_path / "c" / "verdict.txt").read_text(encoding="utf-8").strip() in out
    assert {p.name for p in (tmp_path / "c" / "figures").iterdir()} == {"check-weekly.png", "check-qq.png"}


@pytest.mark.parametrize("args, words", [
    (["--replications", "1"], "at least 2 replications"),
    (["--set", "nonsense"], "KEY=VALUE"),
])
def test_bad_input_exits_2(records, tmp_path, capsys, args, words):
    path, _ = records
    assert main(["check", str(TWIN), "--against", str(path), "--quiet", "--out", str(tmp_path / "c"), *args]) == 2
    assert words in capsys.readouterr().err


def test_missing_records_exit_2(tmp_path, capsys):
    assert main(["check", str(TWIN), "--against", str(tmp_path / "none.csv"), "--out", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert "none.csv" in err and "no such file" in err


def test_records_quantile_interval_covers_the_true_quantile():
    """The order-statistic interval of a median and a 90th percentile covers the exponential's own quantile
    (-ln(1 - q) for mean 1) in about 95% of samples: at least 92% of 1,000."""
    import numpy as np

    from sim.fit.measures import quantile_ci

    rng = np.random.default_rng(5)
    for q in (0.5, 0.9):
        truth = -np.log(1 - q)
        hits = 0
        for _ in range(1000):
            lo, hi = quantile_ci(rng.exponential(1.0, 60), q)
            hits += lo <= truth <= hi
        assert 920 <= hits <= 1000, (q, hits)


def test_a_level_the_model_never_closes_is_said_not_dropped(records, tmp_path):
    """With no street staff the model closes nothing at the street, where the records close orders: that
    comparison cannot be made, and check says so instead of leaving it out unseen."""
    path, _ = records
    doc = check(TWIN, path, tmp_path, ["levels.street.staff_per_unit=0"], replications=5, quiet=True).doc
    assert not any(m.get("level") == "street" and m["measure"].startswith("resolution") for m in doc["measures"])
    assert any("at street not compared" in w for w in doc["warnings"]), doc["warnings"]
    # and it counts against the verdict: a level the records close and the model cannot is a difference
    assert doc["summary"]["not_compared"] >= 1 and doc["summary"]["consistent"] is False


def test_refused_rows_and_the_export_time_are_taken_as_fit_takes_them(records, tmp_path, capsys):
    path, _ = records
    lines = path.read_text(encoding="utf-8").splitlines()
    bad = lines[1].split(",")
    bad[0] = "BAD-1"
    bad[5] = "not a date"
    (tmp_path / "orders.csv").write_text("\n".join([*lines, ",".join(bad)]) + "\n", encoding="utf-8")
    latest = max(c for line in lines[1:] for c in line.split(",")[5:8] if c)  # ISO date-times sort as text
    export = datetime.fromisoformat(latest) + timedelta(days=1)
    assert main(["check", str(TWIN), "--against", str(tmp_path / "orders.csv"), "--replications", "2", "--quiet",
                 "--out", str(tmp_path / "c"), "--export-time", f"{export:%Y-%m-%d %H:%M}"]) == 0
    doc = json.loads((tmp_path / "c" / "check.json").read_text(encoding="utf-8"))
    assert doc["period"]["refused"] == 1
    assert any(w.startswith("1 of the records'") and "refused" in w for w in doc["warnings"])
    assert "BAD-1" in (tmp_path / "c" / "refused.csv").read_text(encoding="utf-8-sig")
