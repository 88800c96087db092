"""Forecast scoring: CRPS, interval coverage, the held-out targets and the naive baselines."""

import numpy as np
import pytest
from scipy import stats

from sim.calibration.baselines import (
    BRANCHING,
    Baseline,
    daily_exposure,
    fit_hawkes,
    fit_poisson,
)
from sim.calibration.forecast import covered, crps, held_out
from sim.calibration.record import load_record
from sim.core.errors import InputError


def test_crps_of_normal_samples_matches_the_closed_form():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200_000, 1))
    y = np.array([0.7])
    z = y[0]  # Gneiting & Raftery (2007): CRPS(N(0,1), y) = y(2F(y)-1) + 2f(y) - 1/sqrt(pi)
    exact = z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi)
    assert crps(x, y)[0] == pytest.approx(exact, abs=4 * 0.6 / np.sqrt(200_000))


def test_crps_equals_the_brute_force_pairwise_formula():
    rng = np.random.default_rng(1)
    x = rng.poisson(5, size=(300, 3)).astype(float)
    y = np.array([2.0, 5.0, 11.0])
    brute = [
        np.abs(x[:, j] - y[j]).mean() - 0.5 * np.abs(x[:, j, None] - x[None, :, j]).mean()
        for j in range(3)
    ]
    np.testing.assert_allclose(crps(x, y), brute, rtol=1e-12)
    assert covered(x, np.array([5.0, 5.0, 30.0]), 0.9).tolist() == [1.0, 1.0, 0.0]


def test_the_held_out_targets_are_january_counted_from_the_last_training_report():
    attacks, strikes = held_out(load_record(), 75, "gaza_truce")
    assert attacks.origin == 65 and attacks.days.tolist() == [79, 84, 93]
    assert attacks.observed.tolist() == [117 - 102, 127 - 102, 140 - 102]
    assert strikes.origin == 75 and strikes.days.tolist() == [79, 84, 93, 102]
    assert strikes.observed.tolist() == [1, 2, 2, 3]


def test_the_poisson_rate_skips_the_quiet_days():
    exposure = daily_exposure(20, [(5, 9)])
    assert exposure.sum() == 15
    iv = (np.array([-1, 9]), np.array([9, 19]), np.array([10, 20]))
    assert fit_poisson(iv, exposure).mu == pytest.approx(30 / 15)


def test_the_hawkes_fit_finds_self_excitation_in_a_self_exciting_series():
    truth = Baseline("hawkes", mu=0.5, alpha=0.6, delta=0.7, state=0.0, last_count=0.0)
    rng = np.random.default_rng(3)
    daily = np.diff(truth.simulate(3000, 1, rng)[0], prepend=0)
    days = np.arange(3000)
    iv = (days - 1, days, daily)
    fit = fit_hawkes(iv, np.ones(3000))
    assert fit.alpha == pytest.approx(0.6, abs=0.1) and fit.delta == pytest.approx(0.7, abs=0.15)
    assert fit.mu / (1 - fit.alpha) == pytest.approx(daily.mean(), rel=0.1)
    flat = rng.poisson(1.25, 3000)
    assert fit_hawkes((days - 1, days, flat), np.ones(3000)).alpha < 0.15


def test_from_totals_alone_the_hawkes_keeps_the_literature_branching_and_fits_the_totals():
    exposure = daily_exposure(66, [(38, 45)])
    days = np.array([7, 13, 20, 28, 35, 51, 57, 65])
    cum = np.array([13, 23, 38, 55, 66, 80, 97, 102])
    iv = (np.r_[-1, days[:-1]], days, np.diff(cum, prepend=0))
    fit = fit_hawkes(iv, exposure)
    assert fit.alpha == BRANCHING
    rate = fit.mu / (1 - fit.alpha)  # the long-run daily rate of the fitted process
    assert rate == pytest.approx(102 / exposure.sum(), rel=0.25)


def test_held_out_targets_need_reports_on_both_sides_of_the_cut():
    with pytest.raises(InputError, match="both on or before day 95 and after"):
        held_out(load_record(), 95, "gaza_truce")
