"""Runs: one replication of one scenario variant, its seed, and executing many of them.

Seeding: one root ``SeedSequence(seed)`` per command.  Replication k of every
variant (policy or sweep point) uses ``SeedSequence(seed, spawn_key=(k,))``,
the k-th child of the root, whatever the number of replications; inside it
every random stream is derived by name (``sim.model.streams``).  So
replication k of every variant sees the same issues: common random numbers,
and policy differences are paired.  Numbers do not depend on the executor,
the number of workers or the order in which runs finish.
"""

from __future__ import annotations

import ctypes
import math
import multiprocessing
import os
import signal
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.experiments.records_file import write_records
from sim.experiments.work_orders import write_work_orders
from sim.metrics import compute_metrics, coverage, daily_backlog, mser5_truncation_days, run_series, wartime_periods
from sim.model import simulate
from sim.model.streams import replication_root
from sim.scenario import Scenario

# A supported debugging aid (README, "Commands"): GRIDSIM_FAIL_RUN=<variant>/r<NNNN> makes that run
# raise, to try failure handling and --resume on a real campaign; kill:<variant>/r<NNNN> makes it kill
# its worker process instead (SIGKILL, as the OOM killer would); several, comma-separated.  The tests
# use it the same way.
FAIL_ENV = "GRIDSIM_FAIL_RUN"
WORKER_DIED = "worker process died twice running this run (killed by a signal, or out of memory?)"


def replication_seed(seed: int, k: int) -> np.random.SeedSequence:
    """Replication k's SeedSequence: the k-th child of SeedSequence(seed)."""
    return replication_root(seed, k)


def seed_sequence_text(seed: int, k: int) -> str:
    """Replication k's seed as Python: ``simulate(scenario, <this>)`` reproduces that one run alone."""
    return f"SeedSequence({seed}, spawn_key=({k},))"


@dataclass(frozen=True)
class RunTask:
    """One replication of one variant: everything a worker needs, and picklable."""

    variant: str  # policy name or sweep point id
    replication: int
    seed: int
    scenario: Scenario
    records_dir: str | None = None  # where to write this run's per-issue Parquet and work orders, if asked
    series: bool = False  # keep the run's series for figures (run and compare, not big sweeps)

    @property
    def key(self) -> str:
        return f"{self.variant}/r{self.replication:04d}"


@dataclass
class RunOutcome:
    variant: str
    replication: int
    seed: int
    metrics: dict[str, float] | None  # None when the run failed
    wartime: list[tuple[float, float]] = field(default_factory=list)
    warmup_needed_days: float = math.nan  # MSER-5 truncation point of the daily backlog
    error: str | None = None
    wall_seconds: float = 0.0
    series: dict[str, list[float]] | None = field(default=None, repr=False)

    @property
    def key(self) -> str:
        return f"{self.variant}/r{self.replication:04d}"

    @property
    def ok(self) -> bool:
        return self.error is None


