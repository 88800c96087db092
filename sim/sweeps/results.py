"""A finished (or partly finished) sweep, read back from its folder.

Core objects: :class:`SweepResults`, which ``escsim analyze`` and ``escsim plot`` use:
the tidy table, the design, the manifest and each point's status, with the sensitivity
indices (:meth:`SweepResults.sensitivity`) and figures (:meth:`SweepResults.figures`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.core.errors import InputError
from sim.core.files import write_all, write_atomic
from sim.core.html import head_html, table_html
from sim.core.paths import MAX_TABLE_BYTES, check_regular_file
from sim.core.yamlio import read_text
from sim.sweeps.plots import (
    Figures,
    constant_reason,
    effects_figure,
    heatmaps_figure,
    sensitivity_figure,
)
from sim.sweeps.sensitivity import sensitivity

MAX_PLOTTED = 8
#: metrics drawn by default when a sweep records more than MAX_PLOTTED
PLOT_METRICS = [
    "attacks_per_day",
    "us_strikes_per_day",
    "p_us_fatality",
    "p_strike_on_iran",
    "max_rung",
]


@dataclass(frozen=True, repr=False)
class SweepResults:
    """What a sweep folder holds.

    Attributes:
        table: A row per finished point and metric (``results.parquet``).
        info: The manifest: sweep name and hash, design, parameters, seeds, versions.
        status: Each point's status, seconds and error (``status.csv``).
        folder: Where it was read from.
    """

    table: pd.DataFrame
    info: dict[str, Any]
    status: pd.DataFrame
    folder: Path | None = None

    @classmethod
    def load(cls, folder: str | Path) -> SweepResults:
        """Read a sweep folder written by ``escsim sweep`` or ``sim.sweep(out=...)``.

        Raises:
            InputError: The folder holds no sweep results.
        """
        path = Path(folder)
        files = [path / n for n in ("manifest.json", "results.parquet", "status.csv")]
        for f in files:
            if not f.is_file():
                raise InputError(f"not a sweep folder: {f.name} is missing", file=str(path))
            check_regular_file(f, MAX_TABLE_BYTES)  # a sparse 10 GB file is refused unread
        try:
            info = json.loads(read_text(files[0]))  # a regular file of at most 1 MiB
            table = pd.read_parquet(files[1])
            status = pd.read_csv(files[2], index_col="point", keep_default_na=False)
        except (ValueError, OSError, RecursionError) as exc:
            raise InputError(f"cannot read the sweep's files ({exc})", file=str(path)) from None
        if not isinstance(info, dict) or "sweep_hash" not in info:
            raise InputError("manifest.json is not a sweep's", file=str(files[0]))
        if reason := _unreadable(info, table, status):
            raise InputError(
                f"the folder {path} is not a sweep folder this version can read ({reason})",
                file=str(path),
            )
        return cls(table=table, info=info, status=status, folder=path)

    def __repr__(self) -> str:
        """The sweep, its folder and how many points are done (not the whole table)."""
        return (
            f"SweepResults({self.info['sweep']!r}, folder={str(self.folder)!r}, "
            f"done={self.done()} of {self.info['points']}, failed={len(self.failures())})"
        )

    def _repr_html_(self) -> str:
        """Points done and failed, then each point's means, one column per metric."""
        info = self.info
        head = head_html(
            f"sweep {info['sweep']}",
            [
                f"{info['design']['kind']} design",
                f"{self.done():,} of {info['points']:,} points done",
                f"{len(self.failures())} failed",
                f"{info['replications']:,} trials each",
                f"{info['days']} days",
            ],
        )
        means = self.table.pivot_table(
            index=["point", *self.parameters], columns="metric", values="mean", sort=False
        )
        means.columns.name = None  # not a stray "metric" header over the parameters
        return head + table_html(means.reset_index(), index=False)

    @property
    def parameters(self) -> list[str]:
        """The parameters, as named in the sweep file."""
        return list(self.info["parameters"])

    @property
    def metrics(self) -> list[str]:
        """The metrics the sweep records (from its manifest: known before any point ends)."""
        return list(self.info["metrics"])

    def failures(self) -> dict[int, str]:
        """Failed points and their errors."""
        failed = self.status[self.status["status"] == "failed"]
        return {int(str(i)): str(e) for i, e in failed["error"].items()}

    def done(self) -> int:
        """How many points have results."""
        return int(self.table["point"].nunique())

    def missing(self) -> int:
        """How many points have no results (failed, or not yet run)."""
        return int(self.info["points"]) - self.done()

    def sensitivity(self, metrics: list[str] | None = None, seed: int = 0) -> pd.DataFrame:
        """Sensitivity indices with 95% intervals (:func:`~sim.sweeps.sensitivity.sensitivity`)."""
        return sensitivity(self.table, self.info, self._check(metrics), seed)

    def plot_metrics(self, metrics: list[str] | None = None) -> list[str]:
        """The metrics to draw.

        Those asked for; else every metric the sweep records, if at most eight; else the
        main five (``PLOT_METRICS``).
        """
        if metrics:
            return self._check(metrics) or []
        if len(self.metrics) <= MAX_PLOTTED:
            return self.metrics
        chosen = [m for m in PLOT_METRICS if m in self.metrics]
        return chosen or self.metrics[:MAX_PLOTTED]

    def _check(self, metrics: list[str] | None) -> list[str] | None:
        for m in metrics or []:
            if m not in self.metrics:
                raise InputError(f"the sweep has no metric {m!r}; it has {', '.join(self.metrics)}")
        return metrics

    def figures(self, metrics: list[str] | None = None) -> Figures:
        """Every figure, by file stem, for each metric drawn.

        Effects; heatmaps (with two or more parameters); sensitivity bars (designs that
        have indices, once every point is done). A metric with the same mean at every point
        gets none: ``figures(...).skipped`` maps it to the reason.
        """
        chosen = self.plot_metrics(metrics)
        out = Figures()
        sens = None
        if self.info["design"]["kind"] != "grid" and not self.missing():
            sens = self.sensitivity(chosen)
        grid = self.info["design"]["kind"] == "grid"
        others = len(self.parameters) - 2
        for m in chosen:
            pts, name = self.table[self.table["metric"] == m], self.info["sweep"]
            reason = constant_reason(pts)
            if reason is not None:
                out.skipped[m] = reason
                continue
            title = f"{name}: {m} against each parameter{self._missing_note()}"
            out[f"{m}.effects"] = effects_figure(pts, self.parameters, m, title, grid)
            if others >= 0:
                over = {
                    0: "the two parameters",
                    1: "each pair of parameters, averaged over the third",
                }.get(others, f"each pair of parameters, averaged over the other {others}")
                title = f"{name}: mean {m} over {over}{self._missing_note()}"
                out[f"{m}.heatmaps"] = heatmaps_figure(pts, self.parameters, m, title, grid)
            if sens is not None and (sens["metric"] == m).any():
                out[f"{m}.sensitivity"] = sensitivity_figure(sens, m)
        return out

    def _missing_note(self) -> str:
        """A warning for a figure's title when points have no results."""
        k, points = self.missing(), self.info["points"]
        return f"\n({k} of {points} points missing: groups average unequal sets)" if k else ""

    def write_sensitivity(
        self, metrics: list[str] | None = None
    ) -> tuple[pd.DataFrame, list[Path]]:
        """Compute the indices and write ``sensitivity.csv`` and ``.parquet`` to the folder."""
        folder = self._folder()
        sens = self.sensitivity(metrics)
        paths = [
            write_atomic(folder / "sensitivity.csv", lambda p: sens.to_csv(p, index=False)),
            write_atomic(folder / "sensitivity.parquet", lambda p: sens.to_parquet(p, index=False)),
        ]
        return sens, paths

    def write_figures(self, metrics: list[str] | None = None) -> tuple[list[Path], dict[str, str]]:
        """Draw every figure and save each as PNG and SVG in ``plots/`` in the folder.

        Returns:
            The files written, and each metric drawn nothing for, with the reason.
        """
        plots = self._folder() / "plots"
        plots.mkdir(exist_ok=True)
        figures = self.figures(metrics)
        writers = {
            f"{stem}.{fmt}": (lambda p, f=fig, k=fmt: f.savefig(p, format=k, dpi=110))
            for stem, fig in figures.items()
            for fmt in ("png", "svg")
        }
        return write_all(plots, writers), dict(figures.skipped)

    def _folder(self) -> Path:
        if self.folder is None:
            raise InputError("these results were not read from a folder")
        return self.folder


#: what the manifest must hold, and of which type, for analysis and plots
_INFO = {
    "sweep": str,
    "points": int,
    "design": dict,
    "parameters": dict,
    "metrics": list,
    "replications": int,
    "days": int,
}


def _unreadable(info: dict[str, Any], table: pd.DataFrame, status: pd.DataFrame) -> str:
    """What a folder's files lack that analysis and plots need (``""``: nothing)."""
    for key, kind in _INFO.items():
        if not isinstance(info.get(key), kind):
            return f"the manifest's {key!r} is missing or not a {kind.__name__}"
    if not isinstance(info["design"].get("kind"), str):
        return "the manifest's design has no kind"
    need = ["point", *info["parameters"], "metric", "mean", "ci_low", "ci_high", "n"]
    if missing := [c for c in need if c not in table.columns]:
        return f"results.parquet has no column {missing[0]!r}"
    if missing := [c for c in ("status", "error") if c not in status.columns]:
        return f"status.csv has no column {missing[0]!r}"
    return ""
