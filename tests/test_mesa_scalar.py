"""The scalar Mesa baseline of benchmarks/ agrees with the vectorized model in distribution.

Both run the same scenario with independent random numbers, so each metric's means differ
by Monte Carlo error alone: the tolerance is four standard errors of the difference (eight
metrics, a fixed seed).
"""

from __future__ import annotations

import importlib.util
import math
import statistics
from pathlib import Path

import numpy as np
import pytest

import sim

SPEC = importlib.util.spec_from_file_location(
    "mesa_scalar", Path(__file__).parents[1] / "benchmarks" / "mesa_scalar.py"
)
assert SPEC is not None and SPEC.loader is not None
mesa_scalar = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(mesa_scalar)


@pytest.mark.parametrize("name", ["baseline", "qaani_visit"])
def test_the_scalar_mesa_model_agrees_in_distribution(name):
    sc, days = mesa_scalar.scalar_scenario(name), 45
    scalar = mesa_scalar.run_scalar(sc, 1200, days, seed=3)
    vector = sim.run(sc, 20_000, days, seed=3, point=True)  # the scalar model reads point values
    for metric, values in scalar.items():
        v = vector.per_trial(metric)
        se = math.hypot(
            statistics.stdev(values) / math.sqrt(len(values)), v.std() / math.sqrt(v.size)
        )
        diff = statistics.fmean(values) - float(np.mean(v))
        assert abs(diff) <= 4 * se + 1e-12, (metric, diff, se)


def test_it_refuses_rules_it_does_not_implement(tmp_path):
    changed = tmp_path / "changed.yaml"
    changed.write_text(
        "extends: baseline\nrules:\n  comply_prob:\n    expr: compliance * 0.5\n"
        "    source: {calibration: [C8]}\n"
    )
    with pytest.raises(SystemExit, match="comply_prob"):
        mesa_scalar.run_scalar(sim.load_scenario(changed), 1, 1)
