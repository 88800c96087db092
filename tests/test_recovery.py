"""Parameter recovery, small: the 90% intervals cover truths drawn from the prior."""

from dataclasses import replace

import numpy as np
from scipy import stats

from sim.calibration.loader import load_calibration
from sim.calibration.recovery import recovery, synthetic_record
from sim.runs.pool import executor

SMALL = """\
scenario: wave_2023
fit_until: 75
parameters:
  params.campaign_rate.value:
    prior: {lognormal: {median: 1.6, sd_log: 0.3}}
  params.p_attack_wounds.value:
    prior: {beta: [2, 30]}
observation:
  attacks: {dispersion: 10}
  injuries: {dispersion: 2}
  strikes: {dispersion: null}
  truce: gaza_truce
method: {particles: 300, replicates: 2, generations: 4, seed: 2}
"""
REPEATS = 8


def test_a_synthetic_record_reports_the_models_own_counts_on_the_real_days(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(SMALL)
    cal = load_calibration(path)
    with executor(1) as pool:
        rec = synthetic_record(cal, np.zeros(2), 0, pool)
    assert rec.series["attacks"].day.tolist() == cal.record.series["attacks"].day.tolist()
    cum = rec.series["attacks"].high
    assert (np.diff(cum) >= 0).all() and not rec.series["attacks"].stale.any()
    assert 30 < cum[-1] < 400  # about 1.6 attacks a day for 93 days, truce aside


def test_the_90_percent_intervals_cover_most_truths(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(SMALL)
    cal = load_calibration(path)
    with executor(1) as pool:
        table = recovery(cal, REPEATS, 3, pool)
    assert len(table) == 2 * REPEATS
    k, n = int(table["covered"].sum()), len(table)
    # at a true coverage of 90%, fewer than 10 of 16 has probability below 0.001
    assert stats.binom(n, 0.9).cdf(9) < 1e-3 and k >= 10, table
    campaign = table[table["quantity"] == "params.campaign_rate.value"]
    assert np.corrcoef(campaign["truth"], campaign["q50"])[0, 1] > 0.5  # it learns the rate
    assert replace(cal).record is cal.record  # the real record is left as it was
