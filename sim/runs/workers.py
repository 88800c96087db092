"""A local worker process's life: how it starts, what it loads and how it dies.

Core objects: :func:`forkserver` (the start method: workers forked from one server per
session that has imported :mod:`sim.runs.warm`), :func:`server_environment` (the path it
imports from), :func:`init_worker` (each worker's first act) and :func:`tune_malloc` (the
heap settings every process that runs blocks uses).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import multiprocessing
import multiprocessing.connection
import multiprocessing.context
import os
import signal
import sys
import threading
from collections.abc import Iterator

#: what the fork server imports before it forks any worker
PRELOAD = ["sim.runs.warm"]


@functools.cache
def tune_malloc() -> bool:
    """Keep freed arrays in the heap instead of returning them to the OS (glibc only).

    A block's temporaries are arrays of ~100 KB to a few MB. By default glibc serves those
    with fresh ``mmap`` calls and returns them at once, so every numpy operation pays page
    faults until its adaptive threshold catches up: a process's first block ran 15-30%
    slower, and every worker process is a first. Raising the mmap and trim thresholds
    (``mallopt``) removes that. Returns whether it applied; elsewhere it does nothing.
    """
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(mallopt(m_mmap_threshold, 32 << 20) and mallopt(m_trim_threshold, 256 << 20))


def forkserver() -> multiprocessing.context.BaseContext:
    """Workers forked from one server per session that has imported :data:`PRELOAD`.

    A worker forked from the server starts in milliseconds with the model's modules and
    compiled kernels loaded: a small run on 2 workers took about 1.7 s the first time in a
    session and 0.2 s after (as on one), where spawned workers each imported everything anew
    (2.0 s, every time). Forks are made from the server, never from this process, whose
    threads (pyarrow's, tqdm's, Jupyter's) a fork would copy mid-lock; the server runs no
    Python thread (only OpenBLAS's and jemalloc's, which prepare for a fork). Each worker
    then imports the main script, as with ``spawn``: scripts need
    ``if __name__ == "__main__":``. Start the server under :func:`server_environment`.
    """
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


@contextlib.contextmanager
def server_environment() -> Iterator[None]:
    """The fork server, if it starts now, imports from this process's ``sys.path``.

    Python 3.11 starts the server with ``python -c``, whose path begins with the current
    folder and ignores the path it is sent: from a folder holding another ``sim``, the
    server (and so every worker) would load that one. ``PYTHONPATH`` set to this process's
    path, and ``PYTHONSAFEPATH`` (no current folder first), make it load this one.
    """
    saved = {k: os.environ.get(k) for k in ("PYTHONPATH", "PYTHONSAFEPATH")}
    entries = [entry or os.getcwd() for entry in sys.path]
    os.environ.update(PYTHONPATH=os.pathsep.join(entries), PYTHONSAFEPATH="1")
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def init_worker() -> None:
    """Leave Ctrl-C to the pool's owner, and die with it, even when it dies by SIGKILL.

    A worker's parent process is the fork server, so dying with it (``PR_SET_PDEATHSIG``,
    Linux) is not enough: a thread waits on the pool owner's sentinel (a pipe that process
    holds open) and ends the worker when it ends; the server, its last worker gone, ends too.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # a pending one is dropped
    tune_malloc()
    with contextlib.suppress(OSError, AttributeError):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    owner = multiprocessing.parent_process()
    if owner is not None:
        threading.Thread(target=_die_with, args=(owner.sentinel,), daemon=True).start()


def _die_with(sentinel: int) -> None:
    """Wait until the pool's owner has ended (its sentinel is readable), then end."""
    multiprocessing.connection.wait([sentinel])
    os._exit(1)
