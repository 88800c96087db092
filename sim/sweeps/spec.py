"""The shape of a sweep file, validated with pydantic.

Core objects: :class:`SweepSpec` and its parts :class:`Parameter`, :class:`Distribution`
and the four designs (:class:`GridDesign`, :class:`LhsDesign`, :class:`SobolDesign`,
:class:`MorrisDesign`). A sweep names a base scenario, the values to vary (by their key
path in the scenario), how to sample them, and how many trials to run at each point.
Checks that need the base scenario (key paths, valid values) live in :mod:`sim.sweepfile`.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.core.checks import MAX_DAYS
from sim.core.strict import Strict

Scalar = float | int | str | bool

#: a sweep larger than this is almost surely a mistake in its design
MAX_POINTS = 1_000_000


class Distribution(Strict):
    """A probability distribution for a parameter (sampled by LHS and Sobol designs).

    ``uniform`` and ``loguniform`` need ``low`` < ``high``; ``triangular`` also ``mode``
    between them; ``normal`` needs ``mean`` and ``sd`` > 0; ``truncnormal`` all four.
    """

    name: Literal["uniform", "loguniform", "triangular", "normal", "truncnormal"]
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    mean: float | None = None
    sd: float | None = None

    @model_validator(mode="after")
    def _complete(self) -> Distribution:
        need = {
            "uniform": ("low", "high"),
            "loguniform": ("low", "high"),
            "triangular": ("low", "mode", "high"),
            "normal": ("mean", "sd"),
            "truncnormal": ("low", "high", "mean", "sd"),
        }[self.name]
        given = {k for k in ("low", "high", "mode", "mean", "sd") if getattr(self, k) is not None}
        if missing := [k for k in need if k not in given]:
            raise ValueError(f"a {self.name} distribution needs {', '.join(missing)}")
        if extra := sorted(given - set(need)):
            raise ValueError(f"a {self.name} distribution takes {', '.join(need)}, not {extra[0]}")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low must be below high, got [{self.low:g}, {self.high:g}]")
        if self.name == "loguniform" and self.low is not None and self.low <= 0:
            raise ValueError("a loguniform distribution needs low > 0")
        if self.mode is not None and not (self.low or 0) <= self.mode <= (self.high or 0):
            raise ValueError(f"mode {self.mode:g} is outside [{self.low:g}, {self.high:g}]")
        if self.sd is not None and not self.sd > 0:
            raise ValueError(f"sd must be above 0, got {self.sd:g}")
        return self


def _key(value: Scalar) -> tuple[str, Scalar]:
    """Compare listed values by value: 0 and 0.0 repeat, True and 1 do not."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return ("number", float(value))
    return (type(value).__name__, value)


class Parameter(Strict):
    """What one varied value may take: a list of ``values``, a ``range`` or a distribution.

    Attributes:
        values: The values to try (a grid uses them as they are; LHS and Sobol pick among
            them with equal chance).
        range: ``[low, high]``, uniform between them; a grid takes ``levels`` evenly spaced.
        distribution: A distribution (LHS and Sobol designs only).
        integer: Round sampled values to whole numbers (day counts, say).
    """

    values: list[Scalar] | None = Field(default=None, min_length=1)
    range: tuple[float, float] | None = None
    distribution: Distribution | None = None
    integer: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> Parameter:
        given = [k for k in ("values", "range", "distribution") if getattr(self, k) is not None]
        if len(given) != 1:
            what = " and ".join(given) if given else "none"
            raise ValueError(f"give exactly one of values, range or distribution (got {what})")
        if self.range is not None and not self.range[0] < self.range[1]:
            lo, hi = self.range
            kind = "empty" if lo == hi else "reversed"
            raise ValueError(f"the range [{lo:g}, {hi:g}] is {kind}: low must be below high")
        if self.values is not None and len(set(map(_key, self.values))) < len(self.values):
            raise ValueError("values repeat")
        r = self.range
        if self.integer and r is not None and math.ceil(r[0]) > math.floor(r[1]):
            raise ValueError(f"the range [{r[0]:g}, {r[1]:g}] holds no whole number")
        if self.integer and self.kind == "values":
            raise ValueError("integer applies to a range or a distribution, not to values")
        return self

    @property
    def kind(self) -> str:
        """``values``, ``range`` or ``distribution``."""
        return "values" if self.values is not None else "range" if self.range else "distribution"


class GridDesign(Strict):
    """Full factorial: every combination of every parameter's values.

    ``levels``: how many evenly spaced values a ``range`` parameter takes (at least 2).
    """

    kind: Literal["grid"]
    levels: int | None = Field(default=None, ge=2)


class LhsDesign(Strict):
    """Latin hypercube (``scipy.stats.qmc.LatinHypercube``) of ``samples`` points."""

    kind: Literal["lhs"]
    samples: int = Field(ge=2)


class SobolDesign(Strict):
    """Saltelli's scheme for Sobol' indices (SALib): ``samples`` base points (a power of 2).

    N(D + 2) points, or N(2D + 2) with ``second_order``.
    """

    kind: Literal["sobol"]
    samples: int = Field(ge=2)
    second_order: bool = False

    @field_validator("samples")
    @classmethod
    def _power_of_two(cls, samples: int) -> int:
        if samples & (samples - 1):
            low = 1 << (samples.bit_length() - 1)
            raise ValueError(
                f"samples must be a power of 2 for Sobol' sequences, got {samples} "
                f"(try {low} or {2 * low})"
            )
        return samples


class MorrisDesign(Strict):
    """Morris elementary effects (SALib): ``trajectories`` paths on a grid of ``levels``.

    N(D + 1) points. ``levels`` must be even (SALib's advice; odd levels bias the sample).
    """

    kind: Literal["morris"]
    trajectories: int = Field(ge=2)
    levels: int = Field(default=4, ge=2)

    @field_validator("levels")
    @classmethod
    def _even(cls, levels: int) -> int:
        if levels % 2:
            raise ValueError(f"levels must be even for a Morris design, got {levels}")
        return levels


Design = Annotated[GridDesign | LhsDesign | SobolDesign | MorrisDesign, Field(discriminator="kind")]


class SweepSpec(Strict):
    """A sweep file.

    Attributes:
        name: The sweep's name (default: the file's name).
        description: What it asks.
        scenario: The base scenario: a shipped name or a path relative to the sweep file.
        days: Days per trial (default: the scenario's).
        replications: Trials at each point (at least 2, for an interval).
        seed: Root seed.
        common_random_numbers: Every point uses the same seed, so the points differ only by
            their parameters (the default); false gives each point its own seed.
        design: How the points are chosen.
        parameters: Key path in the scenario -> what it may take.
        metrics: The metrics to record (default: all).
    """

    name: str
    description: str = ""
    scenario: str
    days: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    replications: int = Field(ge=2)
    seed: int = Field(default=0, ge=0)
    common_random_numbers: bool = True
    design: Design
    parameters: dict[str, Parameter] = Field(min_length=1)
    metrics: list[str] | None = Field(default=None, min_length=1)
