"""Where the shipped scenarios and source articles live.

Core objects: :func:`data_dir`. In a wheel they are package data under ``sim/_data``; in an
editable install or a source checkout they are the repository's top-level folders.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder ``scenarios`` or ``seeds``, from the wheel or the source tree."""
    packaged = _PACKAGE / "_data" / name
    return packaged if packaged.is_dir() else _PACKAGE.parent / name


def scenarios_dir() -> Path:
    """The folder of shipped scenario files."""
    return data_dir("scenarios")


def seeds_dir() -> Path:
    """The folder of the project's source articles, copied verbatim."""
    return data_dir("seeds")
