"""Shared test helpers: Monte Carlo tolerances come from standard errors, never by hand."""

from __future__ import annotations

from typing import Any

import numpy as np

import sim
from sim.cli import main
from sim.core.stats import ratio_of_means
from sim.runs.windows import window_rates
from sim.scenario.quantities import uncertain_quantities

Z = 1.959963984540054  # two-sided 95%

#: the metrics the issue requires in summary.json, each as {mean, ci_low, ci_high, ...}
REQUIRED_METRICS = [
    "attacks_per_day",
    "us_strikes_per_day",
    "p_us_fatality",
    "p_leadership_strike",
    "p_strike_on_iran",
    "max_rung",
    "longest_lull_days",
    "days_directive_to_last_compliant_attack",
    "days_fatality_to_strike",
    "p_withdrawal_agreement",
]


def window(
    scenario: sim.Scenario | str, a: int, b: int, trials: int, seed: int
) -> dict[str, np.ndarray]:
    """Per-trial attacks a day over days [a, b), overall and by doctrine."""
    rates = window_rates(scenario, a, b, trials, seed)
    return {"all": rates["attacks"], "compliant": rates["compliant"], "holdout": rates["holdout"]}


def ratio_ci(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Ratio of means mean(x)/mean(y) of paired samples, with a delta-method 95% interval."""
    e = ratio_of_means(x, y)
    return e.mean, e.ci_low, e.ci_high


def without_uncertainty(scenario: str) -> dict[str, Any]:
    """A patch that fixes every number ``scenario`` declares uncertain at its point value.

    For a child file (``extends: scenario``): its parameters and drivers get
    ``uncertainty: null``, its groups' numbers their point values as plain numbers.
    """
    spec = sim.load_scenario(scenario).spec
    patch: dict[str, Any] = {}
    for path in uncertain_quantities(spec):
        section, name, key = path.split(".")
        if section == "militias":
            number = getattr(spec.militias[name], key)
            patch.setdefault(section, {}).setdefault(name, {})[key] = number
        else:
            patch.setdefault(section, {})[name] = {"uncertainty": None}
    return patch


def code(args: list[str]) -> int:
    """The exit code of ``escsim ARGS`` in process (argparse's refusals exit 2)."""
    try:
        return main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
