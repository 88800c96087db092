import json
import math
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.stats import estimate_mean, estimate_share, hist_quantiles, paired_difference

REQUIRED = [
    "attacks_per_day",
    "us_strikes_per_day",
    "p_us_fatality",
    "p_leadership_strike",
    "p_strike_on_iran",
    "max_rung",
    "longest_lull_days",
    "days_directive_to_last_compliant_attack",
    "days_fatality_to_strike",
    "p_withdrawal_agreement",
]


def test_estimate_mean_interval_and_percentiles():
    x = np.random.default_rng(0).normal(3.0, 2.0, 10_000)
    e = estimate_mean(x)
    assert e.mean == pytest.approx(x.mean())
    assert e.ci_high - e.mean == pytest.approx(1.96 * x.std(ddof=1) / 100, rel=1e-3)
    assert (e.p05, e.p50, e.p95) == pytest.approx(tuple(np.quantile(x, [0.05, 0.5, 0.95])))
    assert estimate_mean(np.array([np.nan, 1.0, 3.0])).n == 2
    assert math.isnan(estimate_mean(np.array([np.nan])).mean)


def test_wilson_interval_covers_the_truth_about_95_percent():
    rng = np.random.default_rng(1)
    p, n, reps = 0.03, 400, 2000
    hits = sum(
        (lambda e: e.ci_low <= p <= e.ci_high)(estimate_share((rng.random(n) < p).astype(float)))
        for _ in range(reps)
    )
    cover = hits / reps
    assert abs(cover - 0.95) < 4 * math.sqrt(0.95 * 0.05 / reps) + 0.01  # Wilson is near-nominal
    e = estimate_share(np.zeros(100))
    assert e.mean == 0 and e.ci_low == 0 and 0 < e.ci_high < 0.05


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
    for s in ("attacks", "us_strikes", "us_killed", "us_wounded"):
        assert (d[f"{s}_p05"] <= d[f"{s}_p50"]).all() and (d[f"{s}_p50"] <= d[f"{s}_p95"]).all()
    rung_cols = [c for c in d.columns if c.startswith("rung_")]
    np.testing.assert_allclose(d[rung_cols].sum(axis=1), 1.0)
    np.testing.assert_allclose(
        d.attacks_mean.sum() / 40, results.summary().loc["attacks_per_day", "mean"]
    )
    np.testing.assert_allclose(d.attacks_compliant_mean + d.attacks_holdout_mean, d.attacks_mean)
    # cumulative killed never falls, and the forced day-0 deaths are in every trial
    assert (np.diff(d.us_killed_p50) >= 0).all() and d.us_killed_p05.iloc[0] == 3


def test_figure_is_a_matplotlib_figure_without_pyplot(results):
    from matplotlib.figure import Figure

    fig = results.figure()
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 4
    sim_dir = Path(sim.__file__).parent
    assert not [p for p in sim_dir.glob("*.py") if "pyplot" in p.read_text()]
