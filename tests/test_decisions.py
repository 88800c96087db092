"""Issue 15's mechanisms: each switches off to nothing, and pushes the way it claims.

Effects are paired differences through common random numbers (``sim.compare``): a test
asserts that the 95% interval of the difference excludes zero in the expected direction.
Every scenario here sets the switches it tests, so the tests do not depend on the defaults.
"""

import numpy as np

import sim
from sim.core.stats import ratio_of_means
from sim.model.escalation import EscalationModel
from sim.scenario.vocabulary import DECISIONS, LADDER

T, D, SEED = 3000, 60, 20240128
NEW = DECISIONS
RUNG = {r.key: k for k, r in enumerate(LADDER)}


def scenario(base="qaani_visit", on=(), **params):
    """``base`` with issue 15's mechanisms off but those in ``on``, and params set."""
    patch = {f"mechanisms.{k}": k in on for k in (*NEW, "deterrence")}
    patch.update({f"params.{k}.value": v for k, v in params.items()})
    return sim.load_scenario(base).patched(patch)


def diff(a, b, metric, days=D, trials=T):
    return sim.compare(a, b, trials=trials, days=days, seed=SEED).differences()[metric]


def same(a, b, days=D):
    ra, rb = sim.run(a, T, days, seed=SEED), sim.run(b, T, days, seed=SEED)
    for m in ("attacks_per_day", "us_strikes_per_day", "us_killed", "max_rung"):
        np.testing.assert_array_equal(ra.per_trial(m), rb.per_trial(m))


# --- sponsor leverage -----------------------------------------------------------------------


def test_leverage_at_zero_changes_nothing():
    same(scenario(on=["sponsor_leverage"], p_withhold=0.0, yield_rate=0.0), scenario())


def test_withheld_supplies_cut_the_holdouts_attacks_after_the_visit():
    nujaba = "attacks_per_day_by_group.harakat_al_nujaba"
    lever = scenario(on=["sponsor_leverage"], p_withhold=1.0, yield_rate=0.0)
    assert diff(lever, scenario(), nujaba).ci_high < 0
    more = scenario(on=["sponsor_leverage"], p_withhold=1.0, yield_rate=0.0, sponsor_share=0.8)
    assert diff(more, lever, nujaba).ci_high < 0  # monotone in Iran's share of its capability


def test_supply_runs_down_at_its_half_life_and_a_holdout_may_yield():
    sc = scenario(
        on=["sponsor_leverage"], p_withhold=1.0, yield_rate=0.0, sponsor_share=0.5,
        supply_half_life=10.0, directive_days=60,
    ).patched({"mechanisms.directive": False,  # the forced directive only, on day 2
               "militias.harakat_al_nujaba.compliance": 0.0})  # fmt: skip
    m = EscalationModel(sc, 200, seed=1, point=True)
    try:
        for _ in range(3 + 10):
            m.step()
        g, kh = m.militias["harakat_al_nujaba"], m.militias["kataib_hezbollah"]
        assert g.withheld.all()  # cut on day 2, the day it refused
        # 11 ends of day since: the gap to the floor (0.5) halves every 10 days
        np.testing.assert_allclose(g.supply, 0.5 + 0.5 * 0.5 ** (11 / 10))
        assert (kh.supply[kh.comply_from < 1 << 30] == 1).all()  # obeying groups keep theirs
    finally:
        m.close()
    yields = scenario(on=["sponsor_leverage"], p_withhold=1.0, yield_rate=0.05)
    holdouts = diff(yields, scenario(on=["sponsor_leverage"], p_withhold=1.0, yield_rate=0.0),
                    "attacks_per_day_by_group.harakat_al_nujaba")  # fmt: skip
    assert holdouts.ci_high < 0  # a holdout that falls in line attacks less


# --- Iraq's pressure ------------------------------------------------------------------------


def test_iraqs_pending_request_weighs_on_every_group():
    base = scenario("no_visit")
    press = scenario("no_visit", on=["iraqi_pressure"], iraq_pressure=0.5)
    d = sim.compare(press, base, trials=T, days=7, seed=SEED).differences()
    for g in ("kataib_hezbollah", "harakat_al_nujaba"):
        assert d[f"attacks_per_day_by_group.{g}"].ci_high < 0
    harder = scenario("no_visit", on=["iraqi_pressure"], iraq_pressure=0.9)
    assert diff(harder, press, "attacks_per_day", days=7).ci_high < 0
    same(scenario("no_visit", on=["iraqi_pressure"], iraq_pressure=0.0), base)


