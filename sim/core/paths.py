"""Where the shipped scenarios and source articles live, and what a file reference names.

Core objects: :func:`data_dir`, :func:`shipped_file` and :func:`check_regular_file`. In a
wheel the shipped files are package data under ``sim/_data``; in an editable install or a
source checkout they are the repository's top-level folders. A reference is a path if it
looks like one (it ends in ``.yaml``/``.yml`` or has a slash), else the name of a shipped file.
An input file must be a regular file of at most :data:`MAX_FILE_BYTES`: a folder, a FIFO
(which would block a read forever), a device such as ``/dev/zero`` or a huge sparse file is
refused before anything is read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from sim.core.errors import InputError, did_you_mean

_PACKAGE = Path(__file__).resolve().parent.parent

#: the largest input file read: a scenario or sweep file is a few kilobytes
MAX_FILE_BYTES = 1 << 20
#: the largest results table read back (``per_trial.parquet`` of 10^6 trials is ~100 MB)
MAX_TABLE_BYTES = 4 << 30
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_OS_REASONS = {
    errno.ENOENT: "file not found",
    errno.ENOTDIR: "file not found (a part of its path is not a folder)",
    errno.ELOOP: "not a regular file: a symlink loop (too many levels of symbolic links)",
    errno.ENAMETOOLONG: "the file name is too long for the file system",
    errno.EACCES: "permission denied",
}


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
    try:
        if shipped.is_file():
            return shipped
    except (OSError, ValueError):  # a name too long for the file system, say: not shipped
        pass
    names = sorted(p.stem for p in folder.glob("*.yaml"))
    raise InputError(
        f"no shipped {kind} named {text!r}{did_you_mean(text, names)}; shipped: {', '.join(names)}"
    )


def check_regular_file(path: Path, limit: int = MAX_FILE_BYTES) -> int:
    """Refuse what is not a regular file of at most ``limit`` bytes, before reading it.

    Args:
        path: The file (a symlink is followed).
        limit: The largest size read: :data:`MAX_FILE_BYTES` for an input file,
            :data:`MAX_TABLE_BYTES` for a results table.

    Returns:
        The file's size in bytes.

    Raises:
        InputError: The file is missing, a symlink loop, a name too long, a folder, a FIFO,
            a device or a socket, or larger than the limit.
    """
    file = str(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        reason = _OS_REASONS.get(exc.errno or 0, f"cannot read file ({exc.strerror})")
        raise InputError(reason, file=file) from None
    except ValueError:  # an embedded NUL character
        raise InputError("the file name contains a NUL character", file=file) from None
    if not stat.S_ISREG(info.st_mode):
        kind = next((k for test, k in _KINDS if test(info.st_mode)), "an unknown kind of file")
        raise InputError(f"not a regular file: {kind}", file=file)
    if info.st_size > limit:
        raise InputError(too_large(info.st_size, limit), file=file)
    return info.st_size


def too_large(size: int | None, limit: int = MAX_FILE_BYTES) -> str:
    """The message for a file over ``limit`` bytes (``size`` None: unknown)."""
    what = f"{size:,} bytes" if size is not None else "larger"
    if limit == MAX_FILE_BYTES:
        return f"file is {what}, over the limit of 1 MiB (a scenario or sweep is a few kilobytes)"
    return f"file is {what}, over the limit of {limit >> 30} GiB for a results table"


def real_path(path: Path) -> Path:
    """The absolute path with symlinks resolved, as far as they resolve (never raises on a loop).

    ``Path.resolve`` raises on a symlink loop; this leaves the refusal to
    :func:`check_regular_file`, which says what is wrong.
    """
    try:
        return Path(os.path.realpath(path))
    except (OSError, ValueError):  # a NUL character, say: refused when the file is read
        return Path(os.path.abspath(path))
