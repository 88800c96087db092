"""The story of one trial: its events, day by day.

Core objects: :func:`trace` and :class:`Trace`. A trace runs the same
:class:`~sim.model.escalation.EscalationModel` as every run, with one lane: trial *k* alone,
whose random streams are positioned by its index, so it is the very trial *k* of a run of
any size. The agents write to the model's :class:`~sim.model.eventlog.EventLog` as they act,
so the trace shows the events the statistics count, and its totals equal that trial's
outcomes (tested).
"""

from __future__ import annotations

import html
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from sim.core.checks import MAX_TRIALS, check_run_args, is_whole, plain_seed
from sim.core.errors import InputError
from sim.core.types import SeedLike
from sim.model.escalation import EscalationModel
from sim.model.eventlog import EventLog, TraceEvent
from sim.scenario.loader import Scenario, load_scenario
from sim.scenario.vocabulary import GROUP_METRIC, RUNGS

#: events shown in a trace's HTML table
HTML_ROWS = 200


@dataclass(frozen=True, repr=False)
class Trace:
    """One trial's events.

    Attributes:
        scenario: The scenario's name.
        seed: The run's root seed.
        trial: The trial's index in the run.
        days: Days simulated.
        events: The events in the order they happened (the step order within a day).
        rungs: The highest rung reached by the end of each day.
        metrics: The trial's value of every metric, as the statistics record it (the same
            recorder, under the names of ``Results.per_trial``; NaN where undefined).
    """

    scenario: str
    seed: SeedLike
    trial: int
    days: int
    events: list[TraceEvent]
    rungs: list[int]
    metrics: dict[str, float]

    def to_frame(self) -> pd.DataFrame:
        """The events as a table, one row each.

        Columns ``scenario``, ``seed`` and ``trial`` name the trial (so traces concatenate);
        then each event's fields, with ``rung`` the highest rung reached by the end of its day.
        """
        rows = [{**asdict(e), "rung": self.rungs[e.day]} for e in self.events]
        frame = pd.DataFrame(rows, columns=list(TraceEvent.__dataclass_fields__))
        frame.insert(0, "trial", self.trial)
        frame.insert(0, "seed", str(self.seed))
        frame.insert(0, "scenario", self.scenario)
        return frame

    def totals(self) -> dict[str, float]:
        """The events added up: counts as the statistics count them (see ``metrics``).

        ``attacks`` and ``us_strike_days`` are counts (the metrics are a day's rates);
        ``attacks.GROUP`` each group's attacks; the ``p_`` entries are 0 or 1.
        """
        ev = self.events
        attacks = [e for e in ev if e.kind == "attack"]
        strikes = [e for e in ev if e.kind in ("strike", "mass_strike")]
        killed = sum(e.killed for e in attacks)
        out = {
            "attacks": float(sum(e.attacks for e in attacks)),
            "us_strike_days": float(len(strikes)),
            "us_killed": float(killed),
            "us_wounded": float(sum(e.wounded for e in attacks)),
            "p_us_fatality": float(killed - sum(e.killed for e in attacks if e.forced) > 0),
            "p_leadership_strike": float(any(e.leader for e in strikes)),
            "p_strike_on_iran": float(any(e.kind == "strike_iran" for e in ev)),
            "p_directive": float(any(e.kind == "directive" for e in ev)),
            "max_rung": float(self.rungs[-1] if self.rungs else 0),
            "p_withdrawal_agreement": float(any(e.kind == "agreement" for e in ev)),
            "longest_lull_days": float(_longest_gap({e.day for e in attacks}, self.days)),
        }
        fatal = min((e.day for e in attacks if e.killed), default=None)
        if fatal is not None:  # the first answers to the first U.S. deaths
            struck = [e.day for e in strikes if e.day >= fatal]
            reined = [e.day for e in ev if e.kind == "directive" and e.day > fatal]
            out["days_fatality_to_strike"] = float(min(struck) - fatal) if struck else math.nan
            out["days_fatality_to_directive"] = float(min(reined) - fatal) if reined else math.nan
        for e in attacks:
            key = f"attacks.{e.actor}"
            out[key] = out.get(key, 0.0) + e.attacks
        return out

    def __str__(self) -> str:
        """Day by day, in the order things happened."""
        head = (
            f"scenario {self.scenario}, seed {self.seed}, trial {self.trial}: "
            f"{_n(self.days, 'day')}, {_n(len(self.events), 'event')}"
        )
        lines, day = [head], -1
        for e in self.events:
            if e.day != day:
                day = e.day
                lines.append(f"day {day}")
            who = f"{e.actor}: " if e.actor else ""
            lines.append(f"  {who}{e.text}{' [forced by the scenario]' if e.forced else ''}")
        lines.append(self._totals_line())
        return "\n".join(lines)

    def __repr__(self) -> str:
        """A one-line summary (``print`` the trace for its story)."""
        return (
            f"Trace(scenario={self.scenario!r}, seed={self.seed!r}, trial={self.trial}, "
            f"days={self.days}, events={len(self.events)})"
        )

    def _totals_line(self) -> str:
        t = self.totals()
        return (
            f"totals: {_n(t['attacks'], 'attack')}, {t['us_killed']:.0f} U.S. killed, "
            f"{t['us_wounded']:.0f} wounded, {_n(t['us_strike_days'], 'U.S. strike day')}, "
            f"highest rung {t['max_rung']:.0f} ({RUNGS[int(t['max_rung'])]})"
        )

    def _repr_html_(self) -> str:
        """A table of events with the day's rung, for Jupyter (the first ``HTML_ROWS``)."""
        body = "".join(
            f"<tr><td>{e.day}</td><td>{html.escape(e.actor)}</td>"
            f"<td>{html.escape(e.text)}{' (forced)' if e.forced else ''}</td>"
            f"<td>{self.rungs[e.day]}</td></tr>"
            for e in self.events[:HTML_ROWS]
        )
        more = len(self.events) - HTML_ROWS
        rest = f"<p>... and {_n(more, 'more event')}: print() the trace for all.</p>" * (more > 0)
        return (
            f"<p><b>{html.escape(self.scenario)}</b>, seed {self.seed}, trial {self.trial}: "
            f"{_n(self.days, 'day')}</p><table><tr><th>day</th><th>who</th><th>what</th>"
            f"<th>rung</th></tr>{body}</table>{rest}<p>{html.escape(self._totals_line())}</p>"
        )


