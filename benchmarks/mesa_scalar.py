"""The same model written the way a Mesa user would: scalar agents, one model per trial.

A benchmark baseline, not product code: the package runs only the vectorized model, whose
rules live in YAML. This file hand-writes those rules in plain Python for one trial at a time
(``mesa.Agent`` subclasses holding floats, ``model.random`` for every draw, the same step
order, the same parameter values read from the scenario file), the way a modeler who did not
vectorize would, and :func:`run_scalar` runs ``trials`` such models one after another, as
``mesa.batch_run`` does. It refuses a scenario whose rules are not the ones written here.

``tests/test_mesa_scalar.py`` checks that it agrees with the vectorized model in
distribution; ``benchmarks/throughput.py`` times the two side by side.

    python benchmarks/mesa_scalar.py [--scenario baseline] [--trials 200] [--days 365]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from typing import Any

import mesa

import sim
from sim.scenario.vocabulary import DECISIONS

#: the rule texts this file implements (whitespace aside): anything else is refused
RULES = {
    "iraq_request_prob": "p_iraq_request * (us_killed_7d > 0)",
    "directive_trigger": "(us_killed_7d > 0 or iraq_request) and not proxies_unleashed",
    "attack_rate": "capability * share * strength * (pre_war_rate + campaign_rate * gaza) "
    "* (1 - restraint_level * complying) * (1 - talks_weight * prefers_talks * talks_progress) "
    "* (1 - agreement_effect * withdrawal_agreed * (1 - is_holdout)) "
    "* (1 + revenge_gain * revenge) * (1 - deterrence_gain * deterrence / (1 + deterrence)) "
    "* supply * (1 - iraq_pressure * iraq_pressing)",
    "comply_prob": "compliance",
    "lapse_prob": "lapse_base * (1 + gaza) + lapse_per_revenge * revenge "
    "+ lapse_on_stall * talks_stalled",
    "us_strike_prob": "min(strike_base + strike_per_attack * attacks_7d + strike_per_wounded * "
    "min(us_wounded_7d, 10) + strike_per_killed * min(us_killed_7d, 5) * (1 - responding), "
    "strike_max)",
    "leader_kill_prob": "leader_kill_base + leader_kill_per_killed * min(us_killed_30d, 5) "
    "+ leader_hunt * (days_since_mass_strike <= leader_hunt_days)",
    "us_strike_iran_prob": "iran_strike_gain * max(us_killed_30d - iran_strike_threshold, 0) "
    "* (1 - 0.5 * directive_active) + iran_exchange_gain * iran_direct_30d",
    "talks_progress_rate": "talks_gain * (attacks_7d <= calm_attacks_7d) - talks_setback * "
    "under_fire",
    "agreement_prob": "agreement_rate * talks_progress ** 2",
}
#: issue 15's mechanisms, not written here: a scenario with any of them on is refused (with
#: them off the rules' extra terms are exact zeros and ones, and the supply stays full)
UNIMPLEMENTED = DECISIONS
NEVER = 1 << 30
THEATERS = ("iraq", "syria")


def scalar_scenario(name: str) -> sim.Scenario:
    """The scenario ``name`` with the mechanisms this file does not implement switched off."""
    return sim.load_scenario(name).patched({f"mechanisms.{k}": False for k in UNIMPLEMENTED})


def check_rules(sc: sim.Scenario) -> None:
    """Refuse a scenario whose rules differ from the ones written here, or that needs more."""
    for name, text in RULES.items():
        if " ".join(sc.rules[name].text.split()) != " ".join(text.split()):
            raise SystemExit(f"{sc.name}: rule {name} is not the one mesa_scalar.py implements")
    on = [k for k in UNIMPLEMENTED if getattr(sc.spec.mechanisms, k)]
    if on:
        raise SystemExit(f"{sc.name}: mesa_scalar.py does not implement mechanisms {on}")


class Group(mesa.Agent):  # type: ignore[misc]
    """One militia in one trial."""

    def __init__(self, model: ScalarModel, index: int, name: str, spec: Any) -> None:
        """Start intact, not complying, with no attacks."""
        super().__init__(model)
        self.index, self.name, self.spec = index, name, spec
        self.strength, self.revenge, self.leaders_lost = 1.0, 0.0, 0
        self.deterrence = 0.0
        self.comply_from, self.complying = NEVER, False
        self.week = [0] * 7  # attacks on each of the last 7 days (today last)

    def respond(self, day: int) -> None:
        """Obey a directive issued today (after a lag), or lapse."""
        m = self.model
        if m.issued_today:
            obey = m.random.random() < m.clip(self.spec.compliance)
            lag = m.uniform_int(0, int(m.p["comply_lag_max"]))
            if obey:
                self.comply_from = min(self.comply_from, day + lag)
        self.complying = self.comply_from <= day
        if m.mech.restraint_relaxation and self.complying:
            p = m.p["lapse_base"] * (1 + m.drivers["gaza"])
            p += m.p["lapse_per_revenge"] * self.revenge
            if m.random.random() < m.clip(p):
                self.comply_from, self.complying = NEVER, False

    def attack(self, day: int) -> None:
        """Attack in each theater; attacks may wound or kill."""
        m, s, p = self.model, self.spec, self.model.p
        rate = s.capability * s.share * self.strength
        rate *= p["pre_war_rate"] + p["campaign_rate"] * m.drivers["gaza"]
        rate *= 1 - p["restraint_level"] * self.complying
        rate *= 1 - p["talks_weight"] * s.prefers_talks * m.talks_progress
        rate *= 1 - p["agreement_effect"] * m.agreed * (s.doctrine != "holdout")
        rate *= 1 + p["revenge_gain"] * self.revenge
        rate *= 1 - p["deterrence_gain"] * self.deterrence / (1 + self.deterrence)
        for theater in THEATERS:
            n = m.poisson(max(rate, 0.0) * s.theaters.get(theater, 0.0))
            killed = wounded = 0
            if m.mech.casualties and n:
                killed = m.casualties(n, p["p_attack_kills"], p["killed_tail"], p["killed_max"])
                wounded = m.casualties(n, p["p_attack_wounds"], p["wounded_tail"], p["wounded_max"])
            for e in m.forced(day, "attack", self.name, theater):
                n, killed, wounded = n + 1, killed + e.killed, wounded + e.wounded
                m.forced_killed += e.killed
            self.week[-1] += n
            m.attacks_today += n
            m.killed[-1] += killed
            m.wounded[-1] += wounded

    def struck(self, leader: bool) -> None:
        """Take a U.S. strike (that may kill a commander)."""
        p = self.model.p
        self.strength *= 1 - p["strike_degrade"]
        if leader:
            self.strength *= 1 - p["leader_degrade"]
            self.leaders_lost += 1
        if self.model.mech.revenge:
            self.revenge += p["revenge_per_strike"] + leader * p["revenge_per_leader"]
        if self.model.mech.deterrence:
            self.deterrence += 1 + leader * p["deterrence_per_leader"]

    def end_day(self) -> None:
        """Recover, let revenge fade, close the day's attacks."""
        p = self.model.p
        self.strength += p["strength_recovery"] * (1 - self.strength)
        self.revenge *= 0.5 ** (1 / max(p["revenge_half_life"], 1e-9))
        if self.model.mech.deterrence:
            self.deterrence *= 0.5 ** (1 / max(p["deterrence_half_life"], 1e-9))
        self.week = [*self.week[1:], 0]


