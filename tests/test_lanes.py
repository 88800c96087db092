"""Per-lane parameters: every number may hold one value per lane, with one engine.

Lane k of a model given per-lane values is trial k of a run of the scenario patched to lane
k's values (its random numbers depend only on the seed and k), so the two agree exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.model.block import Block
from sim.model.escalation import EscalationModel

N, DAYS, SEED = 12, 40, 5


def _block(sc: sim.Scenario, n: int, start: int = 0, lanes=None) -> Block:
    model = EscalationModel(sc, n, SEED, start=start, days=DAYS, lanes=lanes)
    try:
        for _ in range(DAYS):
            model.step()
        return model.recorder.finish()
    finally:
        model.close()


def _lane_values(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "militias.kataib_hezbollah.compliance": rng.uniform(0, 1, N),
        "militias.harakat_al_nujaba.capability": rng.uniform(0.5, 3, N),
        "militias.kataib_hezbollah.theaters.iraq": rng.uniform(0, 1, N),
        "drivers.gaza.value": rng.uniform(0, 1, N),
        "params.strike_max.value": rng.uniform(0.2, 0.9, N),
        "params.p_attack_kills.value": rng.uniform(0.01, 0.2, N),
        "params.killed_tail.value": rng.uniform(1.0, 3.0, N),
        "params.directive_delay_max.value": rng.integers(1, 6, N).astype(float),
        "params.comply_lag_max.value": rng.integers(0, 4, N).astype(float),
        "params.strike_degrade.value": rng.uniform(0, 0.5, N),
        "theaters.iraq.us_troops": rng.integers(1000, 3000, N).astype(float),
    }


@pytest.mark.parametrize("name", ["qaani_visit", "baseline"])
def test_each_lane_is_the_scalar_run_of_its_values(name):
    sc = sim.load_scenario(name)
    lanes = _lane_values(np.random.default_rng(1))
    lanes["params.directive_delay_min.value"] = np.minimum(
        lanes["params.directive_delay_max.value"], 1.0
    )
    iraq = lanes["militias.kataib_hezbollah.theaters.iraq"]
    lanes["militias.kataib_hezbollah.theaters.syria"] = 1.0 - iraq  # splits sum to 1
    packed = _block(sc, N, lanes=lanes)
    for k in range(N):
        point = {path: float(values[k]) for path, values in lanes.items()}
        point["theaters.iraq.us_troops"] = int(point["theaters.iraq.us_troops"])  # whole
        patched = sc.patched(point)
        alone = _block(patched, 1, start=k)
        for metric, values in packed.per_trial.items():
            np.testing.assert_array_equal(values[k : k + 1], alone.per_trial[metric], metric)
        np.testing.assert_array_equal(packed.by_group[:, k : k + 1], alone.by_group)


def test_scalar_values_are_the_scenarios():
    sc = sim.load_scenario("qaani_visit")
    same = {"drivers.gaza.value": np.full(N, sc.spec.drivers["gaza"].value)}
    a, b = _block(sc, N), _block(sc, N, lanes=same)
    for metric in a.per_trial:
        np.testing.assert_array_equal(a.per_trial[metric], b.per_trial[metric])


@pytest.mark.parametrize(
    ("path", "values", "says"),
    [
        ("militias.kataib_hezbollah.compliance", np.r_[np.full(9, 0.5), 1.2, -0.1, 2.0],
         "must be in [0, 1]: 3 of 12 lanes are not"),
        ("params.p_attack_kills.value", np.r_[np.full(11, 0.1), np.nan], "1 of 12 lanes"),
        ("drivers.gaza.value", np.ones(5), "needs 12 values, got shape (5,)"),
        ("params.no_such.value", np.ones(12), "not a number the model reads lane by lane"),
        ("params.comply_lag_max.value", np.r_[np.ones(11), 1.5], "whole number of days"),
        ("params.directive_delay_min.value", np.full(12, 9.0), "above directive_delay_max"),
    ],
)  # fmt: skip
def test_bad_lane_values_name_the_path_and_the_lanes(path, values, says):
    sc = sim.load_scenario("qaani_visit")
    with pytest.raises(sim.InputError) as info:
        EscalationModel(sc, N, 0, days=5, lanes={path: values})
    assert says in info.value.message, info.value.message
