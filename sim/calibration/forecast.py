"""Forecast skill: the calibrated model against naive baselines on the held-out record.

Core objects: :class:`Target` and :func:`held_out` (what the record says happened after the
training days), :func:`crps` (the continuous ranked probability score of a forecast given as
samples), :func:`model_samples` (the posterior predictive, run as lanes) and :func:`skill`
(the table: CRPS and the coverage of the 50% and 90% central intervals, for the model, a
Poisson process and a Hawkes process fitted to the same training record).

Targets are counts *since the end of training*: attacks since the last training report (the
Pentagon's cumulative count at each later report, less the count at that one), and U.S.
strike days since ``fit_until``. Forecasts are of the true counts: no forecast adds the
record's reporting noise, so all three are scored alike.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from sim.calibration.baselines import Baseline, daily_exposure, fit_hawkes, fit_poisson
from sim.calibration.observation import kept_reports
from sim.calibration.posterior import Posterior
from sim.calibration.record import Record
from sim.calibration.simulate import observe
from sim.core.errors import InputError
from sim.core.types import FloatArray, IntArray
from sim.model.values import lane_key
from sim.runs.pool import executor

#: the central intervals whose coverage is scored
LEVELS = (0.5, 0.9)
#: the second seed word of posterior predictive runs (generations use 0 to 99)
PREDICTIVE_TAG = 1_000_000


@dataclass(frozen=True)
class Target:
    """Counts of one series from ``origin`` (exclusive) to each of ``days`` (inclusive)."""

    series: str
    origin: int
    days: IntArray
    observed: IntArray


def held_out(record: Record, fit_until: int, quiet: str | None) -> list[Target]:
    """The attack and strike-day targets after ``fit_until``, from the whole record."""
    days, cum = kept_reports(record.series["attacks"])
    train = days <= fit_until
    if not train.any() or train.all():
        raise InputError(f"forecast skill needs attack reports both on or before day "
                         f"{fit_until} and after it", file=str(record.folder))  # fmt: skip
    origin, base = int(days[train][-1]), int(cum[train][-1])
    test_days = days[~train]
    attacks = Target("attacks", origin, test_days, cum[~train] - base)
    window_end = record.periods.get("record_window", (0, record.last_day))[1]
    ends = np.union1d(test_days, [window_end])
    after = record.strike_days[record.strike_days > fit_until]
    strikes = Target("strikes", fit_until, ends, np.searchsorted(after, ends, side="right"))
    return [attacks, strikes]


def crps(samples: FloatArray, y: FloatArray) -> FloatArray:
    """CRPS of forecasts given by ``samples`` (samples x targets) at outcomes ``y``.

    ``E|X - y| - E|X - X'| / 2``, the second term from the sorted samples in O(S log S).
    """
    x = np.sort(np.asarray(samples, dtype=float), axis=0)
    s = x.shape[0]
    first = np.abs(x - y[None, :]).mean(axis=0)
    rank = 2 * np.arange(1, s + 1) - s - 1
    spread = 2 * (rank[:, None] * x).sum(axis=0) / s**2
    return np.asarray(first - spread / 2, dtype=np.float64)


def covered(samples: FloatArray, y: FloatArray, level: float) -> FloatArray:
    """Whether each outcome lies in the forecast's central ``level`` interval."""
    lo, hi = np.quantile(samples, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return np.asarray((y >= lo) & (y <= hi), dtype=np.float64)


def predictive(
    post: Posterior, days: IntArray, samples: int, seed: int, workers: int | None
) -> dict[str, IntArray]:
    """Posterior predictive cumulative counts at the end of each of ``days``, ``days x samples``.

    Each sample takes a particle drawn by weight (a seeded generator: the same seed, the same
    draws) and runs as one lane of the calibration's scenario.
    """
    cal = post.calibration
    rng = np.random.default_rng(np.random.SeedSequence([seed, PREDICTIVE_TAG, 1]))
    pick = rng.choice(post.last.z.shape[0], size=samples, p=post.last.weights)
    lanes = {lane_key(k): v for k, v in cal.values(post.last.z[pick]).items()}
    with executor(workers) as pool:
        return observe(pool, cal.scenario, [seed, PREDICTIVE_TAG], lanes, days, cal.spec.point)


def model_samples(
    post: Posterior, targets: list[Target], samples: int, seed: int, workers: int | None
) -> dict[str, IntArray]:
    """Posterior predictive counts for each target, ``samples x days``."""
    days = np.unique(np.concatenate([np.r_[t.origin, t.days] for t in targets]))
    counts = predictive(post, days, samples, seed, workers)
    out = {}
    for t in targets:
        cum = counts[t.series]
        row = np.searchsorted(days, t.days)
        out[t.series] = (cum[row] - cum[np.searchsorted(days, t.origin)]).T
    return out


def baseline_samples(
    record: Record, fit_until: int, quiet: str | None, targets: list[Target], samples: int,
    seed: int,
) -> dict[str, dict[str, IntArray]]:  # fmt: skip
    """Each baseline's forecast for each target, ``samples x days``, by baseline name."""
    periods = [record.periods[quiet]] if quiet else []
    train = record.until(fit_until)
    days, cum = kept_reports(train.series["attacks"])
    attack_iv = (np.r_[-1, days[:-1]], days, np.diff(cum, prepend=0))
    exposure = daily_exposure(fit_until + 1, periods)
    strike_daily = np.zeros(fit_until + 1, np.int64)
    strike_daily[train.strike_days] = 1
    each_day = np.arange(fit_until + 1)
    strike_iv = (each_day - 1, each_day, strike_daily)
    fits = {
        "attacks": (attack_iv, exposure[: days[-1] + 1]),
        "strikes": (strike_iv, np.ones(fit_until + 1)),
    }
    out: dict[str, dict[str, IntArray]] = {"poisson": {}, "hawkes": {}}
    for t in targets:
        iv, exp = fits[t.series]
        for fit in (fit_poisson, fit_hawkes):
            b: Baseline = fit(iv, exp)
            if t.series == "strikes":  # strike days: at most one a day
                b = replace(b, cap=1.0)
            rng = np.random.default_rng(np.random.SeedSequence([seed, 3, len(out[b.name])]))
            path = b.simulate(int(t.days[-1] - t.origin), samples, rng)
            out[b.name][t.series] = path[:, t.days - t.origin - 1]
    return out


def skill(
    post: Posterior, samples: int = 4000, seed: int = 0, workers: int | None = 1
) -> pd.DataFrame:
    """The forecast-skill table of a calibration on its held-out record.

    One row per method and series: mean CRPS over the targets, its ratio to the model's
    (above 1: the model is better), and the share of targets inside each central interval.
    """
    cal = post.calibration
    quiet = cal.spec.observation.truce
    targets = held_out(cal.record, cal.spec.fit_until, quiet)
    forecasts = {"model": model_samples(post, targets, samples, seed, workers)}
    forecasts |= baseline_samples(cal.record, cal.spec.fit_until, quiet, targets, samples, seed)
    rows = []
    for method, by_series in forecasts.items():
        for t in targets:
            x, y = by_series[t.series].astype(float), t.observed.astype(float)
            row = {"method": method, "series": t.series, "targets": len(y),
                   "crps": float(crps(x, y).mean())}  # fmt: skip
            row |= {f"coverage_{round(lv * 100)}": float(covered(x, y, lv).mean()) for lv in LEVELS}
            row["median_forecast_last"] = float(np.median(x[:, -1]))
            row["observed_last"] = float(y[-1])
            rows.append(row)
    table = pd.DataFrame(rows).set_index(["series", "method"]).sort_index()
    model_crps = table.xs("model", level="method")["crps"]
    table["crps_over_model"] = (
        table["crps"] / model_crps.reindex(table.index.get_level_values("series")).to_numpy()
    )
    return table
