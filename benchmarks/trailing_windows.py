"""Would fusing the trailing windows pay? Closing a day of them, separate or stacked.

The model keeps ten trailing windows (``sim.model.trailing.Trailing``): the world's attacks,
deaths and injuries, the U.S. strikes, leader strikes and strikes on Iran, Iran's own strikes
and unleashed days, the talks' setbacks, and each group's attacks (groups x lanes). Each closes
its day with a few in-place array operations. This script times closing 365 days of them as
the model has them, against the same counts stacked into one buffer per set of horizons (four
buffers, a quarter of the calls), at 20,000 lanes and 12 groups: medians of 9 rounds of 365
days, the two ways alternating.

    python benchmarks/trailing_windows.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from sim.model.trailing import Trailing

LANES, GROUPS, DAYS, ROUNDS = 20_000, 12, 365, 9
STALL = 14


def separate() -> list[Trailing]:
    """The ten windows as the actors keep them."""
    n = (LANES,)
    return [
        Trailing(n, (7, 30)),  # world: attacks
        Trailing(n, (7, 30)),  # world: killed
        Trailing(n, (7,)),  # world: wounded
        Trailing(n, (STALL,)),  # Iraq: setbacks of the talks
        Trailing(n, (7,)),  # U.S.: strikes
        Trailing(n, (7,)),  # U.S.: leader strikes
        Trailing(n, (30,)),  # U.S.: strikes on Iran
        Trailing((GROUPS, LANES), (7, 30)),  # each group's attacks
        Trailing(n, (30,)),  # Iran: its own strikes
        Trailing(n, (30,)),  # Iran: days it unleashed its proxies
    ]


def stacked() -> list[Trailing]:
    """The same counts, one buffer per set of horizons."""
    return [
        Trailing((2 + GROUPS, LANES), (7, 30)),
        Trailing((3, LANES), (7,)),
        Trailing((1, LANES), (STALL,)),
        Trailing((3, LANES), (30,)),
    ]


def us_per_day(make: Callable[[], list[Trailing]]) -> float:
    """Time to close one day of every window, in microseconds (one round of DAYS days)."""
    windows = make()
    start = time.perf_counter()
    for _ in range(DAYS):
        for w in windows:
            w.end_day()
    return (time.perf_counter() - start) / DAYS * 1e6


def main() -> None:
    """Print both ways' medians and their ratio."""
    times: dict[str, list[float]] = {"separate": [], "stacked": []}
    for _ in range(ROUNDS):
        times["separate"].append(us_per_day(separate))
        times["stacked"].append(us_per_day(stacked))
    a, b = (statistics.median(t) for t in times.values())
    print(f"closing a day at {LANES:,} lanes, {GROUPS} groups, medians of {ROUNDS} x {DAYS} days")
    print(f"  ten windows as the model keeps them  {a:7.0f} us")
    print(f"  stacked into four buffers           {b:7.0f} us  ({a / b:.2f}x)")


if __name__ == "__main__":
    main()
