"""Where a sweep's points run: this process, local processes, or a Dask cluster.

Core objects: :func:`executor`, a context giving a ``concurrent.futures`` executor and a
function telling how many tasks it can run at once, and :class:`WorkersDied`. Every executor
runs the same function on the same arguments, so none changes a number; a Dask cluster whose
workers have other versions of the packages that compute them is refused.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import os
import signal
from collections.abc import Callable, Iterator
from typing import Any

from sim.errors import InputError
from sim.output import numeric_versions

SCHEDULER_TIMEOUT = "10s"  # how long to try to reach a Dask scheduler, or to wait for workers
Slots = Callable[[], int]


class WorkersDied(RuntimeError):
    """The worker processes died or never started: finished points are kept."""

    def __init__(self, detail: str) -> None:
        """Explain the likely causes."""
        super().__init__(
            f"the worker processes died or could not start ({detail}). From a script, call "
            "sim.sweep under `if __name__ == \"__main__\":` (workers start with 'spawn' and "
            "import the script); otherwise memory may have run out. Finished points are "
            "kept: run again to resume, or with one worker (workers=1, --workers 1)"
        )


class _Inline(cf.Executor):
    """Runs each task at once, in this process (one worker)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        future: cf.Future[Any] = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
        return future


def check_executor_args(workers: int | None, scheduler: str | None, dask_local: int | None) -> None:
    """Refuse executor options that cannot work, before anything is started or written."""
    if sum(x is not None for x in (workers, scheduler, dask_local)) > 1:
        raise InputError("give at most one of workers, scheduler and dask_local")
    for name, value in (("workers", workers), ("dask_local", dask_local)):
        if value is not None and not (type(value) is int and value >= 1):
            raise InputError(f"{name} must be a whole number of at least 1, got {value!r}")
    if scheduler is not None and not (isinstance(scheduler, str) and "://" in scheduler):
        raise InputError(f"a Dask scheduler address looks like tcp://HOST:PORT, got {scheduler!r}")


@contextlib.contextmanager
def executor(
    workers: int | None = None, scheduler: str | None = None, dask_local: int | None = None
) -> Iterator[tuple[cf.Executor, Slots]]:
    """A ``concurrent.futures`` executor, and how many tasks it runs at once (asked anew).

    Args:
        workers: Local processes (``None``: every core; 1 runs in this process).
        scheduler: Address of a Dask scheduler (``tcp://host:port``); its workers must have
            this package, and the same versions of it and of numpy, scipy and SALib.
        dask_local: Start a local Dask cluster of this many single-threaded processes.

    Raises:
        InputError: Bad options, Dask missing, or a scheduler that cannot be reached, has no
            workers, or has workers with other versions.
    """
    check_executor_args(workers, scheduler, dask_local)
    if scheduler is not None or dask_local is not None:
        with _dask(scheduler, dask_local) as out:
            yield out
        return
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n == 1:
        yield _Inline(), lambda: 1
        return
    from sim.runner import _init_worker

    pool = cf.ProcessPoolExecutor(max_workers=n, initializer=_init_worker)
    try:
        yield pool, lambda: n
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def _dask(scheduler: str | None, n: int | None) -> Iterator[tuple[cf.Executor, Slots]]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError("Dask is not installed: pip install -e '.[dask]' in the project") from None
    with contextlib.ExitStack() as stack:
        if scheduler is not None:
            try:
                client = stack.enter_context(Client(scheduler, timeout=SCHEDULER_TIMEOUT))
                client.wait_for_workers(1, timeout=SCHEDULER_TIMEOUT)
            except (OSError, TimeoutError, ValueError) as exc:
                raise InputError(
                    f"cannot use the Dask scheduler at {scheduler}: {exc or 'no workers'}"
                ) from None
            _check_versions(client)
        else:
            # workers started while SIGINT is ignored keep ignoring it: Ctrl-C reaches this
            # process alone, which shuts the cluster down quietly
            old = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=n,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                        # errors reach the sweep as failed points or WorkersDied; the log
                        # would only add races of shutdown (a heartbeat to a closed scheduler)
                        silence_logs=logging.CRITICAL,
                    )
                )
            finally:
                signal.signal(signal.SIGINT, old)
            client = stack.enter_context(Client(cluster))
        yield client.get_executor(pure=False), lambda: max(1, sum(client.nthreads().values()))


def _check_versions(client: Any) -> None:
    """Refuse a cluster whose workers would compute with other versions."""
    here = numeric_versions()
    for worker, theirs in client.run(numeric_versions).items():
        if theirs != here:
            diff = ", ".join(
                f"{k} {theirs.get(k)} there, {v} here"
                for k, v in here.items()
                if theirs.get(k) != v
            )
            raise InputError(f"Dask worker {worker} has other versions: {diff}")
