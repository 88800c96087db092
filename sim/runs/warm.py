"""What every local worker process starts with: imported once, in the fork server.

Core objects: none; importing this module is its whole job. Local workers are forked from
a server process (multiprocessing's ``forkserver``) that imported this module first, so each
starts with the runner's modules (Mesa, pandas and scipy among them), scipy's distributions
(for drawn uncertainties) and the compiled random-number kernels already loaded, instead of
importing them anew (about 1.5 s a worker, the first time in each). The server is started
once per session and serves every later pool of the session. Nothing here changes a number.
"""

from __future__ import annotations

import numpy as np
import scipy.stats  # noqa: F401 - the draws' distributions, imported lazily elsewhere

import sim.runs.runner  # noqa: F401 - a worker's first task unpickles its functions
from sim.core.philox import uniforms_at, uniforms_dense

# numba loads a compiled kernel from its disk cache at its first call: call each once here
uniforms_dense((1, 2), 0, 0, 0, 4)
uniforms_at((1, 2), 0, 0, np.arange(2))
