"""Would compiling the rules pay? ``attack_rate`` evaluated three ways on 20,000 lanes.

The largest rule, ``attack_rate`` in ``scenarios/base.yaml``, is 29 arithmetic operations a
group a day. This script times (medians of 9 rounds):

1. the product's path: the rule compiled by :func:`sim.scenario.expr.compile_expr` into numpy
   closures, one array pass per operation;
2. the same rule fused into one compiled loop over the lanes, built without generated source:
   numba functions composed from fixed templates (a variable, a constant, ``+ - * /``) along
   the expression's syntax tree, so the scenario's text is never run as code;
3. a hand-written numba loop of the same formula: the ceiling of fusing it (checked equal to
   the rule first; if ``base.yaml``'s rule changes, this row says so and is skipped).

Each is run with the parameters as scalars (point values) and as per-lane arrays (drawn), and
the compile time of the composition is printed. A benchmark, not product code.

    python benchmarks/fused_rule.py
"""

from __future__ import annotations

import ast
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numba import njit

from sim.scenario.expr import compile_expr

LANES, ROUNDS, CALLS = 20_000, 9, 300
BASE = Path(__file__).resolve().parents[1] / "scenarios" / "base.yaml"
PARAMETERS = [
    "agreement_effect",
    "campaign_rate",
    "deterrence_gain",
    "iraq_pressure",
    "pre_war_rate",
    "restraint_level",
    "revenge_gain",
    "talks_weight",
]


def _variable(k: int) -> Callable[..., float]:
    @njit(inline="always")
    def f(x: Any, i: int) -> float:
        return x[k, i]

    return f


def _constant(c: float) -> Callable[..., float]:
    @njit(inline="always")
    def f(x: Any, i: int) -> float:
        return c

    return f


def _binary(op: type[ast.operator], a: Callable[..., float], b: Callable[..., float]) -> Any:
    if op is ast.Add:

        @njit(inline="always")
        def f(x: Any, i: int) -> float:
            return a(x, i) + b(x, i)
    elif op is ast.Sub:

        @njit(inline="always")
        def f(x: Any, i: int) -> float:
            return a(x, i) - b(x, i)
    elif op is ast.Mult:

        @njit(inline="always")
        def f(x: Any, i: int) -> float:
            return a(x, i) * b(x, i)
    elif op is ast.Div:

        @njit(inline="always")
        def f(x: Any, i: int) -> float:
            return a(x, i) / b(x, i)
    else:
        raise ValueError(f"no template for {op.__name__}")
    return f


def compose(node: ast.expr, rows: dict[str, int], scalars: dict[str, float]) -> Any:
    """One compiled function of (lanes array, lane) for the syntax tree below ``node``."""
    if isinstance(node, ast.Name):
        if node.id in scalars:
            return _constant(scalars[node.id])
        return _variable(rows[node.id])
    if isinstance(node, ast.Constant):
        return _constant(float(node.value))
    if isinstance(node, ast.BinOp):
        return _binary(
            type(node.op), compose(node.left, rows, scalars), compose(node.right, rows, scalars)
        )
    raise ValueError(f"no template for {ast.dump(node)}")


def fused_loop(root: Any) -> Callable[[np.ndarray, np.ndarray], None]:
    """The composed rule applied to every lane, in one compiled loop."""

    @njit
    def run(x: np.ndarray, out: np.ndarray) -> None:
        for i in range(out.size):
            out[i] = root(x, i)

    return run


#: the rule's names in sorted order: the rows of the hand-written loop's input
HAND_ROWS = [
    "agreement_effect",
    "campaign_rate",
    "capability",
    "complying",
    "deterrence",
    "deterrence_gain",
    "gaza",
    "iraq_pressing",
    "iraq_pressure",
    "is_holdout",
    "pre_war_rate",
    "prefers_talks",
    "restraint_level",
    "revenge",
    "revenge_gain",
    "share",
    "strength",
    "supply",
    "talks_progress",
    "talks_weight",
    "withdrawal_agreed",
]


