"""Where a report names a metric by its identifier (an optimize target as typed), the number beside it is in the
unit the name says: 96 h beside `resolution_hours_p90<=72`, not '4.0 days'; a share's shortfall in points."""

from __future__ import annotations

from sim.outputs.report.decisions import _against_targets


def test_a_target_as_typed_reads_in_its_identifiers_unit():
    block = {"metrics": {
        "resolution_hours_p90": {"target": "resolution_hours_p90<=72", "mean": 96.0, "ci95": [90.0, 102.0],
                                 "met": False},
        "coverage_mean": {"target": "coverage_mean>=0.95", "mean": 0.93, "ci95": [0.925, 0.935], "met": False}}}
    en = _against_targets(block, "en")
    assert "`resolution_hours_p90<=72`: 96 h [90, 102], missed on average by 24.0 h" in en, en
    assert "`coverage_mean>=0.95`: 93.0% [92.5%, 93.5%], missed on average by 2.00 percentage points" in en, en
    assert "days" not in en
    zh = _against_targets(block, "zh")
    assert "96小时" in zh and "2.00个百分点" in zh, zh
