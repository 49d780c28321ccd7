"""Common random numbers per attribute: changing one distribution changes only that attribute.

Checked end to end through ``gridsim run --records``, on Baota: each issue
attribute (hidden or not, report delay, service, intake and travel times,
level, place in the visiting round) has its own named stream, so switching
one distribution leaves every other column of the per-issue records as it was.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
BAOTA = ROOT / "scenarios" / "baota.toml"
DRAWN = ["hidden", "report_delay_h", "service_h", "intake_h", "travel_h", "escalation_level", "visit_offset"]


def records(tmp_path: Path, name: str, *sets: str) -> dict[str, np.ndarray]:
    out = tmp_path / name
    args = ["run", str(BAOTA), "--replications", "1", "--records", "--quiet", "--out", str(out),
            "--set", "calendar.horizon_days=21", "--set", "calendar.warmup_days=0", "--set", "calendar.drain_days=7"]
    for s in sets:
        args += ["--set", s]
    assert main(args) == 0
    (path,) = (out / "records").glob("*.parquet")
    table = pq.read_table(path)
    return {c: table.column(c).to_numpy(zero_copy_only=False) for c in table.column_names}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> dict[str, np.ndarray]:
    return records(tmp_path_factory.mktemp("crn"), "base")


def same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.all((a == b) | (nan_mask(a) & nan_mask(b))))


def nan_mask(x: np.ndarray) -> np.ndarray:
    return np.isnan(x) if x.dtype.kind == "f" else np.zeros(x.shape, bool)


def test_travel_time_distribution_changes_only_travel_times(base, tmp_path):
    # own_grid dispatch never travels, so nothing else may move at all, outcomes included
    other = records(tmp_path, "travel", 'dispatch.travel_time={dist="exponential",mean=0.3}')
    assert not same(base["travel_h"], other["travel_h"])
    changed = [c for c in base if c != "travel_h" and not same(base[c], other[c])]
    assert changed == []


def test_report_delay_changes_only_report_delays(base, tmp_path):
    other = records(tmp_path, "delay", 'issue_types.hazard.report_delay={dist="gamma",mean=300,cv=0.5}')
    hazard = base["type"] == "hazard"
    assert hazard.sum() > 20
    assert not same(base["report_delay_h"][hazard], other["report_delay_h"][hazard])
    assert same(base["report_delay_h"][~hazard], other["report_delay_h"][~hazard])
    changed = [c for c in DRAWN + ["issue", "type", "grid", "occurred_h"]
               if c != "report_delay_h" and not same(base[c], other[c])]
    assert changed == []


def test_hidden_share_and_discovery_change_only_their_columns(base, tmp_path):
    other = records(tmp_path, "share", "issue_types.dispute.hidden_share=0.6", "visits.discovery_probability=0.5")
    changed = {c for c in DRAWN + ["occurred_h", "grid"] if not same(base[c], other[c])}
    assert changed == {"hidden", "visit_offset"}
    # the share only adds hidden disputes (one uniform per issue, compared with the share)
    assert np.all(other["hidden"] >= base["hidden"])
    # fewer noticing visits only push each issue further round the visiting cycle
    assert np.all(other["visit_offset"] >= base["visit_offset"])
