"""The actors of the scalar Mesa baseline (``mesa_scalar.py``): one trial's worth of floats each.

Each is a ``mesa.Agent`` holding plain Python numbers and drawing from ``model.random``, with
the rules of ``scenarios/base.yaml`` written out by hand, as a modeler who did not vectorize
would write them. :class:`Group` is a militia; :class:`QudsForce`, :class:`UnitedStates` and
:class:`IraqiGovernment` are Iran, the U.S. and Iraq. Their methods are called by
``ScalarModel.step`` in the package's step order. Windows (``attacks_7d`` and the like) are
deques of daily counts, today last, so a sum over the last ``k`` counts today so far.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import mesa

NEVER = 1 << 30  # a day that never comes
THEATERS = ("iraq", "syria")


def window(days: int) -> deque[int]:
    """Daily counts of the last ``days`` days, today (the last) included."""
    return deque([0] * days, maxlen=days)


def last(counts: deque[int], k: int) -> int:
    """The sum of the last ``k`` days' counts, today included."""
    return sum(counts[i] for i in range(len(counts) - k, len(counts)))


class Group(mesa.Agent):  # type: ignore[misc]
    """One militia in one trial."""

    def __init__(self, model: Any, index: int, name: str, spec: Any) -> None:
        """Start intact, fully supplied, not complying, with no attacks."""
        super().__init__(model)
        self.index, self.name, self.spec = index, name, spec
        self.holdout, self.compliant = spec.doctrine == "holdout", spec.doctrine == "compliant"
        self.strength, self.revenge, self.deterrence, self.supply = 1.0, 0.0, 0.0, 1.0
        self.comply_from, self.complying = NEVER, False
        self.withheld, self.withhold_asked = False, -NEVER  # for the directive issued that day
        self.month = window(30)  # the group's attacks on each of the last 30 days
        self.total = 0

    def respond(self, day: int) -> None:
        """Obey a directive issued today (after a lag), fall in line after all, or lapse."""
        m, p = self.model, self.model.p
        if m.iran.issued_today and m.chance(self.spec.compliance):
            lag = m.uniform_int(0, int(p["comply_lag_max"]))
            self.comply_from = min(self.comply_from, day + lag)
        self.complying = self.comply_from <= day
        if m.mech.sponsor_leverage and self.comply_from == NEVER and m.iran.active(day):
            d = self.deterrence
            if m.chance(p["yield_rate"] * (self.withheld + d / (1 + d))):
                self.comply_from = day + 1  # lies low from tomorrow
        if m.mech.restraint_relaxation and self.complying:
            prob = p["lapse_base"] * (1 + m.drivers["gaza"])
            prob += p["lapse_per_revenge"] * self.revenge
            prob += p["lapse_on_stall"] * (m.mech.talks_resumption and m.iraq.stalled())
            if m.chance(prob):
                self.comply_from, self.complying = NEVER, False

    def attack(self, day: int) -> None:
        """Attack in each theater (Iraq's share shrinks in a drawdown); attacks wound or kill."""
        m, s, p = self.model, self.spec, self.model.p
        rate = s.capability * s.share * self.strength
        rate *= p["pre_war_rate"] + p["campaign_rate"] * m.drivers["gaza"]
        rate *= 1 - p["restraint_level"] * self.complying
        rate *= 1 - p["talks_weight"] * s.prefers_talks * m.iraq.talks_progress
        rate *= 1 - p["agreement_effect"] * m.iraq.agreed * (not self.holdout)
        rate *= 1 + p["revenge_gain"] * self.revenge
        rate *= 1 - p["deterrence_gain"] * self.deterrence / (1 + self.deterrence)
        rate *= self.supply * (1 - p["iraq_pressure"] * m.iraq.pressing(day))
        rate = max(rate, 0.0)
        for theater in THEATERS:
            presence = m.iraq.presence if theater == "iraq" and m.mech.withdrawal else 1.0
            n = m.poisson(rate * s.theaters.get(theater, 0.0) * presence)
            killed = wounded = 0
            if m.mech.casualties and n:
                killed = m.casualties(n, p["p_attack_kills"], p["killed_tail"], p["killed_max"])
                wounded = m.casualties(n, p["p_attack_wounds"], p["wounded_tail"], p["wounded_max"])
            for e in m.forced(day, "attack", self.name, theater):
                n, killed, wounded = n + 1, killed + e.killed, wounded + e.wounded
                m.forced_killed += e.killed
            self.month[-1] += n
            m.attacks[-1] += n
            m.killed[-1] += killed
            m.wounded[-1] += wounded

    def struck(self, leader: bool, degrade: str = "strike_degrade") -> None:
        """Take a U.S. strike (a mass retaliation's degrade is ``mass_degrade``)."""
        p, mech = self.model.p, self.model.mech
        self.strength *= 1 - p[degrade]
        if leader:
            self.strength *= 1 - p["leader_degrade"]
        if mech.revenge:
            self.revenge += p["revenge_per_strike"] + leader * p["revenge_per_leader"]
        if mech.deterrence:
            self.deterrence += 1 + leader * p["deterrence_per_leader"]

    def unleash(self) -> None:
        """Iran turns the group loose: restraint ends, supplies flow, revenge to take."""
        self.comply_from, self.complying, self.withheld = NEVER, False, False
        if self.model.mech.revenge:
            self.revenge += self.model.p["proxy_revenge"]

    def end_day(self) -> None:
        """Recover, let revenge and deterrence fade, run supplies down or restock them."""
        p, mech = self.model.p, self.model.mech
        self.total += self.month[-1]
        self.strength += p["strength_recovery"] * (1 - self.strength)
        self.revenge *= 0.5 ** (1 / max(p["revenge_half_life"], 1e-9))
        if mech.deterrence:
            self.deterrence *= 0.5 ** (1 / max(p["deterrence_half_life"], 1e-9))
        if mech.sponsor_leverage:
            target = 1 - p["sponsor_share"] * self.withheld
            pace = 1 - 0.5 ** (1 / max(p["supply_half_life"], 1e-9))
            self.supply += pace * (target - self.supply)
        self.month.append(0)


