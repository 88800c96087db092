"""Figures of a run, drawn with matplotlib's object API (no global figure state).

Core objects: :func:`daily_figure`: attacks, U.S. strikes and U.S. deaths day by day with
their 5-95% bands across trials, the scenario's forced events, and the share of trials on
each rung of the ladder (a logarithmic axis, so a 1% share shows);
:func:`comparison_figure`: two scenarios side by side and their paired differences. Both take
plain data: the daily tables of :meth:`~sim.runs.results.Results.daily`, the scenario's
forced events as a table, the differences of :meth:`~sim.runs.comparison.Comparison.summary`,
and a title.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.core.plotting import fit_title, new_figure, percent_log_axis
from sim.scenario.vocabulary import GROUP_METRIC, RUNGS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PANELS = (
    ("attacks", "avg7", "Militia attacks on U.S. forces", "attacks a day (7-day average)"),
    ("us_strikes", "avg7", "U.S. strikes on militias", "strike days a day (7-day average)"),
    ("us_killed", "cum", "U.S. personnel killed", "killed since day 0"),
)
#: what the median line is the median of, by kind of series
MEDIAN = {
    "avg7": "median of the trials' 7-day averages",
    "cum": "median of the trials' running totals",
}
#: the daily figure's title size
TITLE_FONTSIZE = 10.5
#: how many forced events the title lists (the rest are counted)
MAX_EVENTS_LISTED = 6


def event_label(e: pd.Series) -> str:
    """One forced event in words: ``day 0: attack by kataib_hezbollah in syria (3 killed)``."""

    def field(key: str) -> Any:  # None where the table has no such value
        value = e.get(key)
        return None if value is None or (isinstance(value, float) and np.isnan(value)) else value

    militia = field("militia")
    if e["kind"] == "attack":
        hurt = [f"{int(field(k)):,} {k}" for k in ("killed", "wounded") if field(k)]
        where = f" in {field('theater')}" if field("theater") else ""
        text = f"attack by {militia}{where}" + (f" ({', '.join(hurt)})" if hurt else "")
    elif e["kind"] == "us_strike":
        text = f"U.S. strike on {militia}" + (
            ", a commander killed" if field("leader_killed") else ""
        )
    elif e["kind"] == "directive":
        text = "Iran's directive to lie low"
    elif e["kind"] == "iraq_request":
        text = "Iraq asks Iran to rein in the groups"
    else:
        text = str(e["kind"])
    return f"day {int(e['day'])}: {text}"


def _events_line(events: pd.DataFrame) -> str:
    """The forced events for a title: what the dotted lines mark."""
    labels = [event_label(e) for _, e in events.iterrows()]
    more = len(labels) - MAX_EVENTS_LISTED
    if more > 0:
        labels = [*labels[:MAX_EVENTS_LISTED], f"and {more} more"]
    return "Dotted lines: forced events, in every trial: " + "; ".join(labels)


def _day_axis(ax: Axes, days: pd.Index) -> None:
    """Days from the first to the last, with a little room before the first (a day-0 event)."""
    first, last = int(days[0]), int(days[-1])
    ax.set_xlim(first - max(1.0, 0.015 * (last - first)), last)


def _mark_events(ax: Axes, days: np.ndarray) -> None:
    for day in days:
        ax.axvline(day, color="black", lw=0.8, ls=":", zorder=1)


def daily_figure(d: pd.DataFrame, title: str, events: pd.DataFrame | None = None) -> Figure:
    """Four panels: three daily series with mean, median and 5-95% band; the rung shares.

    Args:
        d: A run's daily table (:meth:`~sim.runs.results.Results.daily`).
        title: The figure's title (wrapped to the figure's width).
        events: The scenario's forced events, a row each (``day``, ``kind``, ``militia``,
            ``theater``, ``killed``, ``wounded``, ``leader_killed``): a dotted line on their
            days, listed under the title. Events after the last day are left out.
    """
    fig = new_figure(12, 7.5)
    axes = fig.subplots(2, 2).ravel()
    last = int(d.index[-1])
    shown = events[events["day"] <= last] if events is not None and len(events) else None
    days = np.unique(shown["day"].to_numpy()) if shown is not None else np.array([])
    for ax, (name, kind, panel, ylabel) in zip(axes, PANELS, strict=False):
        p05, p95 = d[f"{name}_{kind}_p05"], d[f"{name}_{kind}_p95"]
        ax.fill_between(d.index, p05, p95, alpha=0.25, lw=0, label="5-95% of trials")
        ax.plot(d.index, d[f"{name}_{kind}_p50"], lw=1.5, color="tab:blue", label=MEDIAN[kind])
        ax.plot(d.index, d[f"{name}_{kind}_mean"], lw=1.5, color="tab:orange", label="mean")
        _mark_events(ax, days)
        top = float(np.nanmax([p95.max(), d[f"{name}_{kind}_mean"].max(), 0.0])) or 1.0
        # a little room below 0, so a median lying at 0 shows above the axis
        ax.set_ylim(-0.04 * top, 1.05 * top)
        ax.axhline(0, color="grey", lw=0.5, zorder=0)
        ax.set_title(panel)
        ax.set_ylabel(ylabel)
        ax.set_xlabel("day of the run")
        _day_axis(ax, d.index)
        ax.legend(fontsize=8, loc="best")
    _rung_panel(axes[3], d)
    _mark_events(axes[3], days)
    if shown is not None:
        title = f"{title}\n{_events_line(shown)}"
    fit_title(fig, title, fontsize=TITLE_FONTSIZE)
    return fig


def _rung_panel(ax: Axes, d: pd.DataFrame) -> None:
    """Each rung's share of trials day by day, on a log axis, with its share on the last day."""
    last = d.index[-1]
    lowest = 1.0
    for r, label in enumerate(RUNGS):
        share = d[f"rung_{r}_share"]
        if share.max() <= 0:
            continue
        lowest = min(lowest, float(share[share > 0].min()))
        ax.plot(
            d.index,
            share.where(share > 0),
            lw=1.8,
            label=f"{r}: {label}: {share.iloc[-1]:.1%} on day {last}",
        )
    percent_log_axis(ax, min(0.005, max(lowest / 2, 0.001)))
    ax.set_title("Highest rung of the escalation ladder reached so far")
    ax.set_ylabel("share of trials (log scale)")
    ax.set_xlabel("day of the run")
    _day_axis(ax, d.index)
    ax.grid(axis="y", which="major", lw=0.5, alpha=0.5)
    ax.legend(fontsize=8, loc="best")


