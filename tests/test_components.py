"""The model's components (sim/model/component.py): each declares what it calls, and elaboration
connects them before time 0 or says which connection is missing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.model.component import Component, ConnectError, Run, elaborate
from sim.model.simulation import Simulation
from sim.scenario import build_scenario

ROOT = Path(__file__).resolve().parent.parent


def small() -> Simulation:
    spec = {"name": "parts", "calendar": {"start": "2024-01-01", "horizon_days": 7, "warmup_days": 0},
            "grids": {"list": [{"id": "G1", "households": 100}]},
            "issue_types": {"t": {"rate_per_1000_households_per_week": 50.0, "service_time": 1.0}}}
    return Simulation(build_scenario(spec, ROOT / "parts.toml"), np.random.SeedSequence(1))


def test_every_component_is_connected_to_what_it_declares():
    sim = small()
    parts = {"issues": sim.issues, "crew": sim.crew, "duty": sim.duty, "visits": sim.visits,
             "reserves": sim.reserves, "tasks": sim.tasks, "wartime": sim.wartime, "worsening": sim.worsening}
    for part in parts.values():
        for name in part.connects:
            assert getattr(part, name) is parts[name]


def test_a_missing_connection_is_named_before_time_zero():
    class Lonely(Component):
        connects = ("crew", "ghost")

    run = Run(small().shared.sc)
    with pytest.raises(ConnectError, match="lonely \\(Lonely\\) connects to ghost"):
        elaborate({"lonely": Lonely(run), "crew": Lonely(run)})
