"""Files that are never half-written, and the manifest that makes a run reproducible.

Core objects: :func:`write_atomic`, :func:`manifest` and :func:`numeric_versions`.
"""

from __future__ import annotations

import os
import platform
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.scenario import Scenario
from sim.streams import SeedLike


def write_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write`` on a temporary file beside ``path``, then rename it into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def prepare_dir(out: str | Path) -> Path:
    """Create the results folder ``out`` if needed; refuse a path that cannot be one."""
    path = Path(out)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InputError(
            "cannot write results there: it is a file, not a folder", file=str(path)
        ) from None
    except OSError as exc:
        raise InputError(
            f"cannot create the results folder ({exc.strerror})", file=str(path)
        ) from None
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


#: the packages whose versions can change a number the model computes
NUMERIC_PACKAGES = ("escalation-sim", "numpy", "scipy", "SALib")


def numeric_versions() -> dict[str, str]:
    """The versions of the packages that compute the numbers (checked when resuming)."""
    return {d: _version(d) for d in NUMERIC_PACKAGES}


def manifest(scenario: Scenario, seed: SeedLike, **run: Any) -> dict[str, Any]:
    """What is needed to reproduce a run: scenario hash and files, seed, versions."""
    return {
        "scenario": scenario.name,
        "scenario_hash": scenario.hash,
        "scenario_files": list(scenario.files),
        "seed": seed if isinstance(seed, int) else list(seed),
        **run,
        "versions": {
            "escalation-sim": _version("escalation-sim"),
            "python": platform.python_version(),
            **{
                d: _version(d)
                for d in (
                    *("mesa", "numpy", "pandas", "pyarrow", "matplotlib", "pyyaml", "pydantic"),
                    *("scipy", "SALib", "dask", "distributed"),
                )
            },
        },
    }
