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
PARAMS = "extends: baseline\nparams:\n"
C5 = "source: {calibration: [C5]}"


def _event(fields: str, marked: bool = True) -> str:
    """A patch with one forced attack by Kataib Hezbollah and the given extra fields."""
    mark = f"  {MARK}" if marked else ""
    return (
        "extends: baseline\nevents:\n  - {day: 1, kind: attack, militia: kataib_hezbollah, "
        f"{fields}, {C5}}}{mark}\n"
    )


PARENT_WITH_EVENT = (
    "extends: baseline\nname: parent\nevents:\n  - day: 1\n    kind: attack\n"
    f"    militia: kataib_hezbollah\n    {C5}\n"
)

#: the bad inputs of issue 11 (the scenario's part): each is refused with file, key path, line
ISSUE_11_CASES = [
    # --- a misspelt group, theater or event field is not read as something new ---------------
    Case(
        "misspelt-group-in-patch",
        f"extends: baseline\nmilitias:\n  kataib_hezbolah: {{compliance: 0.5}}  {MARK}\n",
        "militias.kataib_hezbolah",
        (r"unknown militia 'kataib_hezbolah' \(did you mean 'kataib_hezbollah'\?\)",),
    ),
    Case(
        "new-group-without-every-field",
        f"extends: baseline\nmilitias:\n  badr_organization:  {MARK}\n    compliance: 0.5\n",
        "militias.badr_organization",
        ("unknown militia 'badr_organization'", "a new group needs every field", "doctrine"),
    ),
    Case(
        "misspelt-group-removed",
        f"extends: baseline\nmilitias:\n  kataib_hezbolah: null  {MARK}\n",
        "militias.kataib_hezbolah",
        ("did you mean 'kataib_hezbollah'", "no such group to remove"),
    ),
    Case(
        "misspelt-theater",
        f"extends: baseline\ntheaters:\n  irak: {{us_troops: 5}}  {MARK}\n",
        "theaters.irak",
        (r"unknown theater 'irak' \(did you mean 'iraq'\?\)",),
    ),
    Case(
        "misspelt-theater-in-group-split",
        KH + f"    theaters: {{irak: 0.5, syria: 0.5}}  {MARK}\n",
        "militias.kataib_hezbollah.theaters.irak",
        (r"unknown theater 'irak' \(did you mean 'iraq'\?\)",),
    ),
    Case(
        "misspelt-event-theater",
        _event("theater: syra"),
        "events[0].theater",
        (r"unknown theater 'syra' \(did you mean 'syria'\?\)",),
    ),
    Case(
        "misspelt-event-kind",
        f"extends: baseline\nevents:\n  - {{day: 1, kind: atack, {C5}}}  {MARK}\n",
        "events[0].kind",
        (r"unknown event kind 'atack' \(did you mean 'attack'\?\)",),
    ),
    # --- whole numbers the model holds: bounded, with the bound in the message ---------------
    Case(
        "event-killed-near-2-62",
        _event("killed: 4611686018427387904"),
        "events[0].killed",
        ("less than or equal to 10000",),
    ),
    Case(
        "event-wounded-beyond-2-64",
        _event("wounded: 18446744073709551616"),
        "events[0].wounded",
        ("less than or equal to 10000",),
    ),
    Case(
        "killed-max-above-cap",
        PARAMS + f"  killed_max: {{value: 1e6, uncertainty: null}}  {MARK}\n",
        "params.killed_max.value",
        ("from 0 to 10,000",),
    ),
    Case(  # a value set alone keeps the parent's uncertainty, which must hold it
        "value-outside-inherited-uncertainty",
        PARAMS + f"  killed_max: {{value: 1000}}  {MARK}\n",
        "params.killed_max",
        (r"outside \[15, 60\]", r"inherited from \S*base\.yaml:\d+", "or uncertainty: null"),
    ),
    Case(
        "directive-delay-min-1e19",
        PARAMS + f"  directive_delay_min: {{value: 1e19}}  {MARK}\n",
        "params.directive_delay_min.value",
        ("whole number of days from 1 to 3,650", r"1e\+19"),
    ),
    Case(
        "directive-delay-max-1e19",
        PARAMS + f"  directive_delay_max: {{value: 1e19}}  {MARK}\n",
        "params.directive_delay_max.value",
        ("whole number of days from 1 to 3,650",),
    ),
    Case(
        "comply-lag-max-1e300",
        PARAMS + f"  comply_lag_max: {{value: 1e300, uncertainty: null}}  {MARK}\n",
        "params.comply_lag_max.value",
        ("whole number of days from 0 to 3,650",),
    ),
    Case(
        "event-day-beyond-longest-run",
        "extends: baseline\nevents:\n  - {day: 99999999999999999999, kind: directive, "
        f"source: {{calibration: [C6]}}}}  {MARK}\n",
        "events[0].day",
        ("less than or equal to 3650",),
    ),
    Case(
        "troops-beyond-int64",
        f"extends: baseline\ntheaters:\n  iraq: {{us_troops: 9223372036854775808}}  {MARK}\n",
        "theaters.iraq.us_troops",
        ("less than or equal to 1000000",),
    ),
    Case(
        "killed-tail-zero",
        PARAMS + f"  killed_tail: {{value: 0, uncertainty: null}}  {MARK}\n",
        "params.killed_tail.value",
        ("above 0", r"\(0, inf\)"),
    ),
    Case(
        "wounded-tail-zero",
        PARAMS + f"  wounded_tail: {{value: 0.0, uncertainty: null}}  {MARK}\n",
        "params.wounded_tail.value",
        ("above 0",),
    ),
    # --- strict types: no coercion of booleans, text or base-60 into numbers ------------------
    Case(
        "days-yes",
        f"extends: baseline\ndays: yes  {MARK}\n",
        "days",
        ("expected a whole number, got true",),
    ),
    Case(
        "days-quoted",
        f'extends: baseline\ndays: "90"  {MARK}\n',
        "days",
        ("expected a whole number, got text '90'",),
    ),
    Case(
        "days-decimal",
        f"extends: baseline\ndays: 90.0  {MARK}\n",
        "days",
        ("expected a whole number, got 90.0",),
    ),
    Case(
        "days-sexagesimal",
        f"extends: baseline\ndays: 1:30  {MARK}\n",
        "days",
        ("base-60",),
    ),
    Case(
        "param-value-true",
        PARAMS + f"  strike_max: {{value: true}}  {MARK}\n",
        "params.strike_max.value",
        ("expected a number, got true",),
    ),
    Case(
        "param-value-quoted",
        PARAMS + f'  strike_max: {{value: "0.5"}}  {MARK}\n',
        "params.strike_max.value",
        ("expected a number, got text '0.5'",),
    ),
    Case(
        "mechanism-one",
        f"extends: baseline\nmechanisms:\n  talks: 1  {MARK}\n",
        "mechanisms.talks",
        ("expected true or false, got 1",),
    ),
    Case(
        "schedule-value-true",
        "extends: baseline\nschedule:\n  - day: 10\n"
        f"    set: {{gaza: true}}  {MARK}\n    source: {{calibration: [C2]}}\n",
        "schedule[0].set.gaza",
        ("expected a number, got true",),
    ),
    Case(
        "event-killed-quoted",
        _event('killed: "3"'),
        "events[0].killed",
        ("expected a whole number, got text '3'",),
    ),
    # --- YAML types the schema does not name, refused before anything is built ----------------
    Case(
        "yaml-binary",
        f"extends: baseline\ndescription: !!binary aGVsbG8=  {MARK}\n",
        "description",
        ("YAML type !!binary is not allowed",),
    ),
    Case(
        "yaml-pairs",
        f"extends: baseline\nevents: !!pairs [{{day: 1}}]  {MARK}\n",
        "events",
        ("YAML type !!pairs is not allowed",),
    ),
    Case(
        "yaml-omap",
        f"extends: baseline\nmilitias: !!omap [{{kataib_hezbollah: {{}}}}]  {MARK}\n",
        "militias",
        ("YAML type !!omap is not allowed",),
    ),
    Case(
        "yaml-set",
        f"extends: baseline\nmilitias: !!set {{kataib_hezbollah}}  {MARK}\n",
        "militias",
        ("YAML type !!set is not allowed",),
    ),
    Case(
        "yaml-date-where-text-is-expected",
        f"extends: baseline\ndescription: 2024-01-28  {MARK}\n",
        "description",
        (r"a date or time \(2024-01-28\) is not allowed", "quote it"),
    ),
    Case(
        "yaml-datetime-inside-a-list",
        "extends: baseline\nevents:\n  - day: 1\n    kind: directive\n"
        f"    source: {{calibration: [C6], assumption: 2024-01-28T10:00:00Z}}  {MARK}\n",
        "events[0].source.assumption",
        ("a date or time",),
    ),
    Case(
        "yaml-local-tag",
        f"extends: baseline\ndescription: !text hello  {MARK}\n",
        "description",
        ("YAML type !text is not allowed",),
    ),
    Case(
        "yaml-python-tuple",
        KH + f"    theaters: !!python/tuple [1]  {MARK}\n",
        "militias.kataib_hezbollah.theaters",
        ("YAML type !!python/tuple is not allowed",),
    ),
    Case(
        "yaml-whole-number-too-long-to-print",
        f"extends: baseline\ndays: {'9' * 5000}  {MARK}\n",
        "days",
        ("whole number of 5,000 characters is out of range",),
    ),
    # --- anchors are refused even without an alias ----------------------------------------------
    Case(
        "anchor-without-alias",
        f"extends: baseline\ndescription: &text hello  {MARK}\n",
        "description",
        ("anchors and aliases",),
    ),
    Case(
        "anchor-on-a-mapping",
        f"extends: baseline\nmilitias: &groups  {MARK}\n  kataib_hezbollah: {{compliance: 0.5}}\n",
        "militias",
        ("anchors and aliases",),
    ),
    Case(
        "anchor-inside-a-flow-mapping",
        KH + f"    theaters: {{iraq: 0.5, syria: !!float &x 0.5}}  {MARK}\n",
        "militias.kataib_hezbollah.theaters.syria",
        ("anchors and aliases",),
    ),
    Case(
        "alias",
        f"extends: baseline\ndescription: &text hello\nname: *text  {MARK}\n",
        "name",
        ("anchors and aliases",),
    ),
    # --- a child's change is blamed on the child --------------------------------------------------
    Case(
        "removed-group-named-by-a-parent-event",
        f"extends: parent.yaml\nmilitias:\n  kataib_hezbollah: null  {MARK}\n",
        "militias.kataib_hezbollah",
        ("'kataib_hezbollah' is removed here", "events", "parent.yaml:6", "replace events"),
        extra={"parent.yaml": PARENT_WITH_EVENT},
    ),
    Case(
        "removed-param-read-by-a-parent-rule",
        PARAMS + f"  strike_max: null  {MARK}\n",
        "params.strike_max",
        ("'strike_max' is removed here", "rules.us_strike_prob.expr", "base.yaml"),
    ),
    Case(
        "removed-driver-set-by-a-parent-schedule",
        f"extends: week_truce\ndrivers:\n  gaza: null  {MARK}\n",
        "drivers.gaza",
        ("'gaza' is removed here", r"schedule\[0\]\.set\.gaza", "week_truce.yaml"),
    ),
    Case(
        "removed-theater",
        f"extends: baseline\ntheaters:\n  syria: null  {MARK}\n",
        "theaters.syria",
        ("missing theater 'syria'", "every theater is required", "this file removes it"),
    ),
    Case(
        "param-named-like-a-parent-driver",
        PARAMS + f"  gaza: {{value: 1.0, unit: fraction, source: {{assumption: x}}}}  {MARK}\n",
        "params.gaza",
        ("'gaza' is both a driver and a parameter",),
    ),
    # --- messages that say what to write ----------------------------------------------------
    Case(
        "param-given-as-a-bare-number",
        PARAMS + f"  strike_max: 0.2  {MARK}\n",
        "params.strike_max",
        (r"write \{value: 0\.2\}; a patch may give value alone",),
    ),
    Case(
        "expr-fullwidth-name",
        _rule('"\uff54alks_progress * 0.01"'),
        "rules.agreement_prob.expr",
        ("non-ASCII character",),
    ),
    Case(
        "expr-c-style-and",
        _rule('"talks_progress > 0 && gaza > 0"', "agreement_prob"),
        "rules.agreement_prob.expr",
        ("use and / or / not",),
    ),
    Case(
        "expr-c-style-not",
        _rule('"!directive_active"', "directive_trigger"),
        "rules.directive_trigger.expr",
        ("use and / or / not",),
    ),
]

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
        f"extends: baseline\nparams:\n  p_attack_kills: null  {MARK}\n",
        "params.p_attack_kills",
        ("missing", "p_attack_kills", "this file removes it"),
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
        "description",
        ("YAML type !!python/object/apply:os.system is not allowed",),
    ),
    Case(
        "python-tag-name",
        f"extends: baseline\ndescription: !!python/name:os.system  {MARK}\n",
        "description",
        ("YAML type !!python/name:os.system is not allowed",),
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
    *ISSUE_11_CASES,
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
