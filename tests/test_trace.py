"""The story of one trial: its events add up to that trial's counts in the statistics."""

from __future__ import annotations

from io import StringIO

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.model.escalation import EscalationModel
from sim.runs.trace import HTML_ROWS, trace

DAYS = 40
CASES = [("qaani_visit", 11), ("baseline", 5), ("decapitation", 2), ("strong_holdouts", 8)]


COUNTED = [  # metrics the events add up to, as they are (the rest are rates)
    "us_killed",
    "us_wounded",
    "p_us_fatality",
    "p_leadership_strike",
    "p_strike_on_iran",
    "p_directive",
    "p_withdrawal_agreement",
    "max_rung",
    "longest_lull_days",
]
DELAYS = ["days_fatality_to_strike", "days_fatality_to_directive"]  # NaN: no such answer


def same(x: float, y: float) -> bool:
    return (np.isnan(x) and np.isnan(y)) or x == y


@pytest.mark.parametrize(("scenario", "seed"), CASES)
def test_trace_totals_equal_the_trials_statistics(scenario, seed):
    r = sim.run(scenario, trials=16, days=DAYS, seed=seed, block_size=6)
    checked = 0
    for k in range(16):
        tr = r.trace(k)
        t = tr.totals()
        assert t["attacks"] == pytest.approx(r.per_trial("attacks_per_day")[k] * DAYS)
        assert t["us_strike_days"] == pytest.approx(r.per_trial("us_strikes_per_day")[k] * DAYS)
        for name in COUNTED:
            assert t[name] == r.per_trial(name)[k], (name, k)
        for name in DELAYS:
            assert same(t.get(name, np.nan), r.per_trial(name)[k]), (name, k)
        for g in r.groups:
            by_group = r.per_trial(f"attacks_per_day_by_group.{g}")[k] * DAYS
            assert t.get(f"attacks.{g}", 0.0) == pytest.approx(by_group), (g, k)
        # and the trace's own record of every metric is the run's, bit for bit
        assert set(tr.metrics) == set(r.metric_names())
        for name in r.metric_names():
            assert same(tr.metrics[name], r.per_trial(name)[k]), (name, k)
        checked += t["attacks"] > 0 and not np.isnan(t.get("days_fatality_to_strike", np.nan))
    assert checked > 4  # the comparison is not vacuous


def test_first_rung_days_and_strike_targets_match_the_run():
    r = sim.run("decapitation", trials=20, days=DAYS, seed=3)
    for k in range(20):
        t = r.trace(k)
        events = t.to_frame()
        for rung in range(1, 7):
            first = r.block.first_rung_day[rung, k]
            reached = events[(events.kind == "rung") & (events.rung >= rung)]
            assert (reached.day.min() if len(reached) else -1) == first, (k, rung)
        strikes = events[events.kind.isin(["strike", "mass_strike"])]
        assert set(strikes.target) <= set(r.groups)
        assert (strikes.text.str.contains("commander") == strikes.leader).all()
        assert len(t.rungs) == DAYS and t.rungs == sorted(t.rungs)


def test_a_directive_is_answered_by_every_group():
    t = trace("qaani_visit", trial=0, seed=1, days=5)
    frame = t.to_frame()
    directives = frame[frame.kind == "directive"]
    assert 2 in set(directives.day) and directives[directives.day == 2].forced.all()
    groups = list(sim.load_scenario("qaani_visit").spec.militias)
    answers = frame[(frame.day == 2) & frame.kind.isin(["obeys", "refuses"])]
    assert sorted(answers.actor) == sorted(groups)


def test_the_printed_story():
    text = str(trace("qaani_visit", trial=3, seed=2, days=10))
    lines = text.splitlines()
    assert lines[0] == "scenario qaani_visit, seed 2, trial 3: 10 days, " + lines[0].split(", ")[-1]
    assert "day 0" in lines and "day 2" in lines
    assert (
        "kataib_hezbollah: 1 attack on U.S. forces in Syria (3 killed, 40 wounded) [forced" in text
    )
    assert "Quds Force tells the groups to lie low [forced by the scenario]" in text
    assert lines[-1].startswith("totals: ")


def test_trace_is_the_same_trial_whatever_the_run_size():
    large = sim.run("qaani_visit", trials=1500, days=30, seed=9, block_size=700)
    for k in (0, 699, 700, 701, 1499):  # either side of the blocks' edges
        t = large.trace(k)
        for name in large.metric_names():
            assert same(t.metrics[name], large.per_trial(name)[k]), (name, k)
        assert t.totals()["attacks"] == pytest.approx(large.per_trial("attacks_per_day")[k] * 30)


