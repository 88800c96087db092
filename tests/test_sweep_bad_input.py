"""Bad sweep files: ``escsim validate`` prints one error line naming file, line and key path.

Each case is a small sweep file written under ``tmp_path`` (usually on the shipped
``qaani_visit``). A line ending in ``# HERE`` marks the line the error must point at
(several marks: any of them); no mark means the error has no line. Each case runs
``escsim validate FILE`` and checks: exit code 2, nothing on stdout, exactly one line on
stderr of the form ``escsim: error: FILE[:LINE][: KEY.PATH]: REASON``, no traceback, and
the reason matches the case's patterns. A few cases also run ``escsim sweep FILE --out DIR``,
which must refuse the file the same way before creating DIR.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import sim
from sim.cli import main

MARK = "# HERE"
PWNED = "pwned"  # a file that a YAML python tag would create if it ever ran
REPO = Path(sim.__file__).resolve().parents[1]

C = "militias.kataib_hezbollah.compliance"
SP = "params.strike_per_killed"

HEAD = "scenario: qaani_visit\nreplications: 10\n"
GRID = "design: {kind: grid, levels: 3}\n"
LHS = "design: {kind: lhs, samples: 8}\n"
SOBOL = "design: {kind: sobol, samples: 8}\n"
MORRIS = "design: {kind: morris, trajectories: 4}\n"
GOOD_RANGE = "{range: [0.5, 1.0]}"


def par(name: str, *rest: str) -> str:
    """The key path of a parameter as messages print it: ``parameters.'a.b'.range``."""
    quoted = name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else repr(name)
    return ".".join([f"parameters.{quoted}", *rest]) if rest else f"parameters.{quoted}"


def one(name: str, body: str, *, mark: bool = True) -> str:
    """A ``parameters`` block with one parameter (its line marked by default)."""
    return f"parameters:\n  {name}: {body}" + (f"  {MARK}" if mark else "") + "\n"


def sweep(params: str, design: str = GRID, head: str = HEAD, tail: str = "") -> str:
    """A sweep file: head (scenario, replications), design, parameters, tail."""
    return head + design + params + tail


def dist(body: str) -> str:
    """An LHS sweep of compliance with a distribution (the line of the parameter marked)."""
    return sweep(one(C, f"{{distribution: {{{body}}}}}"), LHS)


@dataclass(frozen=True)
class Case:
    """One bad sweep file.

    Attributes:
        id: Test id.
        text: The sweep file; ``{tmp}`` is replaced by tmp_path.
        path: Expected key path as printed, a tuple of acceptable ones, or None for none.
        says: Regular expressions the reason (the text after the key path) must match.
        never: Regular expressions the reason must not match.
        extra: Other files to write (name -> text).
        blame: The file the message must name (default: the sweep file).
        line_optional: A message without a line is also accepted (a missing key, say).
    """

    id: str
    text: str
    path: str | tuple[str, ...] | None
    says: tuple[str, ...] = ()
    never: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)
    blame: str = "sweep.yaml"
    line_optional: bool = False


CASES = [
    # --- top-level keys -------------------------------------------------------------------
    Case(
        "unknown-top-level-key",
        sweep(
            one(C, GOOD_RANGE, mark=False), head=f"scenario: qaani_visit\nreplicatons: 5  {MARK}\n"
        ),
        "replicatons",
        ("unknown key 'replicatons'", r"did you mean 'replications'"),
    ),
    Case(
        "missing-scenario",
        sweep(one(C, GOOD_RANGE, mark=False), head=f"replications: 10  {MARK}\n"),
        "scenario",
        ("missing", "'scenario'"),
        line_optional=True,
    ),
    Case(
        "missing-replications",
        sweep(one(C, GOOD_RANGE, mark=False), head=f"scenario: qaani_visit  {MARK}\n"),
        "replications",
        ("missing", "'replications'"),
        line_optional=True,
    ),
    Case(
        "missing-design",
        sweep(
            one(C, GOOD_RANGE, mark=False),
            design="",
            head=f"scenario: qaani_visit  {MARK}\nreplications: 10\n",
        ),
        "design",
        ("missing", "'design'"),
        line_optional=True,
    ),
    Case(
        "missing-parameters",
        f"scenario: qaani_visit  {MARK}\nreplications: 10\n" + GRID,
        "parameters",
        ("missing", "'parameters'"),
        line_optional=True,
    ),
    Case(
        "parameters-empty",
        sweep(f"parameters: {{}}  {MARK}\n"),
        "parameters",
        ("at least 1|empty",),
    ),
    Case(
        "parameters-a-list",
        sweep(f"parameters:  {MARK}\n  - {C}\n"),
        "parameters",
        ("dictionary|mapping",),
    ),
    Case(
        "replications-one",
        sweep(
            one(C, GOOD_RANGE, mark=False), head=f"scenario: qaani_visit\nreplications: 1  {MARK}\n"
        ),
        "replications",
        (r"\b2\b", r"\b1\b"),
    ),
    Case(
        "replications-zero",
        sweep(
            one(C, GOOD_RANGE, mark=False), head=f"scenario: qaani_visit\nreplications: 0  {MARK}\n"
        ),
        "replications",
        (r"\b2\b", r"\b0\b"),
    ),
    Case(
        "replications-fraction",
        sweep(
            one(C, GOOD_RANGE, mark=False),
            head=f"scenario: qaani_visit\nreplications: 2.5  {MARK}\n",
        ),
        "replications",
        ("integer|whole", r"2\.5"),
    ),
    Case(
        "seed-negative",
        sweep(one(C, GOOD_RANGE, mark=False), head=HEAD + f"seed: -1  {MARK}\n"),
        "seed",
        (r"-1\b", r"\b0\b"),
    ),
    Case(
        "days-zero",
        sweep(one(C, GOOD_RANGE, mark=False), head=HEAD + f"days: 0  {MARK}\n"),
        "days",
        (r"\b1\b", r"\b0\b"),
    ),
    Case(
        "days-5000",
        sweep(one(C, GOOD_RANGE, mark=False), head=HEAD + f"days: 5000  {MARK}\n"),
        "days",
        ("3650", "5000"),
    ),
    Case(
        "common-random-numbers-maybe",
        sweep(
            one(C, GOOD_RANGE, mark=False), head=HEAD + f"common_random_numbers: maybe  {MARK}\n"
        ),
        "common_random_numbers",
        ("boolean|true or false", "maybe"),
    ),
    # --- metrics ----------------------------------------------------------------------------
    Case(
        "unknown-metric",
        sweep(
            one(C, GOOD_RANGE, mark=False),
            tail=f"metrics:\n  - attacks_per_day\n  - p_us_fatalty  {MARK}\n",
        ),
        "metrics[1]",
        ("unknown metric 'p_us_fatalty'", "did you mean 'p_us_fatality'"),
    ),
    Case(
        "unknown-group-metric",
        sweep(
            one(C, GOOD_RANGE, mark=False),
            tail=f"metrics: [attacks_per_day_by_group.kataib_hezbolah]  {MARK}\n",
        ),
        "metrics[0]",
        ("did you mean 'attacks_per_day_by_group.kataib_hezbollah'",),
    ),
    Case(
        "metrics-empty",
        sweep(one(C, GOOD_RANGE, mark=False), tail=f"metrics: []  {MARK}\n"),
        "metrics",
        ("at least 1|empty",),
    ),
    # --- the base scenario ------------------------------------------------------------------
    Case(
        "unknown-base-scenario-name",
        sweep(
            one(C, GOOD_RANGE, mark=False), head=f"scenario: qaani_vist  {MARK}\nreplications: 10\n"
        ),
        "scenario",
        ("'qaani_vist'", "did you mean 'qaani_visit'"),
    ),
    Case(
        "base-scenario-path-does-not-exist",
        sweep(
            one(C, GOOD_RANGE, mark=False),
            head=f"scenario: nothere.yaml  {MARK}\nreplications: 10\n",
        ),
        "scenario",
        ("nothere.yaml", "not found|does not exist|no such file"),
    ),
    Case(
        "base-scenario-not-text",
        sweep(one(C, GOOD_RANGE, mark=False), head=f"scenario: 42  {MARK}\nreplications: 10\n"),
        "scenario",
        ("string|text|name or path",),
    ),
    Case(
        "base-scenario-itself-bad-is-blamed",
        sweep(one(C, GOOD_RANGE, mark=False), head="scenario: base/bad.yaml\nreplications: 10\n"),
        "militias.kataib_hezbollah.compliance",
        (r"1\.5",),
        extra={
            "base/bad.yaml": "extends: qaani_visit\nmilitias:\n  kataib_hezbollah:\n"
            f"    compliance: 1.5  {MARK}\n"
        },
        blame="base/bad.yaml",
    ),
    # --- designs ----------------------------------------------------------------------------
    Case(
        "unknown-design-kind",
        sweep(
            one(C, GOOD_RANGE, mark=False),
            design=f"design:  {MARK}\n  kind: factorial  {MARK}\n  levels: 3\n",
        ),
        ("design", "design.kind"),
        ("'factorial'", "grid", "lhs", "sobol", "morris"),
    ),
    Case(
        "design-without-kind",
        sweep(one(C, GOOD_RANGE, mark=False), design=f"design:  {MARK}\n  samples: 8\n"),
        ("design", "design.kind"),
        ("kind",),
    ),
    Case(
        "design-a-string",
        sweep(one(C, GOOD_RANGE, mark=False), design=f"design: sobol  {MARK}\n"),
        "design",
        ("dictionary|mapping",),
    ),
    Case(
        "unknown-key-in-grid",
        sweep(
            one(C, GOOD_RANGE, mark=False), design=f"design:\n  kind: grid\n  levles: 3  {MARK}\n"
        ),
        "design.levles",
        ("unknown key 'levles'", "did you mean 'levels'"),
    ),
    Case(
        "unknown-key-in-sobol",
        sweep(
            one(C, GOOD_RANGE, mark=False),
            design=f"design:\n  kind: sobol\n  samples: 8\n  second_ordre: true  {MARK}\n",
        ),
        "design.second_ordre",
        ("unknown key 'second_ordre'", "did you mean 'second_order'"),
    ),
    Case(
        "unknown-key-in-morris",
        sweep(
            one(C, GOOD_RANGE, mark=False),
            design=f"design:\n  kind: morris\n  trajectory: 4  {MARK}\n",
        ),
        "design.trajectory",
        ("unknown key 'trajectory'", "did you mean 'trajectories'"),
    ),
    Case(
        "grid-levels-one",
        sweep(
            one(C, GOOD_RANGE, mark=False), design=f"design:\n  kind: grid\n  levels: 1  {MARK}\n"
        ),
        "design.levels",
        (r"\b2\b",),
    ),
    Case(
        "grid-with-distribution",
        sweep(one(C, "{distribution: {name: uniform, low: 0.5, high: 1.0}}")),
        par(C),
        ("grid", "distribution"),
    ),
    Case(
        "grid-range-without-levels",
        sweep(one(C, GOOD_RANGE), design="design: {kind: grid}\n"),
        par(C),
        ("levels",),
    ),
    Case(
        "grid-over-point-limit",
        sweep(
            f"parameters:\n  {C}: {GOOD_RANGE}\n  {SP}: {{range: [0.0, 0.1]}}\n",
            design=f"design:  {MARK}\n  kind: grid\n  levels: 1001  {MARK}\n",
        ),
        ("design", "design.levels"),
        ("1,002,001", "limit"),
    ),
    Case(
        "morris-with-values",
        sweep(one(C, "{values: [0.5, 1.0]}"), MORRIS),
        par(C),
        ("Morris design needs a range", "values"),
    ),
    Case(
        "morris-with-distribution",
        sweep(one(C, "{distribution: {name: uniform, low: 0.5, high: 1.0}}"), MORRIS),
        par(C),
        ("Morris design needs a range", "distribution"),
    ),
    Case(
        "morris-odd-levels",
        sweep(
            one(C, GOOD_RANGE, mark=False),
            design=f"design:\n  kind: morris\n  trajectories: 4\n  levels: 5  {MARK}\n",
        ),
        "design.levels",
        ("even", r"\b5\b"),
    ),
    Case(
        "morris-one-trajectory",
        sweep(
            one(C, GOOD_RANGE, mark=False),
            design=f"design:\n  kind: morris\n  trajectories: 1  {MARK}\n",
        ),
        "design.trajectories",
        (r"\b2\b",),
    ),
    Case(
        "sobol-samples-not-power-of-2",
        sweep(
            one(C, GOOD_RANGE, mark=False),
            design=f"design:\n  kind: sobol\n  samples: 10  {MARK}\n",
        ),
        "design.samples",
        ("power of 2", r"\b10\b"),
    ),
    Case(
        "lhs-one-sample",
        sweep(
            one(C, GOOD_RANGE, mark=False), design=f"design:\n  kind: lhs\n  samples: 1  {MARK}\n"
        ),
        "design.samples",
        (r"\b2\b", r"\b1\b"),
    ),
    Case(
        "lhs-over-point-limit",
        sweep(
            one(C, GOOD_RANGE, mark=False),
            design=f"design:  {MARK}\n  kind: lhs\n  samples: 1000001  {MARK}\n",
        ),
        ("design", "design.samples"),
        ("limit",),
    ),
    # --- key paths into the scenario --------------------------------------------------------
    Case(
        "key-path-typo-top-level",
        sweep(one("dayz", "{values: [10, 20]}")),
        par("dayz"),
        ("'dayz'", "did you mean 'days'"),
    ),
    Case(
        "key-path-typo-militia",
        sweep(one("militias.kataib_hezbolah.compliance", GOOD_RANGE)),
        par("militias.kataib_hezbolah.compliance"),
        ("'kataib_hezbolah'", "did you mean 'kataib_hezbollah'"),
    ),
    Case(
        "key-path-typo-militia-field",
        sweep(one("militias.kataib_hezbollah.compliace", GOOD_RANGE)),
        par("militias.kataib_hezbollah.compliace"),
        ("'compliace'", "did you mean 'compliance'"),
    ),
    Case(
        "key-path-typo-param",
        sweep(one("params.strike_per_kiled", "{range: [0.0, 0.1]}")),
        par("params.strike_per_kiled"),
        ("'strike_per_kiled'", "did you mean 'strike_per_killed'"),
    ),
    Case(
        "key-path-typo-param-value",
        sweep(one("params.strike_per_killed.vaule", "{range: [0.0, 0.1]}")),
        par("params.strike_per_killed.vaule"),
        ("'vaule'", "did you mean 'value'"),
    ),
    Case(
        "key-path-list-index-out-of-range",
        sweep(one("events.7.day", "{values: [1, 2]}")),
        par("events.7.day"),
        (r"\b7\b", r"3 items|indexed 0 to 2"),
    ),
    Case(
        "key-path-into-empty-list",
        sweep(one("schedule.0.day", "{values: [1, 2]}")),
        par("schedule.0.day"),
        (r"empty|no items|0 items",),
        never=(r"to -1",),
    ),
    Case(
        "key-path-names-a-mapping",
        sweep(one("militias.kataib_hezbollah", GOOD_RANGE)),
        par("militias.kataib_hezbollah"),
        ("mapping",),
    ),
    Case(
        "key-path-into-a-source",
        sweep(one("params.campaign_rate.source.quote", "{values: [a, b]}")),
        par("params.campaign_rate.source.quote"),
        ("source", "scenario file"),
    ),
    Case(
        "range-on-text-value",
        sweep(one("militias.kataib_hezbollah.doctrine", GOOD_RANGE)),
        par("militias.kataib_hezbollah.doctrine"),
        ("numeric|number", "'compliant'"),
    ),
    Case(
        "distribution-on-text-value",
        sweep(
            one(
                "militias.kataib_hezbollah.doctrine",
                "{distribution: {name: uniform, low: 0.0, high: 1.0}}",
            ),
            LHS,
        ),
        par("militias.kataib_hezbollah.doctrine"),
        ("numeric|number", "'compliant'"),
    ),
    Case(
        "range-on-boolean-value",
        sweep(one("mechanisms.talks", "{range: [0, 1]}")),
        par("mechanisms.talks"),
        ("numeric|number", "True|true"),
    ),
    Case(
        "days-as-a-parameter-is-overridden-by-the-sweep",
        sweep(one("days", "{values: [30, 60]}")),
        par("days"),
        (r"\bdays\b",),
    ),
    Case(
        "same-value-under-two-names",
        sweep(
            f"parameters:\n  {SP}: {{values: [0.1, 0.2]}}  {MARK}\n"
            f"  {SP}.value: {{values: [0.3, 0.4]}}  {MARK}\n"
        ),
        (par(SP), par(f"{SP}.value")),
        (r"params\.strike_per_killed\.value", "twice|two|both|same"),
    ),
    # --- values and ranges ------------------------------------------------------------------
    Case(
        "range-empty",
        sweep(one(C, "{range: [0.5, 0.5]}")),
        (par(C), par(C, "range")),
        ("empty",),
    ),
    Case(
        "range-reversed",
        sweep(one(C, "{range: [1.0, 0.5]}")),
        (par(C), par(C, "range")),
        ("reversed",),
    ),
    Case(
        "range-nan",
        sweep(one(C, "{range: [.nan, 1.0]}")),
        (par(C, "range"), par(C, "range[0]")),
        ("finite|nan|NaN",),
    ),
    Case(
        "range-inf",
        sweep(one(C, "{range: [0.5, .inf]}")),
        (par(C, "range"), par(C, "range[1]")),
        ("finite|inf",),
    ),
    Case(
        "range-three-numbers",
        sweep(one(C, "{range: [0.5, 0.7, 1.0]}")),
        (par(C), par(C, "range")),
        (r"\b2\b",),
    ),
    Case(
        "range-of-text",
        sweep(one(C, "{range: [low, 1.0]}")),
        (par(C, "range"), par(C, "range[0]")),
        ("number", "'low'"),
    ),
    Case(
        "values-empty",
        sweep(one(C, "{values: []}")),
        (par(C), par(C, "values")),
        ("empty|at least 1",),
    ),
    Case(
        "values-repeat",
        sweep(one(C, "{values: [0.5, 0.7, 0.5]}")),
        (par(C), par(C, "values")),
        ("repeat",),
    ),
    Case(
        "values-repeat-as-int-and-float",
        sweep(one(SP, "{values: [0, 0.0]}")),
        (par(SP), par(SP, "values")),
        ("repeat",),
    ),
    Case(
        "values-and-range",
        sweep(one(C, "{values: [0.5], range: [0.5, 1.0]}")),
        par(C),
        ("exactly one", "values and range"),
    ),
    Case(
        "neither-values-nor-range",
        sweep(one(C, "{integer: true}")),
        par(C),
        ("exactly one",),
    ),
    Case(
        "parameter-a-bare-list",
        sweep(one(C, "[0.5, 1.0]")),
        par(C),
        ("dictionary|mapping",),
    ),
    Case(
        "unknown-key-in-parameter",
        sweep(one(C, "{rnage: [0.5, 1.0]}")),
        par(C, "rnage"),
        ("unknown key 'rnage'", "did you mean 'range'"),
    ),
    Case(
        "range-end-refused-grid",
        sweep(one(C, "{range: [0.5, 1.5]}")),
        par(C),
        (r"(?<![\d.])1\.5(?!\d)",),
    ),
    Case(
        "range-end-refused-sobol",
        sweep(one(C, "{range: [0.5, 1.5]}"), SOBOL),
        par(C),
        (r"(?<![\d.])1\.5(?!\d)",),
    ),
    Case(
        "range-end-refused-lhs",
        sweep(one(C, "{range: [0.5, 1.5]}"), LHS),
        par(C),
        (r"(?<![\d.])1\.5(?!\d)",),
    ),
    Case(
        "range-end-refused-morris",
        sweep(one(C, "{range: [0.5, 1.5]}"), MORRIS),
        par(C),
        (r"(?<![\d.])1\.5(?!\d)",),
    ),
    Case(
        "range-end-refused-but-not-sampled-lhs",
        sweep(one(C, "{range: [0.5, 1.01]}"), "design: {kind: lhs, samples: 4}\n"),
        par(C),
        (r"(?<![\d.])1\.01(?!\d)",),
    ),
    Case(
        "value-refused",
        sweep(one(C, "{values: [0.5, 1.5]}")),
        (par(C), par(C, "values"), par(C, "values[1]")),
        (r"(?<![\d.])1\.5(?!\d)",),
    ),
    Case(
        "text-value-refused",
        sweep(one("militias.kataib_hezbollah.doctrine", "{values: [compliant, rogue]}")),
        (
            par("militias.kataib_hezbollah.doctrine"),
            par("militias.kataib_hezbollah.doctrine", "values"),
            par("militias.kataib_hezbollah.doctrine", "values[1]"),
        ),
        ("'rogue'", "holdout"),
    ),
    Case(
        "integer-range-without-a-whole-number",
        sweep(one("params.directive_delay_max", "{range: [1.2, 1.8], integer: true}"), LHS),
        (par("params.directive_delay_max"), par("params.directive_delay_max", "range")),
        ("whole number|integer",),
    ),
    # --- distributions ----------------------------------------------------------------------
    Case(
        "distribution-missing-field",
        dist("name: triangular, low: 0.5, high: 1.0"),
        (par(C, "distribution"), par(C, "distribution", "mode")),
        ("triangular", "mode"),
    ),
    Case(
        "distribution-normal-missing-sd",
        dist("name: normal, mean: 0.7"),
        (par(C, "distribution"), par(C, "distribution", "sd")),
        ("normal", r"\bsd\b"),
    ),
    Case(
        "distribution-extra-field",
        dist("name: uniform, low: 0.5, high: 1.0, mean: 0.7"),
        (par(C, "distribution"), par(C, "distribution", "mean")),
        ("uniform", r"\bmean\b"),
    ),
    Case(
        "distribution-unknown-field",
        dist("name: uniform, low: 0.5, hgih: 1.0"),
        par(C, "distribution", "hgih"),
        ("unknown key 'hgih'", "did you mean 'high'"),
    ),
    Case(
        "distribution-without-name",
        dist("low: 0.5, high: 1.0"),
        (par(C, "distribution"), par(C, "distribution", "name")),
        ("missing", "'name'"),
    ),
    Case(
        "distribution-unknown-name",
        dist("name: gaussian, mean: 0.7, sd: 0.1"),
        (par(C, "distribution"), par(C, "distribution", "name")),
        ("'gaussian'", "normal"),
    ),
    Case(
        "distribution-sd-zero",
        dist("name: normal, mean: 0.7, sd: 0"),
        (par(C, "distribution"), par(C, "distribution", "sd")),
        (r"\bsd\b", r"above 0|> ?0|positive"),
    ),
    Case(
        "distribution-sd-negative",
        dist("name: truncnormal, low: 0.5, high: 1.0, mean: 0.7, sd: -0.1"),
        (par(C, "distribution"), par(C, "distribution", "sd")),
        (r"\bsd\b", r"-0\.1"),
    ),
    Case(
        "distribution-low-equals-high",
        dist("name: uniform, low: 0.7, high: 0.7"),
        (par(C, "distribution"), par(C, "distribution", "low"), par(C, "distribution", "high")),
        ("low", "high", r"0\.7"),
    ),
    Case(
        "distribution-low-above-high",
        dist("name: truncnormal, low: 0.9, high: 0.6, mean: 0.7, sd: 0.1"),
        (par(C, "distribution"), par(C, "distribution", "low"), par(C, "distribution", "high")),
        ("low", "high", r"0\.9", r"0\.6"),
    ),
    Case(
        "distribution-mode-outside",
        dist("name: triangular, low: 0.5, mode: 1.2, high: 1.0"),
        (par(C, "distribution"), par(C, "distribution", "mode")),
        (r"mode", r"1\.2", "outside"),
    ),
    Case(
        "distribution-loguniform-low-zero",
        sweep(one(SP, "{distribution: {name: loguniform, low: 0, high: 0.1}}"), LHS),
        (par(SP, "distribution"), par(SP, "distribution", "low")),
        ("loguniform", r"low > 0|positive|above 0"),
    ),
    Case(
        "distribution-nan",
        dist("name: normal, mean: .nan, sd: 0.1"),
        (par(C, "distribution"), par(C, "distribution", "mean")),
        ("finite|nan|NaN",),
    ),
    Case(
        "distribution-reaches-refused-values",
        dist("name: normal, mean: 0.7, sd: 0.5"),
        par(C),
        (r"less than or equal to 1|at most 1|above 1|\[0, 1\]",),
    ),
    # --- what the run cannot do: refused by validate, never found at every point -------------
    Case(
        "replications-a-billion",
        sweep(
            one(C, GOOD_RANGE, mark=False),
            head=f"scenario: qaani_visit\nreplications: {10**9}  {MARK}\n",
        ),
        "replications",
        ("at most 1,000,000", "1,000,000,000"),
    ),
    Case(
        "replications-2-to-the-63",
        sweep(
            one(C, GOOD_RANGE, mark=False),
            head=f"scenario: qaani_visit\nreplications: {2**63}  {MARK}\n",
        ),
        "replications",
        ("at most 1,000,000", "9,223,372,036,854,775,808"),
    ),
    Case(
        "replications-above-2-to-the-64",
        sweep(
            one(C, GOOD_RANGE, mark=False),
            head=f"scenario: qaani_visit\nreplications: {2**64 + 1}  {MARK}\n",
        ),
        "replications",
        ("at most 1,000,000",),
    ),
    Case(
        "lhs-a-million-samples",
        sweep(
            one(C, GOOD_RANGE, mark=False),
            design=f"design: {{kind: lhs, samples: 1000000}}  {MARK}\n",
        ),
        "design",
        ("1,000,000 points", "limit of 100,000"),
    ),
    Case(
        "morris-over-point-limit",
        sweep(
            one(C, GOOD_RANGE, mark=False),
            design=f"design: {{kind: morris, trajectories: 50001}}  {MARK}\n",
        ),
        "design",
        ("100,002 points", "limit of 100,000"),
    ),
    Case(
        "too-many-trial-days",
        sweep(
            one(C, GOOD_RANGE, mark=False),
            SOBOL.replace("8", "1024"),
            head=f"scenario: qaani_visit\nreplications: 1000000  {MARK}\n",
        ),
        "replications",
        ("3,072 points x 90 days", "trial-days", "limit of 1e\\+11", "hours"),
    ),
    Case(
        "too-many-point-days-of-few-trials",
        sweep(
            one(C, GOOD_RANGE, mark=False),
            "design: {kind: lhs, samples: 100000}\n",
            head=f"scenario: qaani_visit\nreplications: 2  {MARK}\ndays: 3650\n",
        ),
        "replications",
        ("100,000 points x 3,650 days", "2,000, a point's fixed cost", "limit"),
    ),
    Case(
        "seed-beyond-128-bits",
        sweep(one(C, GOOD_RANGE, mark=False), head=HEAD + f"seed: {2**128}  {MARK}\n"),
        "seed",
        ("2\\*\\*128 - 1",),
    ),
    Case(
        "values-mix-booleans-and-text",
        sweep(one("militias.kataib_hezbollah.doctrine", "{values: [true, holdout]}")),
        (
            par("militias.kataib_hezbollah.doctrine"),
            par("militias.kataib_hezbollah.doctrine", "values"),
        ),
        ("mix boolean \\(True\\) and text \\('holdout'\\)", "one column"),
    ),
    Case(
        "values-mix-numbers-and-text",
        sweep(one("events.2.day", "{values: [2, three]}")),
        (par("events.2.day"), par("events.2.day", "values")),
        ("mix number \\(2\\) and text \\('three'\\)",),
    ),
    Case(
        "values-mix-booleans-and-numbers",
        sweep(one("mechanisms.retaliation", "{values: [true, 0]}")),
        (par("mechanisms.retaliation"), par("mechanisms.retaliation", "values")),
        (
            "mix boolean",
            "number",
        ),
    ),
    Case(
        "values-whole-number-beyond-64-bits",
        sweep(one("events.2.day", f"{{values: [2, {2**70}]}}")),
        (par("events.2.day"), par("events.2.day", "values")),
        ("71 bits", "64-bit"),
    ),
    Case(
        "float-range-on-a-whole-number-key",
        sweep(one("events.2.day", "{range: [1, 10]}"), LHS),
        par("events.2.day"),
        ("integer: true",),
    ),
    Case(
        "float-range-on-a-whole-number-param",
        sweep(one("params.directive_delay_max", "{range: [1, 7]}"), SOBOL),
        par("params.directive_delay_max"),
        ("whole number", "integer: true"),
    ),
    Case(
        "grid-levels-between-whole-numbers",
        sweep(one("events.2.day", "{range: [1, 10]}")),  # levels 1, 5.5, 10
        par("events.2.day"),
        (r"at (1\.0|5\.5)", "integer: true"),
    ),
    Case(
        "fraction-listed-for-a-whole-number-key",
        sweep(one("events.2.day", "{values: [2, 2.5]}")),
        par("events.2.day"),
        ("2\\.5", "takes whole numbers"),
        never=("integer: true",),  # integer applies to ranges and distributions only
    ),
    # --- one name per value -------------------------------------------------------------------
    Case(
        "list-index-with-a-leading-zero",
        sweep(one("events.02.day", "{values: [2, 5]}")),
        par("events.02.day"),
        ("'02'", "write events.2.day"),
    ),
    Case(
        "list-index-in-other-digits",
        sweep(one("events.\u00b2.day", "{values: [2, 5]}")),
        par("events.\u00b2.day"),
        ("not a plain whole number",),
    ),
    Case(
        "one-item-under-two-spellings",
        sweep(
            "parameters:\n  events.2.day: {values: [2, 5]}\n"
            f"  events.02.day: {{values: [3]}}  {MARK}\n"
        ),
        par("events.02.day"),
        ("'02'", "write events.2.day"),
    ),
    Case(
        "metric-listed-twice",
        sweep(
            one(C, GOOD_RANGE, mark=False),
            tail=f"metrics:\n  - attacks_per_day\n  - attacks_per_day  {MARK}\n",
        ),
        "metrics[1]",
        ("'attacks_per_day' is listed twice",),
    ),
    Case(
        "rule-expression",
        sweep(one("rules.attack_rate.expr", "{values: ['0.1', '0.2']}")),
        par("rules.attack_rate.expr"),
        ("rule cannot be swept", "its own source", "scenario file"),
    ),
    # --- the YAML itself --------------------------------------------------------------------
    Case(
        "not-a-mapping",
        f"- design: grid  {MARK}\n- parameters: {{}}\n",
        None,
        ("mapping",),
        line_optional=True,
    ),
    Case("empty-file", "", None, ("empty",)),
    Case("comments-only-file", "# a sweep, one day\n", None, ("empty",)),
    Case(
        "invalid-yaml",
        HEAD + f"design: {{kind: grid, levels: 3  {MARK}\n" + f"parameters:  {MARK}\n"
        f"  {C}: {GOOD_RANGE}\n",
        None,
        ("invalid YAML",),
    ),
    Case(
        "duplicate-key",
        sweep(one(C, GOOD_RANGE, mark=False), head=HEAD + f"replications: 20  {MARK}\n"),
        None,
        ("duplicate key 'replications'",),
    ),
    Case(
        "duplicate-parameter",
        sweep(f"parameters:\n  {C}: {GOOD_RANGE}\n  {C}: {{range: [0.6, 1.0]}}  {MARK}\n"),
        "parameters",
        (f"duplicate key '{C}'",),
    ),
    Case(
        "yaml-alias",
        sweep(
            f"parameters:\n  {C}: &r {GOOD_RANGE}\n"
            f"  militias.asaib_ahl_al_haq.compliance: *r  {MARK}\n"
        ),
        par("militias.asaib_ahl_al_haq.compliance"),
        ("alias",),
    ),
    Case(
        "parameter-name-not-text",
        sweep(f"parameters:\n  1: {{values: [1, 2]}}  {MARK}\n"),
        "parameters.1",
        ("text|string", "quote"),
    ),
    Case(
        "python-tag",
        f"description: !!python/object/apply:os.system ['touch {{tmp}}/{PWNED}']  {MARK}\n"
        + sweep(one(C, GOOD_RANGE, mark=False)),
        None,
        ("invalid YAML|tag|not allowed",),
    ),
]

BY_ID = {c.id: c for c in CASES}
assert len(BY_ID) == len(CASES), "two cases share an id"


@dataclass
class Written:
    sweep: Path
    blame: Path
    lines: set[int]
    pwned: Path


def _write(case: Case, tmp: Path) -> Written:
    files = {**case.extra, "sweep.yaml": case.text}
    for name, text in files.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("{tmp}", str(tmp)), "utf-8")
    marked = {i + 1 for i, line in enumerate(files[case.blame].splitlines()) if line.endswith(MARK)}
    return Written(tmp / "sweep.yaml", tmp / case.blame, marked, tmp / PWNED)


def _prefixes(case: Case, w: Written) -> list[str]:
    """Every acceptable ``escsim: error: FILE[:LINE][: PATH]: `` for a case."""
    lines: list[int | None] = sorted(w.lines) if w.lines else [None]
    if case.line_optional:
        lines.append(None)
    paths = case.path if isinstance(case.path, tuple) else (case.path,)
    return [
        f"escsim: error: {w.blame}"
        + (f":{line}" if line is not None else "")
        + (f": {path}" if path is not None else "")
        + ": "
        for line in lines
        for path in paths
    ]


def _check_error(case: Case, w: Written, code: int, out: str, err: str) -> None:
    """Exit 2; one line on stderr naming file, line and key path; the reason's patterns."""
    assert code == 2, (code, out, err)
    assert "Traceback" not in err, err
    assert out == "", out
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("escsim: error: "), err
    prefixes = _prefixes(case, w)
    matched = [p for p in prefixes if err.startswith(p)]
    assert matched, f"expected the message to start with one of {prefixes}, got {err!r}"
    reason = err[len(max(matched, key=len)) :].rstrip("\n")
    assert reason, err
    for pattern in case.says:
        assert re.search(pattern, reason), f"{pattern!r} not in reason {reason!r}"
    for pattern in case.never:
        assert not re.search(pattern, reason), f"{pattern!r} in reason {reason!r}"
    assert not w.pwned.exists(), "a YAML python tag ran code"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_validate_prints_one_error_line(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = _write(case, tmp_path)
    code = main(["validate", str(w.sweep)])
    out, err = capsys.readouterr()
    _check_error(case, w, code, out, err)


# Cases that fail at each stage of loading (YAML, schema, key path, design fit, scenario
# values): `escsim sweep` refuses them like `validate` does, before touching --out.
SWEEP_CASES = [
    "replications-a-billion",
    "lhs-a-million-samples",
    "too-many-trial-days",
    "values-mix-booleans-and-text",
    "values-whole-number-beyond-64-bits",
    "float-range-on-a-whole-number-key",
    "grid-levels-between-whole-numbers",
    "list-index-with-a-leading-zero",
    "metric-listed-twice",
    "rule-expression",
    "invalid-yaml",
    "duplicate-key",
    "unknown-top-level-key",
    "unknown-base-scenario-name",
    "sobol-samples-not-power-of-2",
    "range-reversed",
    "distribution-sd-zero",
    "key-path-typo-militia-field",
    "morris-with-values",
    "grid-over-point-limit",
    "unknown-metric",
    "range-end-refused-grid",
    "yaml-alias",
]


@pytest.mark.parametrize("case_id", SWEEP_CASES)
def test_sweep_refuses_before_creating_out(
    case_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = _write(BY_ID[case_id], tmp_path)
    out_dir = tmp_path / "results"
    code = main(["sweep", str(w.sweep), "--out", str(out_dir), "--quiet"])
    out, err = capsys.readouterr()
    assert code == 2, (code, out, err)
    assert "Traceback" not in err, err
    assert out == "", out
    assert err.count("\n") == 1 and err.startswith(f"escsim: error: {w.blame}"), err
    assert not out_dir.exists(), sorted(out_dir.rglob("*"))
    # the same message as validate gives
    assert main(["validate", str(w.sweep)]) == 2
    assert capsys.readouterr().err == err


# --- huge designs: refused before anything is allocated -------------------------------------

HUGE = {
    "grid-just-over-limit": "design: {kind: grid, levels: 100001}\n",
    "grid-billion-levels": "design: {kind: grid, levels: 1000000000}\n",
    "sobol-2-to-30-samples": "design: {kind: sobol, samples: 1073741824}\n",
    "lhs-billion-samples": "design: {kind: lhs, samples: 1000000000}\n",
    "lhs-million-samples": "design: {kind: lhs, samples: 1000000}\n",
    "morris-billion-trajectories": "design: {kind: morris, trajectories: 1000000000}\n",
}


HUGE_TIMEOUT = 8  # seconds; refusing takes about 1.5 s (most of it importing)


def _limit_memory() -> None:  # pragma: no cover - runs in the child process

    cap = 3 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


@pytest.mark.skipif(sys.platform != "linux", reason="uses RLIMIT_AS")
@pytest.mark.parametrize("design", list(HUGE.values()), ids=list(HUGE))
def test_huge_design_is_refused_without_allocating_it(design: str, tmp_path: Path) -> None:
    """A design far over the point limit is refused from its size, not by building it.

    Run in a child process capped at 3 GiB and HUGE_TIMEOUT seconds, so a design that is
    built anyway fails there (a MemoryError, or a timeout) instead of exhausting the machine.
    """
    path = tmp_path / "huge.yaml"
    path.write_text(sweep(one(C, GOOD_RANGE, mark=False), design), "utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "sim", "validate", str(path)],
            capture_output=True,
            text=True,
            timeout=HUGE_TIMEOUT,
            env=env,
            cwd=REPO,
            preexec_fn=_limit_memory,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"validate still running after {HUGE_TIMEOUT} s: it builds the design")
    err = proc.stderr
    assert "Traceback" not in err, err[-2000:]
    assert proc.returncode == 2, (proc.returncode, proc.stdout, err[-2000:])
    assert err.count("\n") == 1 and err.startswith(f"escsim: error: {path}:"), err
    assert "limit" in err, err


# --- good files, and good and bad files together ---------------------------------------------

GOOD = {
    "grid": (GRID, 6),  # 3 levels x 2 values
    "lhs": (LHS, 8),
    "sobol": (SOBOL, 8 * (2 + 2)),
    "morris": (MORRIS, 4 * (2 + 1)),
}


def _good_sweep(design: str) -> str:
    second = "{values: [0.0, 0.1]}" if "grid" in design else "{range: [0.0, 0.1]}"
    return sweep(f"parameters:\n  {C}: {GOOD_RANGE}\n  {SP}: {second}\n", design)


@pytest.mark.parametrize("kind", list(GOOD))
def test_good_sweep_validates(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The control: the same shape of file as the bad cases, with nothing wrong, is ok."""
    design, points = GOOD[kind]
    path = tmp_path / "sweep.yaml"
    path.write_text(_good_sweep(design), "utf-8")
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith(f"ok: {path} (sweep sweep: {kind} design, {points} points"), out
    assert out.count("\n") == 1


def test_shipped_sweep_validates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "compliance_sobol"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith("ok: compliance_sobol (sweep compliance_sobol: sobol design"), out


@pytest.mark.parametrize("bad_first", [False, True], ids=["good-then-bad", "bad-then-good"])
def test_good_scenario_and_bad_sweep_together(
    bad_first: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every file is checked; the bad one gives the only error line, and the exit code 2."""
    good = tmp_path / "scenario.yaml"
    good.write_text("extends: qaani_visit\ndays: 30\n", "utf-8")
    bad = tmp_path / "sweep.yaml"
    bad.write_text(sweep(one(C, "{range: [1.0, 0.5]}")), "utf-8")
    files = [str(bad), str(good)] if bad_first else [str(good), str(bad)]
    assert main(["validate", *files]) == 2
    out, err = capsys.readouterr()
    assert out.count("\n") == 1 and out.startswith(f"ok: {good} (scenario scenario,"), out
    assert err.count("\n") == 1, err
    assert err.startswith(f"escsim: error: {bad}:5: {par(C)}: "), err
    assert "reversed" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("design", "head", "ok"),
    [
        ("design: {kind: lhs, samples: 100000}\n", "replications: 2\ndays: 30\n", True),
        ("design: {kind: lhs, samples: 100001}\n", "replications: 2\ndays: 30\n", False),
        ("design: {kind: lhs, samples: 1000}\n", "replications: 998000\ndays: 100\n", True),
        ("design: {kind: lhs, samples: 1000}\n", "replications: 998001\ndays: 100\n", False),
        ("design: {kind: lhs, samples: 8}\n", "replications: 1000000\ndays: 10\n", True),
        ("design: {kind: lhs, samples: 8}\n", "replications: 1000001\ndays: 10\n", False),
    ],
    ids=["points-at", "points-over", "trial-days-at", "trial-days-over", "reps-at", "reps-over"],
)
def test_limits_hold_exactly_at_their_values(
    design: str, head: str, ok: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sweep at each limit validates; one more point, trial or trial-day is refused."""
    path = tmp_path / "sweep.yaml"
    path.write_text(sweep(one(C, GOOD_RANGE, mark=False), design, "scenario: qaani_visit\n" + head))
    assert main(["validate", str(path)]) == (0 if ok else 2)
    err = capsys.readouterr().err
    assert (err == "") if ok else ("limit" in err or "at most" in err), err