def _longest_gap(days: set[int], n_days: int) -> int:
    """The most days in a row, within ``[0, n_days)``, that are not in ``days``."""
    longest = run = 0
    for day in range(n_days):
        run = 0 if day in days else run + 1
        longest = max(longest, run)
    return longest


def _n(count: float, noun: str) -> str:
    """``1 day``, ``2 days``."""
    return f"{count:.0f} {noun}{'' if count == 1 else 's'}"


def trace(
    scenario: str | Path | Scenario,
    trial: int,
    seed: SeedLike = 0,
    days: int | None = None,
    point: bool = False,
) -> Trace:
    """Run trial ``trial`` of a run with root ``seed`` alone, and record its events.

    Raises:
        InputError: A trial index that is not a whole number from 0 to ``2**64 - 1``.
    """
    if not (is_whole(trial, 0) and trial < MAX_TRIALS):
        raise InputError(f"trial must be a whole number from 0 to 2**64 - 1, got {trial!r}")
    trial = int(trial)
    check_run_args(1, days, seed, 1)
    seed = plain_seed(seed)
    sc = load_scenario(scenario)
    n_days = days if days is not None else sc.spec.days
    model = EscalationModel(sc, 1, seed, start=trial, days=n_days, point=point)
    log = model.log = EventLog()
    try:
        for _ in range(n_days):
            model.step()
        block = model.recorder.finish()
    finally:
        model.close()
    metrics = {name: float(v[0]) for name, v in block.per_trial.items()}
    for i, group in enumerate(sc.spec.militias):
        metrics[f"{GROUP_METRIC}{group}"] = float(block.by_group[i][0])
    return Trace(sc.name, seed, trial, n_days, log.events, log.rungs, metrics)
