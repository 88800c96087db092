"""The calibration facts of shared/calibration.md, at a fixed seed.

Each assertion puts the whole 95% Monte Carlo interval inside the target, so a failure
means the model misses the fact (or needs more trials), never that the test got unlucky.
"""

import numpy as np

import sim
from sim.scenario.sources import (
    BASELINE_RATE_RANGE,
    PRE_WAR_RATE_RANGE,
    TWO_WEEK_RATE_RANGE,
    VISIT_COMPLIANT_FALL,
    VISIT_HOLDOUT_KEEP,
    VISIT_TOTAL_FALL,
)
from tests.helpers import ratio_ci, window

SEED = 20240128


def inside(est, lo, hi):
    return lo <= est.ci_low and est.ci_high <= hi


def test_c3_baseline_rate_over_the_campaign():
    est = sim.run("baseline", 20_000, 90, seed=SEED).estimates()["attacks_per_day"]
    assert inside(est, *BASELINE_RATE_RANGE), est


def test_c1_more_than_twenty_attacks_in_two_weeks():
    est = sim.run("baseline", 20_000, 14, seed=SEED).estimates()["attacks_per_day"]
    assert inside(est, *TWO_WEEK_RATE_RANGE), est


def test_c4_without_the_gaza_driver_the_pre_war_rate_returns():
    est = sim.run("gaza_truce", 20_000, 90, seed=SEED).estimates()["attacks_per_day"]
    assert inside(est, *PRE_WAR_RATE_RANGE), est


def test_c8_c9_c10_the_visit_stops_compliant_groups_not_holdouts():
    # days 5 to 19: after the directive (day 2) and the longest compliance lag (3 days)
    visit = window("qaani_visit", 5, 20, trials=10_000, seed=SEED)
    none = window("no_visit", 5, 20, trials=10_000, seed=SEED)
    _, _, hi = ratio_ci(visit["all"], none["all"])
    assert hi < 1 - VISIT_TOTAL_FALL  # C10: the total falls by most of its level
    _, _, hi = ratio_ci(visit["compliant"], none["compliant"])
    assert hi < 1 - VISIT_COMPLIANT_FALL  # C8: compliant groups stop within days
    _, lo, _ = ratio_ci(visit["holdout"], none["holdout"])
    assert lo > VISIT_HOLDOUT_KEEP  # C9: holdouts go on
    assert visit["holdout"].mean() > 0.1


def test_c6_directive_within_48_hours_of_fatalities():
    """Deaths on day 0 (seen the same evening) bring the directive on day 1 or 2: always.

    Always, that is, unless the U.S. strikes Iran first and Iran turns its proxies loose
    instead (``mechanisms.iran_response``): those trials are left out.
    """
    sc = sim.load_scenario("no_visit").patched({"mechanisms.directive": True})
    r = sim.run(sc, 5000, 6, seed=SEED)
    lag = r.per_trial("days_fatality_to_directive")[r.per_trial("p_strike_on_iran") == 0]
    assert lag.size > 4900 and not np.isnan(lag).any()
    assert set(np.unique(lag)) == {1.0, 2.0}
    # and in the baseline, where deaths come endogenously on any day
    # (but for trials where the U.S. struck Iran, and Iran turned its proxies loose instead)
    r = sim.run("baseline", 5000, 90, seed=SEED)
    lag = r.per_trial("days_fatality_to_directive")[r.per_trial("p_strike_on_iran") == 0]
    assert set(np.unique(lag[~np.isnan(lag)])) <= {1.0, 2.0}
