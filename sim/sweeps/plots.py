"""Figures of a sweep, drawn with matplotlib's object API (no global figure state).

Core objects: :func:`effects_figure` (a metric against each parameter, with a 95% band),
:func:`heatmaps_figure` (the metric over each pair of parameters) and
:func:`sensitivity_figure` (the indices as bars with their intervals).

A parameter with few distinct values (a grid's levels, a list) is drawn value by value, a
sampled one in bins of equal counts. On a grid, every level meets the same values of the
other parameters, so the line is the mean over them and the band is Monte Carlo error
alone: the exact 95% interval of the point when there is one parameter (Wilson for a
probability), otherwise the mean of the points' lower and upper bounds (an upper bound on the
average's interval). In a sampled design (LHS,
Sobol', Morris) the others vary from point to point, so the band is the 95% interval of the
group's mean across its points, drawn over a scatter of every point.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.core.errors import format_path
from sim.core.plotting import integer_ticks, new_figure
from sim.core.stats import Z95
from sim.scenario.keypaths import split_key_path

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_LEVELS = 12  # up to this many distinct values, a parameter is drawn value by value
BINS = 8
MAX_PAIRS = 6


def _short(name: str) -> str:
    """A parameter's key path as errors write it: ``events[2].day``."""
    return format_path(split_key_path(name))


def _text(x: pd.Series) -> bool:
    """Values that are not numbers (text, or booleans): drawn as categories."""
    return not pd.api.types.is_numeric_dtype(x) or pd.api.types.is_bool_dtype(x)


def _discrete(x: pd.Series) -> bool:
    return _text(x) or bool(x.nunique() <= MAX_LEVELS)


def effects_figure(
    pts: pd.DataFrame, parameters: list[str], metric: str, title: str, grid: bool
) -> Figure:
    """One panel per parameter: the metric's mean against it, with a 95% band.

    Args:
        pts: The metric's rows of a sweep's table (a point each: parameters, mean, interval).
        parameters: The columns of ``pts`` that are parameters.
        metric: The metric's name (the y axis).
        title: The figure's title.
        grid: The design is a grid (every level sees the same values of the others, so a
            level's band is only Monte Carlo error); else the band is the interval of the
            mean across the level's points.
    """
    n = len(parameters)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig = new_figure(4.2 * cols, 3.4 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False, sharey=True)).ravel()
    for ax, p in zip(axes, parameters, strict=False):
        x = pts[p]
        text = _text(x)
        key = x if _discrete(x) else pd.qcut(x, min(BINS, x.nunique()), duplicates="drop")
        g = pts.groupby(key, observed=True, sort=True)
        mean = g["mean"].mean()
        pos = np.arange(len(mean)) if text else g[p].mean().to_numpy(float)
        if grid:  # every level sees the same values of the others: only Monte Carlo error
            # the mean of the points' bounds (Wilson intervals are not centred on the mean)
            low, high = g["ci_low"].mean(), g["ci_high"].mean()
            label = "95% interval" if n == 1 else "95% band (mean of the points' intervals)"
        else:  # the others vary too: the interval of the mean across the group's points
            half: Any = Z95 * g["mean"].std(ddof=1) / np.sqrt(g["mean"].count())
            low, high = mean - half, mean + half
            label = "95% CI of the mean"
            ax.scatter(
                _positions(x, mean.index) if text else x,
                pts["mean"],
                s=6,
                alpha=0.3,
                color="grey",
                label="points",
            )
        ax.fill_between(pos, low, high, alpha=0.25, label=label)
        ax.plot(pos, mean.to_numpy(), marker="o", lw=1.5, label="mean" if grid else "group mean")
        if text:
            ax.set_xticks(pos, [str(v) for v in mean.index], rotation=30)
        ax.set_xlabel(_short(p), fontsize=8)
        ax.set_ylabel(metric)
        ax.set_ylim(bottom=0)  # every metric is a count, rate, probability or day count
        if x.dtype.kind in "iu":
            integer_ticks(ax.xaxis)
        ax.legend(fontsize=7)
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.suptitle(title)
    return fig


def heatmaps_figure(pts: pd.DataFrame, parameters: list[str], metric: str, title: str) -> Figure:
    """The metric's mean over each pair of parameters (the first six pairs).

    Args:
        pts: The metric's rows of a sweep's table (a point each: parameters, mean, interval).
        parameters: The columns of ``pts`` that are parameters.
        metric: The metric's name (the colour bar).
        title: The figure's title.
    """
    pairs = list(itertools.combinations(parameters, 2))[:MAX_PAIRS]
    cols = min(len(pairs), 3)
    rows = math.ceil(len(pairs) / cols)
    fig = new_figure(4.6 * cols, 3.8 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, (a, b) in zip(axes, pairs, strict=False):
        grid = pts.assign(_a=_levels(pts[a]), _b=_levels(pts[b]))
        table = grid.pivot_table(index="_b", columns="_a", values="mean", observed=True)
        image = ax.imshow(table.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(table.shape[1]), [_label(v) for v in table.columns], rotation=45)
        ax.set_yticks(range(table.shape[0]), [_label(v) for v in table.index])
        ax.set_xlabel(_short(a), fontsize=8)
        ax.set_ylabel(_short(b), fontsize=8)
        fig.colorbar(image, ax=ax, label=metric)
    for ax in axes[len(pairs) :]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=10)
    return fig


def _positions(x: pd.Series, levels: pd.Index) -> np.ndarray[Any, Any]:
    """Where each text value sits on the axis: its level's position."""
    return np.asarray(pd.Categorical(x, categories=levels).codes, dtype=float)


def _levels(x: pd.Series) -> pd.Series:
    """A parameter's own values if few, else six bins of equal counts."""
    return x if _discrete(x) else pd.qcut(x, 6, duplicates="drop")


def _label(v: Any) -> str:
    if isinstance(v, pd.Interval):
        return f"{v.mid:.3g}"
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def sensitivity_figure(sens: pd.DataFrame, metric: str) -> Figure:
    """Bars of each first-order and total (or Morris) index, with 95% intervals."""
    rows = sens[(sens["metric"] == metric) & (sens["index"] != "S2") & sens["conf"].notna()]
    indices = list(dict.fromkeys(rows["index"]))
    params = list(dict.fromkeys(rows["parameter"]))
    fig = new_figure(max(5.0, 1.3 * len(params) + 2), 3.8)
    ax = fig.subplots()
    width = 0.8 / max(1, len(indices))
    for k, index in enumerate(indices):
        r = rows[rows["index"] == index].set_index("parameter").loc[params]
        pos = np.arange(len(params)) + (k - (len(indices) - 1) / 2) * width
        ax.bar(pos, r["value"], width, yerr=r["conf"], capsize=3, label=index)
    ax.set_xticks(np.arange(len(params)), [_short(p) for p in params], rotation=20)
    ax.axhline(0, color="black", lw=0.5)
    method = rows["method"].iloc[0] if len(rows) else ""
    ax.set_title(f"{metric}: {method} indices (95% bootstrap intervals)")
    ax.legend(fontsize=8)
    return fig