class ScalarModel(mesa.Model):  # type: ignore[misc]
    """One trial: Iran, the U.S., Iraq and the groups as plain Python state."""

    def __init__(self, sc: sim.Scenario, seed: int) -> None:
        """Build the trial's actors from the scenario's values."""
        super().__init__(seed=seed)
        spec = sc.spec
        self.spec, self.mech = spec, spec.mechanisms
        self.p = {k: v.value for k, v in spec.params.items()}
        self.groups = [Group(self, i, n, g) for i, (n, g) in enumerate(spec.militias.items())]
        self.events: dict[int, list[Any]] = {}
        for e in spec.events:
            self.events.setdefault(e.day, []).append(e)
        self.attacks = [0] * 30  # all groups' attacks on each of the last 30 days
        self.killed, self.wounded = [0] * 30, [0] * 7
        self.strikes, self.leader_strikes = [0] * 7, [0] * 7
        self.last_strike = -NEVER
        self.request_until, self.talks_progress, self.agreed = -1, 0.0, False
        self.due, self.last_directive, self.issued, self.issued_today = NEVER, -NEVER, 0, False
        self.attacks_today = self.forced_killed = 0
        self.totals = {"attacks": 0, "strike_days": 0, "killed": 0, "wounded": 0, "leader": 0}
        self.iran_struck = self.max_rung = 0
        self.fatal = False

    # --- draws, as a scalar modeler writes them ----------------------------------------
    def clip(self, p: float) -> float:
        """A probability in [0, 1]."""
        return min(max(p, 0.0), 1.0)

    def uniform_int(self, low: int, high: int) -> int:
        """A whole number uniform on low..high."""
        return low + math.floor(self.random.random() * (high - low + 1))

    def poisson(self, lam: float) -> int:
        """A Poisson count by inversion."""
        u, k, term = self.random.random(), 0, math.exp(-lam)
        cdf = term
        while u >= cdf and k < 1000:
            k += 1
            term *= lam / k
            cdf += term
        return k

    def casualties(self, attacks: int, p: float, tail: float, cap: float) -> int:
        """Personnel hurt by ``attacks`` attacks: a hit, then a Pareto count."""
        p_hit = 1 - (1 - p) ** attacks
        u = self.random.random()
        if u >= p_hit:
            return 0
        return int(min(math.floor(max(1 - u / p_hit, 1e-300) ** (-1 / tail)), cap))

    def forced(
        self, day: int, kind: str, militia: str | None = None, theater: str | None = None
    ) -> list[Any]:
        """The scenario's forced events of this kind today."""
        return [
            e
            for e in self.events.get(day, ())
            if e.kind == kind
            and (militia is None or e.militia == militia)
            and (theater is None or e.theater == theater)
        ]

    # --- the step: the package's step order ----------------------------------------------
    def step(self) -> None:
        """One day, in the package's step order."""
        day = self.steps - 1  # Mesa counts steps from 1
        self.drivers = {k: d.value for k, d in self.spec.drivers.items()}
        for entry in self.spec.schedule:
            if entry.day <= day and (entry.until is None or day <= entry.until):
                self.drivers.update(entry.set)
        self.attacks = [*self.attacks[1:], 0]
        self.killed, self.wounded = [*self.killed[1:], 0], [*self.wounded[1:], 0]
        self.strikes, self.leader_strikes = [*self.strikes[1:], 0], [*self.leader_strikes[1:], 0]
        self.attacks_today = self.forced_killed = 0
        self.issue(day)
        for g in self.groups:
            g.respond(day)
        for g in self.groups:
            g.attack(day)
        self.attacks[-1] = self.attacks_today
        self.retaliate(day)
        self.request(day)
        self.decide(day)
        self.negotiate(day)
        self.record(day)
        for g in self.groups:
            g.end_day()

    def directive_active(self, day: int) -> bool:
        """A directive is in force."""
        return self.issued > 0 and day - self.last_directive < self.p["directive_days"]

    def issue(self, day: int) -> None:
        """Iran issues a directive due today."""
        self.issued_today = self.due <= day or bool(self.forced(day, "directive"))
        if self.issued_today:
            self.due, self.last_directive, self.issued = NEVER, day, self.issued + 1

    def retaliate(self, day: int) -> None:
        """The U.S. strikes a group (by recent attacks), a commander, Iran."""
        p, a7 = self.p, sum(self.attacks[-7:])
        strike = leader = False
        if self.mech.retaliation:
            prob = p["strike_base"] + p["strike_per_attack"] * a7
            prob += p["strike_per_wounded"] * min(sum(self.wounded), 10)
            prob += p["strike_per_killed"] * min(sum(self.killed[-7:]), 5)
            strike = self.random.random() < self.clip(min(prob, p["strike_max"]))
        if self.mech.leadership_strikes and strike:
            prob = p["leader_kill_base"] + p["leader_kill_per_killed"] * min(sum(self.killed), 5)
            leader = self.random.random() < self.clip(prob)
        forced = self.forced(day, "us_strike")
        for e in forced:
            strike, leader = True, e.leader_killed
        target = None
        if forced:
            target = next(g for g in self.groups if g.name == forced[-1].militia)
        elif strike:
            weights = [sum(g.week) + p["target_floor"] * g.spec.share for g in self.groups]
            target = self.random.choices(self.groups, weights)[0]
        if target is not None:
            target.struck(leader)
            self.last_strike = day
        self.strikes[-1], self.leader_strikes[-1] = int(strike), int(leader)
        self.iran_today = False
        if self.mech.retaliation and self.mech.strikes_on_iran:
            k30 = sum(self.killed)
            prob = p["iran_strike_gain"] * max(k30 - p["iran_strike_threshold"], 0)
            prob *= 1 - 0.5 * self.directive_active(day)
            self.iran_today = self.random.random() < self.clip(prob)

    def request(self, day: int) -> None:
        """Iraq asks Iran to rein the groups in."""
        new = False
        if self.mech.iraqi_request and self.request_until < day:
            prob = self.p["p_iraq_request"] * (sum(self.killed[-7:]) > 0)
            new = self.random.random() < self.clip(prob)
        if new or self.forced(day, "iraq_request"):
            self.request_until = day + int(self.p["iraq_request_days"]) - 1

    def decide(self, day: int) -> None:
        """Iran schedules a directive."""
        if not self.mech.directive or self.due != NEVER or self.directive_active(day):
            return
        if sum(self.killed[-7:]) > 0 or self.request_until >= day:
            low, high = int(self.p["directive_delay_min"]), int(self.p["directive_delay_max"])
            self.due = day + self.uniform_int(low, high)

    def negotiate(self, day: int) -> None:
        """Talks advance or stall; an agreement by chance."""
        if not self.mech.talks:
            return
        p, a7 = self.p, sum(self.attacks[-7:])
        change = p["talks_gain"] * (a7 <= p["calm_attacks_7d"])
        change -= p["talks_setback"] * (self.mech.posture and a7 > p["under_fire_attacks_7d"])
        self.talks_progress = min(max(self.talks_progress + change, 0.0), 1.0)
        prob = p["agreement_rate"] * self.talks_progress**2
        self.agreed |= self.random.random() < self.clip(prob)

    def record(self, day: int) -> None:
        """Add the day to the trial's totals and rung."""
        t, killed = self.totals, self.killed[-1]
        t["attacks"] += self.attacks_today
        t["strike_days"] += self.strikes[-1]
        t["killed"] += killed
        t["wounded"] += self.wounded[-1]
        t["leader"] += self.leader_strikes[-1]
        self.iran_struck += self.iran_today
        self.fatal |= killed - self.forced_killed > 0
        signals = (self.attacks_today, self.wounded[-1], self.strikes[-1], killed)
        rung = max([k + 1 for k, s in enumerate(signals) if s] or [0])
        rung = 7 if self.iran_today else 5 if self.leader_strikes[-1] else rung
        self.max_rung = max(self.max_rung, rung)


