"""Scenario input beyond one bad file (issue 11): files that are not files, long chains, limits.

What ``validate`` accepts, ``run`` runs: each limit is tested at the bound (accepted and run)
as well as beyond it (refused, in tests/test_bad_input.py). Files that are not regular files
are refused before they are opened, so a FIFO cannot hang a test.
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.cli import main
from sim.core.paths import MAX_FILE_BYTES
from sim.core.yamlio import read_yaml
from sim.scenario.chain import MAX_CHAIN
from sim.scenario.schema import MAX_CASUALTIES

PARAMS = "extends: baseline\nparams:\n"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, "utf-8")
    return path


def _one_line_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the CLI; it must exit 2 with one line on stderr and nothing on stdout."""
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert out == "" and "Traceback" not in err and "Warning" not in err, err
    assert err.startswith("escsim: error: ") and err.count("\n") == 1, err
    return err


# --- files that are not regular files: refused before they are read ---------------------------


def _fifo(tmp: Path) -> Path:
    path = tmp / "fifo.yaml"
    os.mkfifo(path)
    return path


def _sparse(tmp: Path) -> Path:
    path = tmp / "sparse.yaml"
    with path.open("wb") as f:
        f.truncate(10 * 2**30)  # 10 GiB, no blocks on disk
    return path


def _loop(tmp: Path) -> Path:
    (tmp / "a.yaml").symlink_to(tmp / "b.yaml")
    (tmp / "b.yaml").symlink_to(tmp / "a.yaml")
    return tmp / "a.yaml"


def _folder(tmp: Path) -> Path:
    path = tmp / "folder.yaml"
    path.mkdir()
    return path


def _too_long(tmp: Path) -> Path:
    return tmp / ("n" * 300 + ".yaml")


def _just_over(tmp: Path) -> Path:
    return _write(tmp / "big.yaml", "extends: baseline\n" + "#" * MAX_FILE_BYTES + "\n")


KINDS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "fifo": (_fifo, "not a regular file: a FIFO"),
    "sparse-10-gib": (_sparse, "over the limit of 1 MiB"),
    "just-over-1-mib": (_just_over, "over the limit of 1 MiB"),
    "symlink-loop": (_loop, "not a regular file: a symlink loop"),
    "folder": (_folder, "not a regular file: a folder"),
    "dev-zero": (lambda _: Path("/dev/zero"), "not a regular file: a character device"),
    "dev-urandom": (lambda _: Path("/dev/urandom"), "not a regular file: a character device"),
    "name-too-long": (_too_long, "file name is too long"),
}


