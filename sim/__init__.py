"""escalation-sim: a vectorized agent-based Monte Carlo model of escalation risk.

Iran, the United States, the Iraqi government and Iran-aligned militias, with every trial a
lane of numpy arrays.

Core objects: :func:`load_scenario`, :func:`run` (returning :class:`Results`),
:func:`compare` (returning :class:`Comparison`), :func:`sweep` (a sweep file's points, as a
DataFrame), :func:`load_sweep`, :class:`SweepResults` (a sweep folder, with its sensitivity
indices and figures), :class:`Scenario`, :class:`InputError`.
"""

from sim.compare import Comparison, compare
from sim.errors import InputError
from sim.results import METRICS, Results
from sim.runner import run
from sim.scenario import Scenario, list_scenarios, load_scenario
from sim.sweepfile import Sweep, load_sweep
from sim.sweepresults import SweepResults
from sim.sweeprunner import sweep

__all__ = [
    "METRICS",
    "Comparison",
    "InputError",
    "Results",
    "Scenario",
    "Sweep",
    "SweepResults",
    "compare",
    "list_scenarios",
    "load_scenario",
    "load_sweep",
    "run",
    "sweep",
]
__version__ = "0.1.0"
