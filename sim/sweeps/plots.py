"""Figures of a sweep, drawn with matplotlib's object API (no global figure state).

Core objects: :func:`effects_figure` (a metric against each parameter, with a 95% band, each
panel on its own y axis), :func:`heatmaps_figure` (the metric over each pair of parameters,
with the cells that are indistinguishable from the overall mean hatched),
:func:`sensitivity_figure` (the indices as bars with their intervals, most important first),
:func:`constant_reason` (why a metric gets no figures) and :class:`Figures` (the figures by
file stem, and the metrics left out).

A parameter with few distinct values (a grid's levels, a list) is drawn value by value, a
sampled one in bins of equal counts. On a grid, every level meets the same values of the
other parameters, so the line is the mean over them and the band is Monte Carlo error
alone: the exact 95% interval of the point when there is one parameter (Wilson for a
probability), otherwise the mean of the points' lower and upper bounds (an upper bound on the
average's interval). In a sampled design (LHS,
Sobol', Morris) the others vary from point to point, so the band is the 95% interval of the
group's mean across its points, drawn over a scatter of every point.

Titles are wrapped to the figure's width (:func:`~sim.core.plotting.fit_title`).
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.core.errors import format_path
from sim.core.plotting import fit_note, fit_title, hatch_cells, integer_ticks, new_figure
from sim.core.stats import Z95
from sim.scenario.keypaths import split_key_path

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MAX_LEVELS = 12  # up to this many distinct values, a parameter is drawn value by value
BINS = 8
MAX_PAIRS = 6
#: indices that are shares of variance, so lie in [0, 1] (Morris' are in the metric's units)
SHARE_METHODS = ("sobol", "rbd_fast")
#: the index bars are sorted by, the first one present
RANK_BY = ("ST", "mu_star", "S1")


class Figures(dict[str, "Figure"]):
    """Figures by file stem; ``skipped`` maps each metric drawn nowhere to the reason."""

    def __init__(self) -> None:
        """An empty set of figures."""
        super().__init__()
        self.skipped: dict[str, str] = {}


def constant_reason(pts: pd.DataFrame) -> str | None:
    """Why a metric's rows get no figures (the same mean at every point), or None."""
    means = pts["mean"].dropna()
    if len(means) and bool(means.min() == means.max()):
        return f"the same at every point ({means.iloc[0]:.4g}): nothing to plot"
    return None


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
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
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
        seen = [low, high, mean] if grid else [low, high, mean, pts["mean"]]
        _own_ylim(ax, np.concatenate([np.asarray(v, dtype=float) for v in seen]))
        if x.dtype.kind in "iu":
            integer_ticks(ax.xaxis)
        ax.legend(fontsize=7)
    for ax in axes[n:]:
        ax.set_visible(False)
    fit_title(fig, title)
    return fig


def _own_ylim(ax: Axes, values: np.ndarray[Any, Any]) -> None:
    """The panel's own y limits: all of its band, line and points, with a margin.

    Every metric is a count, rate, probability or day count, so the limits stop at 0 when
    the margin would cross it.
    """
    finite = values[np.isfinite(values)]
    if not len(finite):
        return
    lo, hi = float(finite.min()), float(finite.max())
    pad = 0.08 * (hi - lo) if hi > lo else max(0.05 * abs(hi), 1e-3)
    bottom = lo - pad if lo < 0 or lo - pad >= 0 else 0.0
    ax.set_ylim(bottom, hi + pad)


