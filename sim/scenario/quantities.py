"""The uncertain quantities a scenario declares, by the key path each value has.

Core objects: :func:`uncertain_quantities`. A parameter's or a driver's ``uncertainty``, and
a group's (``militias.G.compliance: {value, uncertainty}``), each names one quantity by the
dotted key path of its value (``params.lapse_base.value``, ``militias.kataib_hezbollah.
compliance``): the same name a sweep or ``--set`` uses, the name of its random stream, and
its column in ``Results.parameters()``.
"""

from __future__ import annotations

from typing import NamedTuple

from sim.scenario.schema import ScenarioSpec
from sim.scenario.uncertainty import Uncertainty
from sim.scenario.validation import WHOLE_DAYS


class Quantity(NamedTuple):
    """An uncertain number: its distribution, and whether its values are whole (days)."""

    uncertainty: Uncertainty
    whole: bool


def uncertain_quantities(spec: ScenarioSpec) -> dict[str, Quantity]:
    """Every declared uncertainty, by the key path of the value it is about, in file order."""
    out: dict[str, Quantity] = {}
    for name, p in spec.params.items():
        if p.uncertainty is not None:
            out[f"params.{name}.value"] = Quantity(p.uncertainty, name in WHOLE_DAYS)
    for name, d in spec.drivers.items():
        if d.uncertainty is not None:
            out[f"drivers.{name}.value"] = Quantity(d.uncertainty, False)
    for group, m in spec.militias.items():
        for key, u in m.uncertainty.items():
            out[f"militias.{group}.{key}"] = Quantity(u, False)
    return out
