"""The model against the public record.

The facts with their sources (:mod:`~sim.history.facts`, read from ``facts.yaml``) and their
figures (:mod:`~sim.history.plots`). Imports only the layers below.
"""
