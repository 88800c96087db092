"""Loading sweep files: validation against the base scenario, and the design.

Core objects: :class:`Sweep` (a validated sweep: its spec, base scenario, design table and
hash) and :func:`load_sweep`. Everything wrong with a sweep file (an unknown key, a key path
the scenario does not have, an empty or reversed range, a design that does not fit its
parameters, a value the scenario refuses) is one :class:`~sim.core.errors.InputError` naming the
file, key path and line.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pydantic

from sim.core.errors import InputError, KeyPath, did_you_mean, format_path
from sim.core.html import head_html, table_html
from sim.core.paths import scenarios_dir, shipped_file, sweeps_dir
from sim.core.types import SeedLike
from sim.core.yamlio import LineMap, line_of, read_yaml
from sim.scenario.keypaths import split_key_path, walk_key_path
from sim.scenario.loader import Scenario, load_scenario, resolve_ref
from sim.scenario.vocabulary import metric_names
from sim.sweeps.design import build_design, design_size
from sim.sweeps.spec import (
    MAX_POINTS,
    Distribution,
    GridDesign,
    LhsDesign,
    MorrisDesign,
    Parameter,
    SobolDesign,
    SweepSpec,
)


@dataclass(frozen=True)
class Sweep:
    """A validated sweep, ready to run.

    Attributes:
        spec: The sweep file's values.
        scenario: The base scenario.
        design: One row per point, one column per parameter (named as in the file).
        targets: Parameter -> the dotted key path it sets in the scenario (``params.x``
            becomes ``params.x.value``).
        file: The sweep file.
    """

    spec: SweepSpec
    scenario: Scenario
    design: pd.DataFrame
    targets: dict[str, str]
    file: str

    @property
    def name(self) -> str:
        """The sweep's name."""
        return self.spec.name

    @property
    def days(self) -> int:
        """Days per trial."""
        return self.spec.days or self.scenario.spec.days

    @property
    def metrics(self) -> list[str]:
        """The metrics recorded at each point."""
        return self.spec.metrics or metric_names(list(self.scenario.spec.militias))

    @property
    def hash(self) -> str:
        """SHA-256 of everything that decides the results (not the name or description)."""
        identity = {
            "scenario": self.scenario.hash,
            "days": self.days,
            "replications": self.spec.replications,
            "seed": self.spec.seed,
            "common_random_numbers": self.spec.common_random_numbers,
            "metrics": self.metrics,
            "targets": self.targets,
            "design": {c: self.design[c].tolist() for c in self.design},
        }
        return hashlib.sha256(json.dumps(identity).encode()).hexdigest()

    def changes(self, point: int) -> dict[str, Any]:
        """The scenario values a point sets: ``{dotted key path: value}``."""
        row = self.design.iloc[point]
        return {self.targets[name]: _plain(row[name]) for name in self.design.columns}

    def seed(self, point: int) -> SeedLike:
        """The root seed of a point: the sweep's (common random numbers) or its own."""
        return self.spec.seed if self.spec.common_random_numbers else [self.spec.seed, point]

    def _repr_html_(self) -> str:
        """The design as an HTML table, for Jupyter."""
        facts = [
            f"{self.spec.design.kind} design",
            f"{len(self.design):,} points",
            f"{self.spec.replications:,} trials each",
            f"{self.days} days",
            f"base {self.scenario.name}",
            f"seed {self.spec.seed}",
        ]
        return head_html(f"sweep {self.name}", facts) + table_html(self.design)

    def __repr__(self) -> str:
        """Name, design, size."""
        return (
            f"Sweep({self.name!r}, design={self.spec.design.kind!r}, points={len(self.design)}, "
            f"replications={self.spec.replications}, scenario={self.scenario.name!r})"
        )


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def is_sweep_file(ref: str | Path) -> bool:
    """Whether ``ref`` names a sweep file (a mapping with ``design`` or ``parameters``)."""
    try:
        path = _sweep_path(ref)
    except InputError:
        return False
    if not path.is_file():
        return False
    try:
        data, _ = read_yaml(path)
    except InputError:
        return False
    return isinstance(data, dict) and ("design" in data or "parameters" in data)


