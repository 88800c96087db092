"""Why the streams' counter-addressed draws are compiled: the cost of one number, three ways.

A decision that only some lanes face needs the numbers of those lanes alone. Philox can
compute any trial's number from its counter, but a round needs the high half of a 64 x 64-bit
product, which numpy has no ufunc for. This script measures, per number (medians of 7):

1. numpy's own generator drawing every lane (``Generator(Philox).random``): the full draw;
2. the project's compiled kernels (:mod:`sim.core.philox`), the full draw and only 10%
   of the lanes;
3. the same Philox4x64-10 written in plain numpy (the high half from four 32-bit products),
   for 10% of the lanes: the uncompiled way to draw only where needed.

Each way's numbers are checked equal to numpy's before they are timed.

    python benchmarks/philox_kernels.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from sim.core.philox import uniforms_at, uniforms_dense

M0, M1 = np.uint64(0xD2E7470EE14C6C93), np.uint64(0xCA5A826395121157)
W0, W1 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBB67AE8584CAA73B)
LOW = np.uint64(0xFFFFFFFF)
S32, S11 = np.uint64(32), np.uint64(11)


def mulhilo(a: np.ndarray, m: np.uint64) -> tuple[np.ndarray, np.ndarray]:
    """High and low 64 bits of ``a * m``, from 32-bit halves (numpy has no 128-bit product)."""
    a0, a1 = a & LOW, a >> S32
    m0, m1 = m & LOW, m >> S32
    p00, p01, p10, p11 = a0 * m0, a0 * m1, a1 * m0, a1 * m1
    mid = (p00 >> S32) + (p10 & LOW) + (p01 & LOW)
    return p11 + (p10 >> S32) + (p01 >> S32) + (mid >> S32), a * m


def numpy_philox_at(key: tuple[int, int], step: int, trials: np.ndarray) -> np.ndarray:
    """Philox4x64-10 in plain numpy: the uniform of each trial at counter (t // 4 + 1, step)."""
    t = trials.astype(np.uint64)
    c0 = (t >> np.uint64(2)) + np.uint64(1)
    c1 = np.full_like(c0, step)
    c2, c3 = np.zeros_like(c0), np.zeros_like(c0)
    k0, k1 = np.uint64(key[0]), np.uint64(key[1])
    for r in range(10):
        if r:
            with np.errstate(over="ignore"):  # the key words wrap, as in Random123
                k0, k1 = k0 + W0, k1 + W1
        hi0, lo0 = mulhilo(c0, M0)
        hi1, lo1 = mulhilo(c2, M1)
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
    word = np.choose((t & np.uint64(3)).astype(np.intp), [c0, c1, c2, c3])
    return (word >> S11).astype(np.float64) * (1.0 / 9007199254740992.0)


def per_number_ns(fn: Callable[[], object], numbers: int, repeats: int = 7) -> float:
    """Median nanoseconds per number of ``fn``, which makes ``numbers`` numbers."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) / numbers * 1e9


def main() -> None:
    """Check the three ways agree, then time them."""
    key, step, n = (0x1234567890ABCDEF, 0x0FEDCBA987654321), 7, 50_000
    lanes = np.flatnonzero(np.random.default_rng(0).random(n) < 0.1)
    gen = np.random.Generator(
        np.random.Philox(key=np.array(key, np.uint64), counter=[0, step, 0, 0])
    )
    full = gen.random(n)
    assert np.array_equal(uniforms_dense(key, step, 0, 0, n), full)
    assert np.array_equal(uniforms_at(key, step, 0, lanes), full[lanes])
    assert np.array_equal(numpy_philox_at(key, step, lanes), full[lanes])

    def numpy_full() -> None:
        g = np.random.Philox(key=np.array(key, np.uint64), counter=[0, step, 0, 0])
        np.random.Generator(g).random(n)

    rows = [
        ("numpy's generator, every lane", per_number_ns(numpy_full, n)),
        (
            "compiled kernel, every lane",
            per_number_ns(lambda: uniforms_dense(key, step, 0, 0, n), n),
        ),
        (
            "compiled kernel, 10% of lanes",
            per_number_ns(lambda: uniforms_at(key, step, 0, lanes), lanes.size),
        ),
        (
            "plain numpy Philox, 10% of lanes",
            per_number_ns(lambda: numpy_philox_at(key, step, lanes), lanes.size),
        ),
    ]
    base = rows[0][1]
    print(f"one uniform, {n:,}-lane block ({lanes.size:,} lanes for the 10% rows), ns per number")
    for name, ns in rows:
        print(f"  {name:34s} {ns:8.1f} ns  ({ns / base:5.1f}x numpy's full draw)")
    print(
        "  a 10% draw costs, against drawing every lane with numpy's generator: "
        f"compiled {rows[2][1] * lanes.size / (base * n):.2f}x, "
        f"plain numpy {rows[3][1] * lanes.size / (base * n):.2f}x"
    )


if __name__ == "__main__":
    main()