# --- talks and resumption -------------------------------------------------------------------


def test_stalled_talks_end_restraint_sooner():
    # every attack counts as under fire, so the holdouts' attacks set the talks back
    touchy = {"under_fire_attacks_7d": 0, "lapse_base": 0.0, "lapse_per_revenge": 0.0}
    stall = scenario(on=["talks_resumption"], lapse_on_stall=0.05, **touchy)
    calm = scenario(**touchy)
    kh = "attacks_per_day_by_group.kataib_hezbollah"
    assert diff(stall, calm, kh, days=90).ci_low > 0
    faster = scenario(on=["talks_resumption"], lapse_on_stall=0.2, **touchy)
    assert diff(faster, stall, kh, days=90).ci_low > 0
    # no stall without setbacks: with posture off the talks never fall back
    no_setback = scenario(on=["talks_resumption"], lapse_on_stall=0.05, **touchy).patched(
        {"mechanisms.posture": False}
    )
    same(no_setback, scenario(**touchy).patched({"mechanisms.posture": False}), days=90)


# --- the U.S.: deliberation and a mass retaliation --------------------------------------------


def test_deaths_bring_a_mass_retaliation_after_deliberating():
    sc = scenario("no_visit", on=["deliberation"], p_mass_per_killed=0.25, deliberation_days=5)
    r = sim.run(sc, T, 20, seed=SEED, point=True)
    first = r.block.first_rung_day[RUNG["mass_strike"]]
    reached = first >= 0
    # three dead on day 0: a decision with 0.75, the strike on day 5; later deaths add a few
    p, se = reached.mean(), np.sqrt(0.75 * 0.25 / T)
    assert p >= 0.75 - 4 * se
    assert np.mean(first[reached] == 5) > 0.75 - 4 * se
    off = sim.run(scenario("no_visit"), T, 20, seed=SEED, point=True).block.first_rung_day
    # rungs are ordinal: without deliberation, rung 6 is passed only on the way to Iran
    np.testing.assert_array_equal(off[RUNG["mass_strike"]], off[RUNG["iran_strike"]])


def test_a_mass_retaliation_degrades_every_group_that_attacked():
    sc = scenario("no_visit", on=["deliberation"], p_mass_per_killed=1.0, deliberation_days=3)
    sc = sc.patched({"mechanisms.retaliation": True, "params.strike_base.value": 0.0,
                     "params.strike_per_attack.value": 0.0, "params.strike_per_wounded.value": 0.0,
                     "params.strike_per_killed.value": 0.0})  # fmt: skip
    m = EscalationModel(sc, 300, seed=2, point=True)
    try:
        for _ in range(3):
            m.step()
        before = {g.name: g.strength.copy() for g in m.militia_list}
        m.step()  # day 3: the mass strike, the only strike there is
        assert m.us.mass_today.all()
        for g in m.militia_list:
            hit = g.attacks.last(30) > 0  # attacks on days 0 to 3
            # struck groups lose mass_degrade (0.3) of their strength, less the day's recovery
            recovered = 1 - (1 - before[g.name][hit] * 0.7) * (1 - 0.03)
            lost_leader = g.leaders_lost[hit] > 0
            np.testing.assert_allclose(recovered[~lost_leader], g.strength[hit][~lost_leader])
            assert (g.strikes_taken[hit] == 1).all() and (g.strikes_taken[~hit] == 0).all()
    finally:
        m.close()


def test_while_deliberating_deaths_do_not_raise_routine_strikes_and_commanders_are_hunted():
    plain = scenario("no_visit")
    delib = scenario("no_visit", on=["deliberation"], p_mass_per_killed=1.0, leader_hunt=0.0)
    first_days = sim.compare(delib, plain, trials=T, days=4, seed=SEED).differences()
    assert first_days["us_strikes_per_day"].ci_high < 0  # preparing, not striking piecemeal
    hunt = scenario("no_visit", on=["deliberation"], p_mass_per_killed=1.0, leader_hunt=0.6)
    assert diff(hunt, delib, "p_leadership_strike", days=30).ci_low > 0


# --- Iran's answer and the top of the ladder -------------------------------------------------

HOT = {"iran_strike_gain": 0.05}


