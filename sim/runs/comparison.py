"""Paired comparison of two scenarios through common random numbers.

Core objects: :class:`Comparison` and :func:`compare`. Both
scenarios run with one seed, so trial ``k`` of each draws the same random numbers wherever
their rules agree; the difference of a metric is estimated from per-trial differences, which
is far tighter than comparing two independent means.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.core.errors import InputError
from sim.core.files import prepare_dir, write_atomic
from sim.core.html import head_html, table_html
from sim.core.stats import Estimate, paired_difference, relative_risk
from sim.core.types import SeedLike
from sim.runs.figures import comparison_figure
from sim.runs.posterior import load_posterior
from sim.runs.results import Results, settings_text
from sim.runs.runner import DEFAULT_BLOCK, run
from sim.scenario.loader import Scenario, load_scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass
class Comparison:
    """Scenario ``a`` minus scenario ``b``, trial by trial.

    Attributes:
        a: Results of the first scenario.
        b: Results of the second, same seed, trials and days.
    """

    a: Results
    b: Results

    def __post_init__(self) -> None:
        """Refuse results that are not paired trial by trial.

        Raises:
            InputError: The two differ in seed, trials or days.
        """
        for what in ("seed", "trials", "days"):
            x, y = getattr(self.a, what), getattr(self.b, what)
            if x != y:
                raise InputError(
                    f"a comparison pairs trials: both runs need the same {what}, "
                    f"got {x!r} and {y!r}"
                )

    def metric_names(self) -> list[str]:
        """Metrics both results have (group metrics only for groups in both)."""
        names_b = set(self.b.metric_names())
        return [m for m in self.a.metric_names() if m in names_b]

    def differences(self) -> dict[str, Estimate]:
        """Each metric's mean paired difference ``a - b`` with its 95% interval."""
        return {
            m: paired_difference(self.a.per_trial(m), self.b.per_trial(m))
            for m in self.metric_names()
        }

    def summary(self) -> pd.DataFrame:
        """One row per metric: the two means, the difference, its interval, trials paired.

        For a metric defined only in some trials (days from a fatality to a strike, say),
        the means and the difference are all over the ``n`` trials where both are defined,
        so ``diff == a_mean - b_mean``. Where no trial defines both (a metric of the directive,
        against a scenario without one), each mean is over its own trials, and ``diff`` is
        empty with ``n`` 0. For probabilities (``p_*``), ``rr`` is the relative risk
        ``a_mean / b_mean`` with its paired 95% interval ``rr_ci_low``, ``rr_ci_high`` (empty
        where either never happens).
        """
        rows = []
        for m, d in self.differences().items():
            a, b = self.a.per_trial(m), self.b.per_trial(m)
            rr = relative_risk(a, b) if m.startswith("p_") else None
            rows.append(
                {
                    "metric": m,
                    "a_mean": _paired_mean(a, b),
                    "b_mean": _paired_mean(b, a),
                    "diff": d.mean,
                    "ci_low": d.ci_low,
                    "ci_high": d.ci_high,
                    "n": d.n,
                    "rr": rr.mean if rr else math.nan,
                    "rr_ci_low": rr.ci_low if rr else math.nan,
                    "rr_ci_high": rr.ci_high if rr else math.nan,
                }
            )
        return pd.DataFrame(rows).set_index("metric")

    def to_json_dict(self) -> dict[str, Any]:
        """The comparison as JSON-ready data."""
        df = self.summary().astype(object).where(self.summary().notna(), None)
        return {
            "a": self.a.scenario.name,
            "b": self.b.scenario.name,
            "seed": self.a.seed,
            "trials": self.a.trials,
            "days": self.a.days,
            "a_changes": dict(self.a.scenario.changes),
            "b_changes": dict(self.b.scenario.changes),
            "posterior": self.a.posterior,
            "metrics": df.to_dict(orient="index"),
        }

    def __repr__(self) -> str:
        """The two scenarios, size and seed."""
        return (
            f"Comparison({self.a.scenario.name!r} vs {self.b.scenario.name!r}, "
            f"trials={self.a.trials}, days={self.a.days}, seed={self.a.seed!r})"
        )

    def _repr_html_(self) -> str:
        """Both means and the differences as an HTML table, for Jupyter."""
        head = head_html(
            f"{self.a.scenario.name} (a) vs {self.b.scenario.name} (b)",
            [f"{self.a.trials:,} paired trials", f"{self.a.days} days", f"seed {self.a.seed}"],
        )
        return head + table_html(self.summary())

    def figure(self) -> Figure:
        """The two scenarios day by day, and the paired differences: a Figure."""
        title = (
            f"{self.a.scenario.name} (a) vs {self.b.scenario.name} (b): {self.a.trials:,} "
            f"paired trials x {self.a.days} days, seed {self.a.seed}"
        )
        runs = [(r.scenario.name, r.daily()) for r in (self.a, self.b)]
        return comparison_figure(runs, self.summary(), title)

    def report(self) -> str:
        """The summary as readable text: a row per metric, then the relative risks.

        A metric defined in only one of the runs shows that run's mean and "—" for the
        difference; the footer says so.
        """
        head = (
            f"{self.a.scenario.name} (a) vs {self.b.scenario.name} (b): {self.a.trials:,} "
            f"paired trials x {self.a.days} days, seed {self.a.seed}"
        )
        changed = [
            f"set on {k}: {settings_text(r.scenario)}"
            for k, r in (("a", self.a), ("b", self.b))
            if r.scenario.changes
        ]
        lines = [
            head,
            *changed,
            f"{'metric':56} {'a':>9} {'b':>9} {'a - b':>9} {'95% CI of a - b':>23} {'n':>8}",
        ]
        table = self.summary()
        for m, r in table.iterrows():
            if r.n:
                diff, ci = f"{r['diff']:9.4g}", f"[{r.ci_low:.4g}, {r.ci_high:.4g}]"
            else:
                diff, ci = f"{'—':>9}", "—"
            lines.append(
                f"{m!s:56} {_number(r.a_mean)} {_number(r.b_mean)} {diff} {ci:>23} {int(r.n):8d}"
            )
        lines.append("n: trials where the metric is defined in both runs; means are over those.")
        if not table["n"].all():
            lines.append(
                "—: defined in only one run (no trial has it in both): the mean is over that "
                "run's own trials,\n   and there is no paired difference."
            )
        risks = table[table["rr"].notna()]
        if len(risks):
            lines.append("\nrelative risk a / b (paired, 95% CI):")
            for m, r in risks.iterrows():
                lines.append(f"  {m!s:54} {r.rr:9.3g}  [{r.rr_ci_low:.3g}, {r.rr_ci_high:.3g}]")
        return "\n".join(lines)

    def write(self, out: str | Path) -> Path:
        """Write ``comparison.json`` atomically into ``out``."""
        path = prepare_dir(out)
        return write_atomic(
            path / "comparison.json",
            lambda p: p.write_text(json.dumps(self.to_json_dict(), indent=2)),
        )


