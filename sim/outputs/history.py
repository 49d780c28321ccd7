"""A history-matching calibration folder (``gridsim calibrate --vary``) as its figures, report and workbook read it.

What ``calibrate --vary`` writes (docs: HM contract): summary.json's ``history_match`` block, ``plausible.csv``
(one column per varied KEY), ``points.csv`` (every design point run), ``waves.csv`` (one row per wave and
target) and ``implausibility.csv`` (a fixed uniform sample of the initial box, judged after the last wave).
Only the folder is read; nothing is run again.
"""

from __future__ import annotations

import csv
import io
import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.outputs.plots.style import PlotError


class HistoryError(PlotError):
    """The folder's history-matching files are missing or unreadable (exit code 2, as any folder that cannot be
    drawn)."""


@dataclass
class Wave:
    """One wave: its design, the share of the initial box still plausible after it, its emulators' diagnostics."""

    wave: int
    points: int
    runs: int
    plausible_share: float
    emulators: dict[str, dict[str, Any]] = field(default_factory=dict)  # target -> loo_max_abs, loo_outside, passed

    @property
    def failed(self) -> list[str]:
        """The targets whose emulator failed its diagnostics (they ruled no space out in this wave)."""
        return [m for m, e in self.emulators.items() if not e.get("passed")]


@dataclass
class HistoryMatch:
    path: Path
    summary: dict[str, Any]
    scenario: dict[str, Any]
    block: dict[str, Any]
    keys: list[str]
    box: dict[str, tuple[float, float]]
    plausible: dict[str, np.ndarray]  # KEY -> values, one per plausible set
    points: dict[str, np.ndarray]  # column -> values, one per design point run
    sample: dict[str, np.ndarray]  # implausibility.csv: KEY, I_max, wave_ruled_out
    waves: list[Wave]

    @property
    def n_plausible(self) -> int:
        return len(next(iter(self.plausible.values()), []))

    @property
    def cutoff(self) -> float:
        return float(self.block.get("cutoff", 3.0))

    @property
    def targets(self) -> dict[str, dict[str, Any]]:
        return self.block.get("targets", {})


def _read(path: Path, required: bool = True) -> tuple[list[str], list[list[str]]]:
    if not path.is_file():
        if required:
            raise HistoryError(f"{path}: missing; a history-matching folder (calibrate --vary) writes it")
        return [], []
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    return (rows[0], rows[1:]) if rows else ([], [])


def _cell(text: str) -> float:
    t = text.strip().lower()
    if t in ("true", "false"):
        return float(t == "true")
    try:
        return float(t) if t else math.nan
    except ValueError:
        return math.nan


def columns(path: Path, required: bool = True) -> dict[str, np.ndarray]:
    """A CSV as numeric columns (true/false as 1/0; anything else not a number as nan)."""
    head, rows = _read(path, required)
    return {h: np.array([_cell(r[j]) if j < len(r) else math.nan for r in rows], dtype=float)
            for j, h in enumerate(head)}


def _waves(path: Path, block: dict[str, Any]) -> list[Wave]:
    """Per wave from waves.csv (one row per wave and target); the summary block's where the CSV is absent."""
    head, rows = _read(path, required=False)
    if not head:
        return [Wave(int(w["wave"]), int(w["points"]), int(w["runs"]), float(w["plausible_share"]),
                     dict(w.get("emulators", {}))) for w in block.get("waves", [])]
    out: dict[int, Wave] = {}
    for r in rows:
        d = dict(zip(head, r))
        w = out.setdefault(int(d["wave"]), Wave(int(d["wave"]), int(d["points"]), int(d["runs"]),
                                                 float(d["plausible_share"])))
        if d.get("target"):
            w.emulators[d["target"]] = {"loo_max_abs": _cell(d.get("loo_max_abs", "")),
                                        "loo_outside": int(_cell(d.get("loo_outside", "0")) or 0),
                                        "passed": d.get("emulator_passed", "").strip().lower() == "true"}
    return [out[k] for k in sorted(out)]


def _json(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise HistoryError(f"{path}: cannot be read ({e})") from None
    return doc if isinstance(doc, dict) else {}


def is_history(path: str | Path) -> bool:
    """Does the folder hold a history match (summary.json with a ``history_match`` block)?"""
    p = Path(path) / "summary.json"
    return p.is_file() and bool(_json(p).get("history_match"))


def _scenario(path: Path) -> dict[str, Any]:
    """The resolved scenario (for its labels): the folder's, else its last wave's (calibrate --vary keeps each
    wave's runs in wave-N/); {} when neither reads, and labels fall back to words made from the names."""
    waves = sorted(path.glob("wave-*/scenario.resolved.toml"), key=lambda p: int(p.parent.name[5:]) if
                   p.parent.name[5:].isdigit() else -1)
    for candidate in [path / "scenario.resolved.toml", *waves[::-1]]:
        try:
            return tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
    return {}


def load_history(path: str | Path) -> HistoryMatch:
    """The folder's history match; a HistoryError naming the file when a part of it is missing."""
    path = Path(path)
    summary = _json(path / "summary.json")
    block = summary.get("history_match")
    if not isinstance(block, dict) or not isinstance(block.get("vary"), dict):
        raise HistoryError(f"{path / 'summary.json'}: no history_match block with 'vary'; "
                           "give the folder of a gridsim calibrate --vary")
    scenario = _scenario(path)
    keys = list(block["vary"])
    box = {k: (float(v[0]), float(v[1])) for k, v in block["vary"].items()}
    plausible = columns(path / "plausible.csv")
    missing = [k for k in keys if k not in plausible]
    if missing:
        raise HistoryError(f"{path / 'plausible.csv'}: no column {', '.join(missing)}; expected one per --vary KEY")
    return HistoryMatch(path, summary, scenario, block, keys, box, {k: plausible[k] for k in keys},
                        columns(path / "points.csv", required=False),
                        columns(path / "implausibility.csv", required=False),
                        _waves(path / "waves.csv", block))


def min_over_bins(x: np.ndarray, y: np.ndarray, value: np.ndarray, xr: tuple[float, float],
                  yr: tuple[float, float], bins: int) -> np.ndarray:
    """The minimum of ``value`` in each of bins x bins cells of [xr] x [yr] (nan where no point falls): the
    minimum-implausibility projection of a sample onto two of its dimensions. Indexed [y bin, x bin]."""
    ix = np.clip(((x - xr[0]) / (xr[1] - xr[0]) * bins).astype(int), 0, bins - 1)
    iy = np.clip(((y - yr[0]) / (yr[1] - yr[0]) * bins).astype(int), 0, bins - 1)
    cell = iy * bins + ix
    out = np.full(bins * bins, np.inf)
    np.minimum.at(out, cell, value)
    seen = np.bincount(cell, minlength=bins * bins) > 0
    # an infinite implausibility is far beyond any cutoff: a large finite value (drawn as ruled out), never "empty"
    return np.where(seen, np.minimum(out, 1e12), np.nan).reshape(bins, bins)


def percent(x: float) -> str:
    """A share (0-1) in % with the digits a small one needs: 29.7%, 0.35%, 0%."""
    p = 100 * x
    if p == 0 or not math.isfinite(p):
        return f"{p:g}%"
    return f"{p:.{max(1, 1 - math.floor(math.log10(abs(p))))}f}%"
