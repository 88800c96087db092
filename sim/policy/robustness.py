"""How each policy fares across the scenarios of an experiment: spread, regret, satisficing.

Core objects: :func:`robustness` (the Python API; ``escsim robustness DIR`` calls it) and
:class:`Robustness`, its result (a tidy table, an HTML view and a heatmap). A *policy* is one
setting of an experiment's levers (a named policy and its lever values); a *scenario* is one
row of its uncertainties' design. Each point's estimate is the mean of its trials. For each
policy and metric: the mean over scenarios with a 95% interval (scenarios and trials both
vary it), the 10th, 50th and 90th percentiles, regret (the loss against the best policy in
the same scenario: its mean and maximum, Savage's minimax criterion, with a bootstrap
interval over scenarios), and, given a condition, the share of scenarios that satisfy it
(a Wilson interval). Smaller is better unless a metric is to be maximized.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.errors import InputError, did_you_mean
from sim.core.html import head_html, table_html
from sim.core.stats import estimate_share
from sim.policy.experiment import Experiment, load_experiment
from sim.scenario.expr import ExprError, compile_expr
from sim.scenario.vocabulary import GROUP_METRIC, METRICS

#: metrics where more is better; every other is a risk or a cost, where less is better
MAXIMIZE = ("longest_lull_days", "p_withdrawal_agreement")
#: bootstrap resamples of the scenarios for regret's interval (seeded: the same table twice)
BOOTSTRAP, BOOTSTRAP_SEED = 2_000, 16


@dataclass(frozen=True)
class Robustness:
    """Each policy across the scenarios.

    Attributes:
        table: One row per policy and metric: ``mean``, ``ci_low``, ``ci_high``, ``p10``,
            ``p50``, ``p90``, ``regret_mean``, ``regret_max`` and ``regret_mean_ci_low`` /
            ``_high``, ``scenarios``, ``maximize``.
        satisficing: One row per policy: ``share`` of scenarios meeting ``condition``, with
            ``ci_low``, ``ci_high`` and ``scenarios`` (empty without a condition).
        condition: The condition, as given.
        name: The experiment's name.
    """

    table: pd.DataFrame
    satisficing: pd.DataFrame
    condition: str | None
    name: str

    def _repr_html_(self) -> str:
        """The satisficing table (if any), then the mean and regret of each metric."""
        head = head_html(f"robustness of {self.name}", [f"{self.table.policy.nunique()} policies"])
        wide = self.table.pivot_table(
            index="policy", columns="metric", values=["mean", "regret_max"], sort=False
        )
        parts = [head]
        if len(self.satisficing):
            parts.append(f"<p>satisficing: {self.condition}</p>" + table_html(self.satisficing))
        return "".join([*parts, table_html(wide.round(4))])

    def figure(self, value: str = "regret_max"):  # type: ignore[no-untyped-def]
        """A heatmap of policies x metrics: ``value`` scaled within each metric."""
        from sim.policy.plots import robustness_figure  # noqa: PLC0415 - matplotlib on demand

        label = {"regret_max": "maximum regret", "regret_mean": "mean regret"}.get(value, value)
        return robustness_figure(self.table, value, f"{self.name}: {label} across scenarios")


def robustness(
    experiment: str | Path | Experiment,
    satisfice: str | None = None,
    metrics: Sequence[str] | None = None,
    maximize: Sequence[str] = MAXIMIZE,
) -> Robustness:
    """Each policy's spread, regret and satisficing across an experiment's scenarios.

    Args:
        experiment: An experiment's results folder (``escsim sweep`` of a file with
            ``levers:``), or one loaded.
        satisfice: A condition on the metrics, such as ``"p_strike_on_iran < 0.05 and
            p_us_fatality < 0.3"``, in the rules' grammar.
        metrics: The metrics to report (default: all but the per-group ones).
        maximize: Metrics where more is better.

    Raises:
        InputError: Not an experiment, an unknown metric, a malformed condition.
    """
    exp = load_experiment(experiment)
    names = list(metrics) if metrics is not None else exp.metrics
    for m in names:
        exp.check_metric(m)
    for m in maximize:  # a metric of the model, recorded or not (the default names two)
        if m not in METRICS and not m.startswith(GROUP_METRIC):
            raise InputError(f"unknown metric {m!r} in maximize{did_you_mean(m, list(METRICS))}")
    if metrics is None:  # the metrics this experiment defines (a short run has no p_resume_180d)
        names = [m for m in names if exp.defines(m)]
    rows = [_metric_rows(exp.means(m), m, m in maximize) for m in names]
    table = pd.concat(rows, ignore_index=True)
    sat = _satisficing(exp, satisfice) if satisfice else pd.DataFrame()
    return Robustness(table=table, satisficing=sat, condition=satisfice, name=exp.name)


def _metric_rows(means: pd.DataFrame, metric: str, maximize: bool) -> pd.DataFrame:
    """One metric's rows: ``means`` is scenarios x policies (each point's mean)."""
    best = means.max(axis=1) if maximize else means.min(axis=1)
    regret = (best.to_numpy()[:, None] - means.to_numpy()) * (1 if maximize else -1)
    regret = np.maximum(regret, 0.0)  # the best policy's own regret is 0, not -0
    boot = _bootstrap_means(regret)
    x = means.to_numpy()
    n = x.shape[0]
    se = x.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.full(x.shape[1], np.nan)
    mean = x.mean(axis=0)
    out = pd.DataFrame(
        {
            "policy": means.columns,
            "metric": metric,
            "mean": mean,
            "ci_low": mean - 1.959964 * se,
            "ci_high": mean + 1.959964 * se,
            "p10": np.quantile(x, 0.1, axis=0),
            "p50": np.quantile(x, 0.5, axis=0),
            "p90": np.quantile(x, 0.9, axis=0),
            "regret_mean": regret.mean(axis=0),
            "regret_mean_ci_low": np.quantile(boot, 0.025, axis=0),
            "regret_mean_ci_high": np.quantile(boot, 0.975, axis=0),
            "regret_max": regret.max(axis=0),
            "scenarios": n,
            "maximize": maximize,
        }
    )
    return out


def _bootstrap_means(regret: np.ndarray) -> np.ndarray:
    """Means of ``regret``'s columns over scenarios resampled with replacement (paired)."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    n = regret.shape[0]
    idx = rng.integers(0, n, size=(BOOTSTRAP, n))
    out: np.ndarray = regret[idx].mean(axis=1)
    return out


