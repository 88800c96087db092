"""Philox4x64-10 uniforms addressed by counter: any trial's number without its neighbours'.

Core objects: :func:`uniforms_dense`, :func:`uniforms_at`. Both return exactly the doubles
``numpy.random.Generator(numpy.random.Philox(key=key, counter=c)).random`` returns, so the
model's numbers are those of numpy's own generator (tested bit for bit), but
:func:`uniforms_at` computes only the numbers it is asked for. Trial ``g`` of a stream reads
word ``g % 4`` of the Philox block at counter ``(g // 4 + 1, step, draw, 0)`` (numpy's
generator increments the counter before its first block).

Why compiled: a Philox round needs the high half of a 64 x 64-bit product, which numpy has no
ufunc for. Written in plain numpy (the high half from four 32-bit products), a number at its
own counter measured about 145 ns, 32 times a number of numpy's full-width draw (4.5 ns), so
drawing 10% of the lanes that way cost 3.3 times drawing them all. Compiled with numba (one
128-bit multiply), it costs about 13 ns, and a full-width draw 3.1 ns a number
(``benchmarks/philox_kernels.py``). The kernels compile on first use and are cached on disk.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from sim.core.types import FloatArray, IntArray

# Random123's Philox4x64 multipliers and Weyl key increments (Salmon et al. 2011)
_M0 = np.uint64(0xD2E7470EE14C6C93)
_M1 = np.uint64(0xCA5A826395121157)
_W0 = np.uint64(0x9E3779B97F4A7C15)
_W1 = np.uint64(0xBB67AE8584CAA73B)
_ONE, _TWO, _THREE, _ELEVEN = np.uint64(1), np.uint64(2), np.uint64(3), np.uint64(11)
_TO_UNIT = 1.0 / 9007199254740992.0  # numpy's next_double: (x >> 11) * 2**-53
ROUNDS = 10


@intrinsic  # type: ignore[untyped-decorator]
def _mulhi(typingctx: Any, a: Any, b: Any) -> Any:
    """The high 64 bits of the 128-bit product of two unsigned 64-bit integers."""
    sig = types.uint64(types.uint64, types.uint64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        wide = ir.IntType(128)
        product = builder.mul(builder.zext(args[0], wide), builder.zext(args[1], wide))
        return builder.trunc(builder.lshr(product, ir.Constant(wide, 64)), ir.IntType(64))

    return sig, codegen


@njit(inline="always")  # type: ignore[untyped-decorator]
def _block(k0: Any, k1: Any, c0: Any, c1: Any, c2: Any, c3: Any) -> Any:
    """Philox4x64 with ``ROUNDS`` rounds: four 64-bit words from a key and a counter."""
    for r in range(ROUNDS):
        if r:
            k0 += _W0
            k1 += _W1
        hi0, lo0 = _mulhi(_M0, c0), _M0 * c0
        hi1, lo1 = _mulhi(_M1, c2), _M1 * c2
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
    return c0, c1, c2, c3


@njit(inline="always")  # type: ignore[untyped-decorator]
def _word(words: Any, i: Any) -> Any:
    """Word ``i`` (0 to 3) of a block, as a double in [0, 1)."""
    if i == 0:
        x = words[0]
    elif i == 1:
        x = words[1]
    elif i == 2:
        x = words[2]
    else:
        x = words[3]
    return np.float64(x >> _ELEVEN) * _TO_UNIT


@njit(cache=True, nogil=True)  # type: ignore[untyped-decorator]
def _dense(k0: Any, k1: Any, step: Any, draw: Any, start: Any, out: Any) -> None:
    g = np.uint64(start)
    j, n = 0, out.size
    while j < n:
        words = _block(k0, k1, (g >> _TWO) + _ONE, step, draw, np.uint64(0))
        i = g & _THREE
        while i < 4 and j < n:
            out[j] = _word(words, i)
            i += _ONE
            g += _ONE
            j += 1


@njit(cache=True, nogil=True)  # type: ignore[untyped-decorator]
def _sparse(k0: Any, k1: Any, step: Any, draw: Any, trials: Any, out: Any) -> None:
    for j in range(trials.size):
        g = np.uint64(trials[j])
        out[j] = _word(_block(k0, k1, (g >> _TWO) + _ONE, step, draw, np.uint64(0)), g & _THREE)


def uniforms_dense(key: tuple[int, int], step: int, draw: int, start: int, n: int) -> FloatArray:
    """The uniforms of trials ``start`` to ``start + n - 1`` at (``step``, ``draw``).

    Args:
        key: Philox's two key words.
        step: Counter word 1 (the day).
        draw: Counter word 2 (a second index within the day).
        start: The first trial.
        n: How many trials.
    """
    out = np.empty(n)
    _dense(np.uint64(key[0]), np.uint64(key[1]), np.uint64(step), np.uint64(draw), start, out)
    return out


def uniforms_at(key: tuple[int, int], step: int, draw: int, trials: IntArray) -> FloatArray:
    """The uniforms of the given trials (any order, repeats allowed) at (``step``, ``draw``)."""
    out = np.empty(trials.size)
    idx = np.ascontiguousarray(trials, dtype=np.int64)
    _sparse(np.uint64(key[0]), np.uint64(key[1]), np.uint64(step), np.uint64(draw), idx, out)
    return out
