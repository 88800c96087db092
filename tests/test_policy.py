"""Experiments (levers x uncertainties) and the robustness of policies across scenarios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.core.errors import InputError
from sim.policy.discovery import find_box
from sim.policy.experiment import Experiment, load_experiment
from sim.policy.robustness import robustness
from sim.sweeps.loader import load_sweep
from sim.sweeps.results import SweepResults

EXPERIMENT = """\
name: tiny
scenario: qaani_visit
days: 20
replications: 60
seed: 5
design: {kind: lhs, samples: 3}
uncertainties:
  drivers.gaza: {range: [0.2, 1.0]}
  params.deterrence_gain: {range: [0.0, 0.6]}
levers:
  policies: {restraint: restraint, proportional: qaani_visit, decapitation: decapitation}
  parameters:
    params.p_mass_per_killed: {values: [0.0, 0.5]}
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exp")
    (folder / "tiny.yaml").write_text(EXPERIMENT)
    table = sim.sweep(folder / "tiny.yaml", out=folder / "out", workers=1)
    return folder, table


def test_every_policy_runs_in_every_scenario(tiny):
    folder, _ = tiny
    s = load_sweep(folder / "tiny.yaml")
    assert len(s.design) == 3 * 3 * 2  # scenarios x policies x lever values
    cells = s.design.groupby(["policy", "params.p_mass_per_killed"]).scenario.apply(sorted)
    assert all(v == [0, 1, 2] for v in cells)
    # each policy sets what any sets: restraint takes the base's point value of leader_degrade
    restraint = s.policies["restraint"]
    assert restraint["params.strike_per_attack.value"] == 0.003
    assert restraint["params.leader_degrade.value"] == 0.15
    assert set(restraint) == set(s.policies["decapitation"]) == set(s.policies["proportional"])


def test_an_experiments_point_equals_the_same_point_run_alone(tiny):
    folder, table = tiny
    s = load_sweep(folder / "tiny.yaml")
    for point in (0, 7, 17):
        alone = sim.run(s.scenario.patched(s.changes(point)), 60, 20, seed=5)
        got = table[(table.point == point) & (table.metric == "attacks_per_day")]["mean"].item()
        assert got == pytest.approx(alone.estimates()["attacks_per_day"].mean, rel=1e-12)


def _fake(values: dict[str, list[list[float]]]) -> Experiment:
    """An experiment of scenarios x policies from means given per metric."""
    rows, points = [], []
    first = next(iter(values.values()))
    n_scen, n_pol = len(first), len(first[0])
    for s in range(n_scen):
        for p in range(n_pol):
            point = s * n_pol + p
            points.append({"point": point, "scenario": s, "policy": f"P{p}"})
            for metric, grid in values.items():
                rows.append({"point": point, "scenario": s, "policy": f"P{p}", "metric": metric,
                             "mean": grid[s][p]})  # fmt: skip
    info = {"sweep": "fake", "metrics": list(values), "parameters": {"scenario": "", "policy": ""}}
    results = SweepResults(table=pd.DataFrame(rows), info=info, status=pd.DataFrame())
    return Experiment(results=results, points=pd.DataFrame(points).set_index("point"))


