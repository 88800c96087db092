"""The public record a calibration fits: dated counts read from CSV files, checked.

Core objects: :class:`Reports` (one cumulative series: attacks or injuries, as reported),
:class:`Record` (the series, the U.S. strike days and named periods) and :func:`load_record`,
which reads a folder such as the shipped ``data/record/`` and refuses a bad file with one
message naming the file and the line: a missing column or date, a date that is not its day
on the scenario's calendar, days out of order, a negative count or a range whose low end is
above its high end.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.errors import InputError
from sim.core.paths import data_dir
from sim.core.types import BoolArray, FloatArray, IntArray
from sim.core.yamlio import read_text

#: the cumulative series of a record, by file stem
SERIES_FILES = ("attacks", "injuries")
_REPORT_COLUMNS = ("date", "day", "low", "high", "confidence", "stale", "source")
_STRIKE_COLUMNS = ("date", "day", "leadership", "confidence", "source")
_PERIOD_COLUMNS = ("name", "first_day", "last_day", "confidence", "source")
_CONFIDENCE = ("H", "M", "L")


def shipped_record() -> Path:
    """The folder of the shipped record, ``data/record``."""
    return data_dir("data") / "record"


@dataclass(frozen=True)
class Reports:
    """Dated reports of one cumulative count (reports in order of day).

    Attributes:
        name: What is counted (``attacks``, ``injuries``).
        day: Day of each report (day 0 = the calendar's first day).
        low: Low end of each reported figure ("about 115 to 120": 115).
        high: High end (the figure itself when no range was given).
        stale: Whether the figure was out of date when published.
        confidence: ``H`` (on record, two outlets or more), ``M`` (one outlet), ``L``.
    """

    name: str
    day: IntArray
    low: FloatArray
    high: FloatArray
    stale: BoolArray
    confidence: tuple[str, ...]

    def until(self, last_day: int) -> Reports:
        """The reports on or before ``last_day``."""
        keep = self.day <= last_day
        conf = tuple(c for c, k in zip(self.confidence, keep, strict=True) if k)
        return replace(self, day=self.day[keep], low=self.low[keep], high=self.high[keep],
                       stale=self.stale[keep], confidence=conf)  # fmt: skip


@dataclass(frozen=True)
class Record:
    """What the public record says about a wave of attacks.

    Attributes:
        folder: Where it was read from.
        day_0: The date of day 0.
        series: The cumulative series, by name (:data:`SERIES_FILES`).
        strike_days: Days on which the U.S. struck the groups, in order.
        leadership: Whether each strike day's strike killed a commander.
        periods: Named spans of days, ``name -> (first_day, last_day)``, both inclusive.
    """

    folder: Path
    day_0: datetime.date
    series: dict[str, Reports]
    strike_days: IntArray
    leadership: BoolArray
    periods: dict[str, tuple[int, int]]

    def until(self, last_day: int) -> Record:
        """The record as it stood at the end of ``last_day`` (a training set).

        Periods are cut at ``last_day`` too (a truce that runs past it is known only so far).
        """
        keep = self.strike_days <= last_day
        periods = {k: (a, min(b, last_day)) for k, (a, b) in self.periods.items() if a <= last_day}
        return replace(
            self,
            series={k: s.until(last_day) for k, s in self.series.items()},
            strike_days=self.strike_days[keep],
            leadership=self.leadership[keep],
            periods=periods,
        )

    def table(self) -> pd.DataFrame:
        """Every series' cumulative reports, a row each, with their dates."""
        frames = []
        for s in self.series.values():
            dates = [self.day_0 + datetime.timedelta(days=int(d)) for d in s.day]
            frame = pd.DataFrame({"series": s.name, "day": s.day, "date": dates, "low": s.low})
            frame["high"], frame["stale"], frame["confidence"] = s.high, s.stale, s.confidence
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    @property
    def last_day(self) -> int:
        """The last day any report covers."""
        days = [int(s.day[-1]) for s in self.series.values() if s.day.size]
        return int(max([*days, *self.strike_days.tolist(), 0]))


Row = dict[str, str]


def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, Row]]:
    """The CSV file's rows with their line numbers; every column present."""
    text = read_text(path)
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", file=str(path), line=1)
    rows = []
    for row in reader:
        line = reader.line_num
        empty = [c for c in columns if not (row.get(c) or "").strip()]
        if empty:
            raise InputError(f"empty {', '.join(empty)}", file=str(path), line=line)
        rows.append((line, {c: row[c].strip() for c in columns}))
    return rows


