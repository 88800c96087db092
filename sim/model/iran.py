"""Iran's Quds Force: its 'lie low' directives, its leverage over defiant groups, its answers.

Core objects: :class:`QudsForce`. It schedules a directive within days of its trigger and
issues it; withholds supplies from a group that defies a directive in force
(``mechanisms.sponsor_leverage``); and answers a U.S. strike on Iran through its proxies or
with a strike of its own on U.S. forces (``mechanisms.iran_response``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.types import BoolArray, IntArray
from sim.model.actor import NEVER, Actor
from sim.model.base import LaneModel
from sim.model.draws import at, uniform_int
from sim.model.trailing import Trailing

if TYPE_CHECKING:
    from sim.model.militia import Militia


class QudsForce(Actor):
    """Iran: issues a 'lie low' directive within days of its trigger, and answers strikes."""

    def __init__(self, model: LaneModel) -> None:
        """Start with no directive issued or pending, and no strike to answer."""
        super().__init__(model)
        n = model.n
        self.due: IntArray = np.full(n, NEVER, dtype=np.int64)
        self.last_directive: IntArray = np.full(n, -NEVER, dtype=np.int64)
        self.issued: IntArray = np.zeros(n, dtype=np.int64)
        self.issued_today: BoolArray = np.zeros(n, dtype=bool)
        self.revoked: BoolArray = np.zeros(n, dtype=bool)  # the last directive, ended early
        self.direct_due: IntArray = np.full(n, NEVER, dtype=np.int64)
        self.unleashed_today: BoolArray = np.zeros(n, dtype=bool)
        self.direct = Trailing((n,), (30,))  # Iran's own strikes on U.S. forces
        self.unleashed = Trailing((n,), (30,))  # days Iran turned its proxies loose

    def days_since_directive(self, day: int) -> IntArray:
        """Days since the last directive (9999 if none yet)."""
        out: IntArray = np.where(self.issued > 0, day - self.last_directive, 9999)
        return out

    def directive_active(self, day: int) -> BoolArray:
        """Whether a directive is in force: issued under ``directive_days`` ago, not revoked."""
        since = day - self.last_directive
        out: BoolArray = (self.issued > 0) & (since < self.model.param("directive_days"))
        out &= ~self.revoked
        return out

    def issue(self, day: int) -> None:
        """Issue the directives due today, and any the scenario forces today."""
        issue = self.due <= day
        forced = bool(self.model.forced(day, "directive"))
        if forced:
            issue[:] = True
        self.issued_today = issue
        log = self.model.log
        if log is not None and issue[0]:
            text = "the Quds Force tells the groups to lie low"
            log.add(day, "Iran", "directive", text, forced=forced)
        self.due[issue] = NEVER
        self.last_directive[issue] = day
        self.revoked[issue] = False
        self.issued += issue

    def withhold(self, day: int, groups: list[Militia]) -> None:
        """Decide, once a directive, whether to cut the supplies of each group defying it.

        A group defies a directive in force when it is neither complying nor due to comply.
        Supplies flow again when the directive lapses or the group falls in line.
        """
        model = self.model
        if not model.mechanisms.sponsor_leverage:
            return
        active = self.directive_active(day)
        for g in groups:
            defying = active & (g.comply_from == NEVER)
            g.withheld &= defying
            ask = defying & ~g.withheld & (g.withhold_asked < self.last_directive)
            if not ask.any():
                continue
            g.withhold_asked[ask] = self.last_directive[ask]
            cut = model.chance(
                f"iran.withhold.{g.name}", day, model.prob("withhold_prob", g.env()), ask
            )
            g.withheld |= cut
            if model.log is not None and cut[0]:
                text = f"withholds supplies from {g.name}, which defies the directive"
                model.log.add(day, "Iran", "withhold", text, target=g.name)

    def answer(self, day: int, struck: BoolArray, groups: list[Militia]) -> None:
        """Answer a U.S. strike on Iran today (``struck``): through the proxies, or directly.

        Unleashed proxies drop any restraint and take the strike as a loss to avenge; a
        direct strike on U.S. forces comes ``iran_response_days`` later.
        """
        model = self.model
        self.unleashed_today = np.zeros(model.n, dtype=bool)
        if not model.mechanisms.iran_response:
            return
        fire = self.direct_due == day
        self.direct.today += fire
        self.direct_due[fire] = NEVER
        if struck.any():
            self._unleash(
                day,
                model.chance("iran.proxies", day, model.prob("iran_proxy_prob"), struck),
                groups,
            )
            strike = model.chance("iran.direct", day, model.prob("iran_direct_prob"), struck)
            strike &= self.direct_due == NEVER
            lanes = np.flatnonzero(strike)
            self.direct_due[lanes] = day + at(model.whole("iran_response_days"), lanes)
            if model.log is not None and strike[0]:
                text = f"decides to strike U.S. forces directly on day {self.direct_due[0]}"
                model.log.add(day, "Iran", "decision", text)
        if model.log is not None and fire[0]:
            model.log.add(day, "Iran", "strike_us", "strikes U.S. forces directly")

    def _unleash(self, day: int, lanes: BoolArray, groups: list[Militia]) -> None:
        """End any directive in ``lanes`` and turn the groups loose, each with revenge to take."""
        model = self.model
        self.unleashed_today = lanes
        self.unleashed.today += lanes
        idx = np.flatnonzero(lanes)
        if not idx.size:
            return
        self.revoked[idx] = True  # days_since_directive still counts from the directive
        self.due[idx] = NEVER
        for g in groups:
            g.unleash(idx)
        if model.log is not None and lanes[0]:
            model.log.add(day, "Iran", "unleash", "answers through its proxies: restraint ends")

    def decide(self, day: int) -> None:
        """When the trigger holds, schedule a directive 1 or more days ahead."""
        model = self.model
        if not model.mechanisms.directive:
            return
        idle = (self.due == NEVER) & ~self.directive_active(day)
        fire = idle & np.asarray(model.value("directive_trigger"), dtype=bool)
        lanes = np.flatnonzero(fire)  # the delay is drawn only where a directive is decided
        delay = uniform_int(
            model.uniform_at("iran.delay", day, lanes),
            at(model.whole("directive_delay_min"), lanes),
            at(model.whole("directive_delay_max"), lanes),
        )
        self.due[lanes] = day + delay
        if model.log is not None and fire[0]:
            text = f"decides to issue a directive on day {self.due[0]}"
            model.log.add(day, "Iran", "decision", text)

    def end_day(self) -> None:
        """Close the day's counts of Iran's direct strikes and of its proxies unleashed."""
        self.direct.end_day()
        self.unleashed.end_day()
