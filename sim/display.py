"""How results show themselves in Jupyter: readable HTML tables.

Core objects: :func:`results_html`, :func:`comparison_html`, :func:`sweep_html` and
:func:`sweep_results_html`, called by the ``_repr_html_`` methods of
:class:`~sim.results.Results`, :class:`~sim.compare.Comparison`,
:class:`~sim.sweepfile.Sweep` and :class:`~sim.sweepresults.SweepResults`.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from sim.compare import Comparison
    from sim.results import Results
    from sim.sweepfile import Sweep
    from sim.sweepresults import SweepResults

MAX_ROWS = 30


def _table(df: pd.DataFrame, index: bool = True) -> str:
    shown = df.head(MAX_ROWS)
    out = shown.to_html(
        index=index, float_format=lambda x: f"{x:.4g}", na_rep="", border=0, justify="left"
    )
    if len(df) > MAX_ROWS:
        out += f"<p><i>{len(df) - MAX_ROWS:,} more rows</i></p>"
    return out


def _head(title: str, facts: list[str]) -> str:
    return f"<p><b>{html.escape(title)}</b>: {html.escape(', '.join(facts))}</p>"


def results_html(r: Results) -> str:
    """The run's size, seed and time, then the summary table."""
    head = _head(
        f"scenario {r.scenario.name}",
        [f"{r.trials:,} trials", f"{r.days} days", f"seed {r.seed}", f"{r.elapsed:.2f} s"],
    )
    return head + _table(r.summary())


def comparison_html(c: Comparison) -> str:
    """Both scenarios and the paired differences."""
    head = _head(
        f"{c.a.scenario.name} (a) vs {c.b.scenario.name} (b)",
        [f"{c.a.trials:,} paired trials", f"{c.a.days} days", f"seed {c.a.seed}"],
    )
    return head + _table(c.summary())


def sweep_html(s: Sweep) -> str:
    """The sweep's design and parameters, then the first points."""
    head = _head(
        f"sweep {s.name}",
        [
            f"{s.spec.design.kind} design",
            f"{len(s.design):,} points",
            f"{s.spec.replications:,} trials each",
            f"{s.days} days",
            f"base {s.scenario.name}",
            f"seed {s.spec.seed}",
        ],
    )
    return head + _table(s.design)


def sweep_results_html(res: SweepResults) -> str:
    """Points done and failed, then each point's means, one column per metric."""
    info = res.info
    head = _head(
        f"sweep {info['sweep']}",
        [
            f"{info['design']['kind']} design",
            f"{res.done():,} of {info['points']:,} points done",
            f"{len(res.failures())} failed",
            f"{info['replications']:,} trials each",
            f"{info['days']} days",
        ],
    )
    means = res.table.pivot_table(
        index=["point", *res.parameters], columns="metric", values="mean", sort=False
    )
    means.columns.name = None  # not a stray "metric" header over the parameters
    return head + _table(means.reset_index(), index=False)