def release_free_memory() -> None:
    """Return freed heap pages to the system (glibc's malloc_trim; elsewhere a no-op), so that the
    peak of a long run is its live data, not the pages its freed objects left behind (as Dask's
    workers do)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def injected_fault(key: str) -> str | None:
    """The fault GRIDSIM_FAIL_RUN asks for this run: "raise", "kill", or None."""
    for item in os.environ.get(FAIL_ENV, "").split(","):
        mode, _, k = item.strip().rpartition(":")
        if k == key:
            return mode or "raise"
    return None


def execute(task: RunTask) -> RunOutcome:
    """Run one task in whatever process the executor chose; never raises for a model error."""
    t0 = time.perf_counter()
    try:
        fault = injected_fault(task.key)
        if fault == "kill" and multiprocessing.parent_process() is not None:  # never the command itself
            os.kill(os.getpid(), signal.SIGKILL)
        if fault:
            raise RuntimeError(f"injected failure ({FAIL_ENV}={os.environ[FAIL_ENV]})")
        rec = simulate(task.scenario, replication_seed(task.seed, task.replication))
        release_free_memory()  # the run's many small objects are gone; give their pages back
        if task.records_dir:  # the work orders first: a run whose Parquet exists has both (--resume looks)
            stem = Path(task.records_dir) / f"{task.variant}-r{task.replication:04d}"
            write_work_orders(rec, task.scenario, stem.with_name(stem.name + "-orders.csv"))
            write_records(rec, stem.with_name(stem.name + ".parquet"))
        # what needs the visit breakpoints first, then they go: the largest records of a run
        cov = coverage(rec) if rec.visits_enabled else None
        rec.visit_times = rec.visit_values = []
        release_free_memory()
        backlog = daily_backlog(rec)  # once: the MSER-5 check and the figures both use it
        series = run_series(rec, backlog, cov) if task.series else None
        release_free_memory()
        return RunOutcome(
            task.variant, task.replication, task.seed, compute_metrics(rec, cov),
            wartime_periods(rec), mser5_truncation_days(backlog),
            wall_seconds=time.perf_counter() - t0, series=series,
        )
    except Exception as e:  # recorded with the run's parameters; the others go on
        return RunOutcome(task.variant, task.replication, task.seed, None,
                          error=f"{type(e).__name__}: {e}\n{traceback.format_exc()}",
                          wall_seconds=time.perf_counter() - t0)


def execute_runs(tasks: list[RunTask], executor: Executor, on_done: Callable[[RunOutcome], None],
                 slots: int = 1) -> None:
    """Submit ``tasks`` to ``executor`` and hand each outcome to ``on_done`` as it finishes.

    At most two runs per slot (worker) are in flight, so memory stays flat however
    long the list, every worker always has its next run queued, and a Ctrl-C
    loses only the runs in flight.  When a pool worker dies (SIGKILL, out of memory)
    the pool breaks: it is renewed, and the runs that were in flight are run again one
    at a time, so the one that kills its worker is found; killing it a second time
    (alone) records it as failed, and the rest go on.
    """
    todo = deque(tasks)
    suspects: deque[RunTask] = deque()  # in flight when a worker died: run again, alone
    deaths: dict[str, int] = {}
    window = 2 * max(1, slots)
    running: dict[Future, RunTask] = {}
    try:
        while todo or suspects or running:
            try:
                if suspects:
                    if not running:
                        fut = executor.submit(execute, suspects[0])  # taken off the queue once submitted
                        running[fut] = suspects.popleft()
                else:
                    while todo and len(running) < window:
                        fut = executor.submit(execute, todo[0])
                        running[fut] = todo.popleft()
            except BrokenProcessPool:  # a worker died between two waits: the pool refuses new runs
                if not hasattr(executor, "renew"):
                    raise
                _pool_broke(running, False, deaths, suspects, on_done)
                executor.renew()
                continue
            alone = len(running) == 1
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            if any(isinstance(f.exception(), BrokenProcessPool) for f in finished) and hasattr(executor, "renew"):
                _pool_broke(running, alone, deaths, suspects, on_done)
                executor.renew()
                continue
            for fut in finished:
                task = running.pop(fut)
                try:
                    outcome = fut.result()
                except Exception as e:  # the worker itself died (killed, out of memory, lost node)
                    outcome = RunOutcome(task.variant, task.replication, task.seed, None,
                                         error=f"worker failed: {type(e).__name__}: {e}")
                on_done(outcome)
    finally:
        for fut in running:
            fut.cancel()


def _pool_broke(running: dict[Future, RunTask], alone: bool, deaths: dict[str, int],
                suspects: deque[RunTask], on_done: Callable[[RunOutcome], None]) -> None:
    """A worker died: keep what finished, and queue the runs in flight to run again, alone."""
    lost = []
    for fut, task in list(running.items()):
        if fut.done() and not fut.cancelled() and fut.exception() is None:
            on_done(fut.result())
        else:
            fut.cancel()
            deaths[task.key] = deaths.get(task.key, 0) + 1
            lost.append(task)
    running.clear()
    for task in reversed(lost):
        if alone and deaths[task.key] >= 2:  # it was alone in the pool: it killed its worker itself
            on_done(RunOutcome(task.variant, task.replication, task.seed, None, error=WORKER_DIED))
        else:
            suspects.appendleft(task)


def variant_outcomes(outcomes: Iterable[RunOutcome], variant: str) -> list[RunOutcome]:
    return sorted((o for o in outcomes if o.variant == variant), key=lambda o: o.replication)


def metric_names(outcomes: Iterable[RunOutcome]) -> list[str]:
    names: list[str] = []
    for o in outcomes:
        if o.metrics:
            names += [n for n in o.metrics if n not in names]
    return names
