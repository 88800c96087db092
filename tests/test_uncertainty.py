"""Declared uncertainty: parsing, checks against units, quantiles against scipy's, draws."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from scipy import stats

from sim.scenario.schema import UNIT_BOUNDS
from sim.scenario.uncertainty import (
    ARGUMENTS,
    Uncertainty,
    check_fits,
    check_point,
    draw,
    ppf,
    support,
)

Q = np.concatenate([[0.0, 1e-12, 1e-6, 0.001], np.linspace(0.01, 0.99, 99), [0.999, 1 - 1e-9]])


def u(data: object) -> Uncertainty:
    return Uncertainty.model_validate(data)


# --- quantiles against scipy's own ----------------------------------------------------------

PLAIN = [
    ({"uniform": [2, 5]}, stats.uniform(loc=2, scale=3)),
    ({"uniform": {"low": -1.5, "high": 0.5}}, stats.uniform(loc=-1.5, scale=2)),
    ({"loguniform": [0.1, 10]}, stats.loguniform(0.1, 10)),
    ({"loguniform": {"low": 1e-4, "high": 1e-2}}, stats.loguniform(1e-4, 1e-2)),
    ({"normal": {"mean": 1.0, "sd": 2.0}}, stats.norm(loc=1, scale=2)),
    ({"normal": [-3, 0.1]}, stats.norm(loc=-3, scale=0.1)),
    ({"lognormal": {"median": 1.8, "sd_log": 0.2}}, stats.lognorm(0.2, scale=1.8)),
    ({"lognormal": [0.003, 1.5]}, stats.lognorm(1.5, scale=0.003)),
    ({"beta": [30, 1]}, stats.beta(30, 1)),
    ({"beta": {"a": 0.5, "b": 0.5}}, stats.beta(0.5, 0.5)),
    ({"beta": {"a": 2, "b": 3, "low": 1, "high": 4}}, stats.beta(2, 3, loc=1, scale=3)),
    ({"beta": {"a": 2, "b": 3, "high": 0.5}}, stats.beta(2, 3, loc=0, scale=0.5)),
    ({"gamma": {"shape": 2, "scale": 0.5}}, stats.gamma(2, scale=0.5)),
    ({"gamma": [0.3, 10]}, stats.gamma(0.3, scale=10)),
    ({"triangular": [0, 1, 4]}, stats.triang(0.25, loc=0, scale=4)),
    ({"triangular": {"low": 2, "mode": 2, "high": 3}}, stats.triang(0.0, loc=2, scale=1)),
    ({"triangular": [2, 3, 3]}, stats.triang(1.0, loc=2, scale=1)),
]


@pytest.mark.parametrize(("data", "dist"), PLAIN, ids=[str(d) for d, _ in PLAIN])
def test_quantiles_are_scipys(data, dist):
    x = ppf(u(data), Q)
    assert x.dtype == np.float64 and x.shape == Q.shape
    np.testing.assert_allclose(x, dist.ppf(Q), rtol=1e-12, atol=0)
    np.testing.assert_array_equal(ppf(u(data), Q.reshape(3, -1)), x.reshape(3, -1))


def test_every_distribution_is_tested():
    assert {next(iter(d)) for d, _ in PLAIN} | {"choice"} == set(ARGUMENTS)


def test_scalar_quantile_and_q_outside_unit_interval():
    assert ppf(u({"uniform": [0, 2]}), 0.25) == pytest.approx(0.5)
    for bad in ([-0.1], [1.5], [np.nan]):
        with pytest.raises(ValueError, match=r"quantiles must be in \[0, 1\]"):
            ppf(u({"uniform": [0, 2]}), np.array(bad))


# --- truncation ---------------------------------------------------------------------------


def truncated_cdf(dist, x, lo, hi):
    return (dist.cdf(x) - dist.cdf(lo)) / (dist.cdf(hi) - dist.cdf(lo))


TRUNCATED = [
    ({"normal": {"mean": 0.5, "sd": 0.3, "low": 0, "high": 1}}, stats.norm(0.5, 0.3), 0, 1),
    ({"normal": {"mean": 0.9, "sd": 0.2, "high": 1}}, stats.norm(0.9, 0.2), -np.inf, 1),
    ({"normal": {"mean": 0.0, "sd": 1.0, "low": 0.5}}, stats.norm(0, 1), 0.5, np.inf),
    ({"lognormal": {"median": 1.8, "sd_log": 0.5, "high": 3}}, stats.lognorm(0.5, scale=1.8), 0, 3),
    (
        {"lognormal": {"median": 1.8, "sd_log": 0.5, "low": 1, "high": 2}},
        stats.lognorm(0.5, scale=1.8),
        1,
        2,
    ),
    ({"gamma": {"shape": 2, "scale": 1, "low": 1, "high": 3}}, stats.gamma(2), 1, 3),
    ({"gamma": {"shape": 2, "scale": 1, "high": 0.5}}, stats.gamma(2), 0, 0.5),
]


@pytest.mark.parametrize(
    ("data", "dist", "lo", "hi"), TRUNCATED, ids=[str(t[0]) for t in TRUNCATED]
)
def test_truncation_stays_inside_and_matches_scipys_truncated_cdf(data, dist, lo, hi):
    x = ppf(u(data), Q)
    assert np.all((x >= lo) & (x <= hi)) and np.all(np.diff(x) >= 0)
    np.testing.assert_allclose(truncated_cdf(dist, x, lo, hi), Q, rtol=1e-9, atol=1e-12)
    ends = ppf(u(data), np.array([0.0, 1.0]))
    assert ends[0] == max(lo, support(u(data))[0]) and ends[1] == hi


def test_truncated_normal_is_scipys_truncnorm():
    x = ppf(u({"normal": {"mean": 0.2, "sd": 0.5, "low": 0, "high": 1}}), Q)
    np.testing.assert_allclose(x, stats.truncnorm(-0.4, 1.6, loc=0.2, scale=0.5).ppf(Q), rtol=1e-12)


def test_truncation_far_in_a_tail_keeps_its_precision():
    x = ppf(u({"gamma": {"shape": 2, "scale": 1, "low": 30, "high": 40}}), Q)  # P ~ 1e-12
    g = stats.gamma(2)
    assert np.all((x >= 30) & (x <= 40))
    np.testing.assert_allclose((g.sf(30) - g.sf(x)) / (g.sf(30) - g.sf(40)), Q, atol=1e-9)
    y = ppf(u({"normal": {"mean": 0, "sd": 1, "low": 20}}), Q)  # P ~ 1e-89
    assert np.all(np.isfinite(y) & (y >= 20)) and np.all(np.diff(y) >= 0)


bounds = st.floats(-5, 5).flatmap(lambda lo: st.tuples(st.just(lo), st.floats(lo + 0.01, lo + 6)))


@settings(max_examples=60, deadline=None)
@given(
    st.floats(-3, 3),
    st.floats(0.01, 5),
    bounds,
    st.lists(st.floats(0, 1), min_size=1, max_size=20),
)
def test_truncated_draws_always_inside_their_bounds(mean, sd, lohi, qs):
    lo, hi = lohi
    q = np.sort(np.array(qs))
    for data in (
        {"normal": {"mean": mean, "sd": sd, "low": lo, "high": hi}},
        {"lognormal": {"median": math.exp(mean), "sd_log": sd, "low": lo + 5, "high": hi + 5}},
        {"gamma": {"shape": sd, "scale": math.exp(mean), "low": lo + 5, "high": hi + 5}},
    ):
        try:
            x = draw(u(data), q, whole=False)
        except ValidationError as err:  # a window with no probability at all is refused
            assert "has no probability" in str(err)
            continue
        s_lo, s_hi = support(u(data))
        assert np.all((x >= s_lo) & (x <= s_hi)) and np.all(np.diff(x) >= 0)


# --- choice -------------------------------------------------------------------------------


def test_choice_frequencies_follow_the_weights():
    n = 10_000
    q = (np.arange(n) + 0.5) / n
    x = ppf(u({"choice": {"values": [3, 1, 2, 9], "weights": [1, 2, 1, 0]}}), q)
    assert np.all(np.diff(x) >= 0)  # an inverse CDF: values in increasing order
    values, counts = np.unique(x, return_counts=True)
    assert values.tolist() == [1, 2, 3]  # a value of weight 0 is never drawn
    np.testing.assert_allclose(counts / n, [0.5, 0.25, 0.25], atol=1 / n)
    y = ppf(u({"choice": [0.1, 0.2, 0.4]}), q)  # the list form: equal weights
    np.testing.assert_allclose(np.unique(y, return_counts=True)[1] / n, [1 / 3] * 3, atol=1 / n)
    assert ppf(u({"choice": {"values": [1, 5], "weights": [1, 0]}}), np.array([1.0]))[0] == 1
    # each value holds a half-open share [c_(i-1), c_i) of [0, 1), as a uniform in [0, 1) does
    edges = ppf(u({"choice": [2, 1]}), np.array([0.0, 0.5 - 2**-53, 0.5, 1 - 2**-53]))
    assert edges.tolist() == [1, 1, 2, 2]
    huge = u({"choice": {"values": [1, 2], "weights": [1e308, 1e308]}})  # a sum that overflows
    assert ppf(huge, np.array([0.25, 0.75])).tolist() == [1, 2]


# --- bad input: one sentence each ---------------------------------------------------------

BAD = [
    ({"betta": [1, 2]}, "unknown distribution 'betta' (did you mean 'beta'?); one of: uniform"),
    ({"lognormall": [1, 2]}, "(did you mean 'lognormal'?)"),
    ({"weibull": [1, 2]}, "unknown distribution 'weibull'; one of: uniform, loguniform, normal"),
    ({"beta": [1]}, "a beta list has 2 numbers (a, b), got 1; give low and high by name"),
    ({"triangular": [0, 1]}, "a triangular list has 3 numbers (low, mode, high), got 2"),
    ({"uniform": [0, 1, 2]}, "a uniform list has 2 numbers (low, high), got 3"),
    ({"normal": {"mean": 0}}, "a normal needs sd"),
    ({"gamma": {}}, "a gamma needs shape and scale"),
    ({"normal": {"mean": 0, "sd": 1, "hihg": 2}}, "not 'hihg' (did you mean 'high'?)"),
    ({"uniform": {"low": 0, "high": 1, "mode": 0.5}}, "a uniform takes low, high, not 'mode'"),
    ({"normal": {"mean": 0, "sd": -1}}, "the sd of a normal must be above 0, got -1"),
    ({"lognormal": {"median": 0, "sd_log": 1}}, "the median of a lognormal must be above 0"),
    ({"beta": [0, 1]}, "the a of a beta must be above 0, got 0"),
    ({"gamma": [2, -1]}, "the scale of a gamma must be above 0, got -1"),
    ({"loguniform": [0, 1]}, "the low of a loguniform must be above 0, got 0"),
    ({"uniform": [1, 1]}, "the low of a uniform must be below its high, got [1, 1]"),
    ({"normal": {"mean": 0, "sd": 1, "low": 2, "high": 1}}, "below its high, got [2, 1]"),
    ({"beta": {"a": 1, "b": 1, "low": 2}}, "the low of a beta must be below its high, got [2, 1]"),
    ({"triangular": [0, 2, 1]}, "the mode of a triangular must be in [0, 1], got 2"),
    ({"choice": {"values": [1, 2, 3], "weights": [1, 1]}}, "a choice has 3 values but 2 weights"),
    ({"choice": {"values": [1, 2], "weights": [1, -1]}}, "weights must be >= 0, not all 0"),
    ({"choice": {"values": [1, 2], "weights": [0, 0]}}, "got [0, 0]"),
    ({"choice": []}, "the values of a choice must be a list of numbers, got list []"),
    ({"choice": {"weights": [1]}}, "a choice needs values"),
    ({"beta": [math.nan, 1]}, "the a of a beta must be a finite number, got nan"),
    ({"normal": {"mean": math.inf, "sd": 1}}, "the mean of a normal must be a finite number"),
    ({"beta": [10**400, 1]}, "the a of a beta must be a finite number, got inf"),
    ({"beta": ["30", 1]}, "the a of a beta must be a number, got text '30'"),
    ({"beta": [True, 1]}, "got true (a boolean)"),
    ({"choice": [1, None]}, "the values of a choice must be a number, got NoneType None"),
    ({"beta": 30}, "a beta takes a list [a, b] or a mapping, got int 30"),
    ({}, "an uncertainty is one distribution, e.g. {beta: [30, 1]}, got 0"),
    ({"beta": [1, 1], "normal": [0, 1]}, "got 2: beta, normal"),
    (0.97, "an uncertainty is one distribution, e.g. {beta: [30, 1]}, got float 0.97"),
    ({"normal": {"mean": 0, "sd": 1, "low": 50}}, "a normal has no probability in [50, inf]"),
    ({"gamma": {"shape": 2, "scale": 1, "low": 1e4}}, "a gamma has no probability in [10000"),
    ({"lognormal": {"median": 1, "sd_log": 1, "high": 0}}, "a lognormal has no probability"),
]


@pytest.mark.parametrize(("data", "message"), BAD, ids=[str(d)[:50] for d, _ in BAD])
def test_bad_input_is_one_clear_sentence(data, message):
    with pytest.raises(ValidationError) as exc:
        Uncertainty.model_validate(data)
    (error,) = exc.value.errors()
    reason = error["msg"].removeprefix("Value error, ")
    assert message in reason
    assert "\n" not in reason


def test_a_field_of_another_model_reports_its_path():
    class Param(BaseModel):
        value: float
        uncertainty: Uncertainty | None = None

    p = Param.model_validate({"value": 0.97, "uncertainty": {"beta": [30, 1]}})
    assert p.uncertainty == u({"beta": [30, 1]})
    assert Param(value=1, uncertainty=p.uncertainty).uncertainty is p.uncertainty
    with pytest.raises(ValidationError) as exc:
        Param.model_validate({"value": 0.97, "uncertainty": {"betta": [30, 1]}})
    assert exc.value.errors()[0]["loc"] == ("uncertainty",)


# --- the YAML form, both ways -------------------------------------------------------------


def test_the_issues_examples_and_the_round_trip():
    beta = u({"beta": [30, 1]})
    assert (beta.name, beta.args) == ("beta", {"a": 30.0, "b": 1.0})
    assert str(beta) == "beta(a=30, b=1)" and Uncertainty(beta=[30, 1]) == beta
    logn = u({"lognormal": {"median": 1.8, "sd_log": 0.2}})
    assert str(logn) == "lognormal(median=1.8, sd_log=0.2)"
    for data, _ in [*PLAIN, *((t[0], None) for t in TRUNCATED)]:
        assert u(u(data).model_dump()) == u(data)
    choice = u({"choice": [2, 3]})
    assert choice.model_dump() == {"choice": {"values": [2.0, 3.0], "weights": [1.0, 1.0]}}
    assert str(choice) == "choice(values=[2, 3], weights=[1, 1])"
    with pytest.raises(ValidationError):  # frozen, like every part of a scenario
        beta.name = "gamma"  # type: ignore[misc]


def test_importing_it_does_not_import_scipy():
    code = "import sys, sim.scenario.uncertainty; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- fitting a unit's range, and the point value ------------------------------------------

FITS = [  # (uncertainty, {unit: None if it fits, else a part of the message})
    (
        {"normal": {"mean": 0.5, "sd": 0.1}},
        {
            "probability": "normal(mean=0.5, sd=0.1) reaches below 0 and above 1, but a "
            "probability must be in [0, 1]: add low: 0 and add high: 1",
            "rate": "reaches below 0, but a rate must be in [0, inf]: add low: 0",
            "real": None,
        },
    ),
    ({"normal": {"mean": 0.5, "sd": 0.1, "low": 0, "high": 1}}, {"fraction": None, "days": None}),
    ({"normal": {"mean": 1, "sd": 1, "low": -1}}, {"multiplier": "raise low to 0"}),
    (
        {"lognormal": {"median": 1.8, "sd_log": 0.2}},
        {"rate": None, "multiplier": None, "probability": "above 1, but a probability"},
    ),
    ({"lognormal": {"median": 0.1, "sd_log": 1, "high": 1}}, {"probability": None}),
    ({"beta": [30, 1]}, {"probability": None, "fraction": None, "rate": None}),
    ({"beta": {"a": 2, "b": 2, "low": 0.5, "high": 2}}, {"fraction": "lower high to 1"}),
    ({"gamma": {"shape": 2, "scale": 3}}, {"days": None, "fraction": "add high: 1"}),
    ({"uniform": [-1, 2]}, {"rate": "reaches below 0, but a rate must be in [0, inf]: raise low"}),
    ({"loguniform": [0.01, 10]}, {"probability": "lower high to 1", "multiplier": None}),
    ({"triangular": [1, 2, 3]}, {"days": None, "fraction": "lower high to 1"}),
    ({"choice": [-1, 0.5]}, {"multiplier": "drop the values below 0", "real": None}),
    ({"choice": {"values": [-1, 1], "weights": [0, 1]}}, {"multiplier": None}),
]


@pytest.mark.parametrize(("data", "units"), FITS, ids=[str(d) for d, _ in FITS])
def test_support_fits_the_units_range(data, units):
    for unit, message in units.items():
        lo, hi = UNIT_BOUNDS[unit]
        if message is None:
            check_fits(u(data), lo, hi, unit)
        else:
            with pytest.raises(ValueError) as exc:
                check_fits(u(data), lo, hi, unit)
            assert message in str(exc.value) and "\n" not in str(exc.value)


def test_fits_exactly_when_the_support_is_inside_for_every_unit():
    for data, _ in [*PLAIN, *((t[0], None) for t in TRUNCATED)]:
        s_lo, s_hi = support(u(data))
        for unit, (lo, hi) in UNIT_BOUNDS.items():
            inside = lo <= s_lo and s_hi <= hi
            try:
                check_fits(u(data), lo, hi)
                assert inside, (data, unit)
            except ValueError as err:
                assert not inside and "but the value must be in" in str(err)


def test_support():
    assert support(u({"normal": [0, 1]})) == (-math.inf, math.inf)
    assert support(u({"lognormal": {"median": 1, "sd_log": 1, "low": -2}})) == (0.0, math.inf)
    assert support(u({"gamma": {"shape": 1, "scale": 1, "high": 4}})) == (0.0, 4.0)
    assert support(u({"beta": [2, 2]})) == (0.0, 1.0)
    assert support(u({"triangular": [1, 2, 5]})) == (1.0, 5.0)
    assert support(u({"choice": {"values": [5, -1, 2], "weights": [1, 0, 1]}})) == (2.0, 5.0)


def test_point_value_must_lie_in_the_support():
    check_point(u({"beta": [30, 1]}), 0.97)
    check_point(u({"lognormal": {"median": 1.8, "sd_log": 0.2}}), 0.0)  # the ends count
    check_point(u({"choice": [2, 3, 4]}), 3.5)  # inside the range, though never drawn
    with pytest.raises(ValueError, match=r"the value 1.2 is outside \[0, 1\], where beta\(a=30"):
        check_point(u({"beta": [30, 1]}), 1.2)
    with pytest.raises(ValueError, match=r"outside \[1, 3\]"):
        check_point(u({"triangular": [1, 2, 3]}), 0.5)


# --- draws --------------------------------------------------------------------------------


def test_draw_is_ppf_and_stays_finite_at_q_zero():
    data = {"normal": {"mean": 0.5, "sd": 0.1}}
    np.testing.assert_array_equal(draw(u(data), Q[1:], whole=False), ppf(u(data), Q[1:]))
    ends = draw(u(data), np.array([0.0, 1 - 2**-53, 1.0]), whole=False)
    assert np.all(np.isfinite(ends)) and ends[0] < 0 and ends[1] == ends[2]
    assert draw(u({"uniform": [2, 3]}), np.array([0.0]), whole=False)[0] == 2.0


def test_whole_rounds_to_the_nearest_whole_number():
    q = (np.arange(1000) + 0.5) / 1000
    tri = u({"triangular": [1, 3, 7]})
    x = draw(tri, q, whole=True)
    assert x.dtype == np.float64 and np.all(x == np.round(x))
    np.testing.assert_array_equal(x, np.rint(ppf(tri, q)))
    assert set(np.unique(x)) == {1, 2, 3, 4, 5, 6, 7}
    assert np.all(np.abs(x - ppf(tri, q)) <= 0.5)
    halves = draw(u({"choice": [0.5, 1.5, 2.5]}), np.array([0.1, 0.5, 0.9]), whole=True)
    assert halves.tolist() == [0.0, 2.0, 2.0]  # halves go to the even number (numpy.rint)
