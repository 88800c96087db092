"""One source of truth for each vocabulary: the model and recorder agree with it."""

import numpy as np
import pytest

import sim
from sim.model.base import check_names
from sim.model.escalation import EscalationModel
from sim.scenario.vocabulary import GLOBAL_VARS, LADDER, METRICS, MILITIA_VARS, RUNGS


@pytest.fixture(scope="module")
def model():
    m = EscalationModel(sim.load_scenario("qaani_visit"), 5, 0, days=3)
    yield m
    m.close()


def test_global_getters_are_the_declared_variables_plus_params_and_drivers(model):
    spec = model.scenario.spec
    computed = set(model.env._getters) - set(spec.params) - set(spec.drivers)
    assert computed == set(GLOBAL_VARS)


def test_militia_getters_are_the_declared_variables(model):
    for militia in model.militia_list:
        assert set(militia.env()._getters) == set(MILITIA_VARS)


def test_a_getter_the_vocabulary_does_not_declare_fails_every_run():
    with pytest.raises(RuntimeError, match=r"not declared \['extra'\], not computed \[\]"):
        check_names({**dict.fromkeys(GLOBAL_VARS), "extra": None}, GLOBAL_VARS, "global")
    with pytest.raises(RuntimeError, match=r"not computed \['day'\]"):
        check_names({k: None for k in GLOBAL_VARS if k != "day"}, GLOBAL_VARS, "global")


def test_the_recorder_signals_every_rung_of_the_ladder_above_calm(model):
    assert list(model.recorder.rung_signals()) == [r.key for r in LADDER[1:]]
    assert tuple(r.label for r in LADDER) == RUNGS and RUNGS[0] == "calm"


def test_the_recorder_reports_exactly_the_metrics(model):
    for _ in range(3):
        model.step()
    assert list(model.recorder.per_trial()) == list(METRICS)
    block = model.recorder.finish()
    assert all(v.shape == (5,) for v in block.per_trial.values())


def test_the_rung_is_the_highest_signal():
    sc = sim.load_scenario("qaani_visit")
    m = EscalationModel(sc, 4, 0, days=1)
    try:
        signals = {r.key: np.zeros(4, dtype=bool) for r in LADDER[1:]}
        signals["attack"][[0, 1]] = True
        signals["killed"][1] = True
        signals["iran_strike"][2] = True
        m.recorder._climb(0, signals)
        keys = [r.key for r in LADDER]
        iran = keys.index("iran_strike")
        assert m.recorder.max_rung.tolist() == [1, keys.index("killed"), iran, 0]
        assert m.recorder.first_rung_day[:, 1].tolist() == [0] * 5 + [-1] * (len(keys) - 5)
        assert m.recorder.first_rung_day[:, 2].tolist() == [0] * (iran + 1) + [-1] * 2
    finally:
        m.close()
