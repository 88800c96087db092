"""Checks of a sweep file against its own design: the ones that need no base scenario.

Core objects: :func:`check_fit` (a design that fits its parameters, within the point cap),
:func:`check_work` (a sweep this machine can finish), :func:`check_metrics` and
:func:`check_indices`. Each calls ``fail(reason, key path)`` for the file's message; the
checks against the base scenario stay in :mod:`sim.sweeps.loader`.
"""

from __future__ import annotations

import math
from typing import Any

from sim.core.errors import did_you_mean
from sim.sweeps.design import design_size
from sim.sweeps.spec import (
    MAX_POINTS,
    MAX_TRIAL_DAYS,
    POINT_DAY_TRIALS,
    GridDesign,
    MorrisDesign,
    SweepSpec,
    count_text,
)


def check_indices(name: str, fail: Any, section: str = "parameters") -> None:
    """A list index written other than as a plain whole number (``02``, ``²``) is refused.

    ``events.02.day`` would set the item ``events.2.day`` sets, under a second name.
    """
    for part in name.split("."):
        if part.isdigit() and not (part.isascii() and part == str(int(part))):
            plain = part.isascii() or part.isdecimal()
            canonical = ".".join(str(int(p)) if p.isdecimal() else p for p in name.split("."))
            hint = f": write {canonical}" if plain else ""
            raise fail(
                f"the list index {part!r} is not a plain whole number (0, 1, 2, ...){hint}",
                [section, name],
            )


def check_metrics(metrics: list[str], known: list[str], fail: Any) -> None:
    """Unknown metrics, and a metric listed twice (it would give two rows per point)."""
    for i, metric in enumerate(metrics):
        if metric not in known:
            raise fail(f"unknown metric {metric!r}{did_you_mean(metric, known)}", ["metrics", i])
        if metric in metrics[:i]:
            raise fail(f"metric {metric!r} is listed twice", ["metrics", i])


def check_fit(spec: SweepSpec, fail: Any) -> None:
    """A design that does not fit its parameters."""
    design = spec.design
    for name, p in spec.inputs.items():
        where = [spec.section, name]
        if isinstance(design, GridDesign) and p.kind == "distribution":
            raise fail(
                "a grid takes values or a range, not a distribution (sample it with "
                "design kind lhs or sobol)",
                where,
            )
        if isinstance(design, GridDesign) and p.kind == "range" and design.levels is None:
            raise fail("a grid needs design.levels to spread a range over", where)
        if isinstance(design, MorrisDesign) and p.kind != "range":
            raise fail(f"a Morris design needs a range, not {p.kind}", where)
        if isinstance(design, MorrisDesign) and p.integer and p.range is not None:
            lo, hi = math.ceil(p.range[0]), math.floor(p.range[1])
            if hi - lo + 1 < design.levels:
                raise fail(
                    f"a whole-number range needs at least {design.levels} whole numbers for "
                    f"{design.levels} Morris levels (it has {hi - lo + 1}), or some steps "
                    "would change nothing",
                    where,
                )
    if (n := design_size(spec)) > MAX_POINTS:
        raise fail(
            f"a {design.kind} design of {count_text(n)} points is over the limit of "
            f"{MAX_POINTS:,} (each point's estimates are kept in memory)",
            ["design"],
        )


def check_work(spec: SweepSpec, days: int, fail: Any) -> None:
    """A sweep too long to finish on this project's machine in about half a day."""
    points, reps = design_size(spec), spec.replications
    work = points * days * (reps + POINT_DAY_TRIALS)
    if work > MAX_TRIAL_DAYS:
        raise fail(
            f"{points:,} points x {days:,} days x ({reps:,} trials + {POINT_DAY_TRIALS:,}, a "
            f"point's fixed cost in trials) = {work:.3g} trial-days, over the limit of "
            f"{MAX_TRIAL_DAYS:.0e} (about 10 hours on 2 cores): use fewer points, days or "
            "replications, or split the sweep",
            ["replications"],
        )
