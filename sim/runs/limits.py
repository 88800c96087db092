"""What a run may ask of this machine: memory for its blocks and its results, and cores.

Core objects: :func:`check_fits` and :func:`memory_budget`. A run keeps every trial's outcomes
(for paired comparisons) and simulates ``block_size`` trials at once in each worker, so its
memory grows with both; a run that cannot fit is refused before it starts, with the limits
that would fit, instead of dying of ``MemoryError`` (or swapping) minutes later.
"""

from __future__ import annotations

import os

from sim.core.errors import InputError
from sim.model.block import SERIES
from sim.scenario.vocabulary import METRICS, RUNGS

#: a block's state per trial: measured at 2.1 KB with 5 groups (tracemalloc peak of a block of
#: 10,000 and 40,000 trials over 365 days) and about 200 B more a group (5,005 groups: about
#: 1 MB), doubled for numpy's temporaries and margin
LANE_BYTES = 2048
GROUP_LANE_BYTES = 400
#: a worker process with numpy, pandas and the model loaded
WORKER_BYTES = 200 << 20
#: the share of physical memory a run may plan to use
BUDGET_SHARE = 0.75


def memory_budget() -> int:
    """The bytes a run may plan to use: three quarters of physical memory (16 GiB if unknown)."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        total = 16 << 30
    return int(BUDGET_SHARE * total)


def result_bytes(n_groups: int) -> int:
    """Bytes of outcomes kept per trial: every metric, each group's rate, each rung's day.

    Doubled: blocks' pieces and the merged arrays are held together while they merge.
    """
    return 2 * 8 * (len(METRICS) + n_groups + len(RUNGS))


def lane_bytes(n_groups: int) -> int:
    """Bytes a block holds per trial with ``n_groups`` militias."""
    return LANE_BYTES + GROUP_LANE_BYTES * n_groups


def block_bytes(block: int, days: int, n_groups: int) -> int:
    """Bytes one worker needs for a block of ``block`` trials over ``days`` days."""
    bands = 2 * 8 * days * (sum(SERIES.values()) + len(RUNGS))  # per-day histograms, merged
    return WORKER_BYTES + bands + block * lane_bytes(n_groups)


def lanes_that_fit(days: int, workers: int, n_groups: int) -> int:
    """The most lanes a block may hold with one block a worker in this machine's budget."""
    free = memory_budget() // workers - block_bytes(0, days, n_groups)
    return max(1, free // lane_bytes(n_groups))


def check_fits(trials: int, days: int, block_size: int, workers: int, n_groups: int) -> None:
    """Refuse a run whose blocks and results cannot fit in this machine's memory.

    Raises:
        InputError: Saying how much the run needs, the budget, and the most that fits.
    """
    budget, gib = memory_budget(), 1 << 30
    block = min(block_size, trials)
    per_block = block_bytes(block, days, n_groups)
    if workers * per_block > budget:
        most = lanes_that_fit(days, workers, n_groups)
        raise InputError(
            f"a block of {block:,} trials needs about {per_block / gib:,.1f} GiB in each of "
            f"{workers} worker(s), over this machine's budget of {budget / gib:.1f} GiB "
            f"(3/4 of its memory): use a block size of at most {most:,}"
        )
    kept = trials * result_bytes(n_groups)
    if workers * per_block + kept > budget:
        most = max(1, (budget - workers * per_block) // result_bytes(n_groups))
        raise InputError(
            f"{trials:,} trials keep about {kept / gib:,.1f} GiB of outcomes (every trial's, "
            f"for paired comparisons), over this machine's budget of {budget / gib:.1f} GiB "
            f"(3/4 of its memory): run at most {most:,} trials at once"
        )
