"""Naive forecasts the model must beat, fitted on the same training record.

Core objects: :func:`daily_exposure`, :class:`Baseline`, :func:`fit_poisson` (a Poisson
process at the training rate) and :func:`fit_hawkes` (a discrete-time self-exciting process,
after Lewis et al. 2012, who found 37-50% of Iraq's violence self-excited). Both are fitted to
the counts in the intervals between reports (the record gives no daily attack counts), and both
know the training days on which nothing could happen (the Gaza truce: exposure 0).

The Hawkes process: day ``t`` has ``N_t ~ Poisson(mu + alpha * e_t)`` events, where the
excitation ``e_t = delta * e_{t-1} + (1 - delta) * N_{t-1}`` is an exponentially weighted
average of past counts (``alpha`` < 1 is the share of events that are offspring of others
in the long run). It is fitted by maximum likelihood (see :func:`fit_hawkes` for what the
record's totals allow) and forecast by simulating it forward from the excitation at the end
of training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, gammaln

from sim.core.types import FloatArray, IntArray

#: intervals of days ``(start, end]`` and the count in each
Intervals = tuple[IntArray, IntArray, IntArray]
#: the share of events that are offspring of earlier ones, where the record cannot tell it:
#: Lewis et al. (2012) found 37-50% of Iraq's violence self-excited; the middle of that range
BRANCHING = 0.43


def daily_exposure(days: int, quiet: list[tuple[int, int]]) -> FloatArray:
    """1 on each day of ``[0, days)``, 0 on the days of the ``quiet`` periods (inclusive)."""
    x = np.ones(days)
    for first, last in quiet:
        x[max(first, 0) : last + 1] = 0.0
    return x


@dataclass(frozen=True)
class Baseline:
    """A fitted naive model of daily counts.

    Attributes:
        name: ``poisson`` or ``hawkes``.
        mu: Background rate a day.
        alpha: Self-excitation (0 for Poisson).
        delta: Memory of the excitation (per day decay factor).
        state: The excitation on the last training day.
        last_count: The count on the last training day (imputed when only totals are known).
        cap: The most events a day (1 for strike days).
    """

    name: str
    mu: float
    alpha: float = 0.0
    delta: float = 0.0
    state: float = 0.0
    last_count: float = 0.0
    cap: float = np.inf

    def simulate(self, days: int, samples: int, rng: np.random.Generator) -> IntArray:
        """Cumulative counts over the ``days`` after training, ``samples x days``."""
        e = np.full(samples, self.state)
        last = np.full(samples, self.last_count)
        out = np.empty((samples, days), np.int64)
        for t in range(days):  # days, not samples: each step is a vector over samples
            e = self.delta * e + (1 - self.delta) * last
            last = np.minimum(rng.poisson(self.mu + self.alpha * e), self.cap).astype(float)
            out[:, t] = last
        return np.cumsum(out, axis=1)


def imputed(iv: Intervals, exposure: FloatArray) -> FloatArray:
    """Daily counts spread evenly over each interval's exposed days (exact for daily data)."""
    start, end, count = iv
    daily = np.zeros(exposure.size)
    for s, e, c in zip(start, end, count, strict=True):  # intervals: a few dozen
        days = exposure[s + 1 : e + 1]
        if days.sum() > 0:
            daily[s + 1 : e + 1] = c * days / days.sum()
    return daily


def _excitation(daily: FloatArray, delta: float) -> FloatArray:
    """``e_t = delta * e_{t-1} + (1 - delta) * N_{t-1}`` for each day, with ``e_0 = 0``."""
    e = np.empty(daily.size + 1)
    e[0] = 0.0
    for t in range(daily.size):  # a recursion over days
        e[t + 1] = delta * e[t] + (1 - delta) * daily[t]
    return e


def _interval_log_lik(daily: FloatArray, iv: Intervals) -> float:
    start, end, count = iv
    cum = np.concatenate([[0.0], np.cumsum(daily)])
    lam = np.maximum(cum[end + 1] - cum[start + 1], 1e-9)
    return float(np.sum(count * np.log(lam) - lam - gammaln(count + 1)))


def fit_poisson(iv: Intervals, exposure: FloatArray) -> Baseline:
    """The training rate: events over exposed days."""
    _, end, count = iv
    return Baseline("poisson", float(count.sum() / exposure[: end[-1] + 1].sum()))


def _mean_path(mu: float, alpha: float, delta: float, exposure: FloatArray) -> FloatArray:
    """Expected daily counts of the process (each day's excitation from the expected past)."""
    m = np.empty(exposure.size)
    e, last = 0.0, 0.0
    for t in range(exposure.size):  # a recursion over days
        e = delta * e + (1 - delta) * last
        last = exposure[t] * (mu + alpha * e)
        m[t] = last
    return m


def fit_hawkes(iv: Intervals, exposure: FloatArray) -> Baseline:
    """Hawkes parameters maximizing the likelihood of the counts.

    Daily counts (every interval one day long): the exact likelihood, each day's excitation
    computed from the counts before it, all three parameters free. Totals over longer
    intervals cannot tell self-excitation from a slowly changing rate (spreading them evenly
    over their days makes yesterday predict today perfectly, and the fit runs to
    ``alpha = 1``), so there ``alpha`` is held at :data:`BRANCHING`, the literature's share
    of self-excited events, and ``mu`` and ``delta`` fit the intervals under the process's
    mean path.
    """
    from scipy.optimize import minimize  # noqa: PLC0415 - 0.36 s to import; escsim loads this

    rate = fit_poisson(iv, exposure).mu
    start, end, _ = iv
    daily = bool(np.all(end - start == 1))
    counts = imputed(iv, exposure)

    def unpack(x: FloatArray) -> tuple[float, float, float]:
        alpha = float(expit(x[1]) * 0.99) if daily else BRANCHING
        return float(np.exp(x[0])), alpha, float(expit(x[2]))

    def path(x: FloatArray) -> FloatArray:
        mu, alpha, delta = unpack(x)
        if daily:
            return exposure * (mu + alpha * _excitation(counts, delta)[:-1])
        return _mean_path(mu, alpha, delta, exposure)

    def nll(x: FloatArray) -> float:
        return -_interval_log_lik(path(x), iv)

    starts = [np.array([np.log(rate * (1 - a)), np.log(a / (1 - a)), 1.0]) for a in (0.2, 0.5)]
    best = min((minimize(nll, x0, method="Nelder-Mead") for x0 in starts), key=lambda r: r.fun)
    mu, alpha, delta = unpack(best.x)
    if daily:
        e = _excitation(counts, delta)
        return Baseline("hawkes", mu, alpha, delta, float(e[-2]), float(counts[-1]))
    m = _mean_path(mu, alpha, delta, exposure)
    e_end = _excitation(m, delta)
    return Baseline("hawkes", mu, alpha, delta, float(e_end[-2]), float(m[-1]))
