"""How tables show themselves in Jupyter: a heading line and a readable HTML table.

Core objects: :func:`head_html` and :func:`table_html`. They take plain data (a title, a list
of facts, a DataFrame); each result class composes its own ``_repr_html_`` from them.
"""

from __future__ import annotations

import html

import pandas as pd

#: rows shown before the table says how many more there are
MAX_ROWS = 30


def table_html(df: pd.DataFrame, index: bool = True) -> str:
    """The first ``MAX_ROWS`` rows as an HTML table (4 significant digits); the rest counted."""
    shown = df.head(MAX_ROWS)
    out = shown.to_html(
        index=index, float_format=lambda x: f"{x:.4g}", na_rep="", border=0, justify="left"
    )
    if len(df) > MAX_ROWS:
        out += f"<p><i>{len(df) - MAX_ROWS:,} more rows</i></p>"
    return out


def head_html(title: str, facts: list[str]) -> str:
    """``<b>title</b>: fact, fact, ...``, escaped."""
    return f"<p><b>{html.escape(title)}</b>: {html.escape(', '.join(facts))}</p>"
