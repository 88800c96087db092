"""Running a scenario: many trials, in blocks, vectorized within each block.

Core objects: :func:`run` and :func:`simulate_block`. A block is one
:class:`~sim.model.EscalationModel` whose arrays hold ``n`` trials; the block's random
streams are positioned by trial index, so any block size gives the same numbers.
"""

from __future__ import annotations

import time
from pathlib import Path

from sim.errors import InputError
from sim.model import EscalationModel
from sim.recorder import Block
from sim.results import Results
from sim.scenario import Scenario, load_scenario
from sim.streams import SeedLike

DEFAULT_BLOCK = 20_000


def check_run_args(trials: int, days: int | None, seed: SeedLike, block_size: int) -> None:
    """Refuse counts and seeds the model cannot use, with a clear message."""
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise InputError(f"trials must be a whole number of at least 1, got {trials!r}")
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650
    ):
        raise InputError(f"days must be a whole number from 1 to 3650, got {days!r}")
    seeds = (
        [seed] if isinstance(seed, int) else list(seed) if isinstance(seed, list | tuple) else []
    )
    if not seeds or any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in seeds):
        raise InputError(f"seed must be a non-negative whole number, got {seed!r}")
    if isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 1:
        raise InputError(f"block size must be a whole number of at least 1, got {block_size!r}")


def simulate_block(scenario: Scenario, seed: SeedLike, start: int, n: int, days: int) -> Block:
    """Run trials ``start`` to ``start + n - 1`` for ``days`` days."""
    model = EscalationModel(scenario, n, seed, start=start, days=days)
    try:
        for _ in range(days):
            model.step()
        return model.recorder.finish()
    finally:
        model.close()


def run(
    scenario: str | Path | Scenario,
    trials: int = 10_000,
    days: int | None = None,
    seed: SeedLike = 0,
    block_size: int = DEFAULT_BLOCK,
) -> Results:
    """Run ``trials`` Monte Carlo trials of a scenario.

    Args:
        scenario: A shipped scenario's name, a YAML path, or a loaded :class:`Scenario`.
        trials: Number of trials.
        days: Days to simulate (default: the scenario's ``days``).
        seed: Root seed; the same seed gives identical results for any ``block_size``.
        block_size: Trials simulated together in one vectorized model (memory vs. overhead).

    Returns:
        The :class:`~sim.results.Results`.
    """
    check_run_args(trials, days, seed, block_size)
    sc = load_scenario(scenario)
    n_days = days if days is not None else sc.spec.days
    t0 = time.perf_counter()
    blocks = [
        simulate_block(sc, seed, start, min(block_size, trials - start), n_days)
        for start in range(0, trials, block_size)
    ]
    return Results(
        scenario=sc,
        seed=seed,
        trials=trials,
        days=n_days,
        block=Block.merge(blocks),
        elapsed=time.perf_counter() - t0,
    )
