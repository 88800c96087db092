"""``--set`` is a patch at a key path: a mapping merges, ``null`` deletes, as in a patch file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import sim
from sim.cli import main
from tests.helpers import code

RUN = ["run", "qaani_visit", "--trials", "100", "--days", "10", "--quiet"]


def _summary(args: list[str], out: Path) -> dict:
    assert main([*args, "--out", str(out)]) == 0
    return json.loads((out / "summary.json").read_text())


def _as_file(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "patch.yaml"
    path.write_text("extends: qaani_visit\n" + text)
    return ["run", str(path), *RUN[2:]]


def _unused_group() -> str:
    sc = sim.load_scenario("qaani_visit")
    named = {event.militia for event in sc.spec.events}
    return next(name for name in sc.spec.militias if name not in named)


def test_a_mapping_merges_as_a_patch_file_does(tmp_path):
    by_set = _summary([*RUN, "--set", "militias.kataib_hezbollah={compliance: 0.5}"],
                      tmp_path / "a")  # fmt: skip
    by_file = _summary(_as_file(tmp_path, "militias:\n  kataib_hezbollah: {compliance: 0.5}\n"),
                       tmp_path / "b")  # fmt: skip
    assert by_set == by_file
    sc = sim.load_scenario("qaani_visit").patched({"militias.kataib_hezbollah": {"share": 0.1}})
    assert sc.spec.militias["kataib_hezbollah"].share == 0.1
    assert sc.spec.militias["kataib_hezbollah"].doctrine == "compliant"  # kept, not replaced


def test_a_parameter_mapping_keeps_its_unit_and_source():
    sc = sim.load_scenario("qaani_visit")
    patched = sc.patched({"params.strike_max": {"value": 0.3, "uncertainty": None}}, "--set")
    assert patched.spec.params["strike_max"].value == 0.3
    assert patched.spec.params["strike_max"].unit == sc.spec.params["strike_max"].unit


def test_null_deletes_a_group_as_a_patch_file_does(tmp_path):
    group = _unused_group()
    by_set = _summary([*RUN, "--set", f"militias.{group}=null"], tmp_path / "a")
    by_file = _summary(_as_file(tmp_path, f"militias:\n  {group}: null\n"), tmp_path / "b")
    assert by_set == by_file
    assert group not in json.dumps(by_set["attacks_per_day_by_group"])
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["scenario_changes"] == {f"militias.{group}": None}


def test_a_new_group_needs_every_field():
    sc = sim.load_scenario("qaani_visit")
    spec = sc.data["militias"]["kataib_hezbollah"]
    patched = sc.patched({"militias.my_group": dict(spec)})
    assert "my_group" in patched.spec.militias


@pytest.mark.parametrize(
    ("setting", "says"),
    [
        ("militias.kataib_hezbolah={compliance: 0.5}",
         "unknown militia 'kataib_hezbolah' (did you mean 'kataib_hezbollah'?); a new group needs"),
        ("militias.nope=null", "unknown militia 'nope': there is no such group to remove"),
        ("events.0=null", "null deletes a key of a mapping, not an item of a list"),
        ("militias.kataib_hezbollah=null",
         "--set: militias.kataib_hezbollah: 'kataib_hezbollah' is removed here, but "
         "events[0].militia still names it"),
        ("params.strike_mx={value: 0.3}", "unknown parameter 'strike_mx' (did you mean"),
    ],
)  # fmt: skip
def test_a_bad_patch_by_set_is_one_line(setting, says, tmp_path, capsys):
    assert code([*RUN, "--set", setting, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


KEPT = "but keeps the uncertainty its parent declared about the parent's value"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("params:\n  strike_max: {value: 0.3}\n", "p.yaml:3: params.strike_max.value"),
        ("militias:\n  kataib_hezbollah: {compliance: {value: 0.5}}\n",
         "p.yaml:3: militias.kataib_hezbollah.compliance"),
    ],
)  # fmt: skip
def test_a_new_value_under_an_inherited_uncertainty_is_refused(text, where, tmp_path, capsys):
    path = tmp_path / "p.yaml"
    path.write_text("extends: qaani_visit\n" + text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{where}: changes the value" in err and KEPT in err and "uncertainty: null" in err


@pytest.mark.parametrize(
    "text",
    [
        "params:\n  strike_max: {value: 0.3, uncertainty: null}\n",
        "params:\n  strike_max: {value: 0.3, uncertainty: {beta: [3, 7]}}\n",
        "params:\n  strike_max: {value: 0.6}\n",  # the parent's value: nothing changes
        "militias:\n  kataib_hezbollah: {compliance: 0.5}\n",  # a number replaces it whole
    ],
)
def test_a_value_with_its_own_uncertainty_or_none_is_taken(text, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("extends: qaani_visit\n" + text)
    sim.load_scenario(path)


def test_set_merging_a_value_under_an_uncertainty_is_refused_as_a_file_is(capsys):
    assert code([*RUN, "--set", "params.strike_max={value: 0.3}"]) == 2
    assert "--set: params.strike_max.value: changes the value" in capsys.readouterr().err
    sc = sim.load_scenario("qaani_visit")
    fixed = sc.patched({"params.strike_max": {"value": 0.3, "uncertainty": None}})
    assert fixed.spec.params["strike_max"].uncertainty is None
    plain = sc.patched({"params.strike_max.value": 0.3})  # a plain value fixes it
    assert plain.spec.params["strike_max"].uncertainty is None


GROUP_LEVEL = (
    "extends: qaani_visit\nname: parent\nmilitias:\n  kataib_hezbollah:\n"
    "    compliance: 0.97\n    uncertainty: {compliance: {beta: [30, 1]}}\n"
)


@pytest.mark.parametrize(
    ("body", "refused", "drawn"),
    [
        ("compliance: 0.5, uncertainty: null", False, False),
        ("compliance: 0.5, uncertainty: {share: {beta: [24, 36]}}", False, False),
        ("compliance: {value: 0.5, uncertainty: null}", False, False),
        ("compliance: {value: 0.5}", True, None),
        ("compliance: 0.5", True, None),
        ("compliance: {value: 0.5, uncertainty: {beta: [5, 5]}}", False, True),
    ],
)
def test_a_group_level_uncertainty_is_kept_or_dropped_as_the_child_says(
    body, refused, drawn, tmp_path
):
    (tmp_path / "parent.yaml").write_text(GROUP_LEVEL)
    path = tmp_path / "child.yaml"
    path.write_text(f"extends: parent.yaml\nmilitias:\n  kataib_hezbollah: {{{body}}}\n")
    if refused:
        with pytest.raises(sim.InputError, match=KEPT):
            sim.load_scenario(path)
        return
    spec = sim.load_scenario(path).spec.militias["kataib_hezbollah"]
    assert spec.compliance == 0.5 and ("compliance" in spec.uncertainty) == drawn


@pytest.mark.parametrize(
    "setting",
    ["params={strike_max: {value: 0.3}}",
     "militias={kataib_hezbollah: {compliance: {value: 0.5}}}"],
)  # fmt: skip
def test_set_checks_kept_uncertainty_at_any_depth(setting, capsys):
    assert code([*RUN, "--set", setting]) == 2
    assert KEPT in capsys.readouterr().err


def test_set_replaces_an_uncertainty_or_a_source_whole():
    sc = sim.load_scenario("qaani_visit")
    lapse = sc.patched({"params.lapse_base.uncertainty": {"uniform": [0.0001, 0.01]}})
    assert lapse.spec.params["lapse_base"].uncertainty.name == "uniform"
    kh = sc.patched({"militias.kataib_hezbollah.compliance.uncertainty": {"uniform": [0.9, 1]}})
    assert kh.spec.militias["kataib_hezbollah"].uncertainty["compliance"].name == "uniform"
    cited = sc.patched({"params.campaign_rate.source": {"assumption": "a guess"}})
    assert cited.data["params"]["campaign_rate"]["source"] == {"assumption": "a guess"}
