"""Declared uncertainty in a run: one draw per trial, from a stream named by the key path."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from sim.cli import main
from sim.model.escalation import EscalationModel
from sim.model.streams import Streams
from sim.scenario.uncertainty import Uncertainty, draw
from tests.helpers import without_uncertainty

UNCERTAIN = """\
extends: qaani_visit
name: uncertain
params:
  lapse_base:
    uncertainty: {lognormal: {median: 0.0033, sd_log: 0.5, high: 0.05}}
  directive_delay_max:
    uncertainty: {choice: {values: [1, 2, 3]}}
militias:
  kataib_hezbollah:
    compliance: {value: 0.97, uncertainty: {beta: [30, 1]}}
drivers:
  gaza:
    uncertainty: {uniform: [0.5, 1.0]}
"""
PATHS = [  # the order of the resolved file: params (as in base.yaml), drivers, militias
    "params.directive_delay_max.value",
    "params.lapse_base.value",
    "drivers.gaza.value",
    "militias.kataib_hezbollah.compliance",
]


@pytest.fixture
def uncertain(tmp_path: Path) -> Path:
    """qaani_visit with these four uncertainties alone: base's are fixed at their point values."""
    fixed = tmp_path / "fixed_visit.yaml"
    patch = without_uncertainty("qaani_visit")
    fixed.write_text(yaml.safe_dump({"extends": "qaani_visit", "name": "fixed_visit", **patch}))
    path = tmp_path / "uncertain.yaml"
    path.write_text(UNCERTAIN.replace("extends: qaani_visit", f"extends: {fixed}"))
    return path


def test_each_trial_draws_each_quantity_from_its_own_stream(uncertain):
    r = sim.run(uncertain, 300, 20, seed=4)
    params = r.parameters()
    assert list(params.columns) == PATHS and len(params) == 300
    sc = sim.load_scenario(uncertain)
    streams = Streams(4, 0, 300)
    u = Uncertainty.model_validate({"beta": [30, 1]})
    q = streams.uniform("uncertainty.militias.kataib_hezbollah.compliance", 0)
    np.testing.assert_array_equal(params["militias.kataib_hezbollah.compliance"], draw(u, q, False))
    assert set(params["params.directive_delay_max.value"]) <= {1.0, 2.0, 3.0}
    assert params["drivers.gaza.value"].between(0.5, 1.0).all()
    assert sc.spec.params["lapse_base"].uncertainty is not None


def test_a_trial_is_the_point_run_of_its_draws(uncertain):
    r = sim.run(uncertain, 40, 25, seed=2)
    sc = sim.load_scenario(uncertain)
    for k in (0, 17, 39):
        values = {path: float(r.parameters()[path].iloc[k]) for path in PATHS}
        patched = sc.patched(values)
        assert patched.changes
        alone = sim.trace(patched, k, 2, 25, point=True)
        for metric, value in alone.metrics.items():
            got = r.per_trial(metric)[k]
            assert (np.isnan(value) and np.isnan(got)) or value == got, metric


def test_common_random_numbers_hold_across_scenarios_and_added_uncertainties(uncertain, tmp_path):
    more = tmp_path / "more.yaml"
    added = "  harakat_al_nujaba:\n    capability: {value: 1.0, uncertainty: {gamma: [20, 0.05]}}\n"
    more.write_text(
        uncertain.read_text()
        .replace("name: uncertain", "name: more")
        .replace("militias:\n", "militias:\n" + added)
    )
    a = sim.run(uncertain, 200, 5, seed=9).parameters()
    b = sim.run(more, 200, 5, seed=9).parameters()
    pd.testing.assert_frame_equal(a, b[a.columns])  # the added one changes no other draw
    assert "militias.harakat_al_nujaba.capability" in b


def test_results_do_not_depend_on_blocks_or_workers(uncertain):
    a = sim.run(uncertain, 500, 15, seed=1, block_size=500)
    b = sim.run(uncertain, 500, 15, seed=1, block_size=97, workers=2)
    pd.testing.assert_frame_equal(a.parameters(), b.parameters())
    pd.testing.assert_frame_equal(a.summary(), b.summary())


