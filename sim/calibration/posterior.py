"""What a calibration leaves: weighted particles, their summary, and each generation's record.

Core objects: :class:`Posterior` (the populations of an ABC-SMC calibration, the last one
the posterior) with :meth:`~Posterior.summary` (prior and posterior mean, sd and 5/50/95%
quantiles of each fitted quantity), :meth:`~Posterior.diagnostics` (tolerance, acceptance,
effective sample size and time per generation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calibration.loader import Calibration
from sim.calibration.smc import Generation
from sim.core.html import head_html, table_html
from sim.core.stats import weighted_quantiles
from sim.scenario.uncertainty import draw

#: the quantiles a summary gives
SUMMARY_QUANTILES = (0.05, 0.5, 0.95)
#: points of the prior's quantile grid its moments are computed on
_PRIOR_GRID = 100_000


@dataclass(frozen=True)
class Posterior:
    """The populations of a calibration; the last one is the posterior.

    Attributes:
        calibration: The calibration that made them.
        generations: Each generation's population, in order.
        stopped: Why the calibration stopped.
    """

    calibration: Calibration
    generations: tuple[Generation, ...]
    stopped: str

    @property
    def last(self) -> Generation:
        """The final population."""
        return self.generations[-1]

    def particles(self, generation: int | None = None) -> pd.DataFrame:
        """A generation's particles (default: the last): fitted values and ``weight``."""
        g = self.generations[-1 if generation is None else generation]
        frame = pd.DataFrame(self.calibration.values(g.z))
        frame["weight"] = g.weights
        return frame

    def table(self) -> pd.DataFrame:
        """Every generation's particles, with columns ``generation`` and ``particle``."""
        parts = []
        for g in self.generations:
            f = self.particles(g.index)
            f.insert(0, "particle", np.arange(len(f)))
            f.insert(0, "generation", g.index)
            parts.append(f)
        return pd.concat(parts, ignore_index=True)

    def summary(self) -> pd.DataFrame:
        """Prior and posterior mean, sd and quantiles of each fitted quantity."""
        grid = (np.arange(_PRIOR_GRID) + 0.5) / _PRIOR_GRID
        post = self.particles()
        w = post["weight"].to_numpy()
        rows = []
        for key, q in self.calibration.priors.items():
            prior = draw(q.uncertainty, grid, q.whole)
            x = post[key].to_numpy()
            mean = float(np.sum(w * x))
            row = {"quantity": key, "prior": str(q.uncertainty),
                   "prior_mean": prior.mean(), "prior_sd": prior.std()}  # fmt: skip
            row |= {
                f"prior_q{round(p * 100):02d}": np.quantile(prior, p) for p in SUMMARY_QUANTILES
            }
            row |= {
                "posterior_mean": mean,
                "posterior_sd": float(np.sqrt(np.sum(w * (x - mean) ** 2))),
            }
            qs = weighted_quantiles(x, w, SUMMARY_QUANTILES)
            row |= {
                f"posterior_q{round(p * 100):02d}": v
                for p, v in zip(SUMMARY_QUANTILES, qs, strict=True)
            }
            row["sd_ratio"] = row["posterior_sd"] / row["prior_sd"] if row["prior_sd"] else np.nan
            rows.append(row)
        return pd.DataFrame(rows).set_index("quantity")

    def diagnostics(self) -> pd.DataFrame:
        """Per generation: tolerance, acceptance, ESS, particles with weight, seconds."""
        rows = [
            {
                "generation": g.index,
                "epsilon": g.epsilon,
                "acceptance": g.acceptance,
                "ess": g.ess,
                "accepted_particles": int((g.weights > 0).sum()),
                "simulations": g.distances.size,
                "seconds": g.seconds,
                "model_seconds": g.model_seconds,
                "outside_model_share": 1 - g.model_seconds / g.seconds if g.seconds else np.nan,
            }
            for g in self.generations
        ]
        return pd.DataFrame(rows).set_index("generation")

    def report(self) -> str:
        """The summary and the diagnostics as text."""
        g = self.last
        cols = ["prior_mean", "prior_sd", "posterior_mean", "posterior_sd", "posterior_q05",
                "posterior_q95", "sd_ratio"]  # fmt: skip
        head = (f"calibration {self.calibration.name}: {len(self.generations)} generations "
                f"({self.stopped}); {g.z.shape[0]:,} particles x {g.distances.shape[1]} "
                f"replicates, final tolerance {g.epsilon:.4g}, ESS {g.ess:,.0f}")  # fmt: skip
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            return "\n\n".join(
                [
                    head,
                    self.summary()[cols].to_string(float_format="{:.4g}".format),
                    self.diagnostics().to_string(float_format="{:.4g}".format),
                ]
            )

    def _repr_html_(self) -> str:
        g = self.last
        facts = [
            f"{len(self.generations)} generations ({self.stopped})",
            f"{g.z.shape[0]:,} particles x {g.distances.shape[1]} replicates",
            f"final tolerance {g.epsilon:.4g}, ESS {g.ess:,.0f}",
        ]
        cols = ["prior_mean", "posterior_mean", "posterior_sd", "posterior_q05",
                "posterior_q95", "sd_ratio"]  # fmt: skip
        head = head_html(f"Posterior of {self.calibration.name}", facts)
        return head + table_html(self.summary()[cols])
