"""The actors: Iran's Quds Force, the United States, the Iraqi government and the militias.

Core objects: :class:`QudsForce`, :class:`UnitedStates`, :class:`IraqiGovernment`,
:class:`Militia`. Each is a ``mesa.Agent`` whose state is a set of numpy arrays over trials
(one lane per trial), and whose decisions are rules from the scenario's YAML, written as
boolean-mask algebra. The order in which they act is fixed in ``LaneModel.step``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.core.errors import InputError
from sim.core.types import BoolArray, FloatArray, IntArray
from sim.model.base import Env, LaneModel, check_names
from sim.model.draws import MAX_RATE, at, casualties, categorical, poisson, uniform_int
from sim.model.trailing import Trailing
from sim.model.values import first
from sim.scenario.expr import Value
from sim.scenario.vocabulary import MILITIA_VARS

if TYPE_CHECKING:
    from sim.model.world import World
    from sim.scenario.schema import MilitiaSpec

NEVER = 1 << 30  # a day that never comes
THEATERS = ("iraq", "syria")


class Actor(mesa.Agent):  # type: ignore[misc]
    """Base for the model's actors: typed access to the escalation model."""

    model: LaneModel

    def __init__(self, model: LaneModel) -> None:
        """Register with the model."""
        super().__init__(model)


class IraqiGovernment(Actor):
    """Asks Iran to rein in the groups after a major attack; negotiates U.S. withdrawal."""

    def __init__(self, model: LaneModel) -> None:
        """Start with no request pending and no talks progress."""
        super().__init__(model)
        n = model.n
        self.request_until: IntArray = np.full(n, -1, dtype=np.int64)
        self.talks_progress: FloatArray = np.zeros(n)
        self.withdrawal_agreed: BoolArray = np.zeros(n, dtype=bool)

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

    def negotiate(self, day: int) -> None:
        """Advance talks when violence is low; an agreement is reached by chance."""
        model = self.model
        if not model.mechanisms.talks:
            return
        change = np.asarray(model.value("talks_progress_rate"), dtype=np.float64)
        np.clip(self.talks_progress + change, 0.0, 1.0, out=self.talks_progress)
        agree = model.chance(
            "iraq.agreement", day, model.prob("agreement_prob"), ~self.withdrawal_agreed
        )
        if model.log is not None and agree[0] and not self.withdrawal_agreed[0]:
            model.log.add(day, "Iraq", "agreement", "agrees with the U.S. on a withdrawal")
        self.withdrawal_agreed |= agree


class QudsForce(Actor):
    """Iran: issues a 'lie low' directive within days of its trigger."""

    def __init__(self, model: LaneModel) -> None:
        """Start with no directive issued or pending."""
        super().__init__(model)
        n = model.n
        self.due: IntArray = np.full(n, NEVER, dtype=np.int64)
        self.last_directive: IntArray = np.full(n, -NEVER, dtype=np.int64)
        self.issued: IntArray = np.zeros(n, dtype=np.int64)
        self.issued_today: BoolArray = np.zeros(n, dtype=bool)

    def days_since_directive(self, day: int) -> IntArray:
        """Days since the last directive (9999 if none yet)."""
        out: IntArray = np.where(self.issued > 0, day - self.last_directive, 9999)
        return out

    def directive_active(self, day: int) -> BoolArray:
        """Whether a directive is in force (issued less than ``directive_days`` ago)."""
        since = day - self.last_directive
        out: BoolArray = (self.issued > 0) & (since < self.model.param("directive_days"))
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
            log.add(
                day,
                "Iran",
                "directive",
                "the Quds Force tells the groups to lie low",
                forced=forced,
            )
        self.due[issue] = NEVER
        self.last_directive[issue] = day
        self.issued += issue

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
            model.log.add(
                day, "Iran", "decision", f"decides to issue a directive on day {self.due[0]}"
            )


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
        self.attacks = Trailing((n,), (7,))  # both theaters
        self.complying: BoolArray = np.zeros(n, dtype=bool)

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
        if model.mechanisms.restraint_relaxation and self.complying.any():
            lapse_prob = model.prob("lapse_prob", self.env())
            lapse = model.chance(f"militia.{self.name}.lapse", day, lapse_prob, self.complying)
            self.comply_from[lapse] = NEVER
            self.complying &= ~lapse
            if model.log is not None and lapse[0]:
                model.log.add(day, self.name, "lapse", "abandons restraint")

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
            share = self.values[f"theaters.{theater}"]
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

    def struck(self, hit: IntArray, leader: IntArray) -> None:
        """Take a U.S. strike in trials ``hit``, which in trials ``leader`` kills a commander."""
        model = self.model
        self.strength[hit] *= 1.0 - at(model.param("strike_degrade"), hit)
        self.strength[leader] *= 1.0 - at(model.param("leader_degrade"), leader)
        self.leaders_lost[leader] += 1
        if model.mechanisms.revenge:
            self.revenge[hit] += at(model.param("revenge_per_strike"), hit)
            self.revenge[leader] += at(model.param("revenge_per_leader"), leader)
        if model.mechanisms.deterrence:  # in units of one strike, as revenge
            self.deterrence[hit] += 1.0
            self.deterrence[leader] += at(model.param("deterrence_per_leader"), leader)

    def end_day(self) -> None:
        """Recover strength, let revenge and deterrence fade, and close the day's counts."""
        model = self.model
        self.strength += model.param("strength_recovery") * (1.0 - self.strength)
        half_life = np.maximum(model.param("revenge_half_life"), 1e-9)  # a ufunc, lane or not:
        self.revenge *= np.power(0.5, 1.0 / half_life)  # scalar ** differs in the last bit
        if model.mechanisms.deterrence:
            fear = np.maximum(model.param("deterrence_half_life"), 1e-9)
            self.deterrence *= np.power(0.5, 1.0 / fear)
        self.attacks.end_day()


