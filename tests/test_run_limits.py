"""What a run may ask, and what it leaves: limits, results folders, a full disk, Ctrl-C.

Issue 11's runs and command-line items: every refusal is one line with exit code 2 before
anything is written; a disk that refuses is one line with exit code 1 and nothing partial.
"""

from __future__ import annotations

import json
import os
import pickle
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.cli import main
from sim.core.checks import cores
from sim.core.stats import relative_risk
from sim.runs import limits
from tests.helpers import code

#: how a Ctrl-C'd escsim ends: exit code 130, or (rarely, when the interrupt lands while Python
#: itself is running the command's module) killed by SIGINT, which a shell also reports as 130
INTERRUPTED = (130, -signal.SIGINT)

RUN = ["run", "baseline", "--trials", "200", "--days", "10", "--quiet"]


def escsim(*args: str, cwd: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "sim", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=120, **kw)


@pytest.mark.parametrize("command", [RUN, ["compare", "baseline", "restraint"]])
def test_an_empty_out_is_refused(command, tmp_path, capsys):
    assert code([*command, "--out", ""]) == 2
    assert "expected a folder, got an empty string" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_an_empty_sweep_out_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert code(["sweep", "quick_sobol", "--out", "  "]) == 2
    assert "expected a folder" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_refused_run_creates_no_folder(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: baseline\ndays: 0\n")
    out = tmp_path / "new" / "deeper"
    assert main(["run", str(bad), "--out", str(out)]) == 2
    assert "days" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()


def test_an_out_below_a_file_is_refused_before_running(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    assert main([*RUN, "--out", str(tmp_path / "f" / "sub")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_ctrl_c_during_a_run_leaves_no_folder(tmp_path):
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim", "run", "baseline", "--trials", "400000", "--quiet"]
    proc = subprocess.Popen([*cmd, "--out", str(out)], stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode in INTERRUPTED and "Traceback" not in err
    assert not out.exists()


def _small_files(limit: int):
    def apply() -> None:  # in the child: files may not grow past `limit` bytes (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    return apply


def test_a_disk_that_refuses_is_one_line_and_leaves_nothing(tmp_path):
    out = tmp_path / "out"
    done = escsim(*RUN, "--out", str(out), cwd=tmp_path, preexec_fn=_small_files(4096))
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "cannot write" in lines[0] and "File too large" in lines[0]
    assert not out.exists()  # no partial set, no temporary, no empty folder


def test_results_appear_together_or_not_at_all(tmp_path, monkeypatch):
    results = sim.run("baseline", 100, 5, seed=1)
    calls = []

    def refuse(self, path, *args, **kwargs):  # the PNG is written last but one
        calls.append(path)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("matplotlib.figure.Figure.savefig", refuse)
    with pytest.raises(sim.core.files.WriteError, match="No space left on device"):
        results.write(tmp_path / "out")
    assert calls and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "seed", [10**5000, 2**128, -1, [1, 10**400]], ids=["5000 digits", "2^128", "-1", "list"]
)
def test_seeds_beyond_128_bits_are_refused(seed):
    with pytest.raises(sim.InputError, match=r"seed must be a whole number from 0 to 2\*\*128 - 1"):
        sim.run("baseline", 10, 5, seed=seed)


def test_a_seed_of_5000_digits_on_the_command_line(capsys):
    assert code([*RUN, "--seed", "9" * 5000]) == 2
    err = capsys.readouterr().err
    assert "too large: a number of 5000 digits" in err and len(err) < 1000


def test_runs_that_cannot_fit_in_memory_are_refused_at_once():
    t0 = time.perf_counter()
    with pytest.raises(sim.InputError, match=r"run at most .* trials at once"):
        sim.run("baseline", 2**64, 5)
    with pytest.raises(sim.InputError, match="use a block size of at most"):
        sim.run("baseline", 10**12, 5, block_size=10**12)
    assert time.perf_counter() - t0 < 5  # no list of blocks, no allocation


def test_the_memory_limits_follow_the_budget(monkeypatch):
    monkeypatch.setattr(limits, "memory_budget", lambda: 1 << 30)  # a 1 GiB machine
    per_block = limits.block_bytes(20_000, 365, 5)
    most = ((1 << 30) - per_block) // limits.result_bytes(5)
    limits.check_fits(most, 365, 20_000, 1, 5)  # just fits
    with pytest.raises(sim.InputError, match=rf"run at most {most:,} trials"):
        limits.check_fits(most + 1, 365, 20_000, 1, 5)


def test_more_workers_than_cores_is_refused(capsys):
    with pytest.raises(sim.InputError, match=f"from 1 to {cores()}"):
        sim.run("baseline", 10, 5, workers=cores() + 1)
    assert code(["sweep", "quick_sobol", "--out", "x", "--workers", str(cores() + 1)]) == 2
    assert "this machine's cores" in capsys.readouterr().err


@pytest.mark.parametrize("delay", [0.5, 1.0, 1.2, 1.5, 3.0])
def test_ctrl_c_at_any_moment_of_a_sweep_is_one_line(tmp_path, delay):
    cmd = [sys.executable, "-m", "sim", "sweep", "holdouts_lhs", "--out", str(tmp_path / "o")]
    proc = subprocess.Popen([*cmd, "--workers", "2"], stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode in INTERRUPTED, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert err.strip().splitlines()[-1].startswith("escsim: interrupted")


def test_compare_shows_a_dash_where_a_metric_is_in_one_run_only(capsys):
    assert main(["compare", "qaani_visit", "no_visit", "--trials", "300", "--days", "20"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("p_directive ") is False
               and line.startswith("days_fatality_to_directive"))  # fmt: skip
    assert row.split()[2:5] == ["—", "—", "—"] and "nan" not in out
    assert "defined in only one run" in out
    assert "relative risk a / b" in out and "p_us_fatality" in out.split("relative risk")[1]


def test_relative_risk_interval_covers_at_its_level():
    rng = np.random.default_rng(7)
    reps, n, covered = 400, 2000, 0
    for _ in range(reps):
        u = rng.random(n)  # common random numbers: a and b are correlated, as in a comparison
        a, b = (u < 0.1).astype(float), (u < 0.25).astype(float)
        b[rng.random(n) < 0.05] = 1.0
        true = 0.1 / (0.25 + 0.75 * 0.05)
        e = relative_risk(a, b)
        covered += e.ci_low <= true <= e.ci_high
    se = (0.95 * 0.05 / reps) ** 0.5
    assert abs(covered / reps - 0.95) < 3 * se, covered / reps


def test_relative_risk_is_empty_where_an_event_never_happens():
    zeros, ones = np.zeros(50), np.r_[np.ones(5), np.zeros(45)]
    assert np.isnan(relative_risk(ones, zeros).mean)
    assert np.isnan(relative_risk(zeros, ones).mean)


def test_comparison_json_holds_the_relative_risks(tmp_path):
    assert main(["compare", "qaani_visit", "no_visit", "--trials", "200", "--days", "10",
                 "--quiet", "--out", str(tmp_path)]) == 0  # fmt: skip
    data = json.loads((tmp_path / "comparison.json").read_text())
    assert data["metrics"]["p_us_fatality"]["rr"] is not None
    assert data["metrics"]["attacks_per_day"]["rr"] is None


def test_set_changes_a_value_and_the_manifest_records_it(tmp_path, capsys):
    out = tmp_path / "out"
    args = ["--set", "drivers.gaza=0.2", "--set", "militias.kataib_hezbollah.compliance=0.5"]
    assert main([*RUN, *args, "--out", str(out)]) == 0
    assert "set: drivers.gaza.value=0.2, militias.kataib_hezbollah.compliance=0.5" in (
        capsys.readouterr().out
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario_changes"] == {
        "drivers.gaza.value": 0.2,
        "militias.kataib_hezbollah.compliance": 0.5,
    }
    patched = sim.load_scenario("baseline").patched(
        {"drivers.gaza.value": 0.2, "militias.kataib_hezbollah.compliance": 0.5}
    )
    expected = sim.run(patched, 200, 10).to_json_dict()
    assert json.loads((out / "summary.json").read_text()) == json.loads(json.dumps(expected))


@pytest.mark.parametrize(
    ("setting", "says"),
    [
        ("params.strike_max=yes", "--set: params.strike_max.value: expected a number"),
        ("params.strike_mx=0.1", "no such key 'strike_mx' (did you mean 'strike_max'?)"),
        ("militias.kataib_hezbollah.compliance=2", "less than or equal to 1"),
        ("days=1:30", "base-60"),
        ("days=!!binary aGk=", "not allowed"),
        ("nothing", "expected KEY.PATH=VALUE"),
        ("=3", "expected KEY.PATH=VALUE"),
    ],
)
def test_a_bad_set_is_one_line_and_writes_nothing(setting, says, tmp_path, capsys):
    assert code([*RUN, "--set", setting, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_compare_sets_both_scenarios(capsys):
    assert main(["compare", "qaani_visit", "no_visit", "--trials", "100", "--days", "10",
                 "--quiet", "--set", "drivers.gaza=0"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "set on a: drivers.gaza.value=0" in out and "set on b: drivers.gaza.value=0" in out


def test_patched_scenarios_keep_their_changes_through_pickling():
    sc = sim.load_scenario("baseline").patched({"drivers.gaza.value": 0.4})
    assert pickle.loads(pickle.dumps(sc)).changes == (("drivers.gaza.value", 0.4),)
