"""Sweeps whose points are lanes: packed points give what one run per point gives.

The oracle is the path sweeps took before packing: each point a ``sim.run`` of the patched
scenario (common random numbers: the sweep's seed at every point). Packed, the same point
must give the same numbers to the last bit, whatever the pack it lands in.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import sim
import sim.sweeps.packing as packing
from sim.model.streams import Streams
from sim.model.values import lane_key
from sim.runs import limits
from sim.sweeps import runner
from sim.sweeps.packing import Pack, plan_packs, run_pack
from sim.sweeps.store import ESTIMATE_COLUMNS

METRICS = ("attacks_per_day", "p_us_fatality", "days_fatality_to_strike", "max_rung")
R, DAYS, SEED = 60, 15, 5


def _pack(points: list[dict], common: bool = True, point: bool = False, first: int = 0) -> Pack:
    sc = sim.load_scenario("qaani_visit")
    return Pack(sc, tuple(enumerate(points, first)), R, DAYS, SEED, common, METRICS, point)


def _oracle(changes: dict, point: bool = False) -> list[dict]:
    """One run of the patched scenario, as a sweep ran each point before packing."""
    sc = sim.load_scenario("qaani_visit").patched(changes)
    summary = sim.run(sc, R, DAYS, seed=SEED, point=point).summary()
    return [{"metric": m, **{k: summary.loc[m, k] for k in ESTIMATE_COLUMNS}} for m in METRICS]


def _same(rows: list[dict], expected: list[dict]) -> None:
    for row, want in zip(rows, expected, strict=True):
        for k in ESTIMATE_COLUMNS:  # NaN (undefined) is stored as None
            assert row[k] == want[k] or (row[k] is None and want[k] != want[k]), (row, want)


POINTS = [
    {"militias.kataib_hezbollah.compliance": c, "drivers.gaza.value": g,
     "params.directive_delay_max.value": d}
    for c, g, d in [(0.5, 0.3, 2), (0.97, 1.0, 3), (0.8, 0.6, 5), (1.0, 0.0, 2)]
]  # fmt: skip


@pytest.mark.parametrize("point", [False, True])
def test_packed_points_equal_one_run_per_point(point):
    outcomes = run_pack(_pack(POINTS, point=point))
    for changes, outcome in zip(POINTS, outcomes, strict=True):
        assert outcome["status"] == "done", outcome
        _same(outcome["rows"], _oracle(changes, point))


def test_the_pack_a_point_lands_in_changes_nothing():
    together = run_pack(_pack(POINTS))
    alone = [run_pack(_pack([p], first=i))[0] for i, p in enumerate(POINTS)]
    assert [o["rows"] for o in together] == [o["rows"] for o in alone]
    for common in (True, False):  # without common random numbers too: a pair, then singles
        pair = run_pack(_pack(POINTS[1:3], common, first=1))
        single = [run_pack(_pack([POINTS[i]], common, first=i))[0] for i in (1, 2)]
        assert [o["rows"] for o in pair] == [o["rows"] for o in single]


def test_an_invalid_point_fails_alone_with_the_patched_error():
    bad = {**POINTS[0], "params.directive_delay_min.value": 4}  # above its max, 2
    outcomes = run_pack(_pack([POINTS[1], bad, POINTS[2]]))
    assert [o["status"] for o in outcomes] == ["done", "failed", "done"]
    assert outcomes[1]["error"] == (
        "invalid scenario: params: directive_delay_min is above directive_delay_max"
    )
    _same(outcomes[0]["rows"], _oracle(POINTS[1]))
    _same(outcomes[2]["rows"], _oracle(POINTS[2]))


def test_a_point_that_fails_as_it_runs_fails_alone():
    """A rule out of range in one point's lanes: the pack reruns its points one by one."""
    heavy = {"militias.kataib_hezbollah.capability": 300.0}
    fine = [{"militias.kataib_hezbollah.capability": c} for c in (0.5, 2.0)]
    outcomes = run_pack(_pack([fine[0], heavy, fine[1]]))
    assert [o["status"] for o in outcomes] == ["done", "failed", "done"]
    assert "the model handles at most 100 a group a day" in outcomes[1]["error"]
    _same(outcomes[2]["rows"], _oracle(fine[1]))


