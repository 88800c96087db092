"""The actors: Iran's Quds Force, the United States, the Iraqi government and the militias.

Core objects: :class:`QudsForce`, :class:`UnitedStates`, :class:`IraqiGovernment`,
:class:`Militia`. Each is a ``mesa.Agent`` whose state is a set of numpy arrays over trials
(one lane per trial), and whose decisions are rules from the scenario's YAML, written as
boolean-mask algebra. The order in which they act is fixed in ``EscalationModel.step``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.draws import MAX_RATE, casualties, categorical, poisson, uniform_int
from sim.errors import InputError
from sim.window import Window

if TYPE_CHECKING:
    from sim.model import BoolArray, EscalationModel, FloatArray, IntArray
    from sim.schema import Militia as MilitiaSpec

NEVER = 1 << 30  # a day that never comes
THEATERS = ("iraq", "syria")


class Actor(mesa.Agent):  # type: ignore[misc]
    """Base for the model's actors: typed access to the escalation model."""

    model: EscalationModel

    def __init__(self, model: EscalationModel) -> None:
        """Register with the model."""
        super().__init__(model)


class IraqiGovernment(Actor):
    """Asks Iran to rein in the groups after a major attack; negotiates U.S. withdrawal."""

    def __init__(self, model: EscalationModel) -> None:
        """Start with no request pending and no talks progress."""
        super().__init__(model)
        n = model.n
        self.request_until: IntArray = np.full(n, -1, dtype=np.int64)
        self.talks_progress: FloatArray = np.zeros(n)
        self.withdrawal_agreed: BoolArray = np.zeros(n, dtype=bool)

    def request(self, day: int) -> None:
        """Ask Iran to rein in the groups (``iraq_request_prob``, or a forced event)."""
        m = self.model
        pending = self.request_until >= day
        new = np.zeros(m.n, dtype=bool)
        if m.mechanisms.iraqi_request:
            new = ~pending & (m.uniform("iraq.request", day) < m.prob("iraq_request_prob"))
        forced = bool(m.forced(day, "iraq_request"))
        if forced:
            new[:] = True
        self.request_until[new] = day + int(m.param("iraq_request_days")) - 1
        if m.log is not None and new[0]:
            m.log.add(day, "Iraq", "request", "asks Iran to rein in the groups", forced=forced)

    def negotiate(self, day: int) -> None:
        """Advance talks when violence is low; an agreement is reached by chance."""
        m = self.model
        if not m.mechanisms.talks:
            return
        change = np.asarray(m.value("talks_progress_rate"), dtype=np.float64)
        np.clip(self.talks_progress + change, 0.0, 1.0, out=self.talks_progress)
        agree = m.uniform("iraq.agreement", day) < m.prob("agreement_prob")
        if m.log is not None and agree[0] and not self.withdrawal_agreed[0]:
            m.log.add(day, "Iraq", "agreement", "agrees with the U.S. on a withdrawal")
        self.withdrawal_agreed |= agree


class QudsForce(Actor):
    """Iran: issues a 'lie low' directive within days of its trigger."""

    def __init__(self, model: EscalationModel) -> None:
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
        m = self.model
        if not m.mechanisms.directive:
            return
        idle = (self.due == NEVER) & ~self.directive_active(day)
        fire = idle & np.asarray(m.value("directive_trigger"), dtype=bool)
        delay = uniform_int(
            m.uniform("iran.delay", day),
            int(m.param("directive_delay_min")),
            int(m.param("directive_delay_max")),
        )
        self.due = np.where(fire, day + delay, self.due)
        if m.log is not None and fire[0]:
            m.log.add(day, "Iran", "decision", f"decides to issue a directive on day {self.due[0]}")


