"""Named, independently seeded random streams (common random numbers).

Core objects: :class:`Streams`. Each decision draws from its own stream, keyed by the root
seed and the stream's *name*, so adding a militia or a rule never shifts another stream's
numbers, and two scenarios run with one seed share their draws. Streams are counter-based
(Philox): the number used by trial ``i`` on day ``t`` depends only on (seed, name, t, i), so
results are identical however the trials are split into chunks or spread over workers.
A decision that only some lanes face (casualties of lanes with attacks, the target of lanes
with a strike) asks for those lanes' numbers alone (:meth:`Streams.uniform_at`): they are the
very numbers a full draw would give them, computed without the others
(:mod:`sim.core.philox`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from sim.core.philox import uniforms_at, uniforms_dense
from sim.core.types import FloatArray, IntArray, SeedLike

# trial indices run from 0 to ``MAX_TRIALS - 1`` (sim.core.checks): Philox's counter word holds
# ``trial // 4``

# a number at its own counter costs about 3.5 times one of a full-width draw (measured in
# benchmarks/throughput.py): past this share of the lanes, draw them all and pick
DENSE_ABOVE = 0.25


def _name_key(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


class Streams:
    """Uniform draws for a block of trials ``[start, start + n)``, or ``copies`` of them.

    Args:
        seed: The root seed of the run.
        start: Index of the first trial of this block in the whole run.
        n: Number of trials in the block.
        copies: The block's lanes are this many copies of those trials, one after another
            (a packed sweep's points under common random numbers: lane ``c * n + i`` of the
            block draws what trial ``start + i`` draws).
    """

    def __init__(self, seed: SeedLike, start: int, n: int, copies: int = 1) -> None:
        """Prepare streams for trials ``start`` to ``start + n - 1``."""
        self.seed = seed
        self.start = start
        self.n = n
        self.copies = copies
        self._keys: dict[str, tuple[int, int]] = {}
        self.drawn = 0  # numbers the model has used so far (benchmarks/throughput.py counts)

    def _key(self, name: str) -> tuple[int, int]:
        if name not in self._keys:
            entropy = list(self.seed) if isinstance(self.seed, Sequence) else self.seed
            seq = np.random.SeedSequence(entropy, spawn_key=(_name_key(name),))
            words = seq.generate_state(2, np.uint64)
            self._keys[name] = (int(words[0]), int(words[1]))
        return self._keys[name]

    def uniform(self, name: str, step: int, draw: int = 0) -> FloatArray:
        """Return one uniform number in [0, 1) per lane of the block.

        Args:
            name: The stream's name, e.g. ``"militia.kataib_hezbollah.attacks.iraq"``.
            step: The day; each day reads a fresh part of the stream.
            draw: A second index for several numbers per trial and day.
        """
        self.drawn += self.n
        out = uniforms_dense(self._key(name), step, draw, self.start, self.n)
        return np.tile(out, self.copies) if self.copies > 1 else out

    def uniform_at(self, name: str, step: int, lanes: IntArray, draw: int = 0) -> FloatArray:
        """The numbers :meth:`uniform` gives the lanes ``lanes`` (indices into the block).

        Only those lanes' numbers are computed, unless they are many (over
        :data:`DENSE_ABOVE` of the block), when drawing them all and picking is cheaper.
        """
        self.drawn += lanes.size
        if lanes.size > DENSE_ABOVE * self.n:
            whole = uniforms_dense(self._key(name), step, draw, self.start, self.n)
            return whole[lanes % self.n] if self.copies > 1 else whole[lanes]
        trials = self.start + (lanes % self.n if self.copies > 1 else lanes)
        return uniforms_at(self._key(name), step, draw, trials)
