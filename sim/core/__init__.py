"""The bottom layer: what every other layer needs and nothing of the model.

Errors and did-you-mean (:mod:`~sim.core.errors`), shipped files and references
(:mod:`~sim.core.paths`), YAML with line numbers (:mod:`~sim.core.yamlio`), estimates and
intervals (:mod:`~sim.core.stats`), atomic files (:mod:`~sim.core.files`), argument checks
(:mod:`~sim.core.checks`), package versions (:mod:`~sim.core.versions`), the strict pydantic
base (:mod:`~sim.core.strict`), HTML tables (:mod:`~sim.core.html`), the door to matplotlib
(:mod:`~sim.core.plotting`) and type aliases (:mod:`~sim.core.types`).
"""