class Militia(Actor):
    """One Iran-aligned group: attacks U.S. forces, obeys (or not) Iran, absorbs U.S. strikes.

    Args:
        model: The model.
        index: The group's position among the militias.
        name: The group's key in the scenario.
        spec: Its configured doctrine and strengths.
    """

    def __init__(self, model: EscalationModel, index: int, name: str, spec: MilitiaSpec) -> None:
        """Start intact, not complying, with no losses."""
        super().__init__(model)
        n = model.n
        self.index, self.name, self.spec = index, name, spec
        self.strength: FloatArray = np.ones(n)
        self.revenge: FloatArray = np.zeros(n)
        self.comply_from: IntArray = np.full(n, NEVER, dtype=np.int64)
        self.leaders_lost: IntArray = np.zeros(n, dtype=np.int64)
        self.attacks = Window((len(THEATERS), n), (7,))
        self.complying: BoolArray = np.zeros(n, dtype=bool)

    def respond(self, day: int) -> None:
        """Decide on a fresh directive, start complying after a lag, or lapse."""
        m = self.model
        issued = m.iran.issued_today
        if issued.any():
            env = m.militia_env(self)
            obey = issued & (
                m.uniform(f"militia.{self.name}.comply", day) < m.prob("comply_prob", env)
            )
            lag = uniform_int(
                m.uniform(f"militia.{self.name}.lag", day), 0, int(m.param("comply_lag_max"))
            )
            if m.log is not None and issued[0]:
                self._log_answer(day, bool(obey[0]), int(day + lag[0]))
            self.comply_from = np.where(
                obey, np.minimum(self.comply_from, day + lag), self.comply_from
            )
        was = self.complying
        self.complying = self.comply_from <= day
        if m.log is not None and self.complying[0] and not was[0]:
            withheld = f"{m.param('restraint_level'):.1%} of its attacks withheld"
            m.log.add(day, self.name, "lie_low", f"lies low: complies ({withheld})")
        if m.mechanisms.restraint_relaxation and self.complying.any():
            u = m.uniform(f"militia.{self.name}.lapse", day)
            lapse = self.complying & (u < m.prob("lapse_prob", m.militia_env(self)))
            self.comply_from[lapse] = NEVER
            self.complying &= ~lapse
            if m.log is not None and lapse[0]:
                m.log.add(day, self.name, "lapse", "abandons restraint")

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

    def attack(self, day: int) -> None:
        """Attack U.S. forces in each theater; attacks may wound or kill."""
        m = self.model
        rate = np.maximum(np.asarray(m.value("attack_rate", m.militia_env(self)), dtype=float), 0)
        if rate.max(initial=0.0) > MAX_RATE:
            raise InputError(
                f"rule gave {rate.max():g} attacks a day for {self.name} on day {day}; "
                f"the model handles at most {MAX_RATE:g}",
                file=m.scenario.files[0],
                path=["rules", "attack_rate", "expr"],
            )
        for t, theater in enumerate(THEATERS):
            share = self.spec.theaters.get(theater, 0.0)  # type: ignore[call-overload]
            stream = f"militia.{self.name}.{theater}"
            n = poisson(m.uniform(f"{stream}.attacks", day), rate * share)
            if m.mechanisms.casualties:
                killed = casualties(
                    m.uniform(f"{stream}.killed", day),
                    n,
                    m.param("p_attack_kills"),
                    m.param("killed_tail"),
                    m.param("killed_max"),
                )
                wounded = casualties(
                    m.uniform(f"{stream}.wounded", day),
                    n,
                    m.param("p_attack_wounds"),
                    m.param("wounded_tail"),
                    m.param("wounded_max"),
                )
            else:
                killed = wounded = np.zeros(m.n, dtype=np.int64)
            if m.log is not None and n[0]:
                m.log.attack(day, self.name, theater, int(n[0]), int(killed[0]), int(wounded[0]))
            for event in m.forced(day, "attack", self.name, theater):
                n = n + 1
                killed = killed + event.killed
                wounded = wounded + event.wounded
                m.world.forced_killed += event.killed
                if m.log is not None:
                    m.log.attack(day, self.name, theater, 1, event.killed, event.wounded, True)
            self.attacks.today[t] += n
            m.world.record_attacks(self, n, killed, wounded)

    def struck(self, hit: IntArray, leader: IntArray) -> None:
        """Take a U.S. strike in trials ``hit``, which in trials ``leader`` kills a commander."""
        m = self.model
        self.strength[hit] *= 1.0 - m.param("strike_degrade")
        self.strength[leader] *= 1.0 - m.param("leader_degrade")
        self.leaders_lost[leader] += 1
        if m.mechanisms.revenge:
            self.revenge[hit] += m.param("revenge_per_strike")
            self.revenge[leader] += m.param("revenge_per_leader")

    def end_day(self) -> None:
        """Recover strength, let revenge fade, and close the day's attack counts."""
        m = self.model
        self.strength += m.param("strength_recovery") * (1.0 - self.strength)
        self.revenge *= 0.5 ** (1.0 / max(m.param("revenge_half_life"), 1e-9))
        self.attacks.end_day()


