"""Running a scenario: many trials, in blocks, vectorized within each block.

Core objects: :func:`run`, :func:`simulate_block` and :func:`window_rates`. A block is one
:class:`~sim.model.EscalationModel` whose arrays hold ``n`` trials; its random streams are
positioned by trial index, so the results do not depend on the block size, on how many
worker processes run the blocks, or on the order in which they finish.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import functools
import gc
import itertools
import os
import signal
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from sim.errors import InputError
from sim.model import EscalationModel
from sim.recorder import Block
from sim.results import Results
from sim.scenario import Scenario, load_scenario
from sim.streams import MAX_TRIALS, SeedLike

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
DEFAULT_BLOCK = 20_000
PROGRESS_DELAY = 2.0  # seconds a run lasts before its progress bar appears
#: blocks at least this large free their arrays at once (a full collection costs ~50 ms in a
#: process with pandas loaded: worth it for megabytes, not for a sweep point's few trials)
GC_TRIALS = 2000


def is_whole(value: object, low: int) -> bool:
    """Whether ``value`` is a whole number (Python's or numpy's, not a bool) of at least ``low``."""
    whole = isinstance(value, int | np.integer) and not isinstance(value, bool)
    return whole and bool(value >= low)  # type: ignore[operator]


def check_run_args(
    trials: int, days: int | None, seed: SeedLike, block_size: int, workers: int | None = 1
) -> None:
    """Refuse counts and seeds the model cannot use, with a clear message."""
    if not (is_whole(trials, 1) and trials <= MAX_TRIALS):
        raise InputError(f"trials must be a whole number from 1 to 2**64, got {trials!r}")
    if days is not None and not (is_whole(days, 1) and days <= 3650):
        raise InputError(f"days must be a whole number from 1 to 3650, got {days!r}")
    seeds = (
        [seed]
        if isinstance(seed, int | np.integer)
        else list(seed)
        if isinstance(seed, list | tuple)
        else []
    )
    if not seeds or not all(is_whole(s, 0) for s in seeds):
        raise InputError(f"seed must be a non-negative whole number, got {seed!r}")
    if not is_whole(block_size, 1):
        raise InputError(f"block size must be a whole number of at least 1, got {block_size!r}")
    if workers is not None and not is_whole(workers, 1):
        raise InputError(f"workers must be a whole number of at least 1, got {workers!r}")


def plain_seed(seed: SeedLike) -> SeedLike:
    """The seed in Python ints (a numpy integer would not go into JSON or a manifest)."""
    if isinstance(seed, int | np.integer):
        return int(seed)
    return type(seed)(int(s) for s in seed) if isinstance(seed, tuple) else [int(s) for s in seed]


def simulate_block(scenario: Scenario, seed: SeedLike, start: int, n: int, days: int) -> Block:
    """Run trials ``start`` to ``start + n - 1`` for ``days`` days."""
    model = EscalationModel(scenario, n, seed, start=start, days=days)
    try:
        for _ in range(days):
            model.step()
        return model.recorder.finish()
    finally:
        model.close()
        del model
        if n >= GC_TRIALS:  # model, agents and rule closures form cycles that hold the arrays
            gc.collect()


@functools.cache
def tune_malloc() -> bool:
    """Keep freed arrays in the heap instead of returning them to the OS (glibc only).

    A block's temporaries are arrays of ~100 KB to a few MB. By default glibc serves those
    with fresh ``mmap`` calls and returns them at once, so every numpy operation pays page
    faults until its adaptive threshold catches up: a process's first block ran 15-30%
    slower, and every worker process is a first. Raising the mmap and trim thresholds
    (``mallopt``) removes that. Returns whether it applied; elsewhere it does nothing.
    """
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(mallopt(m_mmap_threshold, 32 << 20) and mallopt(m_trim_threshold, 256 << 20))


def _init_worker() -> None:
    """Workers leave Ctrl-C to the parent, and die with it (Linux), even by SIGKILL."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tune_malloc()
    with contextlib.suppress(OSError, AttributeError):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def _blocks(
    sc: Scenario, seed: SeedLike, trials: int, days: int, block_size: int, workers: int
) -> Iterator[tuple[int, Block]]:
    """Yield ``(trials in block, block)`` in trial order, simulated here or in processes."""
    spans = [(s, min(block_size, trials - s)) for s in range(0, trials, block_size)]
    if workers == 1 or len(spans) == 1:
        for start, n in spans:
            yield n, simulate_block(sc, seed, start, n, days)
        return
    pool = ProcessPoolExecutor(max_workers=min(workers, len(spans)), initializer=_init_worker)
    pending: collections.deque[tuple[int, Future[Block]]] = collections.deque()
    todo = iter(spans)
    try:
        # keep at most two blocks per worker in flight, and hold no block once yielded,
        # so memory does not grow with the number of blocks
        for start, n in itertools.islice(todo, 2 * workers):
            pending.append((n, pool.submit(simulate_block, sc, seed, start, n, days)))
        while pending:
            n, future = pending.popleft()
            block = future.result()
            for start, m in itertools.islice(todo, 1):
                pending.append((m, pool.submit(simulate_block, sc, seed, start, m, days)))
            yield n, block
            del block
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run(
    scenario: str | Path | Scenario,
    trials: int = 10_000,
    days: int | None = None,
    seed: SeedLike = 0,
    block_size: int = DEFAULT_BLOCK,
    workers: int | None = 1,
    progress: bool = False,
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
        progress: Show a progress bar (trials done, rate, ETA) on a terminal once a run has
            lasted two seconds.

    Returns:
        The :class:`~sim.results.Results`.
    """
    check_run_args(trials, days, seed, block_size, workers)
    tune_malloc()
    seed, trials = plain_seed(seed), int(trials)
    sc = load_scenario(scenario)
    n_days = int(days) if days is not None else sc.spec.days
    n_workers = workers if workers is not None else (os.cpu_count() or 1)
    t0 = time.perf_counter()
    blocks = _blocks(sc, seed, trials, n_days, block_size, n_workers)
    with _progress_bar(trials, sc.name, enabled=progress) as bar:
        block = Block.merge(_counted(blocks, bar))
    return Results(
        scenario=sc,
        seed=seed,
        trials=trials,
        days=n_days,
        block=block,
        elapsed=time.perf_counter() - t0,
    )


def window_rates(
    scenario: str | Path | Scenario, first: int, end: int, trials: int, seed: SeedLike = 0
) -> dict[str, FloatArray]:
    """Each trial's attacks a day over days ``[first, end)``.

    Keys: ``attacks`` (all groups), each group's name, ``compliant`` and ``holdout`` (by
    doctrine). A trial's first days do not depend on how long it runs (its random numbers
    are keyed by day), so its counts over the window are the difference of a run to ``end``
    and a run to ``first`` with the same seed.

    Raises:
        InputError: The window is not whole days with ``0 <= first < end <= 3650``.
    """
    if not (is_whole(first, 0) and is_whole(end, 1) and first < end <= 3650):
        raise InputError(
            f"a window [first, end) must have 0 <= first < end <= 3650, got [{first!r}, {end!r})"
        )
    sc = load_scenario(scenario)
    totals = np.rint(run(sc, trials, end, seed).block.by_group * end)  # whole counts again
    if first > 0:
        totals = totals - np.rint(run(sc, trials, first, seed).block.by_group * first)
    rates = totals / (end - first)
    out = {name: rates[i] for i, name in enumerate(sc.spec.militias)}
    out["attacks"] = rates.sum(axis=0)
    holdout = [m.doctrine == "holdout" for m in sc.spec.militias.values()]
    out["compliant"] = rates[[not h for h in holdout]].sum(axis=0)
    out["holdout"] = rates[holdout].sum(axis=0)
    return out


class Progress(Protocol):
    """What the runner needs of a progress bar (tqdm has it)."""

    def update(self, n: int) -> object:
        """Count ``n`` more trials done."""
        ...


class _Silent:
    def update(self, n: int) -> object:
        return None


def _counted(blocks: Iterator[tuple[int, Block]], bar: Progress) -> Iterator[Block]:
    for n, block in blocks:
        bar.update(n)
        yield block


@contextlib.contextmanager
def _progress_bar(trials: int, name: str, enabled: bool) -> Iterator[Progress]:
    """A tqdm bar on stderr when enabled and stderr is a terminal, else a silent counter."""
    if not (enabled and sys.stderr.isatty()):
        yield _Silent()
        return
    from tqdm import tqdm

    bar_options = {"desc": name, "unit": " trials", "delay": PROGRESS_DELAY, "mininterval": 0.5}
    with tqdm(total=trials, **bar_options) as bar:  # type: ignore[call-overload]
        yield bar
