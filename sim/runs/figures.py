"""Figures of a run, drawn with matplotlib's object API (no global figure state).

Core objects: :func:`daily_figure`: attacks, U.S. strikes and U.S. deaths day by day with
their 5-95% bands across trials, and the share of trials on each rung of the ladder;
:func:`comparison_figure`: two scenarios side by side and their paired differences. Both take
plain data: the daily tables of :meth:`~sim.runs.results.Results.daily`, the differences of
:meth:`~sim.runs.comparison.Comparison.summary`, and a title.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from sim.core.plotting import new_figure
from sim.scenario.vocabulary import GROUP_METRIC, RUNGS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PANELS = (
    ("attacks", "avg7", "Militia attacks on U.S. forces", "attacks a day (7-day average)"),
    ("us_strikes", "avg7", "U.S. strikes on militias", "strike days a day (7-day average)"),
    ("us_killed", "cum", "U.S. personnel killed", "killed since day 0"),
)


def daily_figure(d: pd.DataFrame, title: str) -> Figure:
    """Four panels: three daily series with mean, median and 5-95% band; the rung shares.

    Args:
        d: A run's daily table (:meth:`~sim.runs.results.Results.daily`).
        title: The figure's title.
    """
    fig = new_figure(12, 7.5)
    axes = fig.subplots(2, 2).ravel()
    for ax, (name, kind, panel, ylabel) in zip(axes, PANELS, strict=False):
        ax.fill_between(
            d.index,
            d[f"{name}_{kind}_p05"],
            d[f"{name}_{kind}_p95"],
            alpha=0.25,
            label="5-95% of trials",
        )
        ax.plot(d.index, d[f"{name}_{kind}_p50"], lw=1, label="median trial")
        ax.plot(d.index, d[f"{name}_{kind}_mean"], lw=1.5, label="mean")
        ax.set_title(panel)
        ax.set_ylabel(ylabel)
        ax.set_xlabel("day of the run")
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=7)
    ax = axes[3]
    shares = d[[f"rung_{r}_share" for r in range(len(RUNGS))]]
    used = [r for r in range(len(RUNGS)) if shares[f"rung_{r}_share"].max() > 0]
    ax.stackplot(
        d.index,
        shares[[f"rung_{r}_share" for r in used]].to_numpy().T,
        labels=[f"{r}: {RUNGS[r]}" for r in used],
    )
    ax.set_title("Highest rung of the escalation ladder reached so far")
    ax.set_ylabel("share of trials")
    ax.set_xlabel("day of the run")
    ax.set_ylim(0, 1)
    ax.set_xlim(d.index[0], d.index[-1])
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.suptitle(title)
    return fig


#: the differences drawn by the comparison figure: rates, then probabilities
RATE_METRICS = ("attacks_per_day", "us_strikes_per_day")
RISK_METRICS = ("p_us_fatality", "p_leadership_strike", "p_strike_on_iran")


def comparison_figure(
    runs: list[tuple[str, pd.DataFrame]], diffs: pd.DataFrame, title: str
) -> Figure:
    """Two scenarios day by day, and their paired differences.

    Four panels: attacks and strikes of both (mean, 5-95% band of trials), and the paired
    differences ``a - b`` with 95% intervals, for rates (overall and by group) and risks.

    Args:
        runs: Each scenario's name and daily table, ``a`` first.
        diffs: The paired differences (:meth:`~sim.runs.comparison.Comparison.summary`).
        title: The figure's title.
    """
    fig = new_figure(12, 7.5)
    axes = fig.subplots(2, 2).ravel()
    for ax, (name, kind, panel, ylabel) in zip(axes[:2], PANELS[:2], strict=True):
        for label, d in runs:
            ax.fill_between(d.index, d[f"{name}_{kind}_p05"], d[f"{name}_{kind}_p95"], alpha=0.2)
            ax.plot(d.index, d[f"{name}_{kind}_mean"], lw=1.5, label=f"{label}: mean, 5-95%")
        ax.set_title(panel)
        ax.set_ylabel(ylabel)
        ax.set_xlabel("day of the run")
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=7)
    groups = [m for m in diffs.index if m.startswith(GROUP_METRIC)]
    for ax, names, panel in (
        (axes[2], [*RATE_METRICS, *groups], "Effect on rates a day"),
        (axes[3], list(RISK_METRICS), "Effect on risks over the run"),
    ):
        rows = diffs.loc[[n for n in names if n in diffs.index]]
        y = range(len(rows))[::-1]
        err = [rows["diff"] - rows["ci_low"], rows["ci_high"] - rows["diff"]]
        ax.errorbar(rows["diff"], list(y), xerr=err, fmt="o", capsize=3)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(list(y), [n.removeprefix(GROUP_METRIC) for n in rows.index])
        ax.set_title(f"{panel}: a - b, 95% CI")
        ax.tick_params(axis="y", labelsize=8)
    fig.suptitle(title)
    return fig
