"""Bad scenario input: every case raises InputError naming file, key path and line.

Each case is a small YAML file written under ``tmp_path`` (usually ``extends: baseline``).
A line ending in ``# HERE`` marks the line the error must point at (several marks: any of
them); no mark means the error has no line. Each case is checked three ways: through
``sim.load_scenario``, ``escsim validate FILE`` and ``escsim run FILE``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import sim
from sim.cli import main
from sim.core.errors import format_path
from sim.core.paths import scenarios_dir

ANY = object()  # the key path is not checked
MARK = "# HERE"
PWNED = "pwned"  # a file that a YAML python tag would create if it ever ran


@dataclass(frozen=True)
class Case:
    """One bad input.

    Attributes:
        id: Test id.
        text: The main file; ``{tmp}`` is replaced by tmp_path, ``{shipped}`` by the
            relative path from the file to the shipped scenarios folder.
        path: Expected key path (dotted), a tuple of acceptable ones, None for no key path,
            or ANY to skip the check.
        says: Regular expressions the message must match.
        extra: Other files to write (name -> text).
        main: Name of the file to load.
        blame: The file(s) the message must name (default: ``main``).
        bug: If set, the case is a known bug (strict xfail) with this reason.
    """

    id: str
    text: str | None
    path: object
    says: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)
    main: str = "case.yaml"
    blame: tuple[str, ...] = ()
    bug: str | None = None


def _base_copy() -> str:
    """A full copy of base.yaml (no extends) with ``days`` made invalid."""
    text = (scenarios_dir() / "base.yaml").read_text(encoding="utf-8")
    out, n = re.subn(r"(?m)^days: .*$", f"days: 0  {MARK}", text, count=1)
    assert n == 1, "base.yaml has no top-level 'days:' line"
    return out


def _rule(expr: str, rule: str = "agreement_prob") -> str:
    return (
        f"extends: baseline\nrules:\n  {rule}:\n    expr: {expr}  {MARK}\n"
        "    source: {calibration: [C12]}\n"
    )


KH = "extends: baseline\nmilitias:\n  kataib_hezbollah:\n"

CASES = [
    # --- unknown keys -------------------------------------------------------------------
    Case(
        "unknown-key-did-you-mean",
        KH + f"    compliace: 0.5  {MARK}\n",
        "militias.kataib_hezbollah.compliace",
        ("unknown key 'compliace'", r"did you mean 'compliance'"),
    ),
    Case(
        "unknown-top-level-key",
        f"extends: baseline\ndayz: 10  {MARK}\n",
        "dayz",
        ("unknown key 'dayz'", "did you mean 'days'"),
    ),
    Case(
        "unknown-rule",
        f"extends: baseline\nrules:\n  atack_rate:  {MARK}\n    expr: '1'\n",
        "rules.atack_rate",
        ("unknown key 'atack_rate'", "did you mean 'attack_rate'"),
    ),
    Case(
        "unknown-mechanism",
        f"extends: baseline\nmechanisms:\n  tlaks: true  {MARK}\n",
        "mechanisms.tlaks",
        ("unknown key 'tlaks'", "did you mean 'talks'"),
    ),
    # --- wrong types --------------------------------------------------------------------
    Case(
        "string-for-number",
        KH + f"    capability: lots  {MARK}\n",
        "militias.kataib_hezbollah.capability",
        ("number", "lots"),
    ),
    Case(
        "list-for-mapping",
        KH + f"    theaters: [iraq, syria]  {MARK}\n",
        "militias.kataib_hezbollah.theaters",
        ("dictionary|mapping",),
    ),
    Case(
        "mechanism-maybe",
        f'extends: baseline\nmechanisms:\n  talks: "maybe"  {MARK}\n',
        "mechanisms.talks",
        ("boolean|true or false", "maybe"),
    ),
    Case(
        "days-zero-in-full-copy-of-base",
        _base_copy(),
        "days",
        (),
    ),
    # --- ranges and non-finite numbers ----------------------------------------------------
    Case(
        "compliance-above-one",
        KH + f"    compliance: 1.5  {MARK}\n",
        "militias.kataib_hezbollah.compliance",
        (r"1\.5",),
    ),
    Case(
        "probability-param-negative",
        f"extends: baseline\nparams:\n  p_attack_kills:\n    value: -0.1  {MARK}\n",
        "params.p_attack_kills.value",
        (r"-0\.1", "probability"),
    ),
    Case(
        "nan-param-value",
        f"extends: baseline\nparams:\n  campaign_rate:\n    value: .nan  {MARK}\n",
        "params.campaign_rate.value",
        ("finite",),
    ),
    Case(
        "inf-capability",
        KH + f"    capability: .inf  {MARK}\n",
        "militias.kataib_hezbollah.capability",
        ("finite",),
    ),
    Case(
        "theaters-do-not-sum-to-one",
        KH + f"    theaters: {{iraq: 0.5, syria: 0.6}}  {MARK}\n",
        "militias.kataib_hezbollah.theaters",
        ("sum to 1",),
    ),
    # --- schedule and events --------------------------------------------------------------
    Case(
        "until-before-day",
        "extends: baseline\nschedule:\n  - day: 10\n"
        f"    until: 5  {MARK}\n    set: {{gaza: 0.0}}\n    source: {{calibration: [C2]}}\n",
        "schedule[0].until",
        ("until", "before"),
    ),
    Case(
        "schedule-unknown-driver",
        "extends: baseline\nschedule:\n  - day: 10\n"
        f"    set: {{gazza: 0.0}}  {MARK}\n    source: {{calibration: [C2]}}\n",
        "schedule[0].set.gazza",
        ("unknown driver 'gazza'", "did you mean 'gaza'"),
    ),
    Case(
        "event-unknown-militia",
        "extends: baseline\nevents:\n  - day: 1\n    kind: attack\n"
        f"    militia: kataib_hezbolah  {MARK}\n    source: {{calibration: [C5]}}\n",
        "events[0].militia",
        ("unknown militia 'kataib_hezbolah'", "did you mean 'kataib_hezbollah'"),
    ),
    Case(
        "attack-event-without-militia",
        f"extends: baseline\nevents:\n  - day: 1  {MARK}\n    kind: attack\n"
        "    source: {calibration: [C5]}\n",
        "events[0].militia",
        ("needs a militia",),
    ),
    Case(
        "event-militia-deleted-by-override",
        "extends: baseline\nevents:\n  - day: 1\n    kind: attack\n"
        f"    militia: kataib_hezbollah  {MARK}\n    source: {{calibration: [C5]}}\n"
        "militias:\n  kataib_hezbollah: null\n",
        "events[0].militia",
        ("unknown militia 'kataib_hezbollah'",),
    ),
    # --- rule expressions -----------------------------------------------------------------
    Case(
        "expr-unknown-name",
        _rule('"agreement_rat * talks_progress"'),
        "rules.agreement_prob.expr",
        ("unknown name 'agreement_rat'", "did you mean 'agreement_rate'"),
    ),
    Case(
        "expr-syntax-error",
        _rule('"agreement_rate * (talks_progress"'),
        "rules.agreement_prob.expr",
        ("syntax error",),
    ),
    Case(
        "expr-attribute",
        _rule('"gaza.real"'),
        "rules.agreement_prob.expr",
        ("attribute",),
    ),
    Case(
        "expr-subscript",
        _rule('"gaza[0]"'),
        "rules.agreement_prob.expr",
        ("subscript",),
    ),
    Case(
        "expr-import-call",
        _rule("\"__import__('os')\""),
        "rules.agreement_prob.expr",
        ("__import__", "function"),
    ),
    Case(
        "expr-lambda",
        _rule('"lambda: gaza"'),
        "rules.agreement_prob.expr",
        ("lambda",),
    ),
    Case(
        "expr-huge-exponent",
        _rule('"gaza ** 1000"'),
        "rules.agreement_prob.expr",
        ("exponent",),
    ),
    Case(
        "expr-militia-variable-in-global-rule",
        f"extends: baseline\nrules:\n  us_strike_prob:\n    expr: >  {MARK}\n"
        "      strike_base\n      + capability\n    source: {calibration: [C7]}\n",
        "rules.us_strike_prob.expr",
        ("'capability' is a militia variable",),
    ),
    # --- sources --------------------------------------------------------------------------
    Case(
        "quote-not-in-seeds",
        KH + f'    source: {{quote: "this sentence is not in the articles"}}  {MARK}\n',
        "militias.kataib_hezbollah.source.quote",
        ("not found", "this sentence is not in the articles"),
    ),
    Case(
        "unknown-calibration-row",
        "extends: baseline\nparams:\n  campaign_rate:\n"
        f"    source: {{calibration: [C99]}}  {MARK}\n",
        (
            "params.campaign_rate.source.calibration",
            "params.campaign_rate.source.calibration[0]",
        ),
        ("C99",),
    ),
    Case(
        "rule-expr-changed-without-source",
        f'extends: baseline\nrules:\n  agreement_prob:  {MARK}\n    expr: "0.5"\n',
        "rules.agreement_prob",
        ("needs its own source",),
    ),
    Case(
        "rule-source-only-assumption",
        "extends: baseline\nrules:\n  agreement_prob:\n"
        f'    source: {{quote: null, calibration: null, assumption: "talks end well"}}  {MARK}\n',
        "rules.agreement_prob.source",
        ("quote|calibration",),
    ),
    # --- parameters -----------------------------------------------------------------------
    Case(
        "missing-model-param",
        f"extends: baseline\nparams:  {MARK}\n  p_attack_kills: null\n",
        "params",
        ("missing", "p_attack_kills"),
    ),
    Case(
        "param-shadows-state-variable",
        f"extends: baseline\nparams:\n  attacks_7d:  {MARK}\n    value: 1\n    unit: count\n"
        '    source: {assumption: "x"}\n',
        "params.attacks_7d",
        ("state variable",),
    ),
    # --- extends chains -------------------------------------------------------------------
    Case(
        "bad-value-in-middle-of-chain",
        "extends: sub/mid.yaml\nname: leaf\n",
        "militias.kataib_hezbollah.compliance",
        (r"1\.5",),
        extra={
            "sub/mid.yaml": "extends: baseline\nmilitias:\n  kataib_hezbollah:\n"
            f"    compliance: 1.5  {MARK}\n"
        },
        blame=("sub/mid.yaml",),
    ),
    Case(
        "bad-value-in-leaf-extending-by-relative-path",
        f"extends: ../mid.yaml\nmechanisms:\n  talks: maybe  {MARK}\n",
        "mechanisms.talks",
        ("maybe",),
        extra={"mid.yaml": "extends: qaani_visit\nname: mid\n"},
        main="sub/leaf.yaml",
    ),
    Case(
        "extends-shipped-by-relative-path",
        f"extends: {{shipped}}/qaani_visit.yaml\nevents:\n  - day: 3\n    kind: us_strike\n"
        f"    militia: nujaba  {MARK}\n    source: {{calibration: [C7]}}\n",
        "events[0].militia",
        ("unknown militia 'nujaba'",),
    ),
    Case(
        "extends-cycle",
        f"extends: b.yaml  {MARK}\n",
        "extends",
        ("cycle",),
        extra={"b.yaml": f"extends: a.yaml  {MARK}\nname: b\n"},
        main="a.yaml",
        blame=("a.yaml", "b.yaml"),
    ),
    Case(
        "extends-itself",
        f"extends: case.yaml  {MARK}\n",
        "extends",
        ("cycle",),
    ),
    Case(
        "extends-missing-file",
        f"extends: nothere.yaml  {MARK}\n",
        "extends",
        ("nothere.yaml", "not found"),
    ),
    Case(
        "extends-unknown-shipped-name",
        f"extends: basline  {MARK}\n",
        "extends",
        ("basline", "did you mean 'baseline'"),
    ),
    # --- YAML itself ----------------------------------------------------------------------
    Case(
        "unclosed-bracket",
        f"extends: baseline\nmilitias: {{kataib_hezbollah: {{compliance: 0.5}}  {MARK}\n"
        f"days: 3  {MARK}\n",
        None,
        ("invalid YAML",),
    ),
    Case(
        "unclosed-bracket-at-end-of-file",
        f"extends: baseline\ndays: [1, 2  {MARK}\n",
        None,
        ("invalid YAML",),
    ),
    Case(
        "duplicate-key",
        f"extends: baseline\ndays: 10\ndays: 20  {MARK}\n",
        None,
        ("duplicate key 'days'",),
    ),
    Case(
        "duplicate-nested-key",
        KH + f"    compliance: 0.5\n    compliance: 0.6  {MARK}\n",
        "militias.kataib_hezbollah",
        ("duplicate key 'compliance'",),
    ),
    Case("empty-file", "", None, ("empty",)),
    Case("comments-only-file", "# nothing here\n", None, ("empty",)),
    Case(
        "top-level-list",
        f"- extends  {MARK}\n- baseline\n",
        None,
        ("mapping",),
    ),
    Case(
        "python-tag-apply",
        f'extends: baseline\ndescription: !!python/object/apply:os.system ["touch {{tmp}}/{PWNED}"]'
        f"  {MARK}\n",
        None,
        ("invalid YAML|tag",),
    ),
    Case(
        "python-tag-name",
        f"extends: baseline\ndescription: !!python/name:os.system  {MARK}\n",
        None,
        ("invalid YAML|tag",),
    ),
    Case(
        "integer-key",
        f"extends: baseline\n1: x  {MARK}\n",
        "1",
        (),
    ),
    Case(
        "newline-in-key",
        KH + f'    "comp\\nliance": 0.5  {MARK}\n',
        ANY,
        ("unknown key",),
    ),
    # --- missing file ---------------------------------------------------------------------
    Case("missing-file", None, None, ("not found",), main="does_not_exist.yaml"),
]


def _params(cases: list[Case]) -> list[object]:
    return [
        pytest.param(
            c,
            id=c.id,
            marks=[pytest.mark.xfail(strict=True, reason=f"BUG: {c.bug}")] if c.bug else [],
        )
        for c in cases
    ]


@dataclass
class Written:
    main: Path
    blame: list[Path]
    lines: set[int] | None
    pwned: Path


def _write(case: Case, tmp: Path) -> Written:
    files = dict(case.extra)
    if case.text is not None:
        files[case.main] = case.text
    for name, text in files.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        shipped = os.path.relpath(scenarios_dir(), path.parent)
        path.write_text(text.replace("{tmp}", str(tmp)).replace("{shipped}", shipped), "utf-8")
    blame = [tmp / name for name in (case.blame or (case.main,))]
    marked = {
        i + 1
        for name in (case.blame or (case.main,))
        for i, line in enumerate(files.get(name, "").splitlines())
        if line.endswith(MARK)
    }
    return Written(tmp / case.main, blame, marked or None, tmp / PWNED)


def _expected_where(case: Case, file: str, line: int | None, path: str) -> str:
    where = file + (f":{line}" if line is not None else "")
    if case.path is not None:
        where += f": {path}"
    return where + ": "


def _check(case: Case, w: Written, exc: sim.InputError) -> None:
    """The parts of the error: file, line, key path, reason; and nothing was executed."""
    msg = exc.message
    assert "\n" not in msg, msg
    assert exc.file is not None, msg
    assert Path(exc.file).resolve() in [p.resolve() for p in w.blame], msg
    if w.lines is None:
        assert exc.line is None, msg
    else:
        assert exc.line in w.lines, msg
    path = format_path(exc.path)
    if case.path is None:
        assert path == "", msg
    elif isinstance(case.path, str):
        assert path == case.path, msg
    elif isinstance(case.path, tuple):
        assert path in case.path, msg
    assert msg.startswith(_expected_where(case, exc.file, exc.line, path)), msg
    for pattern in case.says:
        assert re.search(pattern, msg), (pattern, msg)
    assert not w.pwned.exists(), "a YAML python tag ran code"


@pytest.mark.parametrize("case", _params(CASES))
def test_load_scenario_raises_input_error(case: Case, tmp_path: Path) -> None:
    w = _write(case, tmp_path)
    with pytest.raises(sim.InputError) as info:
        sim.load_scenario(w.main)
    _check(case, w, info.value)


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case", _params(CASES))
def test_cli_prints_one_error_line(
    case: Case, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = _write(case, tmp_path)
    argv = [command, str(w.main)]
    if command == "run":
        argv += ["--trials", "1", "--days", "1"]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert "Traceback" not in err
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("escsim: error: "), err
    # the same message as the exception carries, so file, line and key path are in it
    with pytest.raises(sim.InputError) as info:
        sim.load_scenario(w.main)
    assert err == f"escsim: error: {info.value.message}\n"
    _check(case, w, info.value)


# --- files that cannot be read ------------------------------------------------------------


def test_non_utf8_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\xff\xfe\x00extends: baseline\n")
    with pytest.raises(sim.InputError) as info:
        sim.load_scenario(path)
    assert info.value.file == str(path)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"escsim: error: {path}: ") and err.count("\n") == 1, err


def test_directory_instead_of_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "folder.yaml"
    path.mkdir()
    assert main(["run", str(path), "--trials", "1", "--days", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"escsim: error: {path}: ") and err.count("\n") == 1, err
    assert "Traceback" not in err


def test_unknown_shipped_name_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(sim.InputError, match="did you mean 'qaani_visit'"):
        sim.load_scenario("qaani_vist")
    assert main(["run", "qaani_vist", "--trials", "1", "--days", "1"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("escsim: error: "), err
    assert "'qaani_vist'" in err and "did you mean 'qaani_visit'" in err


# --- overrides ------------------------------------------------------------------------------


def test_override_repairs_a_bad_parent_value(tmp_path: Path) -> None:
    """Errors concern the merged value: a leaf that fixes its parent's bad value loads."""
    (tmp_path / "mid.yaml").write_text(KH + "    compliance: 1.5\n", "utf-8")
    leaf = tmp_path / "leaf.yaml"
    leaf.write_text(
        "extends: mid.yaml\nmilitias:\n  kataib_hezbollah:\n    compliance: 0.25\n", "utf-8"
    )
    with pytest.raises(sim.InputError):
        sim.load_scenario(tmp_path / "mid.yaml")
    sc = sim.load_scenario(leaf)
    assert sc.spec.militias["kataib_hezbollah"].compliance == 0.25
    assert sc.name == "leaf"


def test_null_deletes_only_in_override(tmp_path: Path) -> None:
    """Deleting a militia in an override removes it (the control for the bad cases above)."""
    path = tmp_path / "fewer.yaml"
    path.write_text("extends: baseline\nmilitias:\n  asaib_ahl_al_haq: null\n", "utf-8")
    sc = sim.load_scenario(path)
    assert "asaib_ahl_al_haq" not in sc.spec.militias
    assert "kataib_hezbollah" in sc.spec.militias


# --- the Python API's run arguments ---------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"trials": 0},
        {"trials": -5},
        {"trials": 2.5},
        {"trials": True},
        {"seed": -1},
        {"seed": 1.5},
        {"seed": []},
        {"seed": [1, -2]},
        {"days": 0},
        {"days": 4000},
        {"block_size": 0},
    ],
    ids=lambda kw: "-".join(f"{k}={v!r}" for k, v in kw.items()),
)
def test_run_refuses_bad_arguments(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"trials": 2, "days": 1, **kwargs}
    with pytest.raises(sim.InputError) as info:
        sim.run("baseline", **args)  # type: ignore[arg-type]
    assert "\n" not in info.value.message
    name = next(iter(kwargs)).replace("_", " ")
    assert name in info.value.message
