"""Monte Carlo estimates with their uncertainty.

Core objects: :class:`Estimate` and the functions that make one: :func:`estimate_mean`
(normal interval from the Monte Carlo standard error, with 5th/50th/95th percentiles),
:func:`estimate_share` (Wilson interval for a probability) and :func:`hist_quantiles`
(exact quantiles of integer values from a histogram); :func:`paired_difference` and
:func:`ratio_of_means` for paired trials; :func:`weighted_quantiles` (of weighted samples, such
as a calibration's particles).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from sim.core.types import FloatArray

Z95 = 1.959963984540054
QUANTILES = (0.05, 0.5, 0.95)


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate: its mean, 95% interval, and (per-trial metrics) percentiles.

    ``n`` is the number of trials the estimate rests on: fewer than the run's trials for a
    quantity defined only in some trials (days from a fatality to a strike, say).
    """

    mean: float
    ci_low: float
    ci_high: float
    n: int
    p05: float | None = None
    p50: float | None = None
    p95: float | None = None

    def to_dict(self) -> dict[str, float | int | None]:
        """Plain numbers, NaN turned to None (for JSON)."""
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in asdict(self).items()
        }


def estimate_mean(values: FloatArray) -> Estimate:
    """Mean of the defined (non-NaN) values, its 95% interval and percentiles."""
    x = values[~np.isnan(values)]
    n = int(x.size)
    if n == 0:
        nan = math.nan
        return Estimate(nan, nan, nan, 0, nan, nan, nan)
    mean = float(x.mean())
    half = Z95 * float(x.std(ddof=1)) / math.sqrt(n) if n > 1 else math.nan
    p05, p50, p95 = (float(q) for q in np.quantile(x, QUANTILES))
    return Estimate(mean, mean - half, mean + half, n, p05, p50, p95)


def estimate_share(flags: FloatArray) -> Estimate:
    """A probability from 0/1 outcomes, with the Wilson score interval (NaN: left out)."""
    flags = flags[~np.isnan(flags)]
    n = int(flags.size)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    p = float(flags.mean())
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    low = 0.0 if p == 0.0 else max(0.0, centre - half)
    high = 1.0 if p == 1.0 else min(1.0, centre + half)
    return Estimate(p, low, high, n)


def hist_quantiles(hist: npt.NDArray[np.int64], qs: tuple[float, ...] = QUANTILES) -> FloatArray:
    """Quantiles of integer values from per-row histograms (rows x values), inverted CDF."""
    cum = np.cumsum(hist, axis=1)
    total = cum[:, -1:]
    out = np.stack([(cum < np.ceil(q * total)).sum(axis=1) for q in qs], axis=1)
    return out.astype(np.float64)


def paired_difference(a: FloatArray, b: FloatArray) -> Estimate:
    """Mean of ``a - b`` over trials where both are defined, paired by trial index."""
    both = ~(np.isnan(a) | np.isnan(b))
    return estimate_mean(a[both] - b[both])


def ratio_of_means(x: FloatArray, y: FloatArray) -> Estimate:
    """``mean(x) / mean(y)`` of paired samples, with a delta-method 95% interval."""
    r = float(x.mean() / y.mean())
    se = float((x - r * y).std(ddof=1) / (math.sqrt(len(x)) * y.mean()))
    return Estimate(r, r - Z95 * se, r + Z95 * se, len(x))


def relative_risk(a: FloatArray, b: FloatArray) -> Estimate:
    """``P(a) / P(b)`` of paired 0/1 outcomes, with a 95% interval on the log scale.

    The delta method on ``log(mean(a) / mean(b))`` with the pairs' covariance, so common
    random numbers tighten it as they do a difference. NaN where either never happens.
    """
    n = int(a.size)
    pa, pb = float(a.mean()), float(b.mean())
    if n < 2 or pa == 0.0 or pb == 0.0:
        return Estimate(math.nan, math.nan, math.nan, n)
    r = pa / pb
    var = np.var(a, ddof=1) / pa**2 + np.var(b, ddof=1) / pb**2
    var -= 2 * np.cov(a, b, ddof=1)[0, 1] / (pa * pb)
    half = Z95 * math.sqrt(max(float(var), 0.0) / n)
    return Estimate(r, r * math.exp(-half), r * math.exp(half), n)


def weighted_quantiles(x: FloatArray, w: FloatArray, qs: tuple[float, ...]) -> FloatArray:
    """Quantiles of ``x`` under weights ``w`` (the inverse of the weighted empirical CDF)."""
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order])
    idx = np.searchsorted(cum, np.asarray(qs) * cum[-1])
    return np.asarray(x[order][np.minimum(idx, x.size - 1)], dtype=np.float64)
