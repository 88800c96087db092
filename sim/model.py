"""The escalation model: one ``mesa.Model`` whose every array has a trial axis.

Core objects: :class:`EscalationModel` and :class:`World` (the day's shared counts). One call
of :meth:`EscalationModel.step` advances every trial by one day, in the order written in that
method and nowhere else. A single trial is the same code with one lane.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
import numpy.typing as npt

from sim.agents import IraqiGovernment, Militia, QudsForce, UnitedStates
from sim.errors import InputError
from sim.expr import Value
from sim.recorder import Recorder
from sim.scenario import Scenario
from sim.schema import Event
from sim.streams import SeedLike, Streams
from sim.window import Window

if TYPE_CHECKING:
    from sim.trace import EventLog

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def _constant(value: float) -> float:
    return value


class World:
    """Today's shared tallies over all groups, with trailing windows."""

    def __init__(self, n: int, n_groups: int) -> None:
        """Start with nothing counted."""
        self.attacks = Window((n,), (7, 30))
        self.killed = Window((n,), (7, 30))
        self.wounded = Window((n,), (7,))
        self.by_group: IntArray = np.zeros((n_groups, n), dtype=np.int64)
        self.forced_killed: IntArray = np.zeros(n, dtype=np.int64)

    def record_attacks(
        self, militia: Militia, n: IntArray, killed: IntArray, wounded: IntArray
    ) -> None:
        """Add one group's attacks in one theater, and their casualties, to today's tallies."""
        self.attacks.today += n
        self.killed.today += killed
        self.wounded.today += wounded
        self.by_group[militia.index] += n

    def end_day(self) -> None:
        """Close today's tallies."""
        for window in (self.attacks, self.killed, self.wounded):
            window.end_day()
        self.by_group[:] = 0
        self.forced_killed[:] = 0


class Env(Mapping[str, Value]):
    """The values an expression may read, computed only when it reads them."""

    def __init__(self, getters: Mapping[str, Callable[[], Value]], parent: Mapping[str, Value]):
        """Look names up in ``getters`` first, then in ``parent``."""
        self._getters, self._parent = getters, parent

    def __getitem__(self, name: str) -> Value:
        """Compute the value of ``name`` now."""
        getter = self._getters.get(name)
        return getter() if getter is not None else self._parent[name]

    def __iter__(self) -> Iterator[str]:
        """All names, own first."""
        yield from self._getters
        yield from self._parent

    def __len__(self) -> int:
        """The number of names."""
        return len(self._getters) + len(self._parent)


