"""Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC), a generation at a time.

Core objects: :class:`Settings`, :class:`Generation`, :func:`first_generation`,
:func:`next_generation` and :func:`accepted`. The algorithm is the population Monte Carlo ABC
of Beaumont et al. (2009), as in Toni et al. (2009) and pyabc, with an adaptive tolerance (Del
Moral et al. 2012) and every particle of a generation simulated at once:

1. Generation 0 proposes ``N`` particles from the prior; later generations resample the last
   one's particles by weight and move each with a Gaussian kernel whose covariance is the
   weighted covariance of that population scaled by Silverman's rule of thumb (pyabc's
   default; Beaumont et al. 2009's twice the covariance made the weights degenerate in ten
   dimensions: an effective sample size of 31 of 10,000 after eight generations).
2. Each particle is simulated ``R`` times (replicates); its ABC likelihood at tolerance
   ``epsilon`` is the share of its replicates whose distance is at most ``epsilon``.
3. Generation 0's tolerance ``epsilon`` is the ``quantile`` of its distances; each later one's
   is the weighted ``quantile`` of the last generation's accepted distances (pyabc's
   default schedule, the median), never below ``min_epsilon``.
4. A particle's weight is its ABC likelihood times its prior density over the proposal
   density (the last population's kernel mixture); generation 0's proposal is the prior.

Particles live in *probit space*: each parameter's prior is mapped to a standard normal
through its CDF (``z = Phi^-1(F(theta))``), so the prior density is ``N(0, I)``, the kernel
never leaves the prior's support, and any prior with an inverse CDF can be fitted. The caller
maps ``z`` back with the prior's inverse CDF. Nothing here loops over particles.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from sim.core.stats import weighted_quantiles
from sim.core.types import FloatArray

#: particles in probit space (N x d) and the generation -> distances (N x replicates)
Simulator = Callable[[FloatArray, int], FloatArray]
#: kernel evaluations held at once when weighing a generation (memory)
_CHUNK = 4_000_000


class NoneAccepted(RuntimeError):
    """No particle of a generation came within the tolerance."""


@dataclass(frozen=True)
class Settings:
    """How an ABC-SMC calibration runs.

    Attributes:
        particles: Particles proposed each generation (``N``).
        replicates: Simulations of each particle (``R``).
        generations: The most generations (generation 0 included).
        quantile: Each tolerance is this quantile of the generation's distances.
        min_epsilon: Stop once the tolerance reaches this.
        min_acceptance: Stop once fewer than this share of a generation's simulations is
            accepted.
        seed: Root seed: the same seed gives the same populations.
    """

    particles: int
    replicates: int
    generations: int
    quantile: float = 0.5
    min_epsilon: float = 0.0
    min_acceptance: float = 0.01
    seed: int = 0


@dataclass(frozen=True)
class Generation:
    """One weighted population.

    Attributes:
        index: Generation number (0: from the prior).
        z: Particles in probit space, ``N x d``.
        weights: Normalized importance weights (zero: rejected), ``N``.
        distances: Each replicate's distance, ``N x R``.
        epsilon: The tolerance.
        seconds: Wall time of the generation.
        model_seconds: Of which, time in the simulator.
    """

    index: int
    z: FloatArray
    weights: FloatArray
    distances: FloatArray
    epsilon: float
    seconds: float
    model_seconds: float

    @property
    def ess(self) -> float:
        """Effective sample size, ``(sum w)^2 / sum w^2``."""
        return float(self.weights.sum() ** 2 / np.square(self.weights).sum())

    @property
    def acceptance(self) -> float:
        """Share of the generation's simulations within the tolerance."""
        return float((self.distances <= self.epsilon).mean())


def _rng(settings: Settings, generation: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([settings.seed, generation, 0]))


def next_tolerance(last: Generation, quantile: float) -> float:
    """The weighted ``quantile`` of ``last``'s accepted distances.

    Each particle's weight is shared among its accepted replicates.
    """
    ok = last.distances <= last.epsilon
    share = np.where(ok, (last.weights / np.maximum(ok.sum(axis=1), 1))[:, None], 0.0)
    return float(weighted_quantiles(last.distances[ok], share[ok], (quantile,))[0])


def _weigh(z: FloatArray, likelihood: FloatArray, proposal_log_density: FloatArray) -> FloatArray:
    """Normalized weights: likelihood times prior density over proposal density."""
    log_prior = -0.5 * np.square(z).sum(axis=1)
    with np.errstate(divide="ignore"):
        log_w = np.log(likelihood) + log_prior - proposal_log_density
    if not np.isfinite(log_w).any():
        raise NoneAccepted("no particle was accepted: raise the quantile or the particles")
    w = np.exp(log_w - log_w[np.isfinite(log_w)].max())
    return np.asarray(w / w.sum(), dtype=np.float64)


