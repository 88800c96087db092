"""The same model written the way a Mesa user would: scalar agents, one model per trial.

A benchmark baseline, not product code: the package runs only the vectorized model, whose
rules live in YAML. This file and its sibling ``mesa_scalar_agents.py`` (the actors) hand-write
those rules in plain Python for one trial at a time (``mesa.Agent`` subclasses holding floats,
``model.random`` for every draw, the same step order, the same parameter values read from the
scenario file), the way a modeler who did not vectorize would, and :func:`run_scalar` runs
``trials`` such models one after another, as ``mesa.batch_run`` does. Every mechanism of the
shipped model is written, issue 15's included (Iran's leverage over defiant groups, Baghdad's
pressure, resumption on stalled talks, the U.S. mass retaliation, Iran's answers to a strike
on Iran, the drawdown), and each trial reports every per-trial metric the vectorized model
does. It refuses a scenario whose rules are not the ones written here.

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
from mesa_scalar_agents import (  # benchmarks/, beside this file
    Group,
    IraqiGovernment,
    QudsForce,
    UnitedStates,
    last,
    window,
)

import sim
from sim.scenario.vocabulary import GROUP_METRIC, metric_names

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
    "yield_prob": "yield_rate * (withheld + deterrence / (1 + deterrence))",
    "withhold_prob": "p_withhold",
    "us_strike_prob": "min(strike_base + strike_per_attack * attacks_7d + strike_per_wounded * "
    "min(us_wounded_7d, 10) + strike_per_killed * min(us_killed_7d, 5) * (1 - responding), "
    "strike_max)",
    "leader_kill_prob": "leader_kill_base + leader_kill_per_killed * min(us_killed_30d, 5) "
    "+ leader_hunt * (days_since_mass_strike <= leader_hunt_days)",
    "us_strike_iran_prob": "iran_strike_gain * max(us_killed_30d - iran_strike_threshold, 0) "
    "* (1 - 0.5 * directive_active) + iran_exchange_gain * iran_direct_30d",
    "mass_retaliation_prob": "p_mass_per_killed * us_killed_today",
    "iran_proxy_prob": "p_iran_proxy_response",
    "iran_direct_prob": "p_iran_direct",
    "talks_progress_rate": "talks_gain * (attacks_7d <= calm_attacks_7d) - talks_setback * "
    "under_fire",
    "agreement_prob": "agreement_rate * talks_progress ** 2",
    "drawdown_rate": "(1 - posture_caution * under_fire) / drawdown_days",
}
#: attacks resume once groups of compliant doctrine make this many in 7 days, counting
#: attacks from the first directive's SETTLE-th day on (the recorder's definition)
RESUMPTION_ATTACKS, SETTLE = 3, 7
NAN = math.nan


def scalar_scenario(name: str) -> sim.Scenario:
    """The scenario ``name`` as shipped: the scalar model writes every mechanism."""
    return sim.load_scenario(name)


def check_rules(sc: sim.Scenario) -> None:
    """Refuse a scenario whose rules differ from the ones written here."""
    extra = sorted(sc.rules.keys() - RULES.keys())
    if extra:
        raise SystemExit(f"{sc.name}: mesa_scalar.py does not implement the rules {extra}")
    for name, text in RULES.items():
        if " ".join(sc.rules[name].text.split()) != " ".join(text.split()):
            raise SystemExit(f"{sc.name}: rule {name} is not the one mesa_scalar.py implements")


class ScalarModel(mesa.Model):  # type: ignore[misc]
    """One trial: Iran, the U.S., Iraq and the groups as plain Python state."""

    def __init__(self, sc: sim.Scenario, seed: int, days: int) -> None:
        """Build the trial's actors from the scenario's values."""
        super().__init__(seed=seed)
        spec = sc.spec
        self.spec, self.mech, self.days = spec, spec.mechanisms, days
        self.p = {k: v.value for k, v in spec.params.items()}
        self.groups = [Group(self, i, n, g) for i, (n, g) in enumerate(spec.militias.items())]
        self.iran, self.us, self.iraq = QudsForce(self), UnitedStates(self), IraqiGovernment(self)
        self.events: dict[int, list[Any]] = {}
        for e in spec.events:
            self.events.setdefault(e.day, []).append(e)
        self.attacks, self.killed, self.wounded = window(30), window(30), window(7)
        self.forced_killed = 0
        # what the recorder keeps of the trial
        self.totals = dict.fromkeys(
            ("attacks", "strikes", "killed", "wounded", "forced_killed", "leader", "iran"), 0
        )
        self.lull = self.longest_lull = self.max_rung = 0
        self.first_directive = self.last_compliant = self.first_fatality = -1
        self.fatality_to_strike = self.fatality_to_directive = self.resumption = -1
        self.after_attacks = self.after_holdout = self.after_strikes = 0
        self.compliant_week = window(7)

    # --- draws, as a scalar modeler writes them ----------------------------------------
    def chance(self, p: float) -> bool:
        """An event of probability ``p`` (clipped to [0, 1]) happens; no draw if it cannot."""
        return p > 0 and self.random.random() < p

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
        self.forced_killed = 0
        self.iran.issue(day)  # 2. directives due today
        for g in self.groups:  # 3. obey, lag, fall in line, or lapse
            g.respond(day)
        self.iran.withhold(day)  # 4. supplies cut from defiant groups
        for g in self.groups:  # 5. attacks, casualties
            g.attack(day)
        self.us.retaliate(day)  # 6. strikes on militias, commanders, Iran
        self.iran.answer(day)  # 7. Iran answers a strike on Iran
        self.us.deliberate(day)  # 8. a mass retaliation decided on after today's deaths
        self.iraq.request(day)  # 9. Iraq asks Iran to rein the groups in
        self.iran.decide(day)  # 10. a directive scheduled
        self.iraq.negotiate()  # 11. talks
        self.iraq.draw_down()  # 12. the drawdown
        self.record(day)  # 13. the day's outcomes
        for g in self.groups:  # 14. close the day
            g.end_day()
        for actor in (self.iran, self.iraq):
            actor.end_day()
        for counts in (self.attacks, self.killed, self.wounded):
            counts.append(0)

    # --- the recorder --------------------------------------------------------------------
    def record(self, day: int) -> None:
        """Add the day to the trial's totals, rung and timings."""
        t, us, iran = self.totals, self.us, self.iran
        attacks, killed, wounded = self.attacks[-1], self.killed[-1], self.wounded[-1]
        t["attacks"] += attacks
        t["strikes"] += us.strike_today
        t["killed"] += killed
        t["wounded"] += wounded
        t["forced_killed"] += self.forced_killed
        t["leader"] += us.leader_today
        t["iran"] += us.iran_today
        self.lull = 0 if attacks else self.lull + 1
        self.longest_lull = max(self.longest_lull, self.lull)
        signals = (
            attacks,
            wounded,
            us.strike_today,
            killed,
            us.leader_today,
            us.mass_today,
            us.iran_today,
            iran.unleashed_today,
            iran.direct[-1],
        )
        rung = max([k + 1 for k, s in enumerate(signals) if s] or [0])
        self.max_rung = max(self.max_rung, rung)
        compliant = sum(g.month[-1] for g in self.groups if g.compliant)
        # the first directive, the first death, and what followed them
        if iran.issued_today and self.first_directive < 0:
            self.first_directive = day
        directed = self.first_directive >= 0
        if directed and day < self.first_directive + self.p["directive_days"] and compliant:
            self.last_compliant = day
        if killed and self.first_fatality < 0:
            self.first_fatality = day
        if self.first_fatality >= 0:
            since = day - self.first_fatality
            if us.strike_today and self.fatality_to_strike < 0:
                self.fatality_to_strike = since
            if since > 0 and iran.issued_today and self.fatality_to_directive < 0:
                self.fatality_to_directive = since
        if directed:
            self.after_attacks += attacks
            self.after_holdout += attacks - compliant
            self.after_strikes += us.strike_today
            since = day - self.first_directive
            if since >= SETTLE:
                self.compliant_week[-1] += compliant
                if last(self.compliant_week, 7) >= RESUMPTION_ATTACKS and self.resumption < 0:
                    self.resumption = since
        self.compliant_week.append(0)

    def outcomes(self) -> dict[str, float]:
        """Each per-trial metric of the vectorized model (NaN where it is undefined)."""
        t, days, directed = self.totals, self.days, self.first_directive >= 0

        def given(ok: bool, value: float) -> float:
            return float(value) if ok else NAN

        def resumed_within(horizon: int) -> float:
            seen = directed and self.first_directive + horizon <= days - 1
            return given(seen, 0 <= self.resumption <= horizon)

        to_last = self.last_compliant - self.first_directive if self.last_compliant >= 0 else 0
        out = {
            "attacks_per_day": t["attacks"] / days,
            "us_strikes_per_day": t["strikes"] / days,
            "p_us_fatality": float(t["killed"] - t["forced_killed"] > 0),
            "p_leadership_strike": float(t["leader"] > 0),
            "p_strike_on_iran": float(t["iran"] > 0),
            "max_rung": float(self.max_rung),
            "longest_lull_days": float(self.longest_lull),
            "days_directive_to_last_compliant_attack": given(directed, to_last),
            "days_fatality_to_strike": given(self.fatality_to_strike >= 0, self.fatality_to_strike),
            "days_fatality_to_directive": given(
                self.fatality_to_directive >= 0, self.fatality_to_directive
            ),
            "days_directive_to_resumption": given(self.resumption >= 0, self.resumption),
            "p_resume_90d": resumed_within(90),
            "p_resume_180d": resumed_within(180),
            "holdout_share_after_directive": given(
                self.after_attacks > 0, self.after_holdout / max(self.after_attacks, 1)
            ),
            "us_strikes_after_directive": float(self.after_strikes),
            "p_withdrawal_agreement": float(self.iraq.agreed),
            "p_directive": float(directed),
            "us_killed": float(t["killed"]),
            "us_wounded": float(t["wounded"]),
        }
        out.update({f"{GROUP_METRIC}{g.name}": g.total / days for g in self.groups})
        return out


def run_scalar(sc: sim.Scenario, trials: int, days: int, seed: int = 0) -> dict[str, list[float]]:
    """Run ``trials`` scalar models one after another; each trial's metrics (NaN: undefined)."""
    check_rules(sc)
    out: dict[str, list[float]] = {k: [] for k in metric_names(list(sc.spec.militias))}
    for k in range(trials):
        m = ScalarModel(sc, seed * 1_000_003 + k, days)
        for _ in range(days):
            m.step()
        for name, value in m.outcomes().items():
            out[name].append(value)
        m.remove_all_agents()
    return out


def nanmean(values: list[float]) -> float:
    """The mean of the values that are not NaN (NaN if none)."""
    kept = [v for v in values if not math.isnan(v)]
    return statistics.fmean(kept) if kept else NAN


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
        print(f"  {name:56} {nanmean(values):.4g}")


if __name__ == "__main__":
    main()
