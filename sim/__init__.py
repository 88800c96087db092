"""escalation-sim: a vectorized agent-based Monte Carlo model of escalation risk.

Iran, the United States, the Iraqi government and Iran-aligned militias, with every trial a
lane of numpy arrays.

Core objects: :func:`load_scenario`, :func:`run` (returning :class:`Results`),
:func:`compare` (returning :class:`Comparison`), :func:`sweep` (a sweep file's points, as a
DataFrame), :func:`load_sweep`, :class:`SweepResults` (a sweep folder, with its sensitivity
indices and figures), :func:`trace` (one trial's events), :func:`explore` (an ipywidgets
explorer), :func:`held_against_record` (the model against public counts), :func:`calibrate` (ABC-SMC
against the record, returning a :class:`Posterior`), :func:`load_results` (a calibration's
folder), :func:`skill` (its forecast skill), :func:`load_record`, :func:`experiment` (every
policy in every scenario, returning an :class:`Experiment`), :func:`robustness` (returning
:class:`Robustness`), :func:`discover` (PRIM and CART, returning :class:`Discovery`),
:class:`Scenario`, :class:`InputError`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for type checkers and editors; at run time, names load on first use
    from sim.calibration.forecast import skill
    from sim.calibration.loader import Calibration, load_calibration
    from sim.calibration.posterior import Posterior
    from sim.calibration.record import Record, load_record
    from sim.calibration.runner import calibrate, load_results
    from sim.core.errors import InputError
    from sim.explorer import Explorer, explore
    from sim.history.facts import held_against_record
    from sim.history.plots import history_figure, history_timeline
    from sim.policy.discovery import Discovery, discover
    from sim.policy.experiment import Experiment, experiment, load_experiment
    from sim.policy.robustness import Robustness, robustness
    from sim.runs.comparison import Comparison, compare
    from sim.runs.results import Results
    from sim.runs.runner import run
    from sim.runs.trace import Trace, trace
    from sim.runs.windows import window_comparison, window_rates
    from sim.scenario.loader import Scenario, list_scenarios, load_scenario
    from sim.scenario.vocabulary import METRICS
    from sim.sweeps.loader import Sweep, load_sweep
    from sim.sweeps.results import SweepResults
    from sim.sweeps.runner import sweep

#: each public name and the module that defines it: ``import sim`` loads none of them, so it
#: is quick, and ``escsim`` can answer a Ctrl-C while the rest loads (tests/test_architecture.py
#: checks this table against the imports above)
_EXPORTS: dict[str, str] = {
    "calibrate": "sim.calibration.runner",
    "Calibration": "sim.calibration.loader",
    "load_calibration": "sim.calibration.loader",
    "load_record": "sim.calibration.record",
    "load_results": "sim.calibration.runner",
    "Posterior": "sim.calibration.posterior",
    "Record": "sim.calibration.record",
    "skill": "sim.calibration.forecast",
    "compare": "sim.runs.comparison",
    "Comparison": "sim.runs.comparison",
    "explore": "sim.explorer",
    "Explorer": "sim.explorer",
    "held_against_record": "sim.history.facts",
    "discover": "sim.policy.discovery",
    "Discovery": "sim.policy.discovery",
    "experiment": "sim.policy.experiment",
    "Experiment": "sim.policy.experiment",
    "load_experiment": "sim.policy.experiment",
    "robustness": "sim.policy.robustness",
    "Robustness": "sim.policy.robustness",
    "history_figure": "sim.history.plots",
    "history_timeline": "sim.history.plots",
    "InputError": "sim.core.errors",
    "list_scenarios": "sim.scenario.loader",
    "load_scenario": "sim.scenario.loader",
    "load_sweep": "sim.sweeps.loader",
    "METRICS": "sim.scenario.vocabulary",
    "Results": "sim.runs.results",
    "run": "sim.runs.runner",
    "Scenario": "sim.scenario.loader",
    "Sweep": "sim.sweeps.loader",
    "sweep": "sim.sweeps.runner",
    "SweepResults": "sim.sweeps.results",
    "Trace": "sim.runs.trace",
    "trace": "sim.runs.trace",
    "window_comparison": "sim.runs.windows",
    "window_rates": "sim.runs.windows",
}
__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the public ones included before they load."""
    return sorted({*globals(), *_EXPORTS})