def _simulate(
    simulate: Simulator, z: FloatArray, index: int, settings: Settings, t0: float, eps: float
) -> Generation:
    t_model = time.perf_counter()
    distances = np.asarray(simulate(z, index), dtype=float)
    model_seconds = time.perf_counter() - t_model
    if distances.shape != (z.shape[0], settings.replicates):
        raise ValueError(f"the simulator returned shape {distances.shape}")
    if math.isinf(eps):
        eps = float(np.quantile(distances, settings.quantile))
    return Generation(index, z, np.empty(0), distances, eps, time.perf_counter() - t0,
                      model_seconds)  # fmt: skip


def first_generation(dims: int, settings: Settings, simulate: Simulator) -> Generation:
    """Generation 0: particles from the prior, weighed by their ABC likelihood alone."""
    t0 = time.perf_counter()
    z = _rng(settings, 0).standard_normal((settings.particles, dims))
    g = _simulate(simulate, z, 0, settings, t0, math.inf)
    like = accepted(g.distances, g.epsilon)
    log_prior = -0.5 * np.square(z).sum(axis=1)  # the proposal is the prior: ratio 1
    return _finish(g, _weigh(z, like, log_prior), t0)


def next_generation(last: Generation, settings: Settings, simulate: Simulator) -> Generation:
    """The next population: resample ``last``, perturb, simulate, weigh."""
    t0 = time.perf_counter()
    rng = _rng(settings, last.index + 1)
    keep = last.weights > 0
    parents, w = last.z[keep], last.weights[keep] / last.weights[keep].sum()
    chol = kernel_cholesky(parents, w)
    eps = max(settings.min_epsilon, next_tolerance(last, settings.quantile))
    pick = rng.choice(parents.shape[0], size=settings.particles, p=w)
    z = parents[pick] + rng.standard_normal((settings.particles, parents.shape[1])) @ chol.T
    g = _simulate(simulate, z, last.index + 1, settings, t0, eps)
    like = accepted(g.distances, g.epsilon)
    return _finish(g, _weigh(z, like, mixture_log_density(z, parents, w, chol)), t0)


def _finish(g: Generation, weights: FloatArray, t0: float) -> Generation:
    return Generation(g.index, g.z, weights, g.distances, g.epsilon,
                      time.perf_counter() - t0, g.model_seconds)  # fmt: skip


def accepted(distances: FloatArray, epsilon: float) -> FloatArray:
    """Each particle's ABC likelihood: the share of its replicates within ``epsilon``."""
    return np.asarray((distances <= epsilon).mean(axis=1), dtype=np.float64)


def bandwidth(ess: float, dims: int) -> float:
    """Silverman's rule of thumb for a Gaussian kernel: ``(n (d + 2) / 4)^(-1 / (d + 4))``.

    ``n`` is the population's effective sample size (pyabc's default kernel).
    """
    return float((max(ess, 1.0) * (dims + 2) / 4) ** (-1 / (dims + 4)))


def kernel_cholesky(z: FloatArray, weights: FloatArray) -> FloatArray:
    """Cholesky factor of the kernel's covariance.

    The weighted covariance of ``z`` times the square of Silverman's bandwidth at the
    population's effective size.
    """
    d = z.shape[1]
    cov = np.atleast_2d(np.cov(z, rowvar=False, aweights=weights)) if z.shape[0] > 1 else None
    if cov is None or not np.all(np.isfinite(cov)):
        cov = np.eye(d) * 1e-2
    ess = float(weights.sum() ** 2 / np.square(weights).sum())
    cov = bandwidth(ess, d) ** 2 * cov + 1e-9 * np.eye(d)  # jitter: a collapsed population
    return np.asarray(np.linalg.cholesky(cov), dtype=np.float64)


def mixture_log_density(
    z: FloatArray, centers: FloatArray, weights: FloatArray, chol: FloatArray
) -> FloatArray:
    """Log density of ``sum_j w_j N(z; centers_j, L L^T)`` at each row of ``z``.

    Computed with whitened coordinates and matrix products, in chunks of rows so that at
    most a few million kernel values are held at once.
    """
    d = z.shape[1]
    y, c = (np.linalg.solve(chol, a.T).T for a in (z, centers))
    c2 = np.square(c).sum(axis=1)
    log_norm = -np.log(np.diag(chol)).sum() - 0.5 * d * math.log(2 * math.pi)
    with np.errstate(divide="ignore"):
        log_w = np.log(weights)
    rows = max(1, _CHUNK // max(1, c.shape[0]))
    out = np.empty(z.shape[0])
    for s in range(0, z.shape[0], rows):  # chunks of particles, each a matrix product
        yi = y[s : s + rows]
        sq = np.square(yi).sum(axis=1)[:, None] + c2[None, :] - 2.0 * yi @ c.T
        out[s : s + rows] = logsumexp(log_w[None, :] - 0.5 * np.maximum(sq, 0.0), axis=1)
    return np.asarray(out + log_norm, dtype=np.float64)
