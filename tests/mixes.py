"""Scenario data for model tests: a small mixed district for invariant checks of a mechanism under other mechanisms' company.

Six grids in two communities, routine issues (half hidden) and urgent ones (priority 1);
``mixed(base, extra)`` lays the mechanism's tables (``base``) and a variant's tables
(``extra``: pools, attendance, wartime...) over it, table by table.  ``run_checked_data`` runs one replication of such data with every
invariant checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from oracles import run_checked
from sim.metrics import compute_metrics
from sim.scenario import build_scenario


def mixed(base: dict[str, Any], extra: dict[str, Any], horizon_days: float = 21) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "mix",
        "calendar": {"start": "2024-01-01", "horizon_days": horizon_days, "warmup_days": 0, "drain_days": 10},
        "grids": {"generate": {"count": 6, "communities": 2, "households": 250}},
        "issue_types": {
            "routine": {"rate_per_1000_households_per_week": 30, "hidden_share": 0.5,
                        "service_time": {"dist": "exponential", "mean": 1.5}},
            "urgent": {"rate_per_1000_households_per_week": 5, "priority": 1,
                       "service_time": {"dist": "exponential", "mean": 0.5}}},
        "cadres": {"grid_workers": {"per_grid": 1}},
        "wartime": {"trigger": "off"},
    }
    for layer in (base, extra):
        for key, value in layer.items():
            data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return data


def run_checked_data(data: dict[str, Any], seed: int = 1):
    """Build the scenario from ``data``, run one replication, check every invariant: (records, metrics)."""
    sc = build_scenario(data, Path(__file__).resolve().parent.parent / "x.toml")
    r = run_checked(sc, seed)
    return r, compute_metrics(r)
