"""The shape of a scenario file, validated with pydantic.

Core objects: :class:`ScenarioSpec` and its parts (:class:`Param`, :class:`Driver`,
:class:`MilitiaSpec`, :class:`Rule`, :class:`Rules`, :class:`Mechanisms`, :class:`Event`,
:class:`ScheduleEntry`, :class:`Source`, :class:`Calendar`). Every number carries a unit
that fixes its range, and every rule a source: a verbatim quote from ``seeds/`` or a
calibration row.

Types are strict: a whole-number field takes only a whole number (not ``true``, ``"90"`` or
``90.0``), a number field a whole or decimal number (not a boolean or text), a switch only
``true`` or ``false``. Whole numbers the model holds in 64-bit arrays are bounded: days by
:data:`~sim.core.checks.MAX_DAYS`, people hurt in one event by :data:`MAX_CASUALTIES`,
troops by :data:`MAX_TROOPS`.
"""

from __future__ import annotations

import datetime
import math
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from sim.core.checks import MAX_DAYS
from sim.core.strict import Strict
from sim.scenario.sources import CALIBRATION, default_index, normalize
from sim.scenario.uncertainty import Uncertainty, check_fits, check_point

#: the most U.S. personnel killed, or wounded, in one forced event or one modelled attack
MAX_CASUALTIES = 10_000
#: the most U.S. troops in one theater
MAX_TROOPS = 1_000_000

Unit = Literal["probability", "fraction", "rate", "days", "count", "multiplier", "real"]
TheaterName = Literal["iraq", "syria"]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
Day = Annotated[int, Field(ge=0, le=MAX_DAYS)]
Casualties = Annotated[int, Field(ge=0, le=MAX_CASUALTIES)]

MilitiaNumber = Literal["capability", "share", "compliance", "prefers_talks"]
#: the range of each of a group's numbers
MILITIA_NUMBER_RANGES: dict[str, tuple[float, float]] = {
    "capability": (0.0, math.inf),
    "share": (0.0, 1.0),
    "compliance": (0.0, 1.0),
    "prefers_talks": (0.0, 1.0),
}

UNIT_BOUNDS: dict[str, tuple[float, float]] = {
    "probability": (0.0, 1.0),
    "fraction": (0.0, 1.0),
    "rate": (0.0, math.inf),
    "days": (0.0, math.inf),
    "count": (0.0, math.inf),
    "multiplier": (0.0, math.inf),
    "real": (-math.inf, math.inf),
}


class Part(Strict):
    """A part of a scenario file: strict types on top of :class:`~sim.core.strict.Strict`."""

    model_config = ConfigDict(strict=True)


class Source(Part):
    """Where a value or rule comes from."""

    quote: str | None = None
    calibration: list[str] | None = None
    assumption: str | None = None

    @field_validator("quote")
    @classmethod
    def _quote_in_seeds(cls, quote: str | None) -> str | None:
        if quote is not None and default_index().find(quote) is None:
            raise ValueError(f"quote not found verbatim in seeds/: {normalize(quote)[:80]!r}")
        return quote

    @field_validator("calibration")
    @classmethod
    def _known_rows(cls, rows: list[str] | None) -> list[str] | None:
        for row in rows or []:
            if row not in CALIBRATION:
                raise ValueError(f"unknown calibration row {row!r} (rows are C1 to C14)")
        return rows

    @model_validator(mode="after")
    def _not_empty(self) -> Source:
        if not (self.quote or self.calibration or self.assumption):
            raise ValueError("a source needs a quote, a calibration row, or a stated assumption")
        return self

    @property
    def cites_evidence(self) -> bool:
        """True when the source is a quote or a calibration row, not only an assumption."""
        return bool(self.quote or self.calibration)


class Param(Part):
    """A named constant that rules read, with its unit and source.

    ``uncertainty`` (optional) is what we do not know about it: a distribution whose support
    lies in the unit's range and holds ``value`` (see :mod:`~sim.scenario.uncertainty`); a run
    draws one value per trial from it unless asked for point values.
    """

    unit: Unit
    value: float
    source: Source
    uncertainty: Uncertainty | None = None

    @model_validator(mode="after")
    def _uncertainty_fits(self) -> Param:
        if self.uncertainty is not None:
            check_fits(self.uncertainty, *UNIT_BOUNDS[self.unit], unit=self.unit)
            check_point(self.uncertainty, self.value)
        return self

    @field_validator("value")
    @classmethod
    def _in_range(cls, value: float, info: ValidationInfo) -> float:
        unit = info.data.get("unit")
        if unit is not None:
            lo, hi = UNIT_BOUNDS[unit]
            if not lo <= value <= hi:
                raise ValueError(f"a {unit} must be in [{lo:g}, {hi:g}], got {value:g}")
        return value


class Driver(Param):
    """A named input that the schedule may change from day to day (the Gaza war's intensity)."""


class ScheduleEntry(Part):
    """Set drivers from ``day`` to ``until`` (both inclusive; open-ended without ``until``)."""

    day: Day
    until: Day | None = None
    set: dict[str, float]
    source: Source

    @field_validator("until")
    @classmethod
    def _order(cls, until: int | None, info: ValidationInfo) -> int | None:
        day = info.data.get("day")
        if until is not None and day is not None and until < day:
            raise ValueError(f"until ({until}) is before day ({day})")
        return until