class UnitedStates(Actor):
    """Retaliates: strikes militias (sometimes their commanders), at the top strikes Iran."""

    def __init__(self, model: LaneModel) -> None:
        """Start with no strikes."""
        super().__init__(model)
        n = model.n
        self.last_strike: IntArray = np.full(n, -NEVER, dtype=np.int64)
        self.strikes = Trailing((n,), (7,))
        self.leader_strikes = Trailing((n,), (7,))
        self.iran_strikes: IntArray = np.zeros(n, dtype=np.int64)
        self.iran_today: BoolArray = np.zeros(n, dtype=bool)
        self.target: IntArray = np.full(n, -1, dtype=np.int64)

    def retaliate(self, day: int, groups: list[Militia]) -> None:
        """Strike or not today; pick the target among ``groups`` by recent attacks; strike Iran."""
        model = self.model
        strike = np.zeros(model.n, dtype=bool)
        if model.mechanisms.retaliation:
            strike = model.chance("us.strike", day, model.prob("us_strike_prob"))
        leader = np.zeros(model.n, dtype=bool)
        if model.mechanisms.leadership_strikes:
            leader = model.chance("us.leader", day, model.prob("leader_kill_prob"), strike)
        forced = model.forced(day, "us_strike")
        for event in forced:
            strike[:] = True
            leader[:] = event.leader_killed
        # the target, by recent attacks, is drawn only where a strike happens
        target = np.full(model.n, -1, dtype=np.int64)
        lanes = np.flatnonzero(strike)
        if lanes.size:
            u_target = model.uniform_at("us.target", day, lanes)
            recent = np.stack([g.attacks.last_at(7, lanes) for g in groups])
            shares = np.stack([np.broadcast_to(g.values["share"], (model.n,)) for g in groups])
            floor = at(model.param("target_floor"), lanes) * shares[:, lanes]
            target[lanes] = categorical(u_target, recent + floor)
        for event in forced:
            target[:] = [g.name for g in groups].index(event.militia or "")
        self.target = target
        for g in groups:
            hit = lanes[target[lanes] == g.index]
            if hit.size:
                g.struck(hit, hit[leader[hit]])
        self.strikes.today += strike
        self.leader_strikes.today += leader
        self.last_strike[strike] = day
        self.iran_today = np.zeros(model.n, dtype=bool)
        if model.mechanisms.retaliation and model.mechanisms.strikes_on_iran:
            self.iran_today = model.chance("us.iran", day, model.prob("us_strike_iran_prob"))
        self.iran_strikes += self.iran_today
        if model.log is not None:
            if strike[0]:
                name = groups[target[0]].name
                text = f"strikes {name}" + (", killing a commander" if leader[0] else "")
                forced_strike = bool(forced)
                model.log.add(day, "U.S.", "strike", text, forced_strike, name, bool(leader[0]))
            if self.iran_today[0]:
                model.log.add(day, "U.S.", "strike_iran", "strikes Iran directly")

    def end_day(self) -> None:
        """Close the day's strike counts."""
        self.strikes.end_day()
        self.leader_strikes.end_day()
