"""Throughput, the random-number bound, memory and scaling of the vectorized model.

Measures on the ``baseline`` scenario, in one run, and prints tables (medians of several
repeats; ratios are between figures measured in this same run):

1. trial-days per second of the scalar Mesa baseline (``benchmarks/mesa_scalar.py``: the
   same rules written as a Mesa user would, one model per trial, as ``batch_run`` runs them),
   against the vectorized model at 10^3, 10^4 and 10^5 trials, both at the scenario's point
   values (the scalar model reads no uncertainty), then the vectorized model drawing the
   shipped uncertainties (the default), and the vectorized model run on one lane per model;
2. all cores (``workers``) against one, on the same run;
3. the random-number bound: how long numpy alone takes to generate the uniforms one
   trial-day uses (counted by the model's streams: a decision that only some lanes face
   draws numbers for those lanes alone), and the model's time over it;
4. start-up (import, scenario load, model build) and peak resident memory of a big run;
5. how cost grows with trials, days and the number of militias.

    python benchmarks/throughput.py            # the full run (about 20 minutes on 2 cores)
    python benchmarks/throughput.py --quick    # a short run (about 2 minutes)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np
from mesa_scalar import run_scalar, scalar_scenario  # benchmarks/, beside this script

import sim
from sim.model.escalation import EscalationModel
from sim.runs.runner import DEFAULT_BLOCK, simulate_block


def median_time(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``fn`` over ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def random_numbers_per_trial_day(sc: sim.Scenario, trials: int, days: int) -> float:
    """Uniforms the model uses per trial-day (counted by its streams)."""
    m = EscalationModel(sc, trials, 0, days=days, point=True)
    try:
        for _ in range(days):
            m.step()
        return m.streams.drawn / (trials * days)
    finally:
        m.close()


def rng_bound_seconds(per_trial_day: float, trials: int, days: int, repeats: int) -> float:
    """Time numpy alone takes to generate that many uniforms, in arrays of ``trials``."""
    calls = round(per_trial_day * days)
    gen = np.random.Generator(np.random.Philox(0))
    buf = np.empty(trials)

    def draw() -> None:
        for _ in range(calls):
            gen.random(out=buf)

    return median_time(draw, repeats)


def startup_seconds(repeats: int) -> float:
    """Median of: a fresh interpreter importing sim, loading a scenario, building a model."""
    code = (
        "import time; t=time.perf_counter(); import sim;"
        "from sim.model.escalation import EscalationModel;"
        "sc=sim.load_scenario('baseline'); EscalationModel(sc, 10000, 0).close();"
        "print(time.perf_counter()-t)"
    )
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(repeats)
    ]
    return statistics.median(runs)


def peak_rss_mb(trials: int, days: int, workers: int) -> float:
    """Peak resident memory of ``sim.run`` in a fresh process, in MB, sampled from outside.

    (A child's own ``ru_maxrss`` would inherit this process's high-water mark across
    fork and exec, so the parent samples ``/proc/PID/status`` every 20 ms instead; Linux.)
    """
    code = (
        f"import sim; sim.run('baseline', trials={trials}, days={days}, seed=0, workers={workers})"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    peak = 0
    while proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
            peak = max(peak, rss)
        except (OSError, StopIteration):
            pass
        time.sleep(0.02)
    if proc.returncode:
        raise RuntimeError(f"the memory run failed with exit code {proc.returncode}")
    return peak / 1024


def with_militias(sc: sim.Scenario, copies: int) -> sim.Scenario:
    """The scenario with each militia repeated ``copies`` times, shares divided to match."""
    militias: dict[str, object] = dict.fromkeys(sc.data["militias"])  # None: the old removed
    for name, m in sc.data["militias"].items():
        share = m["share"]["value"] if isinstance(m["share"], dict) else m["share"]
        for c in range(copies):
            militias[f"{name}_{c}"] = {**m, "share": share / copies}
    return sc.patched({"militias": militias, "events": []})


def main() -> None:
    """Run every measurement and print the tables."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer days, repeats and trials")
    args = ap.parse_args()
    days = 90 if args.quick else 365
    repeats = 3
    cores = os.cpu_count() or 1
    sc = scalar_scenario("baseline")  # both models: the scenario as shipped
    print(
        f"baseline, {days} days, medians of {repeats} runs, {cores} cores, numpy {np.__version__}"
    )

    scalar_trials = 20 if args.quick else 100
    t = median_time(lambda: run_scalar(sc, scalar_trials, days), repeats)
    scalar = scalar_trials * days / t
    print("\n1. trial-days per second (point values unless said)")
    print(f"  {'scalar Mesa model, one per trial':40} {scalar:12,.0f}   1x")
    vectorized = {}
    for n in (10**3, 10**4, 10**5):
        t = median_time(lambda n=n: sim.run(sc, n, days, seed=0, workers=1, point=True), repeats)
        vectorized[n] = n * days / t
        label = f"vectorized, {n:,} trials, 1 core"
        print(f"  {label:40} {vectorized[n]:12,.0f}   {vectorized[n] / scalar:,.1f}x")
    n = 10**5
    t = median_time(lambda: sim.run(sc, n, days, seed=0, workers=1), repeats)
    label = f"vectorized, {n:,} trials, drawn"
    print(f"  {label:40} {n * days / t:12,.0f}   {n * days / t / scalar:,.1f}x")
    big_block = 50_000
    t = median_time(
        lambda: sim.run(sc, n, days, seed=0, workers=1, point=True, block_size=big_block),
        repeats,
    )
    label = f"vectorized, {n:,} trials, blocks of {big_block:,}"
    print(f"  {label:40} {n * days / t:12,.0f}   {n * days / t / scalar:,.1f}x")
    single_trials = 5 if args.quick else 20
    t = median_time(
        lambda: [simulate_block(sc, 0, k, 1, days, True) for k in range(single_trials)], repeats
    )
    single = single_trials * days / t
    print(f"  {'vectorized model, one lane per model':40} {single:12,.0f}   {single / scalar:.2f}x")

    n_par = 2 * 10**5 if not args.quick else 10**5
    one, many = [], []
    for _ in range(repeats + 2):  # interleaved, so drift in the machine's speed hits both alike
        for workers, times in ((cores, many), (1, one)):
            t0 = time.perf_counter()
            sim.run(sc, n_par, days, seed=0, workers=workers, point=True)
            times.append(time.perf_counter() - t0)
    t1, tn = statistics.median(one), statistics.median(many)
    print(f"\n2. all cores, {n_par:,} trials, blocks of {DEFAULT_BLOCK:,} (medians of {len(one)})")
    print(f"  1 worker  {n_par * days / t1:12,.0f} trial-days/s")
    print(f"  {cores} workers {n_par * days / tn:12,.0f} trial-days/s   speed-up {t1 / tn:.2f}x")
    cold = one[0] / many[0]  # the session's first pool starts the fork server
    print(f"  the first run of the session (starting the fork server): speed-up {cold:.2f}x")

    n = 10**5
    per = random_numbers_per_trial_day(sc, 10**4, days)
    bound = rng_bound_seconds(per, n, days, repeats) / (n * days)
    model = 1 / vectorized[n]
    print(f"\n3. the random-number bound, {n:,} trials, 1 core")
    print(f"  uniforms used per trial-day           {per:8.1f}")
    print(f"  numpy alone (Philox), per trial-day   {bound * 1e9:8.1f} ns")
    print(f"  the model, per trial-day              {model * 1e9:8.1f} ns")
    print(f"  model / bound                         {model / bound:8.2f}x")

    print("\n4. start-up and memory")
    print(f"  start-up (import, load, build)        {startup_seconds(5):8.2f} s")
    big = 10**5 if args.quick else 10**6
    print(f"  peak RSS, {big:,} trials x 365 days, 1 worker  {peak_rss_mb(big, 365, 1):8.0f} MB")

    print("\n5. scaling (ns per trial-day; constant = linear cost)")
    for n in sorted(vectorized):
        print(f"  trials {n:>9,}      {1e9 / vectorized[n]:8.1f}")
    n = 10**4
    for d in (90, 180, 365):
        t = median_time(lambda d=d: sim.run(sc, n, d, seed=0, workers=1, point=True), repeats)
        print(f"  days   {d:>9,}      {t / (n * d) * 1e9:8.1f}   ({n:,} trials)")
    base = len(sc.spec.militias)
    for copies in (1, 2, 4):
        scm = with_militias(sc, copies)
        t = median_time(lambda s=scm: sim.run(s, n, 90, seed=0, workers=1, point=True), repeats)
        per_m = t / (n * 90) * 1e9
        print(
            f"  militias {base * copies:>7}      {per_m:8.1f}"
            f"   ({per_m / (base * copies):.1f} per militia)"
        )


if __name__ == "__main__":
    main()
