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

GLOBAL_VARS: dict[str, str] = {
    "day": "days since the start of the run (0-based)",
    "attacks_today": "attacks by all groups so far today",
    "attacks_7d": "attacks by all groups in the last 7 days",
    "attacks_30d": "attacks by all groups in the last 30 days",
    "us_wounded_7d": "U.S. personnel wounded in the last 7 days",
    "us_killed_7d": "U.S. personnel killed in the last 7 days",
    "us_killed_30d": "U.S. personnel killed in the last 30 days",
    "us_killed_total": "U.S. personnel killed since day 0",
    "strikes_7d": "U.S. strikes on militias in the last 7 days",
    "leader_strikes_7d": "U.S. strikes that killed a militia commander, last 7 days",
    "days_since_strike": "days since the last U.S. strike (9999 if none)",
    "directive_active": "an Iranian 'lie low' directive is in force",
    "days_since_directive": "days since the last directive (9999 if none)",
    "directives_issued": "directives issued so far",
    "iraq_request": "the Iraqi government's request to rein in the groups is pending",
    "talks_progress": "progress of U.S.-Iraq talks on ending the U.S. presence, 0 to 1",
    "withdrawal_agreed": "a U.S.-Iraq withdrawal agreement has been reached",
    "n_complying": "groups currently complying with a directive",
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
}

#: rule name -> (context, kind, what it decides)
RULES: dict[str, tuple[Literal["global", "militia"], RuleKind, str]] = {
    "iraq_request_prob": ("global", "probability", "Iraq asks Iran to rein in the groups today"),
    "directive_trigger": ("global", "condition", "Iran decides to issue a 'lie low' directive"),
    "attack_rate": ("militia", "rate", "the group's expected attacks today"),
    "comply_prob": ("militia", "probability", "the group obeys a directive just issued"),
    "lapse_prob": ("militia", "probability", "a complying group abandons restraint today"),
    "us_strike_prob": ("global", "probability", "the U.S. strikes a militia today"),
    "leader_kill_prob": ("global", "probability", "a U.S. strike kills the group's commander"),
    "us_strike_iran_prob": ("global", "probability", "the U.S. strikes Iran directly today"),
    "talks_progress_rate": ("global", "real", "today's change in talks progress"),
    "agreement_prob": ("global", "probability", "talks reach a withdrawal agreement today"),
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
    Rung("iran_strike", "U.S. strike on Iran"),
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
    "max_rung": "highest rung of the escalation ladder reached (0-6)",
    "longest_lull_days": "longest run of days with no attack",
    "days_directive_to_last_compliant_attack": "days from the first directive to the last "
    "attack by a compliant group within its term (trials with a directive)",
    "days_fatality_to_strike": "days from the first U.S. death to the next U.S. strike "
    "(trials with both)",
    "days_fatality_to_directive": "days from the first U.S. death to the next directive "
    "(trials with both)",
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
