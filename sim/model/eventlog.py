"""The event log the agents write as they act, for one trial followed alone.

Core objects: :class:`EventLog` and :class:`TraceEvent`. A model built with one lane may carry
an event log (``model.log``); each agent notes what it did in lane 0 (who attacked whom and
where, casualties, strikes and their targets, directives, each group's answer, the rung
reached). :mod:`sim.runs.trace` turns the log into a report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.scenario.vocabulary import RUNGS


@dataclass
class TraceEvent:
    """One thing that happened in the trial.

    ``kind`` is one of: ``attack``, ``strike``, ``mass_strike``, ``deliberates`` (the U.S.
    decides on a mass retaliation), ``strike_iran``, ``directive``, ``decision`` (Iran
    schedules a directive or a strike), ``obeys``, ``refuses``, ``lie_low``, ``lapse``,
    ``yields`` (a defiant group falls in line), ``withhold`` (Iran cuts a group's supplies),
    ``unleash`` and ``strike_us`` (Iran's answers to a strike on Iran), ``request`` (Iraq's),
    ``agreement``, ``withdrawn``, ``rung``.
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
