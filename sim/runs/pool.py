"""Where work runs, how much of it is in flight, and how its progress shows.

Core objects: :func:`executor` (this process, local processes or a Dask cluster, as a
:class:`Pool`), :meth:`Pool.ordered` and :meth:`Pool.finished` (tasks with at most two per
worker in flight), :func:`progress_bar` (one policy for every bar), :class:`WorkersDied`,
and the worker processes of :mod:`sim.runs.workers`. Runs (blocks of trials) and sweeps (points)
use the same pool: every executor runs the same function on the same arguments, so none
changes a number; a Dask cluster whose workers have other versions of the packages that
compute them is refused.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from tqdm import tqdm

from sim.core.checks import check_workers
from sim.core.errors import InputError
from sim.core.versions import numeric_versions
from sim.runs.workers import forkserver, init_worker, server_environment

SCHEDULER_TIMEOUT = "10s"  # how long to try to reach a Dask scheduler, or to wait for workers
PROGRESS_DELAY = 2.0  # seconds a job lasts before its progress bar appears
Slots = Callable[[], int]
#: a task: its key (a block's start, a sweep's point), the function and its arguments
Task = tuple[int, Callable[..., Any], tuple[Any, ...]]


class WorkersDied(RuntimeError):
    """The worker processes died or never started: finished points are kept."""

    def __init__(self, detail: str) -> None:
        """Explain the likely causes."""
        super().__init__(
            f"the worker processes died or could not start ({detail}). From a script, call "
            'sim.sweep under `if __name__ == "__main__":` (each worker imports the '
            "script); otherwise memory may have run out. Finished points are "
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


@dataclass
class Pool:
    """An executor, and how many tasks it runs at once (asked anew: a cluster may change).

    Attributes:
        executor: A ``concurrent.futures`` executor.
        slots: How many tasks it runs at once.
    """

    executor: cf.Executor
    slots: Slots

    def depth(self) -> int:
        """Tasks to keep in flight: two a worker, so none idles; one when run here."""
        return 1 if isinstance(self.executor, _Inline) else 2 * self.slots()

    def _submit(self, task: Task) -> tuple[int, cf.Future[Any]]:
        key, fn, args = task
        try:
            return key, self.executor.submit(fn, *args)
        except cf.BrokenExecutor as exc:
            raise WorkersDied(str(exc)) from None

    def ordered(self, tasks: Iterable[Task]) -> Iterator[tuple[int, Any]]:
        """Yield ``(key, result)`` in the tasks' order, holding no result once yielded.

        Raises:
            Exception: What a task raised (the rest are cancelled).
        """
        todo = iter(tasks)
        pending = collections.deque(self._submit(t) for t in _take(todo, self.depth()))
        try:
            while pending:
                key, future = pending.popleft()
                try:
                    result = future.result()
                except cf.BrokenExecutor as exc:
                    raise WorkersDied(str(exc)) from None
                pending.extend(self._submit(t) for t in _take(todo, 1))
                yield key, result
                del result
        finally:
            for _, future in pending:
                future.cancel()

    def finished(self, tasks: Iterable[Task]) -> Iterator[tuple[int, cf.Future[Any]]]:
        """Yield ``(key, future)`` as tasks finish (by key among those that finish together).

        Raises:
            WorkersDied: Every worker is gone, so no task can run.
        """
        todo = iter(tasks)
        in_flight = dict(map(_swap, map(self._submit, _take(todo, self.depth()))))
        try:
            while in_flight:
                done, _ = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
                for future in sorted(done, key=in_flight.__getitem__):
                    key = in_flight.pop(future)
                    if isinstance(future.exception(), cf.BrokenExecutor):
                        raise WorkersDied(str(future.exception())) from None
                    yield key, future
                    more = _take(todo, max(1, self.depth() - len(in_flight)))
                    in_flight.update(map(_swap, map(self._submit, more)))
        finally:
            for future in in_flight:
                future.cancel()


def _take(it: Iterator[Task], n: int) -> list[Task]:
    return [t for _, t in zip(range(n), it, strict=False)]


def _swap(pair: tuple[int, cf.Future[Any]]) -> tuple[cf.Future[Any], int]:
    return pair[1], pair[0]


def check_executor_args(workers: int | None, scheduler: str | None, dask_local: int | None) -> None:
    """Refuse executor options that cannot work, before anything is started or written."""
    if sum(x is not None for x in (workers, scheduler, dask_local)) > 1:
        raise InputError("give at most one of workers, scheduler and dask_local")
    for name, value in (("workers", workers), ("dask_local", dask_local)):
        check_workers(name, value)
    if scheduler is not None and not (isinstance(scheduler, str) and "://" in scheduler):
        raise InputError(f"a Dask scheduler address looks like tcp://HOST:PORT, got {scheduler!r}")


@contextlib.contextmanager
def executor(
    workers: int | None = None, scheduler: str | None = None, dask_local: int | None = None
) -> Iterator[Pool]:
    """A pool of workers: this process, local processes, or a Dask cluster.

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
        with _dask(scheduler, dask_local) as pool:
            yield pool
        return
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n == 1:
        yield Pool(_Inline(), lambda: 1)
        return
    processes = cf.ProcessPoolExecutor(
        max_workers=n, mp_context=forkserver(), initializer=init_worker
    )
    try:
        # workers are born deaf to Ctrl-C (it is the parent's to answer), from our sim
        with _sigint_blocked(), server_environment():
            try:  # start every worker now (they start on demand), one task each
                loaded = {f.result() for f in [processes.submit(_started) for _ in range(n)]}
            except cf.BrokenExecutor as exc:
                raise WorkersDied(str(exc)) from None
        if loaded != {__file__}:
            raise WorkersDied(f"they loaded {sorted(loaded - {__file__})}, not {__file__}")
        yield Pool(processes, lambda: n)
    except BaseException:  # Ctrl-C or an error: in-flight tasks are not waited for
        with _sigint_ignored():  # a second Ctrl-C cannot interrupt the clean-up
            for process in list(getattr(processes, "_processes", {}).values()):
                process.kill()
            processes.shutdown(wait=True, cancel_futures=True)
        raise
    processes.shutdown(wait=True, cancel_futures=True)


