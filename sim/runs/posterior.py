"""Drawing a run's trials from a calibration's posterior (posterior predictive runs).

Core objects: :class:`PosteriorDraws` (the final population of a calibration: its particles'
values by key path, and their weights) and :func:`load_posterior`, which reads the folder
``escsim calibrate`` wrote. Trial ``t`` of a run picks particle ``i`` by a uniform of the
named stream ``posterior`` at trial ``t`` (so a trial's pick does not depend on blocks or
workers, and paired scenarios pick alike), and takes that particle's values for the fitted
quantities; every other declared uncertainty is drawn as usual.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.errors import InputError
from sim.core.types import FloatArray, SeedLike
from sim.model.streams import Streams
from sim.model.values import lane_bounds, lane_key
from sim.scenario.loader import Scenario

#: columns of ``posterior.parquet`` that are not fitted quantities
_BOOKKEEPING = ("generation", "particle", "weight")


@dataclass(frozen=True)
class PosteriorDraws:
    """A calibration's posterior, ready to give trials their values.

    Attributes:
        folder: The calibration's results folder.
        name: The calibration's name (from its manifest).
        values: Each fitted quantity's particle values, by key path.
        weights: The particles' normalized weights.
    """

    folder: str
    name: str
    values: dict[str, FloatArray]
    weights: FloatArray

    def lanes(self, seed: SeedLike, start: int, n: int) -> dict[str, FloatArray]:
        """The fitted values of trials ``start`` to ``start + n - 1``, by lane key."""
        u = Streams(seed, start, n).uniform("posterior", 0)
        cum = np.cumsum(self.weights)
        pick = np.minimum(np.searchsorted(cum, u * cum[-1], side="right"), cum.size - 1)
        return {lane_key(k): v[pick] for k, v in self.values.items()}

    def check(self, scenario: Scenario) -> None:
        """Refuse a scenario in which some fitted quantity is not a number set by lane."""
        bounds = lane_bounds(scenario)
        for key, v in self.values.items():
            b = bounds.get(lane_key(key))
            if b is None:
                raise InputError(
                    f"the posterior fits {key!r}, which scenario {scenario.name!r} does not have",
                    file=self.folder,
                )
            if v.min() < b[0] or v.max() > b[1]:
                reason = f"the posterior's {key!r} leaves [{b[0]:g}, {b[1]:g}]"
                raise InputError(reason, file=self.folder)


def load_posterior(folder: str | Path | PosteriorDraws) -> PosteriorDraws:
    """Read the last generation of a calibration's results folder.

    Raises:
        InputError: The folder holds no finished calibration.
    """
    if isinstance(folder, PosteriorDraws):
        return folder
    where = Path(folder)
    table, manifest = where / "posterior.parquet", where / "manifest.json"
    if not table.is_file() or not manifest.is_file():
        reason = "not a calibration's results folder (no posterior.parquet and manifest.json)"
        raise InputError(f"{reason}: run `escsim calibrate` first", file=str(where))
    frame = pd.read_parquet(table)
    last = frame[frame["generation"] == frame["generation"].max()]
    last = last[last["weight"] > 0]
    keys = [c for c in frame.columns if c not in _BOOKKEEPING]
    w = last["weight"].to_numpy(dtype=np.float64)
    name = str(json.loads(manifest.read_text()).get("calibration", where.name))
    values = {k: last[k].to_numpy(dtype=np.float64) for k in keys}
    return PosteriorDraws(str(where), name, values, w / w.sum())
