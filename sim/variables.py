"""The vocabulary rules are written in: state variables, rules, model parameters, rungs.

Core objects: :data:`GLOBAL_VARS` and :data:`MILITIA_VARS` (names an expression may read),
:data:`RULES` (what each rule decides and in which context it is evaluated),
:data:`MODEL_PARAMS` (parameters the step reads directly) and :data:`RUNGS` (the ladder).
Windows such as ``attacks_7d`` count the last seven days *including* what has already
happened today in the step order (see ``EscalationModel.step``).
"""

from __future__ import annotations

from typing import Literal

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
    "directive_delay_min": ("days", "shortest delay from trigger to directive"),
    "directive_delay_max": ("days", "longest delay from trigger to directive"),
    "directive_days": ("days", "how long a directive stays in force"),
    "comply_lag_max": ("days", "longest lag from directive to a group's compliance"),
    "iraq_request_days": ("days", "how long an Iraqi request stays pending"),
}

#: the escalation ladder, lowest first; a trial's rung is the highest it has reached
RUNGS: tuple[str, ...] = (
    "calm",
    "militia attacks without casualties",
    "U.S. personnel wounded",
    "U.S. strikes on militias",
    "U.S. personnel killed",
    "U.S. strike kills a militia commander",
    "U.S. strike on Iran",
)
