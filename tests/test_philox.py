"""The counter-addressed generator gives numpy's own Philox numbers, bit for bit."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.core.philox import uniforms_at, uniforms_dense
from sim.model.escalation import EscalationModel
from sim.model.streams import DENSE_ABOVE, Streams

U64 = st.integers(0, 2**64 - 1)


def numpy_philox(key, step, draw, start, n):
    """What the streams drew before: numpy's generator at counter (start // 4, step, draw, 0)."""
    bitgen = np.random.Philox(
        key=np.array(key, dtype=np.uint64), counter=[start // 4, step, draw, 0]
    )
    pad = start % 4
    return np.random.Generator(bitgen).random(n + pad)[pad:]


@settings(max_examples=60, deadline=None)
@given(
    key=st.tuples(U64, U64),
    step=st.integers(0, 2**40),
    draw=st.integers(0, 2**20),
    start=st.integers(0, 2**50),
    n=st.integers(0, 70),
)
def test_dense_equals_numpy_philox(key, step, draw, start, n):
    np.testing.assert_array_equal(
        uniforms_dense(key, step, draw, start, n), numpy_philox(key, step, draw, start, n)
    )


@settings(max_examples=60, deadline=None)
@given(
    key=st.tuples(U64, U64),
    step=st.integers(0, 3650),
    start=st.integers(0, 10**9),
    picks=st.lists(st.integers(0, 99), max_size=40),
)
def test_numbers_at_any_trials_equal_the_full_draw(key, step, start, picks):
    whole = numpy_philox(key, step, 0, start, 100)
    trials = start + np.array(picks, dtype=np.int64)  # any order, repeats allowed
    np.testing.assert_array_equal(uniforms_at(key, step, 0, trials), whole[picks])


@pytest.mark.parametrize("copies", [1, 3])
@pytest.mark.parametrize("share", [0.02, 0.9])  # below and above the switch to a full draw
def test_streams_uniform_at_equals_uniform_at_those_lanes(copies, share):
    s = Streams(11, 1001, 400, copies)
    lanes = np.flatnonzero(np.random.default_rng(0).random(400 * copies) < share)
    assert (lanes.size > DENSE_ABOVE * 400) == (share > DENSE_ABOVE * 2)
    np.testing.assert_array_equal(s.uniform_at("x", 5, lanes), s.uniform("x", 5)[lanes])


def test_streams_count_the_numbers_the_model_uses():
    s = Streams(1, 0, 1000)
    s.uniform("a", 0)
    s.uniform_at("b", 0, np.arange(7))
    assert s.drawn == 1007


@pytest.mark.parametrize(
    "p", [0.0, 0.3, 1.0, np.array([0.0, 0.5, 1.0, 0.2] * 50)], ids=["0", "0.3", "1", "lanes"]
)
@pytest.mark.parametrize("with_among", [False, True])
def test_chance_is_uniform_below_p_among_lanes(p, with_among):
    m = EscalationModel(sim.load_scenario("baseline"), 200, 3, start=17)
    try:
        among = np.random.default_rng(1).random(200) < 0.4 if with_among else None
        expected = m.uniform("s", 9) < p
        if among is not None:
            expected &= among
        np.testing.assert_array_equal(m.chance("s", 9, np.asarray(p), among), expected)
    finally:
        m.close()
