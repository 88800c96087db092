import json
import math
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy.stats import binomtest

import sim
from sim.core.stats import estimate_mean, estimate_share, hist_quantiles, paired_difference
from sim.scenario.vocabulary import METRICS
from tests.helpers import REQUIRED_METRICS

REQUIRED = REQUIRED_METRICS


def test_estimate_mean_interval_and_percentiles():
    x = np.random.default_rng(0).normal(3.0, 2.0, 10_000)
    e = estimate_mean(x)
    assert e.mean == pytest.approx(x.mean())
    assert e.ci_high - e.mean == pytest.approx(1.96 * x.std(ddof=1) / 100, rel=1e-3)
    assert (e.p05, e.p50, e.p95) == pytest.approx(tuple(np.quantile(x, [0.05, 0.5, 0.95])))
    assert estimate_mean(np.array([np.nan, 1.0, 3.0])).n == 2
    assert math.isnan(estimate_mean(np.array([np.nan])).mean)


@pytest.mark.parametrize(("k", "n"), [(0, 100), (3, 100), (50, 100), (100, 100), (7, 12345)])
def test_wilson_interval_matches_scipy(k, n):
    ref = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    e = estimate_share(np.r_[np.ones(k), np.zeros(n - k)])
    assert e.mean == k / n
    assert (e.ci_low, e.ci_high) == pytest.approx((ref.low, ref.high), abs=1e-12)
    assert e.ci_low <= e.mean <= e.ci_high


def test_hist_quantiles_equal_numpy_inverted_cdf():
    rng = np.random.default_rng(2)
    values = rng.poisson(3.0, (5, 1000))
    hist = np.stack([np.bincount(v, minlength=20) for v in values])
    q = hist_quantiles(hist)
    expected = np.quantile(values, [0.05, 0.5, 0.95], axis=1, method="inverted_cdf").T
    np.testing.assert_array_equal(q, expected)


def test_paired_difference_uses_pairs():
    rng = np.random.default_rng(3)
    common = rng.normal(0, 10, 5000)
    a, b = common + 1.0, common + rng.normal(0, 0.1, 5000)
    d = paired_difference(a, b)
    assert d.ci_low < 1.0 < d.ci_high and d.ci_high - d.ci_low < 0.02


@pytest.fixture(scope="module")
def results():
    return sim.run("qaani_visit", trials=2000, days=40, seed=1)


def test_summary_has_every_metric_with_intervals(results):
    df = results.summary()
    for name in REQUIRED:
        assert name in df.index
    assert df.loc[["p_resume_90d", "p_resume_180d"], "n"].eq(0).all()  # 40 days: unknown
    df = df[df["n"] > 0]
    assert (df["ci_low"] <= df["mean"] + 1e-12).all() and (
        df["mean"] <= df["ci_high"] + 1e-12
    ).all()
    for g in results.groups:
        assert f"attacks_per_day_by_group.{g}" in df.index
    per_trial = df.loc["attacks_per_day"]
    assert per_trial.p05 <= per_trial.p50 <= per_trial.p95
    assert np.isnan(df.loc["p_us_fatality", "p50"])  # probabilities have no percentiles


def test_group_rates_add_up_to_the_total(results):
    total = sum(results.per_trial(f"attacks_per_day_by_group.{g}") for g in results.groups)
    np.testing.assert_allclose(total, results.per_trial("attacks_per_day"))


def test_json_summary_shape(results):
    data = json.loads(json.dumps(results.to_json_dict(), allow_nan=False))
    for name in REQUIRED:
        assert {"mean", "ci_low", "ci_high"} <= set(data[name])
    assert {"p05", "p50", "p95"} <= set(data["attacks_per_day"])
    assert set(data["attacks_per_day_by_group"]) == set(results.groups)


