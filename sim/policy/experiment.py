"""An experiment's results, as policies x scenarios.

Core objects: :func:`experiment` (run an experiment file), :class:`Experiment` (a sweep
folder written from a file with ``levers:``, read as one mean per point and metric, arranged
scenarios x policies) and :func:`load_experiment`.
A *policy* is one setting of the levers: a named policy and the levers' values, labelled
``"restraint, p_mass_per_killed=0.25"``; a *scenario* is a row of the uncertainties' design.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.core.errors import InputError, did_you_mean
from sim.core.html import head_html, table_html
from sim.scenario.vocabulary import GROUP_METRIC
from sim.sweeps.levers import POLICY, SCENARIO
from sim.sweeps.results import SweepResults
from sim.sweeps.runner import sweep


@dataclass(frozen=True)
class Experiment:
    """An experiment's finished points.

    Attributes:
        results: The sweep folder's contents.
        points: One row per point: ``scenario``, ``policy`` (the label), the uncertainties.
    """

    results: SweepResults
    points: pd.DataFrame

    @property
    def name(self) -> str:
        """The experiment's name."""
        return str(self.results.info["sweep"])

    @property
    def metrics(self) -> list[str]:
        """The metrics recorded, without the per-group ones (their names hold dots)."""
        return [m for m in self.results.metrics if not m.startswith(GROUP_METRIC)]

    @property
    def uncertainties(self) -> list[str]:
        """The sampled inputs, as named in the file."""
        levers = set(self.results.info.get("levers", []))
        return [p for p in self.results.parameters if p not in {SCENARIO, POLICY} | levers]

    @property
    def levers(self) -> list[str]:
        """The continuous levers, as named in the file."""
        return list(self.results.info.get("levers", []))

    def _repr_html_(self) -> str:
        """The experiment's shape, then its points (scenario, policy, uncertainties)."""
        facts = [
            f"{self.points.policy.nunique()} policies",
            f"{self.points.scenario.nunique()} scenarios",
            f"{len(self.points):,} points",
            f"{self.results.info['replications']:,} trials each",
        ]
        return head_html(f"experiment {self.name}", facts) + table_html(self.points.head(50))

    def check_metric(self, metric: str) -> None:
        """Refuse a metric the experiment did not record.

        Raises:
            InputError: It names no recorded metric.
        """
        if metric not in self.results.metrics:
            known = self.results.metrics
            raise InputError(f"unknown metric {metric!r}{did_you_mean(metric, known)}")

    def defines(self, metric: str) -> bool:
        """Whether some scenario has ``metric`` for every policy."""
        try:
            self.means(metric)
        except InputError:
            return False
        return True

    def means(self, metric: str) -> pd.DataFrame:
        """Each point's mean of ``metric``: scenarios x policies (scenarios all policies ran).

        Raises:
            InputError: No scenario was run by every policy (all points failed, say).
        """
        self.check_metric(metric)
        t = self.results.table
        rows = t[t.metric == metric].set_index("point")["mean"]
        frame = self.points.join(rows.rename("value"), how="inner")
        wide = frame.pivot(index=SCENARIO, columns=POLICY, values="value")  # one point a cell
        wide = wide[list(dict.fromkeys(frame[POLICY]))].dropna()  # the file's order
        if wide.empty:
            raise InputError(f"no scenario of {self.name!r} has {metric!r} for every policy")
        wide.columns.name = None
        return wide


def _label(row: pd.Series, levers: list[str]) -> str:
    """A policy's label: its name, then each lever's value."""
    parts = [str(row[POLICY])] if POLICY in row.index else []
    parts += [f"{name.split('.')[-1]}={row[name]:g}" for name in levers]
    return ", ".join(parts)


def load_experiment(ref: str | Path | Experiment) -> Experiment:
    """Read an experiment's folder.

    Raises:
        InputError: The folder holds a sweep without levers, or no sweep at all.
    """
    if isinstance(ref, Experiment):
        return ref
    results = SweepResults.load(ref)
    if SCENARIO not in results.parameters:
        raise InputError(
            "not an experiment: this sweep has no levers (give its file levers: and "
            "uncertainties:, then run it with escsim sweep)",
            file=str(ref),
        )
    design = results.table.drop_duplicates("point").set_index("point")[results.parameters]
    levers = list(results.info.get("levers", []))
    points = pd.DataFrame(
        {
            SCENARIO: design[SCENARIO].astype(int),
            POLICY: design.apply(_label, axis=1, levers=levers),
        },
        index=design.index,
    )
    for name in results.parameters:
        if name not in (SCENARIO, POLICY):
            points[name] = design[name]
    return Experiment(results=results, points=points)


def experiment(
    file: str | Path,
    out: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    progress: bool = False,
) -> Experiment:
    """Run every policy in every scenario of an experiment file, into the folder ``out``.

    The arguments are :func:`sim.sweep`'s (an experiment is a sweep file with ``levers:``);
    running again with the same folder resumes.

    Raises:
        InputError: The file is not an experiment, or anything :func:`sim.sweep` refuses.
    """
    sweep(file, out, workers, scheduler, dask_local, progress)
    return load_experiment(out)
