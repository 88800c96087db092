"""Holding the model against the public record.

Core objects: :func:`facts` (the public counts shipped in ``sim/history.yaml``, each with its
source), :func:`held_against_record` (the model's estimate of each fact beside the public
figure) and :func:`history_figure`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.figure import Figure

from sim.runner import run, window_rates
from sim.scenario import load_scenario
from sim.stats import Estimate, estimate_mean, ratio_of_means
from sim.streams import SeedLike
from sim.yamlio import read_yaml

FloatArray = npt.NDArray[np.float64]
HISTORY_FILE = Path(__file__).with_name("history.yaml")


@dataclass(frozen=True)
class Fact:
    """A public count and the model quantity it is compared with.

    Attributes:
        id: The calibration row (``C3``), or a name for facts outside the table.
        what: What was counted.
        value: The central public figure, if there is one.
        low: The least value consistent with the record (None: no bound).
        high: The greatest (None: no bound).
        unit: Its unit.
        scenario: The model scenario that stands for the period.
        quantity: ``attacks``, a group's name (its attacks), or a per-trial metric.
        days: The window ``[first, end)`` of model days.
        versus: A counterfactual scenario: the fact is then a ratio of means.
        source: Where the number comes from.
    """

    id: str
    what: str
    value: float | None
    low: float | None
    high: float | None
    unit: str
    scenario: str
    quantity: str
    days: tuple[int, int]
    versus: str | None
    source: str


@functools.cache
def facts() -> tuple[Fact, ...]:
    """The public counts in ``sim/history.yaml``."""
    data, _ = read_yaml(HISTORY_FILE)
    out = []
    for f in data["facts"]:
        m = f["model"]
        out.append(
            Fact(
                id=f["id"],
                what=f["what"],
                value=f.get("value"),
                low=f.get("low"),
                high=f.get("high"),
                unit=f["unit"],
                scenario=m["scenario"],
                quantity=m["quantity"],
                days=(m["days"][0], m["days"][1]),
                versus=m.get("versus"),
                source=" ".join(f["source"].split()),
            )
        )
    return tuple(out)


def model_estimate(fact: Fact, trials: int, seed: SeedLike) -> Estimate:
    """The model's estimate of one fact."""
    first, end = fact.days
    if fact.versus is not None:
        a = window_rates(fact.scenario, first, end, trials, seed)[fact.quantity]
        b = window_rates(fact.versus, first, end, trials, seed)[fact.quantity]
        return ratio_of_means(a, b)
    if fact.quantity == "attacks" or fact.quantity in load_scenario(fact.scenario).spec.militias:
        return estimate_mean(window_rates(fact.scenario, first, end, trials, seed)[fact.quantity])
    return estimate_mean(run(fact.scenario, trials, end, seed).per_trial(fact.quantity))


def held_against_record(trials: int = 10_000, seed: SeedLike = 0) -> pd.DataFrame:
    """Each public fact beside the model's estimate.

    Returns:
        One row per fact (index ``id``): ``what``, ``unit``, the public ``value``, ``low``
        and ``high``; the model's ``mean``, ``ci_low``, ``ci_high`` (95%), ``p05`` and
        ``p95`` across trials, and ``n``; ``verdict``: ``inside`` (the mean's whole
        interval within the public bounds, the calibration tests' criterion), ``overlaps``
        or ``outside``; ``record_in_spread``: whether the record lies within the 5th to
        95th percentile of trials (could one trial look like history?); and ``source``.
    """
    rows: list[dict[str, Any]] = []
    for f in facts():
        e = model_estimate(f, trials, seed)
        rows.append(
            {
                "id": f.id,
                "what": f.what,
                "unit": f.unit,
                "value": f.value,
                "low": f.low,
                "high": f.high,
                **{k: v for k, v in e.to_dict().items() if k != "p50"},
                "verdict": _verdict(e, *_bounds(f)),
                "record_in_spread": _in_spread(e, *_bounds(f)),
                "source": f.source,
            }
        )
    return pd.DataFrame(rows).set_index("id")


def _finite(x: Any) -> bool:
    return x is not None and bool(np.isfinite(x))


def _bounds(f: Fact) -> tuple[float, float]:
    """The public bounds; a bare figure is its own bounds."""
    if f.low is None and f.high is None and f.value is not None:
        return f.value, f.value
    return (-math.inf if f.low is None else f.low), (math.inf if f.high is None else f.high)


def _verdict(e: Estimate, lo: float, hi: float) -> str:
    """Where the model's mean (its 95% interval) sits against the public bounds."""
    if lo <= e.ci_low and e.ci_high <= hi:
        return "inside"
    return "overlaps" if e.ci_low <= hi and lo <= e.ci_high else "outside"


def _in_spread(e: Estimate, lo: float, hi: float) -> bool | None:
    """Whether the record is among what 90% of trials do (None for ratios of means).

    The record is one history, not an average: the question for it is whether a trial
    could look like it, which the 5th to 95th percentiles of trials answer.
    """
    if e.p05 is None or not np.isfinite(e.p05):
        return None
    return bool(e.p05 <= hi and lo <= (e.p95 if e.p95 is not None else math.inf))


def history_figure(table: pd.DataFrame) -> Figure:
    """One panel per fact: the public figure or bounds against the model's estimate.

    The public record is the shaded band (its bounds) and the black line (its central
    figure); the model is the dot with its 95% interval (thick) and the 5th to 95th
    percentile of trials (thin), where those exist.
    """
    n = len(table)
    cols = 3
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(4.4 * cols, 2.4 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, (fid, r) in zip(axes, table.iterrows(), strict=False):
        spread = [x for x in (r.p05, r.p95, r.ci_low, r.ci_high, r.value, r.low, r.high)]
        finite = [float(x) for x in spread if x is not None and np.isfinite(x)]
        left, right = min(finite), max(finite)
        pad = 0.15 * (right - left or 1.0)
        has_low, has_high = _finite(r.low), _finite(r.high)
        if has_low or has_high:
            lo = r.low if has_low else left - pad
            hi = r.high if has_high else right + pad
            ax.axvspan(lo, hi if hi > lo else lo + pad / 10, color="tab:green", alpha=0.25)
        if _finite(r.value):
            ax.axvline(r.value, color="black", lw=1.5)
        if _finite(r.p05):
            ax.plot([r.p05, r.p95], [0, 0], color="tab:blue", lw=1)
        ax.plot([r.ci_low, r.ci_high], [0, 0], color="tab:blue", lw=5)
        ax.plot([r["mean"]], [0], "o", color="tab:blue")
        ax.set_yticks([])
        ax.set_xlim(left - pad, right + pad)
        ax.set_title(f"{fid}: {r.what}", fontsize=8, loc="left", wrap=True)
        among = {True: "yes", False: "no", None: "n/a"}[r.record_in_spread]
        ax.set_xlabel(
            f"{r.unit}; model mean {r.verdict} the record; record among trials: {among}",
            fontsize=8,
        )
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.suptitle(
        "The model (blue: mean, 95% interval, 5-95% of trials) against the public record "
        "(green: its bounds; black: its figure)",
        fontsize=9,
    )
    return fig


__all__ = ["Fact", "facts", "held_against_record", "history_figure"]
