"""Running in blocks and processes: identical results, progress, clean interruption."""

import io
import itertools
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

import sim
import sim.runs.pool
import sim.runs.windows
from sim.runs.runner import block_bounds, block_count


def _same(a, b):
    for k in a.block.per_trial:
        np.testing.assert_array_equal(a.block.per_trial[k], b.block.per_trial[k], err_msg=k)
    np.testing.assert_array_equal(a.block.by_group, b.block.by_group)
    for k in a.block.daily_hist:
        np.testing.assert_array_equal(a.block.daily_hist[k], b.block.daily_hist[k])
    assert a.summary().equals(b.summary())


def test_workers_and_block_sizes_give_identical_results():
    one = sim.run("qaani_visit", 9000, 30, seed=8, block_size=9000, workers=1)
    two = sim.run("qaani_visit", 9000, 30, seed=8, block_size=2000, workers=2)
    _same(one, two)


@given(trials=st.integers(1, 10**7), block_size=st.integers(1, 10**6), workers=st.integers(1, 64))
@example(trials=3, block_size=1, workers=2)  # rounding up to 4 blocks would leave one empty
@example(trials=3, block_size=2, workers=8)
@example(trials=10**5, block_size=20_000, workers=2)
def test_blocks_are_at_most_the_block_size_equal_and_shared_evenly(trials, block_size, workers):
    assume(trials // block_size <= 10**4)  # a list of starts that stays short
    bounds = list(block_bounds(trials, block_count(trials, block_size, workers)))
    sizes = np.array([b - a for a, b in bounds])
    assert bounds[0][0] == 0 and bounds[-1][1] == trials
    assert all(b == a for (_, b), (a, _) in itertools.pairwise(bounds))  # contiguous
    assert sizes.max() <= block_size and sizes.max() - sizes.min() <= 1 and sizes.min() >= 1
    fewest = -(-trials // block_size)
    if fewest > 1 and workers > 1:  # no worker left alone at the end, unless too few trials
        assert sizes.size % workers == 0 or sizes.size == trials
        assert sizes.size < fewest + workers  # and no more blocks than that needs
    else:
        assert sizes.size == fewest
    if (trials, block_size, workers) == (10**5, 20_000, 2):
        assert sorted(sizes.tolist()) == [16_666] * 2 + [16_667] * 4


def test_scenario_travels_to_worker_processes_as_data():
    sc = sim.load_scenario("strong_holdouts").patched({"params.campaign_rate.value": 1.7})
    back = pickle.loads(pickle.dumps(sc))
    assert back.hash == sc.hash and back.rules.keys() == sc.rules.keys()


def test_bad_workers_value_is_refused():
    with pytest.raises(sim.InputError, match="workers"):
        sim.run("baseline", 10, 5, workers=0)


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_shows_on_a_terminal_only(monkeypatch):
    monkeypatch.setattr(sim.runs.pool, "PROGRESS_DELAY", 0.0)
    fake = _Tty()
    monkeypatch.setattr(sys, "stderr", fake)
    sim.run("baseline", 3000, 5, seed=0, block_size=1000, progress=True)
    shown = fake.getvalue()
    assert "baseline" in shown and "3000/3000" in shown and "trials" in shown
    quiet = _Tty()
    monkeypatch.setattr(sys, "stderr", quiet)
    sim.run("baseline", 3000, 5, seed=0, block_size=1000, progress=False)
    assert quiet.getvalue() == ""
    piped = io.StringIO()  # not a terminal
    monkeypatch.setattr(sys, "stderr", piped)
    sim.run("baseline", 3000, 5, seed=0, block_size=1000, progress=True)
    assert piped.getvalue() == ""


@pytest.mark.parametrize(("workers", "presses"), [("1", 1), ("2", 1), ("2", 2)])
def test_ctrl_c_stops_cleanly_and_writes_nothing(tmp_path, workers, presses):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim",
            "run",
            "baseline",
            "--trials",
            "400000",
            "--days",
            "365",
            "--block-size",
            "20000",
            "--workers",
            workers,
            "--quiet",
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(4)  # past start-up, into the run
    assert proc.poll() is None
    for _ in range(presses):  # a second Ctrl-C, while the workers stop, once hung the run
        proc.send_signal(signal.SIGINT)
        time.sleep(0.1)
    stdout, stderr = proc.communicate(timeout=60)
    # a shell reports a death by the second SIGINT as 130 too
    assert proc.returncode in ((130,) if presses == 1 else (130, -signal.SIGINT)), stderr
    assert stderr.count("interrupted") == 1 and "Traceback" not in stderr
    assert stdout == ""
    assert not out.exists() or os.listdir(out) == []


@pytest.mark.parametrize("window", [(10, 5), (-3, 5), (5, 5), (0, 4000), (0.5, 5)])
def test_a_window_must_be_whole_days_in_order(window):
    with pytest.raises(sim.InputError, match=r"a window \[first, end\) must have 0 <= first < end"):
        sim.window_comparison("qaani_visit", "no_visit", *window, trials=20)


def test_window_rates_are_whole_counts_over_the_window():
    # (x / 19) * 19 is not x for some counts x: without rounding back to whole counts, a trial
    # with no attack in the window came out at about 1e-16 (29 trials of 2,000, here)
    rates = sim.runs.windows.window_rates("baseline", 19, 22, trials=2000, seed=1)[
        "kataib_hezbollah"
    ]
    counts = np.rint(rates * 3)
    np.testing.assert_allclose(rates, counts / 3, rtol=0, atol=1e-15)
    none = counts == 0
    assert none.any() and (rates[none] == 0).all()  # none is exactly 0


@pytest.mark.parametrize("what", ["seed", "trials", "days"])
def test_a_comparison_refuses_runs_that_are_not_paired(what):
    args = {"trials": 30, "days": 5, "seed": 1}
    other = {**args, what: args[what] + 1}
    a, b = sim.run("qaani_visit", **args), sim.run("no_visit", **other)
    with pytest.raises(sim.InputError, match=f"both runs need the same {what}"):
        sim.Comparison(a, b)


def test_numpy_integers_are_whole_numbers_everywhere():
    r = sim.run("qaani_visit", trials=np.int64(20), days=np.int32(5), seed=np.int64(3))
    assert r.seed == 3 and type(r.seed) is int and r.trials == 20
    assert r.summary().equals(sim.run("qaani_visit", trials=20, days=5, seed=3).summary())
    assert sim.trace("qaani_visit", np.int64(2), np.uint8(3), 5).seed == 3


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_are_forked_from_a_server_with_the_model_loaded():
    with sim.runs.pool.executor(workers=2) as pool:
        pid = pool.executor.submit(os.getpid).result()
        parent = pool.executor.submit(os.getppid).result()
        maps = Path(f"/proc/{pid}/maps").read_text()
    assert parent != os.getpid()  # the fork server's child, not this process's
    # before any block ran there: the compiled kernels, numpy and scipy's distributions
    assert "numba" in maps and "scipy/stats" in maps and "numpy" in maps


def test_workers_load_this_process_sim_not_one_in_the_current_folder(tmp_path):
    # the fork server starts in the current folder: with another copy of sim there, it once
    # loaded that copy, and so did every worker
    shadow = tmp_path / "sim"
    shutil.copytree(Path(sim.__file__).parent, shadow, ignore=shutil.ignore_patterns("__pycache__"))
    marker = tmp_path / "shadow-loaded"
    with (shadow / "runs" / "warm.py").open("a") as f:
        f.write(f"\nopen({str(marker)!r}, 'w').close()\n")
    escsim = Path(sys.executable).parent / "escsim"
    cmd = [str(escsim), "run", "baseline", "--trials", "400", "--days", "5"]
    done = subprocess.run(
        [*cmd, "--block-size", "200", "--workers", "2", "--quiet", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert not marker.exists()
