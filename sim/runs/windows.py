"""Attack rates over a window of days, and two scenarios compared over one.

Core objects: :func:`window_rates` (each trial's attacks a day over days ``[first, end)``,
overall, by group and by doctrine) and :func:`window_comparison` (two scenarios' window rates,
paired trial by trial, as ratios and shares with 95% intervals).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.checks import MAX_DAYS, is_whole
from sim.core.errors import InputError
from sim.core.stats import ratio_of_means
from sim.core.types import FloatArray, SeedLike
from sim.runs.runner import run
from sim.scenario.loader import Scenario, load_scenario

#: the rows of every window's rates that add groups up
_TOTALS = ("attacks", "compliant", "holdout")


def window_rates(
    scenario: str | Path | Scenario, first: int, end: int, trials: int, seed: SeedLike = 0
) -> dict[str, FloatArray]:
    """Each trial's attacks a day over days ``[first, end)``.

    Keys: ``attacks`` (all groups), each group's name, ``compliant`` and ``holdout`` (by
    doctrine). A trial's first days do not depend on how long it runs (its random numbers
    are keyed by day), so its counts over the window are the difference of a run to ``end``
    and a run to ``first`` with the same seed.

    Raises:
        InputError: The window is not whole days with ``0 <= first < end <= 3650``.
    """
    if not (is_whole(first, 0) and is_whole(end, 1) and first < end <= MAX_DAYS):
        raise InputError(
            f"a window [first, end) must have 0 <= first < end <= {MAX_DAYS}, "
            f"got [{first!r}, {end!r})"
        )
    sc = load_scenario(scenario)
    totals = np.rint(run(sc, trials, end, seed).block.by_group * end)  # whole counts again
    if first > 0:
        totals = totals - np.rint(run(sc, trials, first, seed).block.by_group * first)
    rates = totals / (end - first)
    out = {name: rates[i] for i, name in enumerate(sc.spec.militias)}
    out["attacks"] = rates.sum(axis=0)
    holdout = [m.doctrine == "holdout" for m in sc.spec.militias.values()]
    out["compliant"] = rates[[not h for h in holdout]].sum(axis=0)
    out["holdout"] = rates[holdout].sum(axis=0)
    return out


def window_comparison(
    a: str | Path | Scenario,
    b: str | Path | Scenario,
    first: int,
    end: int,
    trials: int = 10_000,
    seed: SeedLike = 0,
) -> pd.DataFrame:
    """Attacks a day over days ``[first, end)`` in two scenarios, paired trial by trial.

    Returns:
        One row each for ``attacks`` (all groups), ``compliant``, ``holdout`` and every
        group: ``a_mean`` and ``b_mean``; ``ratio`` (``a / b``, ratio of means) with its
        95% interval ``ratio_ci_low``, ``ratio_ci_high``; and ``a_share``, the row's share
        of ``a``'s attacks, with ``share_ci_low``, ``share_ci_high`` (so the ``holdout`` row
        says how much of what remains in ``a`` the holdouts carry).
    """
    ra = window_rates(a, first, end, trials, seed)
    rb = window_rates(b, first, end, trials, seed)
    rows = []
    for name in [*_TOTALS, *[k for k in ra if k not in _TOTALS]]:
        if name not in rb:
            continue
        ratio, share = ratio_of_means(ra[name], rb[name]), ratio_of_means(ra[name], ra["attacks"])
        rows.append(
            {
                "rates": name,
                "a_mean": float(ra[name].mean()),
                "b_mean": float(rb[name].mean()),
                "ratio": ratio.mean,
                "ratio_ci_low": ratio.ci_low,
                "ratio_ci_high": ratio.ci_high,
                "a_share": share.mean,
                "share_ci_low": share.ci_low,
                "share_ci_high": share.ci_high,
            }
        )
    return pd.DataFrame(rows).set_index("rates")
