"""Checks of the whole numbers a caller passes: trials, days, seeds, block sizes, workers.

Core objects: :func:`is_whole`, :func:`check_run_args`, :func:`plain_seed` and
:data:`MAX_TRIALS`. Each check raises :class:`~sim.core.errors.InputError` with a sentence a
user can act on.
"""

from __future__ import annotations

import os

import numpy as np

from sim.core.errors import InputError
from sim.core.types import SeedLike

#: a trial index is a 64-bit counter of the random streams, so a run has at most 2**64 trials
MAX_TRIALS = 2**64
#: the longest run, in days
MAX_DAYS = 3650
#: a whole number of more bits is described by its size in messages, not printed
HUGE_BITS = 256
#: seeds are whole numbers below this (each part of a seed list, too): 128 bits of entropy
#: are more than numpy's SeedSequence uses, and the number still prints and goes into JSON
MAX_SEED = 2**128


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
    if days is not None and not (is_whole(days, 1) and days <= MAX_DAYS):
        raise InputError(f"days must be a whole number from 1 to {MAX_DAYS}, got {days!r}")
    seeds = (
        [seed]
        if isinstance(seed, int | np.integer)
        else list(seed)
        if isinstance(seed, list | tuple)
        else []
    )
    if not seeds or not all(is_whole(s, 0) and s < MAX_SEED for s in seeds):
        raise InputError(f"seed must be a whole number from 0 to 2**128 - 1, got {_show(seed)}")
    if not is_whole(block_size, 1):
        raise InputError(f"block size must be a whole number of at least 1, got {block_size!r}")
    check_workers("workers", workers)


def cores() -> int:
    """This machine's cores: the most worker processes a run or sweep may start."""
    return os.cpu_count() or 1


def check_workers(name: str, workers: int | None) -> None:
    """Refuse a number of worker processes below 1 or above the cores (``None`` is every core).

    More processes than cores only share them, each with its own memory (16 workers on
    2 cores held 3.2 GB).
    """
    if workers is not None and not (is_whole(workers, 1) and workers <= cores()):
        raise InputError(
            f"{name} must be a whole number from 1 to {cores()} (this machine's cores: more "
            f"processes only share them, each with its own memory), got {_show(workers)}"
        )


def _show(value: object) -> str:
    """A value for a message; a huge whole number by its size (printing it may be refused)."""
    items = value if isinstance(value, list | tuple) else [value]
    bits = [int(v).bit_length() for v in items if isinstance(v, int | np.integer)]
    huge = [b for b in bits if b > HUGE_BITS]
    return f"a number of {huge[0]} bits" if huge else repr(value)


def plain_seed(seed: SeedLike) -> SeedLike:
    """The seed in Python ints (a numpy integer would not go into JSON or a manifest)."""
    if isinstance(seed, int | np.integer):
        return int(seed)
    return type(seed)(int(s) for s in seed) if isinstance(seed, tuple) else [int(s) for s in seed]
