"""The base of every pydantic schema of the project's files.

Core objects: :class:`Strict`, a frozen model that refuses unknown keys, NaN and infinities.
Scenario files (:mod:`sim.scenario.schema`) and sweep files (:mod:`sim.sweeps.spec`) build on it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """A part of a scenario or sweep file: unknown keys, NaN and infinities are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True, strict=False)