def test_a_sweep_of_what_lanes_cannot_hold_runs_point_by_point():
    moved = [{"events.2.day": d} for d in (2, 6)]
    pack = _pack(moved)
    assert not pack.by_lane
    for changes, outcome in zip(moved, run_pack(pack), strict=True):
        _same(outcome["rows"], _oracle(changes))


def test_a_point_larger_than_a_block_runs_in_blocks():
    pack = dataclasses.replace(_pack(POINTS[:1]), block=25)  # 60 replications: 25, 25, 10
    _same(run_pack(pack)[0]["rows"], _oracle(POINTS[0]))


def test_packs_hold_whole_consecutive_points_within_a_block():
    assert plan_packs([0, 1, 2, 3, 4], 100, 250) == [[0, 1], [2, 3], [4]]
    assert plan_packs([0, 1, 3, 4, 5], 100, 1000) == [[0, 1], [3, 4, 5]]  # a gap: a new pack
    assert plan_packs([7], 10**6, 20_000) == [[7]]  # a point larger than a block: alone
    assert packing.pack_lanes(10**6, 2) == packing.DEFAULT_BLOCK  # a block at most
    assert packing.pack_lanes(32_000, 2) == 4000  # four packs a worker, with several
    assert packing.pack_lanes(540, 1) == 540  # one worker: as few packs as blocks allow


def test_copies_of_a_block_draw_alike():
    one = Streams(3, 10, 7).uniform("x", 4, 1)
    copies = Streams(3, 10, 7, copies=3).uniform("x", 4, 1)
    np.testing.assert_array_equal(copies, np.tile(one, 3))


def test_a_sweep_packs_its_points_into_one_model_a_pack(tmp_path, monkeypatch):
    """Also for a group's number written {value, uncertainty}."""
    base = tmp_path / "base.yaml"
    base.write_text(
        "extends: qaani_visit\nmilitias:\n  kataib_hezbollah:\n"
        "    compliance: {value: 0.97, uncertainty: {beta: [30, 1]}}\n"
    )
    path = tmp_path / "s.yaml"
    path.write_text(
        f"scenario: {base}\ndays: {DAYS}\nreplications: {R}\nseed: {SEED}\n"
        "design: {kind: grid, levels: 3}\n"
        "parameters:\n  militias.kataib_hezbollah.compliance: {range: [0.5, 1.0]}\n"
        "  drivers.gaza: {range: [0.2, 1.0]}\nmetrics: [attacks_per_day]\n"
    )
    s = sim.load_sweep(path)
    # the sweep names the number's value in its mapping: the lanes know it without ".value"
    assert "militias.kataib_hezbollah.compliance.value" in s.targets.values()
    built: list[int] = []
    real = packing.advance

    def counting(model, days):
        built.append(model.n)
        return real(model, days)

    monkeypatch.setattr(packing, "advance", counting)
    table = sim.sweep(s, workers=1)
    assert built == [9 * R]  # nine points, one model
    for i in (0, 4, 8):
        sc = s.scenario.patched(s.changes(i))
        mean = sim.run(sc, R, DAYS, seed=SEED).summary().loc["attacks_per_day", "mean"]
        assert table[table.point == i]["mean"].iloc[0] == mean


def test_a_groups_value_path_is_its_lane_key():
    assert lane_key("militias.kataib_hezbollah.compliance.value") == (
        "militias.kataib_hezbollah.compliance"
    )
    assert lane_key("params.strike_max.value") == "params.strike_max.value"


def test_packs_shrink_to_fit_memory_and_a_point_that_cannot_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "s.yaml"
    path.write_text(
        f"scenario: qaani_visit\ndays: {DAYS}\nreplications: {R}\nseed: {SEED}\n"
        "design: {kind: grid, levels: 2}\nparameters:\n  drivers.gaza: {range: [0.2, 1.0]}\n"
    )
    s = sim.load_sweep(path)
    assert runner._block(s, 1) == packing.DEFAULT_BLOCK  # the usual case: a block
    monkeypatch.setattr(limits, "memory_budget", lambda: 512 << 20)
    block = runner._block(s, 2)
    assert block == limits.lanes_that_fit(DAYS, 2, 5) < packing.DEFAULT_BLOCK
    monkeypatch.setattr(limits, "memory_budget", lambda: 256 << 20)
    with pytest.raises(sim.InputError, match=r"this sweep does not fit in memory .*: use fewer"):
        runner._block(s, 2)
    assert not (tmp_path / "out").exists()
