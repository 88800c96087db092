"""Explorer latency: seconds from a slider change to the redrawn figure and table.

Builds ``sim.explore(SCENARIO)`` at 10,000 trials and moves the Gaza slider several times,
as a browser would (setting the widget's value runs the same callback). Prints the median and
each run, with the run and the drawing timed apart in the same loop.

    python benchmarks/explorer_latency.py [--trials 10000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import time

import sim


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", default="qaani_visit")
    ap.add_argument("--trials", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    e = sim.explore(args.scenario, trials=args.trials)
    slider = e.controls["drivers.gaza.value"]
    total, runs, draws = [], [], []
    for i in range(args.repeats):
        t0 = time.perf_counter()
        slider.value = 0.5 + 0.05 * (i % 2) - 0.1 * (i % 3)  # always a new value
        total.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        results = sim.run(e.base.patched(e.values()), e.trials, e.days, e.seed)
        runs.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        e.results = results
        e._png()
        draws.append(time.perf_counter() - t0)
    print(f"{args.scenario}, {args.trials:,} trials x {e.days} days, {args.repeats} changes")
    print(f"slider change to redraw: median {statistics.median(total):.3f} s  {total}")
    print(f"  of which the run:       median {statistics.median(runs):.3f} s")
    print(f"  of which the figure:    median {statistics.median(draws):.3f} s")


if __name__ == "__main__":
    main()