def test_a_strike_on_iran_is_answered_only_with_iran_response_on():
    off = sim.run(scenario("decapitation", **HOT), T, D, seed=SEED)
    assert off.per_trial("max_rung").max() <= RUNG["iran_strike"]
    assert off.per_trial("p_strike_on_iran").mean() > 0.05
    on = sim.run(scenario("decapitation", on=["iran_response"], **HOT), T, D, seed=SEED)
    top = on.per_trial("max_rung")
    struck = on.per_trial("p_strike_on_iran") > 0
    assert (top[~struck] < RUNG["iran_strike"]).all()  # no answer without a strike on Iran
    assert np.mean(top[struck] >= RUNG["iran_proxies"]) > 0.5  # p = 0.7, or 0.5 for direct


def test_unleashed_proxies_attack_more_and_a_direct_strike_invites_another():
    calm = scenario("decapitation", on=["iran_response"], p_iran_proxy_response=0.0,
                    p_iran_direct=0.0, **HOT)  # fmt: skip
    proxies = scenario("decapitation", on=["iran_response"], p_iran_proxy_response=1.0,
                       p_iran_direct=0.0, **HOT)  # fmt: skip
    assert diff(proxies, calm, "attacks_per_day").ci_low > 0
    same(calm, scenario("decapitation", **HOT))  # answers of probability 0 change nothing
    direct = scenario("decapitation", on=["iran_response"], p_iran_proxy_response=0.0,
                      p_iran_direct=1.0, iran_exchange_gain=0.3, **HOT)  # fmt: skip
    r = sim.run(direct, T, D, seed=SEED)
    assert np.mean(r.per_trial("max_rung") == RUNG["iran_direct"]) > 0.02
    assert diff(direct, calm, "p_strike_on_iran").ci_low >= 0


# --- withdrawal and posture ------------------------------------------------------------------

AGREE = {"talks_gain": 0.2, "agreement_rate": 1.0, "calm_attacks_7d": 1000}


def test_an_agreement_draws_troops_down_and_attacks_in_iraq_with_them():
    fast = scenario("baseline", on=["withdrawal"], drawdown_days=30, **AGREE)
    stay = scenario("baseline", **AGREE)
    assert diff(fast, stay, "attacks_per_day", days=90).ci_high < 0
    m = EscalationModel(fast.patched({"mechanisms.posture": False}), 100, seed=3, point=True)
    try:
        for _ in range(40):
            m.step()
        agreed = m.iraq.withdrawal_agreed
        assert agreed.mean() > 0.9
        assert (m.iraq.presence[agreed] < 1).all() and (m.iraq.presence[~agreed] == 1).all()
        assert m.env["troops_syria"] == 900
    finally:
        m.close()


def test_posture_slows_the_drawdown_under_fire():
    sc = scenario("baseline", on=["withdrawal"], drawdown_days=60, posture_caution=1.0, **AGREE)
    cautious = EscalationModel(sc, 200, seed=4, point=True)
    bold = EscalationModel(sc.patched({"mechanisms.posture": False}), 200, seed=4, point=True)
    try:
        for _ in range(30):
            cautious.step()
            bold.step()
        both = cautious.iraq.withdrawal_agreed & bold.iraq.withdrawal_agreed
        assert both.sum() > 100
        assert (cautious.iraq.presence[both] >= bold.iraq.presence[both]).all()
        assert np.mean(cautious.iraq.presence[both] > bold.iraq.presence[both]) > 0.5
    finally:
        cautious.close()
        bold.close()


# --- exposure: when the others lie low, the strikes find whoever goes on ---------------------


def test_strikes_concentrate_on_the_holdout_once_the_others_lie_low():
    def nujaba_share(name):
        """Nujaba's share of the strikes on days 8 to 47, as a ratio of per-trial means."""
        sc = scenario(name).patched({"mechanisms.retaliation": True})
        m = EscalationModel(sc, 3000, seed=6, point=True)
        try:
            for _ in range(8):  # the directive (day 1 or 2) and the lags to comply (3 days)
                m.step()
            before = {g.name: g.strikes_taken.copy() for g in m.militia_list}
            for _ in range(40):
                m.step()
            taken = {g.name: g.strikes_taken - before[g.name] for g in m.militia_list}
        finally:
            m.close()
        return ratio_of_means(taken["harakat_al_nujaba"] * 1.0, sum(taken.values()) * 1.0)

    visit, none = nujaba_share("qaani_visit"), nujaba_share("no_visit")
    assert visit.ci_low > 0.5 > none.ci_high  # the strikes find whoever goes on
