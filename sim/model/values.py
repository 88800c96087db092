"""The numbers a model reads, each a scalar or one value per lane.

Core objects: :class:`LaneValues`, :func:`lane_bounds`, :func:`lane_key`. Every number a
rule or mechanism reads (each a :data:`~sim.core.types.Number`: parameters, drivers and
their scheduled settings, the groups' capability, share, compliance, leanings and theater
splits, the troops) comes from here: the scenario's value, unless the model was given one
value per lane for it, keyed by its dotted key path (``params.compliance_x.value``,
``militias.kataib_hezbollah.compliance``, ``drivers.gaza.value``, ``schedule.2.set.gaza``,
``theaters.iraq.us_troops``). Rules broadcast as they do over state: the scalar case is the
same code with a scalar. Per-lane values are checked lane by lane at build time, as the
schema checks a scalar, and an error names the key path and how many lanes break it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sim.core.errors import InputError
from sim.core.types import FloatArray, IntArray, Number
from sim.scenario.loader import Scenario
from sim.scenario.schema import MILITIA_NUMBER_RANGES, UNIT_BOUNDS
from sim.scenario.validation import WHOLE_DAYS

MILITIA_NUMBERS = tuple(MILITIA_NUMBER_RANGES)


class LaneValues:
    """The scenario's numbers for a block of ``n`` lanes, with per-lane values where given.

    Args:
        scenario: The validated scenario.
        n: The number of lanes.
        lanes: Key path to one value per lane (``n`` values); each replaces the scenario's.

    Raises:
        InputError: A key path that names no number of the scenario, an array of the wrong
            length, or values outside their range in some lanes.
    """

    def __init__(
        self, scenario: Scenario, n: int, lanes: Mapping[str, FloatArray] | None = None
    ) -> None:
        """Resolve every number, checking the per-lane ones."""
        self.scenario, self.n = scenario, n
        self.lanes = {
            lane_key(k): np.asarray(v, dtype=np.float64) for k, v in (lanes or {}).items()
        }
        spec, bounds = scenario.spec, lane_bounds(scenario)
        for path, values in self.lanes.items():
            self._check(path, values, bounds)
        self.params = {k: self._get(f"params.{k}.value", p.value) for k, p in spec.params.items()}
        self.drivers = {
            k: self._get(f"drivers.{k}.value", d.value) for k, d in spec.drivers.items()
        }
        self.schedule = [
            {k: self._get(f"schedule.{i}.set.{k}", v) for k, v in entry.set.items()}
            for i, entry in enumerate(spec.schedule)
        ]
        self.troops = {
            k: self._get(f"theaters.{k}.us_troops", float(t.us_troops))
            for k, t in spec.theaters.items()
        }
        self._check_delays()

    def _get(self, path: str, value: float) -> Number:
        return self.lanes.get(path, value)

    def militia(self, name: str) -> dict[str, Number]:
        """A group's numbers: capability, share, compliance, prefers_talks, theater splits.

        Each theater's split is under ``theaters.T`` (0 where the group does not attack there).
        """
        spec = self.scenario.spec.militias[name]
        out = {k: self._get(f"militias.{name}.{k}", getattr(spec, k)) for k in MILITIA_NUMBERS}
        for theater in self.scenario.spec.theaters:
            split = spec.theaters.get(theater, 0.0)
            out[f"theaters.{theater}"] = self._get(f"militias.{name}.theaters.{theater}", split)
        return out

    def whole(self, name: str) -> int | IntArray:
        """A whole-day parameter as a whole number (or one a lane)."""
        value = self.params[name]
        if isinstance(value, np.ndarray):
            return value.astype(np.int64)
        return int(value)

    def _check(self, path: str, values: FloatArray, bounds: dict[str, tuple[float, float]]) -> None:
        file = self.scenario.files[0]
        if path not in bounds:
            raise InputError("not a number the model reads lane by lane", file=file, path=[path])
        if values.shape != (self.n,):
            raise InputError(
                f"one value per lane needs {self.n} values, got shape {values.shape}",
                file=file,
                path=[path],
            )
        lo, hi = bounds[path]
        bad = int(np.count_nonzero(~((values >= lo) & (values <= hi))))  # NaN is bad too
        if bad:
            raise InputError(
                f"must be in [{lo:g}, {hi:g}]: {bad} of {self.n} lanes are not",
                file=file,
                path=[path],
            )

    def _check_delays(self) -> None:
        """Whole-day parameters whole and in range, and the delays in order, lane by lane."""
        file = self.scenario.files[0]
        for name, low in WHOLE_DAYS.items():
            value = np.asarray(self.params[name])
            bad = int(np.count_nonzero((value != np.floor(value)) | (value < low)))
            if bad:
                raise InputError(
                    f"must be a whole number of days, at least {low}: {bad} lane(s) are not",
                    file=file,
                    path=["params", name, "value"],
                )
        early, late = self.params["directive_delay_min"], self.params["directive_delay_max"]
        bad = int(np.count_nonzero(np.asarray(early) > np.asarray(late)))
        if bad:
            raise InputError(
                f"directive_delay_min is above directive_delay_max in {bad} lane(s)",
                file=file,
                path=["params"],
            )


def lane_bounds(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """Every key path a lane may set (see :class:`LaneValues`), with its range."""
    spec, out = scenario.spec, {}
    for k, p in spec.params.items():
        out[f"params.{k}.value"] = UNIT_BOUNDS[p.unit]
    for k, d in spec.drivers.items():
        out[f"drivers.{k}.value"] = UNIT_BOUNDS[d.unit]
    for i, entry in enumerate(spec.schedule):
        for k in entry.set:
            out[f"schedule.{i}.set.{k}"] = UNIT_BOUNDS[spec.drivers[k].unit]
    for name in spec.militias:
        for k, b in MILITIA_NUMBER_RANGES.items():
            out[f"militias.{name}.{k}"] = b
        for theater in spec.theaters:
            out[f"militias.{name}.theaters.{theater}"] = (0.0, 1.0)
    for theater in spec.theaters:
        out[f"theaters.{theater}.us_troops"] = (0.0, np.inf)
    return out


def lane_key(path: str) -> str:
    """The key path :class:`LaneValues` knows a number by.

    A group's number written ``{value, uncertainty}`` is named, by a sweep or ``--set``, by
    the path of its value (``militias.G.compliance.value``); here it is ``militias.G.compliance``.
    """
    parts = path.split(".")
    grouped = len(parts) == 4 and parts[0] == "militias" and parts[2] in MILITIA_NUMBERS
    return ".".join(parts[:3]) if grouped and parts[3] == "value" else path


def first(value: Number) -> float:
    """Lane 0's value (for a one-trial trace's text)."""
    return float(value[0]) if isinstance(value, np.ndarray) else float(value)