def _started() -> str:
    """A worker's first task: it has started and runs this module (its file, to compare)."""
    time.sleep(0.01)  # long enough that the next task finds no idle worker, and starts one
    return __file__


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Block Ctrl-C while worker processes start, so that none is lost and none hurts.

    Workers are forked from a fork server (:func:`~sim.runs.workers.forkserver`), a new
    interpreter started with the first pool, and a Ctrl-C meanwhile would print a
    traceback. A blocked signal stays blocked across ``exec`` and ``fork`` and stays
    pending: the server and each worker inherit the block until
    :func:`~sim.runs.workers.init_worker` ignores SIGINT; the parent receives a Ctrl-C that came
    meanwhile as soon as the block ends. Only this thread is blocked: a Ctrl-C that the
    system gives another thread (pyarrow's, say) is noted by a handler instead, and raised
    when the workers are up, never in the middle of starting one.
    """
    caught: list[int] = []
    handler = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a pending Ctrl-C arrives now
    if caught:
        raise KeyboardInterrupt


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while processes start, so they inherit that from their first instruction."""
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


@contextlib.contextmanager
def _dask(scheduler: str | None, n: int | None) -> Iterator[Pool]:
    try:
        from distributed import Client, LocalCluster  # noqa: PLC0415 - optional: dask extra
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
            with _sigint_ignored():
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
            client = stack.enter_context(Client(cluster))
        yield Pool(client.get_executor(pure=False), lambda: max(1, sum(client.nthreads().values())))


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


class Progress(Protocol):
    """What a job needs of a progress bar (tqdm has it)."""

    def update(self, n: int) -> object:
        """Count ``n`` more units done."""
        ...

    def set_postfix(self, **kwargs: Any) -> object:
        """Show ``key=value`` after the bar."""
        ...


class _Silent:
    def update(self, n: int) -> object:
        return None

    def set_postfix(self, **kwargs: Any) -> object:
        return None


def interactive() -> bool:
    """Whether someone watches: stderr is a terminal, or this runs in a Jupyter kernel."""
    return sys.stderr.isatty() or "ipykernel" in sys.modules


@contextlib.contextmanager
def progress_bar(
    total: int, name: str, unit: str, enabled: bool, done: int = 0
) -> Iterator[Progress]:
    """A tqdm bar (done, rate, time left) when enabled and :func:`interactive`, else silence.

    The bar appears once the job has lasted ``PROGRESS_DELAY`` seconds, so short jobs print
    nothing. ``done`` counts units already finished (a resumed sweep's points).
    """
    if not (enabled and interactive()):
        yield _Silent()
        return
    options = {"desc": name, "unit": f" {unit}", "delay": PROGRESS_DELAY, "mininterval": 0.5}
    with tqdm(total=total, initial=done, **options) as bar:  # type: ignore[call-overload]
        yield bar
