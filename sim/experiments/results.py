"""The results folder of a command (documented in README, "Results folder"), written so that nothing is lost.

Layout:
    command.json             the command's inputs (scenario, variants, seed, ...), for --resume
    scenario.resolved.toml   the exact input after policy and overrides (per variant for compare/sweep)
    runs/<variant>/rNNNN.json  one file per finished run, written atomically as it finishes
    replications.csv         one row per variant and replication (rebuilt from runs/)
    summary.json             {"metrics": {name: {mean, std, ci95, n}}} (+ per variant for compare/sweep)
    wartime.csv              when wartime mode was on, per variant and replication
    failures.csv             runs that raised, with their parameters, seed and error
    .gridsim.lock            while a command writes the folder: its pid and host (``lock``)
A run file is the unit of crash safety: an interrupted command leaves only
whole run files, and ``--resume`` skips every run whose file holds metrics.
Each run file carries the fingerprint of the command that made it; a run file
that does not parse (a disk full, a copy cut short) is named, and set aside as
``rNNNN.json.corrupt`` by ``--resume`` (which runs it again).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import platform
from collections.abc import Iterable
from pathlib import Path
from typing import Any


from sim import __version__
from sim.experiments.atomic import atomic_write
from sim.experiments.runs import RunOutcome, metric_names, seed_sequence_text
from sim.experiments.statistics import MetricSummary
from sim.model.district import District


def default_dir(scenario_name: str, command: str, root: str | Path = "results") -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(root) / f"{scenario_name}-{command}-{stamp}"


def versions() -> dict[str, str]:
    import numpy
    import pydantic
    import scipy
    import simpy

    return {"gridsim": __version__, "python": platform.python_version(), "simpy": simpy.__version__,
            "numpy": numpy.__version__, "scipy": scipy.__version__, "pydantic": pydantic.__version__}


def _clean(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


class RunFileError(Exception):
    """A run file that cannot be read, or that another command made (exit code 2)."""


def _outcome(d: dict[str, Any]) -> RunOutcome:
    metrics = None if d["metrics"] is None else {k: (math.nan if v is None else v) for k, v in d["metrics"].items()}
    return RunOutcome(str(d["variant"]), int(d["replication"]), int(d["seed"]), metrics,
                      [tuple(w) for w in d["wartime"]],
                      math.nan if d["warmup_needed_days"] is None else d["warmup_needed_days"],
                      d["error"], d["wall_seconds"])


class RunStore:
    """The runs/ folder: one JSON file per finished run.

    ``fingerprint``: the command's; written into every run file, and a run file with another
    one is refused.  ``load`` on a corrupt run file: ``raise`` (naming it), ``skip`` it (plot,
    report: listed in ``skipped``), or ``set_aside`` (resume: renamed ``*.corrupt``, listed in
    ``set_aside``, and run again).
    """

    def __init__(self, root: Path, fingerprint: str | None = None):
        self.root = root / "runs"
        self.fingerprint = fingerprint
        self.skipped: list[Path] = []
        self.set_aside: list[Path] = []

    def path(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def write(self, o: RunOutcome) -> None:
        doc = {"variant": o.variant, "replication": o.replication, "seed": o.seed,
               "metrics": {k: _clean(v) for k, v in o.metrics.items()} if o.metrics is not None else None,
               "wartime": o.wartime, "warmup_needed_days": _clean(o.warmup_needed_days),
               "error": o.error, "wall_seconds": o.wall_seconds, "fingerprint": self.fingerprint}
        if o.series is not None:  # before the run file: a run file on disk means the run is complete
            atomic_write(self.series_path(o.key), json.dumps(o.series, allow_nan=True) + "\n")
        atomic_write(self.path(o.key), json.dumps(doc) + "\n")

    def series_path(self, key: str) -> Path:
        return self.root / f"{key}.series.json"

    def load_series(self, key: str) -> dict[str, list[float]] | None:
        p = self.series_path(key)
        try:
            doc = json.loads(p.read_text()) if p.is_file() else None
        except (OSError, ValueError):  # a corrupt series file: the figures go without this run's curves
            return None
        return doc if isinstance(doc, dict) else None

    def load(self, on_corrupt: str = "raise") -> list[RunOutcome]:
        out = []
        for p in sorted(self.root.glob("*/r*[0-9].json")):
            try:
                d = json.loads(p.read_text())
                o = _outcome(d)
                if o.key != f"{p.parent.name}/{p.stem}":
                    raise ValueError(f"it holds run {o.key}")
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
                why = "empty" if p.stat().st_size == 0 else f"not a whole run file ({type(e).__name__}: {e})"
                if on_corrupt == "skip":
                    self.skipped.append(p)
                    continue
                if on_corrupt == "set_aside":
                    aside = p.with_name(p.name + ".corrupt")
                    p.replace(aside)
                    self.set_aside.append(aside)
                    continue
                raise RunFileError(f"{p}: {why}; 'gridsim ... --resume' sets it aside and runs it again") from None
            theirs = d.get("fingerprint")
            if self.fingerprint and theirs and theirs != self.fingerprint:
                raise RunFileError(f"{p}: made by a different command or scenario (fingerprint {theirs[:12]}, this "
                                   f"command's {self.fingerprint[:12]}); this folder mixes two commands' runs. "
                                   "Use a new folder, or move that run file away")
            out.append(o)
        return out

    def finished(self, on_corrupt: str = "raise") -> set[str]:
        """Keys of the runs that completed (failed runs are tried again on resume)."""
        return {o.key for o in self.load(on_corrupt) if o.ok}


def _cell(x: Any) -> Any:
    return "" if isinstance(x, float) and not math.isfinite(x) else x


def csv_text(header: list[str], rows: Iterable[list[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([_cell(x) for x in r])
    return buf.getvalue()


def replications_csv(outcomes: list[RunOutcome], label: str = "policy",
                     params: dict[str, dict[str, Any]] | None = None) -> str:
    """One row per variant and replication, in a fixed order (not the order runs finished)."""
    names = metric_names(outcomes)
    keys = list(next(iter(params.values())).keys()) if params else []
    rows = sorted((o for o in outcomes if o.ok), key=lambda o: (o.variant, o.replication))
    return csv_text([label, *keys, "replication", "seed", "seed_sequence", *names],
                ([o.variant, *[_param(params[o.variant][k]) for k in keys], o.replication, o.seed,
                  seed_sequence_text(o.seed, o.replication), *[o.metrics.get(n, math.nan) for n in names]]
                 for o in rows))


def _param(v: Any) -> Any:
    return "+".join(map(str, v)) if isinstance(v, list) else v


def points_csv(points: dict[str, dict[str, Any]], summaries: dict[str, dict[str, MetricSummary]],
               names: list[str]) -> str:
    """One row per sweep point: its parameters, n, and each metric's mean and 95% CI."""
    keys = list(next(iter(points.values())).keys())
    header = ["point", *keys, "n", *[f"{m}_{s}" for m in names for s in ("mean", "ci_lo", "ci_hi")]]
    rows = []
    for pid, params in points.items():
        s = summaries[pid]
        cells: list[Any] = []
        for m in names:
            x = s.get(m)
            cells += [math.nan] * 3 if x is None else [x.mean, x.ci95[0], x.ci95[1]]
        n = max((x.n for x in s.values()), default=0)
        rows.append([pid, *[_param(params[k]) for k in keys], n, *cells])
    return csv_text(header, rows)


