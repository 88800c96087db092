"""Sweeps: many runs over a design of parameter values, and what they show.

The sweep file's schema (:mod:`~sim.sweeps.spec`) and loading (:mod:`~sim.sweeps.loader`),
designs (:mod:`~sim.sweeps.design`), the resumable store (:mod:`~sim.sweeps.store`), the
runner (:mod:`~sim.sweeps.runner`), results read back (:mod:`~sim.sweeps.results`),
sensitivity indices (:mod:`~sim.sweeps.sensitivity`) and plots (:mod:`~sim.sweeps.plots`).
Imports only the layers below: runs, model, scenario, core.
"""
