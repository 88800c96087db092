"""Files that are never half-written, in folders made on demand.

Core objects: :func:`write_atomic` (write beside, then rename into place) and
:func:`prepare_dir` (a results folder, or one clear error).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from sim.core.errors import InputError


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