def wartime_csv(outcomes: list[RunOutcome], label: str = "policy") -> str:
    rows = sorted((o for o in outcomes if o.ok), key=lambda o: (o.variant, o.replication))
    return csv_text([label, "replication", "start_hours", "end_hours"],
                ([o.variant, o.replication, a, b] for o in rows for a, b in o.wartime))


def failures_csv(outcomes: list[RunOutcome], label: str = "policy") -> str:
    rows = sorted((o for o in outcomes if not o.ok), key=lambda o: (o.variant, o.replication))
    return csv_text([label, "replication", "seed", "seed_sequence", "error"],
                ([o.variant, o.replication, o.seed, seed_sequence_text(o.seed, o.replication),
                  (o.error or "").strip().splitlines()[0]] for o in rows))


def grids_csv(d: District) -> str:
    """The district's layout: grid id, community, street, households (in model order)."""
    return csv_text(["grid", "community", "street", "households"],
                    ([gid, d.community_names[c], d.street_names[st], int(h)]
                     for gid, c, st, h in zip(d.ids, d.community.tolist(), d.street.tolist(), d.households.tolist())))


def summary_dict(metrics: dict[str, MetricSummary]) -> dict[str, Any]:
    return {name: s.to_dict() for name, s in metrics.items()}


def write_json(path: Path, doc: dict[str, Any]) -> None:
    atomic_write(path, json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")
