"""Figures of a run, drawn with matplotlib's object API (no global figure state).

Core objects: :func:`daily_figure`: attacks, U.S. strikes and U.S. deaths day by day with
their 5-95% bands across trials, and the share of trials on each rung of the ladder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from sim.variables import RUNGS

if TYPE_CHECKING:
    from sim.results import Results

PANELS = (
    ("attacks", "avg7", "Militia attacks on U.S. forces", "attacks a day (7-day average)"),
    ("us_strikes", "avg7", "U.S. strikes on militias", "strike days a day (7-day average)"),
    ("us_killed", "cum", "U.S. personnel killed", "killed since day 0"),
)


def daily_figure(results: Results) -> Figure:
    """Four panels: three daily series with mean, median and 5-95% band; the rung shares."""
    d = results.daily()
    fig = Figure(figsize=(12, 7.5), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    for ax, (name, kind, title, ylabel) in zip(axes, PANELS, strict=False):
        ax.fill_between(
            d.index,
            d[f"{name}_{kind}_p05"],
            d[f"{name}_{kind}_p95"],
            alpha=0.25,
            label="5-95% of trials",
        )
        ax.plot(d.index, d[f"{name}_{kind}_p50"], lw=1, label="median trial")
        ax.plot(d.index, d[f"{name}_{kind}_mean"], lw=1.5, label="mean")
        ax.set_title(title)
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
    fig.suptitle(f"{results.scenario.name}: {results.trials:,} trials, seed {results.seed}")
    return fig
