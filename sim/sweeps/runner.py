"""Running a sweep: every point of its design, on local processes or a Dask cluster.

Core objects: :func:`sweep` (the Python API; ``escsim sweep`` calls it) and
:func:`run_point`. A point is one :func:`~sim.runs.runner.run` of the base scenario with the
point's values set; its seed is fixed by the sweep, not by where or when it runs, so any
executor, any number of workers and any interruption give the same table.
"""

from __future__ import annotations

import concurrent.futures as cf
import time
import traceback
from pathlib import Path
from typing import Any

import pandas as pd

from sim.core.errors import InputError, format_path
from sim.core.types import SeedLike
from sim.runs.pool import check_executor_args, executor, progress_bar, tune_malloc
from sim.runs.runner import run
from sim.scenario.loader import Scenario
from sim.sweeps.loader import Sweep, load_sweep
from sim.sweeps.store import ESTIMATE_COLUMNS, Outcome, SweepStore, check_folder


def run_point(
    scenario: Scenario,
    changes: dict[str, Any],
    trials: int,
    days: int,
    seed: SeedLike,
    metrics: list[str],
    point: bool = False,
) -> Outcome:
    """Run one point; an error becomes a ``failed`` outcome instead of an exception."""
    tune_malloc()
    t0 = time.perf_counter()
    try:
        patched = scenario.patched(changes)
        results = run(patched, trials=trials, days=days, seed=seed, point=point)
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
    check_executor_args(workers, scheduler, dask_local)
    if out is not None:
        check_folder(s, out)  # before starting an executor: bad input writes nothing
    with executor(workers, scheduler, dask_local) as pool, SweepStore(s, out) as store:
        done = store.done()
        todo = ((i, run_point, _point_args(s, i)) for i in range(len(s.design)) if i not in done)
        with progress_bar(len(s.design), s.name, "points", progress, len(done)) as bar:
            try:
                for point, future in pool.finished(todo):
                    store.record(point, _outcome(future))
                    bar.update(1)
                    if store.n_failed:
                        bar.set_postfix(failed=store.n_failed)
            finally:
                store.write_tables()
        table = store.table()
        table.attrs["failed"] = store.failures()
    table.attrs["sweep"] = s.name
    table.attrs["sweep_hash"] = s.hash
    return table


def _point_args(s: Sweep, point: int) -> tuple[Any, ...]:
    """What :func:`run_point` needs to run ``point`` (it is the same wherever it runs)."""
    args = (s.scenario, s.changes(point), s.spec.replications, s.days, s.seed(point), s.metrics)
    return (*args, s.spec.point)


def _outcome(future: cf.Future[Outcome]) -> Outcome:
    """A finished point's outcome; a task lost on the way (a Dask worker died) failed."""
    try:
        return future.result()
    except Exception as exc:
        return {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
