"""Scenario discovery: the conditions (uncertainties and levers) under which a case occurs.

Core objects: :func:`discover` (the Python API; ``escsim discover DIR --where ...`` calls
it), :func:`find_box` (PRIM on any table) and :class:`Discovery`, the result. The case is a
condition on each point's metrics, in the rules' grammar (``p_strike_on_iran > 0.1``).
PRIM (Friedman & Fisher 1999) is EMA Workbench's (``ema_workbench.analysis.prim``: peeling,
then pasting, the coverage-density trade-off, the quasi-p-value of each restriction); the
check of which restrictions recur is done here, rerunning it on halves of the points. CART
and the feature scores (extra trees) are scikit-learn's. Both libraries are the ``policy``
extra, loaded only here.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.errors import InputError
from sim.core.html import head_html, table_html
from sim.policy.experiment import Experiment, load_experiment
from sim.policy.robustness import boolean
from sim.scenario.expr import ExprError, compile_expr
from sim.sweeps.levers import POLICY

#: CART's depth, the extra trees' count, the seed of both and of PRIM's resampling
CART_DEPTH, TREES, SEED = 3, 250, 7
MISSING_EXTRA = (
    "scenario discovery needs the policy extra (EMA Workbench and scikit-learn): "
    "pip install -e '.[policy]'"
)


@dataclass(frozen=True)
class Box:
    """One PRIM box.

    Attributes:
        trajectory: The peeling trajectory: ``coverage``, ``density``, ``mass``,
            ``res_dim`` (restricted dimensions), one row per box.
        chosen: The row of ``trajectory`` chosen.
        limits: The chosen box's restrictions: ``min``, ``max`` (or the categories kept),
            the input's full range, and the restriction's quasi-p-value.
        stability: For each input, the share of resamples (half the points each, chosen
            by the same rule) whose box restricts it (``share_restricted``): a restriction
            that recurs is a finding, one that comes and goes is noise.
    """

    trajectory: pd.DataFrame
    chosen: int
    limits: pd.DataFrame
    stability: pd.DataFrame


def _prim() -> Any:
    """EMA Workbench's PRIM module, or a clear message where the extra is missing."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "ipyparallel not installed": not used here
            from ema_workbench.analysis import prim  # noqa: PLC0415 - the optional extra
    except ImportError:
        raise InputError(MISSING_EXTRA) from None
    return prim


