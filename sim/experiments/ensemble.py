"""A plausible ensemble: parameter sets read from ``plausible.csv``, and the few a command runs.

``gridsim calibrate --vary`` writes ``plausible.csv``: one column per KEY (headed by the KEY exactly as a
``--set`` path, e.g. ``visits.households_per_hour``), one row per parameter set the history match could not
rule out.  ``compare`` and ``optimize`` take it with ``--ensemble FILE [--ensemble-size K]`` and apply each
chosen set's values as ``--set`` overrides on top of each policy or candidate.

Choosing K of N sets (K < N): a spread subset, reproducible from the seed.  The columns are standardised
(mean 0, sd 1; a constant column drops out), cut into K clusters by k-means (k-means++ start drawn from
``numpy.random.default_rng(seed)``, ``scipy.cluster.vq.kmeans2``), and from each cluster the row nearest its
centre is taken (the nearest row not yet taken when two centres share one).  So the subset covers the
ensemble as its rows do: dense regions give more sets, and no corner of it is left out for lack of luck.
With K >= N every row is run.
"""

from __future__ import annotations

import csv
import io
import math
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiments.commands import ApiError


class EnsembleError(ApiError):
    """A plausible.csv that cannot be used (exit code 2): names the file, row, column and value."""


@dataclass(frozen=True)
class ParameterSet:
    """One row of plausible.csv: its number (1 = the first row under the header) and its values."""

    row: int
    values: dict[str, float]

    @property
    def id(self) -> str:
        return f"set{self.row:03d}"

    def overrides(self) -> list[tuple[str, Any]]:
        return list(self.values.items())


@dataclass(frozen=True)
class Ensemble:
    """The sets a command runs, out of the file's ``rows``."""

    file: str
    keys: list[str]
    rows: int  # parameter sets in the file
    sets: list[ParameterSet]  # the ones chosen, in row order
    asked: int | None = None  # --ensemble-size, when given

    def warnings(self) -> list[str]:
        """What the summary warns of the choice: a size beyond the file's rows runs them all, no more."""
        if self.asked is None or self.asked <= self.rows:
            return []
        return [f"--ensemble-size {self.asked}: {self.file} has only {self.rows} parameter set(s); all {self.rows} "
                "are run"]

    def block(self) -> dict[str, Any]:
        """What summary.json says of the ensemble (the command adds its own results to it)."""
        return {"file": self.file, "rows": self.rows, "size": len(self.sets), "keys": list(self.keys),
                "choice": "all rows" if len(self.sets) == self.rows else
                "k-means on standardised columns (seeded), the row nearest each centre",
                "sets": [{"id": s.id, "row": s.row, "values": dict(s.values)} for s in self.sets]}

    def spec(self) -> dict[str, Any]:
        """What makes a results folder this ensemble's (command.json, and the --resume fingerprint): the keys and
        rows, not the file's path (the values are in the resolved scenarios), so a moved file still resumes."""
        return {"keys": list(self.keys), "rows": [s.row for s in self.sets]}


def variant_name(s: ParameterSet | str, name: str) -> str:
    """The variant of policy or candidate ``name`` in set ``s``: its runs' folder under runs/."""
    return f"{s if isinstance(s, str) else s.id}-{name}"


def _number(text: str) -> float | int | None:
    t = text.strip()
    try:
        return int(t)
    except ValueError:
        pass
    try:
        x = float(t)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def read_plausible(path: str | Path) -> tuple[list[str], list[ParameterSet]]:
    """Every row of a plausible.csv, checked: a header of distinct KEYs, then numbers, as many as the header."""
    path = Path(path)
    where = f"--ensemble {path}"
    if not path.is_file():
        raise EnsembleError(f"{where}: {'is a folder, not a file' if path.is_dir() else 'file not found'}; "
                            "give the plausible.csv that 'gridsim calibrate --vary' wrote")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise EnsembleError(f"{where}: cannot be read as UTF-8 text ({e})") from None
    lines = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    if not lines:
        raise EnsembleError(f"{where}: empty; expected a header of scenario keys (one column per --vary KEY of "
                            "calibrate), then one row per plausible parameter set")
    keys = [k.strip() for k in lines[0]]
    if len(keys) == 1 and ";" in keys[0]:  # a spreadsheet's export in a locale with decimal commas
        raise EnsembleError(f"{where}: header {keys[0]!r} looks semicolon-separated; the file must be comma-separated "
                            "(KEY1,KEY2 and numbers with a decimal point, as calibrate --vary writes it)")
    for j, k in enumerate(keys, 1):
        if not k or " " in k or k.startswith(".") or k.endswith(".") or ".." in k:
            raise EnsembleError(f"{where}: header, column {j}: {k!r} is not a scenario key (a dotted path as in "
                                "--set, e.g. visits.households_per_hour)")
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise EnsembleError(f"{where}: header names {', '.join(twice)} more than once; one column per key")
    if len(lines) == 1:
        raise EnsembleError(f"{where}: a header and no rows: no plausible parameter set to run (calibrate found "
                            "none? then the model cannot reproduce the targets with those ranges)")
    sets = []
    for i, cells in enumerate(lines[1:], 1):
        if len(cells) != len(keys):
            raise EnsembleError(f"{where}: row {i}: {len(cells)} value(s) for {len(keys)} column(s) ({', '.join(keys)})")
        values = {}
        for k, c in zip(keys, cells):
            x = _number(c)
            if x is None:
                raise EnsembleError(f"{where}: row {i}, column {k}: {c.strip()!r} is not a finite number")
            values[k] = x
        sets.append(ParameterSet(i, values))
    return keys, sets


