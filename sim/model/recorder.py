"""What a run remembers of each trial and each day.

Core objects: :class:`Recorder`, which reads the model once a day, after every actor has
acted, and turns what it saw into a :class:`~sim.model.block.Block` when the run ends. The
rung a day reaches is read from the ladder of :mod:`sim.scenario.vocabulary`, one signal
per rung, and the per-trial outcomes are checked against its metrics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.types import BoolArray, DayArray, FloatArray, IntArray
from sim.model.block import DOCTRINE_SERIES, SERIES, Block
from sim.model.trailing import Trailing
from sim.scenario.vocabulary import LADDER, METRICS, RUNGS

if TYPE_CHECKING:
    from sim.model.base import LaneModel
    from sim.model.iran import QudsForce
    from sim.model.iraq import IraqiGovernment
    from sim.model.united_states import UnitedStates
    from sim.model.world import World

#: attacks resume after a directive in the first 7 days with this many attacks by groups of
#: compliant doctrine, counting only attacks from its 8th day on (SETTLE_DAYS after it: the
#: days before leave room for the lag to comply)
RESUMPTION_ATTACKS, SETTLE_DAYS = 3, 7


def _never(n: int) -> IntArray:
    return np.full(n, -1, dtype=np.int64)


class Recorder:
    """Reads the model at the end of each day's actions.

    Args:
        model: The model to observe.
        days: The number of days the run will last.
        world: The day's shared tallies.
        us: The United States (strikes).
        iran: The Quds Force (directives).
        iraq: The Iraqi government (the withdrawal agreement).
    """

    def __init__(
        self,
        model: LaneModel,
        days: int,
        world: World,
        us: UnitedStates,
        iran: QudsForce,
        iraq: IraqiGovernment,
    ) -> None:
        """Allocate the accumulators."""
        militias = model.scenario.spec.militias
        n = model.n
        self.model, self.days = model, days
        self.world, self.us, self.iran, self.iraq = world, us, iran, iraq
        self.directive_days = model.param("directive_days")
        self.attacks, self.strikes, self.killed, self.wounded = (
            np.zeros(n, np.int64) for _ in "1234"
        )
        self.forced_killed, self.leader, self.iran_strikes = (np.zeros(n, np.int64) for _ in "123")
        self.lull, self.longest_lull, self.max_rung = (np.zeros(n, np.int64) for _ in "123")
        self.by_group = np.zeros((len(militias), n), dtype=np.int64)
        self.first_rung_day: DayArray = np.full((len(RUNGS), n), -1, dtype=np.int32)
        self.first_rung_day[0] = 0  # every trial starts on rung 0, calm
        self.first_directive, self.last_compliant = _never(n), _never(n)
        self.first_fatality, self.fatality_to_strike = _never(n), _never(n)
        self.fatality_to_directive, self.resumption = _never(n), _never(n)
        self.after_attacks, self.after_holdout, self.after_strikes = (
            np.zeros(n, np.int64) for _ in "123"
        )
        self._compliant_week = Trailing((n,), (7,))
        self.daily_sum = {k: np.zeros(days) for k in (*SERIES, *DOCTRINE_SERIES)}
        self.daily_hist = {k: np.zeros((days, cap), dtype=np.int64) for k, cap in SERIES.items()}
        self.rung_count = np.zeros((days, len(RUNGS)), dtype=np.int64)
        self._compliant = np.array([m.doctrine == "compliant" for m in militias.values()])

    def record(self, day: int) -> None:
        """Record the day that the model has just played out."""
        w, us = self.world, self.us
        attacks, killed = w.attacks.today, w.killed.today
        strike = us.strikes.today > 0
        self.attacks += attacks
        self.strikes += strike
        self.killed += killed
        self.wounded += w.wounded.today
        self.forced_killed += w.forced_killed
        self.leader += us.leader_strikes.today > 0
        self.iran_strikes += us.iran_today
        self.by_group += w.by_group
        self.lull = np.where(attacks > 0, 0, self.lull + 1)
        np.maximum(self.longest_lull, self.lull, out=self.longest_lull)
        self._climb(day, self.rung_signals())
        compliant_attacks = w.by_group[self._compliant].sum(axis=0)
        self._time_responses(day, strike, killed > 0, compliant_attacks)
        self._after_directive(day, strike, compliant_attacks)
        self._daily(day, strike, compliant_attacks)

    def rung_signals(self) -> dict[str, BoolArray]:
        """Today's events that put a trial on each rung above calm, by the ladder's keys."""
        w, us = self.world, self.us
        return {
            "attack": w.attacks.today > 0,
            "wounded": w.wounded.today > 0,
            "strike": us.strikes.today > 0,
            "killed": w.killed.today > 0,
            "leader_strike": us.leader_strikes.today > 0,
            "mass_strike": us.mass_today,
            "iran_strike": us.iran_today,
            "iran_proxies": self.iran.unleashed_today,
            "iran_direct": self.iran.direct.today > 0,
        }

    def _climb(self, day: int, signals: dict[str, BoolArray]) -> None:
        """Raise each trial's rung to the highest signalled today; note the first days."""
        rung = np.zeros(self.max_rung.shape, dtype=np.int64)
        for k, r in enumerate(LADDER):  # upwards: a higher rung signalled overwrites a lower
            if k:
                rung[signals[r.key]] = k
        rose = np.flatnonzero(rung > self.max_rung)  # a trial's rung rises a few times a run
        if rose.size:
            old, new = self.max_rung[rose], rung[rose]
            for k in range(1, len(RUNGS)):
                first = rose[(old < k) & (new >= k)]
                self.first_rung_day[k, first] = day
            self.max_rung[rose] = new

    def _time_responses(
        self, day: int, strike: BoolArray, fatal: BoolArray, compliant_attacks: IntArray
    ) -> None:
        """Days from the first directive and the first U.S. death to what followed them."""
        issued = self.iran.issued_today
        self.first_directive[issued & (self.first_directive < 0)] = day
        in_term = (self.first_directive >= 0) & (day < self.first_directive + self.directive_days)
        self.last_compliant[in_term & (compliant_attacks > 0)] = day
        self.first_fatality[fatal & (self.first_fatality < 0)] = day
        after = (self.first_fatality >= 0) & (day >= self.first_fatality)
        answered = after & strike & (self.fatality_to_strike < 0)
        self.fatality_to_strike[answered] = day - self.first_fatality[answered]
        # directives are issued before the day's attacks: one on the day of the deaths is not
        # a response to them
        reined = after & (day > self.first_fatality) & issued & (self.fatality_to_directive < 0)
        self.fatality_to_directive[reined] = day - self.first_fatality[reined]

    def _after_directive(self, day: int, strike: BoolArray, compliant_attacks: IntArray) -> None:
        """What follows the first directive: attacks, the holdouts' part, strikes, resumption."""
        attacks = self.world.attacks.today
        after = self.first_directive >= 0  # issued before the day's attacks: they count
        self.after_attacks += attacks * after
        self.after_holdout += (attacks - compliant_attacks) * after
        self.after_strikes += strike & after
        week = self._compliant_week
        since = day - self.first_directive
        week.today += compliant_attacks * (after & (since >= SETTLE_DAYS))
        resumed = after & (since >= SETTLE_DAYS) & (week.last(7) >= RESUMPTION_ATTACKS)
        resumed &= self.resumption < 0
        self.resumption[resumed] = since[resumed]
        week.end_day()

    def _daily(self, day: int, strike: BoolArray, compliant_attacks: IntArray) -> None:
        """The day's sums over trials, and histograms of what each series' band is of."""
        w, us = self.world, self.us
        today = {
            "attacks": (w.attacks.today, w.attacks.last(7)),
            "us_strikes": (strike, us.strikes.last(7)),
            "us_killed": (w.killed.today, self.killed),
            "us_wounded": (w.wounded.today, self.wounded),
        }
        for name, (count, banded) in today.items():
            self.daily_sum[name][day] = count.sum()
            cap = SERIES[name]
            self.daily_hist[name][day] = np.bincount(np.minimum(banded, cap - 1), minlength=cap)
        self.daily_sum["attacks_compliant"][day] = compliant_attacks.sum()
        self.daily_sum["attacks_holdout"][day] = w.by_group[~self._compliant].sum()
        self.rung_count[day] = np.bincount(self.max_rung, minlength=len(RUNGS))

    def per_trial(self) -> dict[str, FloatArray]:
        """Each metric of :data:`~sim.scenario.vocabulary.METRICS`, one value per trial."""
        days, nan = float(self.days), np.nan
        has_directive = self.first_directive >= 0
        to_last = np.where(self.last_compliant >= 0, self.last_compliant - self.first_directive, 0)
        return {
            "attacks_per_day": self.attacks / days,
            "us_strikes_per_day": self.strikes / days,
            "p_us_fatality": (self.killed - self.forced_killed > 0).astype(float),
            "p_leadership_strike": (self.leader > 0).astype(float),
            "p_strike_on_iran": (self.iran_strikes > 0).astype(float),
            "max_rung": self.max_rung.astype(float),
            "longest_lull_days": self.longest_lull.astype(float),
            "days_directive_to_last_compliant_attack": np.where(has_directive, to_last, nan),
            "days_fatality_to_strike": np.where(
                self.fatality_to_strike >= 0, self.fatality_to_strike, nan
            ),
            "days_fatality_to_directive": np.where(
                self.fatality_to_directive >= 0, self.fatality_to_directive, nan
            ),
            "days_directive_to_resumption": np.where(self.resumption >= 0, self.resumption, nan),
            **{f"p_resume_{d}d": self._resumed_within(d, has_directive) for d in (90, 180)},
            "holdout_share_after_directive": np.divide(
                self.after_holdout,
                self.after_attacks,
                out=np.full(self.after_attacks.shape, nan),
                where=self.after_attacks > 0,
            ),
            "us_strikes_after_directive": self.after_strikes.astype(float),
            "p_withdrawal_agreement": self.iraq.withdrawal_agreed.astype(float),
            "p_directive": has_directive.astype(float),
            "us_killed": self.killed.astype(float),
            "us_wounded": self.wounded.astype(float),
        }

    def _resumed_within(self, horizon: int, has_directive: BoolArray) -> FloatArray:
        """1 if attacks resumed within ``horizon`` days of the first directive, 0 if not.

        NaN without a directive, and where the run ends before the horizon does, resumed or
        not: counting only the resumptions seen would bias the share towards 1.
        """
        r, end = self.resumption, self.first_directive + horizon
        seen = end <= self.days - 1
        out: FloatArray = np.where(has_directive & seen, ((r >= 0) & (r <= horizon)) * 1.0, np.nan)
        return out

    def finish(self) -> Block:
        """The block's outcomes after its last day.

        Raises:
            RuntimeError: The outcomes disagree with the vocabulary's metrics (a bug).
        """
        per_trial = self.per_trial()
        if per_trial.keys() != METRICS.keys():
            raise RuntimeError(
                f"recorded metrics disagree with sim.scenario.vocabulary.METRICS: "
                f"{sorted(per_trial.keys() ^ METRICS.keys())}"
            )
        return Block(
            per_trial=per_trial,
            by_group=self.by_group / float(self.days),
            first_rung_day=self.first_rung_day,
            daily_sum=self.daily_sum,
            daily_hist=self.daily_hist,
            rung_count=self.rung_count,
            parameters={},  # recomputed from the streams when asked: 8 bytes a trial each
        )
