"""Sweep throughput: packed points against one run of the same trial-days, and against a loop.

Three measurements, each repeated in interleaved order; medians and ratios measured in this
run are printed.

- ``packed``: a sweep of P points x R replications x D days (LHS over three values, the
  points packed into lanes) against one run of P x R trials x D days, on 1 and 2 local
  processes. Issue 12's target: the sweep within 1.25x of the run.
- ``quick_sobol``: the shipped sweep, packed, against its points run one by one as sweeps did
  before packing (``sim.run`` of each patched scenario: what a user would otherwise write).
- ``executors``: the packed sweep on a local Dask cluster of 2 against 2 local processes.
- ``memory``: peak resident memory of packed sweeps of 512 to 16,384 points (64
  replications, 10 days, 1 process), each in a fresh process: bounded by the block of lanes,
  not by the number of points.

    python benchmarks/sweep_throughput.py [--points 4096] [--replications 64] [--days 90]
        [--repeats 3] [--skip-dask]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

import sim


def sweep_file(folder: Path, points: int, replications: int, days: int) -> Path:
    """An LHS sweep over three numbers the model reads by lane."""
    path = folder / "bench.yaml"
    spec = {
        "name": "bench",
        "scenario": "qaani_visit",
        "days": days,
        "replications": replications,
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


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def one_by_one(s: sim.Sweep) -> None:
    """Each point a run of its patched scenario: the sweep before packing."""
    for i in range(len(s.design)):
        sim.run(s.scenario.patched(s.changes(i)), s.spec.replications, s.days, seed=s.spec.seed)


def report(times: dict[str, list[float]], work: dict[str, float], unit: str) -> dict[str, float]:
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in med.items():
        runs = ", ".join(f"{t:.2f}" for t in times[k])
        print(f"  {k:28} {v:8.2f} s  {work[k] / v:12,.0f} {unit}/s  (runs: {runs})")
    return med


def packed(s: sim.Sweep, repeats: int) -> None:
    trials = len(s.design) * s.spec.replications
    print(f"packed: {len(s.design)} points x {s.spec.replications} replications x {s.days} days "
          f"against one run of {trials:,} trials, medians of {repeats}")  # fmt: skip
    cases: dict[str, Callable[[], object]] = {
        "run, 1 process": lambda: sim.run(s.scenario, trials, s.days, seed=1, workers=1),
        "sweep, 1 process": lambda: sim.sweep(s, workers=1),
        "run, 2 processes": lambda: sim.run(s.scenario, trials, s.days, seed=1, workers=2),
        "sweep, 2 processes": lambda: sim.sweep(s, workers=2),
    }
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(repeats):
        for k, fn in cases.items():
            times[k].append(timed(fn))
    med = report(times, dict.fromkeys(cases, trials * s.days), "trial-days")
    for w in ("1 process", "2 processes"):
        print(f"  sweep / run, {w}: {med[f'sweep, {w}'] / med[f'run, {w}']:.3f}x the time")
    print(f"  sweep, 2 processes vs 1: {med['sweep, 1 process'] / med['sweep, 2 processes']:.2f}x")


def quick_sobol(repeats: int) -> None:
    s = sim.load_sweep("quick_sobol")
    print(f"quick_sobol: {len(s.design)} points x {s.spec.replications} replications x "
          f"{s.days} days, 1 process, medians of {repeats}")  # fmt: skip
    cases: dict[str, Callable[[], object]] = {
        "one run per point (before)": lambda: one_by_one(s),
        "packed sweep": lambda: sim.sweep(s, workers=1),
    }
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(repeats):
        for k, fn in cases.items():
            times[k].append(timed(fn))
    med = report(times, dict.fromkeys(cases, len(s.design)), "points")
    print(f"  packed vs one run per point: "
          f"{med['one run per point (before)'] / med['packed sweep']:.2f}x faster")  # fmt: skip


def executors(s: sim.Sweep, repeats: int) -> None:
    from distributed import Client, LocalCluster  # noqa: PLC0415 - optional: dask extra

    print(f"executors: the packed sweep, medians of {repeats}")
    times: dict[str, list[float]] = {"2 local processes": [], "Dask, 2 workers": []}
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster),
    ):  # the cluster is started once: its start-up is not a per-sweep cost here
        for _ in range(repeats):
            times["2 local processes"].append(timed(lambda: sim.sweep(s, workers=2)))
            times["Dask, 2 workers"].append(
                timed(lambda: sim.sweep(s, scheduler=cluster.scheduler_address))
            )
    med = report(times, dict.fromkeys(times, len(s.design)), "points")
    print(f"  Dask vs local processes: {med['2 local processes'] / med['Dask, 2 workers']:.2f}x")


MEMORY = """
import resource, sys, sim
s = sim.load_sweep(sys.argv[1])
sim.sweep(s, workers=1)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def memory(folder: Path) -> None:
    print("memory: peak resident memory of a packed sweep, 64 replications x 10 days, 1 process")
    for metrics in (None, ["attacks_per_day"]):
        for points in (512, 4096, 16384):
            path = sweep_file(folder, points, 64, 10)
            spec = yaml.safe_load(path.read_text())
            path.write_text(yaml.safe_dump({**spec, "metrics": metrics} if metrics else spec))
            out = subprocess.run([sys.executable, "-c", MEMORY, str(path)], capture_output=True,
                                 text=True, check=True)  # fmt: skip
            which = "every metric" if metrics is None else "one metric"
            print(f"  {points:6,} points, {which}: {int(out.stdout.split()[-1]) / 1024:6.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--points", type=int, default=4096)
    ap.add_argument("--replications", type=int, default=64)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-dask", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        s = sim.load_sweep(sweep_file(Path(tmp), args.points, args.replications, args.days))
        packed(s, args.repeats)
        quick_sobol(args.repeats)
        if not args.skip_dask:
            executors(s, args.repeats)
        memory(Path(tmp))


if __name__ == "__main__":
    main()