class QudsForce(mesa.Agent):  # type: ignore[misc]
    """Iran: directives, supplies withheld from defiant groups, answers to strikes on Iran."""

    def __init__(self, model: Any) -> None:
        """No directive issued or due, no strike to answer."""
        super().__init__(model)
        self.due, self.last_directive, self.issued = NEVER, -NEVER, 0
        self.issued_today = self.revoked = self.unleashed_today = False
        self.direct_due = NEVER
        self.direct, self.unleashed = window(30), window(30)  # Iran's strikes; proxies loosed

    def active(self, day: int) -> bool:
        """A directive is in force: issued under ``directive_days`` ago and not revoked."""
        since = day - self.last_directive
        return self.issued > 0 and since < self.model.p["directive_days"] and not self.revoked

    def issue(self, day: int) -> None:
        """Issue a directive due today, or forced today."""
        self.issued_today = self.due <= day or bool(self.model.forced(day, "directive"))
        if self.issued_today:
            self.due, self.last_directive, self.issued = NEVER, day, self.issued + 1
            self.revoked = False

    def withhold(self, day: int) -> None:
        """Once a directive, maybe cut the supplies of each group defying it."""
        m = self.model
        if not m.mech.sponsor_leverage:
            return
        active = self.active(day)
        for g in m.groups:
            defying = active and g.comply_from == NEVER
            g.withheld = g.withheld and defying
            if defying and not g.withheld and g.withhold_asked < self.last_directive:
                g.withhold_asked = self.last_directive
                g.withheld = m.chance(m.p["p_withhold"])

    def answer(self, day: int) -> None:
        """Strike U.S. forces if due today; answer a U.S. strike on Iran today."""
        m = self.model
        self.unleashed_today = False
        if not m.mech.iran_response:
            return
        if self.direct_due == day:
            self.direct[-1] += 1
            self.direct_due = NEVER
        if m.us.iran_today:
            if m.chance(m.p["p_iran_proxy_response"]):
                self.unleash()
            if m.chance(m.p["p_iran_direct"]) and self.direct_due == NEVER:
                self.direct_due = day + int(m.p["iran_response_days"])

    def unleash(self) -> None:
        """Revoke any directive (and one due), and turn every group loose."""
        self.unleashed_today = True
        self.unleashed[-1] += 1
        self.revoked, self.due = True, NEVER
        for g in self.model.groups:
            g.unleash()

    def decide(self, day: int) -> None:
        """Schedule a directive after U.S. deaths or Iraq's request (not with proxies loose)."""
        m = self.model
        if not m.mech.directive or self.due != NEVER or self.active(day):
            return
        trigger = last(m.killed, 7) > 0 or m.iraq.request_until >= day
        if trigger and not sum(self.unleashed) > 0:
            low, high = int(m.p["directive_delay_min"]), int(m.p["directive_delay_max"])
            self.due = day + m.uniform_int(low, high)

    def end_day(self) -> None:
        """Open tomorrow's counts."""
        self.direct.append(0)
        self.unleashed.append(0)


