"""Running a scenario: many trials, in blocks, vectorized within each block.

Core objects: :func:`run`, :func:`simulate_block` and :func:`advance`. A block is one
:class:`~sim.model.escalation.EscalationModel` whose arrays hold ``n`` trials; its random
streams are positioned by trial index, so the results do not depend on the block size, on
how many worker processes run the blocks, or on the order in which they finish.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Iterator
from pathlib import Path

from sim.core.checks import check_run_args, plain_seed
from sim.core.types import SeedLike
from sim.model.block import Block
from sim.model.escalation import EscalationModel
from sim.runs.limits import check_fits
from sim.runs.pool import Progress, Task, executor, progress_bar
from sim.runs.posterior import PosteriorDraws, load_posterior
from sim.runs.results import Results
from sim.runs.workers import tune_malloc
from sim.scenario.loader import Scenario, load_scenario

DEFAULT_BLOCK = 20_000
#: blocks at least this large free their arrays at once (a full collection costs ~50 ms in a
#: process with pandas loaded: worth it for megabytes, not for a sweep point's few trials)
GC_TRIALS = 2000


def simulate_block(
    scenario: Scenario,
    seed: SeedLike,
    start: int,
    n: int,
    days: int,
    point: bool = False,
    posterior: PosteriorDraws | None = None,
) -> Block:
    """Run trials ``start`` to ``start + n - 1`` for ``days`` days.

    ``point``: no draws; ``posterior``: the fitted quantities' values drawn from it.
    """
    lanes = posterior.lanes(seed, start, n) if posterior is not None else None
    model = EscalationModel(scenario, n, seed, start=start, days=days, lanes=lanes, point=point)
    return advance(model, days)


def advance(model: EscalationModel, days: int) -> Block:
    """Step ``model`` through ``days`` days and return what it recorded; free it."""
    n = model.n
    try:
        for _ in range(days):
            model.step()
        return model.recorder.finish()
    finally:
        model.close()
        del model
        if n >= GC_TRIALS:  # model, agents and rule closures form cycles that hold the arrays
            gc.collect()


def _blocks(
    sc: Scenario,
    seed: SeedLike,
    trials: int,
    days: int,
    block_size: int,
    workers: int,
    point: bool,
    posterior: PosteriorDraws | None,
) -> Iterator[tuple[int, Block]]:
    """Yield ``(trials in block, block)`` in trial order, simulated here or in processes.

    At most two blocks per worker are in flight, and none is held once yielded, so memory
    does not grow with the number of blocks.
    """
    n_blocks = block_count(trials, block_size, workers)
    tasks: Iterator[Task] = (
        (a, simulate_block, (sc, seed, a, b - a, days, point, posterior))
        for a, b in block_bounds(trials, n_blocks)
    )
    with executor(workers=min(workers, n_blocks)) as pool:
        for _, block in pool.ordered(tasks):
            yield block.trials, block


def block_count(trials: int, block_size: int, workers: int) -> int:
    """How many blocks a run's trials are split into.

    Blocks hold at most ``block_size`` trials, and on several workers their number is a
    multiple of the workers', so none idles at the end: 10^5 trials in blocks of 20,000 on
    2 workers are 6 blocks of 16,666 or 16,667 (5 blocks left one worker a block to run
    alone). Never more blocks than trials.
    """
    n_blocks = -(-trials // block_size)
    if n_blocks > 1 and workers > 1:  # (never a block of no trials)
        n_blocks = min(-(-n_blocks // workers) * workers, trials)
    return n_blocks


def block_bounds(trials: int, n_blocks: int) -> Iterator[tuple[int, int]]:
    """Each block's first trial and the next block's, as equal as whole trials allow.

    Made one at a time, so a run's memory does not grow with the number of blocks. Any
    split gives the same results.
    """
    return ((trials * k // n_blocks, trials * (k + 1) // n_blocks) for k in range(n_blocks))


def _counted(blocks: Iterator[tuple[int, Block]], bar: Progress) -> Iterator[Block]:
    for n, block in blocks:
        bar.update(n)
        yield block


def run(
    scenario: str | Path | Scenario,
    trials: int = 10_000,
    days: int | None = None,
    seed: SeedLike = 0,
    block_size: int = DEFAULT_BLOCK,
    workers: int | None = 1,
    progress: bool = False,
    point: bool = False,
    posterior: str | Path | PosteriorDraws | None = None,
) -> Results:
    """Run ``trials`` Monte Carlo trials of a scenario.

    Args:
        scenario: A shipped scenario's name, a YAML path, or a loaded :class:`Scenario`.
        trials: Number of trials.
        days: Days to simulate (default: the scenario's ``days``).
        seed: Root seed; the same seed gives identical results for any ``block_size`` and
            any number of ``workers``.
        block_size: Trials simulated together in one vectorized model (memory vs. overhead).
        workers: Processes to spread blocks over (``None``: every core). A run of one block
            stays in this process.
        progress: Show a progress bar (trials done, rate, ETA) on a terminal or in Jupyter
            once a run has lasted two seconds.
        point: Every number at its point value. By default each uncertainty the scenario
            declares is drawn once per trial (:meth:`Results.parameters` holds the draws).
        posterior: A calibration's results folder (``escsim calibrate --out``): each trial
            takes the fitted quantities' values of a particle drawn from its posterior by
            weight (posterior predictive); the rest are drawn as usual.

    Returns:
        The :class:`~sim.runs.results.Results`.
    """
    check_run_args(trials, days, seed, block_size, workers)
    tune_malloc()
    seed, trials = plain_seed(seed), int(trials)
    sc = load_scenario(scenario)
    draws = load_posterior(posterior) if posterior is not None else None
    if draws is not None:
        draws.check(sc)
    n_days = int(days) if days is not None else sc.spec.days
    n_workers = min(workers or os.cpu_count() or 1, -(-trials // block_size))
    check_fits(trials, n_days, block_size, n_workers, len(sc.spec.militias))
    t0 = time.perf_counter()
    blocks = _blocks(sc, seed, trials, n_days, block_size, n_workers, point, draws)
    with progress_bar(trials, sc.name, "trials", enabled=progress) as bar:
        block = Block.merge(_counted(blocks, bar), trials)
    return Results(
        scenario=sc,
        seed=seed,
        trials=trials,
        days=n_days,
        block=block,
        elapsed=time.perf_counter() - t0,
        point=point,
        posterior=draws.folder if draws is not None else None,
    )
