"""The ``escsim`` command and ``python -m sim``: answer Ctrl-C from the first instruction.

Core objects: :func:`main`. Loading the command's modules takes a second or two (pandas,
pyarrow, mesa); a Ctrl-C in that time is one line and exit code 130, as at any other moment,
not a traceback of the import it interrupted.
"""

from __future__ import annotations

import sys


def main() -> int:
    """Load the command line and run it; a Ctrl-C while loading exits 130 in one line."""
    try:
        from sim.cli import main as cli_main  # noqa: PLC0415 - the load is what Ctrl-C may cut

        return cli_main()
    except KeyboardInterrupt:
        print("escsim: interrupted; no results were written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
