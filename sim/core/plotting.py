"""The one door to matplotlib: figures are made here, so ``import sim`` never loads it.

Core objects: :func:`new_figure` (a Figure with a constrained layout, from matplotlib's object
API: no pyplot, no global figure state), :func:`fit_title` and :func:`fit_note` (a title, a
note under the panels, wrapped to the figure's width: :func:`wrap_to_width`), :func:`clip_text`,
:func:`integer_ticks`, :func:`percent_log_axis` (shares on a log axis, in percent) and
:func:`hatch_cells` (a mark for noise). matplotlib is imported when the first figure is drawn,
not before.
"""

from __future__ import annotations

import datetime
import functools
import textwrap
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure
    from matplotlib.text import Text

#: the share of a figure's width a title may take (a margin on each side)
TITLE_WIDTH = 0.96
#: the most lines a figure's title takes
TITLE_LINES = 6


def new_figure(width: float, height: float) -> Figure:
    """An empty Figure of ``width`` x ``height`` inches with a constrained layout."""
    from matplotlib.figure import Figure  # noqa: PLC0415 - matplotlib loads only to draw

    return Figure(figsize=(width, height), layout="constrained")


def integer_ticks(axis: Axis) -> None:
    """Put ticks on whole numbers only."""
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415 - only to draw

    axis.set_major_locator(MaxNLocator(integer=True))


@functools.cache
def _measure(dpi: float) -> Any:
    """A small Agg renderer at ``dpi``, kept: it only measures text."""
    from matplotlib.backends.backend_agg import RendererAgg  # noqa: PLC0415 - only to draw

    return RendererAgg(8, 8, dpi)  # type: ignore[no-untyped-call]


def text_width(text: str, fontsize: float, dpi: float) -> float:
    """The rendered width of one line of ``text``, in pixels at ``dpi``."""
    from matplotlib.font_manager import FontProperties  # noqa: PLC0415 - only to draw

    width, _, _ = _measure(dpi).get_text_width_height_descent(
        text, FontProperties(size=fontsize), ismath=False
    )
    return float(width)


def date_number(day: datetime.date) -> float:
    """A date as matplotlib's date axis places it (for a vertical line on a day)."""
    from matplotlib.dates import date2num  # noqa: PLC0415 - only to draw

    return float(date2num(day))  # type: ignore[no-untyped-call]


def wrap_to_width(text: str, fontsize: float, width: float, dpi: float = 72.0) -> str:
    """``text`` with line breaks added so that every line is at most ``width`` inches wide.

    Existing line breaks are kept; a single word wider than ``width`` stays on its own line.
    Lines are measured as drawn (a few measurements a paragraph: each takes a millisecond).
    """
    limit = width * dpi
    lines: list[str] = []
    for paragraph in text.split("\n"):
        full = text_width(paragraph, fontsize, dpi)
        if full <= limit:  # the usual case: it fits
            lines.append(paragraph)
            continue
        chars = max(1, int(len(paragraph) * limit / full))  # a first guess, then narrower
        while True:
            wrapped = textwrap.wrap(
                paragraph, chars, break_long_words=False, break_on_hyphens=False
            )
            too_wide = [ln for ln in wrapped if text_width(ln, fontsize, dpi) > limit]
            if chars == 1 or all(" " not in ln for ln in too_wide):
                break
            chars = max(1, int(chars * 0.95))
        lines += wrapped
    return "\n".join(lines)


def fit_title(fig: Figure, title: str, fontsize: float = 11.0) -> Text:
    """Set ``title`` as the figure's title, wrapped to the figure's width.

    At most :data:`TITLE_LINES` lines are kept (a long scenario description is cut, with an
    ellipsis), so the panels keep their room; a word wider than the figure is cut too.
    """
    width = fig.get_figwidth() * TITLE_WIDTH
    per_line = int(width * 72 / (0.3 * fontsize))  # more characters than a line can hold
    paragraphs = [p[: per_line * TITLE_LINES] for p in title.split("\n")[:TITLE_LINES]]
    lines = wrap_to_width("\n".join(paragraphs), fontsize, width, fig.dpi).split("\n")
    cut = len(lines) > TITLE_LINES or len(title) > sum(len(p) + 1 for p in paragraphs)
    lines = lines[:TITLE_LINES]
    if cut:
        lines[-1] = lines[-1].rstrip(" .,;:…") + "…"
    fitted = [_fit_line(line, fontsize, width * fig.dpi, fig.dpi) for line in lines]
    return fig.suptitle("\n".join(fitted), fontsize=fontsize)


def _fit_line(line: str, fontsize: float, limit: float, dpi: float) -> str:
    """``line``, cut with an ellipsis until it is at most ``limit`` pixels wide."""
    while (full := text_width(line, fontsize, dpi)) > limit:
        line = line[: max(1, int(len(line) * limit / full) - 2)] + "…"
    return line


def clip_text(text: str, chars: int) -> str:
    """``text`` on one line, cut to at most ``chars`` characters at a space, with an ellipsis."""
    flat = " ".join(text[: chars * 4].split())  # never more than a few lines' worth is read
    if len(flat) <= chars and len(text) <= chars * 4:
        return flat
    head = flat[: chars - 1]
    return (head.rsplit(" ", 1)[0] if " " in head else head).rstrip(" .,;:") + "…"


def fit_note(fig: Figure, note: str, fontsize: float = 8.0) -> Text:
    """Set ``note`` under the figure's panels, wrapped to the figure's width."""
    width = fig.get_figwidth() * TITLE_WIDTH
    return fig.supxlabel(wrap_to_width(note, fontsize, width, fig.dpi), fontsize=fontsize)


def percent_log_axis(ax: Axes, bottom: float) -> None:
    """A logarithmic y axis from ``bottom`` to 1, labelled in percent (a 1% share shows)."""
    from matplotlib.ticker import FuncFormatter, NullLocator  # noqa: PLC0415 - only to draw

    ax.set_yscale("log")
    ax.set_ylim(bottom, 1.0)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:g}%"))
    ax.yaxis.set_minor_locator(NullLocator())  # decades only: 0.1%, 1%, 10%, 100%


def hatch_cells(ax: Axes, cells: Iterable[tuple[float, float]], color: str = "white") -> None:
    """Hatch unit cells of an image (each given by its centre), as a mark that they are noise."""
    from matplotlib.patches import Rectangle  # noqa: PLC0415 - only to draw

    for x, y in cells:
        ax.add_patch(
            Rectangle((x - 0.5, y - 0.5), 1, 1, fill=False, hatch="//", hatchcolor=color, lw=0)
        )
