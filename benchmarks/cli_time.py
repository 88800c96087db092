"""How long ``escsim run qaani_visit --trials 10000 --days 90`` takes, end to end.

Prints the median (and range) of several runs of the whole command (interpreter start,
imports, scenario load, simulation, table), and, in-process, of its parts. Run:

    python benchmarks/cli_time.py [--repeats 5] [--trials 10000] [--days 90] [--point]

``--point`` runs at the point values instead of drawing the declared uncertainties.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def _median_range(xs: list[float]) -> str:
    return f"{statistics.median(xs):7.3f} s  (min {min(xs):.3f}, max {max(xs):.3f})"


def main() -> None:
    """Time the command and its parts; print a table of medians."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--trials", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--point", action="store_true", help="no draws: every number at its value")
    args = ap.parse_args()
    cmd = [
        sys.executable,
        "-m",
        "sim",
        "run",
        "qaani_visit",
        "--trials",
        str(args.trials),
        "--days",
        str(args.days),
        *(["--point"] if args.point else []),
    ]
    wall = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        wall.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    import sim  # noqa: PLC0415 - the import is what is timed

    t_import = time.perf_counter() - t0
    load, simulate = [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        sc = sim.load_scenario("qaani_visit")
        load.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        sim.run(sc, trials=args.trials, days=args.days, seed=0, point=args.point)
        simulate.append(time.perf_counter() - t0)
    trial_days = args.trials * args.days
    print(
        f"escsim run qaani_visit --trials {args.trials} --days {args.days}"
        f"{' --point' if args.point else ''}: {args.repeats} repeats"
    )
    print(f"  whole command (subprocess) {_median_range(wall)}")
    print(f"  import sim (first, once)   {t_import:7.3f} s")
    print(f"  load scenario              {_median_range(load)}")
    print(f"  simulate                   {_median_range(simulate)}")
    print(f"  trial-days per second      {trial_days / statistics.median(simulate):,.0f}")


if __name__ == "__main__":
    main()
