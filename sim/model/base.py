"""What every actor reads: the scenario's rules, parameters, forced events and random streams.

Core objects: :class:`LaneModel`, a ``mesa.Model`` whose state is arrays over lanes (one lane
per trial), and :class:`Env`, the lazily computed values a rule's expression reads. The
actors (:mod:`sim.model.agents`) know the model only through this class, so they import
nothing of the model that builds them; :class:`~sim.model.escalation.EscalationModel` adds
the actors, the step order and the state variables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import mesa
import numpy as np

from sim.core.errors import InputError
from sim.core.types import BoolArray, FloatArray, IntArray, Number, SeedLike
from sim.model.draws import at
from sim.model.eventlog import EventLog
from sim.model.streams import Streams
from sim.model.values import LaneValues
from sim.scenario.expr import Value
from sim.scenario.loader import Scenario
from sim.scenario.quantities import uncertain_quantities
from sim.scenario.schema import Event
from sim.scenario.uncertainty import draw


class Env(Mapping[str, Value]):
    """The values an expression may read, computed only when it reads them."""

    def __init__(self, getters: Mapping[str, Callable[[], Value]], parent: Mapping[str, Value]):
        """Look names up in ``getters`` first, then in ``parent``."""
        self._getters, self._parent = getters, parent

    def __getitem__(self, name: str) -> Value:
        """Compute the value of ``name`` now."""
        getter = self._getters.get(name)
        return getter() if getter is not None else self._parent[name]

    def __iter__(self) -> Iterator[str]:
        """All names, own first."""
        yield from self._getters
        yield from self._parent

    def __len__(self) -> int:
        """The number of names."""
        return len(self._getters) + len(self._parent)


def uncertain_draws(scenario: Scenario, streams: Streams) -> dict[str, FloatArray]:
    """One value per trial of each declared uncertainty, from its own stream.

    The stream is named by the quantity's key path, so trial k draws the same value in every
    scenario that declares the same uncertainty (comparisons stay paired), and declaring one
    more changes no other draw. The values depend only on the seed and the trials' indices:
    a run need not keep them, and recomputes them when asked (``Results.parameters``).
    """
    return {
        path: draw(q.uncertainty, streams.uniform(f"uncertainty.{path}", 0), q.whole)
        for path, q in uncertain_quantities(scenario.spec).items()
    }


def check_names(getters: Mapping[str, object], names: Mapping[str, str], kind: str) -> None:
    """The model computes exactly the state variables the vocabulary declares.

    Raises:
        RuntimeError: They disagree (a bug, not bad input).
    """
    if getters.keys() != names.keys():
        extra, missing = sorted(getters.keys() - names.keys()), sorted(names.keys() - getters)
        raise RuntimeError(
            f"{kind} variables disagree with sim.scenario.vocabulary: "
            f"not declared {extra}, not computed {missing}"
        )


class LaneModel(mesa.Model):  # type: ignore[misc]
    """A block of ``n`` lanes that share one scenario and one seed.

    Args:
        scenario: The validated scenario.
        n: Number of trials (lanes) in this block.
        seed: The run's root seed.
        start: Index of this block's first trial in the whole run (for its random streams).
        lanes: One value per lane for any number the model reads, by key path (see
            :class:`~sim.model.values.LaneValues`); they replace declared uncertainties.
        point: Every number at its point value: no draws from declared uncertainties.
        copies: The lanes are this many copies of trials ``start`` to
            ``start + n / copies - 1``, drawing their numbers (a packed sweep's points
            under common random numbers).

    Attributes:
        env: The global context rules are evaluated in (set by the subclass).
        log: An event log for lane 0 of a one-trial model (set by :mod:`sim.runs.trace`).
    """

    def __init__(
        self,
        scenario: Scenario,
        n: int,
        seed: SeedLike,
        start: int = 0,
        lanes: Mapping[str, FloatArray] | None = None,
        point: bool = False,
        copies: int = 1,
    ) -> None:
        """Index the scenario's numbers and forced events; position the streams."""
        super().__init__(seed=0)  # Mesa's own RNG is unused: all draws come from self.streams
        if n % copies:
            raise ValueError(f"{n} lanes are not {copies} copies of a block of trials")
        self.scenario, self.n, self.day = scenario, n, 0
        self.mechanisms = scenario.spec.mechanisms
        self.streams = Streams(seed, start, n // copies, copies)
        drawn = {} if point else self._draw_uncertain()
        self.values = LaneValues(scenario, n, {**drawn, **(lanes or {})})
        self._events: dict[int, list[Event]] = {}
        for event in scenario.spec.events:
            self._events.setdefault(event.day, []).append(event)
        self.env: Mapping[str, Value] = {}
        self.log: EventLog | None = None
        self._decays: dict[str, Number] = {}

    def _draw_uncertain(self) -> dict[str, FloatArray]:
        """One value per trial of each declared uncertainty (see :func:`uncertain_draws`)."""
        return uncertain_draws(self.scenario, self.streams)

    def uniform(self, stream: str, day: int, draw: int = 0) -> FloatArray:
        """One uniform number per trial from the named stream."""
        return self.streams.uniform(stream, day, draw)

    def uniform_at(self, stream: str, day: int, lanes: IntArray) -> FloatArray:
        """The named stream's numbers for the lanes ``lanes`` only (those :meth:`uniform` gives)."""
        return self.streams.uniform_at(stream, day, lanes)

    def chance(
        self, stream: str, day: int, p: FloatArray, among: BoolArray | None = None
    ) -> BoolArray:
        """Whether an event of probability ``p`` (per lane, or one for all) happens in each lane.

        The same outcome as ``among & (uniform(stream, day) < p)``, but a lane draws its number
        only if it could have the event (``p > 0``, and ``among``): a strike that is not
        possible, or a group that is not complying, costs no random number.
        """
        out = np.zeros(self.n, dtype=bool)
        possible = np.greater(p, 0.0) if among is None else among & np.greater(p, 0.0)
        if possible.ndim == 0:  # one probability for every lane, and no ``among``
            if possible:
                out = self.uniform(stream, day) < p
            return out
        lanes = np.flatnonzero(possible)
        if lanes.size:
            out[lanes] = self.uniform_at(stream, day, lanes) < at(p, lanes)
        return out

    def param(self, name: str) -> Number:
        """A scenario parameter's value: a scalar, or one value per lane."""
        return self.values.params[name]

    def decay(self, half_life: str) -> Number:
        """The daily factor ``0.5 ** (1 / h)`` of the half-life parameter ``half_life`` (days).

        A half-life below 1e-9 days counts as 1e-9 (gone in a day). Parameters do not change
        during a run, so each factor is computed once: with drawn half-lives, a power per lane
        every day and every group was a tenth of a run.
        """
        if half_life not in self._decays:  # a ufunc, lane or not: scalar ** differs in the last bit
            h = np.maximum(self.param(half_life), 1e-9)
            self._decays[half_life] = np.power(0.5, 1.0 / h)
        return self._decays[half_life]

    def whole(self, name: str) -> int | IntArray:
        """A whole-day parameter (a delay, a term) as a whole number, or one per lane."""
        return self.values.whole(name)

    def value(self, rule: str, env: Mapping[str, Value] | None = None) -> Value:
        """Evaluate a rule over all trials (the global context unless ``env`` is given).

        Raises:
            InputError: The rule gave NaN or an infinity in some trial (a division by zero,
                say), which would otherwise pass silently as "nothing happens".
        """
        out = self.scenario.rules[rule](self.env if env is None else env)
        values = np.asarray(out)
        # elementwise, not on a sum: finite values may sum to an infinity (1e307 in each trial)
        finite = np.isfinite(values) if values.dtype.kind in "fc" else None
        if finite is not None and not finite.all():
            bad = int(finite.size - np.count_nonzero(finite))
            where = "every trial" if values.ndim == 0 else f"{bad} trial(s)"
            raise InputError(
                f"rule gave a non-finite value (NaN or infinity) on day {self.day} in {where}: "
                f"{' '.join(self.scenario.rules[rule].text.split())!r}",
                file=self.scenario.files[0],
                path=["rules", rule, "expr"],
            )
        return out

    def prob(self, rule: str, env: Mapping[str, Value] | None = None) -> FloatArray:
        """Evaluate a probability rule, clipped to [0, 1]."""
        return np.clip(np.asarray(self.value(rule, env), dtype=np.float64), 0.0, 1.0)

    def forced(
        self, day: int, kind: str, militia: str | None = None, theater: str | None = None
    ) -> list[Event]:
        """The scenario's forced events of this kind today (for this group and theater)."""
        return [
            e
            for e in self._events.get(day, ())
            if e.kind == kind
            and (militia is None or e.militia == militia)
            and (theater is None or e.theater == theater)
        ]

    def close(self) -> None:
        """Drop Mesa's class-level reference to this model so it can be freed."""
        self.remove_all_agents()
        mesa.Agent._ids.pop(self, None)