def run_scalar(sc: sim.Scenario, trials: int, days: int, seed: int = 0) -> dict[str, list[float]]:
    """Run ``trials`` scalar models one after another; each trial's main metrics."""
    check_rules(sc)
    out: dict[str, list[float]] = {k: [] for k in METRICS}
    for k in range(trials):
        m = ScalarModel(sc, seed * 1_000_003 + k)
        for _ in range(days):
            m.step()
        t = m.totals
        row = {
            "attacks_per_day": t["attacks"] / days,
            "us_strikes_per_day": t["strike_days"] / days,
            "p_us_fatality": float(m.fatal),
            "p_leadership_strike": float(t["leader"] > 0),
            "p_strike_on_iran": float(m.iran_struck > 0),
            "p_directive": float(m.issued > 0),
            "max_rung": float(m.max_rung),
            "us_killed": float(t["killed"]),
        }
        for name, value in row.items():
            out[name].append(value)
        m.remove_all_agents()
    return out


METRICS = (
    "attacks_per_day",
    "us_strikes_per_day",
    "p_us_fatality",
    "p_leadership_strike",
    "p_strike_on_iran",
    "p_directive",
    "max_rung",
    "us_killed",
)


def main() -> None:
    """Time the scalar model and print its trial-days per second and its means."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--days", type=int, default=365)
    args = ap.parse_args()
    sc = scalar_scenario(args.scenario)
    t0 = time.perf_counter()
    out = run_scalar(sc, args.trials, args.days)
    seconds = time.perf_counter() - t0
    print(
        f"{args.scenario}: {args.trials} scalar Mesa models x {args.days} days in {seconds:.2f} s"
    )
    print(f"{args.trials * args.days / seconds:,.0f} trial-days a second")
    for name, values in out.items():
        print(f"  {name:22} {statistics.fmean(values):.4g}")


if __name__ == "__main__":
    main()
