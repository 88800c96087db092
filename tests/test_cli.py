"""The ``escsim`` command end to end: run, compare, validate, list, and atomic output files.

A handful of tests start ``python -m sim`` in a subprocess; the rest call
``sim.cli.main`` in process. Trial counts stay tiny so the file runs in seconds.
"""

from __future__ import annotations

import json
import math
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.core.files import write_atomic
from sim.core.paths import scenarios_dir
from tests.helpers import REQUIRED_METRICS

SHIPPED = [
    "baseline",
    "qaani_visit",
    "no_visit",
    "gaza_truce",
    "strong_holdouts",
    "restraint",
    "decapitation",
]
#: metrics summary.json must hold, each as {mean, ci_low, ci_high, ...}
METRICS = REQUIRED_METRICS
RUN_ARGS = ["--trials", "300", "--days", "30", "--seed", "3"]
OUTPUTS = ["summary.json", "daily.parquet", "daily.png", "manifest.json"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def escsim(*args: str, cwd: Path, umask: int = -1) -> subprocess.CompletedProcess[str]:
    """Run ``python -m sim ARGS`` in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
        umask=umask,
    )


def strict_json(text: str) -> Any:
    """Parse JSON, refusing NaN and Infinity (not valid JSON)."""

    def refuse(token: str) -> None:
        raise ValueError(f"not valid JSON: {token}")

    return json.loads(text, parse_constant=refuse)


def militias(name: str) -> list[str]:
    return list(sim.load_scenario(name).spec.militias)


# --- escsim run qaani_visit --out DIR (one subprocess shared by several tests) -------------


@pytest.fixture(scope="module")
def qaani_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    work = tmp_path_factory.mktemp("qaani")
    out = work / "out"
    proc = escsim("run", "qaani_visit", *RUN_ARGS, "--out", str(out), cwd=work, umask=0o022)
    return proc, out


def test_run_exits_zero_and_prints_table(
    qaani_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    proc, _ = qaani_run
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    first, *rows = proc.stdout.splitlines()
    assert "qaani_visit" in first and "300" in first and "30 days" in first
    names = {row.split()[0] for row in rows if row.strip()}
    assert set(METRICS) <= names
    assert {f"attacks_per_day_by_group.{g}" for g in militias("qaani_visit")} <= names


def _check_estimate(name: str, rec: dict[str, Any], per_trial: bool) -> None:
    assert {"mean", "ci_low", "ci_high"} <= set(rec), name
    lo, mean, hi = rec["ci_low"], rec["mean"], rec["ci_high"]
    assert all(isinstance(v, int | float) and math.isfinite(v) for v in (lo, mean, hi)), rec
    assert lo <= mean <= hi, (name, rec)
    if name.startswith("p_"):
        assert 0.0 <= mean <= 1.0, (name, rec)
    if per_trial:
        assert {"p05", "p50", "p95"} <= set(rec), name
        assert rec["p05"] <= rec["p50"] <= rec["p95"], (name, rec)


def test_summary_json(qaani_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, out = qaani_run
    summary = strict_json((out / "summary.json").read_text())
    for name in METRICS:
        assert isinstance(summary.get(name), dict), name
        _check_estimate(name, summary[name], per_trial=not name.startswith("p_"))
    by_group = summary["attacks_per_day_by_group"]
    assert sorted(by_group) == sorted(militias("qaani_visit"))
    for group, rec in by_group.items():
        _check_estimate(group, rec, per_trial=True)
    # the groups' attacks add up to all attacks
    total = sum(rec["mean"] for rec in by_group.values())
    assert total == pytest.approx(summary["attacks_per_day"]["mean"], rel=1e-9)


def test_daily_parquet(qaani_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, out = qaani_run
    daily = pd.read_parquet(out / "daily.parquet")
    assert len(daily) == 30
    assert daily.notna().any(axis=None)


def test_daily_png(qaani_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, out = qaani_run
    data = (out / "daily.png").read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 1000


def test_manifest(qaani_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, out = qaani_run
    info = strict_json((out / "manifest.json").read_text())
    assert info["scenario_hash"] == sim.load_scenario("qaani_visit").hash
    assert info["seed"] == 3
    assert info["trials"] == 300 and info["days"] == 30
    versions = info["versions"]
    assert isinstance(versions, dict)
    for dist in ("python", "numpy", "pandas", "pydantic"):
        assert isinstance(versions.get(dist), str) and versions[dist], dist


def test_output_files_follow_umask(
    qaani_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, out = qaani_run
    for name in OUTPUTS:
        mode = stat.S_IMODE((out / name).stat().st_mode)
        assert mode == 0o644, f"{name}: {oct(mode)} (umask 022)"


def test_no_temporary_files_left(qaani_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, out = qaani_run
    names = sorted(p.name for p in out.iterdir())
    assert set(OUTPUTS) <= set(names)
    assert not [n for n in names if n.startswith(".") or n.endswith(".tmp")], names
    assert all((out / n).is_file() for n in names), names


def test_json_output_matches_summary(
    qaani_run: tuple[subprocess.CompletedProcess[str], Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out = qaani_run
    assert main(["run", "qaani_visit", *RUN_ARGS, "--json"]) == 0
    printed = strict_json(capsys.readouterr().out)
    assert printed == strict_json((out / "summary.json").read_text())


def test_same_seed_same_bytes_other_seed_differs(
    qaani_run: tuple[subprocess.CompletedProcess[str], Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out = qaani_run
    reference = (out / "summary.json").read_bytes()
    assert main(["run", "qaani_visit", *RUN_ARGS, "--out", str(tmp_path / "same")]) == 0
    assert (tmp_path / "same" / "summary.json").read_bytes() == reference
    other = [*RUN_ARGS[:-1], "4"]
    assert main(["run", "qaani_visit", *other, "--out", str(tmp_path / "other")]) == 0
    assert (tmp_path / "other" / "summary.json").read_bytes() != reference
    capsys.readouterr()


# --- compare --------------------------------------------------------------------------------

COMPARE_ARGS = ["compare", "qaani_visit", "no_visit", "--trials", "300", "--days", "30"]


def test_compare_table_shows_fewer_attacks_with_visit(tmp_path: Path) -> None:
    proc = escsim(*COMPARE_ARGS, "--seed", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    rows = {line.split()[0]: line.split() for line in proc.stdout.splitlines()[2:] if line}
    # metric, a, b, a - b, [ci_low, ci_high]
    _, a, b, diff = rows["attacks_per_day"][:4]
    assert float(diff) < 0
    assert float(diff) == pytest.approx(float(a) - float(b), abs=2e-3)


def test_compare_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*COMPARE_ARGS, "--seed", "1", "--json"]) == 0
    data = strict_json(capsys.readouterr().out)
    assert (data["a"], data["b"], data["seed"], data["trials"], data["days"]) == (
        "qaani_visit",
        "no_visit",
        1,
        300,
        30,
    )
    row = data["metrics"]["attacks_per_day"]
    assert row["diff"] < 0
    assert row["ci_low"] <= row["diff"] <= row["ci_high"]
    assert row["diff"] == pytest.approx(row["a_mean"] - row["b_mean"])
    # a metric only the visit defines: its own mean shows, with no pairs and no difference
    lag = data["metrics"]["days_fatality_to_directive"]
    assert 1 <= lag["a_mean"] <= 2 and lag["b_mean"] is None and lag["diff"] is None
    assert lag["n"] == 0


# --- list and validate ----------------------------------------------------------------------


def test_python_m_sim_list(tmp_path: Path) -> None:
    proc = escsim("list", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    listed = {line.split()[0] for line in proc.stdout.splitlines() if line.strip()}
    assert set(SHIPPED) <= listed


def test_list_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out, err = capsys.readouterr()
    listed = {line.split()[0] for line in out.splitlines() if line.strip()}
    assert set(SHIPPED) <= listed
    assert err == ""


def test_validate_every_shipped_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(p) for p in scenarios_dir().glob("*.yaml"))
    assert any(f.endswith("base.yaml") for f in files)
    assert main(["validate", *files]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    oks = out.splitlines()
    assert len(oks) == len(files)
    assert all(line.startswith("ok: ") for line in oks)


def test_validate_several_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("extends: baseline\nname: good\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: baseline\nmilitias:\n  kataib_hezbollah:\n    compliace: 0.5\n")
    also_bad = tmp_path / "also_bad.yaml"
    also_bad.write_text("extends: baseline\ndays: -3\n")

    assert main(["validate", str(good), str(bad), "qaani_visit", str(also_bad)]) == 2
    out, err = capsys.readouterr()
    oks = out.splitlines()
    assert len(oks) == 2
    assert oks[0].startswith(f"ok: {good}") and oks[1].startswith("ok: qaani_visit")
    errors = err.splitlines()
    assert len(errors) == 2
    assert all(e.startswith("escsim: error: ") for e in errors)
    assert f"{bad}:4: militias.kataib_hezbollah.compliace: " in errors[0]
    assert f"{also_bad}:2: days: " in errors[1]
    assert "Traceback" not in err

    assert main(["validate", str(good), "qaani_visit"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 2 and err == ""


# --- command-line values --------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "baseline", "--trials", "0"],
        ["run", "baseline", "--trials", "abc"],
        ["run", "baseline", "--trials", "-3"],
        ["run", "baseline", "--seed", "-1"],
        ["run", "baseline", "--seed", "x"],
        ["run", "baseline", "--days", "0"],
        ["run", "baseline", "--block-size", "0"],
        ["compare", "qaani_visit", "no_visit", "--trials", "0"],
        ["compare", "qaani_visit", "no_visit", "--seed", "-1"],
        ["run"],
        ["validate"],
        ["frobnicate"],
    ],
    ids=" ".join,
)
def test_bad_command_line_values_give_usage(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "usage: escsim" in err and "error:" in err
    assert "Traceback" not in err
    option = next((a for a in argv if a.startswith("--")), None)
    if option:
        assert f"argument {option}" in err, err


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "baseline", "--days", "5000", "--trials", "1"],
        ["compare", "qaani_visit", "qaani_vist", "--trials", "1", "--days", "1"],
        ["compare", "qaani_visit", "/nonexistent.yaml", "--trials", "1", "--days", "1"],
    ],
    ids=" ".join,
)
def test_input_errors_after_parsing_give_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("escsim: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err


def test_bad_input_in_a_real_process(tmp_path: Path) -> None:
    proc = escsim("run", "/nonexistent.yaml", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == "escsim: error: /nonexistent.yaml: file not found\n"


@pytest.mark.parametrize("command", [["run", "baseline"], ["compare", "baseline", "gaza_truce"]])
def test_out_naming_an_existing_file(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "results"
    target.write_text("not a folder")
    code = main([*command, "--trials", "2", "--days", "2", "--out", str(target)])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("escsim: error: ") and err.count("\n") == 1, err
    assert str(target) in err
    assert target.read_text() == "not a folder"


# --- the Wilson interval of a probability ---------------------------------------------------


def test_interval_contains_mean_exactly(tmp_path: Path) -> None:
    """A share of 0 or 1 must not give an interval that excludes it (rounding)."""
    path = tmp_path / "no_iran.yaml"
    path.write_text("extends: baseline\nmechanisms:\n  strikes_on_iran: false\n")
    summary = sim.run(path, trials=300, days=5, seed=0).to_json_dict()
    assert summary["p_strike_on_iran"]["mean"] == 0.0
    rungs = summary.pop("rungs")
    assert [r["rung"] for r in rungs] == list(range(10))
    records = {**summary.pop("attacks_per_day_by_group"), **summary}
    bad = {
        name: rec
        for name, rec in records.items()
        if rec["mean"] is not None and not rec["ci_low"] <= rec["mean"] <= rec["ci_high"]
    }
    assert not bad


# --- atomic writes --------------------------------------------------------------------------


class Boom(RuntimeError):
    pass


def _half_then(exc: BaseException) -> Any:
    def writer(p: Path) -> None:
        with p.open("w") as f:
            f.write("partial")
            f.flush()
        raise exc

    return writer


@pytest.mark.parametrize("exc", [Boom("midway"), KeyboardInterrupt()], ids=["error", "interrupt"])
def test_write_atomic_failure_leaves_nothing(exc: BaseException, tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    with pytest.raises(type(exc)):
        write_atomic(target, _half_then(exc))
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_failure_keeps_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    target.write_text("old contents")
    with pytest.raises(Boom):
        write_atomic(target, _half_then(Boom("midway")))
    assert target.read_text() == "old contents"
    assert list(tmp_path.iterdir()) == [target]


def test_write_atomic_success_replaces_and_follows_umask(tmp_path: Path) -> None:
    target = tmp_path / "daily.parquet"
    target.write_text("old contents")
    old = os.umask(0o027)
    try:
        result = write_atomic(target, lambda p: p.write_bytes(np.arange(4).tobytes()))
    finally:
        os.umask(old)
    assert Path(result) == target
    assert target.read_bytes() == np.arange(4).tobytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert list(tmp_path.iterdir()) == [target]
