"""The shape of a sweep file, validated with pydantic.

Core objects: :class:`SweepSpec` and its parts :class:`Parameter`, :class:`Distribution`
and the four designs (:class:`GridDesign`, :class:`LhsDesign`, :class:`SobolDesign`,
:class:`MorrisDesign`). A sweep names a base scenario, the values to vary (by their key
path in the scenario), how to sample them, and how many trials to run at each point.
Checks that need the base scenario (key paths, valid values, the sweep's size in trial-days)
live in :mod:`sim.sweeps.loader`. The limits a sweep must keep to are here: ``MAX_POINTS``,
``MAX_REPLICATIONS``, ``MAX_TRIAL_DAYS`` (with ``POINT_DAY_TRIALS``) and ``MAX_WHOLE``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StrictFloat, field_validator, model_validator

from sim.core.checks import MAX_DAYS, MAX_SEED
from sim.core.strict import Strict

Scalar = float | int | str | bool

#: points in a design of any kind: each point keeps its estimates in memory (at 10^5 points
#: of 19 metrics the tidy table is 1.9 million rows, about 1.7 GB while it is rebuilt)
MAX_POINTS = 100_000
#: trials at one point: a run keeps every trial's outcomes (about 0.4 GB at 10^6 trials)
MAX_REPLICATIONS = 1_000_000
#: whole numbers in ``values`` fit the results table's 64-bit integer columns
MAX_WHOLE = 2**63
#: the work a sweep may ask for, in trial-days: about 10 hours on this project's 2-core
#: machine, which runs about 3 million a second (measured on the shipped sweeps)
MAX_TRIAL_DAYS = 10**11
#: a point's day costs as much as this many trials' days besides its own trials (a model
#: step's fixed cost, about 1.5 ms): a million points of 2 trials are not a small sweep
POINT_DAY_TRIALS = 2_000


class Part(Strict):
    """A part of a sweep file, with strict types as a scenario's.

    ``replications: "20"``, ``days: yes`` or ``seed: true`` are refused, not converted.
    """

    model_config = ConfigDict(strict=True)


class Distribution(Part):
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


def _kind(value: Scalar) -> str:
    """``number``, ``boolean`` or ``text``: the kinds of value a scenario key may take."""
    if isinstance(value, bool):
        return "boolean"
    return "number" if isinstance(value, int | float) else "text"


def _key(value: Scalar) -> tuple[str, Scalar]:
    """Compare listed values by value: 0 and 0.0 repeat, True and 1 do not."""
    return (_kind(value), float(value) if _kind(value) == "number" else value)


def check_values(values: list[Scalar]) -> None:
    """Refuse a ``values`` list that repeats, mixes kinds, or holds a whole number too big.

    A scenario key takes one kind of value, and the results table stores a parameter in one
    column: numbers, booleans and text cannot share it (nor can whole numbers beyond 64 bits).

    Raises:
        ValueError: What is wrong, for the file's message.
    """
    kinds = list(dict.fromkeys(map(_kind, values)))
    if len(kinds) > 1:
        first = [next(v for v in values if _kind(v) == k) for k in kinds]
        shown = " and ".join(f"{k} ({v!r})" for k, v in zip(kinds, first, strict=True))
        raise ValueError(
            f"values mix {shown}: a key takes one kind of value, and the results table "
            "stores a parameter in one column"
        )
    if big := [v for v in values if type(v) is int and not -MAX_WHOLE <= v < MAX_WHOLE]:
        raise ValueError(
            f"a whole number of {big[0].bit_length()} bits is beyond the results table's "
            "64-bit integers (from -2**63 to 2**63 - 1)"
        )
    if len(set(map(_key, values))) < len(values):
        raise ValueError("values repeat")


class Parameter(Part):
    """What one varied value may take: a list of ``values``, a ``range`` or a distribution.

    Attributes:
        values: The values to try (a grid uses them as they are; LHS and Sobol pick among
            them with equal chance).
        range: ``[low, high]``, uniform between them; a grid takes ``levels`` evenly spaced.
        distribution: A distribution (LHS and Sobol designs only).
        integer: Round sampled values to whole numbers (day counts, say).
    """

    values: list[Scalar] | None = Field(default=None, min_length=1)
    # a YAML list becomes the tuple; its ends stay strictly numbers
    range: Annotated[tuple[StrictFloat, StrictFloat] | None, Field(strict=False)] = None
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
        if self.values is not None:
            check_values(self.values)
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


class GridDesign(Part):
    """Full factorial: every combination of every parameter's values.

    ``levels``: how many evenly spaced values a ``range`` parameter takes (at least 2).
    """

    kind: Literal["grid"]
    levels: int | None = Field(default=None, ge=2)


class LhsDesign(Part):
    """Latin hypercube (``scipy.stats.qmc.LatinHypercube``) of ``samples`` points."""

    kind: Literal["lhs"]
    samples: int = Field(ge=2)


class SobolDesign(Part):
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
            hint = f" (try {low} or {2 * low})" if samples <= MAX_POINTS else ""
            raise ValueError(
                f"samples must be a power of 2 for Sobol' sequences, got {count_text(samples)}"
                + hint
            )
        return samples


class MorrisDesign(Part):
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


class DrawnDesign(Part):
    """An experiment's scenarios drawn from what the base scenario declares uncertain.

    ``samples`` joint draws (a Latin hypercube through each quantity's own distribution) of
    every declared uncertainty, and of a calibration's fitted quantities from its posterior
    when the file names one; each scenario keeps its draws in all its trials.
    """

    kind: Literal["drawn"]
    samples: int = Field(ge=2)


Design = Annotated[
    GridDesign | LhsDesign | SobolDesign | MorrisDesign | DrawnDesign, Field(discriminator="kind")
]


class Levers(Part):
    """An experiment's levers (policy options), crossed with every sampled scenario.

    Attributes:
        policies: Name -> a scenario file that extends the sweep's scenario and changes only
            numbers in it (a shipped name, or a path relative to the sweep file); the base
            scenario itself may be one of them.
        parameters: Key path -> the lever's ``values``, or a ``range`` spread over
            ``levels`` evenly spaced values.
        levels: How many values a lever's ``range`` takes (at least 2).
    """

    policies: dict[str, str] | None = Field(default=None, min_length=1)
    parameters: dict[str, Parameter] | None = Field(default=None, min_length=1)
    levels: int = Field(default=3, ge=2)

    @model_validator(mode="after")
    def _some(self) -> Levers:
        if self.policies is None and self.parameters is None:
            raise ValueError("levers need policies, parameters or both")
        for name, p in (self.parameters or {}).items():
            if p.kind == "distribution":
                raise ValueError(
                    f"lever {name!r}: a lever takes values or a range, not a distribution "
                    "(what is sampled belongs under uncertainties)"
                )
        return self

    def settings(self) -> int:
        """How many policy-and-lever combinations there are."""
        levels = [
            len(p.values) if p.values else self.levels for p in (self.parameters or {}).values()
        ]
        return len(self.policies or {"": ""}) * math.prod(levels)


class SweepSpec(Part):
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
        point: Quantities the sweep does not set stay at their point values; by default
            they keep the uncertainty the scenario declares, drawn once per trial.
        posterior: A calibration's results folder (relative to the sweep file): the
            quantities it fitted and the sweep does not set are drawn from its posterior,
            trial by trial, as ``escsim run --posterior`` draws them.
        design: How the points are chosen.
        parameters: Key path in the scenario -> what it may take.
        uncertainties: An experiment's sampled inputs (as ``parameters``), with ``levers``.
        levers: An experiment's policies and levers: every setting runs in every scenario
            the design samples from ``uncertainties`` (full factorial, as EMA Workbench's
            ``perform_experiments``).
        metrics: The metrics to record (default: all).
    """

    name: str
    description: str = ""
    scenario: str
    days: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    replications: int = Field(ge=2)
    seed: int = Field(default=0, ge=0)
    common_random_numbers: bool = True
    point: bool = False
    posterior: str | None = None
    design: Design
    parameters: dict[str, Parameter] | None = Field(min_length=1)  # None: an experiment's
    uncertainties: dict[str, Parameter] | None = Field(default=None, min_length=1)
    levers: Levers | None = None
    metrics: list[str] | None = Field(default=None, min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _experiment(cls, data: Any) -> Any:
        """An experiment (with levers) has no ``parameters``; a sweep must have them."""
        design = data.get("design") if isinstance(data, dict) else None
        drawn = isinstance(design, dict) and design.get("kind") == "drawn"
        if isinstance(data, dict) and "parameters" not in data and ("levers" in data or drawn):
            return {**data, "parameters": None}
        return data

    @model_validator(mode="after")
    def _inputs(self) -> SweepSpec:
        if isinstance(self.design, DrawnDesign) and self.levers is None:
            raise ValueError("a drawn design is an experiment's: it needs levers")
        if self.levers is None and self.parameters is None:
            raise ValueError(
                "a sweep needs parameters (or, for an experiment, uncertainties and levers)"
            )
        if self.levers is None and self.uncertainties is not None:
            raise ValueError("uncertainties go with levers (an experiment); a sweep has parameters")
        if self.levers is not None and self.parameters is not None:
            raise ValueError(
                "an experiment (with levers) names what it samples under uncertainties, "
                "not parameters"
            )
        drawn = isinstance(self.design, DrawnDesign)
        if drawn and self.uncertainties is not None:
            raise ValueError(
                "a drawn design draws the scenario's own uncertainties: list none under "
                "uncertainties (or sample them with design kind lhs or sobol)"
            )
        if self.levers is not None and self.uncertainties is None and not drawn:
            raise ValueError(
                "an experiment (with levers) needs uncertainties to sample, or design kind drawn"
            )
        return self

    @property
    def section(self) -> str:
        """Where the sampled inputs are: ``parameters``, or an experiment's ``uncertainties``."""
        return "parameters" if self.parameters is not None else "uncertainties"

    @property
    def inputs(self) -> dict[str, Parameter]:
        """The sampled inputs: ``parameters``, or an experiment's ``uncertainties``."""
        out = self.parameters if self.parameters is not None else self.uncertainties
        return out or {}  # a drawn design's come from the scenario

    @field_validator("replications")
    @classmethod
    def _replications(cls, replications: int) -> int:
        if replications > MAX_REPLICATIONS:
            raise ValueError(
                f"replications must be at most {MAX_REPLICATIONS:,} per point (a run keeps "
                "every trial's outcomes: about 0.4 GB at that size), got "
                + count_text(replications)
            )
        return replications

    @field_validator("seed")
    @classmethod
    def _seed(cls, seed: int) -> int:
        if seed >= MAX_SEED:
            raise ValueError(
                f"seed must be a whole number from 0 to 2**128 - 1, got {count_text(seed)}"
            )
        return seed


def count_text(n: int) -> str:
    """A whole number for a message: ``1,000,000,000``, or its size when it is huge.

    Python refuses to print a whole number of more than 4,300 digits.
    """
    return f"{n:,}" if n.bit_length() <= 128 else f"a number of {n.bit_length()} bits"
