"""The scalar Mesa baseline of benchmarks/ agrees with the vectorized model in distribution.

Both run the same scenario, every mechanism on, with independent random numbers, so each
metric's means differ by Monte Carlo error alone: the tolerance is four standard errors of
the difference (a fixed seed). Compared: every per-trial metric the vectorized model reports
(over the trials where it is defined, and the share of trials where it is), and the share of
trials reaching each rung of the ladder (the mass retaliation, a strike on Iran, Iran's
proxies unleashed, its direct strike). A fourth case pushes ``qaani_visit`` to where Iran's
answers, the direct exchange and the drawdown happen in most trials.
"""

from __future__ import annotations

import importlib
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.scenario.vocabulary import DECISIONS, RUNGS

# mesa_scalar.py imports its sibling mesa_scalar_agents.py, as benchmarks/throughput.py does
sys.path.append(str(Path(__file__).parents[1] / "benchmarks"))
mesa_scalar = importlib.import_module("mesa_scalar")

#: strikes on Iran within days of the Jordan deaths, Iran's answers, a quick drawdown
EXCHANGE = {
    "params.iran_strike_threshold.value": 0,
    "params.iran_strike_gain.value": 0.02,
    "params.talks_gain.value": 0.05,
    "params.agreement_rate.value": 0.2,
    "params.drawdown_days.value": 30,
    "params.under_fire_attacks_7d.value": 3,
}
#: id -> (scenario, patch, days, scalar trials)
CASES = {
    "baseline": ("baseline", {}, 60, 1200),
    "qaani_visit": ("qaani_visit", {}, 95, 1200),  # p_resume_90d is known from day 92 on
    "no_visit": ("no_visit", {}, 45, 600),
    "exchange": ("qaani_visit", EXCHANGE, 60, 600),
}


def compared(values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each metric over the trials where it is defined, their share, and the rung shares."""
    out = {}
    for name, v in values.items():
        defined = ~np.isnan(v)
        out[name], out[f"defined:{name}"] = v[defined], defined * 1.0
    for k in range(1, len(RUNGS)):
        out[f"rung>={k}"] = (values["max_rung"] >= k) * 1.0
    return out


@pytest.mark.parametrize("case", CASES)
def test_the_scalar_mesa_model_agrees_in_distribution(case):
    name, patch, days, trials = CASES[case]
    sc = mesa_scalar.scalar_scenario(name).patched(patch)
    scalar = mesa_scalar.run_scalar(sc, trials, days, seed=3)
    vector = sim.run(sc, 20_000, days, seed=3, point=True)  # the scalar model reads point values
    assert list(scalar) == vector.metric_names()
    s = compared({k: np.asarray(v, dtype=float) for k, v in scalar.items()})
    v = compared({k: vector.per_trial(k) for k in scalar})
    checked = 0
    for metric in s:
        a, b = s[metric], v[metric]
        if min(a.size, b.size) < 2:  # seldom defined: its share of trials is compared
            continue
        se = math.hypot(a.std(ddof=1) / math.sqrt(a.size), b.std(ddof=1) / math.sqrt(b.size))
        diff = float(a.mean() - b.mean())
        assert abs(diff) <= 4 * se + 1e-12, (metric, diff, se)
        checked += 1
    assert checked >= 50
    if case == "exchange":  # the case does reach Iran's answers and the drawdown
        assert v["rung>=9"].mean() > 0.3 and v["p_withdrawal_agreement"].mean() > 0.3


def test_it_runs_the_scenarios_as_shipped():
    sc = mesa_scalar.scalar_scenario("baseline")
    assert all(getattr(sc.spec.mechanisms, k) for k in (*DECISIONS, "deterrence", "posture"))
    mesa_scalar.check_rules(sc)  # no SystemExit: it writes every shipped rule


def test_it_refuses_rules_it_does_not_implement(tmp_path):
    changed = tmp_path / "changed.yaml"
    changed.write_text(
        "extends: baseline\nrules:\n  comply_prob:\n    expr: compliance * 0.5\n"
        "    source: {calibration: [C8]}\n"
    )
    with pytest.raises(SystemExit, match="comply_prob"):
        mesa_scalar.run_scalar(sim.load_scenario(changed), 1, 1)
