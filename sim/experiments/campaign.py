"""A campaign: replications of one or more scenario variants, run into a results folder.

``run`` is one variant, ``compare`` one variant per policy, ``sweep`` one per
design point.  Each finished run is written to ``runs/`` at once (see
``sim.results``), so an interrupted campaign loses nothing finished, and
``resume`` runs only what is missing.  The parent process keeps only each
run's metrics, never its per-issue records.  The folder is locked while a
command writes it (``lock``), and a refused folder is left as it was.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.experiments.executors import open_executor
from sim.experiments.statistics import MetricSummary, next_replications, precision_reached, summarize_metrics
from sim.experiments.runs import RunOutcome, RunTask, execute_runs, variant_outcomes
from sim.experiments.atomic import atomic_write
from sim.experiments.lock import LOCK_NAME, LockError, folder_lock
from sim.experiments.results import RunFileError, RunStore, failures_csv, write_json
from sim.scenario import Scenario, dump_toml

AUTO_START = 10  # replications before the first precision check with --replications auto


class CampaignError(Exception):
    """The results folder does not fit the command (exit code 2)."""


class CampaignStopped(Exception):
    """A driven campaign cannot go on: a run it needs failed or gave no value (exit code 1).

    Every finished run is kept in ``out``; ``--resume`` runs the failed ones again."""

    def __init__(self, message: str, out: Path | None = None):
        super().__init__(message)
        self.out = out


# What a driven campaign asks after each batch: given every finished outcome so far and the
# number of runs the executor takes at once, which replications of which variants it needs next
# ({} when it is done).
Schedule = Callable[[list[RunOutcome], int], dict[str, list[int]]]


@dataclass
class Plan:
    """What to run: variants (name -> validated scenario and its resolved table) and how."""

    command: str
    scenario_file: str
    variants: dict[str, Scenario]
    resolved: dict[str, dict[str, Any]]  # the TOML tables as run, per variant
    seed: int
    replications: int | None  # None means auto
    precision: float = 0.05
    precision_metric: str = "resolution_hours_mean"
    max_replications: int = 200
    records: bool = False
    series: bool = True  # keep each run's series for figures (off for sweeps: they plot metrics)
    extra: dict[str, Any] = field(default_factory=dict)  # design, factors: kept in command.json

    def fingerprint(self) -> str:
        blob = json.dumps({"resolved": self.resolved, "seed": self.seed, "extra": self.extra},
                          sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()

    def command_doc(self) -> dict[str, Any]:
        return {"command": self.command, "scenario_file": self.scenario_file, "variants": list(self.variants),
                "seed": self.seed, "replications": self.replications or "auto",
                "precision": self.precision, "precision_metric": self.precision_metric,
                "max_replications": self.max_replications, "fingerprint": self.fingerprint(), **self.extra}


class Progress:
    """A progress bar on a terminal, plain lines otherwise, nothing when quiet."""

    def __init__(self, quiet: bool, stream=None):
        self.quiet, self.stream = quiet, stream or sys.stderr  # looked up now: stderr may be redirected
        self.bar = None
        self.total = self.done = 0
        self.t0 = time.perf_counter()
        self.last_line = 0.0

    def start(self, total: int, already: int, announce: bool = True) -> None:
        self.total, self.done = total, already
        self.t0 = time.perf_counter()
        self.started_at = already
        self.announce = announce  # later batches of a driven campaign: no bar, no progress lines
        if self.quiet or not announce:
            return
        if self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=already, unit="run", file=self.stream, dynamic_ncols=True)
        else:
            self.line(f"{total - already} run(s) to do, {already} already done")

    def line(self, msg: str) -> None:
        if not self.quiet:
            print(f"gridsim: {msg}", file=self.stream, flush=True)

    def warn(self, msg: str) -> None:
        """Even when quiet: something about the folder the user must know (a lock taken over, a file set aside)."""
        print(f"gridsim: warning: {msg}", file=self.stream, flush=True)

    def advance(self, outcome: RunOutcome) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
            if not outcome.ok:
                self.bar.write(f"gridsim: run {outcome.key} failed: {outcome.error.splitlines()[0]}")
            return
        if not outcome.ok:
            self.line(f"run {outcome.key} failed: {outcome.error.splitlines()[0]}")
        if self.quiet or not getattr(self, "announce", True):
            return
        now = time.perf_counter()
        if now - self.last_line >= 2.0 or self.done == self.total:
            self.last_line = now
            ran = self.done - self.started_at
            left = self.total - self.done
            eta = (now - self.t0) / ran * left if ran else math.nan
            eta_s = f", about {eta:.0f} s left" if math.isfinite(eta) and left else ""
            self.line(f"runs {self.done}/{self.total} done, {left} left{eta_s}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def check_out(out: Path, resume: bool) -> None:
    """Checks of the folder's path that touch nothing: run before anything is created."""
    flag = "--resume" if resume else "--out"
    existing = next(p for p in [out, *out.parents] if p.exists() or p.is_symlink() or p == p.parent)
    if existing.exists() and not existing.is_dir():
        if existing == out:
            raise CampaignError(f"{flag} {out}: is a file, not a folder; give a new folder "
                                + ("or a gridsim results folder" if not resume else "that a command wrote"))
        raise CampaignError(f"{flag} {out}: {existing} is a file, so no folder can be made under it")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise CampaignError(f"{flag} {out}: cannot write in {existing} (permission denied); give a folder you can write")
    if resume:
        if not (out / "command.json").is_file():
            raise CampaignError(f"--resume {out}: not a gridsim results folder (no command.json)")
    elif out.is_dir() and not (out / "command.json").exists():
        others = sorted(p.name for p in out.iterdir() if p.name != LOCK_NAME)
        if others:
            raise CampaignError(f"--out {out}: not empty ({', '.join(others[:3])}{', ...' if len(others) > 3 else ''})"
                                " and not a gridsim results folder (no command.json); give a new or empty folder")


