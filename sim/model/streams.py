"""Named, independently seeded random streams (common random numbers).

Core objects: :class:`Streams`. Each decision draws from its own stream, keyed by the root
seed and the stream's *name*, so adding a militia or a rule never shifts another stream's
numbers, and two scenarios run with one seed share their draws. Streams are counter-based
(Philox): the number used by trial ``i`` on day ``t`` depends only on (seed, name, t, i), so
results are identical however the trials are split into chunks or spread over workers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from sim.core.types import FloatArray, SeedLike

# trial indices run from 0 to ``MAX_TRIALS - 1`` (sim.core.checks): Philox's counter word holds
# ``trial // 4``


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
        self._keys: dict[str, npt.NDArray[np.uint64]] = {}
        self.drawn = 0  # numbers handed out so far (benchmarks/throughput.py counts them)

    def _key(self, name: str) -> npt.NDArray[np.uint64]:
        if name not in self._keys:
            entropy = list(self.seed) if isinstance(self.seed, Sequence) else self.seed
            seq = np.random.SeedSequence(entropy, spawn_key=(_name_key(name),))
            self._keys[name] = seq.generate_state(2, np.uint64).astype(np.uint64)
        return self._keys[name]

    def uniform(self, name: str, step: int, draw: int = 0) -> FloatArray:
        """Return one uniform number in [0, 1) per lane of the block.

        Args:
            name: The stream's name, e.g. ``"militia.kataib_hezbollah.attacks.iraq"``.
            step: The day; each day reads a fresh part of the stream.
            draw: A second index for several numbers per trial and day.
        """
        self.drawn += self.n
        pad = self.start % 4  # Philox yields four numbers per counter value
        bitgen = np.random.Philox(key=self._key(name), counter=[self.start // 4, step, draw, 0])
        out: FloatArray = np.random.Generator(bitgen).random(self.n + pad)[pad:]
        return np.tile(out, self.copies) if self.copies > 1 else out
