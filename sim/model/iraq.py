"""The Iraqi government: its request to Iran, its talks with the U.S., and the drawdown.

Core objects: :class:`IraqiGovernment`. Its state is arrays over lanes: a pending request,
the talks' progress and their recent setbacks, the withdrawal agreement, and the share of
U.S. troops still in Iraq once an agreement starts the drawdown.
"""

from __future__ import annotations

import numpy as np

from sim.core.types import BoolArray, FloatArray, IntArray
from sim.model.actor import Actor
from sim.model.base import LaneModel
from sim.model.draws import at
from sim.model.trailing import Trailing

#: a setback to the talks in this many days (today included) leaves them stalled
STALL_DAYS = 14


class IraqiGovernment(Actor):
    """Asks Iran to rein in the groups after a major attack; negotiates U.S. withdrawal."""

    def __init__(self, model: LaneModel) -> None:
        """Start with no request pending, no talks progress and every U.S. soldier in Iraq."""
        super().__init__(model)
        n = model.n
        self.request_until: IntArray = np.full(n, -1, dtype=np.int64)
        self.talks_progress: FloatArray = np.zeros(n)
        self.setbacks = Trailing((n,), (STALL_DAYS,))
        self.withdrawal_agreed: BoolArray = np.zeros(n, dtype=bool)
        self.presence: FloatArray = np.ones(n)  # share of the U.S. troops still in Iraq

    def request(self, day: int) -> None:
        """Ask Iran to rein in the groups (``iraq_request_prob``, or a forced event)."""
        model = self.model
        pending = self.request_until >= day
        new = np.zeros(model.n, dtype=bool)
        if model.mechanisms.iraqi_request:
            new = model.chance("iraq.request", day, model.prob("iraq_request_prob"), ~pending)
        forced = bool(model.forced(day, "iraq_request"))
        if forced:
            new[:] = True
        self.request_until[new] = day + at(model.whole("iraq_request_days"), new) - 1
        if model.log is not None and new[0]:
            model.log.add(day, "Iraq", "request", "asks Iran to rein in the groups", forced=forced)

    def talks_stalled(self) -> BoolArray:
        """Whether the talks suffered a setback in the last :data:`STALL_DAYS` days."""
        out: BoolArray = self.setbacks.last(STALL_DAYS) > 0
        return out

    def negotiate(self, day: int) -> None:
        """Advance talks when violence is low; an agreement is reached by chance."""
        model = self.model
        if not model.mechanisms.talks:
            return
        change = np.asarray(model.value("talks_progress_rate"), dtype=np.float64)
        before = self.talks_progress.copy()
        np.clip(self.talks_progress + change, 0.0, 1.0, out=self.talks_progress)
        self.setbacks.today += self.talks_progress < before
        agree = model.chance(
            "iraq.agreement", day, model.prob("agreement_prob"), ~self.withdrawal_agreed
        )
        if model.log is not None and agree[0] and not self.withdrawal_agreed[0]:
            model.log.add(day, "Iraq", "agreement", "agrees with the U.S. on a withdrawal")
        self.withdrawal_agreed |= agree

    def draw_down(self, day: int) -> None:
        """Withdraw U.S. troops from Iraq at the pace of ``drawdown_rate`` once agreed."""
        model = self.model
        if not (model.mechanisms.withdrawal and self.withdrawal_agreed.any()):
            return
        was = float(self.presence[0])
        pace = np.asarray(model.value("drawdown_rate"), dtype=np.float64)
        leaving = np.where(self.withdrawal_agreed, np.clip(pace, 0.0, 1.0), 0.0)
        np.clip(self.presence - leaving, 0.0, 1.0, out=self.presence)
        if model.log is not None and was > 0 and self.presence[0] == 0:
            model.log.add(day, "U.S.", "withdrawn", "the last U.S. troops leave Iraq")

    def end_day(self) -> None:
        """Close the day's count of setbacks."""
        self.setbacks.end_day()