def _read_command(path: Path) -> tuple[dict[str, Any] | None, str]:
    try:
        doc = json.loads(path.read_text())
        if isinstance(doc, dict):
            return doc, ""
        return None, "not a JSON object"
    except (OSError, ValueError) as e:
        return None, "empty" if path.stat().st_size == 0 else f"not whole JSON ({e})"


def _check_command(out: Path, plan: Plan, store: RunStore, note: Callable[[str], None]) -> None:
    """--resume: the folder must be this very command's (its command.json, or its run files if that is corrupt)."""
    doc_path = out / "command.json"
    old, why = _read_command(doc_path)
    if old is None:
        made_by = {d.get("fingerprint") for d in _run_docs(store)}
        if made_by != {plan.fingerprint()}:
            raise CampaignError(f"--resume {out}: {doc_path} is corrupt ({why}), and the run files do not show that "
                                "this command made the folder; it cannot be resumed. Run the command with a new --out")
        doc_path.replace(doc_path.with_name("command.json.corrupt"))
        note(f"{doc_path} was corrupt ({why}); set aside as command.json.corrupt and written again "
             "(every run file shows this command made the folder)")
    elif old.get("fingerprint") != plan.fingerprint():
        raise CampaignError(
            f"--resume {out}: that folder was made by a different command or scenario "
            f"({old.get('command')} {old.get('scenario_file')}); run the same command as before"
        )
    store.load("set_aside")  # refuses run files of another command
    for p in store.set_aside:
        note(f"{p.with_suffix('')}: corrupt run file, set aside as {p.name}; that run is run again")


def _run_docs(store: RunStore) -> list[dict[str, Any]]:
    docs = []
    for p in store.root.glob("*/r*[0-9].json"):
        try:
            d = json.loads(p.read_text())
            docs.append(d if isinstance(d, dict) else {})
        except (OSError, ValueError):
            continue
    return docs


def prepare_folder(out: Path, plan: Plan, resume: bool, note: Callable[[str], None] = lambda _: None) -> RunStore:
    """Check the folder belongs to this very command (on resume) or holds no runs, and write the inputs."""
    store = RunStore(out, plan.fingerprint())
    if resume:
        _check_command(out, plan, store, note)
    elif (out / "runs").exists():
        raise CampaignError(f"--out {out}: already holds runs; use --resume {out} to finish them, or another folder")
    write_json(out / "command.json", plan.command_doc())
    if len(plan.resolved) == 1:
        atomic_write(out / "scenario.resolved.toml", dump_toml(next(iter(plan.resolved.values()))))
    else:
        for name, table in plan.resolved.items():
            atomic_write(out / "scenarios" / f"{name}.resolved.toml", dump_toml(table))
        atomic_write(out / "scenario.resolved.toml", dump_toml(next(iter(plan.resolved.values()))))
    _keep_grid_files(out, plan)
    return store