#: the differences drawn by the comparison figure: rates, then probabilities
RATE_METRICS = ("attacks_per_day", "us_strikes_per_day")
RISK_METRICS = ("p_us_fatality", "p_leadership_strike", "p_strike_on_iran")


def comparison_figure(
    runs: list[tuple[str, pd.DataFrame]], diffs: pd.DataFrame, title: str
) -> Figure:
    """Two scenarios day by day, and their paired differences.

    Four panels: attacks and strikes of both (mean, 5-95% band of trials: ``a``'s shaded,
    ``b``'s outlined, so neither hides the other), and the paired differences ``a - b`` with
    95% intervals, for rates (overall and by group) and risks.

    Args:
        runs: Each scenario's name and daily table, ``a`` first.
        diffs: The paired differences (:meth:`~sim.runs.comparison.Comparison.summary`).
        title: The figure's title.
    """
    fig = new_figure(12, 7.5)
    axes = fig.subplots(2, 2).ravel()
    colors = ("tab:blue", "tab:orange")
    for ax, (name, kind, panel, ylabel) in zip(axes[:2], PANELS[:2], strict=True):
        for k, (label, d) in enumerate(runs):
            low, high, color = d[f"{name}_{kind}_p05"], d[f"{name}_{kind}_p95"], colors[k % 2]
            if k == 0:
                ax.fill_between(
                    d.index,
                    low,
                    high,
                    color=color,
                    alpha=0.2,
                    lw=0,
                    label=f"{label}: 5-95% of trials",
                )
            else:
                ax.plot(d.index, low, color=color, lw=1, ls="--", label=f"{label}: 5-95% of trials")
                ax.plot(d.index, high, color=color, lw=1, ls="--")
            ax.plot(d.index, d[f"{name}_{kind}_mean"], lw=1.8, color=color, label=f"{label}: mean")
        top = max(float(d[f"{name}_{kind}_p95"].max()) for _, d in runs) or 1.0
        ax.set_ylim(-0.04 * top, 1.05 * top)  # room below 0: a line at 0 shows
        ax.axhline(0, color="grey", lw=0.5, zorder=0)
        ax.set_title(panel)
        ax.set_ylabel(ylabel)
        ax.set_xlabel("day of the run")
        ax.legend(fontsize=8, loc="upper right")
    groups = [m for m in diffs.index if m.startswith(GROUP_METRIC)]
    for ax, names, panel, xlabel in (
        (axes[2], [*RATE_METRICS, *groups], "Effect on rates a day", "a - b, a day"),
        (axes[3], list(RISK_METRICS), "Effect on risks over the run", "a - b, probability"),
    ):
        rows = diffs.loc[[n for n in names if n in diffs.index]]
        y = range(len(rows))[::-1]
        err = [rows["diff"] - rows["ci_low"], rows["ci_high"] - rows["diff"]]
        ax.errorbar(rows["diff"], list(y), xerr=err, fmt="o", capsize=3)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(list(y), [n.removeprefix(GROUP_METRIC) for n in rows.index])
        ax.set_title(f"{panel}: a - b, 95% CI")
        ax.set_xlabel(xlabel)
        ax.tick_params(axis="y", labelsize=8)
    fit_title(fig, title)
    return fig
