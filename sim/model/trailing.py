"""Trailing sums of daily counts.

Core objects: :class:`Trailing`. It keeps the last few days of a per-trial count in a ring
buffer and gives sums over the last ``k`` days, today's partial count included.
"""

from __future__ import annotations

import numpy as np

from sim.core.types import IntArray


class Trailing:
    """Trailing sums of one daily count over several horizons.

    Args:
        shape: Shape of the count (trials, or groups x trials).
        horizons: Trailing lengths in days, e.g. ``(7, 30)``.
    """

    def __init__(self, shape: tuple[int, ...], horizons: tuple[int, ...]) -> None:
        """Start with zero counts."""
        self.horizons = horizons
        self._buf: IntArray = np.zeros((max(horizons), *shape), dtype=np.int64)
        self._past = {k: np.zeros(shape, dtype=np.int64) for k in horizons}
        self.total: IntArray = np.zeros(shape, dtype=np.int64)
        self._day = 0
        self.today: IntArray = self._buf[0]  # a view: today's slot of the ring buffer

    def last(self, k: int) -> IntArray:
        """The sum over the last ``k`` days, today so far included."""
        out: IntArray = self._past[k] + self.today
        return out

    def last_at(self, k: int, lanes: IntArray) -> IntArray:
        """:meth:`last` for some trials only (indices on the last axis)."""
        out: IntArray = self._past[k][..., lanes] + self.today[..., lanes]
        return out

    def end_day(self) -> None:
        """Close today: roll it into the windows and start a new day at zero (no allocation)."""
        size = self._buf.shape[0]
        for k, past in self._past.items():
            past += self.today  # past[k] holds days t-k+2 .. t once day t-k+1 leaves
            if self._day - (k - 1) >= 0:
                past -= self._buf[(self._day - (k - 1)) % size]
        self.total += self.today
        self._day += 1
        self.today = self._buf[self._day % size]
        self.today[...] = 0