class UnitedStates(mesa.Agent):  # type: ignore[misc]
    """Strikes militias (and commanders), prepares mass retaliations, strikes Iran."""

    def __init__(self, model: Any) -> None:
        """No strikes, no response in preparation."""
        super().__init__(model)
        self.response_due, self.last_mass = NEVER, -NEVER
        self.strike_today = self.leader_today = self.mass_today = self.iran_today = False

    def retaliate(self, day: int) -> None:
        """A routine strike or the mass retaliation due today; a commander; Iran."""
        m, p = self.model, self.model.p
        k7, k30 = last(m.killed, 7), sum(m.killed)
        strike = False
        if m.mech.retaliation:
            responding = self.response_due != NEVER
            prob = p["strike_base"] + p["strike_per_attack"] * last(m.attacks, 7)
            prob += p["strike_per_wounded"] * min(sum(m.wounded), 10)
            prob += p["strike_per_killed"] * min(k7, 5) * (1 - responding)
            strike = m.chance(min(prob, p["strike_max"]))
        mass = self.response_due <= day
        if mass:
            self.response_due = NEVER
            mass = any(sum(g.month) for g in m.groups)  # none attacked in a month: no target
        leader = False
        if m.mech.leadership_strikes and (strike or mass):
            prob = p["leader_kill_base"] + p["leader_kill_per_killed"] * min(k30, 5)
            prob += p["leader_hunt"] * (min(day - self.last_mass, 9999) <= p["leader_hunt_days"])
            leader = m.chance(prob)
        forced = m.forced(day, "us_strike")
        for e in forced:
            strike, leader = True, e.leader_killed
        if mass:
            self.mass(day, leader)
        elif forced:
            next(g for g in m.groups if g.name == forced[-1].militia).struck(leader)
        elif strike:
            weights = [last(g.month, 7) + p["target_floor"] * g.spec.share for g in m.groups]
            m.random.choices(m.groups, weights)[0].struck(leader)
        self.strike_today, self.leader_today, self.mass_today = strike or mass, leader, mass
        self.iran_today = False
        if m.mech.retaliation and m.mech.strikes_on_iran:
            prob = p["iran_strike_gain"] * max(k30 - p["iran_strike_threshold"], 0)
            prob *= 1 - 0.5 * m.iran.active(day)
            prob += p["iran_exchange_gain"] * sum(m.iran.direct)
            self.iran_today = m.chance(prob)

    def mass(self, day: int, leader: bool) -> None:
        """Strike every group that attacked in 30 days; a commander of the most active one."""
        self.last_mass = day
        groups = self.model.groups
        top = max(groups, key=lambda g: (last(g.month, 7) + sum(g.month) * 1e-6, -g.index))
        for g in groups:
            if sum(g.month):
                g.struck(leader and g is top, "mass_degrade")

    def deliberate(self, day: int) -> None:
        """After U.S. deaths today, decide on a mass retaliation ``deliberation_days`` ahead."""
        m = self.model
        if not (m.mech.deliberation and m.mech.retaliation) or self.response_due != NEVER:
            return
        if m.chance(m.p["p_mass_per_killed"] * m.killed[-1]):
            self.response_due = day + int(m.p["deliberation_days"])


class IraqiGovernment(mesa.Agent):  # type: ignore[misc]
    """Asks Iran to rein the groups in, negotiates with the U.S., sees the troops leave."""

    def __init__(self, model: Any) -> None:
        """No request, no progress, no agreement, every U.S. soldier in Iraq."""
        super().__init__(model)
        self.request_until, self.talks_progress, self.agreed = -1, 0.0, False
        self.setbacks = window(14)  # setbacks to the talks, each of the last 14 days
        self.presence = 1.0  # share of the U.S. troops still in Iraq

    def pressing(self, day: int) -> bool:
        """Iraq's pending request weighs on every group."""
        return self.model.mech.iraqi_pressure and self.request_until >= day

    def stalled(self) -> bool:
        """The talks had a setback in the last 14 days."""
        return sum(self.setbacks) > 0

    def under_fire(self) -> bool:
        """More than ``under_fire_attacks_7d`` attacks in 7 days, as U.S. posture sees it."""
        m = self.model
        return m.mech.posture and last(m.attacks, 7) > m.p["under_fire_attacks_7d"]

    def request(self, day: int) -> None:
        """Ask Iran to rein the groups in after U.S. deaths (or when the scenario forces it)."""
        m = self.model
        new = False
        if m.mech.iraqi_request and self.request_until < day:
            new = m.chance(m.p["p_iraq_request"] * (last(m.killed, 7) > 0))
        if new or m.forced(day, "iraq_request"):
            self.request_until = day + int(m.p["iraq_request_days"]) - 1

    def negotiate(self) -> None:
        """Talks advance in calm weeks and fall back under fire; an agreement by chance."""
        m, p = self.model, self.model.p
        if not m.mech.talks:
            return
        before = self.talks_progress
        change = p["talks_gain"] * (last(m.attacks, 7) <= p["calm_attacks_7d"])
        change -= p["talks_setback"] * self.under_fire()
        self.talks_progress = min(max(before + change, 0.0), 1.0)
        self.setbacks[-1] += self.talks_progress < before
        if not self.agreed:
            self.agreed = m.chance(p["agreement_rate"] * self.talks_progress**2)

    def draw_down(self) -> None:
        """Once agreed, withdraw U.S. troops from Iraq, slower under fire."""
        m, p = self.model, self.model.p
        if m.mech.withdrawal and self.agreed:
            pace = (1 - p["posture_caution"] * self.under_fire()) / p["drawdown_days"]
            self.presence = min(max(self.presence - min(max(pace, 0.0), 1.0), 0.0), 1.0)

    def end_day(self) -> None:
        """Open tomorrow's count of setbacks."""
        self.setbacks.append(0)
