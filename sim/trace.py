"""The story of one trial: its events, day by day.

Core objects: :func:`trace`, :class:`Trace` and :class:`EventLog`. A trace runs the same
:class:`~sim.model.EscalationModel` as every run, with one lane: trial *k* alone, whose random
streams are positioned by its index, so it is the very trial *k* of a run of any size. The
agents write to the model's :class:`EventLog` as they act (who attacked whom and where,
casualties, strikes and their targets, directives, each group's answer, the rung reached),
so the trace shows the events the statistics count, and its totals equal that trial's
outcomes (tested).
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from sim.errors import InputError
from sim.model import EscalationModel
from sim.runner import check_run_args
from sim.scenario import Scenario, load_scenario
from sim.streams import SeedLike
from sim.variables import RUNGS


@dataclass
class TraceEvent:
    """One thing that happened in the trial.

    ``kind`` is one of: ``attack``, ``strike``, ``strike_iran``, ``directive``, ``decision``
    (Iran schedules a directive), ``obeys``, ``refuses``, ``lie_low``, ``lapse``,
    ``request`` (Iraq's), ``agreement``, ``rung``.
    """

    day: int
    actor: str
    kind: str
    text: str
    forced: bool = False
    target: str = ""
    leader: bool = False
    theater: str = ""
    attacks: int = 0
    killed: int = 0
    wounded: int = 0
    rung: int = -1


@dataclass
class EventLog:
    """Where the agents write the events of lane 0 of a one-trial model."""

    events: list[TraceEvent] = field(default_factory=list)
    rungs: list[int] = field(default_factory=list)

    def add(
        self,
        day: int,
        actor: str,
        kind: str,
        text: str,
        forced: bool = False,
        target: str = "",
        leader: bool = False,
    ) -> None:
        """Note an event of the day."""
        self.events.append(TraceEvent(day, actor, kind, text, forced, target, leader))

    def attack(
        self,
        day: int,
        group: str,
        theater: str,
        n: int,
        killed: int,
        wounded: int,
        forced: bool = False,
    ) -> None:
        """Note a group's attacks in one theater today and what they did."""
        text = f"{n} attack{'s' if n > 1 else ''} on U.S. forces in {theater.title()}"
        hurt = [f"{k} {w}" for k, w in ((killed, "killed"), (wounded, "wounded")) if k]
        text += f" ({', '.join(hurt)})" if hurt else ""
        event = TraceEvent(day, group, "attack", text, forced, theater=theater)
        event.attacks, event.killed, event.wounded = n, killed, wounded
        self.events.append(event)

    def end_day(self, day: int, rung: int) -> None:
        """Close the day: note the rung if it rose."""
        if rung > (self.rungs[-1] if self.rungs else 0):
            text = f"escalation reaches rung {rung}: {RUNGS[rung]}"
            self.events.append(TraceEvent(day, "", "rung", text, rung=rung))
        self.rungs.append(rung)


@dataclass(frozen=True)
class Trace:
    """One trial's events.

    Attributes:
        scenario: The scenario's name.
        seed: The run's root seed.
        trial: The trial's index in the run.
        days: Days simulated.
        events: The events in the order they happened (the step order within a day).
        rungs: The highest rung reached by the end of each day.
    """

    scenario: str
    seed: SeedLike
    trial: int
    days: int
    events: list[TraceEvent]
    rungs: list[int]

    def to_frame(self) -> pd.DataFrame:
        """The events as a table, one row each."""
        columns = list(TraceEvent.__dataclass_fields__)
        return pd.DataFrame([asdict(e) for e in self.events], columns=columns)

    def totals(self) -> dict[str, float]:
        """The trial's outcomes as the statistics count them (see ``Results.per_trial``)."""
        ev = self.events
        attacks = [e for e in ev if e.kind == "attack"]
        strikes = [e for e in ev if e.kind == "strike"]
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
        }
        for e in attacks:
            key = f"attacks.{e.actor}"
            out[key] = out.get(key, 0.0) + e.attacks
        return out

    def __str__(self) -> str:
        """Day by day, in the order things happened."""
        head = (
            f"scenario {self.scenario}, seed {self.seed}, trial {self.trial}: "
            f"{self.days} days, {len(self.events)} events"
        )
        lines, day = [head], -1
        for e in self.events:
            if e.day != day:
                day = e.day
                lines.append(f"day {day}")
            who = f"{e.actor}: " if e.actor else ""
            lines.append(f"  {who}{e.text}{' [forced by the scenario]' if e.forced else ''}")
        t = self.totals()
        lines.append(
            f"totals: {t['attacks']:.0f} attacks, {t['us_killed']:.0f} U.S. killed, "
            f"{t['us_wounded']:.0f} wounded, {t['us_strike_days']:.0f} U.S. strike days, "
            f"highest rung {t['max_rung']:.0f} ({RUNGS[int(t['max_rung'])]})"
        )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """A table of events, for Jupyter."""
        body = "".join(
            f"<tr><td>{e.day}</td><td>{html.escape(e.actor)}</td>"
            f"<td>{html.escape(e.text)}{' (forced)' if e.forced else ''}</td></tr>"
            for e in self.events
        )
        return (
            f"<p><b>{html.escape(self.scenario)}</b>, seed {self.seed}, trial {self.trial}: "
            f"{self.days} days</p><table><tr><th>day</th><th>who</th><th>what</th></tr>"
            f"{body}</table>"
        )


def trace(
    scenario: str | Path | Scenario, trial: int, seed: SeedLike = 0, days: int | None = None
) -> Trace:
    """Run trial ``trial`` of a run with root ``seed`` alone, and record its events.

    Raises:
        InputError: A negative trial index.
    """
    if not isinstance(trial, int) or isinstance(trial, bool) or trial < 0:
        raise InputError(f"trial must be a whole number of at least 0, got {trial!r}")
    check_run_args(1, days, seed, 1)
    sc = load_scenario(scenario)
    n_days = days if days is not None else sc.spec.days
    model = EscalationModel(sc, 1, seed, start=trial, days=n_days)
    log = model.log = EventLog()
    try:
        for _ in range(n_days):
            model.step()
    finally:
        model.close()
    return Trace(sc.name, seed, trial, n_days, log.events, log.rungs)
