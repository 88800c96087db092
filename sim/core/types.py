"""The small type aliases every layer shares.

Core objects: :data:`FloatArray`, :data:`IntArray`, :data:`BoolArray`, :data:`DayArray`
(numpy arrays whose last axis is usually the trial axis) and :data:`SeedLike` (a root seed:
one whole number, or a sequence of them) and :data:`Number` (a scalar, or one value per lane).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
#: days of a run (at most ``MAX_DAYS``, 3650) or -1, kept per trial in 4 bytes
DayArray: TypeAlias = npt.NDArray[np.int32]
SeedLike: TypeAlias = int | Sequence[int]
#: a number a model reads: one value for every lane, or one value per lane
Number: TypeAlias = float | FloatArray
