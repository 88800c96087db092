"""A sweep's points as lanes: many points in one vectorized model per block.

Core objects: :class:`Pack` (whole points whose replications run together) with
:func:`run_pack`, and :func:`plan_packs`. Lane ``k * R + r`` of a pack is replication ``r`` of
its ``k``-th point, holding that point's values (per-lane parameters, see
:class:`~sim.model.values.LaneValues`). Under common random numbers it draws what trial ``r``
of a one-point run with the sweep's seed draws; otherwise what trial ``point * R + r`` of the
sweep's seed draws. Either way a point's numbers do not depend on the pack it lands in, on the
workers, or on what ran before a resume.

Each point is checked as a patched scenario would be before it runs, so a point whose
values are invalid fails alone, with its error. A pack that fails as it runs (a rule out of
its range in some lane) runs its points one at a time, so only the points at fault fail.
A sweep that sets anything but numbers the model reads by lane (an event's day, say) runs
each point as its own patched scenario: the same engine, one point per model.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.core.errors import InputError, format_path
from sim.core.types import FloatArray, SeedLike
from sim.model.block import Block
from sim.model.escalation import EscalationModel
from sim.model.values import lane_bounds, lane_key
from sim.runs.posterior import PosteriorDraws
from sim.runs.results import Results, estimate
from sim.runs.runner import DEFAULT_BLOCK, advance
from sim.runs.workers import tune_malloc
from sim.scenario.loader import Scenario
from sim.sweeps.store import ESTIMATE_COLUMNS, Outcome

#: a point's index in the design, and the values it sets by key path
Point = tuple[int, dict[str, Any]]


@dataclass(frozen=True)
class Pack:
    """Points of one sweep that run as the lanes of one model.

    Attributes:
        scenario: The sweep's base scenario.
        points: Each point's index and values, in design order.
        replications: Trials at each point (``R``).
        days: Days simulated.
        seed: The sweep's root seed.
        common: Common random numbers: replication ``r`` of every point draws alike.
        metrics: The metrics each point reports.
        point: Quantities the sweep does not set stay at their point values.
        block: The most lanes one model holds (memory): a point with more replications
            runs in several.
        posterior: Fitted quantities the points do not set are drawn from it, by trial.
    """

    scenario: Scenario
    points: tuple[Point, ...]
    replications: int
    days: int
    seed: SeedLike
    common: bool
    metrics: tuple[str, ...]
    point: bool = False
    block: int = DEFAULT_BLOCK
    posterior: PosteriorDraws | None = None

    @property
    def by_lane(self) -> bool:
        """Whether every value the points set is a number the model reads by lane."""
        bounds = lane_bounds(self.scenario)
        changes = [item for _, ch in self.points for item in ch.items()]
        return all(lane_key(key) in bounds and _is_number(value) for key, value in changes)


def plan_packs(points: list[int], replications: int, lanes: int) -> list[list[int]]:
    """Split the points to run into packs of at most ``lanes`` lanes (one point at least).

    A pack holds consecutive points only, so that without common random numbers its lanes
    are one run of consecutive trials of the sweep's seed.
    """
    per = max(1, lanes // replications)
    packs: list[list[int]] = []
    for p in points:
        if packs and len(packs[-1]) < per and packs[-1][-1] == p - 1:
            packs[-1].append(p)
        else:
            packs.append([p])
    return packs


def pack_lanes(todo_lanes: int, workers: int, block: int = DEFAULT_BLOCK) -> int:
    """Lanes a pack should hold: a block at most; with several workers, four packs each."""
    share = -(-todo_lanes // (4 * workers)) if workers > 1 else todo_lanes
    return max(1, min(block, share))


def run_pack(pack: Pack) -> list[Outcome]:
    """Run a pack's points; each ends ``done`` with its rows or ``failed`` with its error."""
    tune_malloc()
    t0 = time.perf_counter()
    outcomes: dict[int, Outcome] = {}
    valid: list[Point] = []
    lanes = pack.by_lane
    for p, changes in pack.points:
        try:
            if lanes:
                pack.scenario.check_changes(changes)
            valid.append((p, changes))
        except Exception as exc:  # an invalid point fails alone
            outcomes[p] = _failed(exc, t0)
    for group in _groups(valid, pack.common) if lanes else [[v] for v in valid]:
        outcomes.update(_run_group(pack, group, lanes))
    return [outcomes[p] for p, _ in pack.points]


