"""Where the shipped scenarios and source articles live, and what a file reference names.

Core objects: :func:`data_dir` and :func:`shipped_file`. In a wheel the shipped files are
package data under ``sim/_data``; in an editable install or a source checkout they are the
repository's top-level folders. A reference is a path if it looks like one (it ends in
``.yaml``/``.yml`` or has a slash), else the name of a shipped file.
"""

from __future__ import annotations

from pathlib import Path

from sim.core.errors import InputError, did_you_mean

_PACKAGE = Path(__file__).resolve().parent.parent


def data_dir(name: str) -> Path:
    """Return the folder ``scenarios`` or ``seeds``, from the wheel or the source tree."""
    packaged = _PACKAGE / "_data" / name
    return packaged if packaged.is_dir() else _PACKAGE.parent / name


def scenarios_dir() -> Path:
    """The folder of shipped scenario files."""
    return data_dir("scenarios")


def sweeps_dir() -> Path:
    """The folder of shipped sweep files."""
    return scenarios_dir() / "sweeps"


def seeds_dir() -> Path:
    """The folder of the project's source articles, copied verbatim."""
    return data_dir("seeds")


def looks_like_path(text: str) -> bool:
    """Whether a reference is a path (``.yaml``/``.yml``, or a slash) rather than a name."""
    return text.endswith((".yaml", ".yml")) or "/" in text or "\\" in text


def shipped_file(ref: str | Path, folder: Path, kind: str, relative_to: Path | None = None) -> Path:
    """Turn a reference into a file path: a path as given, or ``folder/NAME.yaml``.

    Args:
        ref: A path, or the name of a shipped file.
        folder: Where shipped files of this kind live.
        kind: What they are (``"scenario"``, ``"sweep"``), for the message.
        relative_to: The folder a relative path is relative to (default: the working one).

    Raises:
        InputError: A name with no shipped file, naming the closest and every shipped one.
    """
    text = str(ref)
    if looks_like_path(text):
        path = Path(text)
        return relative_to / path if not path.is_absolute() and relative_to else path
    shipped = folder / f"{text}.yaml"
    if shipped.is_file():
        return shipped
    names = sorted(p.stem for p in folder.glob("*.yaml"))
    raise InputError(
        f"no shipped {kind} named {text!r}{did_you_mean(text, names)}; shipped: {', '.join(names)}"
    )
