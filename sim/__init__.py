"""escalation-sim: a vectorized agent-based Monte Carlo model of escalation risk.

Iran, the United States, the Iraqi government and Iran-aligned militias, with every trial a
lane of numpy arrays.

Core objects: :func:`load_scenario`, :func:`run` (returning :class:`Results`),
:func:`compare` (returning :class:`Comparison`), :func:`sweep` (a sweep file's points, as a
DataFrame), :func:`load_sweep`, :class:`SweepResults` (a sweep folder, with its sensitivity
indices and figures), :func:`trace` (one trial's events), :func:`explore` (an ipywidgets
explorer), :func:`held_against_record` (the model against public counts),
:class:`Scenario`, :class:`InputError`.
"""

from sim.core.errors import InputError
from sim.explorer import Explorer, explore
from sim.history.facts import held_against_record
from sim.history.plots import history_figure, history_timeline
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

__all__ = [
    "METRICS",
    "Comparison",
    "Explorer",
    "InputError",
    "Results",
    "Scenario",
    "Sweep",
    "SweepResults",
    "Trace",
    "compare",
    "explore",
    "held_against_record",
    "history_figure",
    "history_timeline",
    "list_scenarios",
    "load_scenario",
    "load_sweep",
    "run",
    "sweep",
    "trace",
    "window_comparison",
    "window_rates",
]
__version__ = "0.1.0"
