"""``python -m sim``: the same as the ``escsim`` command."""

from sim.cli import main

raise SystemExit(main())