class EscalationModel(mesa.Model):  # type: ignore[misc]
    """All actors, for a block of trials that advance together one day per step.

    Args:
        scenario: The validated scenario.
        n: Number of trials (lanes) in this block.
        seed: The run's root seed.
        start: Index of this block's first trial in the whole run (for its random streams).
    """

    def __init__(
        self, scenario: Scenario, n: int, seed: SeedLike, start: int = 0, days: int | None = None
    ) -> None:
        """Build the actors from the scenario, and a recorder for ``days`` days."""
        super().__init__(seed=0)  # Mesa's own RNG is unused: all draws come from self.streams
        self.scenario, self.n, self.day = scenario, n, 0
        spec = scenario.spec
        self.mechanisms = spec.mechanisms
        self.streams = Streams(seed, start, n)
        self._params = {name: p.value for name, p in spec.params.items()}
        self._events: dict[int, list[Event]] = {}
        for event in spec.events:
            self._events.setdefault(event.day, []).append(event)
        self.iraq = IraqiGovernment(self)
        self.iran = QudsForce(self)
        self.us = UnitedStates(self)
        self.militias = {
            name: Militia(self, i, name, m) for i, (name, m) in enumerate(spec.militias.items())
        }
        self.militia_list = list(self.militias.values())
        self.world = World(n, len(self.militia_list))
        self.drivers = {name: d.value for name, d in spec.drivers.items()}
        self._env: Env = Env(self._global_getters(), {})
        self.recorder = Recorder(self, days if days is not None else spec.days)
        self.log: EventLog | None = None  # set by sim.trace to follow one trial's events

    def step(self) -> None:
        """Advance every trial by one day. This is the model's one and only step order."""
        day = self.day
        self._apply_schedule(day)  # 1. drivers set by the scenario's schedule
        self.iran.issue(day)  # 2. Iran issues the 'lie low' directives due today
        for m in self.militia_list:  # 3. groups obey, lag, or lapse
            m.respond(day)
        for m in self.militia_list:  # 4. groups attack; attacks wound or kill
            m.attack(day)
        self.us.retaliate(day)  # 5. U.S. strikes militias, commanders, Iran
        self.iraq.request(day)  # 6. Iraq asks Iran to rein the groups in
        self.iran.decide(day)  # 7. Iran schedules a directive for a later day
        self.iraq.negotiate(day)  # 8. U.S.-Iraq talks advance or stall
        self.recorder.record(day)  # 9. the outcomes of the day are recorded
        if self.log is not None:
            self.log.end_day(day, int(self.recorder.max_rung[0]))
        for m in self.militia_list:  # 10. close the day
            m.end_day()
        self.us.end_day()
        self.world.end_day()
        self.day += 1

    def close(self) -> None:
        """Drop Mesa's class-level reference to this model so it can be freed."""
        self.remove_all_agents()
        mesa.Agent._ids.pop(self, None)

    # --- rules and randomness -------------------------------------------------------------
    def uniform(self, stream: str, day: int, draw: int = 0) -> FloatArray:
        """One uniform number per trial from the named stream."""
        return self.streams.uniform(stream, day, draw)

    def param(self, name: str) -> float:
        """A scenario parameter's value."""
        return self._params[name]

    def value(self, rule: str, env: Mapping[str, Value] | None = None) -> Value:
        """Evaluate a rule over all trials (the global context unless ``env`` is given).

        Raises:
            InputError: The rule gave NaN or an infinity in some trial (a division by zero,
                say), which would otherwise pass silently as "nothing happens".
        """
        out = self.scenario.rules[rule](self._env if env is None else env)
        if not np.isfinite(np.sum(out, dtype=np.float64)):
            bad = int(np.count_nonzero(~np.isfinite(np.asarray(out, dtype=np.float64))))
            raise InputError(
                f"rule gave a non-finite value (NaN or infinity) on day {self.day} in {bad} "
                f"trial(s): {' '.join(self.scenario.rules[rule].text.split())!r}",
                file=self.scenario.files[0],
                path=["rules", rule, "expr"],
            )
        return out

    def prob(self, rule: str, env: Mapping[str, Value] | None = None) -> FloatArray:
        """Evaluate a probability rule, clipped to [0, 1]."""
        return np.clip(np.asarray(self.value(rule, env), dtype=np.float64), 0.0, 1.0)

    def forced(
        self, day: int, kind: str, militia: str | None = None, theater: str | None = None
    ) -> list[Event]:
        """The scenario's forced events of this kind today (for this group and theater)."""
        return [
            e
            for e in self._events.get(day, ())
            if e.kind == kind
            and (militia is None or e.militia == militia)
            and (theater is None or e.theater == theater)
        ]

    def militia_env(self, m: Militia) -> Env:
        """The context a militia rule is evaluated in: the group's variables, then globals."""
        s = m.spec
        getters: dict[str, Callable[[], Value]] = {
            "capability": lambda: s.capability,
            "share": lambda: s.share,
            "compliance": lambda: s.compliance,
            "prefers_talks": lambda: s.prefers_talks,
            "is_holdout": lambda: s.doctrine == "holdout",
            "strength": lambda: m.strength,
            "complying": lambda: m.complying,
            "revenge": lambda: m.revenge,
            "group_attacks_7d": lambda: m.attacks.last(7).sum(axis=0),
            "leaders_lost": lambda: m.leaders_lost,
        }
        return Env(getters, self._env)

    def _global_getters(self) -> dict[str, Callable[[], Any]]:
        w, us, iran, iraq = self.world, self.us, self.iran, self.iraq
        getters: dict[str, Callable[[], Any]] = {
            "day": lambda: self.day,
            "attacks_today": lambda: w.attacks.today,
            "attacks_7d": lambda: w.attacks.last(7),
            "attacks_30d": lambda: w.attacks.last(30),
            "us_wounded_7d": lambda: w.wounded.last(7),
            "us_killed_7d": lambda: w.killed.last(7),
            "us_killed_30d": lambda: w.killed.last(30),
            "us_killed_total": lambda: w.killed.total + w.killed.today,
            "strikes_7d": lambda: us.strikes.last(7),
            "leader_strikes_7d": lambda: us.leader_strikes.last(7),
            "days_since_strike": lambda: np.minimum(self.day - us.last_strike, 9999),
            "directive_active": lambda: iran.directive_active(self.day),
            "days_since_directive": lambda: iran.days_since_directive(self.day),
            "directives_issued": lambda: iran.issued,
            "iraq_request": lambda: iraq.request_until >= self.day,
            "talks_progress": lambda: iraq.talks_progress,
            "withdrawal_agreed": lambda: iraq.withdrawal_agreed,
            "n_complying": lambda: sum(m.complying.astype(np.int64) for m in self.militia_list),
            "troops_iraq": lambda: self.scenario.spec.theaters["iraq"].us_troops,
            "troops_syria": lambda: self.scenario.spec.theaters["syria"].us_troops,
        }
        for name, value in self._params.items():
            getters[name] = functools.partial(_constant, value)
        for name in self.drivers:
            getters[name] = functools.partial(self._driver, name)
        return getters

    def _driver(self, name: str) -> float:
        return self.drivers[name]

    def _apply_schedule(self, day: int) -> None:
        spec = self.scenario.spec
        self.drivers = {name: d.value for name, d in spec.drivers.items()}
        for entry in spec.schedule:
            if entry.day <= day and (entry.until is None or day <= entry.until):
                self.drivers.update(entry.set)


__all__ = ["BoolArray", "EscalationModel", "FloatArray", "IntArray", "World"]
