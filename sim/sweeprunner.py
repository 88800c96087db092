"""Running a sweep: every point of its design, on local processes or a Dask cluster.

Core objects: :func:`sweep` (the Python API; ``escsim sweep`` calls it) and
:func:`run_point`. A point is one :func:`~sim.runner.run` of the base scenario with the
point's values set; its seed is fixed by the sweep, not by where or when it runs, so any
executor, any number of workers and any interruption give the same table.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import os
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import InputError, format_path
from sim.runner import run, tune_malloc
from sim.scenario import Scenario
from sim.streams import SeedLike
from sim.sweepfile import Sweep, load_sweep
from sim.sweepstore import ESTIMATE_COLUMNS, Outcome, SweepStore

SCHEDULER_TIMEOUT = "10s"  # how long to try to reach a Dask scheduler


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


def run_point(
    scenario: Scenario,
    changes: dict[str, Any],
    trials: int,
    days: int,
    seed: SeedLike,
    metrics: list[str],
) -> Outcome:
    """Run one point; an error becomes a ``failed`` outcome instead of an exception."""
    tune_malloc()
    t0 = time.perf_counter()
    try:
        results = run(scenario.patched(changes), trials=trials, days=days, seed=seed)
        summary = results.summary().loc[metrics, ESTIMATE_COLUMNS]
        rows = [
            {"metric": name, **{k: _number(v) for k, v in row.items()}}
            for name, row in summary.iterrows()
        ]
    except Exception as exc:  # a point that raises is recorded, and the sweep goes on
        if isinstance(exc, InputError):  # the values make an invalid scenario: say which
            path = f"{format_path(exc.path)}: " if exc.path else ""
            error = f"invalid scenario: {path}{exc.reason}"
        else:  # a bug: say where
            last = traceback.extract_tb(exc.__traceback__)[-1:]
            where = f" ({Path(last[0].filename).name}:{last[0].lineno})" if last else ""
            error = f"{type(exc).__name__}: {exc}{where}"
        return {"status": "failed", "error": error, "seconds": time.perf_counter() - t0}
    return {"status": "done", "rows": rows, "seconds": time.perf_counter() - t0}


def _number(value: Any) -> float | int | None:
    if value is None or value != value:
        return None
    return int(value) if isinstance(value, int) else float(value)


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


@contextlib.contextmanager
def executor(
    workers: int | None = None, scheduler: str | None = None, dask_local: int | None = None
) -> Iterator[tuple[cf.Executor, int]]:
    """A ``concurrent.futures`` executor and how many tasks it runs at once.

    Args:
        workers: Local processes (``None``: every core; 1 runs in this process).
        scheduler: Address of a Dask scheduler (``tcp://host:port``); its workers must have
            this package installed.
        dask_local: Start a local Dask cluster of this many single-threaded processes.
    """
    if scheduler is not None or dask_local is not None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise InputError("Dask is not installed: pip install 'escalation-sim[dask]'") from None
        with contextlib.ExitStack() as stack:
            if scheduler is not None:
                try:
                    client = stack.enter_context(Client(scheduler, timeout=SCHEDULER_TIMEOUT))
                except (OSError, TimeoutError) as exc:
                    raise InputError(
                        f"cannot reach the Dask scheduler at {scheduler} ({exc})"
                    ) from None
            else:
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=dask_local,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                        silence_logs=logging.ERROR,  # no INFO chatter; errors still show
                    )
                )
                client = stack.enter_context(Client(cluster))
            slots = max(1, sum(client.nthreads().values()))
            yield client.get_executor(pure=False), slots
        return
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n == 1:
        yield _Inline(), 1
        return
    from sim.runner import _init_worker

    pool = cf.ProcessPoolExecutor(max_workers=n, initializer=_init_worker)
    try:
        yield pool, n
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def sweep(
    file: str | Path | Sweep,
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Run every point of a sweep and return the tidy table.

    Args:
        file: A sweep file (or a shipped sweep's name, or a loaded :class:`Sweep`).
        out: A folder to write results into as points finish; running again with the same
            folder resumes (finished points are kept, failed ones retried). A folder that
            holds a different sweep is refused. ``None`` keeps everything in memory.
        workers: Local processes (``None``: every core).
        scheduler: Run on the Dask cluster at this address instead.
        dask_local: Run on a local Dask cluster of this many processes instead.
        progress: Show a progress bar (points, rate, ETA) on a terminal or in Jupyter.

    Returns:
        A row per point and metric: ``point``, the parameters, ``metric``, ``mean``,
        ``ci_low``, ``ci_high``, ``p05``, ``p50``, ``p95``, ``n``. ``attrs["failed"]``
        maps each failed point to its error.
    """
    s = load_sweep(file)
    if sum(x is not None for x in (scheduler, dask_local)) > 1:
        raise InputError("give at most one of scheduler and dask_local")
    if dask_local is not None and dask_local < 1:
        raise InputError(f"dask_local must be at least 1, got {dask_local}")
    store = SweepStore(s, out)
    todo = [i for i in range(len(s.design)) if i not in store.done()]
    with _bar(len(s.design), len(s.design) - len(todo), s.name, progress) as bar:
        try:
            with executor(workers, scheduler, dask_local) as (pool, slots):
                for point, outcome in _run_points(s, todo, pool, slots):
                    store.record(point, outcome)
                    bar.update(1)
                    if failed := len(store.failures()):
                        bar.set_postfix(failed=failed)
        finally:
            store.write_tables()
    table = store.table()
    table.attrs["failed"] = store.failures()
    table.attrs["sweep"] = s.name
    table.attrs["sweep_hash"] = s.hash
    return table


def _run_points(
    s: Sweep, todo: list[int], pool: cf.Executor, slots: int
) -> Iterator[tuple[int, Outcome]]:
    """Yield ``(point, outcome)`` as points finish, with at most two per slot in flight."""
    queue = iter(todo)
    in_flight: dict[cf.Future[Outcome], int] = {}

    def submit(count: int) -> None:
        for point in [p for _, p in zip(range(count), queue, strict=False)]:
            args = (s.changes(point), s.spec.replications, s.days, s.seed(point), s.metrics)
            try:
                in_flight[pool.submit(run_point, s.scenario, *args)] = point
            except cf.BrokenExecutor as exc:
                raise WorkersDied(str(exc)) from None

    try:
        submit(2 * slots)
        while in_flight:
            finished, _ = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
            for future in sorted(finished, key=in_flight.__getitem__):
                point = in_flight.pop(future)
                try:
                    outcome = future.result()
                except cf.BrokenExecutor as exc:  # every worker is gone: no point can run
                    raise WorkersDied(str(exc)) from None
                except Exception as exc:  # this task was lost (a Dask worker died, say)
                    outcome = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
                yield point, outcome
                submit(1)
    finally:
        for future in in_flight:
            future.cancel()


class _NoBar:
    def update(self, n: int) -> None:
        """Nothing to show."""

    def set_postfix(self, **kwargs: Any) -> None:
        """Nothing to show."""


@contextlib.contextmanager
def _bar(total: int, initial: int, name: str, enabled: bool) -> Iterator[Any]:
    """A tqdm bar of points (done, rate, ETA), on a terminal or in Jupyter; else nothing."""
    interactive = sys.stderr.isatty() or "ipykernel" in sys.modules
    if not (enabled and interactive):
        yield _NoBar()
        return
    from tqdm import tqdm

    with tqdm(total=total, initial=initial, desc=name, unit=" points", mininterval=0.5) as bar:
        yield bar