def find_box(x: pd.DataFrame, y: np.ndarray, threshold: float = 0.8, resamples: int = 10) -> Box:
    """PRIM's box for the points where ``y`` holds.

    The chosen box is the one of most coverage among those of density at least
    ``threshold`` (the densest, if none reaches it).

    Raises:
        InputError: ``y`` holds at no point or at every point.
    """
    if not 0 < threshold <= 1:
        raise InputError(f"the threshold is a density, above 0 and at most 1: got {threshold:g}")
    if resamples < 1:
        raise InputError(f"resamples must be at least 1, got {resamples}")
    if not y.any() or y.all():
        where = "no point" if not y.any() else "every point"
        raise InputError(f"the case holds at {where}: there is nothing to tell apart")
    traj, chosen, lims = _peel(x, y, threshold)
    rng = np.random.default_rng(SEED)
    restricted = pd.DataFrame(0.0, index=x.columns, columns=["share_restricted"])
    done = 0
    for _ in range(resamples):  # half the points, without replacement, each time
        half = np.sort(rng.choice(len(y), size=len(y) // 2, replace=False))
        if y[half].any() and not y[half].all():
            restricted.loc[
                _peel(x.iloc[half], y[half], threshold)[2].index, "share_restricted"
            ] += 1
            done += 1
    stability = (restricted / max(done, 1)).sort_values("share_restricted", ascending=False)
    return Box(trajectory=traj, chosen=chosen, limits=_limits(lims, x), stability=stability)


def _peel(x: pd.DataFrame, y: np.ndarray, threshold: float) -> tuple[pd.DataFrame, int, Any]:
    """EMA's PRIM on ``x`` and ``y``: the trajectory, the chosen box, its limits table."""
    prim = _prim()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box = prim.Prim(x.reset_index(drop=True), y.astype(int), threshold=threshold).find_box()
        traj = box.peeling_trajectory[["coverage", "density", "mass", "res_dim"]].copy()
        ok = traj[traj.density >= threshold]
        chosen = int(ok.coverage.idxmax()) if len(ok) else int(traj.density.idxmax())
        _, lims = box.inspect(chosen, style="data")[0]
    return traj, chosen, lims


def _limits(lims: pd.DataFrame, x: pd.DataFrame) -> pd.DataFrame:
    """A box's restrictions with each input's full range, from EMA's inspect table."""
    rows = []
    for name in lims.index:
        lo, hi = lims.loc[name].iloc[0], lims.loc[name].iloc[1]
        qp = np.nanmin(lims.loc[name].iloc[2:].to_numpy(float)) if lims.shape[1] > 2 else np.nan
        col = x[name]
        rows.append(
            {"input": name, "min": float(lo), "max": float(hi), "full_min": col.min(),
             "full_max": col.max(), "qp_value": qp}
        )  # fmt: skip
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Discovery:
    """Where a case occurs in an experiment.

    Attributes:
        condition: The case, as given.
        cases: How many points meet it, of ``points``.
        points: Points read.
        box: PRIM's box.
        cart: CART's rules (a depth-3 tree), as text.
        scores: Each input's extra-trees score for the case (summing to 1).
        name: The experiment's name.
        x: Each point's inputs.
        y: Whether each point is a case.
    """

    condition: str
    cases: int
    points: int
    box: Box
    cart: str
    scores: pd.Series
    name: str
    x: pd.DataFrame
    y: pd.Series

    def _repr_html_(self) -> str:
        """The chosen box, its stability and the feature scores."""
        head = head_html(
            f"discovery in {self.name}: {self.condition}",
            [f"{self.cases} of {self.points} points", f"box {self.box.chosen}"],
        )
        return (
            head
            + table_html(self.box.limits)
            + table_html(self.box.stability.reset_index())
            + table_html(self.scores.rename("score").reset_index())
            + f"<pre>{self.cart}</pre>"
        )

    def figures(self) -> dict[str, Any]:
        """The trade-off curve, the box's limits against the full ranges, and its pairs."""
        from sim.policy.plots import (  # noqa: PLC0415 - matplotlib on demand
            box_limits_figure,
            box_pairs_figure,
            tradeoff_figure,
        )

        title = f"{self.name}: {self.condition}"
        return {
            "tradeoff": tradeoff_figure(self.box.trajectory, self.box.chosen, title),
            "box": box_limits_figure(self.box.limits, title),
            "pairs": box_pairs_figure(self.x, self.y, self.box.limits, title),
        }


def inputs(exp: Experiment) -> pd.DataFrame:
    """Each point's inputs: the uncertainties, the levers, and a 0/1 column per named policy.

    The policies are coded 0/1 (``policy=restraint``), so that PRIM, CART and the trees read
    them alike (EMA Workbench 2.5's PRIM cannot report a box on a categorical input with
    pandas 2).
    """
    x = exp.points[[*exp.uncertainties, *exp.levers]].astype(float)
    if POLICY in exp.results.parameters:
        names = exp.results.table.drop_duplicates("point").set_index("point")[POLICY]
        names = names.reindex(x.index).astype(str)
        for name in dict.fromkeys(names):
            x[f"{POLICY}={name}"] = (names == name).astype(float)
    return x


def case(exp: Experiment, condition: str) -> pd.Series:
    """Whether each point meets ``condition`` (a rule over its metrics' means).

    Raises:
        InputError: A malformed condition, or one that reads no metric.
    """
    try:
        expr = compile_expr(condition, exp.metrics)
    except ExprError as exc:
        raise InputError(f"the condition {condition!r}: {exc}") from None
    used = [m for m in exp.metrics if m in expr.names]
    if not used:
        raise InputError(f"the condition {condition!r} reads no metric")
    t = exp.results.table
    wide = t[t.metric.isin(used)].pivot(index="point", columns="metric", values="mean")
    wide = wide.reindex(exp.points.index).dropna()
    values = boolean(expr({m: wide[m].to_numpy() for m in used}), condition)
    return pd.Series(np.broadcast_to(values, (len(wide),)), index=wide.index)


def discover(
    experiment: str | Path | Experiment,
    where: str,
    threshold: float = 0.8,
    resamples: int = 10,
) -> Discovery:
    """PRIM, CART and feature scores for the points of an experiment where ``where`` holds.

    Raises:
        InputError: Not an experiment, a malformed condition, a case at no or every point,
            or the policy extra missing.
    """
    exp = load_experiment(experiment)
    y = case(exp, where)
    x = inputs(exp).loc[y.index]
    box = find_box(x, y.to_numpy(), threshold, resamples)
    cart, scores = _trees(x, y.to_numpy())
    return Discovery(where, int(y.sum()), len(y), box, cart, scores, exp.name, x, y)


def _trees(x: pd.DataFrame, y: np.ndarray) -> tuple[str, pd.Series]:
    """CART's rules and the extra-trees feature scores (scikit-learn)."""
    try:
        from sklearn.ensemble import ExtraTreesClassifier  # noqa: PLC0415 - the extra
        from sklearn.tree import DecisionTreeClassifier, export_text  # noqa: PLC0415
    except ImportError:
        raise InputError(MISSING_EXTRA) from None
    tree = DecisionTreeClassifier(max_depth=CART_DEPTH, min_samples_leaf=5, random_state=SEED)
    tree.fit(x, y)
    text = export_text(tree, feature_names=list(x.columns), show_weights=True)
    forest = ExtraTreesClassifier(n_estimators=TREES, random_state=SEED).fit(x, y)
    scores = pd.Series(forest.feature_importances_, index=x.columns, name="score")
    return text, scores.sort_values(ascending=False)
