"""Experimental designs: the points of a sweep.

Core objects: :func:`build_design`, returning the design table (one row per point, one column
per parameter, named by its key path). A full factorial ``grid``; a Latin hypercube
(``scipy.stats.qmc.LatinHypercube``); Saltelli's scheme for Sobol' indices and Morris
trajectories (SALib). LHS and Sobol points are drawn on the unit cube and mapped through
each parameter's inverse CDF (:func:`from_unit`), so one mapping serves both. Every design
is a pure function of the sweep file: the same file gives the same table.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from sim.core.types import FloatArray
from sim.sweeps.spec import (
    Distribution,
    DrawnDesign,
    GridDesign,
    LhsDesign,
    MorrisDesign,
    Parameter,
    SobolDesign,
    SweepSpec,
)

_EDGE = 1e-12  # unit-cube values are kept this far from 0 and 1 for unbounded distributions


def build_design(spec: SweepSpec) -> pd.DataFrame:
    """The design table: index ``point`` (0, 1, ...), a column per parameter.

    Raises:
        ValueError: The design does not fit its parameters (checked first by the loader).
    """
    names = list(spec.inputs)
    params = list(spec.inputs.values())
    design = spec.design
    if isinstance(design, DrawnDesign):
        raise ValueError("a drawn design is drawn from its scenario: see sim.sweeps.levers")
    if isinstance(design, GridDesign):
        axes = [grid_levels(p, design.levels) for p in params]
        columns: list[Any] = [list(c) for c in zip(*itertools.product(*axes), strict=True)]
    elif isinstance(design, MorrisDesign):
        from SALib.sample import morris  # noqa: PLC0415 - SALib loads only for its designs

        bounds = [whole_bounds(p.range) if p.integer else p.range for p in params]
        problem = {"num_vars": len(params), "names": names, "bounds": bounds}
        x = morris.sample(problem, design.trajectories, num_levels=design.levels, seed=spec.seed)
        columns = [_integer(x[:, j]) if p.integer else x[:, j] for j, p in enumerate(params)]
    else:
        u = unit_sample(design, len(params), spec.seed)
        columns = [from_unit(p, u[:, j]) for j, p in enumerate(params)]
    table = pd.DataFrame(dict(zip(names, columns, strict=True)))
    table.index.name = "point"
    return table


def unit_sample(design: LhsDesign | SobolDesign, d: int, seed: int) -> FloatArray:
    """Points on the unit cube ``[0, 1)^d``: a Latin hypercube, or Saltelli's Sobol' scheme."""
    if isinstance(design, LhsDesign):
        from scipy.stats import qmc  # noqa: PLC0415 - scipy.stats takes ~0.6 s to import

        sampler = qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed))
        out: FloatArray = sampler.random(design.samples)
        return out
    from SALib.sample import sobol  # noqa: PLC0415 - SALib loads only for its designs

    problem = {"num_vars": d, "names": [f"x{j}" for j in range(d)], "bounds": [[0.0, 1.0]] * d}
    cube: FloatArray = sobol.sample(
        problem, design.samples, calc_second_order=design.second_order, seed=seed
    )
    return cube


def grid_levels(p: Parameter, levels: int | None) -> list[Any]:
    """A parameter's values on a grid: its ``values``, or ``levels`` points across its range."""
    if p.values is not None:
        return list(p.values)
    if p.range is None or levels is None:
        raise ValueError("a grid needs values, or a range and design.levels")
    if p.integer:  # spread over the whole numbers in the range, so none falls outside it
        lo, hi = whole_bounds(p.range)
        return list(dict.fromkeys(int(v) for v in np.rint(np.linspace(lo, hi, levels))))
    x = np.linspace(p.range[0], p.range[1], levels)
    return [float(f"{v:.12g}") for v in x]  # 0.15, not 0.15000000000000002


def from_unit(p: Parameter, u: FloatArray) -> Any:
    """Map unit-cube values ``u`` to a parameter's values (its inverse CDF).

    ``values``: each with equal chance; ``range``: uniform (whole numbers equally likely if
    ``integer``); ``distribution``: its quantile function.
    """
    if p.values is not None:
        k = len(p.values)
        idx = np.minimum((u * k).astype(np.int64), k - 1)
        return [p.values[i] for i in idx]
    if p.range is not None:
        lo, hi = p.range
        if p.integer:
            lo_i, hi_i = whole_bounds(p.range)
            return np.minimum(lo_i + (u * (hi_i - lo_i + 1)).astype(np.int64), hi_i)
        return lo + u * (hi - lo)
    assert p.distribution is not None
    x = ppf(p.distribution, np.clip(u, _EDGE, 1 - _EDGE))
    return _integer(x) if p.integer else x


def ppf(d: Distribution, u: FloatArray) -> FloatArray:
    """The quantile function of a distribution, from ``scipy.stats``."""
    from scipy import stats  # noqa: PLC0415 - scipy.stats takes ~0.6 s to import

    lo, hi = d.low or 0.0, d.high or 0.0
    if d.name == "uniform":
        dist = stats.uniform(loc=lo, scale=hi - lo)
    elif d.name == "loguniform":
        dist = stats.loguniform(lo, hi)
    elif d.name == "triangular":
        dist = stats.triang(c=((d.mode or 0.0) - lo) / (hi - lo), loc=lo, scale=hi - lo)
    else:
        mean, sd = d.mean or 0.0, d.sd or 1.0
        if d.name == "normal":
            dist = stats.norm(loc=mean, scale=sd)
        else:
            dist = stats.truncnorm((lo - mean) / sd, (hi - mean) / sd, loc=mean, scale=sd)
    out: FloatArray = np.asarray(dist.ppf(u), dtype=np.float64)
    return out


def _grid_count(p: Parameter, levels: int | None) -> int:
    """How many values a parameter takes on a grid, without listing them."""
    if p.values is not None:
        return len(p.values)
    if p.range is None or levels is None:
        return 0
    if p.integer:  # levels at least 1 apart round to distinct numbers; closer ones hit all
        lo, hi = whole_bounds(p.range)
        return min(levels, hi - lo + 1)
    return levels


def whole_bounds(r: tuple[float, float] | None) -> tuple[int, int]:
    """The least and greatest whole numbers in a range."""
    assert r is not None
    return math.ceil(r[0]), math.floor(r[1])


def _integer(x: FloatArray) -> npt.NDArray[np.int64]:
    return np.rint(x).astype(np.int64)


def design_size(spec: SweepSpec) -> int:
    """How many points the design has (times an experiment's settings), without building it."""
    settings = spec.levers.settings() if spec.levers is not None else 1
    return _sampled_size(spec) * settings


def _sampled_size(spec: SweepSpec) -> int:
    """How many points the design samples."""
    d, design = len(spec.inputs), spec.design
    if isinstance(design, GridDesign):
        return math.prod(_grid_count(p, design.levels) for p in spec.inputs.values())
    if isinstance(design, LhsDesign | DrawnDesign):
        return design.samples
    if isinstance(design, SobolDesign):
        return design.samples * (2 * d + 2 if design.second_order else d + 2)
    return design.trajectories * (d + 1)
