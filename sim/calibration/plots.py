"""Figures of a calibration: priors and posteriors, pairs, and the predictive vs the record.

Core objects: :func:`marginals_figure`, :func:`pairs_figure` and :func:`predictive_figure`.
Each takes plain data (the :class:`~sim.calibration.posterior.Posterior` and arrays) and
returns a matplotlib Figure, drawn through :mod:`sim.core.plotting`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.calibration.forecast import predictive
from sim.calibration.observation import kept_reports
from sim.calibration.posterior import Posterior
from sim.core.plotting import fit_note, fit_title, new_figure
from sim.core.types import IntArray
from sim.scenario.uncertainty import draw

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: bands of the predictive, as (low, high) quantiles
BANDS = ((0.05, 0.95), (0.25, 0.75))


def _short(key: str) -> str:
    """``params.strike_base.value`` -> ``strike_base``; a group's key keeps its group."""
    parts = key.split(".")
    return parts[1] if parts[0] != "militias" else f"{parts[1]}.{parts[2]}"


def marginals_figure(post: Posterior) -> Figure:
    """Each fitted quantity's prior and posterior density (weighted histograms)."""
    priors = post.calibration.priors
    cols = min(4, len(priors))
    rows = math.ceil(len(priors) / cols)
    fig = new_figure(3.0 * cols, 2.3 * rows + 0.8)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    particles = post.particles()
    w = particles["weight"].to_numpy()
    grid = (np.arange(20_000) + 0.5) / 20_000
    for ax, (key, q) in zip(axes, priors.items(), strict=False):
        prior = draw(q.uncertainty, grid, q.whole)
        lo, hi = np.quantile(prior, [0.001, 0.999])
        bins = np.linspace(lo, hi, 40)
        ax.hist(prior, bins=bins, density=True, color="0.75", label="prior")
        ax.hist(particles[key], bins=bins, weights=w, density=True, histtype="step",
                color="C0", linewidth=1.6, label="posterior")  # fmt: skip
        ax.set_title(_short(key), fontsize=9)
        ax.set_yticks([])
        ax.tick_params(labelsize=7)
    for ax in axes[len(priors) :]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7)
    fit_title(fig, f"{post.calibration.name}: prior (grey) and posterior (blue) of each "
                   "fitted quantity")  # fmt: skip
    fit_note(fig, f"Posterior: generation {post.last.index}, effective sample size "
                  f"{post.last.ess:,.0f} of {post.last.z.shape[0]:,} particles.")  # fmt: skip
    return fig


def pairs_figure(post: Posterior, points: int = 1500, seed: int = 0) -> Figure:
    """Pairwise scatter of the posterior (particles resampled by weight)."""
    particles = post.particles()
    keys = list(post.calibration.priors)
    rng = np.random.default_rng(seed)
    w = particles["weight"].to_numpy()
    pick = rng.choice(len(particles), size=points, p=w / w.sum())
    d = len(keys)
    fig = new_figure(1.45 * d + 0.6, 1.45 * d + 0.9)
    axes = fig.subplots(d, d, squeeze=False)
    for i, yk in enumerate(keys):
        for j, xk in enumerate(keys):
            ax: Axes = axes[i, j]
            ax.tick_params(labelsize=5, length=2)
            if j > i:
                ax.set_visible(False)
                continue
            x = particles[xk].to_numpy()[pick]
            if i == j:
                ax.hist(x, bins=25, color="C0")
                ax.set_yticks([])
            else:
                ax.scatter(x, particles[yk].to_numpy()[pick], s=1, alpha=0.3, color="C0")
            if i == d - 1:
                ax.set_xlabel(_short(xk), fontsize=6)
            if j == 0 and i > 0:
                ax.set_ylabel(_short(yk), fontsize=6)
    fit_title(fig, f"{post.calibration.name}: the posterior, pair by pair "
                   f"({points:,} particles drawn by weight)")  # fmt: skip
    return fig


def _band(ax: Axes, days: IntArray, cum: IntArray, label: str) -> None:
    for (lo, hi), alpha in zip(BANDS, (0.2, 0.35), strict=True):
        q = np.quantile(cum, [lo, hi], axis=1)
        ax.fill_between(days, q[0], q[1], color="C0", alpha=alpha, linewidth=0,
                        label=f"model {round((hi - lo) * 100)}% band")  # fmt: skip
    ax.plot(days, np.median(cum, axis=1), color="C0", linewidth=1.2, label=f"model median {label}")


def predictive_check(
    post: Posterior, samples: int = 1000, seed: int = 0, workers: int | None = 1
) -> Figure:
    """Simulate the posterior predictive over the record's window and draw it against it."""
    record = post.calibration.record
    end = record.periods.get("record_window", (0, record.last_day))[1]
    days = np.arange(min(end + 1, post.calibration.scenario.spec.days))
    return predictive_figure(post, days, predictive(post, days, samples, seed, workers))


def predictive_figure(post: Posterior, days: IntArray, counts: dict[str, IntArray]) -> Figure:
    """The posterior predictive of the cumulative counts against the record's reports.

    Args:
        post: The posterior.
        days: The days of ``counts``' rows (every day from 0).
        counts: Cumulative counts per series, ``days x samples`` (:func:`predictive`).
    """
    cal = post.calibration
    record, cut = cal.record, cal.spec.fit_until
    fig = new_figure(12.5, 4.2)
    axes = fig.subplots(1, 3)
    panels = (("attacks", "attacks (Pentagon count)"), ("strikes", "U.S. strike days"),
              ("injuries", "U.S. personnel injured"))  # fmt: skip
    for ax, (series, title) in zip(axes, panels, strict=True):
        _band(ax, days, counts[series], "")
        if series == "strikes":
            cum = np.searchsorted(record.strike_days, days, side="right")
            ax.step(days, cum, where="post", color="k", linewidth=1.2, label="record")
        else:
            r = record.series[series]
            kept = np.isin(r.day, kept_reports(r)[0])
            for fitted, marker in ((True, "o"), (False, "s")):
                sel = ((r.day <= cut) == fitted) & kept
                mid = (r.low[sel] + r.high[sel]) / 2
                label = "reported, fitted" if fitted else "reported, held out"
                err = (mid - r.low[sel], r.high[sel] - mid)
                color = "k" if fitted else "C3"
                ax.errorbar(r.day[sel], mid, yerr=err, fmt=marker, color=color, markersize=4,
                            label=label)  # fmt: skip
            ax.plot(r.day[~kept], r.high[~kept], "x", color="0.4", label="stale or revised")
        ax.axvline(cut + 0.5, color="0.3", linestyle="--", linewidth=0.8)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(f"day (0 = {record.day_0:%d %b %Y}); dashed: end of fit")
        ax.set_ylabel("cumulative count")
        ax.legend(fontsize=7, loc="upper left")
    fit_title(fig, f"{cal.name}: posterior predictive against the record (fitted to day {cut})")
    return fig
