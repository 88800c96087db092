"""The versions of the packages a run depends on.

Core objects: :func:`numeric_versions` (the packages that compute the numbers: checked when a
sweep resumes, or a Dask worker joins) and :func:`package_versions` (everything a manifest
records).
"""

from __future__ import annotations

import platform
from importlib import metadata


def version(dist: str) -> str:
    """A distribution's installed version, or ``"not installed"``."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


#: the packages whose versions can change a number the model computes
NUMERIC_PACKAGES = ("escalation-sim", "numpy", "scipy", "SALib")


def numeric_versions() -> dict[str, str]:
    """The versions of the packages that compute the numbers (checked when resuming)."""
    return {d: version(d) for d in NUMERIC_PACKAGES}


#: the packages a manifest records, besides the numeric ones
RECORDED_PACKAGES = (
    *("mesa", "numpy", "pandas", "pyarrow", "matplotlib", "pyyaml", "pydantic"),
    *("scipy", "SALib", "dask", "distributed"),
)


def package_versions() -> dict[str, str]:
    """This package's, Python's and every dependency's version, for a manifest."""
    return {
        "escalation-sim": version("escalation-sim"),
        "python": platform.python_version(),
        **{d: version(d) for d in RECORDED_PACKAGES},
    }