def _keep_grid_files(out: Path, plan: Plan) -> None:
    """Copy the files the scenario's grids come from (GeoJSON, CSV or workbook) into the folder, at the
    path the resolved scenario names them by (under their base name if that path leaves the folder), so
    that the folder alone, moved or on another machine, reruns and draws the real grids."""
    names = {t.get("grids", {}).get(k) for t in plan.resolved.values() for k in ("geojson", "csv", "xlsx")} - {None}
    for name in sorted(names):
        rel = Path(name)
        src = Path(plan.scenario_file).parent / rel
        dest = out / (rel if not rel.is_absolute() and ".." not in rel.parts else rel.name)
        if src.is_file() and not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(dest, src.read_bytes())


@dataclass
class Campaign:
    """A plan, its folder (locked) and its executor: ``run`` executes what the folder still lacks."""

    plan: Plan
    out: Path
    store: RunStore
    executor: Any
    slots: int
    progress: Progress

    def todo(self, tasks: list[RunTask]) -> list[RunTask]:
        done = self.store.finished("set_aside")
        if self.plan.records:  # --records: a finished run without its records file is run again
            have = {p.stem for p in (self.out / "records").glob("*.parquet")}
            missing = {t.key for t in tasks if t.key in done and f"{t.variant}-r{t.replication:04d}" not in have}
            if missing:
                self.progress.line(f"{len(missing)} finished run(s) have no per-issue records; "
                                   "running them again to write their records (same seeds, same numbers)")
            done -= missing
        return [t for t in tasks if t.key not in done]

    def run(self) -> tuple[list[RunOutcome], int]:
        """Run the plan into the folder; return every outcome in it and the replications used."""
        plan, store, progress = self.plan, self.store, self.progress
        records_dir = str(self.out / "records") if plan.records else None
        n = plan.replications or AUTO_START
        while True:
            tasks = [RunTask(v, k, plan.seed, sc, records_dir, plan.series)
                     for k in range(n) for v, sc in plan.variants.items()]
            todo = self.todo(tasks)
            progress.start(len(tasks), len(tasks) - len(todo))

            def finished(o: RunOutcome) -> None:
                store.write(o)
                progress.advance(o)

            try:
                execute_runs(todo, self.executor, finished, self.slots)
            finally:
                progress.close()
            if plan.replications is not None:
                break
            outcomes = [o for o in store.load("set_aside") if o.replication < n]
            sums = [summarize_metrics(variant_outcomes(outcomes, v)) for v in plan.variants]
            if precision_reached(sums, plan.precision_metric, plan.precision) or n >= plan.max_replications:
                if n >= plan.max_replications and not precision_reached(sums, plan.precision_metric, plan.precision):
                    progress.line(f"precision {plan.precision:g} on {plan.precision_metric} not reached "
                                  f"with the cap of {plan.max_replications} replications")
                break
            n = next_replications(n, sums, plan.precision_metric, plan.precision, plan.max_replications)
            progress.line(f"{plan.precision_metric}: 95% CI not yet within {100 * plan.precision:g}% "
                          f"of the mean; going to {n} replications")
        outcomes = [o for o in store.load("set_aside") if o.replication < n and o.variant in plan.variants]
        return outcomes, n

    def run_driven(self, schedule: Schedule, label: str = "policy",
                   scenario_of: Callable[[str], Scenario] | None = None) -> list[RunOutcome]:
        """Run what ``schedule`` asks for, batch after batch, until it asks for nothing; return every outcome.

        ``scenario_of``: the scenario of a variant the schedule names, for procedures that make their
        variants as they go (``optimize``); by default the plan's variants, and only their runs are read.

        Each run is written as it finishes (as in ``run``), so an interrupted campaign resumes where it
        stopped, and runs already in the folder are never run again.  A failed run stops the campaign
        (``CampaignStopped``, naming it) once its batch is done: a driven procedure cannot skip a run
        it asked for; ``--resume`` runs it again.
        """
        plan, store, progress = self.plan, self.store, self.progress
        records_dir = str(self.out / "records") if plan.records else None
        have = {o.key: o for o in store.load("set_aside") if scenario_of or o.variant in plan.variants}
        scenario_of = scenario_of or plan.variants.__getitem__
        first = True
        while True:
            try:
                wanted = schedule([have[k] for k in sorted(have)], self.slots)
            except CampaignStopped as e:
                raise CampaignStopped(f"{e}. Finished runs are saved in {self.out}", self.out) from None
            if not wanted:
                return [have[k] for k in sorted(have)]
            tasks = [RunTask(v, r, plan.seed, scenario_of(v), records_dir, plan.series)
                     for v, reps in wanted.items() for r in sorted(reps)]
            todo = self.todo(tasks)
            if not todo:  # asked for runs the folder holds: the schedule must move on or stop
                raise CampaignStopped(f"the campaign asked again for finished runs ({tasks[0].key}, ...); "
                                      "this is a bug in its schedule", self.out)
            progress.start(len(tasks), len(tasks) - len(todo), announce=first)
            first = False
            failed: list[RunOutcome] = []

            def finished(o: RunOutcome) -> None:
                store.write(o)
                have[o.key] = o
                progress.advance(o)
                if not o.ok:
                    failed.append(o)

            try:
                execute_runs(todo, self.executor, finished, self.slots)
            finally:
                progress.close()
            if failed:
                failed.sort(key=lambda o: (o.variant, o.replication))
                atomic_write(self.out / "failures.csv", failures_csv(list(have.values()), label))
                raise CampaignStopped(
                    f"run {failed[0].key} failed: {(failed[0].error or '').strip().splitlines()[0]}"
                    + (f" (and {len(failed) - 1} more, see {self.out / 'failures.csv'})" if len(failed) > 1 else "")
                    + "; the procedure needs every run it asked for (runs are paired across policies), so it "
                    "stopped. Finished runs are saved; fix the cause and run the same command with "
                    f"--resume {self.out} to run it again and go on", self.out)


