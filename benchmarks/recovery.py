"""Parameter recovery of the shipped calibration: do its 90% intervals cover the truth?

For each of ``--repeats`` synthetic records (the model's own trajectory at values drawn from
the prior, reported on the real record's days), runs the calibration (with the method's
settings scaled down by ``--particles``) and prints, for each fitted quantity, how often the
posterior's 5-95% interval covered the truth, with a 95% binomial interval on that share.

    python benchmarks/recovery.py                  # 20 repeats, about 10 minutes on 2 cores
    python benchmarks/recovery.py --repeats 5 --particles 1000
"""

from __future__ import annotations

import argparse
import time

from scipy import stats

from sim.calibration.loader import load_calibration
from sim.calibration.recovery import recovery
from sim.runs.pool import executor


def main() -> None:
    """Run the study and print the coverage table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calibration", default="wave_2023")
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--particles", type=int, default=4000)
    ap.add_argument("--replicates", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    cal = load_calibration(args.calibration).with_method(
        particles=args.particles, replicates=args.replicates
    )
    method = cal.spec.method
    t0 = time.perf_counter()
    with executor(args.workers) as pool:
        table = recovery(cal, args.repeats, args.seed, pool)
    seconds = time.perf_counter() - t0
    print(f"{cal.name}: {args.repeats} synthetic records, {args.particles:,} particles x "
          f"{args.replicates} replicates, up to {method.generations} generations, "
          f"{seconds:.0f} s")  # fmt: skip
    print(f"\n{'quantity':40} {'covered':>8} {'share':>6}  95% interval   median ESS")
    for key, g in table.groupby("quantity", sort=False):
        k, n = int(g["covered"].sum()), len(g)
        lo, hi = stats.binomtest(k, n).proportion_ci()
        print(f"{key:40} {k:>3} / {n:<3} {k / n:6.2f}  [{lo:.2f}, {hi:.2f}]   "
              f"{g['ess'].median():8.0f}")  # fmt: skip
    k, n = int(table["covered"].sum()), len(table)
    lo, hi = stats.binomtest(k, n).proportion_ci()
    print(f"{'all quantities':40} {k:>3} / {n:<3} {k / n:6.2f}  [{lo:.2f}, {hi:.2f}]")


if __name__ == "__main__":
    main()