def test_regret_and_satisficing_against_hand_computed_values():
    exp = _fake(
        {
            "p_strike_on_iran": [[0.02, 0.08], [0.10, 0.04], [0.03, 0.03]],
            "p_us_fatality": [[0.5, 0.1], [0.2, 0.2], [0.4, 0.1]],
            "p_withdrawal_agreement": [[0.6, 0.2], [0.1, 0.3], [0.5, 0.5]],
        }
    )
    r = robustness(exp, satisfice="p_strike_on_iran < 0.05 and p_us_fatality < 0.3")
    t = r.table.set_index(["metric", "policy"])
    # less is better: regret per scenario P0 = [0, 0.06, 0], P1 = [0.06, 0, 0]
    assert t.loc[("p_strike_on_iran", "P0"), "regret_max"] == pytest.approx(0.06)
    assert t.loc[("p_strike_on_iran", "P0"), "regret_mean"] == pytest.approx(0.02)
    assert t.loc[("p_strike_on_iran", "P1"), "regret_mean"] == pytest.approx(0.02)
    assert t.loc[("p_us_fatality", "P0"), "regret_mean"] == pytest.approx((0.4 + 0 + 0.3) / 3)
    # more is better for an agreement: regret P0 = [0, 0.2, 0], P1 = [0.4, 0, 0]
    assert t.loc[("p_withdrawal_agreement", "P1"), "regret_max"] == pytest.approx(0.4)
    assert t.loc[("p_withdrawal_agreement", "P0"), "regret_mean"] == pytest.approx(0.2 / 3)
    assert t.loc[("p_us_fatality", "P1"), "mean"] == pytest.approx(0.4 / 3)
    sat = r.satisficing.set_index("policy")
    # P0 meets both in scenario 0 only (0.02 < 0.05 but 0.5 >= 0.3; ...): by hand
    ok0 = [0.02 < 0.05 and 0.5 < 0.3, 0.10 < 0.05 and 0.2 < 0.3, 0.03 < 0.05 and 0.4 < 0.3]
    ok1 = [0.08 < 0.05 and 0.1 < 0.3, 0.04 < 0.05 and 0.2 < 0.3, 0.03 < 0.05 and 0.1 < 0.3]
    assert sat.loc["P0", "share"] == pytest.approx(np.mean(ok0))
    assert sat.loc["P1", "share"] == pytest.approx(np.mean(ok1))
    assert sat.loc["P1", "ci_low"] < 2 / 3 < sat.loc["P1", "ci_high"]


def test_robustness_of_the_tiny_experiment_and_its_command(tiny, capsys):
    folder, _ = tiny
    out = folder / "out"
    r = robustness(out, satisfice="p_us_fatality < 0.5")
    assert r.table.policy.nunique() == 6 and (r.table.scenarios == 3).all()
    assert (r.table.regret_mean >= 0).all() and (r.table.regret_max >= r.table.regret_mean).all()
    assert "restraint, p_mass_per_killed=0.5" in set(r.satisficing.policy)
    assert main(["robustness", str(out), "--satisfice", "p_strike_on_iran < 0.1"]) == 0
    assert (out / "robustness.csv").is_file() and (out / "robustness.png").is_file()
    assert "satisficing" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--satisfice", "p_strike_on_iran <"], "syntax error"),
        (["--satisfice", "p_strik < 0.1"], "did you mean 'p_strike_on_iran'"),
        (["--satisfice", "1 < 2"], "reads no metric"),
        (["--metrics", "attacks"], "unknown metric 'attacks'"),
        (["--maximize", "bogus"], "unknown metric 'bogus'"),
        (["--satisfice", "p_us_fatality"], "gives numbers, not true or false"),
    ],
)
def test_bad_robustness_input_is_one_message(tiny, capsys, args, message):
    folder, _ = tiny
    assert main(["robustness", str(folder / "out"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_sweep_without_levers_is_not_an_experiment(tmp_path):
    with pytest.raises(InputError, match="not a sweep folder"):
        load_experiment(tmp_path)
    plain = tmp_path / "plain.yaml"
    plain.write_text(
        "scenario: qaani_visit\ndays: 3\nreplications: 4\ndesign: {kind: grid}\n"
        "parameters:\n  drivers.gaza: {values: [0.5, 1.0]}\n"
    )
    sim.sweep(plain, out=tmp_path / "s", workers=1)
    with pytest.raises(InputError, match="not an experiment"):
        load_experiment(tmp_path / "s")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("  policies: {odd: no_visit}\n", "changes mechanisms"),
        ("  policies: {gone: nowhere}\n", "no shipped scenario named 'nowhere'"),
        ("  policies: {r: restraint}\n  parameters:\n"
         "    params.strike_per_attack: {values: [0.1]}\n", "which the experiment also varies"),
        ("  parameters:\n    drivers.gaza: {values: [0.5]}\n", "both a lever and an uncertainty"),
        ("  parameters:\n    params.no_such_lever: {values: [0.5]}\n", "has no params.no_such"),
    ],
)  # fmt: skip
def test_bad_levers_are_refused_with_the_key_path(tmp_path, change, message):
    head = EXPERIMENT.split("levers:\n")[0]
    path = tmp_path / "bad.yaml"
    path.write_text(head + "levers:\n" + change)
    with pytest.raises(InputError, match=message) as info:
        load_sweep(path)
    assert info.value.line is not None


# --- scenario discovery ---------------------------------------------------------------------


def test_prim_finds_a_planted_box():
    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.uniform(size=(2000, 4)), columns=["a", "b", "c", "d"])
    y = ((x.a > 0.6) & (x.b < 0.3)).to_numpy()
    box = find_box(x, y, threshold=0.9)
    lims = box.limits.set_index("input")
    assert set(lims.index) == {"a", "b"}  # only the planted inputs are restricted
    assert lims.loc["a", "min"] == pytest.approx(0.6, abs=0.03) and lims.loc["a", "max"] > 0.97
    assert lims.loc["b", "max"] == pytest.approx(0.3, abs=0.03) and lims.loc["b", "min"] < 0.03
    assert (lims.qp_value < 1e-10).all()  # each restriction is significant
    row = box.trajectory.loc[box.chosen]
    assert row.density >= 0.9 and row.coverage > 0.85
    share = box.stability.share_restricted
    assert (share[["a", "b"]] >= 0.8).all() and (share[["c", "d"]] <= 0.2).all()  # they recur