class UnitedStates(Actor):
    """Retaliates: strikes militias (sometimes their commanders), at the top strikes Iran."""

    def __init__(self, model: EscalationModel) -> None:
        """Start with no strikes."""
        super().__init__(model)
        n = model.n
        self.last_strike: IntArray = np.full(n, -NEVER, dtype=np.int64)
        self.strikes = Window((n,), (7,))
        self.leader_strikes = Window((n,), (7,))
        self.iran_strikes: IntArray = np.zeros(n, dtype=np.int64)
        self.iran_today: BoolArray = np.zeros(n, dtype=bool)
        self.target: IntArray = np.full(n, -1, dtype=np.int64)

    def retaliate(self, day: int) -> None:
        """Decide today's strike, pick its target by recent attacks, and strike Iran at the top."""
        m = self.model
        groups = m.militia_list
        strike = np.zeros(m.n, dtype=bool)
        if m.mechanisms.retaliation:
            strike = m.uniform("us.strike", day) < m.prob("us_strike_prob")
        leader = np.zeros(m.n, dtype=bool)
        if m.mechanisms.leadership_strikes:
            leader = strike & (m.uniform("us.leader", day) < m.prob("leader_kill_prob"))
        forced = m.forced(day, "us_strike")
        for event in forced:
            strike[:] = True
            leader[:] = event.leader_killed
        # the target, by recent attacks, is needed only where a strike happens
        u_target = m.uniform("us.target", day)
        target = np.full(m.n, -1, dtype=np.int64)
        lanes = np.flatnonzero(strike)
        if lanes.size:
            recent = np.stack([g.attacks.last_at(7, lanes).sum(axis=0) for g in groups])
            floor = m.param("target_floor") * np.array([[g.spec.share] for g in groups])
            target[lanes] = categorical(u_target[lanes], recent + floor)
        for event in forced:
            target[:] = groups.index(m.militias[event.militia or ""])
        self.target = target
        for g in groups:
            hit = lanes[target[lanes] == g.index]
            if hit.size:
                g.struck(hit, hit[leader[hit]])
        self.strikes.today += strike
        self.leader_strikes.today += leader
        self.last_strike[strike] = day
        self.iran_today = np.zeros(m.n, dtype=bool)
        if m.mechanisms.retaliation and m.mechanisms.strikes_on_iran:
            self.iran_today = m.uniform("us.iran", day) < m.prob("us_strike_iran_prob")
        self.iran_strikes += self.iran_today
        if m.log is not None:
            if strike[0]:
                name = groups[target[0]].name
                text = f"strikes {name}" + (", killing a commander" if leader[0] else "")
                forced_strike = bool(forced)
                m.log.add(day, "U.S.", "strike", text, forced_strike, name, bool(leader[0]))
            if self.iran_today[0]:
                m.log.add(day, "U.S.", "strike_iran", "strikes Iran directly")

    def end_day(self) -> None:
        """Close the day's strike counts."""
        self.strikes.end_day()
        self.leader_strikes.end_day()