def heatmaps_figure(
    pts: pd.DataFrame, parameters: list[str], metric: str, title: str, grid: bool = False
) -> Figure:
    """The metric's mean over each pair of parameters (the first six pairs).

    Noise is shown as noise: a cell whose 95% interval holds the mean over every point is
    hatched (its colour may be Monte Carlo error), the colour scale spans at least the
    overall mean plus or minus the cells' median half-width, and the colour bar's label
    gives that half-width. A cell's interval is, on a grid, the mean of its points' bounds
    (Monte Carlo error alone, an upper bound); in a sampled design, the interval of the mean
    across its points (the point's own with one point).

    Args:
        pts: The metric's rows of a sweep's table (a point each: parameters, mean, interval).
        parameters: The columns of ``pts`` that are parameters.
        metric: The metric's name (the colour bar).
        title: The figure's title.
        grid: The design is a grid.
    """
    pairs = list(itertools.combinations(parameters, 2))[:MAX_PAIRS]
    cols = min(len(pairs), 3)
    rows = math.ceil(len(pairs) / cols)
    fig = new_figure(5.0 * cols, 4.0 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    overall = float(pts["mean"].mean())
    for ax, (a, b) in zip(axes, pairs, strict=False):
        mean, low, high = _cells(pts, a, b, grid)
        half = float(np.nanmedian((high - low).to_numpy(float))) / 2
        data = mean.to_numpy(float)
        vmin = min(float(np.nanmin(data)), overall - half)
        vmax = max(float(np.nanmax(data)), overall + half)
        if vmin == vmax:
            vmin, vmax = vmin - 0.5, vmax + 0.5
        image = ax.imshow(data, origin="lower", aspect="auto", cmap="viridis", vmin=vmin, vmax=vmax)
        noise = (low.to_numpy(float) <= overall) & (overall <= high.to_numpy(float))
        hatch_cells(ax, [(float(i), float(j)) for j, i in zip(*np.nonzero(noise), strict=True)])
        ax.set_xticks(range(mean.shape[1]), [_label(v) for v in mean.columns], rotation=45)
        ax.set_yticks(range(mean.shape[0]), [_label(v) for v in mean.index])
        ax.set_xlabel(_short(a), fontsize=8)
        ax.set_ylabel(_short(b), fontsize=8)
        fig.colorbar(image, ax=ax, label=f"{metric}\n(a cell's 95% interval: ±{half:.2g})")
    for ax in axes[len(pairs) :]:
        ax.set_visible(False)
    fit_title(fig, title, fontsize=10)
    note = (
        f"Hatched: the cell's 95% interval holds the mean over every point ({overall:.3g}), "
        "so its colour may be noise."
    )
    fit_note(fig, note)
    return fig


def _cells(
    pts: pd.DataFrame, a: str, b: str, grid: bool
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Each cell's mean and 95% interval: rows the levels of ``b``, columns those of ``a``."""
    g = pts.assign(_a=_levels(pts[a]), _b=_levels(pts[b])).groupby(["_b", "_a"], observed=True)
    mean = g["mean"].mean()
    if grid:
        low, high = g["ci_low"].mean(), g["ci_high"].mean()
    else:
        half: pd.Series = Z95 * g["mean"].std(ddof=1) / np.sqrt(g["mean"].count())
        low = (mean - half).fillna(g["ci_low"].mean())  # one point: its own interval
        high = (mean + half).fillna(g["ci_high"].mean())
    tables = [s.unstack("_a") for s in (mean, low, high)]
    return tables[0], tables[1], tables[2]


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


def sensitivity_figure(sens: pd.DataFrame, metric: str, title: str | None = None) -> Figure:
    """Bars of each first-order and total (or Morris) index, with 95% intervals.

    Parameters are sorted by importance (``ST``, else ``mu_star``, else ``S1``, largest
    first). Variance shares (Sobol', RBD-FAST) lie in [0, 1]: an estimate outside it is
    estimation error at a small sample, and a note under the bars says so.

    Args:
        sens: Sensitivity indices (:func:`~sim.sweeps.sensitivity.sensitivity`).
        metric: The metric drawn.
        title: The figure's title (by default the metric, the method and the intervals).
    """
    rows = sens[(sens["metric"] == metric) & (sens["index"] != "S2") & sens["conf"].notna()]
    indices = list(dict.fromkeys(rows["index"]))
    rank = next((i for i in RANK_BY if i in indices), indices[0] if indices else None)
    ranked = rows[rows["index"] == rank].sort_values("value", ascending=False, kind="stable")
    params = list(dict.fromkeys([*ranked["parameter"], *rows["parameter"]]))
    fig = new_figure(max(5.5, 1.3 * len(params) + 2), 4.2)
    ax = fig.subplots()
    width = 0.8 / max(1, len(indices))
    for k, index in enumerate(indices):
        r = rows[rows["index"] == index].set_index("parameter").reindex(params)
        pos = np.arange(len(params)) + (k - (len(indices) - 1) / 2) * width
        ax.bar(pos, r["value"], width, yerr=r["conf"], capsize=3, label=index)
    ax.set_xticks(np.arange(len(params)), [_short(p) for p in params], rotation=20)
    ax.axhline(0, color="black", lw=0.5)
    method = str(rows["method"].iloc[0]) if len(rows) else ""
    share = method in SHARE_METHODS
    ax.set_ylabel("index: share of the variance" if share else f"index, in units of {metric}")
    ax.set_xlabel(f"parameter, most important first (by {rank})" if rank else "parameter")
    ax.legend(fontsize=8)
    fit_title(fig, title or f"{metric}: {method} indices (95% bootstrap intervals)")
    if share:
        note = _share_note(rows)
        if note:
            fit_note(fig, note)
    return fig


def _share_note(rows: pd.DataFrame) -> str | None:
    """A note for variance shares estimated outside [0, 1], or whose intervals reach out."""
    out = rows[(rows["value"] > 1) | (rows["value"] < -0.005)]  # as printed: below -0.00
    if len(out):
        above = out["value"] > 1
        ordered = out.sort_values("value", kind="stable")
        worst = ordered.iloc[-1] if above.any() else ordered.iloc[0]
        side = "above 1" if above.any() else "below 0"
        return (
            f"An index {side} ({worst['index']} of {_short(str(worst['parameter']))}: "
            f"{worst['value']:.2f}) is estimation error at this sample size: indices are "
            "shares of the variance, in [0, 1]; more samples narrow them."
        )
    if ((rows["ci_high"] > 1) | (rows["ci_low"] < 0)).any():
        return (
            "Intervals reaching above 1 or below 0 show estimation error at this sample size: "
            "indices are shares of the variance, in [0, 1]; more samples narrow them."
        )
    return None