class Event(Part):
    """A forced event on a given day, the same in every trial."""

    day: Day
    kind: Literal["attack", "directive", "iraq_request", "us_strike"]
    militia: Name | None = Field(default=None, validate_default=True)
    theater: TheaterName = "iraq"
    killed: Casualties = 0
    wounded: Casualties = 0
    leader_killed: bool = False
    source: Source

    @model_validator(mode="after")
    def _fields_apply(self) -> Event:
        used = {
            "attack": {"militia", "theater", "killed", "wounded"},
            "us_strike": {"militia", "leader_killed"},
        }.get(self.kind, set())
        for key in ("militia", "theater", "killed", "wounded", "leader_killed"):
            if key in self.model_fields_set and key not in used:
                raise ValueError(f"{key!r} does not apply to a {self.kind!r} event")
        return self

    @field_validator("militia")
    @classmethod
    def _needs_group(cls, militia: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("kind")
        if kind in ("attack", "us_strike") and militia is None:
            raise ValueError(f"a forced {kind!r} event needs a militia")
        return militia


class Calendar(Part):
    """The date of a run's day 0, for a replay of real days (``day_0``: ISO ``YYYY-MM-DD``)."""

    day_0: str
    source: Source

    @field_validator("day_0")
    @classmethod
    def _iso_date(cls, day_0: str) -> str:
        try:
            datetime.date.fromisoformat(day_0)
        except ValueError:
            raise ValueError(f"day_0 must be a date as YYYY-MM-DD, got {day_0!r}") from None
        return day_0

    def date(self, day: int) -> datetime.date:
        """The date of ``day``."""
        return datetime.date.fromisoformat(self.day_0) + datetime.timedelta(days=day)


class Theater(Part):
    """A country where U.S. forces are deployed."""

    us_troops: Annotated[int, Field(ge=0, le=MAX_TROOPS)]
    source: Source


class MilitiaSpec(Part):
    """One armed group: its doctrine, strength and leanings.

    Each of ``capability``, ``share``, ``compliance`` and ``prefers_talks`` is a number, or
    ``{value: NUMBER, uncertainty: DISTRIBUTION}``; the uncertainties are kept in
    ``uncertainty`` by field.
    """

    doctrine: Literal["compliant", "holdout"]
    capability: NonNegative
    share: Fraction
    theaters: dict[TheaterName, Fraction]
    compliance: Fraction
    prefers_talks: Fraction
    source: Source
    uncertainty: dict[MilitiaNumber, Uncertainty] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _split_uncertain(cls, data: Any) -> Any:
        """``compliance: {value: 0.97, uncertainty: ...}`` -> the value, and the uncertainty."""
        if not isinstance(data, dict):
            return data
        out, found = dict(data), dict(data.get("uncertainty") or {})
        for key in MILITIA_NUMBER_RANGES:
            given = out.get(key)
            if isinstance(given, dict) and "value" in given:
                extra = sorted(set(given) - {"value", "uncertainty"})
                if extra:
                    raise ValueError(f"{key} takes value and uncertainty, not {extra[0]!r}")
                out[key] = given["value"]
                if given.get("uncertainty") is not None:
                    found[key] = given["uncertainty"]
                elif "uncertainty" in given:  # null: exact, whatever the group-level form said
                    found.pop(key, None)
        if found or "uncertainty" in out:
            out["uncertainty"] = found
        return out

    @model_validator(mode="after")
    def _uncertainty_fits(self) -> MilitiaSpec:
        for key, u in self.uncertainty.items():
            try:
                check_fits(u, *MILITIA_NUMBER_RANGES[key])
                check_point(u, getattr(self, key))
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from None
        return self

    @field_validator("theaters")
    @classmethod
    def _split(cls, theaters: dict[str, float]) -> dict[str, float]:
        total = sum(theaters.values())
        if not math.isclose(total, 1.0, abs_tol=1e-9):
            raise ValueError(f"theaters shares must sum to 1, got {total:g}")
        return theaters


class Rule(Part):
    """A decision rule: an expression over state variables and parameters."""

    expr: str
    source: Source

    @field_validator("source")
    @classmethod
    def _evidence(cls, source: Source) -> Source:
        if not source.cites_evidence:
            raise ValueError("a rule's source needs a quote from seeds/ or a calibration row")
        return source


class Rules(Part):
    """Every decision the model asks of the YAML; see ``sim.variables.RULES`` for meanings."""

    iraq_request_prob: Rule
    directive_trigger: Rule
    attack_rate: Rule
    comply_prob: Rule
    lapse_prob: Rule
    yield_prob: Rule
    withhold_prob: Rule
    us_strike_prob: Rule
    leader_kill_prob: Rule
    us_strike_iran_prob: Rule
    mass_retaliation_prob: Rule
    iran_proxy_prob: Rule
    iran_direct_prob: Rule
    talks_progress_rate: Rule
    agreement_prob: Rule
    drawdown_rate: Rule


class Mechanisms(Part):
    """Switches: each turns one mechanism of the model on or off."""

    casualties: bool
    retaliation: bool
    leadership_strikes: bool
    strikes_on_iran: bool
    directive: bool
    restraint_relaxation: bool
    iraqi_request: bool
    talks: bool
    revenge: bool
    deterrence: bool
    sponsor_leverage: bool
    iraqi_pressure: bool
    talks_resumption: bool
    deliberation: bool
    posture: bool
    iran_response: bool
    withdrawal: bool


class ScenarioSpec(Part):
    """A whole, resolved scenario (after ``extends:`` has been applied)."""

    name: str
    description: str
    days: Annotated[int, Field(ge=1, le=MAX_DAYS)]
    drivers: dict[Name, Driver]
    schedule: list[ScheduleEntry]
    events: list[Event]
    theaters: dict[TheaterName, Theater]
    militias: Annotated[dict[Name, MilitiaSpec], Field(min_length=1)]
    params: dict[Name, Param]
    rules: Rules
    mechanisms: Mechanisms
    calendar: Calendar | None = None
