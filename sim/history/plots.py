"""Figures of the model against the public record.

Core objects: :func:`history_figure` (each fact of :func:`sim.history.held_against_record`
as a panel: the record's figure and bounds, the model's mean, interval and spread) and
:func:`history_timeline` (the weeks around the Qaani visit on the calendar: the model's
attacks a day against the record's, and the U.S. response time among trials). Both return
matplotlib Figures, built with no global plotting state.
"""

from __future__ import annotations

import datetime
import math
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from sim.core.plotting import date_number, new_figure
from sim.core.types import SeedLike
from sim.history.facts import (
    Dated,
    calendar,
    facts,
    is_finite,
    model_trials,
    record_percentile,
)
from sim.runs.runner import run

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def history_figure(table: pd.DataFrame) -> Figure:
    """One panel per fact: the public figure or bounds against the model's estimate.

    The record is the shaded band (its bounds, as ``calibration.md`` reads them; none where
    the record is a single figure) and the black line (its figure); the model is the dot
    with its 95% interval (thick) and the 5th to 95th percentile of trials (thin), where
    those exist.
    """
    n = len(table)
    cols = 3
    rows = math.ceil(n / cols)
    fig = new_figure(4.6 * cols, 2.7 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, (fid, r) in zip(axes, table.iterrows(), strict=False):
        spread = [x for x in (r.p05, r.p95, r.ci_low, r.ci_high, r.value, r.low, r.high)]
        finite = [float(x) for x in spread if x is not None and np.isfinite(x)]
        left, right = min(finite), max(finite)
        pad = 0.15 * (right - left or 1.0)
        has_low, has_high = is_finite(r.low), is_finite(r.high)
        if (has_low or has_high) and not (has_low and has_high and r.low == r.high):
            lo = r.low if has_low else left - pad
            hi = r.high if has_high else right + pad
            ax.axvspan(lo, hi, color="tab:green", alpha=0.25)
        if is_finite(r.value):
            ax.axvline(r.value, color="black", lw=1.5)
        elif has_low and has_high and r.low == r.high:
            ax.axvline(r.low, color="black", lw=1.5)
        if is_finite(r.p05):
            ax.plot([r.p05, r.p95], [0, 0], color="tab:blue", lw=1)
        ax.plot([r.ci_low, r.ci_high], [0, 0], color="tab:blue", lw=5)
        ax.plot([r["mean"]], [0], "o", color="tab:blue")
        ax.set_yticks([])
        ax.set_xlim(left - pad, right + pad)
        ax.set_title(f"{fid}: {r.what}", fontsize=8, loc="left", wrap=True)
        where = r.get("record_percentile")
        among = (
            f"record at the {100 * where:.0f}th percentile of trials"
            if where is not None and np.isfinite(where)
            else {
                True: "record within 5-95% of trials",
                False: "record outside 5-95% of trials",
            }.get(r.record_in_spread, "")
        )
        verb = {"overlaps": "overlaps"}.get(r.verdict, f"is {r.verdict}")
        ax.set_xlabel(f"{r.unit}; the model's mean {verb} the record\n{among}", fontsize=8)
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.suptitle(
        "The model (blue: mean, 95% interval, 5-95% of trials) against the public record "
        "(green: its bounds; black: its figure)",
        fontsize=9,
    )
    return fig


def history_timeline(trials: int = 2000, seed: SeedLike = 0, days: int = 45) -> Figure:
    """The weeks around the visit on the calendar, the model against the record.

    Left: attacks a day (7-day averages, mean and 5th to 95th percentile of trials) in
    ``baseline`` over the two weeks before the Jordan attack (standing for C1's two weeks
    before the visit, two days later), then in ``qaani_visit`` (with its holdouts' attacks)
    and its ``no_visit`` counterfactual over ``days`` from the attack; the record's bands
    for C1 and the wave (C3), and its dated events. Right: the share of trials in which the
    U.S. has struck within *d* days of the deaths, over the ``response`` fact's window (as
    in :func:`~sim.history.held_against_record`), against the record's five days.
    """
    starts, events = calendar()
    fig = new_figure(13, 5.2)
    ax, cdf = fig.subplots(1, 2, width_ratios=[2.6, 1])
    lead = (starts["qaani_visit"] - starts["baseline"]).days
    before = run("baseline", trials, lead, seed).daily()
    after = run("qaani_visit", trials, days, seed).daily()
    novisit = run("no_visit", trials, days, seed).daily()
    for frame, name, color in (
        (before, "baseline", "tab:gray"),
        (after, "qaani_visit", "tab:blue"),
    ):
        x = _dates(starts[name], frame.index)
        ax.fill_between(
            x, frame.attacks_avg7_p05, frame.attacks_avg7_p95, color=color, alpha=0.2, lw=0
        )
        ax.plot(x, frame.attacks_avg7_mean, color=color, label=f"model: {name}")
    x = _dates(starts["qaani_visit"], after.index)
    ax.plot(
        x, after.attacks_holdout_avg7_mean, color="tab:red", lw=1, label="qaani_visit: holdouts"
    )
    ax.plot(
        _dates(starts["no_visit"], novisit.index), novisit.attacks_avg7_mean,
        "--", color="tab:orange", label="model: no_visit",
    )  # fmt: skip
    _record_bands(ax, starts)
    _dated_events(ax, events)
    ax.set_ylabel("attacks a day (7-day average)")
    ax.set_title(f"Attacks on U.S. forces, model ({trials:,} trials) and record", fontsize=9)
    # under the axes, so that it covers no band
    ax.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=3)
    response = next(f for f in facts() if f.id == "response")
    _response(cdf, model_trials(response, trials, seed), response.value or 5.0)
    return fig


