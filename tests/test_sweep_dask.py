"""Sweeps on Dask: a local cluster and a scheduler address give the same table as processes."""

from __future__ import annotations

import os
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
    monkeypatch.setattr(sim.runs.pool, "SCHEDULER_TIMEOUT", "1s")
    args = ["sweep", str(sweep_file), "--out", str(tmp_path / "x"), "--quiet"]
    assert main([*args, "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("escsim: error: cannot use the Dask scheduler at tcp://127.0.0.1:9")
    assert "Traceback" not in "\n".join(err)
    assert not (tmp_path / "x").exists()  # bad input writes nothing
    assert main([*args, "--scheduler", "foo"]) == 2
    assert "looks like tcp://HOST:PORT, got 'foo'" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_a_scheduler_without_workers_is_refused(sweep_file, tmp_path, monkeypatch):
    monkeypatch.setattr(sim.runs.pool, "SCHEDULER_TIMEOUT", "1s")
    with (
        distributed.LocalCluster(n_workers=0, dashboard_address=None) as cluster,
        pytest.raises(sim.InputError, match="cannot use the Dask scheduler"),
    ):
        sim.sweep(sweep_file, out=tmp_path / "x", scheduler=cluster.scheduler_address)
    assert not (tmp_path / "x").exists()


def test_workers_with_other_versions_are_refused(monkeypatch):
    client = type("C", (), {"run": lambda self, fn: {"tcp://w:1": {**fn(), "numpy": "1.0.0"}}})()
    with pytest.raises(sim.InputError, match=r"numpy 1\.0\.0 there"):
        sim.runs.pool._check_versions(client)


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


def test_ctrl_c_on_a_local_dask_cluster_is_quiet(sweep_file, tmp_path):
    slow = tmp_path / "slow.yaml"
    slow.write_text(yaml.safe_dump({**SWEEP, "replications": 3000, "days": 60,
                                    "design": {"kind": "lhs", "samples": 40}}))  # fmt: skip
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim", "sweep", str(slow), "--out", str(out), "--quiet"]
    proc = subprocess.Popen(
        [*cmd, "--dask-local", "2"], stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("points/*.json"))) < 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: to the whole group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err and len(err.splitlines()) <= 3, err
