"""Holding the model against the public record.

Core objects: :func:`facts` (the public counts shipped in ``sim/history/facts.yaml``, each with its
source) and :func:`held_against_record` (the model's estimate of each fact beside the public
figure, and where the record falls among trials). The figures are in
:mod:`sim.historyplots`.
"""

from __future__ import annotations

import datetime
import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.errors import InputError
from sim.core.stats import Estimate, estimate_mean, ratio_of_means
from sim.core.types import FloatArray, SeedLike
from sim.core.yamlio import read_yaml
from sim.runs.runner import run
from sim.runs.windows import window_rates
from sim.scenario.loader import load_scenario

HISTORY_FILE = Path(__file__).with_name("facts.yaml")


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
    """The public counts in ``sim/history/facts.yaml``.

    Raises:
        InputError: A fact of a per-trial metric whose window does not start on day 0 (a
            metric covers the whole run, so only its end can be chosen).
    """
    data, _ = read_yaml(HISTORY_FILE)
    out = []
    for f in data["facts"]:
        m = f["model"]
        if not _is_rate(m["quantity"], m["scenario"]) and m["days"][0] != 0:
            raise InputError(
                f"{m['quantity']} is a per-trial metric over the whole run: its window must "
                f"start on day 0, got {m['days']}",
                file=str(HISTORY_FILE),
                path=("facts", f["id"], "model", "days"),
            )
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


@dataclass(frozen=True)
class Dated:
    """A dated event of the record, for the timeline."""

    date: datetime.date
    what: str
    source: str


def calendar() -> tuple[dict[str, datetime.date], tuple[Dated, ...]]:
    """The date of each scenario's day 0, and the record's dated events (``facts.yaml``).

    The dates include ``wave_end``, the last day of C3's count.
    """
    starts, events = _calendar()
    return dict(starts), events


@functools.cache
def _calendar() -> tuple[dict[str, datetime.date], tuple[Dated, ...]]:
    data, _ = read_yaml(HISTORY_FILE)
    day = datetime.date.fromisoformat  # dates are quoted: the strict reader takes no timestamps
    events = tuple(Dated(day(e["date"]), e["what"], e["source"]) for e in data["events"])
    return {name: day(text) for name, text in data["calendar"].items()}, events


def model_trials(fact: Fact, trials: int, seed: SeedLike) -> FloatArray:
    """Each trial's value of a fact's quantity (for a ratio fact, the numerator scenario's)."""
    first, end = fact.days
    if _is_rate(fact.quantity, fact.scenario):
        return window_rates(fact.scenario, first, end, trials, seed)[fact.quantity]
    return run(fact.scenario, trials, end, seed).per_trial(fact.quantity)


def _is_rate(quantity: str, scenario: str) -> bool:
    """Whether a fact's quantity is attacks a day (all groups' or one's) over a window."""
    return quantity == "attacks" or quantity in load_scenario(scenario).spec.militias


def _estimate(fact: Fact, values: FloatArray, seed: SeedLike) -> Estimate:
    if fact.versus is None:
        return estimate_mean(values)
    first, end = fact.days
    other = window_rates(fact.versus, first, end, len(values), seed)[fact.quantity]
    return ratio_of_means(values, other)


def record_percentile(values: FloatArray, record: float) -> float:
    """Where the record falls among trials: the share below it, plus half the share equal.

    0.5 is the middle of the trials; near 0 or 1, history was an unusual trial. Trials
    without a value (NaN: no strike ever came, say) count as above any record.
    """
    below = np.count_nonzero(values < record)
    equal = np.count_nonzero(values == record)
    return float((below + 0.5 * equal) / len(values))


def held_against_record(trials: int = 10_000, seed: SeedLike = 0) -> pd.DataFrame:
    """Each public fact beside the model's estimate.

    Returns:
        One row per fact (index ``id``): ``what``, ``unit``, the public ``value``, ``low``
        and ``high``; the model's ``mean``, ``ci_low``, ``ci_high`` (95%), ``p05`` and
        ``p95`` across trials, and ``n``; ``verdict``: ``inside`` (the mean's whole
        interval within the public bounds, the calibration tests' criterion), ``overlaps``
        or ``outside``; ``record_in_spread``: whether the record lies within the 5th to
        95th percentile of trials (could one trial look like history?);
        ``record_percentile``: where the record's figure falls among trials (see
        :func:`record_percentile`; None for ratios and bare bounds); and ``source``.
    """
    rows: list[dict[str, Any]] = []
    for f in facts():
        values = model_trials(f, trials, seed)
        e = _estimate(f, values, seed)
        where = None
        if f.versus is None and f.value is not None:
            where = record_percentile(values, f.value)
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
                "record_percentile": where,
                "source": f.source,
            }
        )
    return pd.DataFrame(rows).set_index("id")


def is_finite(x: Any) -> bool:
    """Whether a table cell holds a finite number (not None or NaN)."""
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


__all__ = [
    "Dated",
    "Fact",
    "calendar",
    "facts",
    "held_against_record",
    "record_percentile",
]
