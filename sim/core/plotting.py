"""The one door to matplotlib: figures are made here, so ``import sim`` never loads it.

Core objects: :func:`new_figure` (a Figure with a constrained layout, from matplotlib's object
API: no pyplot, no global figure state) and :func:`integer_ticks`. matplotlib is imported
when the first figure is drawn, not before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure


def new_figure(width: float, height: float) -> Figure:
    """An empty Figure of ``width`` x ``height`` inches with a constrained layout."""
    from matplotlib.figure import Figure  # noqa: PLC0415 - matplotlib loads only to draw

    return Figure(figsize=(width, height), layout="constrained")


def integer_ticks(axis: Axis) -> None:
    """Put ticks on whole numbers only."""
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415 - only to draw

    axis.set_major_locator(MaxNLocator(integer=True))
