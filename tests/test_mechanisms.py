"""Each mechanism exists, is driven by YAML, can be switched off, and pushes the right way.

Effects are paired differences through common random numbers (``sim.compare``): a test
asserts that the 95% interval of the difference excludes zero in the expected direction.
"""

import mesa
import numpy as np
import pytest

import sim
from sim.model.escalation import EscalationModel
from sim.scenario.vocabulary import RUNGS
from tests.helpers import ratio_ci, window

T, D, SEED = 3000, 60, 20240128


def diff(a, b, metric, trials=T, days=D):
    return sim.compare(a, b, trials=trials, days=days, seed=SEED).differences()[metric]


def off(name, base="baseline"):
    return sim.load_scenario(base).patched({f"mechanisms.{name}": False})


def test_model_is_mesa_with_one_agent_per_actor():

    sc = sim.load_scenario("baseline")
    m = EscalationModel(sc, 10, seed=0)
    try:
        assert isinstance(m, mesa.Model)
        kinds = sorted(type(a).__name__ for a in m.agents)
        assert kinds.count("Militia") == len(sc.spec.militias)
        assert {"QudsForce", "UnitedStates", "IraqiGovernment"} <= set(kinds)
        m.step()
        assert m.steps == 1 and m.day == 1
        assert all(a.strength.shape == (10,) for a in m.militia_list)
    finally:
        m.close()
    assert m not in mesa.Agent._ids


def test_gaza_driver_drives_attacks():
    d = diff("gaza_truce", "baseline", "attacks_per_day")
    assert d.ci_high < -1.0


def test_casualties_switch():
    r = sim.run(off("casualties"), T, D, seed=SEED)
    assert r.per_trial("us_killed").sum() == 0 and r.per_trial("us_wounded").sum() == 0
    assert diff("baseline", off("casualties"), "us_killed").ci_low > 0
    # deaths are rare: in most weeks of the campaign no attack kills anyone
    # (their heavy-tailed size is tested on the sampler, test_pareto_count_tail_and_cap)
    week = sim.run("baseline", T, 7, seed=SEED).estimates()["p_us_fatality"]
    assert week.ci_low > 0 and week.ci_high < 0.2


def test_retaliation_switch_and_its_ladder():
    r = sim.run(off("retaliation"), T, D, seed=SEED)
    assert r.per_trial("us_strikes_per_day").sum() == 0
    assert r.per_trial("p_leadership_strike").sum() == 0
    # rungs are ordinal (first_rung_day[k]: first day at rung k or higher), so a trial
    # without strikes can pass rung 3 on its way to 4, but never stop on a strike rung
    strikes = [RUNGS.index(k) for k in RUNGS if "U.S. strike" in k or "U.S. mass" in k]
    assert len(strikes) == 4
    assert not np.isin(r.per_trial("max_rung"), [3, *strikes]).any()
    assert diff("baseline", off("retaliation"), "us_strikes_per_day").ci_low > 0


def test_strikes_rise_with_recent_attacks_and_sharply_with_fatalities():
    # a fatal attack on day 0 (qaani_visit without the directive = no_visit) vs none
    first_week = diff("no_visit", "baseline", "us_strikes_per_day", days=7)
    assert first_week.ci_low > 0.1
    # more attacks (Gaza at full intensity) -> more strikes than in a truce
    assert diff("baseline", "gaza_truce", "us_strikes_per_day").ci_low > 0
    # after the Jordan attack the U.S. answers within days
    est = sim.run("no_visit", T, 30, seed=SEED).estimates()["days_fatality_to_strike"]
    assert est.ci_low >= 1 and est.ci_high <= 8


def test_strikes_degrade_groups_and_kill_commanders():
    sc = sim.load_scenario("no_visit")
    harsh = sc.patched({"params.strike_degrade.value": 0.6})
    assert diff(harsh, sc, "attacks_per_day").ci_high < 0
    assert diff("decapitation", "restraint", "p_leadership_strike").ci_low > 0.2
    r = sim.run(off("leadership_strikes", "decapitation"), T, D, seed=SEED)
    assert r.per_trial("p_leadership_strike").sum() == 0


def test_ladder_reaches_strikes_on_iran_only_when_switched_on():
    hot = sim.load_scenario("decapitation").patched({"params.iran_strike_gain.value": 0.05})
    assert diff(hot, "restraint", "p_strike_on_iran").ci_low > 0
    cold = hot.patched({"mechanisms.strikes_on_iran": False})
    r = sim.run(cold, T, D, seed=SEED)
    assert r.per_trial("p_strike_on_iran").sum() == 0
    assert r.per_trial("max_rung").max() < RUNGS.index("U.S. strike on Iran")


