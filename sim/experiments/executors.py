"""Where runs execute: any ``concurrent.futures.Executor``.

Locally a process pool; on a cluster the executor of a Dask ``Client``
(``--scheduler tcp://HOST:PORT``).  Other engines that implement the same
interface (``mpi4py.futures.MPIPoolExecutor``, Dask on SLURM/PBS through
dask-jobqueue, whose cluster a Client connects to) plug in through
:func:`sim.experiment.execute_runs` without new code paths.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager


class ExecutorError(Exception):
    """The executor asked for cannot be had (exit code 2: it is the user's address or option)."""


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class InlineExecutor(Executor):
    """Runs each task at once, in this process: one worker without a pool's start-up cost."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as e:  # noqa: BLE001 - handed to the caller through the future
            if isinstance(e, KeyboardInterrupt):
                raise
            fut.set_exception(e)
        return fut


@contextmanager
def open_executor(workers: int | None = None, scheduler: str | None = None) -> Iterator[tuple[Executor, int]]:
    """A process pool of ``workers`` (default: all cores; 1 runs in this process), or a Dask cluster's
    executor; with the number of runs it can work on at once (a cluster's total worker threads)."""
    if scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise ExecutorError("--scheduler needs Dask: pip install 'gridsim[dask]'") from None
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as e:
            raise ExecutorError(f"--scheduler {scheduler}: cannot connect ({e}); start one with 'dask scheduler'") from None
        try:
            yield client.get_executor(), max(1, sum(client.nthreads().values()))
        finally:
            client.close()
        return
    n = workers or default_workers()
    if n == 1:
        yield InlineExecutor(), 1
        return
    # "spawn" keeps workers free of the parent's threads (progress bar, Dask) and behaves
    # the same on every platform; the start-up cost is paid once per pool.
    with ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool, n