@pytest.fixture
def unblock_fifo(tmp_path: Path) -> Iterator[None]:
    """Should a FIFO ever be opened for reading, a writer comes by every 2 s: no test hangs."""
    stop = threading.Event()

    def open_writers() -> None:
        while not stop.wait(2.0):
            with contextlib.suppress(OSError):  # no reader waiting (ENXIO), or no FIFO
                os.close(os.open(tmp_path / "fifo.yaml", os.O_WRONLY | os.O_NONBLOCK))

    thread = threading.Thread(target=open_writers, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join()


@pytest.mark.usefixtures("unblock_fifo")
@pytest.mark.parametrize("kind", KINDS)
def test_a_scenario_path_that_is_not_a_regular_file(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, says = KINDS[kind]
    path = make(tmp_path)
    with pytest.raises(sim.InputError) as info:
        sim.load_scenario(path)
    assert info.value.message == f"{path}: {info.value.reason}"
    assert says in info.value.reason, info.value.reason
    assert "file not found" not in info.value.reason
    err = _one_line_error(["run", str(path), "--trials", "1", "--days", "1"], capsys)
    assert says in err
    assert says in _one_line_error(["validate", str(path)], capsys)


@pytest.mark.usefixtures("unblock_fifo")
@pytest.mark.parametrize("kind", KINDS)
def test_extends_of_what_is_not_a_regular_file(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, says = KINDS[kind]
    target = make(tmp_path)
    child = _write(tmp_path / "child.yaml", f"name: child\nextends: {target}\n")
    with pytest.raises(sim.InputError) as info:
        sim.load_scenario(child)
    assert (info.value.file, info.value.line, info.value.path) == (str(child), 2, ("extends",))
    assert says in info.value.reason, info.value.reason
    err = _one_line_error(["validate", str(child)], capsys)
    assert says in err


@pytest.mark.usefixtures("unblock_fifo")
def test_read_yaml_refuses_a_fifo_as_sweeps_and_facts_read_it(tmp_path: Path) -> None:
    with pytest.raises(sim.InputError, match="not a regular file: a FIFO"):
        read_yaml(_fifo(tmp_path))


# --- extends: chains ----------------------------------------------------------------------------


def _chain(tmp: Path, links: int) -> Path:
    """``links`` files, each extending the next; the last extends baseline."""
    for i in range(links):
        parent = f"f{i + 1}.yaml" if i + 1 < links else "baseline"
        _write(tmp / f"f{i}.yaml", f"extends: {parent}\nname: f{i}\n")
    return tmp / "f0.yaml"


def test_a_chain_of_1000_files_is_refused_by_its_length_cap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leaf = _chain(tmp_path, 1000)
    with pytest.raises(sim.InputError) as info:
        sim.load_scenario(leaf)
    assert f"longer than the limit of {MAX_CHAIN} files" in info.value.reason
    assert "nested too deeply" not in info.value.message
    assert info.value.path == ("extends",) and info.value.line == 1
    assert info.value.file == str(leaf)  # the leaf's chain, not the file where it ran out
    assert "f0.yaml -> f1.yaml" in info.value.reason
    _one_line_error(["validate", str(leaf)], capsys)


def test_a_chain_at_the_cap_loads(tmp_path: Path) -> None:
    # MAX_CHAIN files: the chain's own links and the two shipped ones (baseline, base)
    sc = sim.load_scenario(_chain(tmp_path, MAX_CHAIN - 2))
    assert len(sc.files) == MAX_CHAIN and sc.name == "f0"


# --- a group added on purpose; a sweep given as a scenario ---------------------------------------

NEW_GROUP = """\
extends: qaani_visit
militias:
  {name}:
    doctrine: compliant
    capability: 0.5
    share: 0.05
    theaters: {iraq: 1.0}
    compliance: 0.9
    prefers_talks: 0.5
    source: {assumption: "a sixth group, for the test"}
"""


@pytest.mark.parametrize("name", ["badr_organization", "kataib_hezbollah_b"])
def test_a_new_group_with_every_field_is_added_and_runs(name: str, tmp_path: Path) -> None:
    """Even a name close to an existing group's: with every field, it is a group on purpose."""
    sc = sim.load_scenario(_write(tmp_path / "six.yaml", NEW_GROUP.replace("{name}", name)))
    assert list(sc.spec.militias)[-1] == name and len(sc.spec.militias) == 6
    result = sim.run(sc, trials=20, days=5, seed=1)
    assert f"attacks_per_day_by_group.{name}" in result.metric_names()


def test_a_sweep_file_given_as_a_scenario_names_the_command_that_takes_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = Path(__file__).parents[1] / "scenarios" / "sweeps" / "quick_sobol.yaml"
    with pytest.raises(sim.InputError) as info:
        sim.load_scenario(path)
    assert "this is a sweep file" in info.value.reason and "escsim sweep" in info.value.reason
    assert "unknown key" not in info.value.reason
    err = _one_line_error(["run", str(path), "--trials", "1", "--days", "1"], capsys)
    assert "escsim sweep" in err


# --- what validate accepts, run runs ---------------------------------------------------------


def test_casualties_at_the_cap_validate_and_run(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "cap.yaml",
        "extends: baseline\nevents:\n  - {day: 0, kind: attack, militia: kataib_hezbollah, "
        f"killed: {MAX_CASUALTIES}, wounded: {MAX_CASUALTIES}, source: {{calibration: [C5]}}}}\n"
        f"params:\n  killed_max: {{value: {MAX_CASUALTIES}, uncertainty: null}}\n"
        f"  wounded_max: {{value: {MAX_CASUALTIES}, uncertainty: null}}\n",
    )
    assert main(["validate", str(path)]) == 0
    result = sim.run(path, trials=10, days=3, seed=0)
    assert result.per_trial("us_killed").min() >= MAX_CASUALTIES


def test_a_tiny_tail_runs_without_warnings(tmp_path: Path) -> None:
    """A tail just above 0 overflows the Pareto draw to infinity, which the cap bounds."""
    path = _write(
        tmp_path / "tail.yaml",
        PARAMS + "  killed_tail: {value: 1e-300, uncertainty: null}\n"
        "  wounded_tail: {value: 0.01, uncertainty: null}\n"
        "  p_attack_kills: {value: 0.9, uncertainty: null}\n"
        "  p_attack_wounds: {value: 0.9, uncertainty: null}\n",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = sim.run(path, trials=50, days=5, seed=0, point=True)  # killed_max at 30
    killed = result.per_trial("us_killed")
    assert killed.max() > 0 and np.all(killed % 30 == 0)  # every fatal attack at killed_max


def test_whole_number_params_at_their_bounds_run(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "days.yaml",
        PARAMS + "  directive_delay_min: {value: 3650}\n  directive_delay_max: {value: 3650}\n"
        "  comply_lag_max: {value: 3650, uncertainty: null}\n"
        "  directive_days: {value: 3650, uncertainty: null}\n",
    )
    result = sim.run(path, trials=20, days=5, seed=0)
    assert result.per_trial("p_directive").max() == 0  # a directive 3650 days later: never


def test_exponent_numbers_without_a_dot_are_numbers(tmp_path: Path) -> None:
    """``1e-4`` is a number (as in YAML 1.2), not text that a strict number field refuses."""
    path = _write(tmp_path / "e.yaml", PARAMS + "  strike_max: {value: 5e-1, uncertainty: null}\n")
    assert sim.load_scenario(path).spec.params["strike_max"].value == 0.5


def test_patched_values_are_strictly_typed() -> None:
    sc = sim.load_scenario("baseline")
    for change, says in [
        ({"days": True}, "expected a whole number, got true"),
        ({"days": "30"}, "expected a whole number, got text '30'"),
        ({"description": b"bytes"}, "expected text, got bytes"),
        ({"mechanisms.talks": 1}, "expected true or false, got 1"),
        ({"params.strike_max.value": "0.5"}, "expected a number, got text '0.5'"),
    ]:
        with pytest.raises(sim.InputError, match=says):
            sc.patched(change)
    assert sc.patched({"days": 30, "params.strike_max.value": 1}).spec.days == 30


# --- rules at run time -------------------------------------------------------------------------


def _rule(tmp: Path, rule: str, expr: str) -> Path:
    return _write(
        tmp / f"{rule}.yaml",
        f'extends: baseline\nrules:\n  {rule}:\n    expr: "{expr}"\n'
        "    source: {calibration: [C7]}\n",
    )


def test_a_product_of_counts_does_not_wrap_around(tmp_path: Path) -> None:
    """9999**6 as int64 is negative; with no strike yet, days_since_strike is 9999."""
    d = "days_since_strike"
    path = _rule(tmp_path, "directive_trigger", " * ".join([d] * 6) + " < 0")
    result = sim.run(path, trials=20, days=3, seed=0)
    assert result.per_trial("p_directive").max() == 0


def test_a_huge_finite_value_in_every_trial_is_finite(tmp_path: Path) -> None:
    """1e307 in each of 100 trials sums to infinity, but no single value is infinite."""
    huge = "1e12 ** 8 * 1e12 ** 8 * 1e12 ** 8 * 1e12 * 1e7"  # 1e307
    path = _rule(tmp_path, "us_strike_prob", f"{huge} * (1 + 0 * attacks_7d)")  # in every trial
    result = sim.run(path, trials=100, days=2, seed=0)
    assert result.per_trial("us_strikes_per_day").min() == 1.0  # a probability of 1, clipped


def test_a_division_by_zero_is_one_line_and_no_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _rule(tmp_path, "us_strike_prob", "1 / (talks_progress * 0)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy RuntimeWarning would raise here
        with pytest.raises(sim.InputError, match=r"non-finite value .* in 7 trial\(s\)"):
            sim.run(path, trials=7, days=2, seed=0)
        err = _one_line_error(["run", str(path), "--trials", "7", "--days", "2"], capsys)
    assert "in 7 trial(s)" in err
