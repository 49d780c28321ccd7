"""The Python API: sim.run, sim.compare, sim.sweep return results whose .summary() and
.to_frame() are pandas DataFrames, and write the same folder as the command line."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim import api

ROOT = Path(__file__).resolve().parent.parent
MMC = ROOT / "scenarios" / "validation" / "mmc.toml"
SHORT = [("calendar.horizon_days", 20), ("calendar.warmup_days", 10)]
SUMMARY_COLS = ["mean", "std", "ci_lo", "ci_hi", "n"]


@pytest.fixture
def policies_file(tmp_path) -> Path:
    p = tmp_path / "mmc_policies.toml"
    p.write_text(MMC.read_text() + (
        "\n[policies.three]\ndescription = \"three cadres\"\ncadres.grid_workers.per_grid = 3\n"
        "\n[policies.four]\ndescription = \"four cadres\"\ncadres.grid_workers.per_grid = 4\n"
        "\n[policies.five]\ndescription = \"five cadres\"\ncadres.grid_workers.per_grid = 5\n"))
    return p


def test_run_returns_frames(tmp_path):
    out = tmp_path / "run"
    res = sim.run(MMC, replications=4, workers=1, out=out, overrides=SHORT)
    assert isinstance(res, api.RunResult) and res.out == out and res.replications == 4
    frame = res.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns[:2]) == ["policy", "replication"]
    assert frame["replication"].tolist() == [0, 1, 2, 3] and set(frame["policy"]) == {"base"}
    assert {"resolution_hours_mean", "wait_hours_mean", "utilization_grid_workers"} <= set(frame.columns)
    summary = res.summary()
    assert list(summary.columns) == ["policy", "metric", *SUMMARY_COLS]
    assert summary["metric"].is_unique and summary["n"].isin([0, 4]).all()  # 0: undefined here (no visits)
    row = summary.set_index("metric").loc["wait_hours_mean"]
    assert row["mean"] == pytest.approx(frame["wait_hours_mean"].mean())
    assert row["std"] == pytest.approx(frame["wait_hours_mean"].std(ddof=1))
    doc = json.loads((out / "summary.json").read_text())
    assert doc["metrics"]["wait_hours_mean"]["ci95"] == pytest.approx([row["ci_lo"], row["ci_hi"]])
    # the same numbers as the file the command line reads
    csv_frame = pd.read_csv(out / "replications.csv")
    assert csv_frame["wait_hours_mean"].tolist() == frame["wait_hours_mean"].tolist()


def test_run_with_a_policy_and_options_object(tmp_path, policies_file):
    opts = sim.Options(replications=2, workers=1, overrides=SHORT, seed=9)
    res = sim.run(policies_file, "four", options=opts, out=tmp_path / "r")  # keywords refine the options
    assert res.variant == "four" and res.seed == 9 and res.replications == 2
    assert set(res.summary()["policy"]) == {"four"}
    assert json.loads((tmp_path / "r" / "summary.json").read_text())["policy"] == "four"


def test_compare_returns_frames_with_paired_differences(tmp_path, policies_file):
    out = tmp_path / "cmp"
    res = sim.compare(policies_file, ["three", "four", "five"], replications=3, workers=1, out=out, overrides=SHORT)
    assert isinstance(res, api.Comparison) and res.policies == ["three", "four", "five"]
    frame = res.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 9
    assert list(frame.columns[:2]) == ["policy", "replication"]
    assert sorted(zip(frame["policy"], frame["replication"])) == sorted(
        (p, k) for p in ("three", "four", "five") for k in range(3))
    summary = res.summary()
    assert list(summary.columns) == ["policy", "metric", *SUMMARY_COLS, "diff", "diff_ci_lo", "diff_ci_hi"]
    n_metrics = frame.shape[1] - 2
    assert len(summary) == 3 * n_metrics
    s = summary.set_index(["policy", "metric"])
    assert s.loc[("three", "wait_hours_mean"), ["diff", "diff_ci_lo", "diff_ci_hi"]].isna().all()  # the reference
    for p in ("four", "five"):
        paired = (frame[frame.policy == p].set_index("replication")["wait_hours_mean"]
                  - frame[frame.policy == "three"].set_index("replication")["wait_hours_mean"])
        assert s.loc[(p, "wait_hours_mean"), "diff"] == pytest.approx(paired.mean())
        assert s.loc[(p, "wait_hours_mean"), "diff"] < 0  # more cadres, shorter waits
    cmp_csv = pd.read_csv(out / "comparison.csv")
    assert len(cmp_csv) == len(summary)
    doc = json.loads((out / "summary.json").read_text())
    assert doc["reference"] == "three" and set(doc["differences"]) == {"four", "five"}


def test_compare_defaults_to_every_policy_in_file_order(tmp_path, policies_file):
    res = sim.compare(policies_file, replications=2, workers=1, out=tmp_path / "c", overrides=SHORT)
    assert res.policies == ["three", "four", "five"]


def test_sweep_returns_frames_with_the_factors(tmp_path):
    out = tmp_path / "sw"
    res = sim.sweep(MMC, ["cadres.grid_workers.per_grid=3,4",
                          "issue_types.request.rate_per_1000_households_per_week=300,350.5"],
                    replications=2, workers=1, out=out, overrides=SHORT)
    assert isinstance(res, api.Sweep) and len(res.points) == 4
    keys = ["cadres.grid_workers.per_grid", "issue_types.request.rate_per_1000_households_per_week"]
    frame = res.to_frame()
    assert list(frame.columns[:4]) == ["point", *keys, "replication"] and len(frame) == 8
    assert frame.drop_duplicates("point")[keys].values.tolist() == [[3, 300], [3, 350.5], [4, 300], [4, 350.5]]
    summary = res.summary()
    assert list(summary.columns) == ["point", *keys, "metric", *SUMMARY_COLS]
    assert summary["n"].isin([0, 2]).all() and summary["point"].nunique() == 4
    points = pd.read_csv(out / "points.csv")
    assert points["point"].tolist() == ["p0000", "p0001", "p0002", "p0003"]
    s = summary.set_index(["point", "metric"])
    for _, r in points.iterrows():
        assert r["wait_hours_mean_mean"] == pytest.approx(s.loc[(r["point"], "wait_hours_mean"), "mean"])


def test_api_rejects_unknown_options_and_bad_requests(tmp_path, policies_file):
    with pytest.raises(TypeError, match="unknown option"):
        sim.run(MMC, replicatoins=3)
    with pytest.raises(api.ApiError, match="at least two"):
        sim.compare(policies_file, ["three"], replications=2, workers=1, out=tmp_path / "x")
    with pytest.raises(api.ApiError, match="no \\[policies"):
        sim.compare(MMC, replications=2, workers=1, out=tmp_path / "y")


def test_api_failures_are_in_the_result(tmp_path, monkeypatch):
    from sim.experiments.runs import FAIL_ENV

    monkeypatch.setenv(FAIL_ENV, "base/r0001")
    res = sim.run(MMC, replications=3, workers=1, out=tmp_path / "f", overrides=SHORT)
    assert [o.key for o in res.failures] == ["base/r0001"]
    assert res.to_frame()["replication"].tolist() == [0, 2]
    assert res.summary().set_index("metric").loc["wait_hours_mean", "n"] == 2
    assert not math.isnan(res.summary().set_index("metric").loc["wait_hours_mean", "mean"])
