"""The day's shared tallies over all groups.

Core objects: :class:`World`: attacks, U.S. killed and wounded, each with trailing sums,
and attacks by group, over every lane.
"""

from __future__ import annotations

import numpy as np

from sim.core.types import IntArray
from sim.model.trailing import Trailing


class World:
    """Today's shared tallies over all groups, with trailing sums.

    Args:
        n: Number of lanes.
        n_groups: Number of militias.
    """

    def __init__(self, n: int, n_groups: int) -> None:
        """Start with nothing counted."""
        self.attacks = Trailing((n,), (7, 30))
        self.killed = Trailing((n,), (7, 30))
        self.wounded = Trailing((n,), (7,))
        self.by_group: IntArray = np.zeros((n_groups, n), dtype=np.int64)
        self.forced_killed: IntArray = np.zeros(n, dtype=np.int64)

    def record_attacks(
        self, group: int, lanes: IntArray, n: IntArray, killed: IntArray, wounded: IntArray
    ) -> None:
        """Add a group's ``n`` attacks in one theater, in lanes ``lanes``, with casualties."""
        self.attacks.today[lanes] += n
        self.killed.today[lanes] += killed
        self.wounded.today[lanes] += wounded
        self.by_group[group, lanes] += n

    def record_forced(self, group: int, killed: int, wounded: int) -> None:
        """Add an attack the scenario forces (in every lane), with its casualties."""
        self.attacks.today += 1
        self.killed.today += killed
        self.wounded.today += wounded
        self.by_group[group] += 1
        self.forced_killed += killed

    def end_day(self) -> None:
        """Close today's tallies."""
        for tally in (self.attacks, self.killed, self.wounded):
            tally.end_day()
        self.by_group[:] = 0
        self.forced_killed[:] = 0