def test_daily_series(results):
    d = results.daily()
    assert len(d) == 40
    for s, kind in (
        ("attacks", "avg7"),
        ("us_strikes", "avg7"),
        ("us_killed", "cum"),
        ("us_wounded", "cum"),
    ):
        lo, mid, hi = (d[f"{s}_{kind}_{q}"] for q in ("p05", "p50", "p95"))
        assert (lo <= mid).all() and (mid <= hi).all()
    rung_cols = [c for c in d.columns if c.startswith("rung_")]
    np.testing.assert_allclose(d[rung_cols].sum(axis=1), 1.0)
    np.testing.assert_allclose(
        d.attacks_mean.sum() / 40, results.summary().loc["attacks_per_day", "mean"]
    )
    np.testing.assert_allclose(d.attacks_compliant_mean + d.attacks_holdout_mean, d.attacks_mean)
    # partial windows in the first week: the 7-day average of day 0 is day 0's own mean
    assert d.attacks_avg7_mean.iloc[0] == pytest.approx(d.attacks_mean.iloc[0])
    np.testing.assert_allclose(d.attacks_avg7_mean.iloc[10], d.attacks_mean.iloc[4:11].mean())
    # the band's middle follows the mean: on day 0 the forced attack plus the campaign
    assert d.attacks_avg7_p05.iloc[0] <= d.attacks_mean.iloc[0] <= d.attacks_avg7_p95.iloc[0]
    # running totals never fall, and the forced day-0 deaths are in every trial
    assert (np.diff(d.us_killed_cum_p50) >= 0).all() and d.us_killed_cum_p05.iloc[0] == 3
    np.testing.assert_allclose(
        d.us_killed_cum_mean.iloc[-1], results.summary().loc["us_killed", "mean"]
    )


def test_rungs_table(results):
    r = results.rungs()
    assert list(r.index) == list(range(10))
    assert (np.diff(r.p_reached) <= 1e-12).all()  # reaching k or higher gets rarer with k
    assert r.loc[4, "p_reached"] == 1.0 and r.loc[4, "days_p95"] == 0  # the forced deaths
    assert r.loc[0, "n_reached"] == results.trials
    max_rung = results.per_trial("max_rung")
    assert r.loc[5, "p_reached"] == pytest.approx((max_rung >= 5).mean())


def test_figure_is_a_matplotlib_figure_without_pyplot(results):
    fig = results.figure()
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 4
    sim_dir = Path(sim.__file__).parent
    assert not [p for p in sim_dir.glob("*.py") if "pyplot" in p.read_text()]


def test_report_shows_a_metric_no_trial_defines_as_a_dash_with_a_footer(results):
    # 40 days watch no directive for 90 days: p_resume_90d is defined in no trial
    undefined = results.summary()["n"] == 0
    assert undefined["p_resume_90d"] and not undefined["attacks_per_day"]
    lines = results.report().splitlines()
    row = next(line for line in lines if line.startswith("p_resume_90d "))
    assert row.split() == ["p_resume_90d", "—"]
    assert "nan" not in results.report()
    footer = lines[lines.index(next(x for x in lines if x.startswith("—: defined in no trial"))) :]
    named = {line.split(":")[0].strip() for line in footer[1:]}
    assert named == set(undefined[undefined].index)  # each dash explained, and only those
    assert f"  p_resume_90d: {METRICS['p_resume_90d']}" in footer
    longer = sim.run("qaani_visit", trials=200, days=200, seed=1)
    assert (longer.summary()["n"] > 0).all()
    assert "—: defined in no trial" not in longer.report()


def test_report_prints_a_dash_for_the_interval_of_a_metric_one_trial_defines():
    one = sim.run("baseline", trials=3, days=60, seed=4)
    counts = one.summary()["n"]
    single = counts[counts == 1].index
    assert len(single), counts  # the seed gives a metric defined in exactly one trial
    row = next(line for line in one.report().splitlines() if line.startswith(f"{single[0]} "))
    assert "nan" not in row and row.split()[2] == "—"
