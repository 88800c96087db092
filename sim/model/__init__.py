"""The model: actors whose state is arrays over trials, and one step order.

Random streams (:mod:`~sim.model.streams`) and draws (:mod:`~sim.model.draws`), trailing sums
(:mod:`~sim.model.trailing`), the lane model every actor reads (:mod:`~sim.model.base`), the
day's tallies (:mod:`~sim.model.world`), the actors (:mod:`~sim.model.agents`), the model and
its step (:mod:`~sim.model.escalation`), the recorder (:mod:`~sim.model.recorder`), what a
block of trials leaves (:mod:`~sim.model.block`) and the event log of one trial
(:mod:`~sim.model.eventlog`). Imports only :mod:`sim.scenario` and :mod:`sim.core`.
"""