def test_directive_follows_fatalities_within_days():
    r = sim.run("no_visit", T, 10, seed=SEED)
    assert r.per_trial("p_directive").sum() == 0  # switched off
    sc = sim.load_scenario("no_visit").patched({"mechanisms.directive": True})
    r = sim.run(sc, T, 10, seed=SEED)
    # directive due 1-2 days after the trigger, which the day-0 deaths pull on day 1: in every
    # trial, unless the U.S. strikes Iran first and Iran unleashes its proxies instead
    calm = r.per_trial("p_strike_on_iran") == 0
    assert calm.mean() > 0.97 and (r.per_trial("p_directive")[calm] == 1).all()
    days = r.block.per_trial["days_directive_to_last_compliant_attack"]
    assert np.isfinite(days[calm]).all()


def test_iraqi_request_triggers_directive_when_the_rule_says_so():
    sc = sim.load_scenario("no_visit").patched(
        {
            "mechanisms.directive": True,
            "rules.directive_trigger.expr": "iraq_request",
            "events": [sim.load_scenario("no_visit").data["events"][0]],  # the attack only
        }
    )
    with_request = sim.run(sc, T, 15, seed=SEED).estimates()["p_directive"]
    without = sim.run(sc.patched({"mechanisms.iraqi_request": False}), T, 15, seed=SEED)
    assert with_request.ci_low > 0.9
    assert without.per_trial("p_directive").sum() == 0


def test_directive_stops_compliant_groups_not_holdouts():
    # the doctrine alone: without Iran's leverage, the losses that deter, Baghdad's pressure
    # and the mass retaliation, which tests/test_decisions.py tests one by one
    quiet = {f"mechanisms.{k}": False for k in ("sponsor_leverage", "deterrence")}
    quiet.update({"mechanisms.iraqi_pressure": False, "mechanisms.deliberation": False})
    visit, none = (sim.load_scenario(s).patched(quiet) for s in ("qaani_visit", "no_visit"))
    d = sim.compare(visit, none, trials=T, days=30, seed=SEED).differences()
    assert d["attacks_per_day_by_group.kataib_hezbollah"].ci_high < -0.4
    nujaba = d["attacks_per_day_by_group.harakat_al_nujaba"]
    assert nujaba.ci_low > -0.05 and nujaba.ci_high < 0.05  # holdouts go on much as before


def test_restraint_relaxes_over_time_only_with_relaxation_on():
    sc = sim.load_scenario("qaani_visit")
    assert (
        diff(sc, off("restraint_relaxation", "qaani_visit"), "attacks_per_day", days=90).ci_low > 0
    )


def test_talks_advance_when_calm_and_weigh_on_groups_that_prefer_talks():
    calm = sim.load_scenario("gaza_truce").patched({"params.talks_gain.value": 0.05})
    assert sim.run(calm, T, D, seed=SEED).estimates()["p_withdrawal_agreement"].ci_low > 0.2
    talks_off = calm.patched({"mechanisms.talks": False})
    assert sim.run(talks_off, T, D, seed=SEED).per_trial("p_withdrawal_agreement").sum() == 0
    d = sim.compare(calm, talks_off, trials=T, days=D, seed=SEED).differences()
    assert d["attacks_per_day_by_group.asaib_ahl_al_haq"].ci_high < 0  # prefers talks
    nujaba = d["attacks_per_day_by_group.harakat_al_nujaba"]  # a holdout: talks do not sway it
    assert nujaba.ci_low > -0.01 and nujaba.ci_high < 0.01
    # under fire (the Gaza-driven campaign) the same talks rarely get anywhere
    fire = sim.load_scenario("baseline").patched({"params.talks_gain.value": 0.05})
    calm_vs_fire = diff(calm, fire, "p_withdrawal_agreement")
    assert calm_vs_fire.ci_low > 0.15


def test_revenge_switch():
    assert diff("no_visit", off("revenge", "no_visit"), "attacks_per_day").ci_low > 0


def test_schedule_sets_drivers_between_days():
    before = window("week_truce", 28, 37, trials=T, seed=SEED)["all"]
    during = window("week_truce", 40, 46, trials=T, seed=SEED)["all"]
    after = window("week_truce", 52, 60, trials=T, seed=SEED)["all"]
    assert ratio_ci(during, before)[2] < 0.2  # the truce all but stops the attacks
    assert ratio_ci(after, before)[1] > 0.7  # and they come back when it ends