@njit
def hand_written(x: np.ndarray, out: np.ndarray) -> None:
    """``attack_rate`` as base.yaml writes it today, by hand (the ceiling of fusing it)."""
    (
        agreement_effect,
        campaign_rate,
        capability,
        complying,
        deterrence,
        deterrence_gain,
        gaza,
        iraq_pressing,
        iraq_pressure,
        is_holdout,
        pre_war_rate,
        prefers_talks,
        restraint_level,
        revenge,
        revenge_gain,
        share,
        strength,
        supply,
        talks_progress,
        talks_weight,
        withdrawal_agreed,
    ) = (
        x[0],
        x[1],
        x[2],
        x[3],
        x[4],
        x[5],
        x[6],
        x[7],
        x[8],
        x[9],
        x[10],
        x[11],
        x[12],
        x[13],
        x[14],
        x[15],
        x[16],
        x[17],
        x[18],
        x[19],
        x[20],
    )
    for i in range(out.size):
        out[i] = (
            capability[i]
            * share[i]
            * strength[i]
            * (pre_war_rate[i] + campaign_rate[i] * gaza[i])
            * (1 - restraint_level[i] * complying[i])
            * (1 - talks_weight[i] * prefers_talks[i] * talks_progress[i])
            * (1 - agreement_effect[i] * withdrawal_agreed[i] * (1 - is_holdout[i]))
            * (1 + revenge_gain[i] * revenge[i])
            * (1 - deterrence_gain[i] * deterrence[i] / (1 + deterrence[i]))
            * supply[i]
            * (1 - iraq_pressure[i] * iraq_pressing[i])
        )


def median_us(fn: Callable[[], object]) -> float:
    """Median over ROUNDS of the mean time of CALLS calls, in microseconds."""
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(CALLS):
            fn()
        times.append((time.perf_counter() - start) / CALLS)
    return statistics.median(times) * 1e6


def case(text: str, drawn: bool) -> None:
    """Time the three ways with the parameters drawn per lane or fixed."""
    tree = ast.parse(" ".join(text.split()), mode="eval").body
    names = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)})
    rng = np.random.default_rng(20240128)
    scalars = {} if drawn else {p: float(rng.random()) for p in PARAMETERS}
    lanes = [n for n in names if n not in scalars]
    x = rng.random((len(lanes), LANES))
    env: dict[str, Any] = {n: x[k] for k, n in enumerate(lanes)} | scalars
    rule = compile_expr(text, names)
    expected = np.asarray(rule(env))
    start = time.perf_counter()
    run = fused_loop(compose(tree, {n: k for k, n in enumerate(lanes)}, scalars))
    out = np.empty(LANES)
    run(x, out)
    compile_s = time.perf_counter() - start
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    numpy_us, fused_us = median_us(lambda: rule(env)), median_us(lambda: run(x, out))
    label = "drawn (parameters per lane)" if drawn else "point (parameters scalar)"
    print(f"{label}: {len(lanes)} lane arrays read")
    print(f"  numpy closures (the product)  {numpy_us:8.1f} us")
    print(
        f"  composed numba, fused         {fused_us:8.1f} us  {numpy_us / fused_us:.2f}x, "
        f"compiled in {compile_s:.2f} s"
    )
    if drawn:
        hand = np.empty(LANES)
        if lanes != HAND_ROWS:
            print("  hand-written loop: skipped (base.yaml's rule reads other names now)")
            return
        hand_written(x, hand)
        if not np.allclose(hand, expected, rtol=1e-12):
            print("  hand-written loop: skipped (base.yaml's rule has changed)")
            return
        hand_us = median_us(lambda: hand_written(x, hand))
        print(f"  hand-written numba loop       {hand_us:8.1f} us  {numpy_us / hand_us:.2f}x")


def main() -> None:
    """Print the three ways' times for base.yaml's attack_rate."""
    text = yaml.safe_load(BASE.read_text())["rules"]["attack_rate"]["expr"]
    print(f"attack_rate on {LANES:,} lanes, medians of {ROUNDS} rounds of {CALLS} calls")
    for drawn in (False, True):
        case(text, drawn)


if __name__ == "__main__":
    main()
