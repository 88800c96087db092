"""Sweeps on Dask: a local cluster and a scheduler address give the same table as processes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

import sim
import sim.sweeprunner
from sim.cli import main

distributed = pytest.importorskip("distributed")

SWEEP = {
    "name": "dask_test",
    "scenario": "qaani_visit",
    "days": 20,
    "replications": 200,
    "seed": 5,
    "design": {"kind": "lhs", "samples": 6},
    "parameters": {
        "drivers.gaza": {"range": [0.2, 1.0]},
        "params.strike_per_killed": {"range": [0.0, 0.2]},
    },
    "metrics": ["attacks_per_day", "us_strikes_per_day", "p_us_fatality"],
}


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dask") / "sweep.yaml"
    path.write_text(yaml.safe_dump(SWEEP))
    return path


def test_local_cluster_and_scheduler_address_match_local_processes(sweep_file, tmp_path):
    local = sim.sweep(sweep_file, out=tmp_path / "local", workers=2)
    assert main(["sweep", str(sweep_file), "--out", str(tmp_path / "dl"), "--dask-local", "2"]) == 0
    on_dask = pd.read_parquet(tmp_path / "dl" / "results.parquet")
    pd.testing.assert_frame_equal(on_dask, local)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None
    ) as cluster:
        args = ["sweep", str(sweep_file), "--out", str(tmp_path / "sch")]
        assert main([*args, "--scheduler", cluster.scheduler_address, "--quiet"]) == 0
    on_scheduler = pd.read_parquet(tmp_path / "sch" / "results.parquet")
    pd.testing.assert_frame_equal(on_scheduler, local)


def test_an_unreachable_scheduler_is_one_clear_error(sweep_file, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sim.sweeprunner, "SCHEDULER_TIMEOUT", "1s")
    args = ["sweep", str(sweep_file), "--out", str(tmp_path / "x"), "--quiet"]
    assert main([*args, "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("escsim: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert "Traceback" not in "\n".join(err)


def test_executor_options_exclude_each_other(sweep_file, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "sweep",
                str(sweep_file),
                "--out",
                str(tmp_path),
                "--workers",
                "2",
                "--dask-local",
                "2",
            ]
        )
    assert exc.value.code == 2
    assert "not allowed with" in capsys.readouterr().err
