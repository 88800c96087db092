"""What every actor shares: the model it belongs to, and the days and theaters it counts in.

Core objects: :class:`Actor`, a ``mesa.Agent`` with typed access to the lane model;
:data:`NEVER` (a day that never comes) and :data:`THEATERS`.
"""

from __future__ import annotations

import mesa

from sim.model.base import LaneModel

NEVER = 1 << 30  # a day that never comes
THEATERS = ("iraq", "syria")


class Actor(mesa.Agent):  # type: ignore[misc]
    """Base for the model's actors: typed access to the escalation model."""

    model: LaneModel

    def __init__(self, model: LaneModel) -> None:
        """Register with the model."""
        super().__init__(model)
