"""The recorder's per-trial metrics against a slow, obvious, trial-by-trial recomputation."""

import numpy as np
import pytest

import sim
from sim.model.escalation import EscalationModel


def _trace(name, n=400, days=60, seed=11, patch=None):
    sc = sim.load_scenario(name).patched(patch or {})
    m = EscalationModel(sc, n, seed, days=days)
    compliant = np.array([s.doctrine == "compliant" for s in sc.spec.militias.values()])
    keys = ("att", "kil", "wnd", "fk", "str", "lead", "iran", "dir", "ca", "mass", "prox", "dirx")
    tr = {k: [] for k in keys}
    record = m.recorder.record

    def spy(day):
        w, us = m.world, m.us
        tr["att"].append(w.attacks.today.copy())
        tr["kil"].append(w.killed.today.copy())
        tr["wnd"].append(w.wounded.today.copy())
        tr["fk"].append(w.forced_killed.copy())
        tr["str"].append(us.strikes.today > 0)
        tr["lead"].append(us.leader_strikes.today > 0)
        tr["iran"].append(us.iran_today.copy())
        tr["dir"].append(m.iran.issued_today.copy())
        tr["ca"].append(w.by_group[compliant].sum(0))
        tr["mass"].append(us.mass_today.copy())
        tr["prox"].append(m.iran.unleashed_today.copy())
        tr["dirx"].append(m.iran.direct.today > 0)
        record(day)

    m.recorder.record = spy
    try:
        for _ in range(days):
            m.step()
        block = m.recorder.finish()
        tr["term"] = np.broadcast_to(m.param("directive_days"), (n,))  # drawn: one a trial
    finally:
        m.close()
    return sc, block, {k: np.array(v) for k, v in tr.items()}


def _first(xs):
    idx = np.flatnonzero(xs)
    return idx[0] if idx.size else None


#: every mechanism on, and a strike on Iran likely, so that every rung is reached in some trial
HOT = {
    **{f"mechanisms.{k}": True for k in ("deterrence", "sponsor_leverage", "iraqi_pressure")},
    **{f"mechanisms.{k}": True for k in ("talks_resumption", "deliberation", "iran_response")},
    "mechanisms.withdrawal": True,
    "params.iran_strike_gain.value": 0.05,
    "params.p_iran_direct.value": 0.9,
}


@pytest.mark.parametrize(
    ("name", "patch"),
    [("baseline", None), ("qaani_visit", None), ("decapitation", None), ("decapitation", HOT)],
)
def test_per_trial_metrics_match_a_brute_force_oracle(name, patch):
    _, b, t = _trace(name, patch=patch)
    if patch:  # the hot case reaches the top of the ladder
        assert b.per_trial["max_rung"].max() == 9
    for k in range(b.per_trial["max_rung"].size):
        term = int(t["term"][k])
        att, kil = t["att"][:, k], t["kil"][:, k]
        run = best = 0
        for x in att:
            run = 0 if x > 0 else run + 1
            best = max(best, run)
        expect = {"longest_lull_days": best, "max_rung": 0}
        rung = 0
        for d in range(att.size):
            today = [
                1 * (att[d] > 0),
                2 * (t["wnd"][d, k] > 0),
                3 * t["str"][d, k],
                4 * (kil[d] > 0),
                5 * t["lead"][d, k],
                6 * t["mass"][d, k],
                7 * t["iran"][d, k],
                8 * t["prox"][d, k],
                9 * t["dirx"][d, k],
            ]
            rung = max(rung, *today)
        expect["max_rung"] = rung
        f = _first(kil > 0)
        s = None if f is None else _first(t["str"][f:, k])
        expect["days_fatality_to_strike"] = np.nan if s is None else s
        dd = None if f is None else _first(t["dir"][f + 1 :, k])
        expect["days_fatality_to_directive"] = np.nan if dd is None else dd + 1
        first_dir = _first(t["dir"][:, k])
        after = slice(first_dir if first_dir is not None else att.size, None)
        total, holdout = att[after].sum(), (att - t["ca"][:, k])[after].sum()
        expect["holdout_share_after_directive"] = holdout / total if total else np.nan
        expect["us_strikes_after_directive"] = t["str"][after, k].sum()
        expect["days_directive_to_resumption"] = np.nan
        for d in range(first_dir + 7 if first_dir is not None else att.size, att.size):
            if t["ca"][max(d - 6, first_dir + 7) : d + 1, k].sum() >= 3:  # from day 8 on
                expect["days_directive_to_resumption"] = d - first_dir
                break
        resumed = expect["days_directive_to_resumption"]
        for horizon in (90, 180):  # unknown (NaN) if the run ends before the horizon does
            seen = first_dir is not None and first_dir + horizon < att.size
            within = float(not np.isnan(resumed) and resumed <= horizon)
            expect[f"p_resume_{horizon}d"] = within if first_dir is not None and seen else np.nan
        if first_dir is None:
            expect["days_directive_to_last_compliant_attack"] = np.nan
        else:
            hits = np.flatnonzero(t["ca"][first_dir : first_dir + term, k] > 0)
            expect["days_directive_to_last_compliant_attack"] = hits[-1] if hits.size else 0
        expect["p_us_fatality"] = float((kil - t["fk"][:, k]).sum() > 0)
        expect["p_leadership_strike"] = float(t["lead"][:, k].any())
        expect["attacks_per_day"] = att.sum() / att.size
        for key, want in expect.items():
            got = b.per_trial[key][k]
            assert (np.isnan(want) and np.isnan(got)) or want == pytest.approx(got), (key, k)
