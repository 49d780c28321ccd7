"""A results folder as figures and reports read it: summary, resolved scenario, finished runs and their series."""

from __future__ import annotations

import json
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.experiments.results import RunStore
from sim.experiments.runs import RunOutcome
from sim.outputs.plots.style import PlotError


_WARNED: set[tuple[Path, int]] = set()


def _json(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        why = "empty" if path.stat().st_size == 0 else f"not whole JSON: {e}"
        raise PlotError(f"{path}: corrupt ({why}); cannot read this results folder") from None
    if not isinstance(doc, dict):
        raise PlotError(f"{path}: corrupt (not a JSON object); cannot read this results folder")
    return doc


def _with_results(s: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A compare summary without the policies that have no results (every run failed); if the
    reference is one of them, the first policy with results stands in, without differences."""
    by = s.get("by_policy", {})
    failed = [p for p in s.get("policies", []) if not by.get(p, {}).get("metrics")]
    if not failed:
        return s, []
    ok = [p for p in s["policies"] if p not in failed]
    diffs = ({p: d for p, d in s.get("differences", {}).items() if p in ok} if s.get("reference") in ok
             else {p: {"metrics": {}} for p in ok[1:]})
    ref = s.get("reference") if s.get("reference") in ok else (ok[0] if ok else None)
    return {**s, "policies": ok, "reference": ref, "by_policy": {p: by[p] for p in ok}, "differences": diffs}, failed


@dataclass
class PooledRun(RunOutcome):
    """A run of ``compare --ensemble`` under its policy's name, numbered across the sets (set i's replication r is
    i*n + r, so policies still pair within a set); ``origin`` is its own key, where its files are."""

    origin: str = ""

    @property
    def key(self) -> str:
        return self.origin


def _pooled(runs: list[RunOutcome], summary: dict[str, Any]) -> list[RunOutcome]:
    e = summary["ensemble"]
    index = {s["id"]: i for i, s in enumerate(e["sets"])}
    n = e["replications_per_set"]
    out: list[RunOutcome] = []
    for o in runs:
        where = e["variants"].get(o.variant)
        if where is not None and o.replication < n:
            out.append(PooledRun(**{**vars(o), "variant": where[1], "replication": index[where[0]] * n + o.replication},
                                 origin=o.key))
    return out


@dataclass
class Folder:
    path: Path
    command: str
    summary: dict[str, Any]
    scenario: dict[str, Any]  # the resolved TOML of the first variant
    variants: list[str]
    runs: list[Any]  # RunOutcome, successful ones
    failed: list[str] = field(default_factory=list)  # compare: policies whose every run failed (left out)

    @classmethod
    def load(cls, path: str | Path) -> "Folder":
        path = Path(path)
        for name in ("command.json", "summary.json", "scenario.resolved.toml"):
            if not (path / name).is_file():
                raise PlotError(f"{path}: not a gridsim results folder (no {name}); "
                                "give the folder a run, compare or sweep wrote")
        command, summary = _json(path / "command.json"), _json(path / "summary.json")
        try:
            scenario = tomllib.loads((path / "scenario.resolved.toml").read_text())
        except (OSError, ValueError) as e:
            raise PlotError(f"{path / 'scenario.resolved.toml'}: cannot be read ({e})") from None
        if not isinstance(command.get("command"), str) or not isinstance(command.get("variants"), list):
            raise PlotError(f"{path / 'command.json'}: not a gridsim command file (no command or variants)")
        store = RunStore(path)
        runs = [o for o in store.load("skip") if o.ok]
        if store.skipped and (path, len(store.skipped)) not in _WARNED:  # once per folder (report plots too)
            _WARNED.add((path, len(store.skipped)))
            print(f"gridsim: warning: skipped {len(store.skipped)} corrupt run file(s), left out of the figures: "
                  + ", ".join(str(p.relative_to(path)) for p in store.skipped)
                  + f"; 'gridsim ... --resume {path}' sets them aside and runs them again", file=sys.stderr)
        if not runs:
            raise PlotError(f"{path}: holds no finished runs to plot")
        summary, failed = _with_results(summary) if command["command"] == "compare" else (summary, [])
        variants = [v for v in command["variants"] if v not in failed]
        if "ensemble" in summary and command["command"] == "compare":  # read as one compare, pooled over the sets
            variants, runs = [p for p in summary["policies"] if p not in failed], _pooled(runs, summary)
        return cls(path, command["command"], summary, scenario, variants, runs, failed)

    @property
    def n(self) -> int:
        return self.summary.get("replications", 0)

    def series(self, variant: str) -> list[dict[str, list[float]]]:
        return list(self.series_by_replication(variant).values())

    def series_by_replication(self, variant: str) -> dict[int, dict[str, list[float]]]:
        """Each replication's series by its number, so that policies' runs pair up (common random numbers)."""
        store = RunStore(self.path)
        found = {o.replication: store.load_series(o.key) for o in self.runs if o.variant == variant}
        return {r: s for r, s in found.items() if s is not None}

    def by_set(self, variant: str) -> list[list[RunOutcome]]:
        """Over an ensemble, a policy's runs set by set, in the order of ``ensemble.sets`` (set i's replication r is
        pooled as i*n + r, so pairs across policies stay within a set); elsewhere one list of all its runs."""
        runs = [o for o in self.runs if o.variant == variant]
        e = self.summary.get("ensemble") if self.command == "compare" else None
        if not e:
            return [runs]
        n, k = e["replications_per_set"], len(e["sets"])
        return [[o for o in runs if o.replication // n == i] for i in range(k)]

    def ensemble_set(self) -> str | None:
        """An ensemble folder's first parameter set (whose resolved scenarios stand for a policy's), else None."""
        sets = (self.summary.get("ensemble") or {}).get("sets") or []
        return sets[0]["id"] if sets else None

    def variant_path(self, variant: str) -> Path | None:
        """A variant's resolved scenario file: its own (a compare keeps one per policy), or over an ensemble, its
        first set's (``set001-<policy>``, the only way a policy is saved there); None when there is neither."""
        first = self.ensemble_set()
        for name in (variant, *([f"{first}-{variant}"] if first else [])):
            path = self.path / "scenarios" / f"{name}.resolved.toml"
            if path.is_file():
                return path
        return None

    def variant_scenario(self, variant: str) -> dict[str, Any]:
        """The resolved scenario of one variant (``variant_path``), else the folder's."""
        path = self.variant_path(variant)
        if path is None:
            return self.scenario
        try:
            return tomllib.loads(path.read_text())
        except (OSError, ValueError):
            return self.scenario

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