def list_sweeps() -> dict[str, str]:
    """The shipped sweeps (``scenarios/sweeps/``): name to description."""
    out: dict[str, str] = {}
    for path in sorted(sweeps_dir().glob("*.yaml")):
        data, _ = read_yaml(path)
        text = str(data.get("description", "")) if isinstance(data, dict) else ""
        out[path.stem] = text.strip().split("\n")[0]
    return out


def _sweep_path(ref: str | Path) -> Path:
    """A path as given, or a shipped sweep's file (an InputError naming the shipped ones)."""
    try:
        return shipped_file(ref, sweeps_dir(), "sweep")
    except InputError as exc:
        text = str(ref)
        if not (scenarios_dir() / f"{text}.yaml").is_file():
            raise
        names = ", ".join(sorted(list_sweeps()))
        hint = f" ({text!r} is a scenario: escsim run {text})"
        raise InputError(f"no shipped sweep named {text!r}{hint}; shipped: {names}") from exc


def load_sweep(ref: str | Path | Sweep) -> Sweep:
    """Load and validate a sweep file, and build its design.

    Args:
        ref: A path, the name of a shipped sweep (``scenarios/sweeps/NAME.yaml``), or a
            loaded :class:`Sweep` (returned as is).

    Raises:
        InputError: Anything wrong with the file, with its key path and line.
    """
    if isinstance(ref, Sweep):
        return ref
    path = _sweep_path(ref)
    file = str(path)
    raw, lines = read_yaml(path)
    if not isinstance(raw, dict):
        raise InputError("a sweep file must be a mapping of keys to values", file=file, line=1)
    raw.setdefault("name", path.stem)
    spec = _validate(raw, lines, file)

    def fail(reason: str, where: KeyPath) -> InputError:
        return InputError(reason, file=file, path=where, line=line_of(lines, where))

    try:
        base = resolve_ref(spec.scenario, path.parent)
    except InputError as exc:  # an unknown shipped name
        raise fail(exc.reason, ["scenario"]) from None
    if not base.is_file():
        raise fail(f"{spec.scenario!r}: file not found ({base})", ["scenario"])
    scenario = load_scenario(base)
    targets = {name: _target(scenario, name, p.kind, fail) for name, p in spec.parameters.items()}
    for name, target in targets.items():
        if list(targets.values()).count(target) > 1:
            raise fail(f"sets {target} twice, under two names", ["parameters", name])
    _check_fit(spec, fail)
    known = metric_names(list(scenario.spec.militias))
    for i, metric in enumerate(spec.metrics or []):
        if metric not in known:
            raise fail(f"unknown metric {metric!r}{did_you_mean(metric, known)}", ["metrics", i])
    design = build_design(spec)
    sweep = Sweep(spec=spec, scenario=scenario, design=design, targets=targets, file=file)
    _check_values(sweep, fail)
    return sweep


def _validate(raw: dict[str, Any], lines: LineMap, file: str) -> SweepSpec:
    try:
        return SweepSpec.model_validate(raw)
    except pydantic.ValidationError as exc:
        errors = exc.errors()
        err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        loc = list(err["loc"])
        if loc[:1] == ["design"] and len(loc) > 1:  # drop the union's tag
            loc = [loc[0], *loc[2:]]
        if err["type"] == "extra_forbidden":
            key = str(loc[-1])
            reason = f"unknown key {key!r}{did_you_mean(key, _fields(loc[:-1], raw))}"
        elif err["type"] == "missing":
            reason = f"missing required key {loc[-1]!r}"
        else:
            reason = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] != "value_error" and "input" in err:
                reason += f" (got {err['input']!r})"[:80]
        raise InputError(reason, file=file, path=loc, line=line_of(lines, loc)) from None