def test_strike_targets_are_the_many_trial_models():
    sc = sim.load_scenario("decapitation")
    n, days = 12, 25
    model = EscalationModel(sc, n, 5, start=0, days=days)
    targets = []  # each day, each trial's target (-1: no strike)
    for _ in range(days):
        model.step()
        targets.append(model.us.target.copy())
    model.close()
    groups = list(sc.spec.militias)
    struck = 0
    for k in range(n):
        events = trace(sc, k, 5, days).to_frame()
        strikes = events[events.kind.isin(["strike", "mass_strike"])]
        expected = [(d, groups[t[k]]) for d, t in enumerate(targets) if t[k] >= 0]
        assert list(zip(strikes.day, strikes.target, strict=True)) == expected, k
        struck += len(expected)
    assert struck > 5


def test_cli_trace_prints_the_story_or_csv(capsys):
    assert main(["trace", "qaani_visit", "--trial", "3", "--seed", "2", "--days", "10"]) == 0
    assert capsys.readouterr().out == str(trace("qaani_visit", 3, 2, 10)) + "\n"
    assert (
        main(["trace", "qaani_visit", "--trial", "3", "--seed", "2", "--days", "10", "--csv"]) == 0
    )

    frame = pd.read_csv(StringIO(capsys.readouterr().out))
    forced = frame[frame.forced]
    assert forced.kind.iloc[0] == "attack" and forced.killed.iloc[0] == 3


@pytest.mark.parametrize("bad", [-1, 5])
def test_results_trace_refuses_a_trial_not_in_the_run(bad):
    r = sim.run("baseline", trials=5, days=5)
    with pytest.raises(sim.InputError, match="trial must be a whole number from 0 to 4"):
        r.trace(bad)


def test_cli_trace_bad_input(capsys):
    assert main(["trace", "nosuch", "--trial", "0"]) == 2
    assert "no shipped scenario named 'nosuch'" in capsys.readouterr().err
    assert main(["trace", "baseline", "--trial", str(2**64)]) == 2  # past the streams' counter
    assert "trial must be a whole number from 0 to 2**64 - 1" in capsys.readouterr().err


def test_results_trace_takes_numpy_indices():
    r = sim.run("qaani_visit", trials=20, days=8, seed=1)
    k = np.argmax(r.per_trial("attacks_per_day"))  # what a user would pass: a numpy integer
    assert r.trace(k).totals()["attacks"] == pytest.approx(r.per_trial("attacks_per_day")[k] * 8)


def test_trace_shows_itself_briefly_and_counts_in_words():
    t = trace("qaani_visit", 3, 0, 1)
    n = len(t.events)
    assert repr(t) == f"Trace(scenario='qaani_visit', seed=0, trial=3, days=1, events={n})"
    text = str(t)
    assert ": 1 day, " in text.splitlines()[0] and "1 U.S. strike days" not in text
    html = t._repr_html_()
    assert "<th>rung</th>" in html and "totals:" in html
    frame = t.to_frame()
    assert (frame[["scenario", "seed", "trial"]].iloc[0] == ["qaani_visit", "0", 3]).all()
    assert (frame.rung >= 0).all()  # the day's rung, never a placeholder


def test_long_trace_html_is_cut_with_a_note():
    t = trace("no_visit", 0, 0, 365)
    assert len(t.events) > HTML_ROWS
    html = t._repr_html_()
    assert html.count("<tr>") == HTML_ROWS + 1 and "more events: print() the trace" in html


def test_the_story_tells_issue_15s_decisions_in_words():
    """Deterrence, a withheld supply, a mass strike and Iran's answer, each in a sentence."""
    on = {f"mechanisms.{k}": True for k in ("deterrence", "sponsor_leverage", "deliberation")}
    sc = sim.load_scenario("qaani_visit").patched(on)
    text = str(trace(sc, trial=3, seed=1, days=60))
    assert "U.S.: decides on a mass retaliation, to come on day" in text
    assert "U.S.: mass retaliation: strikes kataib_hezbollah" in text
    assert "which defies the directive" in text and "Iran: withholds supplies from" in text
    assert "deterrence holds back" in text and "falls in line after all" in text
    hot = sim.load_scenario("decapitation").patched(
        {
            "mechanisms.iran_response": True,
            "params.iran_strike_gain.value": 0.2,
            "params.p_iran_proxy_response.value": 1.0,
            "params.p_iran_direct.value": 1.0,
        }
    )
    text = "\n".join(str(trace(hot, trial=k, seed=1, days=60)) for k in range(5))
    assert "Iran: answers through its proxies: restraint ends" in text
    assert "Iran: decides to strike U.S. forces directly on day" in text
    assert "Iran: strikes U.S. forces directly" in text
    assert "escalation reaches rung 9: Iran strikes U.S. forces: direct exchange" in text
