"""What one block of trials leaves behind.

Core objects: :class:`Block`: per-trial outcomes (kept for paired comparisons), per-day sums,
and per-day histograms from which exact quantile bands are read; and the series it keeps
(:data:`SERIES`, :data:`DOCTRINE_SERIES`, :data:`SERIES_BANDS`). Blocks merge by
concatenating trials and adding sums and histograms, so results do not depend on how a run
is split into blocks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from sim.core.types import DayArray, FloatArray, IntArray

#: per-day series with bands: name -> histogram cap (values at or above it count at the cap)
SERIES: dict[str, int] = {"attacks": 512, "us_strikes": 64, "us_killed": 1024, "us_wounded": 4096}
#: per-day series with means only: attacks by groups of each doctrine
DOCTRINE_SERIES = ("attacks_compliant", "attacks_holdout")
#: what each series' band is of: a trailing 7-day average ("avg7") or a running total ("cum")
SERIES_BANDS: dict[str, str] = {
    "attacks": "avg7",
    "us_strikes": "avg7",
    "us_killed": "cum",
    "us_wounded": "cum",
}


@dataclass
class Block:
    """The outcomes of a block of trials.

    Attributes:
        per_trial: Metric name to one value per trial (NaN where undefined in a trial).
        by_group: Attacks per day of each group, groups x trials.
        first_rung_day: Day each rung was first reached, rungs x trials (-1: never), in
            4 bytes each.
        daily_sum: Series name to the per-day sum over trials.
        daily_hist: Series name to per-day histograms, days x values.
        rung_count: Trials whose highest rung so far is each rung, days x rungs.
        parameters: Numbers with one value per trial kept by the block, by key path: none
            from a model (``Results.parameters`` recomputes a run's draws from their
            streams), so that a million trials do not carry 72 columns of them.
    """

    per_trial: dict[str, FloatArray]
    by_group: FloatArray
    first_rung_day: DayArray
    daily_sum: dict[str, FloatArray]
    daily_hist: dict[str, IntArray]
    rung_count: IntArray
    parameters: dict[str, FloatArray] = field(default_factory=dict)

    @property
    def trials(self) -> int:
        """The number of trials (lanes) in the block."""
        return int(self.by_group.shape[1])

    @staticmethod
    def merge(blocks: Iterable[Block], trials: int) -> Block:
        """Join blocks of ``trials`` trials in all, in trial order, consuming them one at a time.

        Sums and histograms are added, and per-trial values copied into arrays of the whole
        run, as each block arrives: memory holds the whole run's per-trial values once, and
        one block at a time, never the parts and the whole together.

        Raises:
            ValueError: The blocks do not hold ``trials`` trials.
        """
        it = iter(blocks)
        first = next(it)
        out = Block(
            per_trial=_like(first.per_trial, trials),
            by_group=np.empty((first.by_group.shape[0], trials)),
            first_rung_day=np.empty((first.first_rung_day.shape[0], trials), np.int32),
            daily_sum={k: v.copy() for k, v in first.daily_sum.items()},
            daily_hist={k: v.copy() for k, v in first.daily_hist.items()},
            rung_count=first.rung_count.copy(),
            parameters=_like(first.parameters, trials),
        )
        out._put(first, 0)
        done = first.trials
        for b in it:
            for k in out.daily_sum:
                out.daily_sum[k] += b.daily_sum[k]
            for k in out.daily_hist:
                out.daily_hist[k] += b.daily_hist[k]
            out.rung_count += b.rung_count
            out._put(b, done)
            done += b.trials
        if done != trials:
            raise ValueError(f"the blocks hold {done} trials, not {trials}")
        return out

    def _put(self, b: Block, at: int) -> None:
        """Copy block ``b``'s per-trial values into this block's lanes from ``at`` on."""
        lanes = slice(at, at + b.trials)
        for k, v in b.per_trial.items():
            self.per_trial[k][lanes] = v
        for k, v in b.parameters.items():
            self.parameters[k][lanes] = v
        self.by_group[:, lanes] = b.by_group
        self.first_rung_day[:, lanes] = b.first_rung_day

    def select(self, start: int, stop: int) -> Block:
        """Lanes ``start`` to ``stop - 1``: their per-trial outcomes and parameters.

        For a packed sweep's point. The daily sums, histograms and rung counts are over all
        the block's lanes and cannot be split by lane: the selection has none (empty).
        """
        lanes = slice(start, stop)
        return Block(
            per_trial={k: v[lanes] for k, v in self.per_trial.items()},
            by_group=self.by_group[:, lanes],
            first_rung_day=self.first_rung_day[:, lanes],
            daily_sum={},
            daily_hist={},
            rung_count=self.rung_count[:0],
            parameters={k: v[lanes] for k, v in self.parameters.items()},
        )


def _like(columns: dict[str, FloatArray], trials: int) -> dict[str, FloatArray]:
    """Empty columns of ``trials`` values, of the same dtypes as ``columns``.

    They are the rows of one array (of a dtype), which is big enough to get pages of its own
    from the allocator rather than holes among the blocks' freed arrays.
    """
    out: dict[str, FloatArray] = {}
    for dtype in {v.dtype for v in columns.values()}:
        keys = [k for k, v in columns.items() if v.dtype == dtype]
        rows = np.empty((len(keys), trials), dtype)
        out.update(zip(keys, rows, strict=True))
    return {k: out[k] for k in columns}
