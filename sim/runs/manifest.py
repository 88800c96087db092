"""The manifest that makes a run reproducible.

Core objects: :func:`manifest`: the scenario's name, hash and files, the values set on it
(``--set``, :meth:`~sim.scenario.loader.Scenario.patched`), the seed, the run's size and
every package's version.
"""

from __future__ import annotations

from typing import Any

from sim.core.types import SeedLike
from sim.core.versions import package_versions
from sim.scenario.loader import Scenario


def manifest(scenario: Scenario, seed: SeedLike, **run: Any) -> dict[str, Any]:
    """What is needed to reproduce a run: scenario hash and files, seed, versions."""
    return {
        "scenario": scenario.name,
        "scenario_hash": scenario.hash,
        "scenario_files": list(scenario.files),
        "scenario_changes": dict(scenario.changes),
        "seed": seed if isinstance(seed, int) else list(seed),
        **run,
        "versions": package_versions(),
    }
