"""escsim calibrate: a small calibration end to end, seeded, resumable; bad files refused."""

import dataclasses
import json
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import sim
from sim.calibration.loader import load_calibration
from sim.calibration.record import shipped_record
from sim.calibration.runner import calibrate
from sim.core.errors import InputError
from sim.runs.posterior import load_posterior
from sim.sweeps.packing import Pack, run_pack

SMALL = """\
scenario: wave_2023
fit_until: 75
parameters:
  params.campaign_rate.value:
    prior: {lognormal: {median: 1.6, sd_log: 0.3}}
  params.strike_base.value: {}
observation:
  attacks: {dispersion: 10}
  strikes: {dispersion: null}
  truce: gaza_truce
method: {particles: 150, replicates: 2, generations: 3, seed: 4}
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cal")
    path = folder / "small.yaml"
    path.write_text(SMALL)
    return path, calibrate(path, folder / "out", workers=1)


def test_a_small_calibration_writes_its_posterior_summary_and_diagnostics(small):
    path, post = small
    out = path.parent / "out"
    table = pd.read_parquet(out / "posterior.parquet")
    assert set(table["generation"]) == {0, 1, 2}
    last = table[table["generation"] == 2]
    assert last["weight"].sum() == pytest.approx(1)
    summary = pd.read_csv(out / "summary.csv", index_col=0)
    assert list(summary.index) == ["params.campaign_rate.value", "params.strike_base.value"]
    assert summary.loc["params.campaign_rate.value", "prior_q50"] == pytest.approx(1.6, rel=1e-3)
    diag = pd.read_csv(out / "diagnostics.csv", index_col=0)
    assert (np.diff(diag["epsilon"]) < 0).all()  # the tolerance falls each generation
    assert ((diag["ess"] > 1) & (diag["ess"] <= 150)).all()
    assert (out / "manifest.json").exists() and post.stopped == "reached 3 generations"


def test_the_same_file_and_seed_give_the_same_posterior_with_two_workers(small, tmp_path):
    path, post = small
    again = calibrate(path, tmp_path / "out2", workers=2)
    for a, b in zip(post.generations, again.generations, strict=True):
        np.testing.assert_array_equal(a.z, b.z)
        np.testing.assert_array_equal(a.distances, b.distances)


def test_a_stopped_calibration_resumes_from_its_last_generation(small, tmp_path):
    path, post = small
    out = tmp_path / "out3"
    shutil.copytree(path.parent / "out", out)
    (out / "generations" / "002.npz").unlink()  # stopped during the last generation
    (out / "posterior.parquet").unlink()
    resumed = calibrate(path, out, workers=1)
    np.testing.assert_array_equal(resumed.last.z, post.last.z)
    np.testing.assert_array_equal(resumed.last.weights, post.last.weights)


def test_a_folder_of_another_calibration_is_refused(small, tmp_path):
    path, _ = small
    other = tmp_path / "other.yaml"
    other.write_text(SMALL.replace("seed: 4", "seed: 5"))
    with pytest.raises(InputError, match="holds another calibration"):
        calibrate(other, path.parent / "out")


BAD = [
    ("params.strike_base.value: {}", "params.nope.value: {}", "not a number of scenario"),
    ("params.strike_base.value: {}", "params.directive_delay_min.value: {}", "no uncertainty"),
    (
        "params.strike_base.value: {}",
        "params.strike_base.value: {prior: {uniform: [0, 2]}}",
        "probability",
    ),
    ("truce: gaza_truce", "truce: gaza_truc", "no period 'gaza_truc'"),
    ("scenario: wave_2023", "scenario: baseline", "has no calendar"),
    ("fit_until: 75", "fit_until: -1", "greater than or equal to 0"),
    ("method: {particles", "methods: {particles", "unknown key 'methods'"),
    ("fit_until: 75", "fit_until: 75\nrecord: nowhere", "no record folder"),
    ("  attacks: {dispersion: 10}\n", "", "compare attacks too"),
    ("fit_until: 75", "fit_until: 5", "no attacks report on or before day 5"),
]


@pytest.mark.parametrize(("old", "new", "message"), BAD)
def test_a_bad_calibration_file_is_one_clear_message_and_exit_2(tmp_path, old, new, message):
    path = tmp_path / "bad.yaml"
    path.write_text(SMALL.replace(old, new))
    with pytest.raises(InputError) as exc:
        load_calibration(path)
    assert message in exc.value.reason and exc.value.file == str(path)
    cmd = [sys.executable, "-m", "sim", "calibrate", str(path), "--out", str(tmp_path / "o")]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and message in proc.stderr
    assert not (tmp_path / "o").exists()


def test_a_record_with_a_negative_count_stops_the_calibration_at_its_line(tmp_path):
    shutil.copytree(shipped_record(), tmp_path / "rec")
    f = tmp_path / "rec" / "attacks.csv"
    f.write_text(f.read_text().replace("2023-10-26,9,16,16", "2023-10-26,9,-16,16"))
    path = tmp_path / "c.yaml"
    path.write_text(SMALL.replace("fit_until: 75", "fit_until: 75\nrecord: rec"))
    with pytest.raises(InputError) as exc:
        load_calibration(path)
    assert exc.value.file == str(f) and exc.value.line == 3 and "negative" in exc.value.reason


def test_a_run_draws_its_fitted_values_from_the_posterior(small, tmp_path):
    path, post = small
    out = path.parent / "out"
    r = sim.run("qaani_visit", 3000, 30, seed=2, posterior=out)
    drawn = r.parameters()["params.campaign_rate.value"].to_numpy()
    particles = post.particles()
    fitted = particles.loc[particles["weight"] > 0, "params.campaign_rate.value"].to_numpy()
    assert np.isin(drawn, fitted).all()  # every trial holds one particle's value
    w = particles.groupby("params.campaign_rate.value")["weight"].sum()
    expected = float((w.index * w).sum())
    se = drawn.std() / np.sqrt(drawn.size)
    assert abs(drawn.mean() - expected) < 4 * se  # picked by weight
    # the same seed and posterior: the same picks, whatever the blocks and workers
    again = sim.run("qaani_visit", 3000, 30, seed=2, posterior=out, block_size=700, workers=2)
    np.testing.assert_array_equal(again.parameters()["params.campaign_rate.value"], drawn)
    assert r.posterior == str(out)
    written = r.write(tmp_path / "run")
    manifest = next(p for p in written if p.name == "manifest.json")
    assert json.loads(manifest.read_text())["posterior"] == str(out)


def test_a_folder_that_holds_no_posterior_is_refused(tmp_path):
    cmd = [sys.executable, "-m", "sim", "run", "baseline", "--trials", "10", "--posterior"]
    proc = subprocess.run([*cmd, str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 2 and "not a calibration's results folder" in proc.stderr


def test_forecast_scores_the_model_and_both_baselines_on_the_held_out_record(small):
    path, _ = small
    out = path.parent / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "forecast", str(out), "--samples", "400", "--workers", "1"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out / "forecast.csv", index_col=[0, 1])
    assert set(table.index) == {
        (s, m) for s in ("attacks", "strikes") for m in ("model", "poisson", "hawkes")
    }
    assert (table["crps"] > 0).all() and table["coverage_90"].between(0, 1).all()
    assert table.loc[("attacks", "model"), "observed_last"] == 38  # 140 - 102
    assert table.loc[("attacks", "model"), "crps_over_model"] == 1


def test_a_packed_sweep_drawing_from_the_posterior_equals_one_run_per_point(small):
    path, _ = small
    out = path.parent / "out"
    sc = sim.load_scenario("qaani_visit")
    points = [{"drivers.gaza.value": g} for g in (0.2, 0.9, 0.5)]
    draws = load_posterior(out)
    pack = Pack(sc, tuple(enumerate(points)), 50, 12, 3, True, ("attacks_per_day",), False,
                posterior=draws)  # fmt: skip
    for changes, outcome in zip(points, run_pack(pack), strict=True):
        assert outcome["status"] == "done", outcome
        one = sim.run(sc.patched(changes), 50, 12, seed=3, posterior=out).summary()
        assert outcome["rows"][0]["mean"] == one.loc["attacks_per_day", "mean"]
    without = run_pack(dataclasses.replace(pack, posterior=None))
    assert without[0]["rows"][0]["mean"] != run_pack(pack)[0]["rows"][0]["mean"]


def test_a_sweep_file_names_its_posterior_and_a_bad_one_is_refused(small, tmp_path):
    path, _ = small
    sweep = tmp_path / "s.yaml"
    body = (
        f"scenario: qaani_visit\nreplications: 20\ndays: 5\nposterior: {path.parent / 'out'}\n"
        "design: {kind: grid, levels: 2}\nparameters:\n  drivers.gaza: {range: [0.5, 1.0]}\n"
    )
    sweep.write_text(body)
    s = sim.load_sweep(sweep)
    assert s.posterior is not None and "params.campaign_rate.value" in s.posterior.values
    sweep.write_text(body.replace(str(path.parent / "out"), str(tmp_path)))
    with pytest.raises(InputError, match="not a calibration's results folder") as exc:
        sim.load_sweep(sweep)
    assert exc.value.file == str(sweep) and exc.value.path == ("posterior",)


def test_a_calibration_on_a_local_dask_cluster_gives_the_same_posterior(small, tmp_path):
    pytest.importorskip("distributed")
    path, post = small
    on_dask = calibrate(path, tmp_path / "dask", dask_local=2)
    for a, b in zip(post.generations, on_dask.generations, strict=True):
        np.testing.assert_array_equal(a.z, b.z)
        np.testing.assert_array_equal(a.distances, b.distances)


def test_validate_checks_a_calibration_file_and_refuses_a_bad_one(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(SMALL)
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("truce: gaza_truce", "truce: nowhere"))
    cmd = [sys.executable, "-m", "sim", "validate", str(good)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0 and "calibration good: 2 quantities" in proc.stdout
    proc = subprocess.run([*cmd[:-1], str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2 and "no period 'nowhere'" in proc.stderr


def test_an_experiment_draws_its_scenarios_from_the_posterior_for_what_it_fitted(small, tmp_path):
    path, _ = small
    out = path.parent / "out"
    exp = tmp_path / "e.yaml"
    exp.write_text(
        f"scenario: qaani_visit\nreplications: 4\ndays: 5\nseed: 8\nposterior: {out}\n"
        "design: {kind: drawn, samples: 6}\n"
        "levers:\n  policies: {restraint: restraint, proportional: qaani_visit}\n"
    )
    s = sim.load_sweep(exp)
    fitted = load_posterior(out).values["params.campaign_rate.value"]
    drawn = s.design["params.campaign_rate"].to_numpy()
    assert np.isin(drawn, fitted).all()  # each scenario's rate is a particle's
    # what the calibration did not fit is drawn from the scenario's own prior
    assert s.design["params.sponsor_share"].nunique() == 6
