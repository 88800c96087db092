import numpy as np
import pytest
from scipy import stats

from sim.model.draws import casualties, categorical, pareto_count, poisson, uniform_int
from sim.model.streams import Streams
from sim.model.trailing import Trailing
from tests.helpers import Z


def test_block_split_gives_identical_numbers():
    whole = Streams(7, 0, 1000).uniform("a", 3)
    parts = np.concatenate(
        [Streams(7, s, n).uniform("a", 3) for s, n in [(0, 1), (1, 332), (333, 667)]]
    )
    np.testing.assert_array_equal(whole, parts)


def test_streams_are_independent_of_each_other_and_of_days_and_seeds():
    s = Streams(7, 0, 20000)
    a, b = s.uniform("a", 0), s.uniform("b", 0)
    assert not np.array_equal(a, b)
    assert abs(np.corrcoef(a, b)[0, 1]) < 4 / np.sqrt(20000)
    assert not np.array_equal(a, s.uniform("a", 1))
    assert not np.array_equal(a, s.uniform("a", 0, draw=1))
    assert not np.array_equal(a, Streams(8, 0, 20000).uniform("a", 0))
    # asking for another stream first does not change this one (named, not sequential)
    np.testing.assert_array_equal(a, Streams(7, 0, 20000).uniform("a", 0))


def test_uniforms_are_uniform():
    u = Streams(1, 0, 50000).uniform("x", 0)
    assert ((u >= 0) & (u < 1)).all()
    assert stats.kstest(u, "uniform").pvalue > 0.001


@pytest.mark.parametrize("lam", [0.05, 0.7, 3.0])
def test_poisson_by_inversion_matches_poisson(lam):
    n = 100_000
    k = np.zeros(n, dtype=np.int64)
    lanes, counts = poisson(np.random.default_rng(0).random(n), lam)
    k[lanes] = counts
    assert (counts > 0).all()
    se = np.sqrt(lam / n)
    assert abs(k.mean() - lam) < 4 * se
    observed = np.bincount(k, minlength=12)[:12]
    expected = stats.poisson.pmf(np.arange(12), lam) * n
    keep = expected > 5
    chi2 = ((observed[keep] - expected[keep]) ** 2 / expected[keep]).sum()
    assert stats.chi2.sf(chi2, keep.sum() - 1) > 0.001


def test_poisson_with_zero_rate_is_zero():
    lanes, counts = poisson(np.random.default_rng(0).random(100), 0.0)
    assert lanes.size == counts.size == 0


def test_pareto_count_tail_and_cap():
    n = 200_000
    x = pareto_count(np.random.default_rng(1).random(n), 1.5, 30)
    assert x.min() >= 1 and x.max() <= 30
    for k in (2, 3, 5):
        p = (x >= k).mean()
        assert abs(p - k**-1.5) < Z * 2 * np.sqrt(p * (1 - p) / n)


def test_categorical_frequencies():
    n = 100_000
    w = np.tile(np.array([[1.0], [3.0], [0.0], [6.0]]), (1, n))
    idx = categorical(np.random.default_rng(2).random(n), w)
    freq = np.bincount(idx, minlength=4) / n
    for f, p in zip(freq, [0.1, 0.3, 0.0, 0.6], strict=True):
        assert abs(f - p) <= 4 * np.sqrt(p * (1 - p) / n) + 1e-12


def test_uniform_int_covers_range_evenly():
    n = 60_000
    v = uniform_int(np.random.default_rng(3).random(n), 1, 3)
    assert set(np.unique(v)) == {1, 2, 3}
    for c in np.bincount(v)[1:]:
        assert abs(c / n - 1 / 3) < 4 * np.sqrt(2 / 9 / n)


@pytest.mark.parametrize("horizons", [(7,), (7, 30), (1, 7), (2,)])
def test_window_sums_equal_brute_force(horizons):
    xs = np.random.default_rng(0).integers(0, 5, (80, 3))
    w = Trailing((3,), horizons)
    for t in range(80):
        w.today += xs[t]
        for k in horizons:
            np.testing.assert_array_equal(w.last(k), xs[max(0, t - k + 1) : t + 1].sum(axis=0))
        w.end_day()
    np.testing.assert_array_equal(w.total, xs.sum(axis=0))


def test_casualties_probability_and_size():
    n = 400_000
    rng = np.random.default_rng(4)
    attacks = rng.integers(0, 3, n)
    hurt = casualties(rng.random(n), attacks, 0.1, 1.5, 30)
    assert (hurt[attacks == 0] == 0).all()
    for a in (1, 2):
        lanes = attacks == a
        p = 1 - 0.9**a
        share = (hurt[lanes] > 0).mean()
        assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / lanes.sum())
    sizes = hurt[hurt > 0]
    q = (sizes >= 3).mean()  # given a hit, P(at least 3 hurt) = 3 ** -1.5
    assert abs(q - 3**-1.5) < 4 * np.sqrt(q * (1 - q) / sizes.size)
