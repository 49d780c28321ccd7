"""A campaign: replications of one or more scenario variants, run into a results folder.

``run`` is one variant, ``compare`` one variant per policy, ``sweep`` one per
design point.  Each finished run is written to ``runs/`` at once (see
``sim.results``), so an interrupted campaign loses nothing finished, and
``resume`` runs only what is missing.  The parent process keeps only each
run's metrics, never its per-issue records.
"""

from __future__ import annotations

import hashlib
import json
import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.experiments.executors import open_executor
from sim.experiments.statistics import MetricSummary, next_replications, precision_reached, summarize_metrics
from sim.experiments.runs import RunOutcome, RunTask, execute_runs, variant_outcomes
from sim.experiments.results import RunStore, write_json
from sim.scenario import Scenario, dump_toml

AUTO_START = 10  # replications before the first precision check with --replications auto


class CampaignError(Exception):
    """The results folder does not fit the command (exit code 2)."""


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

    def start(self, total: int, already: int) -> None:
        self.total, self.done = total, already
        self.t0 = time.perf_counter()
        self.started_at = already
        if self.quiet:
            return
        if self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=already, unit="run", file=self.stream, dynamic_ncols=True)
        else:
            self.line(f"{total - already} run(s) to do, {already} already done")

    def line(self, msg: str) -> None:
        if not self.quiet:
            print(f"gridsim: {msg}", file=self.stream, flush=True)

    def advance(self, outcome: RunOutcome) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
            if not outcome.ok:
                self.bar.write(f"gridsim: run {outcome.key} failed: {outcome.error.splitlines()[0]}")
            return
        if not outcome.ok:
            self.line(f"run {outcome.key} failed: {outcome.error.splitlines()[0]}")
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


def prepare_folder(out: Path, plan: Plan, resume: bool) -> RunStore:
    """Create the folder (or check it belongs to this very command, on resume) and write the inputs."""
    doc_path = out / "command.json"
    if resume:
        if not doc_path.is_file():
            raise CampaignError(f"--resume {out}: not a gridsim results folder (no command.json)")
        old = json.loads(doc_path.read_text())
        if old.get("fingerprint") != plan.fingerprint():
            raise CampaignError(
                f"--resume {out}: that folder was made by a different command or scenario "
                f"({old.get('command')} {old.get('scenario_file')}); run the same command as before"
            )
    elif (out / "runs").exists():
        raise CampaignError(f"--out {out}: already holds runs; use --resume {out} to finish them, or another folder")
    out.mkdir(parents=True, exist_ok=True)
    write_json(doc_path, plan.command_doc())
    from sim.experiments.atomic import atomic_write

    if len(plan.resolved) == 1:
        atomic_write(out / "scenario.resolved.toml", dump_toml(next(iter(plan.resolved.values()))))
    else:
        for name, table in plan.resolved.items():
            atomic_write(out / "scenarios" / f"{name}.resolved.toml", dump_toml(table))
        atomic_write(out / "scenario.resolved.toml", dump_toml(next(iter(plan.resolved.values()))))
    return RunStore(out)


def execute_plan(plan: Plan, out: Path, *, workers: int | None = None, scheduler: str | None = None,
                 resume: bool = False, quiet: bool = False,
                 on_outcome: Callable[[RunOutcome], None] | None = None) -> tuple[list[RunOutcome], int]:
    """Run the plan into ``out``; return every outcome in the folder and the replications used."""
    store = prepare_folder(out, plan, resume)
    progress = Progress(quiet)
    records_dir = str(out / "records") if plan.records else None
    n = plan.replications or AUTO_START
    with open_executor(workers, scheduler) as (executor, slots):
        while True:
            done = store.finished()
            tasks = [RunTask(v, k, plan.seed, sc, records_dir, plan.series)
                     for k in range(n) for v, sc in plan.variants.items()]
            todo = [t for t in tasks if t.key not in done]
            progress.start(len(tasks), len(tasks) - len(todo))

            def finished(o: RunOutcome) -> None:
                store.write(o)
                progress.advance(o)
                if on_outcome:
                    on_outcome(o)

            try:
                execute_runs(todo, executor, finished, slots)
            finally:
                progress.close()
            if plan.replications is not None:
                break
            outcomes = [o for o in store.load() if o.replication < n]
            sums = [summarize_metrics(variant_outcomes(outcomes, v)) for v in plan.variants]
            if precision_reached(sums, plan.precision_metric, plan.precision) or n >= plan.max_replications:
                if n >= plan.max_replications and not precision_reached(sums, plan.precision_metric, plan.precision):
                    progress.line(f"precision {plan.precision:g} on {plan.precision_metric} not reached "
                                  f"with the cap of {plan.max_replications} replications")
                break
            n = next_replications(n, sums, plan.precision_metric, plan.precision, plan.max_replications)
            progress.line(f"{plan.precision_metric}: 95% CI not yet within {100 * plan.precision:g}% "
                          f"of the mean; going to {n} replications")
    outcomes = [o for o in store.load() if o.replication < n and o.variant in plan.variants]
    return outcomes, n


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
