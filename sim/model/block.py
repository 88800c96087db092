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

from sim.core.types import FloatArray, IntArray

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
        first_rung_day: Day each rung was first reached, rungs x trials (-1: never).
        daily_sum: Series name to the per-day sum over trials.
        daily_hist: Series name to per-day histograms, days x values.
        rung_count: Trials whose highest rung so far is each rung, days x rungs.
        parameters: Each number that had one value per trial (a declared uncertainty's
            draws, or values given lane by lane), by key path.
    """

    per_trial: dict[str, FloatArray]
    by_group: FloatArray
    first_rung_day: IntArray
    daily_sum: dict[str, FloatArray]
    daily_hist: dict[str, IntArray]
    rung_count: IntArray
    parameters: dict[str, FloatArray] = field(default_factory=dict)

    @staticmethod
    def merge(blocks: Iterable[Block]) -> Block:
        """Join blocks in trial order, consuming them one at a time.

        Sums and histograms are added as each block arrives, so memory holds one block's
        histograms, not all of them; per-trial values are concatenated at the end, one
        column at a time, so the parts and the whole coexist for one column only.
        """
        it = iter(blocks)
        first = next(it)
        sums = {k: v.copy() for k, v in first.daily_sum.items()}
        hists = {k: v.copy() for k, v in first.daily_hist.items()}
        rungs = first.rung_count.copy()
        per_trial = {k: [v] for k, v in first.per_trial.items()}
        parameters = {k: [v] for k, v in first.parameters.items()}
        by_group, first_rung_day = [first.by_group], [first.first_rung_day]
        for b in it:
            for k in sums:
                sums[k] += b.daily_sum[k]
            for k in hists:
                hists[k] += b.daily_hist[k]
            rungs += b.rung_count
            for k in per_trial:
                per_trial[k].append(b.per_trial[k])
            for k in parameters:
                parameters[k].append(b.parameters[k])
            by_group.append(b.by_group)
            first_rung_day.append(b.first_rung_day)
        return Block(
            per_trial=_joined(per_trial),
            by_group=np.concatenate(by_group, axis=1),
            first_rung_day=np.concatenate(first_rung_day, axis=1),
            daily_sum=sums,
            daily_hist=hists,
            rung_count=rungs,
            parameters=_joined(parameters),
        )

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


def _joined(parts: dict[str, list[FloatArray]]) -> dict[str, FloatArray]:
    """Each column's parts concatenated, each column's parts freed as soon as it is joined."""
    out = {}
    for key in list(parts):
        out[key] = np.concatenate(parts.pop(key))
    return out
