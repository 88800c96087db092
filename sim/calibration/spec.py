"""The shape of a calibration file, validated with pydantic.

Core objects: :class:`CalibrationSpec` and its parts :class:`Fitted` (a quantity to fit and
its prior), :class:`SeriesObservation`, :class:`ObservationSpec` and :class:`Method` (the
ABC-SMC settings). A calibration names a scenario, the record to fit (its folder and the
last day fitted: later days are held out to score forecasts), the quantities to fit by key
path, how the record is compared with the model, and the method's settings. Checks that
need the scenario or the record live in :mod:`sim.calibration.loader`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from sim.core.checks import MAX_DAYS, MAX_SEED
from sim.core.strict import Strict
from sim.scenario.uncertainty import Uncertainty

#: the most lanes (particles x replicates) one generation may run
MAX_LANES = 2_000_000


class Part(Strict):
    """A part of a calibration file; types are strict (``particles: "10"`` is refused)."""

    model_config = ConfigDict(strict=True)


class Fitted(Part):
    """A quantity to fit.

    Attributes:
        prior: Its prior, in a scenario's ``uncertainty:`` grammar (``{beta: [2, 30]}``);
            by default the scenario's own uncertainty for it.
    """

    prior: Uncertainty | None = None


class SeriesObservation(Part):
    """How one series is compared: negative binomial of size ``dispersion`` (null: Poisson).

    Smaller sizes say the record is noisier: the variance of an interval's count is
    ``mu + mu^2 / dispersion``.
    """

    dispersion: Annotated[float, Field(gt=0, le=1e6)] | None


class ObservationSpec(Part):
    """The series compared (a missing one is not), and a no-attack period of the record."""

    attacks: SeriesObservation | None = None
    injuries: SeriesObservation | None = None
    strikes: SeriesObservation | None = None
    truce: str | None = None


class Method(Part):
    """The ABC-SMC settings (see :mod:`sim.calibration.smc`)."""

    particles: Annotated[int, Field(ge=10, le=MAX_LANES)] = 2000
    replicates: Annotated[int, Field(ge=1, le=1000)] = 2
    generations: Annotated[int, Field(ge=1, le=100)] = 6
    quantile: Annotated[float, Field(gt=0, lt=1)] = 0.5
    min_epsilon: Annotated[float, Field(ge=0)] = 0.0
    min_acceptance: Annotated[float, Field(ge=0, lt=1)] = 0.01
    seed: Annotated[int, Field(ge=0, lt=MAX_SEED)] = 0


class CalibrationSpec(Part):
    """A whole calibration file.

    Attributes:
        name: The calibration's name (default: the file's stem).
        description: What it fits, in a sentence or two.
        scenario: The scenario (a shipped name or a path beside the file); it needs a
            ``calendar`` to place the record's dates on its days.
        record: The record's folder (``shipped``: ``data/record``; else a path beside the
            file).
        fit_until: The last day of the record fitted; later reports are held out.
        days: Days simulated (default: ``fit_until + 1``).
        point: Quantities not fitted stay at their point values (default: drawn from the
            scenario's uncertainty in every lane, so that what is not fitted stays uncertain).
        parameters: The quantities to fit, by key path (``params.campaign_rate.value``).
        observation: How the record is compared with the model.
        method: The ABC-SMC settings.
    """

    name: str
    description: str = ""
    scenario: str
    record: str = "shipped"
    fit_until: Annotated[int, Field(ge=0, le=MAX_DAYS)]
    days: Annotated[int, Field(ge=1, le=MAX_DAYS)] | None = None
    point: bool = False
    parameters: Annotated[dict[str, Fitted], Field(min_length=1)]
    observation: ObservationSpec
    method: Method = Method()
