"""What a run remembers of each trial and each day.

Core objects: :class:`Recorder`, which reads the model once a day, and :class:`Block`, what
one block of trials leaves behind: per-trial outcomes (kept for paired comparisons),
per-day sums, and per-day histograms from which exact quantile bands are read. Blocks merge
by concatenating trials and adding sums and histograms, so results do not depend on how a
run is split into blocks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from sim.variables import RUNGS

if TYPE_CHECKING:
    from sim.model import EscalationModel

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

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
    """

    per_trial: dict[str, FloatArray]
    by_group: FloatArray
    first_rung_day: IntArray
    daily_sum: dict[str, FloatArray]
    daily_hist: dict[str, IntArray]
    rung_count: IntArray

    @staticmethod
    def merge(blocks: Iterable[Block]) -> Block:
        """Join blocks in trial order, consuming them one at a time.

        Sums and histograms are added as each block arrives, so memory holds one block's
        histograms, not all of them; per-trial values are concatenated at the end.
        """
        it = iter(blocks)
        first = next(it)
        sums = {k: v.copy() for k, v in first.daily_sum.items()}
        hists = {k: v.copy() for k, v in first.daily_hist.items()}
        rungs = first.rung_count.copy()
        per_trial = {k: [v] for k, v in first.per_trial.items()}
        by_group, first_rung_day = [first.by_group], [first.first_rung_day]
        for b in it:
            for k in sums:
                sums[k] += b.daily_sum[k]
            for k in hists:
                hists[k] += b.daily_hist[k]
            rungs += b.rung_count
            for k in per_trial:
                per_trial[k].append(b.per_trial[k])
            by_group.append(b.by_group)
            first_rung_day.append(b.first_rung_day)
        return Block(
            per_trial={k: np.concatenate(parts) for k, parts in per_trial.items()},
            by_group=np.concatenate(by_group, axis=1),
            first_rung_day=np.concatenate(first_rung_day, axis=1),
            daily_sum=sums,
            daily_hist=hists,
            rung_count=rungs,
        )