def boolean(value: object, condition: str) -> np.ndarray:
    """A condition's outcome, refused when it is a number rather than a test.

    Raises:
        InputError: ``p_strike_on_iran`` alone (a number), not ``p_strike_on_iran > 0.1``.
    """
    out = np.asarray(value)
    if out.dtype != np.bool_:
        raise InputError(
            f"the condition {condition!r} gives numbers, not true or false: compare them "
            "(p_strike_on_iran > 0.1)"
        )
    return out


def _satisficing(exp: Experiment, condition: str) -> pd.DataFrame:
    """The share of scenarios in which each policy meets ``condition``."""
    names = exp.metrics
    try:
        expr = compile_expr(condition, names)
    except ExprError as exc:
        raise InputError(f"the condition {condition!r}: {exc}") from None
    used = [m for m in names if m in expr.names]
    if not used:
        raise InputError(f"the condition {condition!r} reads no metric")
    means = {m: exp.means(m) for m in used}
    first = next(iter(means.values()))
    env = {m: v.to_numpy() for m, v in means.items()}
    ok = np.broadcast_to(boolean(expr(env), condition), first.shape)
    rows = []
    for j, policy in enumerate(first.columns):
        est = estimate_share(ok[:, j].astype(float))
        rows.append(
            {"policy": policy, "share": est.mean, "ci_low": est.ci_low, "ci_high": est.ci_high,
             "scenarios": est.n}
        )  # fmt: skip
    return pd.DataFrame(rows)
