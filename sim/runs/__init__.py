"""Running the model: blocks on a pool of workers, and what a run gives back.

The pool and its progress bar, shared with sweeps (:mod:`~sim.runs.pool`), the runner
(:mod:`~sim.runs.runner`), results (:mod:`~sim.runs.results`), paired comparisons
(:mod:`~sim.runs.comparison`), windows of days (:mod:`~sim.runs.windows`), one trial's story
(:mod:`~sim.runs.trace`), figures (:mod:`~sim.runs.figures`) and the manifest
(:mod:`~sim.runs.manifest`). Imports only the layers below: model, scenario, core.
"""
