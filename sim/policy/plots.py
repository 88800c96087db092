"""Figures of policy analysis, drawn from plain tables.

Core objects: :func:`robustness_figure` (a heatmap of policies x metrics).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle


def robustness_figure(table: pd.DataFrame, value: str, title: str) -> Figure:
    """Policies x metrics, each cell ``value`` scaled 0 (best policy) to 1 (worst) per metric.

    The cells are annotated with the value itself.
    """
    wide = table.pivot_table(index="policy", columns="metric", values=value, sort=False)
    lo, hi = wide.min(axis=0), wide.max(axis=0)
    scaled = (wide - lo) / (hi - lo).replace(0, np.nan)
    fig = Figure(figsize=(3.5 + 0.75 * wide.shape[1], 1.6 + 0.4 * wide.shape[0]))
    ax = fig.add_subplot()
    im = ax.imshow(scaled.fillna(0).to_numpy(), cmap="Reds", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(wide.shape[1]), [c.replace("_", " ") for c in wide.columns],
                  rotation=40, ha="right", fontsize=8)  # fmt: skip
    ax.set_yticks(range(wide.shape[0]), wide.index, fontsize=8)
    shade = scaled.fillna(0).to_numpy()
    for (i, j), v in np.ndenumerate(wide.to_numpy()):
        color = "white" if shade[i, j] > 0.6 else "black"  # legible on the darkest cells
        ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=7, color=color)
    ax.set_title(title, fontsize=10)
    cbar = fig.colorbar(im, ax=ax, fraction=0.04)
    cbar.set_label("within each metric: 0 best, 1 worst", fontsize=8)
    fig.tight_layout()
    return fig


def tradeoff_figure(trajectory: pd.DataFrame, chosen: int, title: str) -> Figure:
    """PRIM's peeling trajectory: density against coverage, coloured by restricted inputs."""
    fig = Figure(figsize=(6.0, 4.2))
    ax = fig.add_subplot()
    sc = ax.scatter(trajectory.coverage, trajectory.density, c=trajectory.res_dim, cmap="viridis",
                    s=18)  # fmt: skip
    row = trajectory.loc[chosen]
    ax.scatter([row.coverage], [row.density], s=120, facecolors="none", edgecolors="red",
               label=f"chosen box {chosen}")  # fmt: skip
    ax.set_xlabel("coverage (share of the cases inside the box)")
    ax.set_ylabel("density (share of the box that are cases)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower left", fontsize=8)
    bar = fig.colorbar(sc, ax=ax)
    bar.set_label("inputs restricted", fontsize=8)
    bar.set_ticks(sorted(set(trajectory.res_dim.astype(int))))  # a count: whole ticks
    ax.set_title(f"PRIM trade-off\n{title}", fontsize=10)
    fig.tight_layout()
    return fig


def box_limits_figure(limits: pd.DataFrame, title: str) -> Figure:
    """Each restricted numeric input's box as a bar within its full range (scaled 0 to 1)."""
    num = limits
    fig = Figure(figsize=(6.0, 1.4 + 0.5 * max(len(num), 1)))
    ax = fig.add_subplot()
    for i, (_, r) in enumerate(num.iterrows()):
        lo, hi = float(r.full_min), float(r.full_max)
        span = (hi - lo) or 1.0
        a, b = (float(r["min"]) - lo) / span, (float(r["max"]) - lo) / span
        ax.plot([0, 1], [i, i], color="lightgrey", lw=6, solid_capstyle="butt")
        ax.plot([a, b], [i, i], color="tab:red", lw=6, solid_capstyle="butt")
        ax.text(1.02, i, f"{float(r['min']):.3g} to {float(r['max']):.3g} (p = {r.qp_value:.1g})",
                va="center", fontsize=8)  # fmt: skip
    ax.set_yticks(range(len(num)), [n.split(".", 1)[-1] for n in num.input], fontsize=8)
    ax.set_xlim(0, 1.6)
    ax.set_xticks([0, 0.5, 1], ["min", "", "max"])
    ax.set_xlabel("the box (red) within each input's full range (grey)")
    ax.set_title(f"PRIM box\n{title}", fontsize=10)
    fig.tight_layout()
    return fig


def box_pairs_figure(x: pd.DataFrame, y: pd.Series, limits: pd.DataFrame, title: str) -> Figure:
    """The points over each pair of the box's (up to three) most significant restrictions.

    Cases in red, others in grey, the box's limits as a rectangle; one panel per pair (a
    single restricted input: the two groups' histograms over it, the box's limits as lines).
    """
    dims = list(limits.sort_values("qp_value").input[:3])
    if len(dims) == 1:
        return _one_input(x, y, limits.set_index("input").loc[dims[0]], dims[0], title)
    pairs = [(a, b) for i, a in enumerate(dims) for b in dims[i + 1 :]]
    fig = Figure(figsize=(4.2 * len(pairs), 4.0))
    lim = limits.set_index("input")
    for k, (a, b) in enumerate(pairs):
        ax = fig.add_subplot(1, len(pairs), k + 1)
        ya = x[b]
        case = y.reindex(x.index).to_numpy(bool)
        ax.scatter(x[a][~case], ya[~case], s=8, color="lightgrey", label="not a case")
        ax.scatter(x[a][case], ya[case], s=8, color="tab:red", label="case")
        lo_b, hi_b = lim.loc[b, "min"], lim.loc[b, "max"]
        ax.add_patch(
            Rectangle((lim.loc[a, "min"], lo_b), lim.loc[a, "max"] - lim.loc[a, "min"],
                      hi_b - lo_b, fill=False, edgecolor="black", lw=1.2)
        )  # fmt: skip
        ax.set_xlabel(a.split(".", 1)[-1], fontsize=8)
        ax.set_ylabel(b.split(".", 1)[-1], fontsize=8)
        if k == 0:
            ax.legend(fontsize=7, loc="best")
    fig.suptitle(f"PRIM box, pairs of its restrictions\n{title}", fontsize=10)
    fig.tight_layout()
    return fig


def _one_input(x: pd.DataFrame, y: pd.Series, lim: pd.Series, name: str, title: str) -> Figure:
    """A box of one restriction: the cases' and the others' histograms over that input."""
    fig = Figure(figsize=(5.5, 3.8))
    ax = fig.add_subplot()
    case = y.reindex(x.index).to_numpy(bool)
    bins = np.linspace(x[name].min(), x[name].max(), 21).tolist()
    ax.hist(x[name][~case], bins=bins, color="lightgrey", label="not a case")
    ax.hist(x[name][case], bins=bins, color="tab:red", alpha=0.8, label="case")
    for edge in (lim["min"], lim["max"]):
        ax.axvline(edge, color="black", lw=1.2)
    ax.set_xlabel(f"{name.split('.', 1)[-1]} (the box between the black lines)", fontsize=8)
    ax.set_ylabel("points", fontsize=8)
    ax.legend(fontsize=7)
    ax.set_title(f"PRIM box, its one restriction\n{title}", fontsize=10)
    fig.tight_layout()
    return fig