def choose(sets: list[ParameterSet], keys: list[str], size: int | None, seed: int) -> list[ParameterSet]:
    """``size`` sets spread over the ensemble (module docstring), in row order; all of them when size is None
    or at least their number."""
    if size is None or size >= len(sets):
        return list(sets)
    from scipy.cluster.vq import kmeans2  # here: only a subset needs it

    x = np.array([[s.values[k] for k in keys] for s in sets], float)
    sd = x.std(axis=0)
    z = np.where(sd > 0, (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0), 0.0)
    with warnings.catch_warnings():  # an empty cluster is harmless here: its centre still picks a row
        warnings.simplefilter("ignore", UserWarning)
        centres, _ = kmeans2(z, size, minit="++", seed=np.random.default_rng(seed))
    taken: list[int] = []
    for c in centres:
        dist = ((z - c) ** 2).sum(axis=1)
        dist[taken] = np.inf
        taken.append(int(np.argmin(dist)))
    return [sets[i] for i in sorted(taken)]


def load_ensemble(path: str | Path, size: int | None, seed: int) -> Ensemble:
    """The sets a command runs out of ``path`` (checked as numbers here; against the scenario by the command)."""
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
        raise EnsembleError(f"--ensemble-size {size}: a whole number >= 1 (how many of the file's sets to run)")
    keys, sets = read_plausible(path)
    ens = Ensemble(str(path), keys, len(sets), choose(sets, keys, size, seed), size)
    for w in ens.warnings():
        print(f"gridsim: warning: {w}", file=sys.stderr, flush=True)
    return ens


def refuse_clash(keys: list[str], overrides: list[tuple[str, Any]], path: str, option: str = "--set") -> None:
    """A --set (or an optimize --lever) on a key the ensemble sets would be overwritten in every set: say so rather
    than ignore it."""
    clash = [k for k, _ in overrides if k in keys]
    if clash:
        what = "the search could not vary it" if option == "--lever" else "the --set would have no effect"
        raise EnsembleError(f"{option} {clash[0]}: the ensemble ({path}) sets this key in every parameter set (a "
                            f"column of the file), so {what}; drop the {option}, or drop the column from the file")


def scenario_problem(path: str, s: ParameterSet, problems: list[str]) -> EnsembleError:
    """A scenario that refuses a set's values, said with the file, row, column and value."""
    hit = next((k for k in s.values if any(k in p for p in problems)), None)
    at = f"row {s.row}" + (f", column {hit} = {s.values[hit]!r}" if hit else "")
    return EnsembleError(f"--ensemble {path}: {at}: the scenario refuses this parameter set: " + "; ".join(problems))


def refuse_non_numeric(path: str, keys: list[str], scenario: Any) -> None:
    """A column on a true/false or text field (``visits.enabled``, with 1 read as true) is no parameter a history
    match varies: refuse it rather than let the scenario quietly coerce the number."""
    for k in keys:
        node = scenario
        for part in k.split("."):
            node = node.get(part) if isinstance(node, dict) else getattr(node, part, None)
        if isinstance(node, (bool, str)):
            kind = "a true/false field" if isinstance(node, bool) else "a text field"
            raise EnsembleError(f"--ensemble {path}: column {k}: {kind}; a plausible.csv may set numeric scenario "
                                "fields only (numbers such as visits.households_per_hour)")
