"""Figures of policy analysis, drawn from plain tables.

Core objects: :func:`robustness_figure` (a heatmap of policies x metrics).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def robustness_figure(table: pd.DataFrame, value: str, title: str) -> Figure:
    """Policies x metrics, each cell ``value`` scaled 0 (best policy) to 1 (worst) per metric.

    The cells are annotated with the value itself.
    """
    wide = table.pivot_table(index="policy", columns="metric", values=value, sort=False)
    lo, hi = wide.min(axis=0), wide.max(axis=0)
    scaled = (wide - lo) / (hi - lo).replace(0, np.nan)
    fig = Figure(figsize=(4.0 + 0.9 * wide.shape[1], 1.6 + 0.45 * wide.shape[0]))
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
