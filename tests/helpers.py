"""Shared test helpers: Monte Carlo tolerances come from standard errors, never by hand."""

from __future__ import annotations

import math

import numpy as np

import sim

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
    """Per-trial attacks a day over days [a, b), overall and by doctrine.

    Uses that a trial's first days do not depend on the horizon (tested in
    test_reproducibility), so counts over [a, b) are differences of two runs.
    """
    sc = sim.load_scenario(scenario)
    rb = sim.run(sc, trials=trials, days=b, seed=seed)
    out: dict[str, np.ndarray] = {}
    compliant = np.array([m.doctrine == "compliant" for m in sc.spec.militias.values()])
    totals_b = rb.block.by_group * b
    if a > 0:
        ra = sim.run(sc, trials=trials, days=a, seed=seed)
        totals = totals_b - ra.block.by_group * a
    else:
        totals = totals_b
    rates = totals / (b - a)
    out["all"] = rates.sum(axis=0)
    out["compliant"] = rates[compliant].sum(axis=0)
    out["holdout"] = rates[~compliant].sum(axis=0)
    return out


def ratio_ci(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Ratio of means mean(x)/mean(y) of paired samples, with a delta-method 95% interval."""
    r = float(x.mean() / y.mean())
    z = x - r * y
    se = float(z.std(ddof=1) / (math.sqrt(len(x)) * y.mean()))
    return r, r - Z * se, r + Z * se
