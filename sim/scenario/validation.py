"""Validating a merged scenario: one sentence for what is wrong, blamed on the file that did it.

Core objects: :func:`validate_spec` (pydantic's first error as one sentence, then the checks
across sections), :func:`compile_rules` and :class:`Blame` (where each key path came from in
an ``extends:`` chain: an error caused by a child's change, such as a removed group or
parameter, names the child and the line of that change, not the parent's value it broke).
"""

from __future__ import annotations

import math
import re
import typing
from collections.abc import Sequence
from typing import Any

import pydantic

from sim.core.checks import MAX_DAYS
from sim.core.errors import InputError, KeyPath, did_you_mean, format_path
from sim.scenario.chain import Origins
from sim.scenario.expr import FUNCTIONS, Expr, ExprError, compile_expr
from sim.scenario.schema import MAX_CASUALTIES, UNIT_BOUNDS, ScenarioSpec, TheaterName
from sim.scenario.uncertainty import support
from sim.scenario.vocabulary import GLOBAL_VARS, MILITIA_VARS, MODEL_PARAMS, RULES

#: day counts the model holds as whole numbers, and their least values (the most: MAX_DAYS)
WHOLE_DAYS = {
    "directive_delay_min": 1,  # a directive comes on a later day than its trigger
    "directive_delay_max": 1,
    "directive_days": 1,
    "comply_lag_max": 0,
    "iraq_request_days": 1,
    "deliberation_days": 1,  # a response is prepared over days, not on the day of the deaths
    "iran_response_days": 1,
}
#: caps on the people hurt in one attack, at most MAX_CASUALTIES
CASUALTY_CAPS = ("killed_max", "wounded_max")
#: Pareto tail indices, above 0 (the model divides by them)
TAILS = ("killed_tail", "wounded_tail")

_EXPECTED = {
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "string_type": "text",
    "list_type": "a list",
}
_NOUNS = {"theaters": "theater", "theater": "theater", "kind": "event kind"}


class Blame:
    """Where each key path of a merged scenario came from: the file and line to blame."""

    def __init__(self, origins: Origins, files: tuple[str, ...]) -> None:
        """Index the origins of a chain; ``files`` leaf first."""
        self.origins, self.files = origins, files

    def where(self, path: KeyPath) -> tuple[str, int | None]:
        """The file and line of ``path``, or of its nearest ancestor with one."""
        key = tuple(path)
        while key not in self.origins and key:
            key = key[:-1]
        return self.origins.get(key, (self.files[0], None))

    def rank(self, path: KeyPath) -> int:
        """How far from the leaf the file of ``path`` is: 0 for the leaf.

        -1 for a change set on top of the chain (``--set``, a sweep point): nearer still.
        """
        file = self.where(path)[0]
        return self.files.index(file) if file in self.files else -1

    def named(self, path: KeyPath) -> bool:
        """Whether some file of the chain names ``path`` itself (deleting it, perhaps)."""
        return tuple(path) in self.origins

    def place(self, path: KeyPath) -> str:
        """``file:line`` of ``path``, for a message that points at a second place."""
        file, line = self.where(path)
        return f"{file}:{line}" if line is not None else file

    def fail(self, reason: str, path: KeyPath) -> InputError:
        """An InputError at ``path``, in the file and line it came from."""
        file, line = self.where(path)
        return InputError(reason, file=file, path=path, line=line)


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except ValueError:  # an int too long to print
        text = f"a number of {int(value).bit_length()} bits"
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


def _got(value: Any) -> str:
    """A value as a message shows it: ``true (a boolean)``, ``text '90'``, ``2.5``."""
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str):
        return f"text {_short(value)}"
    if isinstance(value, int | float):
        return _short(value)
    return f"{type(value).__name__} {_short(value)}"


def _mapping_reason(err: Any, loc: Sequence[str | int]) -> str:
    fields = _fields_at(loc)
    keys = f" with keys {', '.join(fields)}" if fields else ""
    value = err.get("input")
    reason = f"expected a mapping{keys}, got {type(value).__name__}"
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and len(loc) == 2 and loc[0] in ("params", "drivers"):
        reason += f": write {{value: {_short(value)}}}; a patch may give value alone"
    return reason


def _literal_reason(err: Any, loc: list[str | int]) -> tuple[str, list[str | int]]:
    expected = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
    value = err.get("input")
    if loc[-1:] == ["[key]"]:  # a mapping's key: theaters.irak.[key]
        loc = loc[:-1]
        field = str(loc[-2]) if len(loc) >= 2 else "key"
    else:
        field = str(loc[-1]) if loc else "value"
    noun = _NOUNS.get(field, field)
    hint = did_you_mean(str(value), expected)
    return f"unknown {noun} {_short(value)}{hint}; one of: {', '.join(expected)}", loc