class Recorder:
    """Reads the model at the end of each day's actions.

    Args:
        model: The model to observe.
        days: The number of days the run will last.
    """

    def __init__(self, model: EscalationModel, days: int) -> None:
        """Allocate the accumulators."""
        n, g = model.n, len(model.scenario.spec.militias)
        self.model, self.days = model, days

        def z() -> IntArray:
            return np.zeros(n, dtype=np.int64)

        self.attacks, self.strikes, self.killed, self.wounded = z(), z(), z(), z()
        self.forced_killed, self.leader, self.iran, self.lull, self.longest_lull = (
            z(),
            z(),
            z(),
            z(),
            z(),
        )
        self.max_rung = z()
        self.by_group = np.zeros((g, n), dtype=np.int64)
        self.first_rung_day = np.full((len(RUNGS), n), -1, dtype=np.int64)
        self.first_rung_day[0] = 0  # every trial starts on rung 0, calm
        self.first_directive = np.full(n, -1, dtype=np.int64)
        self.last_compliant = np.full(n, -1, dtype=np.int64)
        self.first_fatality = np.full(n, -1, dtype=np.int64)
        self.fatality_to_strike = np.full(n, -1, dtype=np.int64)
        self.fatality_to_directive = np.full(n, -1, dtype=np.int64)
        self.daily_sum = {k: np.zeros(days) for k in (*SERIES, *DOCTRINE_SERIES)}
        self.daily_hist = {k: np.zeros((days, cap), dtype=np.int64) for k, cap in SERIES.items()}
        self.rung_count = np.zeros((days, len(RUNGS)), dtype=np.int64)
        self._compliant = np.array(
            [m.doctrine == "compliant" for m in model.scenario.spec.militias.values()]
        )

    def record(self, day: int) -> None:
        """Record the day that the model has just played out."""
        m = self.model
        w, us = m.world, m.us
        attacks, killed, wounded = w.attacks.today, w.killed.today, w.wounded.today
        strike = us.strikes.today > 0
        leader = us.leader_strikes.today > 0
        self.attacks += attacks
        self.strikes += strike
        self.killed += killed
        self.wounded += wounded
        self.forced_killed += w.forced_killed
        self.leader += leader
        self.iran += us.iran_today
        self.by_group += w.by_group
        self.lull = np.where(attacks > 0, 0, self.lull + 1)
        np.maximum(self.longest_lull, self.lull, out=self.longest_lull)

        rung = np.maximum.reduce(
            [
                (attacks > 0) * 1,
                (wounded > 0) * 2,
                strike * 3,
                (killed > 0) * 4,
                leader * 5,
                us.iran_today * 6,
            ]
        )
        rose = np.flatnonzero(rung > self.max_rung)  # a trial's rung rises a few times a run
        if rose.size:
            old, new = self.max_rung[rose], rung[rose]
            for k in range(1, len(RUNGS)):
                first = rose[(old < k) & (new >= k)]
                self.first_rung_day[k, first] = day
            self.max_rung[rose] = new

        new_directive = m.iran.issued_today & (self.first_directive < 0)
        self.first_directive[new_directive] = day
        in_term = (self.first_directive >= 0) & (
            day < self.first_directive + m.param("directive_days")
        )
        compliant_attacks = w.by_group[self._compliant].sum(axis=0)
        self.last_compliant[in_term & (compliant_attacks > 0)] = day
        self.first_fatality[(killed > 0) & (self.first_fatality < 0)] = day
        after = (self.first_fatality >= 0) & (day >= self.first_fatality)
        answered = after & strike & (self.fatality_to_strike < 0)
        self.fatality_to_strike[answered] = day - self.first_fatality[answered]
        # directives are issued before the day's attacks: one on the day of the deaths is not
        # a response to them
        reined = (
            after
            & (day > self.first_fatality)
            & m.iran.issued_today
            & (self.fatality_to_directive < 0)
        )
        self.fatality_to_directive[reined] = day - self.first_fatality[reined]

        today = {
            "attacks": (attacks, w.attacks.last(7)),
            "us_strikes": (strike, us.strikes.last(7)),
            "us_killed": (killed, self.killed),
            "us_wounded": (wounded, self.wounded),
        }
        for name, (count, banded) in today.items():
            self.daily_sum[name][day] = count.sum()
            cap = SERIES[name]
            self.daily_hist[name][day] = np.bincount(np.minimum(banded, cap - 1), minlength=cap)
        self.daily_sum["attacks_compliant"][day] = compliant_attacks.sum()
        self.daily_sum["attacks_holdout"][day] = w.by_group[~self._compliant].sum()
        self.rung_count[day] = np.bincount(self.max_rung, minlength=len(RUNGS))

    def finish(self) -> Block:
        """The block's outcomes after its last day."""
        days = float(self.days)
        nan = np.nan
        has_directive = self.first_directive >= 0
        to_last = np.where(self.last_compliant >= 0, self.last_compliant - self.first_directive, 0)
        m = self.model
        per_trial = {
            "attacks_per_day": self.attacks / days,
            "us_strikes_per_day": self.strikes / days,
            "p_us_fatality": (self.killed - self.forced_killed > 0).astype(float),
            "p_leadership_strike": (self.leader > 0).astype(float),
            "p_strike_on_iran": (self.iran > 0).astype(float),
            "max_rung": self.max_rung.astype(float),
            "longest_lull_days": self.longest_lull.astype(float),
            "days_directive_to_last_compliant_attack": np.where(has_directive, to_last, nan),
            "days_fatality_to_strike": np.where(
                self.fatality_to_strike >= 0, self.fatality_to_strike, nan
            ),
            "days_fatality_to_directive": np.where(
                self.fatality_to_directive >= 0, self.fatality_to_directive, nan
            ),
            "p_withdrawal_agreement": m.iraq.withdrawal_agreed.astype(float),
            "p_directive": has_directive.astype(float),
            "us_killed": self.killed.astype(float),
            "us_wounded": self.wounded.astype(float),
        }
        return Block(
            per_trial=per_trial,
            by_group=self.by_group / days,
            first_rung_day=self.first_rung_day,
            daily_sum=self.daily_sum,
            daily_hist=self.daily_hist,
            rung_count=self.rung_count,
        )