@contextmanager
def open_campaign(plan: Plan, out: Path, *, workers: int | None = None, scheduler: str | None = None,
                  resume: bool = False, quiet: bool = False) -> Iterator[Campaign]:
    """The executor, then the folder: checked, created, locked (for the whole block) and given the inputs.

    Bad input (the folder, the scheduler) is refused before anything is written; a folder this call
    created is removed again if it is refused and still empty."""
    check_out(out, resume)
    progress = Progress(quiet)
    with open_executor(workers, scheduler) as (executor, slots):
        made = [p for p in [out, *out.parents] if not p.exists()]
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise CampaignError(f"{'--resume' if resume else '--out'} {out}: cannot make the folder "
                                f"({e.strerror or e})") from None
        try:
            with folder_lock(out, f"gridsim {plan.command} {plan.scenario_file}", progress.warn):
                store = prepare_folder(out, plan, resume, progress.warn)
                yield Campaign(plan, out, store, executor, slots, progress)
        except (CampaignError, LockError, RunFileError) as e:
            for p in made:  # deepest first: only what this call made, and only if empty
                try:
                    p.rmdir()
                except OSError:
                    break
            raise e if isinstance(e, CampaignError) else CampaignError(str(e)) from None


def warmup_check(outcomes: list[RunOutcome], plan: Plan) -> dict[str, Any]:
    """MSER-5 on each run's daily backlog: is the scenario's warm-up long enough?"""
    out: dict[str, Any] = {}
    for v, sc in plan.variants.items():
        needed = [o.warmup_needed_days for o in outcomes
                  if o.variant == v and o.ok and math.isfinite(o.warmup_needed_days)]
        if not needed:
            continue
        med = statistics.median(needed)
        out[v] = {"warmup_days": sc.calendar.warmup_days, "mser5_median_days": med,
                  "long_enough": med <= sc.calendar.warmup_days}
    return out


def summaries(outcomes: list[RunOutcome], plan: Plan) -> dict[str, dict[str, MetricSummary]]:
    return {v: summarize_metrics(variant_outcomes(outcomes, v)) for v in plan.variants}
