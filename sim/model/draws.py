"""Turning uniform numbers into the model's random quantities, lane by lane.

Core objects: :func:`poisson`, :func:`pareto_count`, :func:`categorical`,
:func:`uniform_int`. Each maps *one* uniform per trial through an inverse CDF, so every
quantity comes from its own named stream and keeps common random numbers across scenarios.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.core.types import BoolArray, FloatArray, IntArray, Number

MAX_RATE = 100.0


def poisson(u: FloatArray, lam: FloatArray | float) -> tuple[IntArray, IntArray]:
    """Poisson counts with mean ``lam`` (0 to :data:`MAX_RATE`) by inversion of the CDF at ``u``.

    Returns:
        The lanes with at least one event (usually a few), and their counts: every other
        lane's count is 0. The loop runs over count values (not trials), on the lanes that
        still need more, and stops as soon as none does; it is exact up to the float
        precision of the CDF.
    """
    lam_arr = np.broadcast_to(np.asarray(lam, dtype=np.float64), u.shape)
    p0 = np.exp(-lam_arr)
    lanes = np.flatnonzero(u >= p0)
    ul, ll = u[lanes], lam_arr[lanes]
    term = p0[lanes]
    cdf = term.copy()
    counts = np.zeros(lanes.size, dtype=np.int64)
    more = np.ones(lanes.size, dtype=bool)
    i = 0
    while more.any() and i < 10 * MAX_RATE:
        i += 1
        counts += more
        term = term * ll / i
        cdf += term
        more &= ul >= cdf
    return lanes, counts


def pareto_count(u: FloatArray, tail: Number, cap: Number) -> IntArray:
    """Heavy-tailed counts >= 1: ``floor(U ** (-1/tail))``, capped; P(X >= x) = x ** -tail.

    ``tail`` must be above 0 (the scenario's validation says so). A small one may overflow
    the power to infinity, which the cap then bounds: that is no error.
    """
    with np.errstate(over="ignore"):
        x = np.floor(np.maximum(1.0 - u, 1e-300) ** (-1.0 / tail))
    return np.minimum(x, cap).astype(np.int64)


def casualties(u: FloatArray, attacks: IntArray, p: Number, tail: Number, cap: Number) -> IntArray:
    """Personnel hurt in lanes that had ``attacks`` (> 0) attacks, each hurting with chance ``p``.

    A lane is hit with probability ``1 - (1 - p) ** attacks``; the number hurt is a Pareto
    count drawn from ``u / p_hit``, which is uniform on [0, 1) given ``u < p_hit``, so one
    uniform per lane gives both. All arguments are for the same lanes (the lanes with
    attacks, one entry each); ``p``, ``tail`` and ``cap`` may also be scalars.
    """
    p_hit = 1.0 - (1.0 - p) ** attacks
    out = np.zeros(u.shape, dtype=np.int64)
    hit = u < p_hit
    out[hit] = pareto_count(u[hit] / p_hit[hit], at(tail, hit), at(cap, hit))
    return out


def at(value: Any, lanes: IntArray | BoolArray) -> Any:
    """``value`` in some lanes: itself if a scalar (or a 0-d array), else its entries there."""
    return value[lanes] if isinstance(value, np.ndarray) and value.ndim else value


def categorical(u: FloatArray, weights: FloatArray) -> IntArray:
    """Index drawn with probability proportional to ``weights`` (categories x trials)."""
    cum = np.cumsum(weights, axis=0)
    target = u * cum[-1]
    index: IntArray = np.minimum((cum <= target).sum(axis=0), weights.shape[0] - 1)
    return index.astype(np.int64)


def uniform_int(u: FloatArray, low: int | IntArray, high: int | IntArray) -> IntArray:
    """Integers uniform on ``low..high`` inclusive (bounds: scalars, or one pair a lane)."""
    return (low + np.floor(u * (high - low + 1))).astype(np.int64)
