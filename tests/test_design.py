"""Experimental designs: each one's size, coverage and structure, and reproducibility."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats

from sim.sweeps.design import build_design, design_size
from sim.sweeps.spec import SweepSpec


def spec(design: dict, parameters: dict, seed: int = 5) -> SweepSpec:
    return SweepSpec.model_validate(
        {
            "name": "t",
            "scenario": "baseline",
            "replications": 10,
            "seed": seed,
            "design": design,
            "parameters": parameters,
        }
    )


THREE = {
    "a": {"range": [0.0, 1.0]},
    "b": {"range": [10.0, 30.0]},
    "c": {"distribution": {"name": "normal", "mean": 2.0, "sd": 0.5}},
}


def test_grid_is_every_combination_once_in_order():
    s = spec(
        {"kind": "grid", "levels": 3},
        {"a": {"range": [0.0, 1.0]}, "b": {"values": ["x", "y"]}, "c": {"values": [1, 2, 5]}},
    )
    d = build_design(s)
    assert len(d) == design_size(s) == 3 * 2 * 3
    expected = list(itertools.product([0.0, 0.5, 1.0], ["x", "y"], [1, 2, 5]))
    assert [tuple(r) for r in d.itertuples(index=False)] == expected
    assert list(d.index) == list(range(18)) and d.index.name == "point"


def test_grid_integer_range_rounds_and_drops_repeats():
    s = spec({"kind": "grid", "levels": 5}, {"d": {"range": [1, 3], "integer": True}})
    assert build_design(s)["d"].tolist() == [1, 2, 3]
    assert design_size(s) == 3


def test_lhs_puts_one_point_in_every_stratum_of_every_parameter():
    n = 40
    s = spec({"kind": "lhs", "samples": n}, THREE)
    d = build_design(s)
    assert len(d) == design_size(s) == n
    u = np.column_stack(
        [
            d["a"].to_numpy(),
            (d["b"].to_numpy() - 10) / 20,
            stats.norm(2.0, 0.5).cdf(d["c"].to_numpy()),
        ]
    )
    for j in range(3):
        strata = np.floor(u[:, j] * n).astype(int)
        assert sorted(strata) == list(range(n)), f"column {j}"


def test_lhs_picks_listed_values_evenly_and_integers_inside_the_range():
    n = 30
    s = spec(
        {"kind": "lhs", "samples": n},
        {"v": {"values": ["p", "q", "r"]}, "k": {"range": [1, 6], "integer": True}},
    )
    d = build_design(s)
    assert d["v"].value_counts().to_dict() == {"p": 10, "q": 10, "r": 10}
    assert d["k"].between(1, 6).all() and d["k"].dtype.kind == "i"
    assert set(d["k"]) == {1, 2, 3, 4, 5, 6}  # each of the 6 values gets 5 of 30 strata


@pytest.mark.parametrize("second_order", [False, True])
def test_sobol_follows_saltelli_structure(second_order):
    n, dims = 16, 3
    s = spec({"kind": "sobol", "samples": n, "second_order": second_order}, THREE)
    d = build_design(s)
    per = 2 * dims + 2 if second_order else dims + 2
    assert len(d) == design_size(s) == n * per
    x = d.to_numpy().reshape(n, per, dims)
    a, b = x[:, 0, :], x[:, -1, :]
    for i in range(dims):  # AB_i is A with column i taken from B
        ab = x[:, 1 + i, :]
        np.testing.assert_array_equal(ab[:, i], b[:, i])
        np.testing.assert_array_equal(np.delete(ab, i, axis=1), np.delete(a, i, axis=1))
    assert d["a"].between(0, 1).all() and d["b"].between(10, 30).all()
    assert abs(d["c"].mean() - 2.0) < 0.2  # a normal(2, 0.5) through its quantile function


def test_morris_trajectories_move_one_parameter_one_step_at_a_time():
    r, levels = 6, 4
    params = {"a": {"range": [0.0, 1.0]}, "b": {"range": [10.0, 30.0]}}
    s = spec({"kind": "morris", "trajectories": r, "levels": levels}, params)
    d = build_design(s)
    assert len(d) == design_size(s) == r * 3
    span = np.array([1.0, 20.0])
    step = levels / (2 * (levels - 1)) * span
    grid = d.to_numpy()
    for t in range(r):
        path = grid[t * 3 : (t + 1) * 3]
        moves = np.diff(path, axis=0)
        assert ((moves != 0).sum(axis=1) == 1).all()  # one parameter per step
        moved = np.abs(moves).sum(axis=0)
        np.testing.assert_allclose(moved, step)  # each parameter moves once, by delta
    on_grid = (grid - [0.0, 10.0]) / span * (levels - 1)
    np.testing.assert_allclose(on_grid, np.round(on_grid), atol=1e-9)


@pytest.mark.parametrize(
    "design",
    [
        {"kind": "lhs", "samples": 8},
        {"kind": "sobol", "samples": 8},
        {"kind": "morris", "trajectories": 4},
    ],
)
def test_designs_depend_only_on_the_file_and_its_seed(design):
    params = {"a": {"range": [0.0, 1.0]}, "b": {"range": [10.0, 30.0]}}
    one = build_design(spec(design, params, seed=1))
    assert one.equals(build_design(spec(design, params, seed=1)))
    assert not one.equals(build_design(spec(design, params, seed=2)))


@pytest.mark.parametrize(
    ("dist", "check"),
    [
        ({"name": "uniform", "low": 2.0, "high": 4.0}, lambda x: x.min() >= 2 and x.max() <= 4),
        ({"name": "loguniform", "low": 0.01, "high": 1.0}, lambda x: np.median(x) < 0.2),
        (
            {"name": "triangular", "low": 0.0, "mode": 1.0, "high": 1.0},
            lambda x: x.mean() > 0.6 and x.max() <= 1,
        ),
        (
            {"name": "truncnormal", "low": 0.0, "high": 1.0, "mean": 0.9, "sd": 0.3},
            lambda x: x.min() >= 0 and x.max() <= 1 and x.mean() > 0.6,
        ),
    ],
)
def test_distributions_map_through_their_quantile_functions(dist, check):
    d = build_design(spec({"kind": "lhs", "samples": 200}, {"x": {"distribution": dist}}))
    assert check(d["x"].to_numpy())


def test_whole_numbers_stay_inside_their_range_in_every_design():
    p = {"d": {"range": [0.4, 3], "integer": True}, "x": {"range": [0.0, 1.0]}}
    for design in (
        {"kind": "grid", "levels": 4},
        {"kind": "lhs", "samples": 40},
        {"kind": "sobol", "samples": 16},
        {"kind": "morris", "trajectories": 6, "levels": 2},
    ):
        d = build_design(spec(design, p))
        assert d["d"].between(1, 3).all(), design
    assert build_design(spec({"kind": "grid", "levels": 4}, p))["d"].unique().tolist() == [1, 2, 3]
    assert design_size(spec({"kind": "grid", "levels": 4}, p)) == 3 * 4
