"""The shipped calibration's cost, and pyabc driving the same model one particle at a time.

1. ``escsim calibrate wave_2023`` on every core (medians of ``--repeats`` runs): the whole
   run, each generation's time and the share of it spent outside the model.
2. If pyabc is installed: pyabc's ABC-SMC with the same model as its simulator (one
   ``EscalationModel`` of ``R`` lanes per particle, the way pyabc calls a model), the same
   priors and distance, for a population of ``--pyabc-particles`` over two generations,
   against this project's calibration with the same population on one core: the time per
   simulated particle of each (a ratio from one run).

    python benchmarks/calibration.py                 # about 5 minutes on 2 cores
    python benchmarks/calibration.py --repeats 1 --pyabc-particles 100
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from sim.calibration.loader import Calibration, load_calibration
from sim.calibration.observation import deviance
from sim.calibration.runner import calibrate, fit
from sim.calibration.simulate import observe_block
from sim.model.values import lane_key
from sim.runs.pool import executor


def shipped(repeats: int) -> None:
    """Time the shipped calibration on every core."""
    totals, last = [], None
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            post = calibrate("wave_2023", out, workers=None)
            totals.append(time.perf_counter() - t0)
            last = post.diagnostics()
    assert last is not None
    print(f"1. the shipped calibration, every core: median {statistics.median(totals):.1f} s "
          f"over {repeats} runs ({', '.join(f'{t:.1f}' for t in totals)})")  # fmt: skip
    print(last[["epsilon", "acceptance", "ess", "seconds", "outside_model_share"]]
          .to_string(float_format="{:.3g}".format))  # fmt: skip


def _small(cal: Calibration, particles: int) -> Calibration:
    return cal.with_method(particles=particles, generations=2)


def with_pyabc(particles: int) -> None:
    """Pyabc driving the model particle by particle, against the lanes, same population."""
    try:
        import pyabc  # noqa: PLC0415 - optional
    except ImportError:
        print("\n2. pyabc is not installed: pip install pyabc to compare")
        return
    cal = _small(load_calibration("wave_2023"), particles)
    obs, days, reps = cal.observed, cal.observed.days, cal.spec.method.replicates
    keys = list(cal.priors)

    def model(p: dict[str, float]) -> dict[str, float]:
        z = np.array([[p[f"z{j}"] for j in range(len(keys))]])
        lanes = {lane_key(k): np.repeat(v, reps) for k, v in cal.values(z).items()}
        counts = observe_block(cal.scenario, [0, 0], 0, lanes, days, cal.spec.point)
        return {"d": float(np.median(deviance(obs, counts, days)))}

    prior = pyabc.Distribution(**{f"z{j}": pyabc.RV("norm", 0, 1) for j in range(len(keys))})
    abc = pyabc.ABCSMC(model, prior, lambda x, _: x["d"], population_size=particles,
                       sampler=pyabc.sampler.SingleCoreSampler())  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        abc.new(f"sqlite:///{Path(tmp) / 'abc.db'}", {"d": 0.0})
        t0 = time.perf_counter()
        history = abc.run(max_nr_populations=2)
        t_pyabc = time.perf_counter() - t0
        sims_pyabc = int(history.total_nr_simulations)
    with executor(1) as pool:
        t0 = time.perf_counter()
        post = fit(cal, pool)
        t_lanes = time.perf_counter() - t0
    sims_lanes = sum(g.z.shape[0] for g in post.generations)
    per_pyabc, per_lanes = t_pyabc / sims_pyabc, t_lanes / sims_lanes
    print(f"\n2. pyabc {pyabc.__version__} calling the model per particle, against the lanes "
          f"({particles} particles x {reps} replicates, 2 generations, 1 core)")  # fmt: skip
    print(f"  pyabc:  {sims_pyabc:6d} particles simulated in {t_pyabc:7.1f} s: "
          f"{per_pyabc * 1e3:8.2f} ms a particle")  # fmt: skip
    print(f"  lanes:  {sims_lanes:6d} particles simulated in {t_lanes:7.1f} s: "
          f"{per_lanes * 1e3:8.2f} ms a particle")  # fmt: skip
    print(f"  lanes are {per_pyabc / per_lanes:,.0f}x faster a particle")


def main() -> None:
    """Run both measurements."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--pyabc-particles", type=int, default=300)
    args = ap.parse_args()
    shipped(args.repeats)
    with_pyabc(args.pyabc_particles)


if __name__ == "__main__":
    main()
