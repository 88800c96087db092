"""Sweeps end to end: points, seeds, failures, the results folder, resume after a kill."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

import sim
import sim.runs.pool
import sim.sweeps.runner
import sim.sweeps.store
from sim.cli import main
from sim.sweeps.store import SweepStore

GRID = {
    "name": "grid_test",
    "scenario": "qaani_visit",
    "days": 20,
    "replications": 200,
    "seed": 11,
    "design": {"kind": "grid", "levels": 2},
    "parameters": {
        "militias.kataib_hezbollah.compliance": {"range": [0.5, 1.0]},
        "drivers.gaza": {"values": [0.3, 1.0]},
    },
    "metrics": ["attacks_per_day", "p_us_fatality", "days_fatality_to_strike"],
}


def write(tmp_path: Path, data: dict, name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_each_point_is_a_run_of_the_patched_scenario(tmp_path):
    table = sim.sweep(write(tmp_path, GRID), workers=1)
    assert len(table) == 4 * 3 and table.attrs["failed"] == {}
    assert list(table.columns[:3]) == ["point", *GRID["parameters"]]
    row = table[(table.point == 2) & (table.metric == "attacks_per_day")].iloc[0]
    assert row["militias.kataib_hezbollah.compliance"] == 1.0 and row["drivers.gaza"] == 0.3
    sc = sim.load_scenario("qaani_visit").patched(
        {"militias.kataib_hezbollah.compliance": 1.0, "drivers.gaza.value": 0.3}
    )
    direct = sim.run(sc, trials=200, days=20, seed=11).summary().loc["attacks_per_day"]
    for col in ["mean", "ci_low", "ci_high", "p05", "p50", "p95", "n"]:
        assert row[col] == direct[col], col


def test_common_random_numbers_or_a_seed_per_point(tmp_path):
    one = {**GRID, "parameters": {"drivers.gaza": {"values": [1.0, 1.0 + 0.0]}}}
    one["parameters"] = {"theaters.iraq.us_troops": {"values": [2500, 2400]}}  # no effect
    crn = sim.sweep(write(tmp_path, one), workers=1)
    means = crn[crn.metric == "attacks_per_day"]["mean"].to_numpy()
    assert means[0] == means[1]  # the same trials at both points: no noise between them
    own = sim.sweep(write(tmp_path, {**one, "common_random_numbers": False}), workers=1)
    means = own[own.metric == "attacks_per_day"]["mean"].to_numpy()
    assert means[0] != means[1]
    # without common random numbers, point p's replications are trials p*R to p*R + R - 1
    sc = sim.load_scenario("qaani_visit").patched({"theaters.iraq.us_troops": 2400})
    assert means[1] == sim.run(sc, 400, 20, seed=11).per_trial("attacks_per_day")[200:].mean()


def test_executor_and_worker_count_do_not_change_results(tmp_path):
    path = write(tmp_path, GRID)
    one = sim.sweep(path, workers=1)
    two = sim.sweep(path, workers=2)
    pd.testing.assert_frame_equal(one, two)


FAILING = {
    **GRID,
    "name": "with_a_bad_point",
    "parameters": {  # each value is valid alone; min 2 with max 1 is not
        "params.directive_delay_min": {"values": [1, 2]},
        "params.directive_delay_max": {"values": [1, 3]},
    },
}


def test_a_failing_point_is_recorded_and_the_rest_go_on(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["sweep", str(write(tmp_path, FAILING)), "--out", str(out), "--workers", "1"])
    assert code == 1
    err = capsys.readouterr().err
    assert "point 2 (params.directive_delay_min=2, params.directive_delay_max=1) failed" in err
    assert "invalid scenario: params: directive_delay_min is above directive_delay_max" in err
    status = pd.read_csv(out / "status.csv", index_col="point", keep_default_na=False)
    assert status["status"].tolist() == ["done", "done", "failed", "done"]
    assert "directive_delay_min is above" in status.loc[2, "error"]
    table = pd.read_parquet(out / "results.parquet")
    assert sorted(table.point.unique()) == [0, 1, 3]
    assert sim.SweepResults.load(out).failures().keys() == {2}


def test_results_folder_holds_table_design_manifest_and_points(tmp_path):
    out = tmp_path / "out"
    table = sim.sweep(write(tmp_path, GRID), out=out, workers=1)
    assert sorted(p.name for p in out.iterdir()) == [
        ".lock",
        "design.parquet",
        "manifest.json",
        "points",
        "results.parquet",
        "status.csv",
    ]
    assert len(list((out / "points").glob("*.json"))) == 4
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), table)
    design = pd.read_parquet(out / "design.parquet")
    assert design.equals(sim.load_sweep(tmp_path / "sweep.yaml").design)
    info = json.loads((out / "manifest.json").read_text())
    assert (
        info["sweep_hash"]
        == table.attrs["sweep_hash"]
        == sim.load_sweep(out.parent / "sweep.yaml").hash
    )
    assert info["seed"] == 11 and info["points"] == 4 and info["replications"] == 200
    assert info["versions"]["SALib"] != "not installed"
    assert info["parameters"]["drivers.gaza"] == "drivers.gaza.value"


def test_rerun_skips_finished_points_and_retries_failed_ones(tmp_path, monkeypatch):
    out = tmp_path / "out"
    path = write(tmp_path, FAILING)
    first = sim.sweep(path, out=out, workers=1)
    ran: list[dict] = []
    real = sim.sweeps.runner.run_pack

    def counting(pack):
        ran.extend(changes for _, changes in pack.points)
        return real(pack)

    monkeypatch.setattr(sim.sweeps.runner, "run_pack", counting)
    again = sim.sweep(path, out=out, workers=1)
    assert ran == [{"params.directive_delay_min.value": 2, "params.directive_delay_max.value": 1}]
    pd.testing.assert_frame_equal(first, again)


def test_a_different_sweep_in_the_same_folder_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    sim.sweep(write(tmp_path, GRID), out=out, workers=1)
    before = sorted(p.name for p in (out / "points").iterdir())
    other = write(tmp_path, {**GRID, "seed": 12}, "other.yaml")
    assert main(["sweep", str(other), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "manifest.json" in err and "different sweep" in err
    assert sorted(p.name for p in (out / "points").iterdir()) == before
    renamed = write(tmp_path, {**GRID, "name": "renamed", "description": "same numbers"}, "r.yaml")
    assert main(["sweep", str(renamed), "--out", str(out), "--workers", "1"]) == 0  # same sweep


def test_a_folder_with_other_files_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["sweep", str(write(tmp_path, GRID)), "--out", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


SLOW = {  # 10 points of about a second each, so a kill lands mid-sweep
    **GRID,
    "name": "slow",
    "days": 60,
    "replications": 4000,
    "design": {"kind": "lhs", "samples": 10},
    "parameters": {"drivers.gaza": {"range": [0.2, 1.0]}},
    "metrics": None,
}


def test_resume_after_sigkill_equals_an_uninterrupted_run(tmp_path):
    data = {k: v for k, v in SLOW.items() if v is not None}
    path = write(tmp_path, data)
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim", "sweep", str(path), "--out", str(out), "--quiet"]
    proc = subprocess.Popen([*cmd, "--workers", "2"], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("points/*.json"))) < 3:
        time.sleep(0.05)
    workers = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True)
    children = [int(p) for p in workers.stdout.split()]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10  # the workers die with their parent (no orphans)
    while time.monotonic() < deadline and any(Path(f"/proc/{c}").exists() for c in children):
        time.sleep(0.1)
    assert children and not [c for c in children if Path(f"/proc/{c}").exists()]
    done = len(list(out.glob("points/*.json")))
    assert 3 <= done < 10, "the kill should land mid-sweep"
    for f in out.glob("points/*.json"):  # every file that exists is whole
        assert json.loads(f.read_text())["status"] == "done"
    assert subprocess.run([*cmd, "--workers", "1"], capture_output=True).returncode == 0
    whole = tmp_path / "whole"
    assert main(["sweep", str(path), "--out", str(whole), "--workers", "1", "--quiet"]) == 0
    resumed = pd.read_parquet(out / "results.parquet")
    pd.testing.assert_frame_equal(resumed, pd.read_parquet(whole / "results.parquet"))
    assert (out / "results.parquet").read_bytes() == (whole / "results.parquet").read_bytes()
    assert not list(out.rglob(".*.tmp"))


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_counts_points(tmp_path, monkeypatch):
    monkeypatch.setattr(sim.runs.pool, "PROGRESS_DELAY", 0.0)
    fake = _Tty()
    monkeypatch.setattr(sys, "stderr", fake)
    sim.sweep(write(tmp_path, GRID), workers=1, progress=True)
    shown = fake.getvalue()
    assert "grid_test" in shown and "4/4" in shown and "points" in shown
    quiet = _Tty()
    monkeypatch.setattr(sys, "stderr", quiet)
    sim.sweep(write(tmp_path, GRID), workers=1, progress=False)
    assert quiet.getvalue() == ""


def test_shipped_sweeps_validate():
    folder = Path(sim.__file__).parent.parent / "scenarios" / "sweeps"
    files = sorted(folder.glob("*.yaml"))
    assert len(files) >= 3
    for f in files:
        s = sim.load_sweep(f)
        assert len(s.design) >= 2 and s.spec.description


def test_values_may_be_text_or_list_indices(tmp_path):
    data = {
        **GRID,
        "parameters": {
            "militias.kataib_sayyid_al_shuhada.doctrine": {"values": ["compliant", "holdout"]},
            "events.2.day": {"values": [2, 5]},
        },
    }
    table = sim.sweep(write(tmp_path, data), workers=1)
    assert set(table["events.2.day"]) == {2, 5}
    assert set(table["militias.kataib_sayyid_al_shuhada.doctrine"]) == {"compliant", "holdout"}
    row = table[(table.point == 3) & (table.metric == "attacks_per_day")].iloc[0]
    assert (
        row["events.2.day"] == 5 and row["militias.kataib_sayyid_al_shuhada.doctrine"] == "holdout"
    )
    sc = sim.load_scenario("qaani_visit").patched(
        {"events.2.day": 5, "militias.kataib_sayyid_al_shuhada.doctrine": "holdout"}
    )
    assert sc.spec.events[2].day == 5
    assert row["mean"] == sim.run(sc, 200, 20, seed=11).summary().loc["attacks_per_day", "mean"]


def test_ctrl_c_keeps_finished_points_and_exits_130(tmp_path):
    data = {k: v for k, v in SLOW.items() if v is not None}
    path = write(tmp_path, data)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim", "sweep", str(path), "--out", str(out), "--quiet"]
    proc = subprocess.Popen([*cmd, "--workers", "2"], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("points/*.json"))) < 2:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "interrupted" in err and "Traceback" not in err
    table = pd.read_parquet(out / "results.parquet")  # written whole on the way out
    done = len(list(out.glob("points/*.json")))
    assert 2 <= done < 10 and table.point.nunique() == done
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert pd.read_parquet(out / "results.parquet").point.nunique() == 10


def test_a_script_without_a_main_guard_gets_a_clear_error(tmp_path):
    path = write(tmp_path, GRID)
    script = tmp_path / "script.py"
    script.write_text(f"import sim\nsim.sweep({str(path)!r}, workers=2)\n")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode != 0
    assert "WorkersDied" in done.stderr and 'if __name__ == "__main__":' in done.stderr


def test_shipped_sweep_names_and_scenario_names_are_told_apart(capsys):
    assert main(["sweep", "qaani_visit", "--out", "never"]) == 2
    assert "'qaani_visit' is a scenario: escsim run qaani_visit" in capsys.readouterr().err
    assert main(["sweep", "retaliation_grd", "--out", "never"]) == 2
    assert "did you mean 'retaliation_grid'?" in capsys.readouterr().err
    assert main(["validate", "retaliation_grd"]) == 2
    assert (
        "no shipped scenario or sweep named 'retaliation_grd' (did you mean"
        in capsys.readouterr().err
    )
    assert main(["validate", "retaliation_grid", "qaani_visit"]) == 0
    assert not Path("never").exists()


def test_two_sweeps_cannot_write_one_folder_at_once(tmp_path):
    s = sim.load_sweep(write(tmp_path, GRID))
    second = SweepStore(s, tmp_path / "out")
    with (
        SweepStore(s, tmp_path / "out"),
        pytest.raises(sim.InputError, match="another sweep is running in this folder"),
    ):
        second.__enter__()
    with SweepStore(s, tmp_path / "out") as store:  # free again
        assert store.done() == set()


def test_resuming_with_other_package_versions_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    path = write(tmp_path, GRID)
    sim.sweep(path, out=out, workers=1)
    info = json.loads((out / "manifest.json").read_text())
    info["versions"]["numpy"] = "1.0.0"
    (out / "manifest.json").write_text(json.dumps(info))
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "other versions (numpy 1.0.0 then" in err and err.count("\n") == 1


def test_sweep_api_refuses_bad_executor_options(tmp_path):
    path = write(tmp_path, GRID)
    for kwargs in (
        {"workers": 0},
        {"workers": 2.5},
        {"dask_local": 0},
        {"workers": 2, "dask_local": 2},
    ):
        with pytest.raises(sim.InputError):
            sim.sweep(path, out=tmp_path / "x", **kwargs)
    assert not (tmp_path / "x").exists()


# --- damaged or foreign folders: one error, nothing touched ----------------------------------


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int] | str]:
    """Every entry under ``folder``: a file's bytes and mtime, or "dir"."""
    return {
        str(p.relative_to(folder)): (
            (p.read_bytes(), p.stat().st_mtime_ns) if p.is_file() else "dir"
        )
        for p in sorted(folder.rglob("*"))
    }


