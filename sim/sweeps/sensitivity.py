"""Sensitivity indices of a sweep's metrics to its parameters, computed with SALib.

Core objects: :func:`sensitivity`. The method follows the design: a ``sobol`` design gives
Sobol' first-order (``S1``), total (``ST``) and, with ``second_order``, pairwise (``S2``)
indices; ``morris`` gives elementary-effect screening (``mu``, ``mu_star``, ``sigma``); an
``lhs`` design gives RBD-FAST first-order indices (``S1``). Each has a bootstrap confidence
interval. Each index is computed on the point means of one metric; a metric that is
undefined at some point, or the same at every point, is skipped, with the reason.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from sim.core.errors import InputError
from sim.runs.sensitivity import (
    CONF_LEVEL,
    MIN_SAMPLE,
    RESAMPLES,
    finish,
    index_row,
    index_rows,
)

#: RBD-FAST (M = 10 harmonics) resamples half the points: below this its intervals collapse
MIN_RBD_FAST = MIN_SAMPLE


def sensitivity(
    table: pd.DataFrame,
    info: dict[str, Any],
    metrics: list[str] | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Sensitivity indices of every metric, with 95% bootstrap intervals.

    Args:
        table: The sweep's tidy table (a row per point and metric).
        info: The sweep's manifest (design, parameters, points).
        metrics: The metrics to analyse (default: every metric in the table).
        seed: Seed of the bootstrap resampling (the intervals are reproducible).

    Returns:
        A row per metric, index and parameter (``parameter_2`` for ``S2``): ``value``,
        ``conf`` (the interval's half-width), ``ci_low`` and ``ci_high``.
        ``attrs["skipped"]`` maps each metric left out to the reason.

    Raises:
        InputError: The design has no indices (a grid), or points are missing.
    """
    design = info["design"]
    kind = design["kind"]
    if kind == "grid":
        raise InputError(
            "a grid design has no sensitivity indices: use design kind sobol, morris or lhs "
            "('escsim plot' draws a grid's effects and heatmaps)"
        )
    if kind == "lhs" and info["points"] < MIN_RBD_FAST:
        raise InputError(
            f"RBD-FAST needs at least {MIN_RBD_FAST} LHS points for honest intervals; this "
            f"sweep has {info['points']} (below that its bootstrap intervals shrink to nothing)"
        )
    names = list(info["parameters"])
    means = table.pivot_table(index="point", columns="metric", values="mean", dropna=False)
    missing = info["points"] - len(means)
    if missing:
        raise InputError(
            f"{missing} of {info['points']} points have no results (failed, or not yet run): "
            "the indices need every point; run the sweep again to finish it"
        )
    x = _numeric(table.drop_duplicates("point").set_index("point").sort_index()[names])
    rows: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    for metric in metrics or list(dict.fromkeys(table["metric"])):
        y = means[metric].sort_index().to_numpy(dtype=np.float64)
        if np.isnan(y).any():
            skipped[metric] = f"undefined at {int(np.isnan(y).sum())} points"
        elif np.ptp(y) == 0:
            skipped[metric] = "the same at every point"
        else:
            rows += _indices(metric, kind, design, info, names, x, y, seed)
    return finish(rows, skipped)


def _numeric(x: pd.DataFrame) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Parameters as numbers: listed text values become their position in the list."""
    cols = [
        x[c] if pd.api.types.is_numeric_dtype(x[c]) else pd.Series(pd.factorize(x[c])[0])
        for c in x.columns
    ]
    return np.column_stack([np.asarray(c, dtype=np.float64) for c in cols])


def _indices(
    metric: str,
    kind: str,
    design: dict[str, Any],
    info: dict[str, Any],
    names: list[str],
    x: np.ndarray[Any, np.dtype[np.float64]],
    y: np.ndarray[Any, np.dtype[np.float64]],
    seed: int,
) -> list[dict[str, Any]]:
    # SALib's sobol treats a seed of 0 as none (global random state): never pass 0
    common = {"num_resamples": RESAMPLES, "conf_level": CONF_LEVEL, "seed": seed + 1}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # SALib's own numerical notes
        if kind == "sobol":
            from SALib.analyze import sobol  # noqa: PLC0415 - SALib loads only for its indices

            problem = {"num_vars": len(names), "names": names, "bounds": [[0, 1]] * len(names)}
            second = bool(design.get("second_order"))
            res = sobol.analyze(problem, y, calc_second_order=second, **common)
            out = index_rows(metric, "sobol", res, names, ("S1", "ST"))
            if second:
                for i, a in enumerate(names):
                    for j in range(i + 1, len(names)):
                        out.append(
                            index_row(
                                metric, "sobol", "S2", a, res["S2"][i, j], res["S2_conf"][i, j]
                            )
                        )
                        out[-1]["parameter_2"] = names[j]
            return out
        if kind == "morris":
            from SALib.analyze import morris  # noqa: PLC0415 - SALib loads only for its indices

            specs = info["parameter_specs"]
            bounds = [specs[n]["range"] for n in names]
            problem = {"num_vars": len(names), "names": names, "bounds": bounds}
            res = morris.analyze(problem, x, y, num_levels=design["levels"], **common)
            out = index_rows(metric, "morris", res, names, ("mu_star",))
            for i, n in enumerate(names):
                out.append(index_row(metric, "morris", "mu", n, res["mu"][i], np.nan))
                out.append(index_row(metric, "morris", "sigma", n, res["sigma"][i], np.nan))
            return out
        from SALib.analyze import rbd_fast  # noqa: PLC0415 - SALib loads only for its indices

        bounds = [[float(c.min()), float(c.max())] for c in x.T]
        problem = {"num_vars": len(names), "names": names, "bounds": bounds}
        res = rbd_fast.analyze(problem, x, y, **common)
        return index_rows(metric, "rbd_fast", res, names, ("S1",))