def _whole(text: str, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{what} must be a whole number, got {text!r}") from None
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {value}")
    return value


def _switch(text: str, what: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(f"{what} must be true or false, got {text!r}")
    return text == "true"


def _dated(row: Row, day_0: datetime.date) -> int:
    """The row's day, checked against its date on the calendar."""
    day = _whole(row["day"], "day")
    try:
        date = datetime.date.fromisoformat(row["date"])
    except ValueError:
        raise ValueError(f"date must be YYYY-MM-DD, got {row['date']!r}") from None
    if (date - day_0).days != day:
        raise ValueError(
            f"{date} is day {(date - day_0).days} of the calendar (day 0 = {day_0}), not {day}"
        )
    if row["confidence"] not in _CONFIDENCE:
        raise ValueError(f"confidence must be one of {', '.join(_CONFIDENCE)}")
    return day


@contextmanager
def _blame(path: Path, line: int) -> Iterator[None]:
    """Turn a ValueError about one row into an InputError at its line."""
    try:
        yield
    except ValueError as exc:
        raise InputError(str(exc), file=str(path), line=line) from None


def _after(day: int, days: list[int]) -> None:
    if days and day <= days[-1]:
        raise ValueError(f"day {day} is not after the row before it (day {days[-1]})")


def _reports(path: Path, day_0: datetime.date) -> Reports:
    """One cumulative series from its CSV file."""
    day: list[int] = []
    low: list[int] = []
    high: list[int] = []
    stale: list[bool] = []
    conf: list[str] = []
    for line, row in _rows(path, _REPORT_COLUMNS):
        with _blame(path, line):
            d = _dated(row, day_0)
            _after(d, day)
            lo, hi = _whole(row["low"], "low"), _whole(row["high"], "high")
            if lo > hi:
                raise ValueError(f"low ({lo}) is above high ({hi})")
            day.append(d)
            low.append(lo)
            high.append(hi)
            stale.append(_switch(row["stale"], "stale"))
            conf.append(row["confidence"])
    return Reports(path.stem, np.array(day, np.int64), np.array(low, float),
                   np.array(high, float), np.array(stale, bool), tuple(conf))  # fmt: skip


def _strikes(path: Path, day_0: datetime.date) -> tuple[IntArray, BoolArray]:
    """Strike days and whether each was a leadership strike."""
    days: list[int] = []
    leader: list[bool] = []
    for line, row in _rows(path, _STRIKE_COLUMNS):
        with _blame(path, line):
            d = _dated(row, day_0)
            _after(d, days)
            days.append(d)
            leader.append(_switch(row["leadership"], "leadership"))
    return np.array(days, np.int64), np.array(leader, bool)


def _periods(path: Path) -> dict[str, tuple[int, int]]:
    periods: dict[str, tuple[int, int]] = {}
    for line, row in _rows(path, _PERIOD_COLUMNS):
        with _blame(path, line):
            first, last = _whole(row["first_day"], "first_day"), _whole(row["last_day"], "last_day")
            if last < first:
                raise ValueError(f"last_day ({last}) is before first_day ({first})")
            if row["name"] in periods:
                raise ValueError(f"period {row['name']!r} is given twice")
            periods[row["name"]] = (first, last)
    return periods


def load_record(folder: str | Path | None = None, day_0: str = "2023-10-17") -> Record:
    """Read a record folder (default: the shipped ``data/record``).

    Args:
        folder: Holds ``attacks.csv``, ``injuries.csv``, ``strikes.csv`` and ``periods.csv``.
        day_0: The date of day 0 (a scenario's ``calendar.day_0``): every row's date must be
            its day on this calendar.

    Raises:
        InputError: A file is missing or fails a check (named with its line).
    """
    where = Path(folder) if folder is not None else shipped_record()
    start = datetime.date.fromisoformat(day_0)
    series = {name: _reports(where / f"{name}.csv", start) for name in SERIES_FILES}
    strike_days, leadership = _strikes(where / "strikes.csv", start)
    return Record(where, start, series, strike_days, leadership, _periods(where / "periods.csv"))