def test_point_values_are_the_scenario_without_its_uncertainties(uncertain):
    point = sim.run(uncertain, 300, 20, seed=3, point=True)
    plain = sim.run("qaani_visit", 300, 20, seed=3, point=True)
    assert point.parameters().empty and point.point
    pd.testing.assert_frame_equal(point.summary(), plain.summary())
    drawn = sim.run(uncertain, 300, 20, seed=3)
    assert not drawn.summary().equals(point.summary())


def test_setting_a_value_fixes_it(uncertain):
    sc = sim.load_scenario(uncertain)
    fixed = sc.patched(
        {"params.lapse_base.value": 0.01, "militias.kataib_hezbollah.compliance.value": 0.5}
    )
    r = sim.run(fixed, 50, 5)
    assert list(r.parameters().columns) == [PATHS[0], PATHS[2]]


def test_the_command_line_writes_draws_and_per_trial_metrics(uncertain, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(uncertain), "--trials", "120", "--days", "10", "--quiet",
                 "--out", str(out)]) == 0  # fmt: skip
    assert "4 uncertain quantities drawn once per trial" in capsys.readouterr().out
    params = pd.read_parquet(out / "parameters.parquet")
    per_trial = pd.read_parquet(out / "per_trial.parquet")
    assert list(params.columns) == PATHS and len(params) == len(per_trial) == 120
    assert (
        "attacks_per_day" in per_trial and "attacks_per_day_by_group.kataib_hezbollah" in per_trial
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["point"] is False and manifest["uncertain"] == PATHS
    assert main(["run", str(uncertain), "--trials", "50", "--days", "5", "--point", "--quiet",
                 "--out", str(out / "p")]) == 0  # fmt: skip
    assert "every number at its point value (4 uncertainties not drawn)" in capsys.readouterr().out
    assert json.loads((out / "p" / "manifest.json").read_text())["point"] is True


@pytest.mark.parametrize(
    ("yaml_text", "says"),
    [
        ("params:\n  lapse_base:\n    uncertainty: {betta: [1, 2]}\n", "did you mean 'beta'"),
        ("params:\n  lapse_base:\n    uncertainty: {normal: {mean: 0.01, sd: 0.01}}\n",
         "probability"),
        ("params:\n  lapse_base:\n    uncertainty: {uniform: [0.1, 0.2]}\n", "0.00083"),
        ("militias:\n  kataib_hezbollah:\n    compliance: {value: 0.97, uncertainty: "
         "{normal: {mean: 1, sd: 1}}}\n", "compliance"),
        ("militias:\n  kataib_hezbollah:\n    compliance: {value: 0.97, sd: 1}\n",
         "takes value and uncertainty"),
    ],
)  # fmt: skip
def test_a_bad_uncertainty_is_one_clear_error(yaml_text, says, tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("extends: qaani_visit\n" + yaml_text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert says in err and len(err.splitlines()) == 1, err


@pytest.mark.parametrize(
    ("yaml_text", "says"),
    [
        ("params:\n  iraq_request_days:\n    value: 1\n    uncertainty: {uniform: [0.2, 1.4]}\n",
         "rounded to whole days, reach 0 to 1: they must stay from 1"),
        ("params:\n  directive_delay_min:\n    value: 2\n    uncertainty: {choice: [1, 2, 4]}\n"
         "  directive_delay_max:\n    value: 3\n    uncertainty: {choice: [3, 5]}\n",
         "directive_delay_min may draw 4 and directive_delay_max 3"),
    ],
)  # fmt: skip
def test_whole_day_draws_are_checked_as_they_will_be_used(yaml_text, says, tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("extends: qaani_visit\n" + yaml_text)
    assert main(["validate", str(path)]) == 2
    assert says in capsys.readouterr().err


def test_a_child_replaces_its_parents_uncertainty_whole(uncertain, tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text(
        f"extends: {uncertain}\nname: child\n"
        "params:\n  lapse_base:\n    uncertainty: {uniform: [0.0001, 0.01]}\n"
    )
    sc = sim.load_scenario(child)
    assert str(sc.spec.params["lapse_base"].uncertainty) == "uniform(low=0.0001, high=0.01)"


SCREEN = """\
extends: qaani_visit
name: screen
drivers:
  gaza:
    uncertainty: {uniform: [0.0, 1.0]}
params:
  lapse_base:
    uncertainty: {uniform: [0.00075, 0.0009]}
"""


def test_one_run_screens_which_uncertainty_moves_a_metric(tmp_path):
    path = tmp_path / "screen.yaml"
    path.write_text(SCREEN)
    r = sim.run(path, 2000, 30, seed=1)
    sens = r.sensitivity(["attacks_per_day", "days_fatality_to_strike"])
    s1 = sens[(sens.metric == "attacks_per_day")].set_index("parameter")["value"]
    assert s1["drivers.gaza.value"] > 0.3 > abs(s1["params.lapse_base.value"])
    assert (sens["ci_low"] <= sens["value"]).all() and (sens["value"] <= sens["ci_high"]).all()
    assert set(sens.method) == {"rbd_fast"}
    with pytest.raises(sim.InputError, match="no metric 'atacks_per_day'"):
        r.sensitivity(["atacks_per_day"])
    point = sim.run(path, 200, 5, point=True)
    with pytest.raises(sim.InputError, match="no input varies"):
        point.sensitivity()


def test_escsim_analyze_takes_a_run_folder(tmp_path, capsys):
    path, out = tmp_path / "screen.yaml", tmp_path / "out"
    path.write_text(SCREEN)
    assert main(["run", str(path), "--trials", "300", "--days", "10", "--quiet",
                 "--out", str(out)]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["analyze", str(out), "--metrics", "attacks_per_day", "--delta"]) == 0
    sens = pd.read_csv(out / "sensitivity.csv")
    assert set(sens.method) == {"rbd_fast", "delta"} and set(sens.metric) == {"attacks_per_day"}
    assert "drivers.gaza.value" in capsys.readouterr().out


def _sweep(tmp_path: Path, uncertain: Path, point: bool) -> Path:
    path = tmp_path / f"sweep_{point}.yaml"
    spec = {
        "name": f"u{point}",
        "scenario": str(uncertain),
        "days": 10,
        "replications": 40,
        "design": {"kind": "grid", "levels": 2},
        "parameters": {"drivers.gaza": {"range": [0.5, 1.0]}},
        "metrics": ["attacks_per_day"],
        "point": point,
    }
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def test_a_sweep_keeps_the_uncertainties_it_does_not_set(uncertain, tmp_path):
    drawn = _sweep(tmp_path, uncertain, point=False)
    fixed = _sweep(tmp_path, uncertain, point=True)
    table = sim.sweep(drawn, out=tmp_path / "d", workers=1)
    manifest = json.loads((tmp_path / "d" / "manifest.json").read_text())
    assert manifest["uncertain"] == [p for p in PATHS if p != "drivers.gaza.value"]
    assert manifest["point"] is False
    table_fixed = sim.sweep(fixed, out=tmp_path / "f", workers=1)
    assert json.loads((tmp_path / "f" / "manifest.json").read_text())["uncertain"] == []
    assert not table["mean"].equals(table_fixed["mean"])
    assert sim.load_sweep(drawn).hash != sim.load_sweep(fixed).hash


def test_parameters_are_the_values_the_model_drew_recomputed_not_kept():
    """A run keeps no per-trial draws (8 bytes a trial each); asked, it recomputes them."""
    r = sim.run("qaani_visit", 1500, 3, seed=4, block_size=700)
    assert r.block.parameters == {}
    frame = r.parameters()
    model = EscalationModel(sim.load_scenario("qaani_visit"), 300, seed=4, start=1000, days=3)
    try:
        for key, used in model.values.lanes.items():
            np.testing.assert_array_equal(frame[key].to_numpy()[1000:1300], used)
        assert list(frame.columns) == list(model.values.lanes)
    finally:
        model.close()
    assert sim.run("qaani_visit", 50, 3, seed=4, point=True).parameters().shape == (50, 0)
