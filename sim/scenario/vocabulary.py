"""The vocabulary of the model, kept once: state variables, rules, parameters, rungs, metrics.

Core objects: :data:`GLOBAL_VARS` and :data:`MILITIA_VARS` (names an expression may read),
:data:`RULES` (what each rule decides and in which context it is evaluated),
:data:`MODEL_PARAMS` (parameters the step reads directly), :data:`LADDER` and :data:`RUNGS`
(the escalation ladder) and :data:`METRICS` (what a run reports of each trial). The model's
getters, the recorder's rung signals and its per-trial outcomes are keyed by these names,
and are checked against them (a mismatch fails every run, and ``tests/test_vocabulary.py``).
Windows such as ``attacks_7d`` count the last seven days *including* what has already
happened today in the step order (see ``EscalationModel.step``).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

RuleKind = Literal["probability", "rate", "condition", "real"]

#: the switches of the decisions issue 15 added besides deterrence (each under ``mechanisms:``)
DECISIONS: tuple[str, ...] = (
    "sponsor_leverage",
    "iraqi_pressure",
    "talks_resumption",
    "deliberation",
    "iran_response",
    "withdrawal",
)

GLOBAL_VARS: dict[str, str] = {
    "day": "days since the start of the run (0-based)",
    "attacks_today": "attacks by all groups so far today",
    "attacks_7d": "attacks by all groups in the last 7 days",
    "attacks_30d": "attacks by all groups in the last 30 days",
    "us_wounded_7d": "U.S. personnel wounded in the last 7 days",
    "us_killed_today": "U.S. personnel killed so far today",
    "us_killed_7d": "U.S. personnel killed in the last 7 days",
    "us_killed_30d": "U.S. personnel killed in the last 30 days",
    "us_killed_total": "U.S. personnel killed since day 0",
    "strikes_7d": "U.S. strikes on militias in the last 7 days",
    "leader_strikes_7d": "U.S. strikes that killed a militia commander, last 7 days",
    "days_since_strike": "days since the last U.S. strike (9999 if none)",
    "responding": "the U.S. is preparing a mass retaliation (mechanisms.deliberation)",
    "days_since_mass_strike": "days since the last U.S. mass retaliation (9999 if none)",
    "iran_strikes_30d": "U.S. strikes on Iran in the last 30 days",
    "iran_direct_30d": "Iran's own strikes on U.S. forces in the last 30 days",
    "proxies_unleashed": "Iran turned its proxies loose in the last 30 days "
    "(mechanisms.iran_response)",
    "directive_active": "an Iranian 'lie low' directive is in force",
    "days_since_directive": "days since the last directive (9999 if none)",
    "directives_issued": "directives issued so far",
    "iraq_request": "the Iraqi government's request to rein in the groups is pending",
    "iraq_pressing": "Iraq's request is pending and weighs on every group "
    "(mechanisms.iraqi_pressure)",
    "talks_progress": "progress of U.S.-Iraq talks on ending the U.S. presence, 0 to 1",
    "talks_stalled": "the talks suffered a setback in the last 14 days "
    "(mechanisms.talks_resumption)",
    "under_fire": "more than under_fire_attacks_7d attacks in 7 days, as U.S. posture sees it "
    "(mechanisms.posture)",
    "withdrawal_agreed": "a U.S.-Iraq withdrawal agreement has been reached",
    "n_complying": "groups currently complying with a directive",
    "presence_iraq": "share of the U.S. troops still in Iraq (below 1 in a drawdown)",
    "presence_syria": "share of the U.S. troops still in Syria (always 1: the talks are on Iraq)",
    "troops_iraq": "U.S. troops in Iraq",
    "troops_syria": "U.S. troops in Syria",
}

MILITIA_VARS: dict[str, str] = {
    "capability": "the group's configured attack capacity (a multiplier)",
    "share": "the group's configured share of the campaign's attacks",
    "compliance": "the group's configured propensity to obey a directive",
    "prefers_talks": "how much the group prefers negotiation to attacks, 0 to 1",
    "is_holdout": "the group's doctrine is holdout (Nujaba-style)",
    "strength": "the group's current strength, 1 = intact, lowered by U.S. strikes",
    "complying": "the group is currently complying with a directive",
    "revenge": "the group's recent losses to U.S. strikes, decaying",
    "deterrence": "the risk the group has learned from its losses to U.S. strikes, decaying slowly",
    "group_attacks_7d": "this group's attacks in the last 7 days",
    "leaders_lost": "commanders this group has lost to U.S. strikes",
    "strikes_taken": "U.S. strikes this group has taken",
    "supply": "share of Iran's supplies reaching the group, 1 = full (mechanisms.sponsor_leverage)",
    "withheld": "Iran is withholding supplies from the group for defying its directive",
}

#: rule name -> (context, kind, what it decides)
RULES: dict[str, tuple[Literal["global", "militia"], RuleKind, str]] = {
    "iraq_request_prob": ("global", "probability", "Iraq asks Iran to rein in the groups today"),
    "directive_trigger": ("global", "condition", "Iran decides to issue a 'lie low' directive"),
    "attack_rate": ("militia", "rate", "the group's expected attacks today"),
    "comply_prob": ("militia", "probability", "the group obeys a directive just issued"),
    "lapse_prob": ("militia", "probability", "a complying group abandons restraint today"),
    "yield_prob": ("militia", "probability", "a group defying a directive falls in line today"),
    "withhold_prob": (
        "militia",
        "probability",
        "Iran cuts the supplies of a group that defies its directive",
    ),
    "us_strike_prob": ("global", "probability", "the U.S. strikes a militia today"),
    "leader_kill_prob": ("global", "probability", "a U.S. strike kills the group's commander"),
    "us_strike_iran_prob": ("global", "probability", "the U.S. strikes Iran directly today"),
    "mass_retaliation_prob": (
        "global",
        "probability",
        "U.S. deaths today lead the U.S. to prepare a mass retaliation",
    ),
    "iran_proxy_prob": ("global", "probability", "Iran answers a U.S. strike through its proxies"),
    "iran_direct_prob": (
        "global",
        "probability",
        "Iran answers a U.S. strike by striking U.S. forces",
    ),
    "talks_progress_rate": ("global", "real", "today's change in talks progress"),
    "agreement_prob": ("global", "probability", "talks reach a withdrawal agreement today"),
    "drawdown_rate": ("global", "real", "share of the troops in Iraq withdrawn today, once agreed"),
}

#: parameters the model's step reads directly: name -> (unit, meaning)
MODEL_PARAMS: dict[str, tuple[str, str]] = {
    "p_attack_wounds": ("probability", "an attack wounds U.S. personnel"),
    "p_attack_kills": ("probability", "an attack kills U.S. personnel"),
    "wounded_tail": ("multiplier", "Pareto tail index of the number wounded"),
    "killed_tail": ("multiplier", "Pareto tail index of the number killed"),
    "killed_max": ("count", "cap on those killed in one attack"),
    "wounded_max": ("count", "cap on those wounded in one attack"),
    "target_floor": ("multiplier", "weight of a group's share when the U.S. picks a target"),
    "strike_degrade": ("fraction", "strength a group loses to one U.S. strike"),
    "leader_degrade": ("fraction", "further strength lost when its commander is killed"),
    "strength_recovery": ("fraction", "share of lost strength a group regains each day"),
    "revenge_per_strike": ("multiplier", "revenge added by a strike on the group"),
    "revenge_per_leader": ("multiplier", "revenge added when its commander is killed"),
    "revenge_half_life": ("days", "half-life of revenge"),
    "deterrence_per_leader": ("multiplier", "deterrence added when its commander is killed"),
    "deterrence_half_life": ("days", "half-life of deterrence"),
    "sponsor_share": ("fraction", "share of a group's capability that Iran's supplies provide"),
    "supply_half_life": ("days", "half-life of a group's stocks once Iran withholds supplies"),
    "proxy_revenge": ("multiplier", "revenge each group takes up when Iran unleashes it"),
    "mass_degrade": ("fraction", "strength a group loses to a mass retaliation"),
    "deliberation_days": ("days", "days from U.S. deaths to the mass retaliation decided on"),
    "iran_response_days": ("days", "days from a U.S. strike on Iran to Iran's own strike"),
    "directive_delay_min": ("days", "shortest delay from trigger to directive"),
    "directive_delay_max": ("days", "longest delay from trigger to directive"),
    "directive_days": ("days", "how long a directive stays in force"),
    "comply_lag_max": ("days", "longest lag from directive to a group's compliance"),
    "iraq_request_days": ("days", "how long an Iraqi request stays pending"),
}


class Rung(NamedTuple):
    """A rung of the escalation ladder: the day's event that reaches it, and its label."""

    key: str
    label: str


