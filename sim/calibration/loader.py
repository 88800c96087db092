"""Loading a calibration file: its scenario, record, priors and observed intervals, checked.

Core objects: :class:`Calibration` (a loaded calibration: what to fit, to what, and how) and
:func:`load_calibration`, which refuses a bad file with one message naming the file, the key
path and the line: an unknown key or quantity, a prior outside its unit's range, a quantity
with no prior, a scenario without a calendar, a record file that fails its checks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pydantic
from scipy.special import ndtr

from sim.calibration.observation import Observed, observed
from sim.calibration.record import Record, load_record
from sim.calibration.spec import MAX_LANES, CalibrationSpec, Method
from sim.core.errors import InputError, KeyPath, did_you_mean
from sim.core.paths import (
    check_regular_file,
    looks_like_path,
    real_path,
    scenarios_dir,
    shipped_file,
)
from sim.core.strict import first_error
from sim.core.types import FloatArray
from sim.core.yamlio import LineMap, line_of, read_yaml
from sim.model.values import lane_bounds, lane_key
from sim.scenario.loader import Scenario, load_scenario
from sim.scenario.quantities import Quantity, uncertain_quantities
from sim.scenario.uncertainty import check_fits, draw
from sim.scenario.validation import WHOLE_DAYS


@dataclass(frozen=True)
class Calibration:
    """A loaded calibration file.

    Attributes:
        spec: The file's contents, validated.
        file: Where it was read from.
        scenario: The scenario the model runs.
        record: The whole record (:attr:`training` is the part fitted).
        priors: Each fitted quantity's prior, by key path, in file order.
    """

    spec: CalibrationSpec
    file: str
    scenario: Scenario
    record: Record
    priors: dict[str, Quantity]

    @property
    def name(self) -> str:
        """The calibration's name."""
        return self.spec.name

    @property
    def days(self) -> int:
        """Days simulated."""
        return self.spec.days or self.spec.fit_until + 1

    @property
    def training(self) -> Record:
        """The record up to ``fit_until``."""
        return self.record.until(self.spec.fit_until)

    @property
    def observed(self) -> Observed:
        """The training record's intervals, as the observation model compares them."""
        obs = self.spec.observation
        series = {k: getattr(obs, k) for k in ("attacks", "injuries", "strikes")}
        disp = {k: s.dispersion for k, s in series.items() if s is not None}
        return observed(self.training, disp, obs.truce, self.spec.fit_until)

    def with_method(self, **changes: Any) -> Calibration:
        """The same calibration with some of the method's settings changed (checked)."""
        method = Method.model_validate({**self.spec.method.model_dump(), **changes})
        return replace(self, spec=self.spec.model_copy(update={"method": method}))

    def values(self, z: FloatArray) -> dict[str, FloatArray]:
        """Each fitted quantity's values at particles ``z`` (probit space, ``N x d``)."""
        u = ndtr(z)
        return {k: draw(q.uncertainty, u[:, j], q.whole) for j, (k, q) in
                enumerate(self.priors.items())}  # fmt: skip


def is_calibration_file(ref: str | Path) -> bool:
    """Whether ``ref`` names a calibration file (a mapping with ``fit_until``)."""
    try:
        path = shipped_file(ref, calibrations_dir(), "calibration")
        check_regular_file(path)  # a FIFO, a device, a name too long: not a calibration
        data, _ = read_yaml(path)
    except InputError:
        return False
    return isinstance(data, dict) and "fit_until" in data


def calibrations_dir() -> Path:
    """The folder of shipped calibration files."""
    return scenarios_dir() / "calibrations"


