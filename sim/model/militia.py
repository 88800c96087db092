"""One Iran-aligned group: its attacks, its answer to Iran, and what U.S. strikes do to it.

Core objects: :class:`Militia`, a ``mesa.Agent`` whose state is arrays over lanes: strength,
revenge and deterrence (both from U.S. strikes, both fading), compliance with a directive,
the supplies Iran lets through (``mechanisms.sponsor_leverage``), and its recent attacks.
Its decisions are the scenario's militia rules (``attack_rate``, ``comply_prob``,
``lapse_prob``, ``yield_prob``, ``withhold_prob``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from sim.core.errors import InputError
from sim.core.types import BoolArray, FloatArray, IntArray
from sim.model.actor import NEVER, THEATERS, Actor
from sim.model.base import Env, LaneModel, check_names
from sim.model.draws import MAX_RATE, at, casualties, poisson, uniform_int
from sim.model.trailing import Trailing
from sim.model.values import first
from sim.scenario.expr import Value
from sim.scenario.vocabulary import MILITIA_VARS

if TYPE_CHECKING:
    from sim.model.world import World
    from sim.scenario.schema import MilitiaSpec


class Militia(Actor):
    """One Iran-aligned group: attacks U.S. forces, obeys (or not) Iran, absorbs U.S. strikes.

    Args:
        model: The model.
        index: The group's position among the militias.
        name: The group's key in the scenario.
        spec: Its configured doctrine and strengths.
    """

    def __init__(self, model: LaneModel, index: int, name: str, spec: MilitiaSpec) -> None:
        """Start intact, not complying, with no losses."""
        super().__init__(model)
        n = model.n
        self.index, self.name, self.spec = index, name, spec
        self.values = model.values.militia(name)  # its numbers: scalars, or one a lane
        self._getters = self._variables()
        self.strength: FloatArray = np.ones(n)
        self.revenge: FloatArray = np.zeros(n)
        self.deterrence: FloatArray = np.zeros(n)
        self.comply_from: IntArray = np.full(n, NEVER, dtype=np.int64)
        self.leaders_lost: IntArray = np.zeros(n, dtype=np.int64)
        self.strikes_taken: IntArray = np.zeros(n, dtype=np.int64)
        self.attacks = Trailing((n,), (7, 30))  # both theaters
        self.complying: BoolArray = np.zeros(n, dtype=bool)
        self.supply: FloatArray = np.ones(n)  # share of Iran's supplies reaching the group
        self.withheld: BoolArray = np.zeros(n, dtype=bool)
        self.withhold_asked: IntArray = np.full(n, -NEVER, dtype=np.int64)  # for that directive

    def env(self) -> Env:
        """The context a militia rule is evaluated in: the group's variables, then globals."""
        return Env(self._getters, self.model.env)

    def _variables(self) -> dict[str, Callable[[], Value]]:
        """The group's state variables, read when a rule reads them (checked once)."""
        s, v = self.spec, self.values
        getters: dict[str, Callable[[], Value]] = {
            "capability": lambda: v["capability"],
            "share": lambda: v["share"],
            "compliance": lambda: v["compliance"],
            "prefers_talks": lambda: v["prefers_talks"],
            "is_holdout": lambda: s.doctrine == "holdout",
            "strength": lambda: self.strength,
            "complying": lambda: self.complying,
            "revenge": lambda: self.revenge,
            "deterrence": lambda: self.deterrence,
            "group_attacks_7d": lambda: self.attacks.last(7),
            "leaders_lost": lambda: self.leaders_lost,
            "strikes_taken": lambda: self.strikes_taken,
            "supply": lambda: self.supply,
            "withheld": lambda: self.withheld,
        }
        check_names(getters, MILITIA_VARS, "militia")
        return getters

    def respond(self, day: int, issued: BoolArray) -> None:
        """Decide on a directive Iran ``issued`` today, start complying after a lag, or lapse."""
        model = self.model
        if issued.any():
            comply = model.prob("comply_prob", self.env())
            obey = model.chance(f"militia.{self.name}.comply", day, comply, issued)
            lanes = np.flatnonzero(obey)  # the lag is drawn only where the group obeys
            start = day + uniform_int(
                model.uniform_at(f"militia.{self.name}.lag", day, lanes),
                0,
                at(model.whole("comply_lag_max"), lanes),
            )
            if model.log is not None and issued[0]:
                self._log_answer(day, bool(obey[0]), int(start[0]) if obey[0] else day)
            self.comply_from[lanes] = np.minimum(self.comply_from[lanes], start)
        was = self.complying
        self.complying = self.comply_from <= day
        if model.log is not None and self.complying[0] and not was[0]:
            withheld = f"{first(model.param('restraint_level')):.1%} of its attacks withheld"
            model.log.add(day, self.name, "lie_low", f"lies low: complies ({withheld})")
        if model.mechanisms.sponsor_leverage:
            self._reconsider(day)
        if model.mechanisms.restraint_relaxation and self.complying.any():
            lapse_prob = model.prob("lapse_prob", self.env())
            lapse = model.chance(f"militia.{self.name}.lapse", day, lapse_prob, self.complying)
            self.comply_from[lapse] = NEVER
            self.complying &= ~lapse
            if model.log is not None and lapse[0]:
                model.log.add(day, self.name, "lapse", "abandons restraint")

    def _reconsider(self, day: int) -> None:
        """A group defying a directive in force may fall in line after all (``yield_prob``)."""
        model = self.model
        defying = np.asarray(model.env["directive_active"], dtype=bool) & (
            self.comply_from == NEVER
        )
        if not defying.any():
            return
        fall = model.chance(
            f"militia.{self.name}.yield", day, model.prob("yield_prob", self.env()), defying
        )
        self.comply_from[fall] = day + 1
        if model.log is not None and fall[0]:
            text = f"falls in line after all: lies low from day {day + 1}"
            model.log.add(day, self.name, "yields", text)

    def unleash(self, lanes: IntArray) -> None:
        """Iran turns the group loose in ``lanes``: restraint ends, and there is revenge to take."""
        self.comply_from[lanes] = NEVER
        self.complying[lanes] = False
        self.withheld[lanes] = False
        if self.model.mechanisms.revenge:
            self.revenge[lanes] += at(self.model.param("proxy_revenge"), lanes)

    def _log_answer(self, day: int, obey: bool, start: int) -> None:
        """Trace a group's answer to a directive issued today (one-trial runs only)."""
        assert self.model.log is not None
        if obey and self.comply_from[0] < day:
            text = "agrees, already lying low"
        elif obey and self.comply_from[0] <= start:
            text = f"agrees, already due to lie low from day {self.comply_from[0]}"
        elif obey:
            text = f"agrees to lie low from day {start}"
        else:
            text = "refuses the directive"
        self.model.log.add(day, self.name, "obeys" if obey else "refuses", text)

    def attack(self, day: int, world: World) -> None:
        """Attack U.S. forces in each theater; attacks may wound or kill (tallied in ``world``)."""
        model = self.model
        rate = np.maximum(np.asarray(model.value("attack_rate", self.env()), dtype=float), 0)
        if rate.max(initial=0.0) > MAX_RATE:
            raise InputError(
                f"rule gave {rate.max():g} attacks a day for {self.name} on day {day}; "
                f"the model handles at most {MAX_RATE:g} a group a day (check the group's "
                f"capability and share, and the rule)",
                file=model.scenario.files[0],
                path=["rules", "attack_rate", "expr"],
            )
        for theater in THEATERS:
            share = self.values[f"theaters.{theater}"] * model.env[f"presence_{theater}"]
            stream = f"militia.{self.name}.{theater}"
            hit, n = poisson(model.uniform(f"{stream}.attacks", day), rate * share)
            killed = wounded = np.zeros(hit.size, dtype=np.int64)
            if model.mechanisms.casualties and hit.size:  # drawn only where there were attacks
                killed = self._hurt(f"{stream}.killed", day, hit, n, "p_attack_kills", "killed")
                wounded = self._hurt(f"{stream}.wounded", day, hit, n, "p_attack_wounds", "wounded")
            if model.log is not None and hit.size and hit[0] == 0:
                model.log.attack(
                    day, self.name, theater, int(n[0]), int(killed[0]), int(wounded[0])
                )
            self.attacks.today[hit] += n
            world.record_attacks(self.index, hit, n, killed, wounded)
            for event in model.forced(day, "attack", self.name, theater):
                self.attacks.today += 1
                world.record_forced(self.index, event.killed, event.wounded)
                if model.log is not None:
                    model.log.attack(day, self.name, theater, 1, event.killed, event.wounded, True)

    def _hurt(
        self, stream: str, day: int, lanes: IntArray, attacks: IntArray, p: str, kind: str
    ) -> IntArray:
        """Personnel killed or wounded (``kind``) by ``attacks`` attacks in the lanes ``lanes``."""
        model = self.model
        return casualties(
            model.uniform_at(stream, day, lanes),
            attacks,
            at(model.param(p), lanes),
            at(model.param(f"{kind}_tail"), lanes),
            at(model.param(f"{kind}_max"), lanes),
        )

    def struck(self, hit: IntArray, leader: IntArray, degrade: str = "strike_degrade") -> None:
        """Take a U.S. strike in trials ``hit``, which in trials ``leader`` kills a commander.

        ``degrade`` names the parameter of the strength the strike takes away (a mass
        retaliation's is ``mass_degrade``).
        """
        model = self.model
        self.strength[hit] *= 1.0 - at(model.param(degrade), hit)
        self.strength[leader] *= 1.0 - at(model.param("leader_degrade"), leader)
        self.leaders_lost[leader] += 1
        self.strikes_taken[hit] += 1
        if model.mechanisms.revenge:
            self.revenge[hit] += at(model.param("revenge_per_strike"), hit)
            self.revenge[leader] += at(model.param("revenge_per_leader"), leader)
        if model.mechanisms.deterrence:  # in units of one strike, as revenge
            self.deterrence[hit] += 1.0
            self.deterrence[leader] += at(model.param("deterrence_per_leader"), leader)

    def losses_text(self) -> str:
        """What the group's losses do to its attacks in lane 0, in words (for a trace)."""
        p = self.model.param
        parts = []
        if self.model.mechanisms.deterrence:
            d = first(self.deterrence)
            parts.append(f"deterrence holds back {first(p('deterrence_gain')) * d / (1 + d):.0%}")
        if self.model.mechanisms.revenge:
            parts.append(f"revenge adds {first(p('revenge_gain')) * first(self.revenge):.0%}")
        return f" (of its attacks, {' and '.join(parts)})" if parts else ""

    def end_day(self) -> None:
        """Recover strength, let revenge and deterrence fade, run supplies down or up."""
        model = self.model
        self.strength += model.param("strength_recovery") * (1.0 - self.strength)
        self.revenge *= model.decay("revenge_half_life")
        if model.mechanisms.deterrence:
            self.deterrence *= model.decay("deterrence_half_life")
        if model.mechanisms.sponsor_leverage:  # stocks run down, or are restocked
            target = 1.0 - model.param("sponsor_share") * self.withheld
            pace = 1.0 - model.decay("supply_half_life")
            self.supply += pace * (target - self.supply)
        self.attacks.end_day()