def _groups(valid: list[Point], common: bool) -> list[list[Point]]:
    """Points that can share one model.

    All of them, or (without common random numbers) runs of consecutive points, whose lanes
    are consecutive trials.
    """
    if common or not valid:
        return [valid] if valid else []
    groups = [[valid[0]]]
    for p in valid[1:]:
        if p[0] == groups[-1][-1][0] + 1:
            groups[-1].append(p)
        else:
            groups.append([p])
    return groups


def _run_group(pack: Pack, group: list[Point], lanes: bool) -> dict[int, Outcome]:
    """Simulate ``group`` together, or each point alone if that fails on a bad value.

    A value may prove invalid only as it runs (a rule out of its range in some lane): then
    each point runs alone, so that only the faulty ones fail.
    """
    t0 = time.perf_counter()
    try:
        scenario = pack.scenario if lanes else pack.scenario.patched(group[0][1])
        block = _simulate(pack, scenario, group, lanes)
        rows = [_rows(pack, scenario, block, i) for i in range(len(group))]
    except Exception as exc:  # a bug fails every point; an invalid value, only its own
        if len(group) == 1 or not isinstance(exc, InputError):
            return {p: _failed(exc, t0) for p, _ in group}
        out: dict[int, Outcome] = {}
        for point in group:
            out.update(_run_group(pack, [point], lanes))
        return out
    seconds = (time.perf_counter() - t0) / len(group)
    return {
        p: {"status": "done", "rows": r, "seconds": seconds}
        for (p, _), r in zip(group, rows, strict=True)
    }


def _simulate(pack: Pack, scenario: Scenario, group: list[Point], lanes: bool) -> Block:
    """The group's lanes, point after point, in models of at most ``pack.block`` lanes."""
    k, n = len(group), pack.replications
    values = {key: _repeat(group, key, n) for key in group[0][1]} if lanes else {}
    first = 0 if pack.common else group[0][0] * n
    if k > 1:  # whole points in one model (plan_packs keeps k * n within a block)
        copies = k if pack.common else 1
        drawn = _posterior_lanes(pack, values, first, k * n // copies, copies)
        model = EscalationModel(
            scenario, k * n, pack.seed, first, pack.days, drawn | values, pack.point, copies
        )
        return advance(model, pack.days)
    size = pack.block
    blocks = (
        advance(
            EscalationModel(
                scenario,
                min(size, n - r),
                pack.seed,
                first + r,
                pack.days,
                _posterior_lanes(pack, values, first + r, min(size, n - r), 1)
                | {key: v[r : r + size] for key, v in values.items()},
                pack.point,
            ),
            pack.days,
        )
        for r in range(0, n, size)
    )
    return Block.merge(blocks, n)


def _posterior_lanes(
    pack: Pack, values: dict[str, FloatArray], start: int, n: int, copies: int
) -> dict[str, FloatArray]:
    """Trials ``start`` to ``start + n - 1``'s posterior values, for keys the points leave."""
    if pack.posterior is None:
        return {}
    drawn = pack.posterior.lanes(pack.seed, start, n)
    return {k: np.tile(v, copies) for k, v in drawn.items() if k not in values}


def _repeat(group: list[Point], key: str, n: int) -> FloatArray:
    return np.repeat(np.array([float(ch[key]) for _, ch in group]), n)


def _rows(pack: Pack, scenario: Scenario, block: Block, i: int) -> list[dict[str, Any]]:
    """The ``i``-th point's estimates, from its lanes, as a one-point run computes them."""
    n = pack.replications
    one = Results(scenario=scenario, seed=pack.seed, trials=n, days=pack.days,
                  block=block.select(i * n, (i + 1) * n))  # fmt: skip
    rows = []
    for name in pack.metrics:
        values = estimate(name, one.per_trial(name)).to_dict()
        rows.append({"metric": name, **{k: _number(values[k]) for k in ESTIMATE_COLUMNS}})
    return rows


def _failed(exc: Exception, t0: float) -> Outcome:
    if isinstance(exc, InputError):  # the values make an invalid scenario: say which
        path = f"{format_path(exc.path)}: " if exc.path else ""
        error = f"invalid scenario: {path}{exc.reason}"
    else:  # a bug: say where
        last = traceback.extract_tb(exc.__traceback__)[-1:]
        where = f" ({Path(last[0].filename).name}:{last[0].lineno})" if last else ""
        error = f"{type(exc).__name__}: {exc}{where}"
    return {"status": "failed", "error": error, "seconds": time.perf_counter() - t0}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(value: Any) -> float | int | None:
    if value is None or value != value:
        return None
    return int(value) if isinstance(value, int) else float(value)
