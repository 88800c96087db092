"""Sensitivity from one run: which uncertain quantity moves each metric, trial by trial.

Core objects: :func:`sample_sensitivity`, and the table every sensitivity analysis returns
(:data:`COLUMNS`, :func:`index_row`, :func:`index_rows`; sweeps use them too). A run that
draws its declared uncertainties once per trial is a sample of inputs and outputs: RBD-FAST
first-order indices (``S1``) and Borgonovo's moment-independent ``delta`` (with its own
``S1``) work on any such sample (SALib), each with a bootstrap interval. No sweep needed for a
first screening.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.errors import InputError, did_you_mean
from sim.core.files import write_all
from sim.core.paths import MAX_TABLE_BYTES, check_regular_file

COLUMNS = ["metric", "method", "index", "parameter", "parameter_2", "value", "conf"]
CONF_LEVEL = 0.95
RESAMPLES = 200
#: RBD-FAST (M = 10 harmonics) resamples half the sample: below this its intervals collapse
MIN_SAMPLE = 64
#: the methods a run's sample takes: RBD-FAST is quick; delta takes about 20 s a metric at
#: 10^4 trials on one core (measured), so it is asked for by name
METHODS = ("rbd_fast", "delta")


def index_row(
    metric: str, method: str, index: str, p: str, value: Any, conf: Any
) -> dict[str, Any]:
    """One index of one parameter, as a row of :data:`COLUMNS`."""
    return {
        "metric": metric,
        "method": method,
        "index": index,
        "parameter": p,
        "parameter_2": "",
        "value": float(value),
        "conf": float(conf),
    }


def index_rows(
    metric: str, method: str, res: Any, names: list[str], keys: tuple[str, ...]
) -> list[dict[str, Any]]:
    """Rows for SALib's result ``res``: each of ``keys`` with its ``_conf``, per parameter."""
    return [
        index_row(metric, method, key, n, res[key][i], res[f"{key}_conf"][i])
        for key in keys
        for i, n in enumerate(names)
    ]


def finish(rows: list[dict[str, Any]], skipped: dict[str, str]) -> pd.DataFrame:
    """The table: rows, each interval's ends, and ``attrs["skipped"]``."""
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["ci_low"] = out["value"] - out["conf"]
    out["ci_high"] = out["value"] + out["conf"]
    out.attrs["skipped"] = skipped
    return out


def sample_sensitivity(
    x: pd.DataFrame, y: pd.DataFrame, methods: tuple[str, ...] = ("rbd_fast",), seed: int = 0
) -> pd.DataFrame:
    """Indices of every metric in ``y`` to every input in ``x``, from one sample.

    Args:
        x: Each trial's inputs (a run's :meth:`~sim.runs.results.Results.parameters`).
        y: Each trial's metrics (:meth:`~sim.runs.results.Results.per_trial_frame`).
        methods: Any of :data:`METHODS`.
        seed: Seed of the bootstrap (the intervals are reproducible).

    Returns:
        A row per metric, method, index and input (see :data:`COLUMNS`), with ``ci_low`` and
        ``ci_high``; ``attrs["skipped"]`` maps each metric left out to the reason. A metric
        undefined in some trials (the days from a death to a strike) uses the trials that
        define it.

    Raises:
        InputError: No input varies, an unknown method, or too small a sample.
    """
    if unknown := [m for m in methods if m not in METHODS]:
        raise InputError(f"unknown method {unknown[0]!r}: one of {', '.join(METHODS)}")
    varying = [c for c in x.columns if np.ptp(x[c].to_numpy(dtype=np.float64)) > 0]
    if not varying:
        raise InputError(
            "no input varies from trial to trial: a run's indices are over the uncertainties "
            "it draws (declare some, and run without --point)"
        )
    if len(x) < MIN_SAMPLE:
        raise InputError(f"indices need at least {MIN_SAMPLE} trials, got {len(x)}")
    inputs = x[varying].to_numpy(dtype=np.float64)
    rows: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    for metric in y.columns:
        values = y[metric].to_numpy(dtype=np.float64)
        defined = ~np.isnan(values)
        if defined.sum() < MIN_SAMPLE:
            skipped[metric] = f"defined in {int(defined.sum())} trials, fewer than {MIN_SAMPLE}"
        elif np.ptp(values[defined]) == 0:
            skipped[metric] = "the same in every trial"
        else:
            for method in methods:
                rows += _indices(metric, method, varying, inputs[defined], values[defined], seed)
    return finish(rows, skipped)


def _indices(
    metric: str,
    method: str,
    names: list[str],
    x: np.ndarray[Any, np.dtype[np.float64]],
    y: np.ndarray[Any, np.dtype[np.float64]],
    seed: int,
) -> list[dict[str, Any]]:
    bounds = [[float(c.min()), float(c.max())] for c in x.T]
    problem = {"num_vars": len(names), "names": names, "bounds": bounds}
    common = {"num_resamples": RESAMPLES, "conf_level": CONF_LEVEL, "seed": seed + 1}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # SALib's own numerical notes
        if method == "rbd_fast":
            from SALib.analyze import rbd_fast  # noqa: PLC0415 - SALib loads only for its indices

            return index_rows(
                metric, "rbd_fast", rbd_fast.analyze(problem, x, y, **common), names, ("S1",)
            )
        from SALib.analyze import delta  # noqa: PLC0415 - SALib loads only for its indices

        res = delta.analyze(problem, x, y, method="delta", **common)
        res["delta"], res["delta_conf"] = res["delta_raw"], res["delta_raw_conf"]
        return index_rows(metric, "delta", res, names, ("delta",))


def analyze_run(
    folder: str | Path, metrics: list[str] | None, methods: tuple[str, ...], seed: int = 0
) -> tuple[pd.DataFrame, list[Path]]:
    """A run folder's indices (``escsim analyze RUN_DIR``), written beside its files.

    Reads ``parameters.parquet`` and ``per_trial.parquet`` (written by ``escsim run --out``)
    and writes ``sensitivity.csv`` and ``sensitivity.parquet``.

    Raises:
        InputError: The folder lacks those files, or an unknown metric.
    """
    path = Path(folder)
    for name in ("parameters.parquet", "per_trial.parquet"):
        if (path / name).is_file():  # a missing one: said below, as not a run's folder
            check_regular_file(path / name, MAX_TABLE_BYTES)
    try:
        x = pd.read_parquet(path / "parameters.parquet")
        y = pd.read_parquet(path / "per_trial.parquet")
    except (OSError, ValueError) as exc:
        raise InputError(f"not a run's results folder ({exc})", file=str(path)) from None
    if unknown := [m for m in metrics or [] if m not in y.columns]:
        raise InputError(
            f"the run has no metric {unknown[0]!r}{did_you_mean(unknown[0], y.columns)}"
        )
    sens = sample_sensitivity(x, y[metrics] if metrics else y, methods, seed)
    paths = write_all(
        path,
        {
            "sensitivity.csv": lambda p: sens.to_csv(p, index=False),
            "sensitivity.parquet": lambda p: sens.to_parquet(p, index=False),
        },
    )
    return sens, paths
