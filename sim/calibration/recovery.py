"""Parameter recovery: calibrate on synthetic records made from known values.

Core objects: :func:`synthetic_record` (the model's own trajectory at known values, reported
on the real record's days) and :func:`recovery` (for each of several synthetic records, the
truth, the posterior's 5-95% interval and whether it covers the truth). If the method is
honest, the 90% intervals cover the truth about 90% of the time when the truths are drawn
from the prior; ABC's tolerance makes them, if anything, wider. The truce is not compared: the
real record's "no attacks" is not the synthetic truth's count.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from sim.calibration.loader import Calibration
from sim.calibration.record import Record, Reports
from sim.calibration.runner import fit
from sim.calibration.simulate import observe
from sim.core.stats import weighted_quantiles
from sim.core.types import FloatArray
from sim.model.values import lane_key
from sim.runs.pool import Pool

#: the second seed word of synthetic truths (generations use 0 to 99)
SYNTHETIC_TAG = 2_000_000


def synthetic_record(cal: Calibration, z: FloatArray, seed: int, pool: Pool) -> Record:
    """What the record would say if the model, at particle ``z`` (probit space), were true.

    One lane is run with the values at ``z`` (the quantities not fitted drawn as a
    calibration draws them); its cumulative counts are reported, exactly, on the days the
    real record has reports, and its strike days replace the real ones.
    """
    real = cal.record
    lanes = {lane_key(k): v for k, v in cal.values(z[None, :]).items()}
    days = np.arange(min(real.last_day, cal.scenario.spec.days - 1) + 1)
    counts = observe(pool, cal.scenario, [seed, SYNTHETIC_TAG], lanes, days, cal.spec.point)
    series = {}
    for name, r in real.series.items():
        cum = counts[name][r.day, 0].astype(float)
        stale = np.zeros(r.day.size, dtype=bool)
        series[name] = Reports(name, r.day, cum, cum, stale, r.confidence)
    strike_days = days[np.diff(counts["strikes"][:, 0], prepend=0) > 0]
    leadership = np.zeros(strike_days.size, dtype=bool)
    return replace(real, series=series, strike_days=strike_days, leadership=leadership)


def recovery(cal: Calibration, repeats: int, seed: int, pool: Pool) -> pd.DataFrame:
    """Calibrate ``repeats`` synthetic records made at truths drawn from the prior.

    Returns:
        One row per repeat and fitted quantity: ``truth``, ``q05``, ``q50``, ``q95`` and
        ``covered`` (whether the 90% interval holds the truth), and the final ``ess``.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 9]))
    truths = rng.standard_normal((repeats, len(cal.priors)))  # the prior, in probit space
    # the truce says "no attacks" of the real record; a synthetic truth has its own count
    observation = cal.spec.observation.model_copy(update={"truce": None})
    cal = replace(cal, spec=cal.spec.model_copy(update={"observation": observation}))
    rows = []
    for k, z in enumerate(truths):  # repeats: each a whole calibration, its lanes vectorized
        synthetic = replace(cal, record=synthetic_record(cal, z, seed + k, pool))
        post = fit(synthetic, pool)
        particles = post.particles()
        w = particles["weight"].to_numpy()
        truth = cal.values(z[None, :])
        for key in cal.priors:
            q05, q50, q95 = weighted_quantiles(particles[key].to_numpy(), w, (0.05, 0.5, 0.95))
            t = float(truth[key][0])
            rows.append({"repeat": k, "quantity": key, "truth": t, "q05": q05, "q50": q50,
                         "q95": q95, "covered": bool(q05 <= t <= q95),
                         "ess": post.last.ess})  # fmt: skip
    return pd.DataFrame(rows)
