"""A local worker process's life: how it starts, what it loads, how it dies and exits.

Core objects: :func:`forkserver` (the start method: workers forked from one server per
session that has imported :mod:`sim.runs.warm`), :func:`init_worker` (each worker's first
act) and :func:`tune_malloc` (the heap settings every process that runs blocks uses).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import functools
import multiprocessing
import multiprocessing.context
import os
import select
import signal
import sys
import threading

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

    Forked from a single-threaded server (never from this process, whose other threads, of
    pyarrow, tqdm or Jupyter, a fork would copy mid-lock), a worker starts in milliseconds
    with the model's modules and compiled kernels loaded: a small run on 2 workers took
    about 1.7 s the first time in a session and 0.2 s after (as on one), where spawned
    workers each imported everything anew (2.0 s, every time). The main module is still
    imported in the server,
    as with ``spawn``: scripts need ``if __name__ == "__main__":``.
    """
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def init_worker(parent: int) -> None:
    """Leave Ctrl-C to the ``parent`` process, die with it, even by SIGKILL, exit at once.

    A worker's parent process is the fork server, so dying with it (``PR_SET_PDEATHSIG``,
    Linux) is not enough: a thread waits on the pool's owner, ``parent``, and ends the
    worker when it ends (then the server, whose last worker is gone, ends too).
    """
    atexit.register(_exit_at_once)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # a pending one is dropped
    tune_malloc()
    with contextlib.suppress(OSError, AttributeError):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() == 1:  # the server died before prctl took effect
        os._exit(1)
    _die_with(parent)


def _die_with(pid: int) -> None:
    """End this process as soon as process ``pid`` ends (Linux's pidfd; else nothing)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:  # it has ended already
        os._exit(1)
    except (AttributeError, OSError):  # not Linux 5.3 or later
        return

    def wait() -> None:
        select.select([fd], [], [])  # readable once the process has ended
        os._exit(1)

    threading.Thread(target=wait, name="die-with-parent", daemon=True).start()


def _exit_at_once() -> None:
    """A worker's last act, once it has sent every result: skip tearing its modules down.

    Finalizing the interpreter (numba, pyarrow, pandas and scipy among its modules) took
    about 0.5 s a worker, which the parent waited for at the end of every run.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