def _point(folder: Path, i: int) -> Path:
    return folder / "points" / f"{i:06d}.json"


def _edit_point(folder: Path, i: int, edit) -> None:
    data = json.loads(_point(folder, i).read_text())
    _point(folder, i).write_text(json.dumps(edit(data)))


DAMAGE = {
    "manifest-a-list": (
        lambda d: (d / "manifest.json").write_text("[1, 2]"),
        "manifest.json",
        "the manifest is a list, not a mapping",
    ),
    "manifest-not-json": (
        lambda d: (d / "manifest.json").write_text("{half"),
        "manifest.json",
        "manifest.json is not readable JSON",
    ),
    "manifest-without-versions": (
        lambda d: (d / "manifest.json").write_text(
            json.dumps({**json.loads((d / "manifest.json").read_text()), "versions": None})
        ),
        "manifest.json",
        "the manifest has no versions",
    ),
    "manifest-a-folder": (
        lambda d: ((d / "manifest.json").unlink(), (d / "manifest.json").mkdir()),
        "manifest.json",
        "manifest.json is not a file",
    ),
    "point-a-list": (
        lambda d: _point(d, 1).write_text("[1, 2]"),
        "points/000001.json",
        "the point file holds a list, not a mapping",
    ),
    "point-without-rows": (
        lambda d: _edit_point(d, 1, lambda o: {k: v for k, v in o.items() if k != "rows"}),
        "points/000001.json",
        "a done point without its rows",
    ),
    "point-rows-of-other-metrics": (
        lambda d: _edit_point(d, 1, lambda o: {**o, "rows": o["rows"][:1]}),
        "points/000001.json",
        "rows are not this sweep's metrics",
    ),
    "point-estimate-not-a-number": (
        lambda d: _edit_point(
            d, 1, lambda o: {**o, "rows": [{**o["rows"][0], "mean": "high"}, *o["rows"][1:]]}
        ),
        "points/000001.json",
        "the estimates of attacks_per_day are not all numbers",
    ),
    "point-of-another-number": (
        lambda d: _edit_point(d, 1, lambda o: {**o, "point": 2}),
        "points/000001.json",
        "the file holds point 2, not 1",
    ),
    "point-beyond-the-design": (
        lambda d: _point(d, 7).write_text(
            _point(d, 1).read_text().replace('"point": 1', '"point": 7')
        ),
        "points/000007.json",
        "this sweep's points are 0 to 3, not 7",
    ),
    "point-status-unknown": (
        lambda d: _edit_point(d, 1, lambda o: {**o, "status": "maybe"}),
        "points/000001.json",
        "done or failed, not 'maybe'",
    ),
    "point-not-json": (
        lambda d: _point(d, 1).write_text("{half"),
        "points/000001.json",
        "000001.json is not readable JSON",
    ),
    "point-a-folder": (
        lambda d: (_point(d, 1).unlink(), _point(d, 1).mkdir()),
        "points/000001.json",
        "000001.json: not a regular file: a folder",
    ),
    "points-a-file": (
        lambda d: (shutil.rmtree(d / "points"), (d / "points").write_text("x")),
        "points",
        "points is not a folder",
    ),
    "points-a-symlink-loop": (
        lambda d: (shutil.rmtree(d / "points"), (d / "points").symlink_to(d / "points")),
        "points",
        "points is not a folder",
    ),
    "points-a-dangling-symlink": (
        lambda d: (shutil.rmtree(d / "points"), (d / "points").symlink_to(d / "gone")),
        "points",
        "points is not a folder",
    ),
    "status-a-symlink-loop": (
        lambda d: ((d / "status.csv").unlink(), (d / "status.csv").symlink_to(d / "status.csv")),
        "status.csv",
        "status.csv is not a file",
    ),
    "results-a-folder": (
        lambda d: ((d / "results.parquet").unlink(), (d / "results.parquet").mkdir()),
        "results.parquet",
        "results.parquet is not a file",
    ),
}


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A sweep file and a folder holding its finished run (copied by each test)."""
    root = tmp_path_factory.mktemp("finished")
    path = write(root, GRID)
    sim.sweep(path, out=root / "done", workers=1)
    return path, root / "done"


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_sweep_folder_is_refused_and_left_alone(finished, tmp_path, capsys, damage):
    path, done = finished
    out = tmp_path / "out"
    shutil.copytree(done, out)
    hurt, blamed, reason = DAMAGE[damage]
    hurt(out)
    before = _snapshot(out)
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    prefix = f"escsim: error: {out / blamed}: the folder {out} is not a sweep folder this version"
    assert err.startswith(f"{prefix} can resume ("), err
    assert reason in err and err.endswith(")\n"), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert _snapshot(out) == before
    with pytest.raises(sim.InputError, match="not a sweep folder this version can resume"):
        sim.sweep(path, out=out, workers=1)
    assert _snapshot(out) == before


def test_an_undamaged_copy_resumes(finished, tmp_path):
    """The control for the damage cases: the same copy, untouched, resumes with nothing to do."""
    path, done = finished
    shutil.copytree(done, tmp_path / "out")
    (tmp_path / "out" / "points" / "notes.txt").write_text("not a point file: ignored")
    table = sim.sweep(path, out=tmp_path / "out", workers=1)
    assert table.point.nunique() == 4 and table.attrs["failed"] == {}


def test_a_run_folder_is_named_as_such(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["run", "qaani_visit", "--trials", "10", "--days", "5", "--out", str(run_dir)]) == 0
    capsys.readouterr()
    before = _snapshot(run_dir)
    assert main(["sweep", str(write(tmp_path, GRID)), "--out", str(run_dir), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "holds a run's results (escsim run --out), not a sweep's" in err, err
    assert "different sweep" not in err and err.count("\n") == 1
    assert _snapshot(run_dir) == before


def test_an_empty_out_is_refused_by_the_python_api(tmp_path, monkeypatch):
    """``out=""`` would be the current folder: refused, and nothing is written there."""
    path = write(tmp_path, GRID)
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    with pytest.raises(sim.InputError, match="the results folder is empty"):
        sim.sweep(path, out="", workers=1)
    assert list(here.iterdir()) == []


def test_nothing_is_written_when_the_design_cannot_be_stored(tmp_path):
    """The manifest and the design are rendered before either is written (or a folder made)."""
    s = sim.load_sweep(write(tmp_path, GRID))
    mixed = s.design.copy()
    mixed["drivers.gaza"] = pd.Series([True, "x", 1.0, 2], dtype=object).to_numpy()
    bad = dataclasses.replace(s, design=mixed)
    with pytest.raises(ValueError, match="Could not convert 'x'"):  # pyarrow's ArrowInvalid
        SweepStore(bad, tmp_path / "out").__enter__()
    assert not (tmp_path / "out").exists()


def test_a_point_keeps_each_parameters_type(tmp_path):
    """A whole-number parameter beside a fraction stays whole (a row would make it a float)."""
    data = {
        **GRID,
        "design": {"kind": "sobol", "samples": 4},
        "parameters": {
            "drivers.gaza": {"range": [0.2, 1.0]},
            "theaters.iraq.us_troops": {"range": [1000, 4000], "integer": True},
        },
    }
    s = sim.load_sweep(write(tmp_path, data))
    changes = s.changes(0)
    assert type(changes["theaters.iraq.us_troops"]) is int
    assert type(changes["drivers.gaza.value"]) is float


def test_results_are_rewritten_less_often_when_the_table_is_slow(tmp_path, monkeypatch):
    """Rewriting the tables takes at most a tenth of the time: a slow rewrite waits longer."""
    s = sim.load_sweep(write(tmp_path, GRID))
    now = [100.0]
    monkeypatch.setattr(sim.sweeps.store.time, "monotonic", lambda: now[0])
    real_table = SweepStore.table

    def slow_table(self):
        now[0] += 3.0  # building the table takes 3 s: the next rewrite waits 30 s
        return real_table(self)

    monkeypatch.setattr(SweepStore, "table", slow_table)
    status = tmp_path / "out" / "status.csv"
    failed = {"status": "failed", "error": "x", "seconds": 0.0}
    with SweepStore(s, tmp_path / "out") as store:
        store.write_tables()  # from 100 to 103
        assert "failed" not in status.read_text()
        now[0] = 120.0
        store.record(0, failed)  # 20 s after the last rewrite began: more than 5, less than 30
        assert "failed" not in status.read_text()
        now[0] = 131.0
        store.record(1, failed)
        assert status.read_text().count("failed") == 2
