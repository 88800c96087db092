"""The ``escsim`` command and ``python -m sim``: answer Ctrl-C from the first instruction.

Core objects: :func:`main`. Loading the command's modules takes a second or two (pandas,
pyarrow, mesa); a Ctrl-C in that time is one line and exit code 130, as at any other moment,
not a traceback of the import it interrupted. A Ctrl-C can also land while Python runs a
callback whose exceptions it only prints (the import system's module-lock callbacks, say):
the interrupt is noted as it arrives, so a command that then runs to its end still exits 130.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType


class _Watch:
    """A SIGINT handler that notes the interrupt, then raises it as Python's own does."""

    def __init__(self) -> None:
        self.hit = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.hit = True
        raise KeyboardInterrupt


def main() -> int:
    """Load the command line and run it; a Ctrl-C at any moment exits 130 in one line."""
    watch = _Watch()
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not ignored by a shell
        signal.signal(signal.SIGINT, watch)
    try:
        from sim.cli import main as cli_main  # noqa: PLC0415 - the load is what Ctrl-C may cut

        code = cli_main()
    except KeyboardInterrupt:
        print("escsim: interrupted; no results were written", file=sys.stderr)
        return 130
    if watch.hit and code == 0:  # the interrupt was swallowed where exceptions are ignored
        print("escsim: interrupted (what finished before it is kept)", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