def test_discovery_in_the_tiny_experiment_and_its_command(tiny, capsys):
    folder, _ = tiny
    out = folder / "out"
    d = sim.discover(out, "p_strike_on_iran > 0.02")
    # only decapitation strikes Iran often in 20 days: CART and PRIM both say so
    assert d.cases > 0 and "policy=decapitation" in d.cart
    assert d.scores.index[0].startswith("policy=")
    assert set(d.figures()) == {"tradeoff", "box", "pairs"}
    assert main(["discover", str(out), "--where", "p_strike_on_iran > 0.02"]) == 0
    assert (out / "discovery_box.csv").is_file() and (out / "discovery_tradeoff.png").is_file()
    assert "PRIM box" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("p_strike_on_iran >", "syntax error"),
        ("p_strik > 0.1", "did you mean 'p_strike_on_iran'"),
        ("p_strike_on_iran > 2", "holds at no point"),
        ("p_strike_on_iran >= 0", "holds at every point"),
        ("p_strike_on_iran", "gives numbers"),
        ("p_strike_on_iran > 0.02 --threshold 1.5", "above 0 and at most 1"),
    ],
)
def test_bad_discovery_input_is_one_message(tiny, capsys, where, message):
    folder, _ = tiny
    condition, *rest = where.split(" --")
    extra = ["--" + rest[0].split()[0], rest[0].split()[1]] if rest else []
    assert main(["discover", str(folder / "out"), "--where", condition, *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


DRAWN = """\
name: drawn
scenario: qaani_visit
days: 10
replications: 20
seed: 3
design: {kind: drawn, samples: 5}
levers:
  policies: {restraint: restraint, proportional: qaani_visit}
"""


def test_a_drawn_design_draws_the_scenarios_own_uncertainties(tmp_path):
    path = tmp_path / "drawn.yaml"
    path.write_text(DRAWN)
    s = load_sweep(path)
    assert len(s.design) == 5 * 2
    # every declared uncertainty is a column, but for what the policies set (they decide it)
    assert "params.campaign_rate" in s.design and "militias.kataib_hezbollah.share" in s.design
    assert "params.strike_per_attack" not in s.design and "params.strike_degrade" not in s.design
    assert s.uncertain() == []  # nothing left to draw per trial: a scenario is its draws
    # a scenario's draws are the same under every policy; the draws differ across scenarios
    by = s.design.groupby("scenario")["params.campaign_rate"]
    assert (by.nunique() == 1).all() and s.design["params.campaign_rate"].nunique() == 5
    days = s.design["params.directive_days"]
    assert (days == days.round()).all()  # whole-day quantities are drawn whole
    assert main(["validate", str(path)]) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (DRAWN.split("levers:")[0], "a drawn design is an experiment's"),
        (DRAWN + "uncertainties:\n  drivers.gaza: {range: [0, 1]}\n", "list none under"),
    ],
)
def test_a_drawn_design_is_refused_where_it_does_not_fit(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        load_sweep(path)