def _number(x: float) -> str:
    """A mean in 9 characters; "—" where no trial defines it."""
    return f"{'—':>9}" if math.isnan(x) else f"{x:9.4g}"


def _paired_mean(x: np.ndarray[Any, np.dtype[np.float64]], y: np.ndarray[Any, Any]) -> float:
    """X's mean over the trials where both are defined; over x's own if there are none."""
    both = ~(np.isnan(x) | np.isnan(y))
    if both.any():
        return float(x[both].mean())
    own = x[~np.isnan(x)]
    return float(own.mean()) if own.size else float("nan")


def compare(
    a: str | Path | Scenario,
    b: str | Path | Scenario,
    trials: int = 10_000,
    days: int | None = None,
    seed: SeedLike = 0,
    block_size: int = DEFAULT_BLOCK,
    workers: int | None = 1,
    progress: bool = False,
    point: bool = False,
    posterior: str | Path | None = None,
) -> Comparison:
    """Run two scenarios with the same seed and compare them trial by trial.

    ``days`` defaults to the first scenario's horizon; the other arguments are those of
    :func:`sim.run`. With a ``posterior``, trial ``t`` of both runs takes the same particle.
    """
    sa, sb = load_scenario(a), load_scenario(b)
    n_days = days if days is not None else sa.spec.days
    draws = load_posterior(posterior) if posterior is not None else None
    return Comparison(
        run(sa, trials, n_days, seed, block_size, workers, progress, point, draws),
        run(sb, trials, n_days, seed, block_size, workers, progress, point, draws),
    )
