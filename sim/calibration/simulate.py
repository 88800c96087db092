"""A generation's particles x replicates run as the lanes of the model, read on report days.

Core objects: :func:`observe_block` (one model of many lanes, stepped by its one step order,
its per-lane cumulative counts read at the end of given days) and :func:`observe` (every
lane of a generation, in blocks, on a pool). Lane ``i * R + r`` is replicate ``r`` of
particle ``i``; it holds the particle's values and draws what trial ``i * R + r`` of the
generation's seed draws, so a generation's numbers depend on neither blocks nor workers.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sim.calibration.observation import MODEL_COUNTS
from sim.core.types import FloatArray, IntArray, SeedLike
from sim.model.escalation import EscalationModel
from sim.runs.pool import Pool, Task
from sim.runs.runner import DEFAULT_BLOCK
from sim.scenario.loader import Scenario

#: series -> cumulative counts, days read x lanes
Counts = dict[str, IntArray]


def observe_block(
    scenario: Scenario,
    seed: SeedLike,
    start: int,
    values: Mapping[str, FloatArray],
    days: IntArray,
    point: bool,
) -> Counts:
    """Run one block of lanes to the last of ``days``; its counts at the end of each.

    Args:
        scenario: The scenario.
        seed: The generation's seed.
        start: The block's first lane (its trial index).
        values: Per-lane values by key path (one array per fitted quantity).
        days: Days (sorted, at least 0) on which to read the cumulative counts.
        point: Quantities not in ``values`` at their point values (else drawn).
    """
    n = len(next(iter(values.values())))
    last = int(days[-1]) + 1
    model = EscalationModel(scenario, n, seed, start, last, dict(values), point)
    out = {s: np.empty((len(days), n), np.int64) for s in MODEL_COUNTS}
    try:
        row = 0
        for day in range(last):
            model.step()
            if day == days[row]:
                for series, attr in MODEL_COUNTS.items():
                    out[series][row] = getattr(model.recorder, attr)
                row += 1
    finally:
        model.close()
    return out


def observe(
    pool: Pool,
    scenario: Scenario,
    seed: SeedLike,
    values: Mapping[str, FloatArray],
    days: IntArray,
    point: bool,
    block: int = DEFAULT_BLOCK,
) -> Counts:
    """Every lane's counts, blocks run on ``pool`` and joined in lane order."""
    lanes = len(next(iter(values.values())))
    tasks: list[Task] = [
        (s, observe_block,
         (scenario, seed, s, {k: v[s : s + block] for k, v in values.items()}, days, point))
        for s in range(0, lanes, block)
    ]  # fmt: skip
    parts = [counts for _, counts in pool.ordered(tasks)]
    return {s: np.concatenate([p[s] for p in parts], axis=1) for s in MODEL_COUNTS}
