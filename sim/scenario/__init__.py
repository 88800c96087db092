"""What a scenario says, and how a file becomes one.

The vocabulary (state variables, rules, parameters, rungs, metrics:
:mod:`~sim.scenario.vocabulary`), safe expressions (:mod:`~sim.scenario.expr`), sources
checked against the articles (:mod:`~sim.scenario.sources`), the schema
(:mod:`~sim.scenario.schema`), key paths (:mod:`~sim.scenario.keypaths`), reading
``extends:`` chains (:mod:`~sim.scenario.chain`), checking the merged result and blaming the
file that caused an error (:mod:`~sim.scenario.validation`) and loading
(:mod:`~sim.scenario.loader`). Imports only :mod:`sim.core`.
"""
