import numpy as np
import pytest

import sim
from sim.runs.runner import simulate_block


def _arrays(r):
    return {**r.block.per_trial, "by_group": r.block.by_group, "rungs": r.block.first_rung_day}


def _assert_same(r1, r2):
    a1, a2 = _arrays(r1), _arrays(r2)
    for k in a1:
        np.testing.assert_array_equal(a1[k], a2[k], err_msg=k)
    for k in r1.block.daily_hist:
        np.testing.assert_array_equal(r1.block.daily_hist[k], r2.block.daily_hist[k])
    np.testing.assert_array_equal(r1.block.rung_count, r2.block.rung_count)


def test_same_seed_same_results():
    _assert_same(sim.run("qaani_visit", 2000, 45, seed=5), sim.run("qaani_visit", 2000, 45, seed=5))


def test_different_seed_different_results():
    a = sim.run("qaani_visit", 2000, 45, seed=5).block.per_trial["attacks_per_day"]
    b = sim.run("qaani_visit", 2000, 45, seed=6).block.per_trial["attacks_per_day"]
    assert not np.array_equal(a, b)


@pytest.mark.parametrize(("block_size", "trials"), [(1, 12), (7, 100), (333, 2000), (2000, 2000)])
def test_block_size_does_not_change_results(block_size, trials):
    ref = sim.run("baseline", trials, 40, seed=11, block_size=10_000)
    other = sim.run("baseline", trials, 40, seed=11, block_size=block_size)
    _assert_same(ref, other)
    assert ref.summary().equals(other.summary())


def test_single_trial_is_the_same_code_with_one_lane():
    full = sim.run("qaani_visit", 50, 60, seed=3)
    sc = sim.load_scenario("qaani_visit")
    for k in (0, 17, 49):
        one = simulate_block(sc, 3, start=k, n=1, days=60)
        for name, values in one.per_trial.items():
            np.testing.assert_array_equal(
                values, full.block.per_trial[name][k : k + 1], err_msg=name
            )


def test_horizon_does_not_change_the_first_days():
    short = sim.run("qaani_visit", 1000, 20, seed=4)
    long = sim.run("qaani_visit", 1000, 50, seed=4)
    for name in ("attacks", "us_strikes", "us_killed"):
        np.testing.assert_array_equal(short.block.daily_sum[name], long.block.daily_sum[name][:20])
        np.testing.assert_array_equal(
            short.block.daily_hist[name], long.block.daily_hist[name][:20]
        )


def test_common_random_numbers_adding_a_group_leaves_others_draws_alone():
    """With couplings between groups off, removing a group changes no other group's attacks."""
    off = {f"mechanisms.{m}": False for m in ("retaliation", "directive", "talks", "iraqi_request")}
    sc = sim.load_scenario("baseline").patched(off)
    data = dict(sc.data)
    militias = dict(data["militias"])
    militias.pop("asaib_ahl_al_haq")
    smaller = sc.patched({"militias": militias})
    a = sim.run(sc, 1000, 30, seed=9)
    b = sim.run(smaller, 1000, 30, seed=9)
    for g in smaller.spec.militias:
        np.testing.assert_array_equal(
            a.per_trial(f"attacks_per_day_by_group.{g}"),
            b.per_trial(f"attacks_per_day_by_group.{g}"),
        )


def test_scenario_hash_is_stable_and_sensitive():
    a, b = sim.load_scenario("qaani_visit"), sim.load_scenario("qaani_visit")
    assert a.hash == b.hash
    assert a.patched({"params.campaign_rate.value": 1.7}).hash != a.hash