def _reason(exc: pydantic.ValidationError) -> tuple[str, list[str | int]]:
    """Pydantic's first error (an unknown key first: often the cause) as one sentence."""
    errors = exc.errors()
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc: list[str | int] = [p for p in err["loc"] if p not in ("function-after",)]
    kind = err["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        return f"unknown key {key!r}{did_you_mean(key, _fields_at(loc[:-1]))}", loc
    if kind == "missing":
        return f"missing required key {loc[-1]!r}", loc
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return _mapping_reason(err, loc), loc
    if kind == "literal_error":
        return _literal_reason(err, loc)
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {_got(err.get('input'))}", loc
    reason = err["msg"].removeprefix("Value error, ")
    if kind != "value_error" and "input" in err:
        reason += f" (got {_short(err['input'])})"
    return reason, loc


def validate_spec(data: dict[str, Any], blame: Blame) -> ScenarioSpec:
    """Validate merged data: the schema, then the checks across its sections.

    Raises:
        InputError: The first problem, at the file and line that caused it.
    """
    try:
        spec = ScenarioSpec.model_validate(data)
    except pydantic.ValidationError as exc:
        reason, loc = _reason(exc)
        raise blame.fail(reason + _inherited(reason, loc, blame), loc) from None
    _check_names(spec, blame)
    _check_params(spec, blame)
    _check_schedule_and_events(spec, blame)
    return spec


def _inherited(reason: str, loc: KeyPath, blame: Blame) -> str:
    """Advice when a file changed a value but not the uncertainty a parent declared about it.

    A value set as ``{value: X}`` keeps the parent's uncertainty, which may not hold X.
    """
    if not (reason.endswith(" lies") and " is outside [" in reason and len(loc) == 2):
        return ""
    if loc[0] not in ("params", "drivers", "militias"):
        return ""
    number = [*loc, reason.split(":", 1)[0]] if loc[0] == "militias" else list(loc)
    declared = [*number, "uncertainty"]
    if blame.where(declared)[0] == blame.where([*number, "value"])[0]:
        return ""
    return (
        f" (the uncertainty is inherited from {blame.place(declared)}: give the value its own "
        "uncertainty, or uncertainty: null)"
    )


def _check_names(spec: ScenarioSpec, blame: Blame) -> None:
    reserved = set(GLOBAL_VARS) | set(MILITIA_VARS) | set(FUNCTIONS)
    for section in ("params", "drivers"):
        for name in getattr(spec, section):
            if name in reserved:
                raise blame.fail(f"{name!r} is a state variable or function name", [section, name])
    for name in sorted(set(spec.params) & set(spec.drivers)):
        paths = (["params", name], ["drivers", name])
        raise blame.fail(f"{name!r} is both a driver and a parameter", min(paths, key=blame.rank))
    for name, (unit, meaning) in MODEL_PARAMS.items():
        if name not in spec.params:
            removed = "; this file removes it" if blame.named(["params", name]) else ""
            raise blame.fail(
                f"missing model parameter {name!r} ({meaning}){removed}", ["params", name]
            )
        if spec.params[name].unit != unit:
            raise blame.fail(f"unit must be {unit!r}", ["params", name, "unit"])
    theaters = typing.get_args(TheaterName)
    for name in theaters:
        if name not in spec.theaters:  # rules read the troops of each (troops_iraq, ...)
            removed = "; this file removes it" if blame.named(["theaters", name]) else ""
            raise blame.fail(
                f"missing theater {name!r} (every theater is required: {', '.join(theaters)})"
                f"{removed}",
                ["theaters", name],
            )


def _check_params(spec: ScenarioSpec, blame: Blame) -> None:
    """Model parameters the model holds as whole numbers or divides by: their real bounds."""
    for name, low in WHOLE_DAYS.items():
        value = spec.params[name].value
        if value != int(value) or not low <= value <= MAX_DAYS:
            raise blame.fail(
                f"must be a whole number of days from {low} to {MAX_DAYS:,}, got {value:g}",
                ["params", name, "value"],
            )
    for name in CASUALTY_CAPS:
        value = spec.params[name].value
        if value > MAX_CASUALTIES:
            raise blame.fail(
                f"a cap on the people hurt in one attack must be from 0 to {MAX_CASUALTIES:,}, "
                f"got {value:g}",
                ["params", name, "value"],
            )
    for name in TAILS:
        value = spec.params[name].value
        if not value > 0:
            raise blame.fail(
                f"a Pareto tail index must be above 0 (valid range: (0, inf)), got {value:g}",
                ["params", name, "value"],
            )
    _check_whole_draws(spec, blame)
    if spec.params["directive_delay_min"].value > spec.params["directive_delay_max"].value:
        raise blame.fail("directive_delay_min is above directive_delay_max", ["params"])
    early, late = (
        _whole_range(spec, "directive_delay_min"),
        _whole_range(spec, "directive_delay_max"),
    )
    if early[1] > late[0]:
        raise blame.fail(
            f"directive_delay_min may draw {early[1]:g} and directive_delay_max {late[0]:g}: "
            "their uncertainties must not overlap (the minimum would pass the maximum)",
            ["params"],
        )


def _whole_range(spec: ScenarioSpec, name: str) -> tuple[float, float]:
    """The least and greatest whole number a whole-day parameter may take in a trial."""
    p = spec.params[name]
    if p.uncertainty is None:
        return p.value, p.value
    lo, hi = support(p.uncertainty)
    return math.floor(lo + 0.5), math.floor(hi + 0.5)


def _check_whole_draws(spec: ScenarioSpec, blame: Blame) -> None:
    """A whole-day parameter's draws, rounded, stay in its range."""
    for name, low in WHOLE_DAYS.items():
        lo, hi = _whole_range(spec, name)
        if lo < low or hi > MAX_DAYS:
            raise blame.fail(
                f"its uncertainty draws, rounded to whole days, reach {lo:g} to {hi:g}: "
                f"they must stay from {low} to {MAX_DAYS:,}",
                ["params", name, "uncertainty"],
            )


def _check_schedule_and_events(spec: ScenarioSpec, blame: Blame) -> None:
    for i, entry in enumerate(spec.schedule):
        for key, value in entry.set.items():
            where: list[str | int] = ["schedule", i, "set", key]
            if key not in spec.drivers:
                raise _removed(key, ["drivers", key], where, blame) or blame.fail(
                    f"unknown driver {key!r}{did_you_mean(key, spec.drivers)}", where
                )
            lo, hi = UNIT_BOUNDS[spec.drivers[key].unit]
            if not lo <= value <= hi:
                unit = spec.drivers[key].unit
                raise blame.fail(
                    f"{key} is a {unit}: must be in [{lo:g}, {hi:g}], got {value:g}", where
                )
    for i, event in enumerate(spec.events):
        group = event.militia
        if group is None or group in spec.militias:
            continue
        named: list[str | int] = ["events", i, "militia"]
        raise _removed(group, ["militias", group], named, blame, ": replace events too") or (
            blame.fail(f"unknown militia {group!r}{did_you_mean(group, spec.militias)}", named)
        )


def compile_rules(spec: ScenarioSpec, blame: Blame) -> dict[str, Expr]:
    """Compile every rule against the names its context may read.

    Raises:
        InputError: A rule does not compile, or a global rule reads a militia variable.
    """
    global_names = set(GLOBAL_VARS) | set(spec.drivers) | set(spec.params)
    rules: dict[str, Expr] = {}
    militia_rules = ", ".join(n for n, (c, _, _) in RULES.items() if c == "militia")
    for name, (context, _kind, _meaning) in RULES.items():
        where = ["rules", name, "expr"]
        try:
            expr = compile_expr(getattr(spec.rules, name).expr, global_names | set(MILITIA_VARS))
        except ExprError as exc:
            raise _removed_name(exc, where, blame) or blame.fail(str(exc), where) from None
        misplaced = sorted(expr.names & set(MILITIA_VARS)) if context == "global" else []
        if misplaced:
            raise blame.fail(
                f"{misplaced[0]!r} is a militia variable: only the militia rules "
                f"({militia_rules}) can read it",
                where,
            )
        rules[name] = expr
    return rules


def _removed_name(exc: ExprError, where: KeyPath, blame: Blame) -> InputError | None:
    """A rule reads a parameter or driver that a later file removed: blame that file."""
    if exc.unknown is None:
        return None
    for section in ("params", "drivers"):
        if error := _removed(exc.unknown, [section, exc.unknown], where, blame):
            return error
    return None


def _removed(
    name: str, removal: KeyPath, user: KeyPath, blame: Blame, advice: str = ""
) -> InputError | None:
    """The error for ``user`` naming what a file nearer the leaf removed, at that removal.

    None when nothing removed it there (a misspelling, say, or a removal in the same file
    as the use, whose own line is the one to show).
    """
    if not (blame.named(removal) and blame.rank(removal) < blame.rank(user)):
        return None
    return blame.fail(
        f"{name!r} is removed here, but {format_path(user)} still names it "
        f"({blame.place(user)}){advice}",
        removal,
    )