def load_calibration(ref: str | Path | Calibration) -> Calibration:
    """Load and check a calibration file (or return a loaded one).

    Args:
        ref: A path, the name of a shipped calibration (``scenarios/calibrations/NAME.yaml``),
            or a loaded :class:`Calibration`.

    Raises:
        InputError: Anything wrong with the file or the record it names.
    """
    if isinstance(ref, Calibration):
        return ref
    path = real_path(shipped_file(ref, calibrations_dir(), "calibration"))
    file = str(path)
    raw, lines = read_yaml(path)
    if not isinstance(raw, dict):
        raise InputError("a calibration file must be a mapping of keys to values", file=file)
    raw.setdefault("name", path.stem)
    spec = _validate(raw, lines, file)

    def fail(reason: str, where: KeyPath) -> InputError:
        return InputError(reason, file=file, path=where, line=line_of(lines, where))

    ref_path = path.parent / spec.scenario if looks_like_path(spec.scenario) else spec.scenario
    try:
        scenario = load_scenario(ref_path)
    except InputError as exc:
        if exc.file is not None and exc.file != file and Path(exc.file).exists():
            raise  # the scenario file itself is at fault: its own message
        raise fail(exc.reason, ["scenario"]) from None
    calendar = scenario.spec.calendar
    if calendar is None:
        fix = "add `calendar: {day_0: YYYY-MM-DD}` to place the record's dates on its days"
        raise fail(f"scenario {scenario.name!r} has no calendar: {fix}", ["scenario"])
    folder = None if spec.record == "shipped" else path.parent / spec.record
    if folder is not None and not folder.is_dir():
        raise fail(f"no record folder {str(folder)!r}", ["record"])
    record = load_record(folder, calendar.day_0)
    priors = {k: _prior(scenario, k, f.prior, fail) for k, f in spec.parameters.items()}
    _check(spec, record, fail)
    return Calibration(spec, file, scenario, record, priors)


def _prior(scenario: Scenario, key: str, given: Any, fail: Any) -> Quantity:
    """A fitted quantity's prior, checked against its unit's range."""
    where = ["parameters", key]
    bounds = lane_bounds(scenario)
    if lane_key(key) not in bounds:
        raise fail(f"{key!r} is not a number of scenario {scenario.name!r} that varies by "
                   f"trial{did_you_mean(key, list(uncertain_quantities(scenario.spec)))}",
                   where)  # fmt: skip
    declared = uncertain_quantities(scenario.spec).get(key)
    whole = key.startswith("params.") and key.split(".")[1] in WHOLE_DAYS
    if given is not None:
        q = Quantity(given, whole)
    elif declared is not None:
        q = declared
    else:
        raise fail(f"{key!r} has no uncertainty in scenario {scenario.name!r}: give it a "
                   f"`prior:`", where)  # fmt: skip
    lo, hi = bounds[lane_key(key)]
    parts = key.split(".")
    unit = scenario.spec.params[parts[1]].unit if parts[0] == "params" else None
    try:
        check_fits(q.uncertainty, lo, hi, unit)
    except ValueError as exc:
        raise fail(str(exc), [*where, "prior"]) from None
    return q


def _check(spec: CalibrationSpec, record: Record, fail: Any) -> None:
    obs = spec.observation
    if all(getattr(obs, k) is None for k in ("attacks", "injuries", "strikes")):
        raise fail("compares no series: give attacks, injuries or strikes", ["observation"])
    if obs.truce is not None and obs.truce not in record.periods:
        hint = did_you_mean(obs.truce, list(record.periods))
        raise fail(f"no period {obs.truce!r} in the record{hint}", ["observation", "truce"])
    days = spec.days or spec.fit_until + 1
    if days <= spec.fit_until:
        raise fail(f"simulates {days} days, but fits the record to day {spec.fit_until}",
                   ["days"])  # fmt: skip
    lanes = spec.method.particles * spec.method.replicates
    if lanes > MAX_LANES:
        raise fail(f"particles x replicates is {lanes:,}, more than {MAX_LANES:,} lanes",
                   ["method"])  # fmt: skip
    if obs.truce is not None and obs.attacks is None:
        raise fail("a truce is compared as attacks: compare attacks too", ["observation", "truce"])
    training = record.until(spec.fit_until)
    for name in ("attacks", "injuries"):
        if getattr(obs, name) is not None and not training.series[name].day.size:
            raise fail(f"the record has no {name} report on or before day {spec.fit_until}",
                       ["fit_until"])  # fmt: skip


def _validate(raw: dict[str, Any], lines: LineMap, file: str) -> CalibrationSpec:
    try:
        return CalibrationSpec.model_validate(raw)
    except pydantic.ValidationError as exc:
        top = list(CalibrationSpec.model_fields)
        raise first_error(exc, file, lines, lambda loc: [] if loc else top) from None
