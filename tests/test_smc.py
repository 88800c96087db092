"""ABC-SMC against problems whose posterior is known."""

import numpy as np
import pytest
from scipy import stats
from scipy.special import ndtr

from sim.calibration.smc import (
    Settings,
    first_generation,
    kernel_cholesky,
    mixture_log_density,
    next_generation,
)
from sim.core.stats import weighted_quantiles

# a Poisson rate with a gamma prior: 2 counts (so the prior weighs as much as the data, and
# a weight that forgot the proposal density would show), the posterior is gamma(a + sum, b + n)
A, B, N = 2.0, 1.0, 2
COUNTS = np.random.default_rng(1).poisson(3.0, N)
PRIOR = stats.gamma(A, scale=1 / B)
EXACT = stats.gamma(A + COUNTS.sum(), scale=1 / (B + N))


def _toy(settings):
    def simulate(z, generation):
        lam = PRIOR.ppf(ndtr(z[:, 0]))
        rng = np.random.default_rng([settings.seed, generation, 1])
        sims = rng.poisson(N * lam[:, None], (z.shape[0], settings.replicates))
        return np.abs(sims - COUNTS.sum()).astype(float)  # the sum is sufficient

    gens = [first_generation(1, settings, simulate)]
    while gens[-1].epsilon > 0 and len(gens) < settings.generations:
        gens.append(next_generation(gens[-1], settings, simulate))
    return gens


def test_the_posterior_of_a_poisson_rate_matches_the_gamma_posterior():
    s = Settings(particles=10_000, replicates=1, generations=10, quantile=0.3, seed=5)
    gens = _toy(s)
    g = gens[-1]
    assert g.epsilon == 0  # exact matches of the sufficient statistic: the exact posterior
    lam = PRIOR.ppf(ndtr(g.z[:, 0]))
    mean = np.sum(g.weights * lam)
    sd = np.sqrt(np.sum(g.weights * (lam - mean) ** 2))
    se = EXACT.std() / np.sqrt(g.ess)  # Monte Carlo error of a weighted mean
    assert abs(mean - EXACT.mean()) < 4 * se
    assert abs(sd - EXACT.std()) < 4 * EXACT.std() / np.sqrt(2 * g.ess)
    q05, q95 = weighted_quantiles(lam, g.weights, (0.05, 0.95))
    assert q05 < EXACT.ppf(0.05) + 6 * se and q95 > EXACT.ppf(0.95) - 6 * se
    assert [x.epsilon for x in gens] == sorted((x.epsilon for x in gens), reverse=True)


def test_the_same_seed_gives_the_same_populations_and_another_seed_does_not():
    s = Settings(particles=500, replicates=2, generations=3, seed=9)
    a, b = _toy(s), _toy(s)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x.z, y.z)
        np.testing.assert_array_equal(x.weights, y.weights)
    c = _toy(Settings(particles=500, replicates=2, generations=3, seed=10))
    assert not np.array_equal(a[-1].z, c[-1].z)


def test_the_kernel_mixture_density_is_the_sum_of_gaussians():
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(30, 3))
    w = rng.random(30)
    w /= w.sum()
    chol = kernel_cholesky(centers, w)
    z = rng.normal(size=(7, 3))
    cov = chol @ chol.T
    expected = np.log(
        sum(wj * stats.multivariate_normal(c, cov).pdf(z) for wj, c in zip(w, centers, strict=True))
    )
    np.testing.assert_allclose(mixture_log_density(z, centers, w, chol), expected, rtol=1e-10)
    ess = w.sum() ** 2 / (w**2).sum()
    h2 = (ess * 5 / 4) ** (-2 / 7)  # Silverman's bandwidth squared, d = 3
    weighted = np.cov(centers, rowvar=False, aweights=w)
    np.testing.assert_allclose(cov, h2 * weighted + 1e-9 * np.eye(3))


def test_weighted_quantiles_of_equal_weights_are_the_order_statistics():
    x = np.array([5.0, 1.0, 3.0, 2.0, 4.0])
    assert weighted_quantiles(x, np.ones(5), (0.2, 0.6, 1.0)).tolist() == [1.0, 3.0, 5.0]
    assert weighted_quantiles(x, np.array([0, 0, 0, 0, 1.0]), (0.5,)).tolist() == [4.0]


def test_pyabc_on_the_same_problem_agrees_with_this_method_and_the_exact_posterior(tmp_path):
    pyabc = pytest.importorskip("pyabc")  # an optional comparison: pip install pyabc
    import logging  # noqa: PLC0415 - only when pyabc is there

    logging.getLogger("ABC").setLevel(logging.WARNING)
    rng = np.random.default_rng(11)
    total = int(COUNTS.sum())
    abc = pyabc.ABCSMC(
        lambda p: {"s": rng.poisson(N * p["lam"])},
        pyabc.Distribution(lam=pyabc.RV("gamma", A, scale=1 / B)),
        lambda x, y: abs(x["s"] - y["s"]),
        population_size=2000,
        sampler=pyabc.sampler.SingleCoreSampler(),
        eps=pyabc.epsilon.QuantileEpsilon(alpha=0.3),
    )
    abc.new(f"sqlite:///{tmp_path / 'abc.db'}", {"s": total})
    history = abc.run(minimum_epsilon=0, max_nr_populations=10)
    frame, w = history.get_distribution(m=0, t=history.max_t)
    lam = frame["lam"].to_numpy()
    w = w / w.sum()
    mean = np.sum(w * lam)
    ess = 1 / np.sum(w**2)
    assert abs(mean - EXACT.mean()) < 4 * EXACT.std() / np.sqrt(ess)
    ours = _toy(Settings(particles=10_000, replicates=1, generations=10, quantile=0.3, seed=5))
    g = ours[-1]
    ours_lam = PRIOR.ppf(ndtr(g.z[:, 0]))
    se = EXACT.std() * np.sqrt(1 / ess + 1 / g.ess)  # the two estimates' Monte Carlo error
    assert abs(np.sum(g.weights * ours_lam) - mean) < 4 * se
