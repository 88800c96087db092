"""Sensitivity indices (SALib) and sweep figures: right in known cases, pinned numbers."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.figure import Figure

import sim
import sim.sweeps.runner
from sim.cli import main
from sim.sweeps.packing import Pack, run_pack

#: gaza drives attacks; U.S. troops in Iraq are read by no default rule (no effect at all)
PARAMS = {
    "drivers.gaza": {"range": [0.2, 1.0]},
    "theaters.iraq.us_troops": {"range": [1000, 4000], "integer": True},
}
BASE = {
    "scenario": "qaani_visit",
    "days": 20,
    "replications": 100,
    "seed": 3,
    "parameters": PARAMS,
    "metrics": ["attacks_per_day", "p_strike_on_iran", "days_fatality_to_strike"],
}
DESIGNS = {
    "sobol": {"kind": "sobol", "samples": 32, "second_order": True},
    "morris": {"kind": "morris", "trajectories": 4, "levels": 4},
    "lhs": {"kind": "lhs", "samples": 64},
    "grid": {"kind": "grid", "levels": 3},
}


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("sweeps")
    out = {}
    for kind, design in DESIGNS.items():
        path = root / f"{kind}.yaml"
        path.write_text(yaml.safe_dump({**BASE, "name": kind, "design": design}))
        out[kind] = root / kind
        sim.sweep(path, out=out[kind], workers=2)
    return out


def indices(folder: Path) -> pd.DataFrame:
    return sim.SweepResults.load(folder).sensitivity()


def test_sobol_finds_the_driver_and_gives_the_inert_input_nothing(folders):
    s = indices(folders["sobol"])
    a = s[s.metric == "attacks_per_day"].set_index(["index", "parameter"])
    # with common random numbers an input the model never reads changes no trial at all
    assert a.loc[("ST", "theaters.iraq.us_troops"), "value"] == 0.0
    assert a.loc[("ST", "theaters.iraq.us_troops"), "conf"] == 0.0
    assert a.loc[("ST", "drivers.gaza"), "ci_low"] > 0.5
    assert (s[s["index"] == "S2"]["parameter_2"] == "theaters.iraq.us_troops").all()
    assert set(s["index"]) == {"S1", "ST", "S2"}


def test_morris_finds_the_driver_and_gives_the_inert_input_nothing(folders):
    s = indices(folders["morris"])
    a = s[s.metric == "attacks_per_day"].set_index(["index", "parameter"])
    assert a.loc[("mu_star", "theaters.iraq.us_troops"), "value"] == 0.0
    assert a.loc[("mu_star", "drivers.gaza"), "ci_low"] > 0
    assert a.loc[("mu", "drivers.gaza"), "value"] > 0  # more war, more attacks
    assert set(s["index"]) == {"mu_star", "mu", "sigma"}


def test_lhs_gives_first_order_indices(folders):
    s = indices(folders["lhs"])
    a = s[s.metric == "attacks_per_day"].set_index("parameter")
    assert set(s["method"]) == {"rbd_fast"}
    assert a.loc["drivers.gaza", "ci_low"] > 0.5
    assert a.loc["theaters.iraq.us_troops", "value"] < a.loc["drivers.gaza", "ci_low"]


def test_metrics_undefined_or_constant_are_skipped_with_a_reason(folders):
    s = indices(folders["sobol"])
    skipped = s.attrs["skipped"]
    assert set(s.metric) | set(skipped) == set(BASE["metrics"])
    assert all("undefined at" in r or "same at every point" in r for r in skipped.values())


def test_sobol_indices_are_pinned(folders):
    """Regression: the model, the design and SALib, end to end (seeded: bit-reproducible)."""
    s = indices(folders["sobol"]).set_index(["metric", "index", "parameter", "parameter_2"])
    got = s.loc[("attacks_per_day", "ST", "drivers.gaza", ""), ["value", "conf"]]
    np.testing.assert_allclose(got.to_numpy(float), PINNED_SOBOL, rtol=1e-9)


#: ST of gaza, its half-width; base.yaml's declared uncertainties drawn in each point
PINNED_SOBOL = [0.9888467242814113, 0.3386866062585835]


def test_analyze_writes_the_table_and_refuses_a_grid(folders, capsys):
    assert main(["analyze", str(folders["sobol"])]) == 0
    printed = capsys.readouterr()
    table = pd.read_csv(folders["sobol"] / "sensitivity.csv", keep_default_na=False)
    assert list(table.columns) == [
        "metric",
        "method",
        "index",
        "parameter",
        "parameter_2",
        "value",
        "conf",
        "ci_low",
        "ci_high",
    ]
    assert "ST" in printed.out and "wrote" in printed.err
    assert pd.read_parquet(folders["sobol"] / "sensitivity.parquet").shape == table.shape
    assert main(["analyze", str(folders["grid"])]) == 2
    assert "grid design has no sensitivity indices" in capsys.readouterr().err


def test_analyze_refuses_a_sweep_with_missing_points(folders, tmp_path, capsys):
    partial = tmp_path / "partial"
    partial.mkdir()
    for name in ["manifest.json", "status.csv"]:
        (partial / name).write_bytes((folders["sobol"] / name).read_bytes())
    table = pd.read_parquet(folders["sobol"] / "results.parquet")
    table[table.point != 3].to_parquet(partial / "results.parquet")
    assert main(["analyze", str(partial)]) == 2
    assert "1 of 192 points have no results" in capsys.readouterr().err


def test_analyze_of_a_folder_that_is_not_a_sweep(tmp_path, capsys):
    assert main(["analyze", str(tmp_path)]) == 2
    assert "not a sweep folder" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["sobol", "grid", "lhs"])
def test_plot_saves_png_and_svg_of_each_figure(folders, kind, capsys):
    before = set(matplotlib.pyplot.get_fignums()) if "pyplot" in dir(matplotlib) else set()
    assert main(["plot", str(folders[kind]), "--metrics", "attacks_per_day"]) == 0
    plots = folders[kind] / "plots"
    stems = {"attacks_per_day.effects", "attacks_per_day.heatmaps"}
    if kind != "grid":
        stems.add("attacks_per_day.sensitivity")
    assert {p.name for p in plots.iterdir()} == {f"{s}.{e}" for s in stems for e in ("png", "svg")}
    for stem in stems:
        assert (plots / f"{stem}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert b"<svg" in (plots / f"{stem}.svg").read_bytes()[:1000]
    after = set(matplotlib.pyplot.get_fignums()) if "pyplot" in dir(matplotlib) else set()
    assert after == before  # no global figure state


def test_figures_are_matplotlib_figures(folders):
    figs = sim.SweepResults.load(folders["grid"]).figures(["attacks_per_day"])
    assert set(figs) == {"attacks_per_day.effects", "attacks_per_day.heatmaps"}
    assert all(isinstance(f, Figure) for f in figs.values())


@pytest.mark.parametrize("metric", ["attacks_per_day", "p_us_fatality"])
def test_grid_band_is_the_points_interval_for_one_parameter(tmp_path, metric):
    """A normal interval for a mean, a Wilson one (not centred, never below 0) for a p_."""
    data = {**BASE, "name": "one", "design": {"kind": "grid", "levels": 3}}
    data["metrics"] = ["attacks_per_day", "p_us_fatality"]  # both vary with the Gaza driver
    data["parameters"] = {"drivers.gaza": {"range": [0.2, 1.0]}}
    path = tmp_path / "one.yaml"
    path.write_text(yaml.safe_dump(data))
    sim.sweep(path, out=tmp_path / "one", workers=1)
    res = sim.SweepResults.load(tmp_path / "one")
    band = res.figures([metric])[f"{metric}.effects"].axes[0].collections[0]
    y = band.get_paths()[0].vertices[:, 1]
    rows = res.table[res.table.metric == metric]
    assert np.isclose(y.max(), rows["ci_high"].max()) and np.isclose(y.min(), rows["ci_low"].min())
    assert y.min() >= 0
    info = json.loads((tmp_path / "one" / "manifest.json").read_text())
    assert info["design"] == {"kind": "grid", "levels": 3}


TEXT = {  # a text-valued parameter, beside a numeric one
    "militias.kataib_sayyid_al_shuhada.doctrine": {"values": ["compliant", "holdout"]},
    "drivers.gaza": {"range": [0.2, 1.0]},
}


@pytest.mark.parametrize("design", [{"kind": "lhs", "samples": 64}, {"kind": "grid", "levels": 2}])
def test_text_parameters_analyze_and_plot(tmp_path, design, capsys):
    path = tmp_path / "text.yaml"
    path.write_text(yaml.safe_dump({**BASE, "name": "text", "design": design, "parameters": TEXT}))
    sim.sweep(path, out=tmp_path / "out", workers=1)
    if design["kind"] == "lhs":
        assert main(["analyze", str(tmp_path / "out")]) == 0
    assert main(["plot", str(tmp_path / "out"), "--metrics", "attacks_per_day"]) == 0
    assert (tmp_path / "out" / "plots" / "attacks_per_day.effects.png").is_file()


def test_lhs_indices_need_enough_points(tmp_path, capsys):
    path = tmp_path / "few.yaml"
    path.write_text(
        yaml.safe_dump({**BASE, "name": "few", "design": {"kind": "lhs", "samples": 24}})
    )
    sim.sweep(path, out=tmp_path / "out", workers=1)
    assert main(["analyze", str(tmp_path / "out")]) == 2
    assert "RBD-FAST needs at least 64 LHS points" in capsys.readouterr().err


# --- the shipped quick_sobol asks for metrics that move; damaged folders are refused ---------


def test_quick_sobol_metrics_vary_across_its_points():
    """Each metric quick_sobol records differs between its points (none is 0 everywhere).

    A subset of points is enough: a metric that varies over some points is not constant over
    all of them. Eight points with both extremes of the Gaza driver, 200 trials of 30 days each.
    """
    quick = sim.load_sweep("quick_sobol")
    order = quick.design["drivers.gaza"].sort_values().index
    points = [*order[:4], *order[-4:]]
    means = {m: set() for m in quick.metrics}
    pack = Pack(quick.scenario, tuple((i, quick.changes(i)) for i in points), 200, quick.days,
                quick.spec.seed, True, tuple(quick.metrics))  # fmt: skip
    for out in run_pack(pack):
        assert out["status"] == "done", out
        for row in out["rows"]:
            means[row["metric"]].add(row["mean"])
    assert {m for m, seen in means.items() if len(seen) < 2} == set()


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda d: (d / "manifest.json").write_text("[1, 2]"), "manifest.json is not a sweep's"),
        (
            lambda d: (d / "manifest.json").write_text(json.dumps({"sweep_hash": "x"})),
            "not a sweep folder this version can read (the manifest's 'sweep' is missing",
        ),
        (
            lambda d: (
                pd.read_parquet(d / "results.parquet")
                .drop(columns="mean")
                .to_parquet(d / "results.parquet")
            ),
            "results.parquet has no column 'mean'",
        ),
        (
            lambda d: (d / "status.csv").write_text("point,x\n0,1\n"),
            "status.csv has no column 'status'",
        ),
    ],
    ids=["manifest-a-list", "manifest-without-keys", "table-without-mean", "status-without-status"],
)
def test_analyze_of_a_damaged_folder_is_one_error(folders, tmp_path, capsys, damage, says):
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ["manifest.json", "results.parquet", "status.csv"]:
        (copy / name).write_bytes((folders["sobol"] / name).read_bytes())
    damage(copy)
    assert main(["analyze", str(copy)]) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1 and "Traceback" not in err, err
