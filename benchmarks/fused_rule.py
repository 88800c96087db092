"""Would compiling the rules pay? ``attack_rate`` evaluated two ways on 20,000 lanes.

The largest rule, ``attack_rate`` in ``scenarios/base.yaml``, is 29 arithmetic operations a
group a day. Its inputs are taken from the model itself: ``baseline`` is run for 30 days on
20,000 lanes and what the rule then reads for Harakat al-Nujaba is kept, as scalars or lane
arrays as the model gives them (at point values and drawn). This script then
times, alternating rounds, medians of 9 rounds of 300 calls:

1. the product's path: the rule compiled by :func:`sim.scenario.expr.compile_expr` into numpy
   closures, one array pass per operation;
2. the same rule fused into one compiled loop over the lanes, built without generated source:
   numba functions composed from fixed templates (a lane variable, a scalar argument, a
   literal, ``+ - * /``) along the expression's syntax tree, so the scenario's text is never
   run as code. Scalars are arguments, so one compile serves any values; lane arrays are read
   as float64 (the model's booleans too, which only handicaps this way);
3. a compiled loop that only reads the same lane arrays (their sum): how long reading the
   inputs alone takes, the floor of any fused evaluation.

A benchmark, not product code.

    python benchmarks/fused_rule.py
"""

from __future__ import annotations

import ast
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit

import sim
from sim.model.escalation import EscalationModel

LANES, ROUNDS, CALLS, DAY, GROUP = 20_000, 9, 300, 30, "harakat_al_nujaba"
Fn = Callable[..., float]


def _lane(k: int) -> Fn:
    @njit(inline="always")
    def f(x: Any, s: Any, i: int) -> float:
        return x[k, i]

    return f


def _scalar(k: int) -> Fn:
    @njit(inline="always")
    def f(x: Any, s: Any, i: int) -> float:
        return s[k]

    return f


def _literal(c: float) -> Fn:
    @njit(inline="always")
    def f(x: Any, s: Any, i: int) -> float:
        return c

    return f


def _binary(op: type[ast.operator], a: Fn, b: Fn) -> Fn:
    if op is ast.Add:

        @njit(inline="always")
        def f(x: Any, s: Any, i: int) -> float:
            return a(x, s, i) + b(x, s, i)
    elif op is ast.Sub:

        @njit(inline="always")
        def f(x: Any, s: Any, i: int) -> float:
            return a(x, s, i) - b(x, s, i)
    elif op is ast.Mult:

        @njit(inline="always")
        def f(x: Any, s: Any, i: int) -> float:
            return a(x, s, i) * b(x, s, i)
    elif op is ast.Div:

        @njit(inline="always")
        def f(x: Any, s: Any, i: int) -> float:
            return a(x, s, i) / b(x, s, i)
    else:
        raise ValueError(f"no template for {op.__name__}")
    return f


def compose(node: ast.expr, lanes: list[str], scalars: list[str]) -> Fn:
    """One compiled function of (lane arrays, scalars, lane) for the tree below ``node``."""
    if isinstance(node, ast.Name):
        if node.id in scalars:
            return _scalar(scalars.index(node.id))
        return _lane(lanes.index(node.id))
    if isinstance(node, ast.Constant):
        return _literal(float(node.value))
    if isinstance(node, ast.BinOp):
        left, right = compose(node.left, lanes, scalars), compose(node.right, lanes, scalars)
        return _binary(type(node.op), left, right)
    raise ValueError(f"no template for {ast.dump(node)}")


def fused_loop(root: Fn) -> Callable[[np.ndarray, np.ndarray, np.ndarray], None]:
    """The composed rule applied to every lane, in one compiled loop."""

    @njit
    def run(x: np.ndarray, s: np.ndarray, out: np.ndarray) -> None:
        for i in range(out.size):
            out[i] = root(x, s, i)

    return run


@njit(fastmath=True)  # lets the sum be vectorized: reading, not adding, is what is timed
def read_only(x: np.ndarray) -> float:
    """Every lane array read once (their sum): the floor of evaluating a rule on them."""
    total = 0.0
    for k in range(x.shape[0]):
        for i in range(x.shape[1]):
            total += x[k, i]
    return total


def model_inputs(point: bool) -> tuple[Any, dict[str, Any]]:
    """``attack_rate`` and what it reads for GROUP after DAY days of ``baseline``."""
    model = EscalationModel(sim.load_scenario("baseline"), LANES, 20240128, days=DAY, point=point)
    for _ in range(DAY):
        model.step()
    rule = model.scenario.rules["attack_rate"]
    env = model.militias[GROUP].env()
    inputs = {name: env[name] for name in sorted(rule.names)}  # read before the model closes
    model.close()
    return rule, inputs


def interleaved_us(*fns: Callable[[], object]) -> list[float]:
    """Median time of a call of each, in microseconds, over ROUNDS rounds that alternate them."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(ROUNDS):
        for k, fn in enumerate(fns):
            start = time.perf_counter()
            for _ in range(CALLS):
                fn()
            times[k].append((time.perf_counter() - start) / CALLS * 1e6)
    return [statistics.median(t) for t in times]


def case(point: bool) -> None:
    """Time the product's closures against the fused loop on the model's own inputs."""
    rule, env = model_inputs(point)
    lanes = [n for n, v in env.items() if np.ndim(v) > 0]
    scalars = [n for n in env if n not in lanes]
    x = np.stack([np.asarray(env[n], dtype=np.float64) for n in lanes])
    s = np.array([float(env[n]) for n in scalars])
    expected = np.asarray(rule(env), dtype=np.float64)
    tree = ast.parse(" ".join(rule.text.split()), mode="eval").body
    start = time.perf_counter()
    run, out = fused_loop(compose(tree, lanes, scalars)), np.empty(LANES)
    run(x, s, out)
    compile_s = time.perf_counter() - start
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=0)
    read_only(x)
    numpy_us, fused_us, floor_us = interleaved_us(
        lambda: rule(env), lambda: run(x, s, out), lambda: read_only(x)
    )
    label = "point values" if point else "drawn"
    print(f"{label}: {len(lanes)} lane arrays and {len(scalars)} scalars read")
    print(f"  numpy closures (the product)  {numpy_us:8.1f} us")
    print(
        f"  composed numba, fused         {fused_us:8.1f} us  {numpy_us / fused_us:.2f}x, "
        f"compiled in {compile_s:.2f} s"
    )
    print(f"  reading the lane arrays alone {floor_us:8.1f} us")


def main() -> None:
    """Print the ways' times for base.yaml's attack_rate, at point values and drawn."""
    print(f"attack_rate on {LANES:,} lanes, medians of {ROUNDS} rounds of {CALLS} calls")
    for point in (True, False):
        case(point)


if __name__ == "__main__":
    main()
