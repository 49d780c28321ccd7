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
import threading
import time
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


def _watch_parent(parent: int) -> None:
    """In a pool worker: exit as soon as the parent process is gone (killed, crashed), never orphaned."""
    try:  # Linux: the kernel sends SIGKILL when the parent dies
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def watch() -> None:  # everywhere: the parent's pid changes when it is gone
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=watch, name="gridsim-parent-watch", daemon=True).start()


class WorkerPool(ProcessPoolExecutor):
    """A process pool ("spawn") whose workers exit with their parent, and that can be renewed
    after a worker died (the pool is then broken: ``concurrent.futures.process.BrokenProcessPool``)."""

    def __init__(self, workers: int):
        self._args = {"max_workers": workers, "mp_context": multiprocessing.get_context("spawn"),
                      "initializer": _watch_parent, "initargs": (os.getpid(),)}
        super().__init__(**self._args)

    def terminate(self) -> None:
        """Stop at once: cancel what waits, kill the workers (their runs in flight are lost)."""
        procs = list((self._processes or {}).values())
        self.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive():
                p.kill()
        for p in procs:
            p.join(timeout=5)

    def renew(self) -> None:
        """Replace a broken pool by a fresh one (same size, same settings)."""
        self.terminate()
        ProcessPoolExecutor.__init__(self, **self._args)


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
        except (OSError, TimeoutError, ValueError, TypeError) as e:
            raise ExecutorError(f"--scheduler {scheduler}: cannot connect ({e}); give the address of a running "
                                f"Dask scheduler, e.g. tcp://10.0.0.5:8786 (start one with 'dask scheduler')") from None
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
    pool = WorkerPool(n)
    try:
        yield pool, n
    except BaseException:  # Ctrl-C, SIGTERM, an error: do not wait for the runs in flight
        pool.terminate()
        raise
    pool.shutdown(wait=True)
