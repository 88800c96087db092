"""How the model's trajectories are compared with the record: counts between reports.

Core objects: :class:`Observed` (what the record says happened in each interval between
reports, per series), :func:`observed` (derived from a :class:`~sim.calibration.record.Record`)
and :func:`deviance` (the distance of each simulated lane from it).

A cumulative report is a noisy observation of the true count on its day: stale figures and
revisions happen, and injuries are reported weeks late. So the comparison is made on the
*increments* between consecutive reports, each a negative-binomial observation whose mean is
the model's count over the same days (Poisson where the dispersion is ``None``):

- a figure marked ``stale``, or one that a later report revises below (24 injured on day 7,
  21 on day 9), is dropped; a range ("115 to 120") is read at its middle, rounded down;
- each report counts the days up to and including its own, from day 0;
- strike days are counted in the intervals between attack reports (they are exact: CENTCOM
  announces each); the Gaza truce is one more interval, with no attacks reported.

The distance of a lane is the summed negative-binomial *deviance* of its intervals (twice the
log-likelihood ratio of a perfect fit to the lane's): zero for a lane that matches every
increment, and comparable across series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln, xlogy

from sim.calibration.record import Record, Reports
from sim.core.types import FloatArray, IntArray

#: the model's per-lane cumulative count behind each series: recorder attribute by series
MODEL_COUNTS = {"attacks": "attacks", "injuries": "wounded", "strikes": "strikes"}
#: a simulated interval's mean is at least this, so that a count seen where the lane had none
#: is unlikely rather than impossible
MEAN_FLOOR = 0.5


@dataclass(frozen=True)
class Interval:
    """Observed counts of one series over days ``(start, end]``.

    Attributes:
        series: Which count (a key of :data:`MODEL_COUNTS`).
        start: Day before each interval's first day (-1: from day 0).
        end: Each interval's last day.
        count: What the record says happened in it.
        dispersion: Negative-binomial size ``k`` (variance ``mu + mu^2 / k``); ``None``:
            Poisson.
    """

    series: str
    start: IntArray
    end: IntArray
    count: IntArray
    dispersion: float | None


@dataclass(frozen=True)
class Observed:
    """Everything a lane is compared with."""

    intervals: tuple[Interval, ...]

    @property
    def days(self) -> IntArray:
        """The days on which the model's cumulative counts are read (every start and end)."""
        ends = np.unique(np.concatenate([np.r_[i.start, i.end] for i in self.intervals]))
        return ends[ends >= 0]


def kept_reports(r: Reports) -> tuple[IntArray, IntArray]:
    """The days and counts of the reports compared: not stale, not revised below later."""
    value = np.floor((r.low + r.high) / 2).astype(np.int64)
    trusted = np.where(r.stale, np.iinfo(np.int64).max, value)  # a stale figure revises nothing
    later_min = np.minimum.accumulate(trusted[::-1])[::-1]
    keep = ~r.stale & (value <= later_min)
    return r.day[keep], value[keep]


def _increments(series: str, days: IntArray, cum: IntArray, k: float | None) -> Interval:
    start = np.concatenate([[-1], days[:-1]])
    return Interval(series, start, days, np.diff(cum, prepend=0), k)


def observed(
    record: Record, dispersion: dict[str, float | None], truce: str | None, last_day: int
) -> Observed:
    """The intervals to compare, for the series in ``dispersion`` (``None``: Poisson).

    Args:
        record: The record (already cut to the training days, if any).
        last_day: The last day fitted: strike days are counted up to it.
        dispersion: Negative-binomial size of each series compared (``attacks``,
            ``injuries``, ``strikes``).
        truce: A period of ``record.periods`` with no attacks reported, compared as an
            interval with a count of zero (``None``: none).
    """
    out = []
    attack_days, _ = kept_reports(record.series["attacks"])
    for name in ("attacks", "injuries"):
        if name in dispersion:
            days, cum = kept_reports(record.series[name])
            out.append(_increments(name, days, cum, dispersion[name]))
    if "strikes" in dispersion:
        ends = np.union1d(attack_days[attack_days <= last_day], [last_day])
        cum = np.searchsorted(record.strike_days, ends, side="right")
        out.append(_increments("strikes", ends, cum, dispersion["strikes"]))
    if truce is not None:
        first, last = record.periods[truce]
        zero = np.zeros(1, np.int64)
        out.append(Interval("attacks", np.array([first - 1]), np.array([last]), zero,
                            dispersion.get("attacks")))  # fmt: skip
    return Observed(tuple(out))


def _log_pmf(y: FloatArray, mu: FloatArray, k: float | None) -> FloatArray:
    """Log P(y) under a negative binomial of mean ``mu`` and size ``k`` (Poisson if None)."""
    if k is None:
        return np.asarray(xlogy(y, mu) - mu - gammaln(y + 1), dtype=np.float64)
    return np.asarray(
        gammaln(y + k) - gammaln(k) - gammaln(y + 1)
        + k * np.log(k / (k + mu)) + xlogy(y, mu / (k + mu))
    )  # fmt: skip


def deviance(obs: Observed, counts: dict[str, IntArray], days: IntArray) -> FloatArray:
    """Each lane's summed deviance from the record.

    Args:
        obs: The observed intervals.
        counts: Per series, the model's cumulative count at the end of each of ``days``,
            ``len(days) x lanes`` (day -1 may be omitted: it is zero).
        days: The days those rows are of (``obs.days``).

    Returns:
        One distance per lane.
    """
    lanes = next(iter(counts.values())).shape[1]
    total = np.zeros(lanes)
    for iv in obs.intervals:
        cum = np.vstack([np.zeros((1, lanes)), counts[iv.series]])
        row = np.searchsorted(days, iv.start) + 1  # day -1 is row 0
        row[iv.start < 0] = 0
        end = np.searchsorted(days, iv.end) + 1
        mu = np.maximum(cum[end] - cum[row], MEAN_FLOOR)
        y = iv.count[:, None].astype(float)
        saturated = _log_pmf(y, np.maximum(y, MEAN_FLOOR), iv.dispersion)
        total += 2.0 * (saturated - _log_pmf(y, mu, iv.dispersion)).sum(axis=0)
    return total