def test_every_rule_is_read_from_yaml():
    """Changing a rule's expression in YAML changes the outcome it governs."""
    sc = sim.load_scenario("baseline")
    never = sc.patched({"rules.us_strike_prob.expr": "0", "rules.mass_retaliation_prob.expr": "0"})
    assert sim.run(never, 500, 20, seed=1).per_trial("us_strikes_per_day").sum() == 0
    always = sc.patched({"rules.us_strike_prob.expr": "1"})
    assert (sim.run(always, 500, 20, seed=1).per_trial("us_strikes_per_day") == 1).all()


@pytest.mark.parametrize("name", ["baseline", "qaani_visit", "no_visit", "decapitation"])
def test_ladder_records_are_consistent(name):
    r = sim.run(name, 2000, D, seed=SEED)
    first = r.block.first_rung_day
    max_rung = r.per_trial("max_rung").astype(int)
    reached = first >= 0
    assert (reached.sum(axis=0) - 1 == max_rung).all()  # rungs 0..max reached, none above
    later = np.where(reached[1:], first[1:], 10**9) >= np.where(reached[:-1], first[:-1], 0)
    assert later.all()  # a higher rung is never reached before a lower one
    final_share = r.daily().iloc[-1][[f"rung_{k}_share" for k in range(len(RUNGS))]].to_numpy()
    np.testing.assert_allclose(final_share, np.bincount(max_rung, minlength=len(RUNGS)) / 2000)
    iran = RUNGS.index("U.S. strike on Iran")  # Iran's answers are the only rungs above it
    np.testing.assert_array_equal(r.per_trial("p_strike_on_iran") > 0, max_rung >= iran)


def _deterrence(gain, on=True, base="no_visit"):
    return sim.load_scenario(base).patched(
        {"mechanisms.deterrence": on, "params.deterrence_gain.value": gain}
    )


def test_deterrence_at_zero_gain_changes_nothing():
    plain = sim.run(_deterrence(0.3, on=False), T, D, seed=SEED)
    zero = sim.run(_deterrence(0.0), T, D, seed=SEED)
    for m in ("attacks_per_day", "us_strikes_per_day", "p_us_fatality"):
        np.testing.assert_array_equal(zero.per_trial(m), plain.per_trial(m))


def test_deterrence_lowers_attacks_more_as_its_gain_grows():
    low = diff(_deterrence(0.6), _deterrence(0.0), "attacks_per_day")
    assert low.ci_high < 0  # strikes now also deter: fewer attacks, paired trial by trial
    lower = diff(_deterrence(0.9), _deterrence(0.6), "attacks_per_day")
    assert lower.ci_high < 0  # monotone in the gain


def test_a_strike_adds_one_unit_of_deterrence_a_commander_more_and_it_halves_in_its_half_life():
    sc = _deterrence(0.3).patched(
        {
            "params.deterrence_half_life.value": 10.0,
            "params.deterrence_per_leader.value": 3.0,
            "mechanisms.retaliation": False,  # no strikes but the forced one
            "events": [
                {"day": 0, "kind": "us_strike", "militia": "kataib_hezbollah",
                 "leader_killed": True, "source": {"assumption": "a test"}},
            ],
        }
    )  # fmt: skip
    m = EscalationModel(sc, 50, seed=0, point=True)
    m.step()
    kh = m.militias["kataib_hezbollah"]
    # a strike (1) and a commander (3), then the day's decay
    np.testing.assert_allclose(kh.deterrence, 4.0 * 0.5 ** (1 / 10))
    for _ in range(10):
        m.step()
    np.testing.assert_allclose(kh.deterrence, 4.0 * 0.5 ** (11 / 10))
    assert (m.militias["harakat_al_nujaba"].deterrence == 0).all()  # only the group struck
    m.close()


def test_drawn_half_lives_decay_each_lane_at_its_own_pace():
    sc = _deterrence(0.3).patched(
        {
            "params.deterrence_per_leader.value": 3.0,
            "mechanisms.retaliation": False,
            "events": [
                {"day": 0, "kind": "us_strike", "militia": "kataib_hezbollah",
                 "leader_killed": True, "source": {"assumption": "a test"}},
            ],
        }
    )  # fmt: skip
    halves = np.tile([1.0, 5.0, 10.0, 40.0], 5)  # one half-life per lane, as a drawn run has
    m = EscalationModel(
        sc, halves.size, seed=0, point=True, lanes={"params.deterrence_half_life.value": halves}
    )
    kh = m.militias["kataib_hezbollah"]
    for days in (1, 11):
        while m.day < days:
            m.step()
        np.testing.assert_allclose(kh.deterrence, 4.0 * 0.5 ** (days / halves), rtol=1e-12)
    assert m.decay("deterrence_half_life") is m.decay("deterrence_half_life")  # computed once
    m.close()
