"""escalation-sim: a vectorized agent-based Monte Carlo model of escalation risk.

Iran, the United States, the Iraqi government and Iran-aligned militias, with every trial a
lane of numpy arrays.

Core objects: :func:`load_scenario`, :func:`run` (returning :class:`Results`),
:func:`compare` (returning :class:`Comparison`), :class:`Scenario`, :class:`InputError`.
"""

from sim.compare import Comparison, compare
from sim.errors import InputError
from sim.results import METRICS, Results
from sim.runner import run
from sim.scenario import Scenario, list_scenarios, load_scenario

__all__ = [
    "METRICS",
    "Comparison",
    "InputError",
    "Results",
    "Scenario",
    "compare",
    "list_scenarios",
    "load_scenario",
    "run",
]
__version__ = "0.1.0"
