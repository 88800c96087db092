"""Loading scenarios: ``extends:`` chains, validation and rule compilation.

Core objects: :class:`Scenario` (a validated spec with its compiled rules) and
:func:`load_scenario`. A scenario is a named patch over another (Covasim-style): its file
names a parent with ``extends:`` and overrides any value; mappings merge key by key, lists
are replaced whole, and ``null`` deletes a key (a militia, say). Every default lives in
``scenarios/base.yaml`` with its source.
"""

from __future__ import annotations

import copy
import hashlib
import json
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic

from sim.core.errors import InputError, KeyPath, did_you_mean
from sim.core.paths import scenarios_dir, shipped_file
from sim.core.yamlio import read_yaml
from sim.scenario.expr import FUNCTIONS, Expr, ExprError, compile_expr
from sim.scenario.keypaths import split_key_path, walk_key_path
from sim.scenario.schema import UNIT_BOUNDS, ScenarioSpec
from sim.scenario.vocabulary import GLOBAL_VARS, MILITIA_VARS, MODEL_PARAMS, RULES

#: day counts the model uses as whole numbers, and their least values
WHOLE_DAYS = {
    "directive_delay_min": 1,  # a directive comes on a later day than its trigger
    "directive_delay_max": 1,
    "directive_days": 1,
    "comply_lag_max": 0,
    "iraq_request_days": 1,
}

Origins = dict[tuple[str | int, ...], tuple[str, int]]