#: the escalation ladder, lowest first; a trial's rung is the highest it has reached
LADDER: tuple[Rung, ...] = (
    Rung("calm", "calm"),
    Rung("attack", "militia attacks without casualties"),
    Rung("wounded", "U.S. personnel wounded"),
    Rung("strike", "U.S. strikes on militias"),
    Rung("killed", "U.S. personnel killed"),
    Rung("leader_strike", "U.S. strike kills a militia commander"),
    Rung("mass_strike", "U.S. mass retaliation on many groups"),
    Rung("iran_strike", "U.S. strike on Iran"),
    Rung("iran_proxies", "Iran unleashes its proxies"),
    Rung("iran_direct", "Iran strikes U.S. forces: direct exchange"),
)
#: the ladder's labels, by rung
RUNGS: tuple[str, ...] = tuple(r.label for r in LADDER)

#: metric name -> what it measures (the order of the summary table)
METRICS: dict[str, str] = {
    "attacks_per_day": "militia attacks on U.S. forces a day, all groups",
    "us_strikes_per_day": "U.S. strike days on militias a day",
    "p_us_fatality": "P(a U.S. death from a modelled attack; forced events excluded)",
    "p_leadership_strike": "P(a U.S. strike kills a militia commander)",
    "p_strike_on_iran": "P(a U.S. strike on Iran)",
    "max_rung": "highest rung of the escalation ladder reached (0-9)",
    "longest_lull_days": "longest run of days with no attack",
    "days_directive_to_last_compliant_attack": "days from the first directive to the last "
    "attack by a compliant group within its term (trials with a directive)",
    "days_fatality_to_strike": "days from the first U.S. death to the next U.S. strike "
    "(trials with both)",
    "days_fatality_to_directive": "days from the first U.S. death to the next directive "
    "(trials with both)",
    "days_directive_to_resumption": "days from the first directive to the first day on which "
    "compliant-doctrine groups have made 3 attacks in 7 days, counting attacks from its 8th "
    "day on (trials with both)",
    "p_resume_90d": "P(attacks resume within 90 days of the first directive; trials with one "
    "that the run watches for 90 days, or that resumed)",
    "p_resume_180d": "P(attacks resume within 180 days of the first directive; trials with one "
    "that the run watches for 180 days, or that resumed)",
    "holdout_share_after_directive": "holdouts' share of the attacks from the first directive "
    "on (trials with a directive and attacks after it)",
    "us_strikes_after_directive": "U.S. strike days from the first directive on (0 without one)",
    "p_withdrawal_agreement": "P(a U.S.-Iraq withdrawal agreement)",
    "p_directive": "P(Iran issues a 'lie low' directive)",
    "us_killed": "U.S. personnel killed (forced events included)",
    "us_wounded": "U.S. personnel wounded (forced events included)",
}
#: the prefix of each group's own attack rate among a run's metrics
GROUP_METRIC = "attacks_per_day_by_group."


def metric_names(groups: list[str]) -> list[str]:
    """Every metric a run of these groups reports, groups as ``attacks_per_day_by_group.G``."""
    return [*METRICS, *(f"{GROUP_METRIC}{g}" for g in groups)]
