"""Regressions from a hostile review of issue 11: loose types, octal numbers, two names for
one value, a run written over a sweep, messages that counted wrong."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

import sim
from sim.cli import main
from sim.runs import limits
from tests.helpers import code

SWEEP = {
    "name": "t",
    "scenario": "qaani_visit",
    "days": 5,
    "replications": 10,
    "design": {"kind": "grid", "levels": 2},
    "parameters": {"drivers.gaza": {"range": [0.5, 1.0]}},
    "metrics": ["attacks_per_day"],
}


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"replications": "20"}, "replications: Input should be a valid integer"),
        ({"replications": 20.0}, "replications: Input should be a valid integer"),
        ({"days": True}, "days: Input should be a valid integer"),
        ({"seed": True}, "seed: Input should be a valid integer"),
        ({"design": {"kind": "grid", "levels": 2.0}}, "levels: Input should be a valid integer"),
        ({"parameters": {"drivers.gaza": {"range": ["0.0", "0.2"]}}}, "valid number"),
    ],
)
def test_sweep_files_take_strict_types(change, says, tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({**SWEEP, **change}, sort_keys=False))
    assert main(["validate", str(path)]) == 2
    assert says in capsys.readouterr().err


@pytest.mark.parametrize("text", ["days: 010\n", "days: 0_9\n"])
def test_octal_numbers_are_refused(text, tmp_path, capsys):
    path = tmp_path / "o.yaml"
    path.write_text("extends: qaani_visit\n" + text)
    assert main(["validate", str(path)]) == 2
    assert "octal" in capsys.readouterr().err


def test_set_refuses_octal_and_a_second_name_for_an_index(capsys):
    run = ["run", "qaani_visit", "--trials", "10", "--days", "5", "--quiet"]
    assert code([*run, "--set", "params.directive_delay_max=010"]) == 2
    assert "octal" in capsys.readouterr().err
    assert code([*run, "--set", "events.02.day=5"]) == 2
    assert "write the list index '02' as 2" in capsys.readouterr().err


def test_a_run_is_not_written_over_a_sweep(tmp_path, capsys):
    path, out = tmp_path / "s.yaml", tmp_path / "sweep"
    path.write_text(yaml.safe_dump(SWEEP, sort_keys=False))
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    before = (out / "manifest.json").read_bytes()
    assert main(["run", "qaani_visit", "--trials", "10", "--days", "5", "--quiet",
                 "--out", str(out)]) == 2  # fmt: skip
    assert "holds a sweep's results" in capsys.readouterr().err
    assert (out / "manifest.json").read_bytes() == before


def test_a_constant_non_finite_rule_says_every_trial(tmp_path, capsys):
    path = tmp_path / "nan.yaml"
    path.write_text(
        "extends: qaani_visit\nrules:\n  agreement_prob:\n    expr: 1 / (day - day)\n"
        "    source: {calibration: [C12]}\n"
    )
    assert main(["run", str(path), "--trials", "20", "--days", "3", "--quiet"]) == 2
    assert "in every trial" in capsys.readouterr().err


def test_a_sweep_scenario_that_is_not_a_regular_file(tmp_path, capsys):
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({**SWEEP, "scenario": str(fifo)}, sort_keys=False))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "not a regular file: a FIFO" in err and "file not found" not in err


def test_comparison_json_records_what_was_set(tmp_path):
    assert main(["compare", "qaani_visit", "no_visit", "--trials", "20", "--days", "3",
                 "--quiet", "--set", "drivers.gaza=0.5", "--out", str(tmp_path)]) == 0  # fmt: skip
    data = json.loads((tmp_path / "comparison.json").read_text())
    assert data["a_changes"] == data["b_changes"] == {"drivers.gaza.value": 0.5}


def test_plot_and_analyze_take_each_metric_once(tmp_path, capsys):
    path, out = tmp_path / "s.yaml", tmp_path / "sweep"
    spec = {**SWEEP, "design": {"kind": "lhs", "samples": 64}, "metrics": ["attacks_per_day"]}
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert main(["plot", str(out), "--metrics", "attacks_per_day", "attacks_per_day"]) == 0
    assert main(["analyze", str(out), "--metrics", "attacks_per_day", "attacks_per_day"]) == 0
    sens = Path(out / "sensitivity.csv").read_text().splitlines()
    assert len(sens) == 2  # a header and one parameter's S1


def test_the_memory_check_grows_with_the_groups():
    assert limits.lane_bytes(5005) > 250 * limits.lane_bytes(5)
    with pytest.raises(sim.InputError, match="run at most"):
        limits.check_fits(10**8, 365, 20_000, 1, 5)
    with pytest.raises(sim.InputError, match="use a block size of at most"):
        limits.check_fits(20_000, 365, 20_000, 1, 5005 * 100)


@pytest.mark.parametrize("damage", ["fifo", "dev-zero", "seconds-text", "nested"])
def test_damaged_point_files_are_refused_without_hanging(damage, tmp_path, capsys):
    path, out = tmp_path / "s.yaml", tmp_path / "sweep"
    path.write_text(yaml.safe_dump(SWEEP, sort_keys=False))
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    point = out / "points" / "000000.json"
    good = json.loads(point.read_text())
    point.unlink()
    if damage == "fifo":
        os.mkfifo(point)
    elif damage == "dev-zero":
        point.symlink_to("/dev/zero")
    elif damage == "seconds-text":
        point.write_text(json.dumps({**good, "seconds": "fast"}))
    else:
        point.write_text("[" * 100_000 + "]" * 100_000)
    capsys.readouterr()
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "is not a sweep folder this version can resume" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("params:\n  strike_maxx: {value: 0.2}\n",
         "unknown parameter 'strike_maxx' (did you mean 'strike_max'?); a new parameter needs"),
        ("params:\n  strike_maxx: null\n", "there is no such parameter to remove"),
        ("drivers:\n  gazza: {value: 0.5}\n", "unknown driver 'gazza' (did you mean 'gaza'?)"),
    ],
)  # fmt: skip
def test_a_misspelt_parameter_or_driver_in_a_patch(text, says, tmp_path, capsys):
    path = tmp_path / "p.yaml"
    path.write_text("extends: qaani_visit\n" + text)
    assert main(["validate", str(path)]) == 2
    assert says in capsys.readouterr().err


def test_a_new_parameter_with_every_field_is_added(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        "extends: qaani_visit\nparams:\n  my_gain:\n    value: 0.1\n    unit: multiplier\n"
        "    source: {assumption: a test}\n"
    )
    assert sim.load_scenario(path).spec.params["my_gain"].value == 0.1


@pytest.mark.parametrize(
    ("text", "says", "line"),
    [
        ("a: &x {b: 1}\nc:\n  <<: *x\n", "YAML merge keys (<<) are not allowed", 3),
        ("? [a, b]\n: 1\n", "keys must be text, got a list as a key", 1),
        ("? {a: 1}\n: 1\n", "keys must be text, got a mapping as a key", 1),
        ("name: x\ndescription: a\x00b\n", "unacceptable character #x0000", 2),
    ],
)
def test_yaml_refusals_are_one_plain_line(text, says, line, tmp_path, capsys):
    path = tmp_path / "y.yaml"
    path.write_text(text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert says in err and f"y.yaml:{line}:" in err
    assert "Node(" not in err and "\\n" not in err and "<unicode string>" not in err


def test_a_scenario_given_to_sweep_says_which_command_takes_it(tmp_path, capsys):
    path = sim.load_scenario("qaani_visit").files[0]
    assert main(["sweep", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "this is a scenario file, not a sweep file" in err and "escsim run" in err
    assert not (tmp_path / "o").exists()


def test_validate_runs_what_run_would_refuse(tmp_path, capsys):
    path = tmp_path / "cap.yaml"
    path.write_text("extends: qaani_visit\nmilitias:\n  kataib_hezbollah: {capability: 300}\n")
    assert main(["validate", str(path)]) == 2
    said = capsys.readouterr().err
    assert main(["run", str(path), "--trials", "100", "--days", "5", "--quiet"]) == 2
    assert capsys.readouterr().err == said  # the same one line from both commands
    assert "the model handles at most 100 a group a day" in said and "Traceback" not in said


def test_a_huge_results_table_is_refused_unread(tmp_path, capsys):
    """A sparse 5 GiB file where a results table belongs: refused by its size, not read."""
    run_dir, sweep_dir, path = tmp_path / "run", tmp_path / "sweep", tmp_path / "s.yaml"
    run = ["run", "qaani_visit", "--trials", "50", "--days", "5", "--quiet", "--out"]
    assert main([*run, str(run_dir)]) == 0
    path.write_text(yaml.safe_dump(SWEEP, sort_keys=False))
    assert main(["sweep", str(path), "--out", str(sweep_dir), "--workers", "1", "--quiet"]) == 0
    capsys.readouterr()
    for command, table in (("analyze", run_dir / "per_trial.parquet"),
                           ("plot", sweep_dir / "results.parquet")):  # fmt: skip
        os.truncate(table, 5 << 30)
        assert main([command, str(table.parent)]) == 2
        err = capsys.readouterr().err
        assert f"{table}: file is 5,368,709,120 bytes, over the limit of 4 GiB" in err, err
