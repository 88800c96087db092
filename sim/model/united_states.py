"""The United States: routine strikes, a deliberate mass retaliation, and strikes on Iran.

Core objects: :class:`UnitedStates`. Each day it may strike a militia (the target drawn by
the groups' recent attacks), kill a commander, strike Iran; after U.S. deaths it may decide
on a mass retaliation, prepared over ``deliberation_days`` and aimed at every group that
attacked in the last month (``mechanisms.deliberation``).
"""

from __future__ import annotations

import numpy as np

from sim.core.types import BoolArray, IntArray
from sim.model.actor import NEVER, Actor
from sim.model.base import LaneModel
from sim.model.draws import at, categorical
from sim.model.militia import Militia
from sim.model.trailing import Trailing


class UnitedStates(Actor):
    """Retaliates: strikes militias (sometimes their commanders), at the top strikes Iran."""

    def __init__(self, model: LaneModel) -> None:
        """Start with no strikes and no response in preparation."""
        super().__init__(model)
        n = model.n
        self.last_strike: IntArray = np.full(n, -NEVER, dtype=np.int64)
        self.strikes = Trailing((n,), (7,))
        self.leader_strikes = Trailing((n,), (7,))
        self.iran_strikes = Trailing((n,), (30,))
        self.iran_today: BoolArray = np.zeros(n, dtype=bool)
        self.target: IntArray = np.full(n, -1, dtype=np.int64)
        self.response_due: IntArray = np.full(n, NEVER, dtype=np.int64)
        self.last_mass: IntArray = np.full(n, -NEVER, dtype=np.int64)
        self.mass_today: BoolArray = np.zeros(n, dtype=bool)
        self.mass_hit: list[str] = []  # the groups a traced trial's mass strike hit

    def responding(self) -> BoolArray:
        """Whether a mass retaliation is being prepared."""
        out: BoolArray = self.response_due != NEVER
        return out

    def retaliate(self, day: int, groups: list[Militia]) -> None:
        """Strike or not today; pick the target among ``groups`` by recent attacks; strike Iran."""
        model = self.model
        strike = np.zeros(model.n, dtype=bool)
        if model.mechanisms.retaliation:
            strike = model.chance("us.strike", day, model.prob("us_strike_prob"))
        self.mass_today = self.response_due <= day
        self.response_due[self.mass_today] = NEVER
        if self.mass_today.any():  # no group attacked in a month: nothing to strike
            due = np.flatnonzero(self.mass_today)
            self.mass_today[due[sum(g.attacks.last_at(30, due) for g in groups) == 0]] = False
        leader = np.zeros(model.n, dtype=bool)
        if model.mechanisms.leadership_strikes:
            among = strike | self.mass_today
            leader = model.chance("us.leader", day, model.prob("leader_kill_prob"), among)
        forced = model.forced(day, "us_strike")
        for event in forced:
            strike[:] = True
            leader[:] = event.leader_killed
        target = self._aim(day, strike, groups)
        for event in forced:
            target[:] = [g.name for g in groups].index(event.militia or "")
        self.target = target
        lanes = np.flatnonzero(strike & ~self.mass_today)
        for g in groups:
            hit = lanes[target[lanes] == g.index]
            if hit.size:
                g.struck(hit, hit[leader[hit]])
        self._mass(day, leader, groups)
        self.strikes.today += strike | self.mass_today
        self.leader_strikes.today += leader
        self.last_strike[strike | self.mass_today] = day
        self.iran_today = np.zeros(model.n, dtype=bool)
        if model.mechanisms.retaliation and model.mechanisms.strikes_on_iran:
            self.iran_today = model.chance("us.iran", day, model.prob("us_strike_iran_prob"))
        self.iran_strikes.today += self.iran_today
        if model.log is not None:
            self._log(day, strike, leader, bool(forced), groups)

    def _aim(self, day: int, strike: BoolArray, groups: list[Militia]) -> IntArray:
        """Each striking lane's target, drawn by the groups' attacks in the last week (or -1)."""
        model = self.model
        target = np.full(model.n, -1, dtype=np.int64)
        lanes = np.flatnonzero(strike)  # the target is drawn only where a strike happens
        if lanes.size:
            u_target = model.uniform_at("us.target", day, lanes)
            recent = np.stack([g.attacks.last_at(7, lanes) for g in groups])
            shares = np.stack([np.broadcast_to(g.values["share"], (model.n,)) for g in groups])
            floor = at(model.param("target_floor"), lanes) * shares[:, lanes]
            target[lanes] = categorical(u_target, recent + floor)
        return target

    def _mass(self, day: int, leader: BoolArray, groups: list[Militia]) -> None:
        """Carry out the mass retaliations due today: every group that attacked in 30 days.

        A commander killed in a mass strike is the most active group's (its last week's
        attacks, ties to the first).
        """
        lanes = np.flatnonzero(self.mass_today)
        if not lanes.size:
            return
        month = np.stack([g.attacks.last_at(30, lanes) for g in groups])
        self.last_mass[lanes] = day
        week = np.stack([g.attacks.last_at(7, lanes) for g in groups])
        top = np.argmax(week + month * 1e-6, axis=0)  # the week's, then the month's, most active
        for g in groups:
            hit = lanes[month[g.index] > 0]
            if hit.size:
                g.struck(hit, lanes[leader[lanes] & (top == g.index)], "mass_degrade")
        self.target[lanes] = top
        if self.model.log is not None:  # lane 0 is the one lane of a traced trial
            self.mass_hit = [g.name for g in groups if month[g.index, 0] > 0]

    def deliberate(self, day: int) -> None:
        """After U.S. deaths today, decide on a mass retaliation, ``deliberation_days`` ahead."""
        model = self.model
        if not (model.mechanisms.deliberation and model.mechanisms.retaliation):
            return
        decide = model.chance(
            "us.deliberate", day, model.prob("mass_retaliation_prob"), ~self.responding()
        )
        lanes = np.flatnonzero(decide)
        self.response_due[lanes] = day + at(model.whole("deliberation_days"), lanes)
        if model.log is not None and decide[0]:
            text = f"decides on a mass retaliation, to come on day {self.response_due[0]}"
            model.log.add(day, "U.S.", "deliberates", text)

    def _log(
        self, day: int, strike: BoolArray, leader: BoolArray, forced: bool, groups: list[Militia]
    ) -> None:
        """Trace lane 0's strikes of today (one-trial runs only)."""
        log = self.model.log
        assert log is not None
        name = groups[self.target[0]].name if self.target[0] >= 0 else ""
        killing = ", killing a commander" if leader[0] else ""
        if self.mass_today[0]:
            text = f"mass retaliation: strikes {', '.join(self.mass_hit)} at once"
            text += f" (a commander of {name} killed)" if leader[0] else ""
            log.add(day, "U.S.", "mass_strike", text, forced, name, bool(leader[0]))
        elif strike[0]:
            text = f"strikes {name}{killing}{groups[self.target[0]].losses_text()}"
            log.add(day, "U.S.", "strike", text, forced, name, bool(leader[0]))
        if self.iran_today[0]:
            log.add(day, "U.S.", "strike_iran", "strikes Iran directly")

    def end_day(self) -> None:
        """Close the day's strike counts."""
        self.strikes.end_day()
        self.leader_strikes.end_day()
        self.iran_strikes.end_day()