@dataclass(frozen=True)
class Scenario:
    """A validated scenario, ready to run.

    Attributes:
        spec: The resolved, validated values.
        rules: Each rule compiled to a vectorized expression.
        files: The chain of files it was read from, leaf first.
        data: The resolved data as plain dicts (what ``hash`` is taken of).
    """

    spec: ScenarioSpec
    rules: dict[str, Expr]
    files: tuple[str, ...]
    data: dict[str, Any]

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.spec.name

    @property
    def hash(self) -> str:
        """SHA-256 of the resolved scenario as JSON: equal hashes, equal models.

        Keys keep their order: the order of militias matters to the model (U.S. targeting
        walks them in order), so two files listing them differently hash differently.
        """
        text = json.dumps(self.data, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickle as the resolved data (compiled rules are closures): for worker processes."""
        return (_rebuild, (self.data, self.files))

    def __repr__(self) -> str:
        """A short repr: name, files and hash, not the whole spec."""
        return f"Scenario({self.name!r}, files={list(self.files)!r}, hash={self.hash[:12]!r})"

    def patched(self, changes: Mapping[str, Any]) -> Scenario:
        """Return a copy with values replaced by dotted key path.

        Args:
            changes: ``{"militias.kataib_hezbollah.compliance": 0.5, "events.2.day": 3}``;
                a whole-number part indexes a list.

        Raises:
            InputError: A key path does not exist, or the new value is invalid.
        """
        data = copy.deepcopy(self.data)
        for dotted, value in changes.items():
            parts = split_key_path(dotted)
            parent = walk_key_path(data, parts[:-1], self.files[0])
            walk_key_path(parent, parts[-1:], self.files[0], prefix=parts[:-1])
            parent[parts[-1]] = value
        return _build(data, {}, self.files)


def _rebuild(data: dict[str, Any], files: tuple[str, ...]) -> Scenario:
    return _build(data, {}, files)


def list_scenarios() -> dict[str, str]:
    """The shipped scenarios: name to description (``base`` is the defaults, not listed)."""
    out: dict[str, str] = {}
    for path in sorted(scenarios_dir().glob("*.yaml")):
        if path.stem != "base":
            out[path.stem] = load_scenario(path).spec.description.strip().split("\n")[0]
    return out


def resolve_ref(ref: str | Path, relative_to: Path | None = None) -> Path:
    """Turn a scenario reference (a shipped name or a path) into a file path."""
    return shipped_file(ref, scenarios_dir(), "scenario", relative_to)


def load_scenario(ref: str | Path | Scenario) -> Scenario:
    """Load, merge, validate and compile a scenario.

    Args:
        ref: A shipped scenario's name (``"qaani_visit"``), a path to a YAML file, or an
            already loaded :class:`Scenario` (returned as is).

    Raises:
        InputError: Anything wrong with the file or the chain it extends, with the file,
            key path and line.
    """
    if isinstance(ref, Scenario):
        return ref
    path = resolve_ref(ref)
    data, origins, files = _read_chain(path, ())
    data.setdefault("name", path.stem)
    return _build(data, origins, files)


def _read_chain(
    path: Path, seen: tuple[Path, ...]
) -> tuple[dict[str, Any], Origins, tuple[str, ...]]:
    raw, lines = read_yaml(path)
    file = str(path)
    if not isinstance(raw, dict):
        raise InputError("a scenario file must be a mapping of keys to values", file=file, line=1)
    origins: Origins = {key: (file, line) for key, line in lines.items()}
    parent = raw.pop("extends", None)
    if parent is None:
        return raw, origins, (file,)
    if not isinstance(parent, str):
        raise InputError(
            "extends must be a scenario name or path",
            file=file,
            path=["extends"],
            line=lines.get(("extends",)),
        )
    if "name" not in raw:
        raw["name"] = path.stem
    where = {"file": file, "path": ["extends"], "line": lines.get(("extends",))}
    try:
        parent_path = resolve_ref(parent, path.parent).resolve()
    except InputError as exc:
        raise InputError(exc.reason, **where) from None  # type: ignore[arg-type]
    if not parent_path.is_file():
        raise InputError(f"{parent!r}: file not found ({parent_path})", **where)  # type: ignore[arg-type]
    chain = (*seen, path.resolve())
    if parent_path in chain:
        cycle = " -> ".join(p.name for p in (*chain, parent_path))
        raise InputError(
            f"cycle of extends: {cycle}", file=file, path=["extends"], line=lines.get(("extends",))
        )
    _check_rule_overrides(raw, lines, file)
    base, base_origins, files = _read_chain(parent_path, chain)
    for key in lines:  # what the child replaces whole, it answers for whole
        if key[:1] == ("extends",):
            continue
        value = _get(raw, key)
        if not isinstance(value, dict) or key[-1:] == ("source",):
            n = len(key)
            for old in [k for k in base_origins if k[:n] == key]:
                del base_origins[old]
    base_origins.update(origins)
    return _merge(base, raw), base_origins, (file, *files)


def _get(data: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _check_rule_overrides(raw: dict[str, Any], lines: Any, file: str) -> None:
    """A file that changes a rule's expression must give that rule's source too."""
    rules = raw.get("rules")
    if not isinstance(rules, dict):
        return
    for name, rule in rules.items():
        if name in RULES and isinstance(rule, dict) and "expr" in rule and "source" not in rule:
            raise InputError(
                "a rule whose expr is changed needs its own source (a quote from seeds/ "
                "or a calibration row): the parent's no longer describes it",
                file=file,
                path=["rules", name],
                line=lines.get(("rules", name)),
            )


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if value is None:
            out.pop(key, None)
        elif key == "source":  # a source is replaced whole: citations never mix
            out[key] = value
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fields_at(loc: KeyPath) -> list[str]:
    """The keys allowed in the mapping at ``loc`` of a ScenarioSpec."""
    tp: Any = ScenarioSpec
    for part in loc:
        if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel):
            field = tp.model_fields.get(str(part))
            if field is None:
                return []
            tp = field.annotation
        else:
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = args[-1] if args else None
        while typing.get_origin(tp) in (typing.Union, typing.Annotated) or (
            type(tp).__name__ == "UnionType"
        ):
            tp = next(a for a in typing.get_args(tp) if a is not type(None))
    if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel):
        return list(tp.model_fields)
    return []


def _locate(origins: Origins, path: KeyPath, files: tuple[str, ...]) -> tuple[str, int | None]:
    key = tuple(path)
    while key not in origins and key:
        key = key[:-1]
    if key in origins:
        return origins[key]
    return files[0], None


def _build(data: dict[str, Any], origins: Origins, files: tuple[str, ...]) -> Scenario:
    def fail(reason: str, path: KeyPath) -> InputError:
        file, line = _locate(origins, path, files)
        return InputError(reason, file=file, path=path, line=line)

    try:
        spec = ScenarioSpec.model_validate(data)
    except pydantic.ValidationError as exc:
        errors = exc.errors()
        # an unknown key is usually a typo, and often the cause of a "missing" one: say it first
        err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        loc = [p for p in err["loc"] if p not in ("function-after",)]
        if err["type"] == "extra_forbidden":
            key = str(loc[-1])
            reason = f"unknown key {key!r}{did_you_mean(key, _fields_at(loc[:-1]))}"
        elif err["type"] == "missing":
            reason = f"missing required key {loc[-1]!r}"
        elif err["type"] in ("model_type", "dict_type", "model_attributes_type"):
            fields = _fields_at(loc)
            keys = f" with keys {', '.join(fields)}" if fields else ""
            reason = f"expected a mapping{keys}, got {type(err.get('input')).__name__}"
        else:
            reason = err["msg"].removeprefix("Value error, ")
            if err["type"] not in ("value_error",) and "input" in err:
                reason += f" (got {_short(err['input'])})"
        raise fail(reason, loc) from None
    _cross_check(spec, fail)
    rules = _compile_rules(spec, fail)
    return Scenario(spec=spec, rules=rules, files=files, data=data)


def _cross_check(spec: ScenarioSpec, fail: typing.Callable[[str, KeyPath], InputError]) -> None:
    reserved = set(GLOBAL_VARS) | set(MILITIA_VARS) | set(FUNCTIONS)
    for section in ("params", "drivers"):
        for name in getattr(spec, section):
            if name in reserved:
                raise fail(f"{name!r} is a state variable or function name", [section, name])
    for name in set(spec.params) & set(spec.drivers):
        raise fail(f"{name!r} is both a driver and a parameter", ["drivers", name])
    for name, (unit, meaning) in MODEL_PARAMS.items():
        if name not in spec.params:
            raise fail(f"missing model parameter {name!r} ({meaning})", ["params"])
        if spec.params[name].unit != unit:
            raise fail(f"unit must be {unit!r}", ["params", name, "unit"])
    for name, low in WHOLE_DAYS.items():
        value = spec.params[name].value
        if value != int(value) or value < low:
            raise fail(f"must be a whole number of days, at least {low}", ["params", name, "value"])
    if spec.params["directive_delay_min"].value > spec.params["directive_delay_max"].value:
        raise fail("directive_delay_min is above directive_delay_max", ["params"])
    for i, entry in enumerate(spec.schedule):
        for key, value in entry.set.items():
            if key in spec.drivers:
                lo, hi = UNIT_BOUNDS[spec.drivers[key].unit]
                if not lo <= value <= hi:
                    raise fail(
                        f"{key} is a {spec.drivers[key].unit}: must be in [{lo:g}, {hi:g}], "
                        f"got {value:g}",
                        ["schedule", i, "set", key],
                    )
            if key not in spec.drivers:
                raise fail(
                    f"unknown driver {key!r}{did_you_mean(key, spec.drivers)}",
                    ["schedule", i, "set", key],
                )
    for i, event in enumerate(spec.events):
        if event.militia is not None and event.militia not in spec.militias:
            raise fail(
                f"unknown militia {event.militia!r}{did_you_mean(event.militia, spec.militias)}",
                ["events", i, "militia"],
            )


def _compile_rules(
    spec: ScenarioSpec, fail: typing.Callable[[str, KeyPath], InputError]
) -> dict[str, Expr]:
    global_names = set(GLOBAL_VARS) | set(spec.drivers) | set(spec.params)
    rules: dict[str, Expr] = {}
    militia_rules = ", ".join(n for n, (c, _, _) in RULES.items() if c == "militia")
    for name, (context, _kind, _meaning) in RULES.items():
        try:
            expr = compile_expr(getattr(spec.rules, name).expr, global_names | set(MILITIA_VARS))
        except ExprError as exc:
            raise fail(str(exc), ["rules", name, "expr"]) from None
        misplaced = sorted(expr.names & set(MILITIA_VARS)) if context == "global" else []
        if misplaced:
            raise fail(
                f"{misplaced[0]!r} is a militia variable: only the militia rules "
                f"({militia_rules}) can read it",
                ["rules", name, "expr"],
            )
        rules[name] = expr
    return rules