def _fields(loc: list[Any], raw: dict[str, Any]) -> list[str]:
    """The keys allowed at ``loc`` (for a did-you-mean)."""
    if not loc:
        return list(SweepSpec.model_fields)
    if loc == ["design"]:
        kind = raw.get("design", {}).get("kind") if isinstance(raw.get("design"), dict) else None
        models: dict[str, type[pydantic.BaseModel]] = {
            "grid": GridDesign,
            "lhs": LhsDesign,
            "sobol": SobolDesign,
        }
        return list(models.get(str(kind), MorrisDesign).model_fields)
    if loc[0] == "parameters" and len(loc) == 2:
        return list(Parameter.model_fields)
    if loc[0] == "parameters" and loc[-1] == "distribution":
        return list(Distribution.model_fields)
    return []


def _target(scenario: Scenario, name: str, kind: str, fail: Any) -> str:
    """The full key path a parameter sets, checked against the scenario."""
    where = ["parameters", name]
    parts = split_key_path(name)
    try:
        node = walk_key_path(scenario.data, parts, scenario.files[0])
    except InputError as exc:
        raise fail(
            f"scenario {scenario.name!r} has no {format_path(exc.path)}: {exc.reason}", where
        ) from None
    if "source" in parts:
        raise fail("a source is a citation, not a parameter", where)
    if parts == ["days"]:
        raise fail("the horizon is the sweep's own 'days' key, not a parameter", where)
    if isinstance(node, dict) and "value" in node:
        node, name = node["value"], f"{name}.value"
    if isinstance(node, dict | list):
        raise fail("this key path names a mapping or list; name a single value in it", where)
    numeric = isinstance(node, int | float) and not isinstance(node, bool)
    if kind != "values" and not numeric:
        raise fail(f"a {kind} needs a numeric value; this one is {node!r}", where)
    return name


def _check_fit(spec: SweepSpec, fail: Any) -> None:
    """A design that does not fit its parameters."""
    design = spec.design
    for name, p in spec.parameters.items():
        where = ["parameters", name]
        if isinstance(design, GridDesign) and p.kind == "distribution":
            raise fail(
                "a grid takes values or a range, not a distribution (sample it with "
                "design kind lhs or sobol)",
                where,
            )
        if isinstance(design, GridDesign) and p.kind == "range" and design.levels is None:
            raise fail("a grid needs design.levels to spread a range over", where)
        if isinstance(design, MorrisDesign) and p.kind != "range":
            raise fail(f"a Morris design needs a range, not {p.kind}", where)
        if isinstance(design, MorrisDesign) and p.integer and p.range is not None:
            lo, hi = math.ceil(p.range[0]), math.floor(p.range[1])
            if hi - lo + 1 < design.levels:
                raise fail(
                    f"a whole-number range needs at least {design.levels} whole numbers for "
                    f"{design.levels} Morris levels (it has {hi - lo + 1}), or some steps "
                    "would change nothing",
                    where,
                )
    if (n := design_size(spec)) > MAX_POINTS:
        raise fail(
            f"a {design.kind} design of {n:,} points is over the limit of {MAX_POINTS:,}",
            ["design"],
        )


def _check_values(sweep: Sweep, fail: Any) -> None:
    """Each listed value, a range's ends, a distribution's sampled extremes: valid alone."""
    for name in sweep.design.columns:
        p, col = sweep.spec.parameters[name], sweep.design[name]
        if p.values is not None:
            values = list(p.values)
        elif p.range is not None and not p.integer:
            values = list(p.range)  # the declared ends, which samples may not reach
        else:  # whole numbers, distributions: the values the design holds
            values = [col.min(), col.max()]
        for value in values:
            try:
                sweep.scenario.patched({sweep.targets[name]: _plain(value)})
            except InputError as exc:
                raise fail(f"at {_plain(value)!r}: {exc.reason}", ["parameters", name]) from None
