"""Sweep throughput: points a second on each executor, and the sweep machinery's overhead.

Runs one LHS sweep (qaani_visit, 90 days) with 1 local process, 2 local processes and a
local Dask cluster of 2, several times each in interleaved order, and prints medians and
ratios measured in this run. The overhead is the sweep in one process against the same
points run directly with ``sim.run`` in a loop.

    python benchmarks/sweep_throughput.py [--points 24] [--trials 2000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import yaml

import sim


def sweep_file(folder: Path, points: int, trials: int) -> Path:
    path = folder / "bench.yaml"
    spec = {
        "name": "bench",
        "scenario": "qaani_visit",
        "days": 90,
        "replications": trials,
        "seed": 1,
        "design": {"kind": "lhs", "samples": points},
        "parameters": {
            "drivers.gaza": {"range": [0.2, 1.0]},
            "militias.kataib_hezbollah.compliance": {"range": [0.5, 1.0]},
            "params.strike_per_killed": {"range": [0.0, 0.2]},
        },
    }
    path.write_text(yaml.safe_dump(spec))
    return path


def timed(fn: object, *args: object, **kwargs: object) -> float:
    t0 = time.perf_counter()
    fn(*args, **kwargs)  # type: ignore[operator]
    return time.perf_counter() - t0


def direct(s: sim.Sweep) -> None:
    for i in range(len(s.design)):
        sim.run(s.scenario.patched(s.changes(i)), s.spec.replications, s.days, seed=s.seed(i))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--points", type=int, default=24)
    ap.add_argument("--trials", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = sweep_file(Path(tmp), args.points, args.trials)
        s = sim.load_sweep(path)
        print(f"{len(s.design)} points x {args.trials} trials x 90 days, medians of {args.repeats}")
        from distributed import Client, LocalCluster  # noqa: PLC0415 - optional: dask extra

        times: dict[str, list[float]] = {k: [] for k in ("direct", "1 proc", "2 procs", "dask 2")}
        with (
            LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster),
        ):
            # the cluster is started once: its start-up is not a per-sweep cost here
            for _ in range(args.repeats):
                times["direct"].append(timed(direct, s))
                times["1 proc"].append(timed(sim.sweep, s, workers=1))
                times["2 procs"].append(timed(sim.sweep, s, workers=2))
                times["dask 2"].append(timed(sim.sweep, s, scheduler=cluster.scheduler_address))
        med = {k: statistics.median(v) for k, v in times.items()}
        for k, v in med.items():
            print(f"{k:8} {v:7.2f} s  {len(s.design) / v:6.2f} points/s  runs: {times[k]}")
        print(f"sweep overhead, 1 process vs direct loop: {med['1 proc'] / med['direct']:.3f}x")
        print(f"2 processes vs 1: {med['1 proc'] / med['2 procs']:.2f}x faster")
        print(f"Dask (2 workers) vs 2 processes: {med['2 procs'] / med['dask 2']:.2f}x")


if __name__ == "__main__":
    main()
