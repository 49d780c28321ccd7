"""A results folder as figures and reports read it: summary, resolved scenario, finished runs and their series."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.experiments.results import RunStore
from sim.outputs.plots.style import PlotError


@dataclass
class Folder:
    path: Path
    command: str
    summary: dict[str, Any]
    scenario: dict[str, Any]  # the resolved TOML of the first variant
    variants: list[str]
    runs: list[Any]  # RunOutcome, successful ones

    @classmethod
    def load(cls, path: str | Path) -> "Folder":
        path = Path(path)
        for name in ("command.json", "summary.json", "scenario.resolved.toml"):
            if not (path / name).is_file():
                raise PlotError(f"{path}: not a gridsim results folder (no {name}); "
                                "give the folder a run, compare or sweep wrote")
        command = json.loads((path / "command.json").read_text())
        runs = [o for o in RunStore(path).load() if o.ok]
        if not runs:
            raise PlotError(f"{path}: holds no finished runs to plot")
        return cls(path, command["command"], json.loads((path / "summary.json").read_text()),
                   tomllib.loads((path / "scenario.resolved.toml").read_text()), command["variants"], runs)

    @property
    def n(self) -> int:
        return self.summary.get("replications", 0)

    def series(self, variant: str) -> list[dict[str, list[float]]]:
        store = RunStore(self.path)
        found = [store.load_series(o.key) for o in self.runs if o.variant == variant]
        return [s for s in found if s is not None]

    def hours(self, key: str) -> float:
        cal = self.scenario.get("calendar", {})
        return float(cal.get(key, {"warmup_days": 28, "horizon_days": 365}[key])) * 24

    def emergencies(self) -> list[tuple[float, float]]:
        """Emergency windows in days since the start."""
        import datetime as dt

        start = self.scenario.get("calendar", {}).get("start", dt.date(2022, 1, 3))
        out = []
        for em in self.scenario.get("emergencies", []):
            s = em["start"]
            if isinstance(s, dt.datetime):
                d0 = (s - dt.datetime.combine(start, dt.time())).total_seconds() / 86400
            elif isinstance(s, dt.date):
                d0 = (s - start).days
            else:
                d0 = float(s)
            out.append((d0, d0 + float(em["duration_days"])))
        return out

    def sla_days(self) -> dict[str, float]:
        return {name: float(t.get("sla_hours", 72.0)) / 24 for name, t in self.scenario.get("issue_types", {}).items()}