#: the share of the axes' height above the data, where the events' labels go
LABEL_ROOM = 0.3


def _dated_events(ax: Axes, events: tuple[Dated, ...]) -> None:
    """A dotted line on each event's date, and its label on a row of its own above the data.

    The y axis grows so that the data stay below the labels' rows; each label starts at its
    line and reads left to right, and each line stops at its own label, so no label overlaps
    another or crosses a line.
    """
    _, top = ax.get_ylim()
    ax.set_ylim(top=top / (1 - LABEL_ROOM))
    row = LABEL_ROOM / max(1, len(events))
    for k, e in enumerate(events):
        y = 0.99 - k * row  # the line stops at its label, under the earlier ones' rows
        ax.axvline(date_number(e.date), ymax=y, color="black", lw=0.8, ls=":")
        ax.annotate(
            f"{e.date.day} {e.date:%b}: {e.what}",
            (e.date, y),
            xycoords=("data", "axes fraction"),
            xytext=(3, 0),
            textcoords="offset points",
            va="top",
            ha="left",
            fontsize=7.5,
        )


def _dates(start: datetime.date, days: pd.Index) -> npt.NDArray[np.datetime64]:
    return np.datetime64(start, "D") + np.asarray(days, dtype="timedelta64[D]")


def _record_bands(ax: Axes, starts: dict[str, datetime.date]) -> None:
    """The record's rates: C1 over the two weeks before the visit, C3 over the wave."""
    by_id = {f.id: f for f in facts()}
    c1, c3 = by_id["C1"], by_id["C3"]
    wave = _dates(starts["baseline"], pd.Index([0, (starts["wave_end"] - starts["baseline"]).days]))
    before = _dates(
        starts["baseline"], pd.Index([0, (starts["qaani_visit"] - starts["baseline"]).days])
    )
    label = f"record: the wave's windows (C3), {c3.low}-{c3.high}"
    ax.fill_between(wave, c3.low or 0, c3.high or 0, color="tab:green", alpha=0.08, label=label)
    ax.plot(
        wave, [c3.value or np.nan] * 2, color="tab:green", lw=1, label=f"record: C3, {c3.value}"
    )
    label = f"record: two weeks before (C1), {c1.low}-{c1.high}"
    ax.fill_between(before, c1.low or 0, c1.high or 0, color="tab:green", alpha=0.25, label=label)


def _response(ax: Axes, days: np.ndarray, record: float) -> None:
    """The share of trials with a U.S. strike within d days of the deaths, and the record.

    Trials with no strike (NaN) count as never: in the curve and in the median alike.
    """
    grid = np.arange(0, int(np.nanmax(days, initial=record)) + 2)
    share = [(days <= d).mean() for d in grid]
    median = np.median(np.where(np.isnan(days), np.inf, days))
    ax.step(grid, share, where="post", color="tab:blue", label="model: qaani_visit")
    where = record_percentile(days, record)
    ax.axvline(record, color="black", lw=1.5, label=f"record: {record:g} days")
    ax.set_title(
        f"A U.S. strike within d days of the deaths\nrecord: {record:g} days, the "
        f"{100 * where:.0f}th percentile; median trial: {median:g}",
        fontsize=9,
    )
    ax.set_xlabel("days")
    ax.set_ylabel("share of trials")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7, loc="lower right")


__all__ = ["history_figure", "history_timeline"]
