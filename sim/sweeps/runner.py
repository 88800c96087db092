"""Running a sweep: every point of its design, on local processes or a Dask cluster.

Core objects: :func:`sweep` (the Python API; ``escsim sweep`` calls it). Points run in packs
(:mod:`~sim.sweeps.packing`): the replications of many points are the lanes of one model.
A point's numbers are fixed by the sweep, not by its pack, where or when it runs, so any
executor, any number of workers and any interruption give the same table.
"""

from __future__ import annotations

import concurrent.futures as cf
from pathlib import Path

import pandas as pd

from sim.core.errors import InputError
from sim.runs.limits import check_fits, lanes_that_fit
from sim.runs.pool import Pool, check_executor_args, executor, progress_bar
from sim.runs.runner import DEFAULT_BLOCK
from sim.sweeps.loader import Sweep, load_sweep
from sim.sweeps.packing import Pack, pack_lanes, plan_packs, run_pack
from sim.sweeps.store import Outcome, SweepStore, check_folder


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
    with executor(workers, scheduler, dask_local) as pool:
        parallel = pool.slots() if pool.depth() > 1 else 1  # one: everything here
        block = _block(s, parallel)  # refused here, before the folder is written to
        with SweepStore(s, out) as store:
            table = _run(s, pool, store, _todo(s, store, parallel, block), progress)
    table.attrs["sweep"] = s.name
    table.attrs["sweep_hash"] = s.hash
    return table


def _block(s: Sweep, workers: int) -> int:
    """Lanes a model may hold: a block, fewer if the groups are many (memory).

    Raises:
        InputError: Even so, a point's outcomes do not fit.
    """
    groups = len(s.scenario.spec.militias)
    block = min(DEFAULT_BLOCK, lanes_that_fit(s.days, workers, groups))
    try:
        check_fits(s.spec.replications, s.days, block, workers, groups)
    except InputError as exc:  # a run's advice (a block size) is no sweep's
        need = exc.reason.split(": use ")[0].split(": run at most")[0]
        raise InputError(
            f"this sweep does not fit in memory ({need}): use fewer replications, groups or "
            "workers",
            file=s.file,
        ) from None
    return block


def _todo(s: Sweep, store: SweepStore, workers: int, block: int) -> list[Pack]:
    """The packs of the points not done yet."""
    todo = [i for i in range(len(s.design)) if i not in store.done()]
    lanes = pack_lanes(len(todo) * s.spec.replications, workers, block)
    return [_pack(s, points, block) for points in plan_packs(todo, s.spec.replications, lanes)]


def _run(
    s: Sweep, pool: Pool, store: SweepStore, packs: list[Pack], progress: bool
) -> pd.DataFrame:
    """Run the packs, recording each point as its pack finishes; the tidy table."""
    tasks = ((i, run_pack, (pack,)) for i, pack in enumerate(packs))
    with progress_bar(len(s.design), s.name, "points", progress, len(store.done())) as bar:
        try:
            for i, future in pool.finished(tasks):
                outcomes = _outcomes(future, packs[i])
                for (point, _), outcome in zip(packs[i].points, outcomes, strict=True):
                    store.record(point, outcome)
                bar.update(len(packs[i].points))
                if store.n_failed:
                    bar.set_postfix(failed=store.n_failed)
        finally:
            store.write_tables()
    table = store.table()
    table.attrs["failed"] = store.failures()
    return table


def _pack(s: Sweep, points: list[int], block: int) -> Pack:
    """The pack that runs ``points`` (it is the same wherever it runs)."""
    return Pack(
        scenario=s.scenario,
        points=tuple((i, s.changes(i)) for i in points),
        replications=s.spec.replications,
        days=s.days,
        seed=s.spec.seed,
        common=s.spec.common_random_numbers,
        metrics=tuple(s.metrics),
        point=s.spec.point,
        block=block,
        posterior=s.posterior,
    )


def _outcomes(future: cf.Future[list[Outcome]], pack: Pack) -> list[Outcome]:
    """A finished pack's outcomes; a task lost on the way (a Dask worker died) failed."""
    try:
        return future.result()
    except Exception as exc:
        return [{"status": "failed", "error": f"{type(exc).__name__}: {exc}"}] * len(pack.points)
