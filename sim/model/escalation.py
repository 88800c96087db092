"""The escalation model: the actors, the step order, and the state variables rules read.

Core objects: :class:`EscalationModel`. One call of :meth:`EscalationModel.step` advances
every trial by one day, in the order written in that method and nowhere else. A single trial
is the same code with one lane.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from sim.core.types import FloatArray, Number, SeedLike
from sim.model.base import Env, LaneModel, check_names
from sim.model.iran import QudsForce
from sim.model.iraq import IraqiGovernment
from sim.model.militia import Militia
from sim.model.recorder import Recorder
from sim.model.united_states import UnitedStates
from sim.model.world import World
from sim.scenario.loader import Scenario
from sim.scenario.vocabulary import GLOBAL_VARS


def _constant(value: Number) -> Number:
    return value


class EscalationModel(LaneModel):
    """All actors, for a block of trials that advance together one day per step.

    Args:
        scenario: The validated scenario.
        n: Number of trials (lanes) in this block.
        seed: The run's root seed.
        start: Index of this block's first trial in the whole run (for its random streams).
        days: The days the recorder is sized for (the scenario's own by default).
        lanes: One value per lane for any number the model reads, by key path (see
            :class:`~sim.model.values.LaneValues`); they replace declared uncertainties.
        point: Every number at its point value: no draws from declared uncertainties.
        copies: The lanes are copies of a block of trials (see
            :class:`~sim.model.base.LaneModel`).
    """

    def __init__(
        self,
        scenario: Scenario,
        n: int,
        seed: SeedLike,
        start: int = 0,
        days: int | None = None,
        lanes: Mapping[str, FloatArray] | None = None,
        point: bool = False,
        copies: int = 1,
    ) -> None:
        """Build the actors from the scenario, and a recorder for ``days`` days."""
        super().__init__(scenario, n, seed, start, lanes, point, copies)
        spec = scenario.spec
        self.iraq = IraqiGovernment(self)
        self.iran = QudsForce(self)
        self.us = UnitedStates(self)
        self.militias = {
            name: Militia(self, i, name, group)
            for i, (name, group) in enumerate(spec.militias.items())
        }
        self.militia_list = list(self.militias.values())
        self.world = World(n, len(self.militia_list))
        self.drivers: dict[str, Number] = dict(self.values.drivers)
        self.env = Env(self._global_getters(), {})
        n_days = days if days is not None else spec.days
        self.recorder = Recorder(self, n_days, self.world, self.us, self.iran, self.iraq)

    def step(self) -> None:
        """Advance every trial by one day. This is the model's one and only step order."""
        day = self.day
        groups = self.militia_list
        self._apply_schedule(day)  # 1. drivers set by the scenario's schedule
        self.iran.issue(day)  # 2. Iran issues the 'lie low' directives due today
        for m in groups:  # 3. groups obey, lag, fall in line, or lapse
            m.respond(day, self.iran.issued_today)
        self.iran.withhold(day, groups)  # 4. Iran cuts the supplies of groups that defy it
        for m in groups:  # 5. groups attack; attacks wound or kill
            m.attack(day, self.world)
        self.us.retaliate(day, groups)  # 6. U.S. strikes militias, commanders, Iran
        self.iran.answer(day, self.us.iran_today, groups)  # 7. Iran answers a strike on Iran
        self.us.deliberate(day)  # 8. after today's deaths the U.S. prepares a mass retaliation
        self.iraq.request(day)  # 9. Iraq asks Iran to rein the groups in
        self.iran.decide(day)  # 10. Iran schedules a directive for a later day
        self.iraq.negotiate(day)  # 11. U.S.-Iraq talks advance or stall
        self.iraq.draw_down(day)  # 12. an agreement draws U.S. troops out of Iraq
        self.recorder.record(day)  # 13. the outcomes of the day are recorded
        if self.log is not None:
            self.log.end_day(day, int(self.recorder.max_rung[0]))
        for m in groups:  # 14. close the day
            m.end_day()
        for actor in (self.us, self.iran, self.iraq, self.world):
            actor.end_day()
        self.day += 1

    def _global_getters(self) -> dict[str, Callable[[], Any]]:
        w, us, iran, iraq = self.world, self.us, self.iran, self.iraq
        mech, troops = self.mechanisms, self.values.troops
        getters: dict[str, Callable[[], Any]] = {
            "day": lambda: self.day,
            "attacks_today": lambda: w.attacks.today,
            "attacks_7d": lambda: w.attacks.last(7),
            "attacks_30d": lambda: w.attacks.last(30),
            "us_wounded_7d": lambda: w.wounded.last(7),
            "us_killed_today": lambda: w.killed.today,
            "us_killed_7d": lambda: w.killed.last(7),
            "us_killed_30d": lambda: w.killed.last(30),
            "us_killed_total": lambda: w.killed.total + w.killed.today,
            "strikes_7d": lambda: us.strikes.last(7),
            "leader_strikes_7d": lambda: us.leader_strikes.last(7),
            "days_since_strike": lambda: np.minimum(self.day - us.last_strike, 9999),
            "responding": lambda: us.responding(),
            "days_since_mass_strike": lambda: np.minimum(self.day - us.last_mass, 9999),
            "iran_strikes_30d": lambda: us.iran_strikes.last(30),
            "iran_direct_30d": lambda: iran.direct.last(30),
            "proxies_unleashed": lambda: iran.unleashed.last(30) > 0,
            "directive_active": lambda: iran.directive_active(self.day),
            "days_since_directive": lambda: iran.days_since_directive(self.day),
            "directives_issued": lambda: iran.issued,
            "iraq_request": lambda: iraq.request_until >= self.day,
            "iraq_pressing": lambda: mech.iraqi_pressure & (iraq.request_until >= self.day),
            "talks_progress": lambda: iraq.talks_progress,
            "talks_stalled": lambda: mech.talks_resumption & iraq.talks_stalled(),
            "under_fire": lambda: (
                mech.posture & (w.attacks.last(7) > self.param("under_fire_attacks_7d"))
            ),
            "withdrawal_agreed": lambda: iraq.withdrawal_agreed,
            "n_complying": lambda: sum(m.complying.astype(np.int64) for m in self.militia_list),
            "presence_iraq": lambda: iraq.presence if mech.withdrawal else 1.0,
            "presence_syria": lambda: 1.0,
            "troops_iraq": lambda: troops["iraq"] * iraq.presence,
            "troops_syria": lambda: troops["syria"],
        }
        check_names(getters, GLOBAL_VARS, "global")
        for name, value in self.values.params.items():
            getters[name] = functools.partial(_constant, value)
        for name in self.drivers:
            getters[name] = functools.partial(self._driver, name)
        return getters

    def _driver(self, name: str) -> Number:
        return self.drivers[name]

    def _apply_schedule(self, day: int) -> None:
        self.drivers = dict(self.values.drivers)
        for entry, values in zip(self.scenario.spec.schedule, self.values.schedule, strict=True):
            if entry.day <= day and (entry.until is None or day <= entry.until):
                self.drivers.update(values)
