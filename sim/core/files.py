"""Files that are never half-written, in folders made only when something is written.

Core objects: :func:`write_atomic` (write beside, then rename into place), :func:`write_all`
(a set of files that appear together or not at all), :func:`check_out_dir` (refuse a results
folder that cannot be one, creating nothing), :func:`prepare_dir` and :class:`WriteError` (the
disk refused: full, a file-size limit, no permission).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from sim.core.errors import InputError

Writer = Callable[[Path], object]


class WriteError(Exception):
    """A file could not be written (disk full, file too large, no permission).

    Not bad input: the command line reports it in one line naming the file, with exit code 1.
    Nothing partial is left: temporary files are removed before this is raised.
    """

    def __init__(self, path: Path, reason: str) -> None:
        """Name the file and what the system said."""
        self.path, self.reason = path, reason
        super().__init__(f"cannot write {path}: {reason}")


def _temp_beside(path: Path) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return Path(tmp)


def _write_temp(path: Path, write: Writer) -> Path:
    """Write ``path``'s content to a temporary file beside it; remove it if anything fails."""
    tmp = None
    try:
        tmp = _temp_beside(path)
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
    except BaseException as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise WriteError(path, exc.strerror or str(exc)) from None
        raise
    return tmp


def write_atomic(path: Path, write: Writer) -> Path:
    """Call ``write`` on a temporary file beside ``path``, then rename it into place.

    Raises:
        WriteError: The system refused (disk full, a file-size limit): nothing is left behind.
    """
    return write_all(path.parent, {path.name: write})[0]


def write_all(folder: Path, writers: Mapping[str, Writer]) -> list[Path]:
    """Write a set of files into ``folder`` so that they appear together or not at all.

    Every file is first written to a temporary name; only when all are written are they
    renamed into place, in the order given (put a manifest last). A full disk leaves the
    folder as it was.

    Raises:
        WriteError: The system refused one of them: every temporary file is removed.
    """
    temps: dict[Path, Path] = {}
    try:
        for name, write in writers.items():
            temps[folder / name] = _write_temp(folder / name, write)
        for path, tmp in temps.items():
            os.replace(tmp, path)
    except BaseException as exc:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise WriteError(folder, exc.strerror or str(exc)) from None
        raise
    return list(temps)


def check_out_dir(out: str | Path) -> Path:
    """Refuse a results folder that cannot be one, without creating anything.

    An existing folder is fine; a new one needs its nearest existing parent to be a folder.

    Raises:
        InputError: An empty path, a file, or a parent that is a file.
    """
    if not str(out).strip():
        raise InputError("the results folder is empty: give a folder, e.g. --out results")
    path = Path(out)
    parent = path
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        what = "it is" if parent == path else f"{parent} is"
        raise InputError(f"cannot write results there: {what} a file, not a folder", file=str(out))
    return path


def prepare_dir(out: str | Path) -> Path:
    """Create the results folder ``out`` if needed; refuse a path that cannot be one."""
    check_out_dir(out)
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
