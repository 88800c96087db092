"""Figures of a run, drawn with matplotlib's object API (no global figure state).

Core objects: :func:`daily_figure`: attacks, U.S. strikes and U.S. deaths day by day with
their 5-95% bands across trials, and the share of trials on each rung of the ladder;
:func:`comparison_figure`: two scenarios side by side and their paired differences.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from sim.variables import RUNGS

if TYPE_CHECKING:
    from sim.compare import Comparison
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


#: the differences drawn by the comparison figure: rates, then probabilities
RATE_METRICS = ("attacks_per_day", "us_strikes_per_day")
RISK_METRICS = ("p_us_fatality", "p_leadership_strike", "p_strike_on_iran")


def comparison_figure(c: Comparison) -> Figure:
    """Two scenarios day by day, and their paired differences.

    Four panels: attacks and strikes of both (mean, 5-95% band of trials), and the paired
    differences ``a - b`` with 95% intervals, for rates (overall and by group) and risks.
    """
    da, db = c.a.daily(), c.b.daily()
    fig = Figure(figsize=(12, 7.5), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    for ax, (name, kind, title, ylabel) in zip(axes[:2], PANELS[:2], strict=True):
        for d, res in ((da, c.a), (db, c.b)):
            label = res.scenario.name
            ax.fill_between(d.index, d[f"{name}_{kind}_p05"], d[f"{name}_{kind}_p95"], alpha=0.2)
            ax.plot(d.index, d[f"{name}_{kind}_mean"], lw=1.5, label=f"{label}: mean, 5-95%")
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.set_xlabel("day of the run")
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=7)
    diffs = c.summary()
    groups = [m for m in diffs.index if m.startswith("attacks_per_day_by_group.")]
    for ax, names, title in (
        (axes[2], [*RATE_METRICS, *groups], "Effect on rates a day"),
        (axes[3], list(RISK_METRICS), "Effect on risks over the run"),
    ):
        rows = diffs.loc[[n for n in names if n in diffs.index]]
        y = range(len(rows))[::-1]
        err = [rows["diff"] - rows["ci_low"], rows["ci_high"] - rows["diff"]]
        ax.errorbar(rows["diff"], list(y), xerr=err, fmt="o", capsize=3)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(list(y), [n.replace("attacks_per_day_by_group.", "") for n in rows.index])
        ax.set_title(f"{title}: a - b, 95% CI")
        ax.tick_params(axis="y", labelsize=8)
    fig.suptitle(
        f"{c.a.scenario.name} vs {c.b.scenario.name}: {c.a.trials:,} paired trials, seed {c.a.seed}"
    )
    return fig
