"""The base of every pydantic schema of the project's files, and its errors as one sentence.

Core objects: :class:`Strict`, a frozen model that refuses unknown keys, NaN and infinities,
and :func:`first_error`, pydantic's first error as an :class:`~sim.core.errors.InputError` at
its key path and line. Scenario files (:mod:`sim.scenario.schema`), sweep files
(:mod:`sim.sweeps.spec`) and calibration files (:mod:`sim.calibration.spec`) build on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict

from sim.core.errors import InputError, did_you_mean
from sim.core.yamlio import LineMap, line_of

#: the keys allowed at a key path (for a did-you-mean)
Fields = Callable[[list[Any]], list[str]]


class Strict(BaseModel):
    """A part of a scenario or sweep file: unknown keys, NaN and infinities are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True, strict=False)


def first_error(
    exc: pydantic.ValidationError,
    file: str,
    lines: LineMap,
    fields: Fields = lambda loc: [],
    shown: Callable[[Any], str] = repr,
    where: Callable[[list[Any]], list[Any]] = lambda loc: loc,
) -> InputError:
    """Pydantic's first error (an unknown key before any other) as one InputError.

    Args:
        exc: What pydantic raised.
        file: The file validated.
        lines: Its key paths' lines.
        fields: The keys allowed at a key path, for a did-you-mean on an unknown key.
        shown: How a refused value is written in the message.
        where: The key path to blame, from pydantic's (to drop a union's tag, say).
    """
    errors = exc.errors()
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = where(list(err["loc"]))
    if err["type"] == "extra_forbidden":
        key = str(loc[-1])
        reason = f"unknown key {key!r}{did_you_mean(key, fields(loc[:-1]))}"
    elif err["type"] == "missing":
        reason = f"missing required key {loc[-1]!r}"
    else:
        reason = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] != "value_error" and "input" in err:
            reason += f" (got {shown(err['input'])})"[:80]
    return InputError(reason, file=file, path=loc, line=line_of(lines, loc))
