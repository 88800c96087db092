"""The outcome of a run: estimates, daily series, a figure and files.

Core objects: :class:`Results`. ``summary()`` gives one row per metric (and per group for
``attacks_per_day_by_group``) with mean, 95% interval and percentiles; ``daily()`` the daily
means and quantile bands; ``figure()`` draws them; ``write(dir)`` saves everything atomically.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.core.checks import is_whole
from sim.core.errors import InputError, did_you_mean
from sim.core.files import prepare_dir, write_all
from sim.core.html import head_html, table_html
from sim.core.plotting import clip_text
from sim.core.stats import Estimate, estimate_mean, estimate_share, hist_quantiles
from sim.core.types import FloatArray, SeedLike
from sim.model.base import uncertain_draws
from sim.model.block import DOCTRINE_SERIES, SERIES, SERIES_BANDS, Block
from sim.model.streams import Streams
from sim.model.values import lane_key
from sim.runs.figures import daily_figure
from sim.runs.manifest import manifest
from sim.runs.posterior import load_posterior
from sim.runs.sensitivity import sample_sensitivity
from sim.runs.trace import Trace, trace
from sim.scenario.loader import Scenario
from sim.scenario.quantities import uncertain_quantities
from sim.scenario.vocabulary import GROUP_METRIC, METRICS, RUNGS, metric_names

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: the most of a scenario's description a figure's title shows
DESCRIPTION_CHARS = 300


def settings_text(scenario: Scenario) -> str:
    """The values set on a scenario (``--set``), as ``path=value, ...``."""
    return ", ".join(f"{path}={value!r}" for path, value in scenario.changes)


def estimate(name: str, values: FloatArray) -> Estimate:
    """The estimate for one metric: a Wilson interval for ``p_*``, else mean and percentiles."""
    return estimate_share(values) if name.startswith("p_") else estimate_mean(values)


#: trials whose drawn parameters are recomputed at once (``Results.parameters``)
PARAMETER_CHUNK = 20_000


@dataclass
class Results:
    """What a run of ``trials`` x ``days`` produced.

    Attributes:
        scenario: The scenario that was run.
        seed: The root seed.
        trials: Number of trials.
        days: Number of days.
        block: The merged outcomes of all trials.
        elapsed: Seconds the simulation took.
        point: Every number was at its point value (no draws from declared uncertainties).
        posterior: The calibration folder whose posterior the fitted values were drawn from.
    """

    scenario: Scenario
    seed: SeedLike
    trials: int
    days: int
    block: Block
    elapsed: float = 0.0
    point: bool = False
    posterior: str | None = None
    _summary: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def groups(self) -> list[str]:
        """The militias, in scenario order."""
        return list(self.scenario.spec.militias)

    def per_trial(self, name: str) -> FloatArray:
        """One metric's value in each trial (NaN where undefined)."""
        if name.startswith(GROUP_METRIC):
            row: FloatArray = self.block.by_group[
                self.groups.index(name.removeprefix(GROUP_METRIC))
            ]
            return row
        return self.block.per_trial[name]

    def metric_names(self) -> list[str]:
        """Every metric of the summary, groups as ``attacks_per_day_by_group.<name>``."""
        return metric_names(self.groups)

    def parameters(self) -> pd.DataFrame:
        """Each trial's value of every number that varied by trial: trials x key paths.

        The draws from each uncertainty the scenario declares (none with ``point``), with
        ``trial`` as the index; empty columns when nothing varied.
        """
        draws = load_posterior(self.posterior) if self.posterior is not None else None
        chunks = []
        for start in range(0, self.trials, PARAMETER_CHUNK):  # the very values the model drew
            n = min(PARAMETER_CHUNK, self.trials - start)
            values = (
                {} if self.point else uncertain_draws(self.scenario, Streams(self.seed, start, n))
            )
            if draws is not None:
                values.update({lane_key(k): v for k, v in draws.lanes(self.seed, start, n).items()})
            chunks.append({lane_key(k): v for k, v in values.items()})
        columns = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]} if chunks else {}
        frame = pd.DataFrame(columns, index=pd.RangeIndex(self.trials))
        frame.index.name = "trial"
        return frame

    def per_trial_frame(self) -> pd.DataFrame:
        """Every metric's value in each trial (NaN where undefined): trials x metrics."""
        frame = pd.DataFrame({m: self.per_trial(m) for m in self.metric_names()})
        frame.index.name = "trial"
        return frame

    def sensitivity(
        self,
        metrics: list[str] | None = None,
        methods: tuple[str, ...] = ("rbd_fast",),
        seed: int = 0,
    ) -> pd.DataFrame:
        """Indices of each metric to each uncertain quantity, from this run's draws.

        RBD-FAST ``S1`` by default, Borgonovo's ``delta`` too if asked (see
        :func:`~sim.runs.sensitivity.sample_sensitivity`), with 95% bootstrap intervals.

        Raises:
            InputError: The run drew nothing (no declared uncertainty, or ``point``), or an
                unknown metric.
        """
        names = metrics or self.metric_names()
        if unknown := [m for m in names if m not in self.metric_names()]:
            raise InputError(
                f"no metric {unknown[0]!r}{did_you_mean(unknown[0], self.metric_names())}"
            )
        return sample_sensitivity(self.parameters(), self.per_trial_frame()[names], methods, seed)

    def uncertain(self) -> list[str]:
        """The key paths of the uncertainties the scenario declares (drawn unless ``point``)."""
        return list(uncertain_quantities(self.scenario.spec))

    def estimates(self) -> dict[str, Estimate]:
        """Every metric's estimate, by name."""
        return {name: estimate(name, self.per_trial(name)) for name in self.metric_names()}

    def summary(self) -> pd.DataFrame:
        """One row per metric: mean, ci_low, ci_high, p05, p50, p95 and n (trials counted)."""
        if self._summary is None:
            rows = [{"metric": k, **e.to_dict()} for k, e in self.estimates().items()]
            self._summary = pd.DataFrame(rows).set_index("metric")
        return self._summary

    def to_json_dict(self) -> dict[str, Any]:
        """The summary as ``summary.json`` holds it: metric -> {mean, ci_low, ci_high, ...}."""
        out: dict[str, Any] = {}
        by_group: dict[str, Any] = {}
        for name, est in self.estimates().items():
            rec = {
                k: v
                for k, v in est.to_dict().items()
                if v is not None or k in ("mean", "ci_low", "ci_high")
            }
            if name.startswith(GROUP_METRIC):
                by_group[name.removeprefix(GROUP_METRIC)] = rec
            else:
                out[name] = rec
        out["attacks_per_day_by_group"] = by_group
        rungs = self.rungs().astype(object)
        out["rungs"] = rungs.where(rungs.notna(), None).reset_index().to_dict(orient="records")
        return out

    def daily(self) -> pd.DataFrame:
        """Per day, across trials: means, 5/50/95% bands, and the share on each rung.

        Columns, for ``X`` in attacks and us_strikes: ``X_mean`` (the day's own count),
        ``X_avg7_mean`` and ``X_avg7_p05/p50/p95`` (the trailing 7-day average, over fewer
        days in the first week). For ``X`` in us_killed and us_wounded: ``X_mean`` (that
        day) and ``X_cum_mean``, ``X_cum_p05/p50/p95`` (the running total). Then
        ``attacks_compliant_mean`` and ``attacks_holdout_mean`` (with their ``_avg7_mean``),
        and ``rung_K_share`` (trials whose highest rung so far is K).
        """
        b, n = self.block, self.trials
        day = np.arange(self.days)
        cols: dict[str, Any] = {"day": day}
        for name in SERIES:
            mean = b.daily_sum[name] / n
            cols[f"{name}_mean"] = mean
            q = hist_quantiles(b.daily_hist[name])
            kind = SERIES_BANDS[name]
            if kind == "avg7":
                length = np.minimum(day + 1, 7)
                cols[f"{name}_avg7_mean"] = pd.Series(mean).rolling(7, min_periods=1).mean()
            else:
                length = np.ones(self.days)
                cols[f"{name}_cum_mean"] = np.cumsum(mean)
            for i, label in enumerate(("p05", "p50", "p95")):
                cols[f"{name}_{kind}_{label}"] = q[:, i] / length
        for name in DOCTRINE_SERIES:
            cols[f"{name}_mean"] = mean = b.daily_sum[name] / n
            cols[f"{name}_avg7_mean"] = pd.Series(mean).rolling(7, min_periods=1).mean()
        for r in range(len(RUNGS)):
            cols[f"rung_{r}_share"] = b.rung_count[:, r] / n
        return pd.DataFrame(cols).set_index("day")

    def rungs(self) -> pd.DataFrame:
        """Each rung of the ladder: how likely a trial reaches it (or higher), and when.

        ``p_reached`` has a Wilson interval; ``days_to_reach`` (mean, interval, p05/p50/p95)
        is over the ``n_reached`` trials that got there within the run.
        """
        rows = []
        for k, label in enumerate(RUNGS):
            first = self.block.first_rung_day[k].astype(np.float64)
            reached = first >= 0
            p = estimate_share(reached.astype(np.float64))
            t = estimate_mean(np.where(reached, first, np.nan))
            rows.append(
                {
                    "rung": k,
                    "name": label,
                    "p_reached": p.mean,
                    "p_ci_low": p.ci_low,
                    "p_ci_high": p.ci_high,
                    "n_reached": t.n,
                    "days_to_reach": t.mean,
                    "days_ci_low": t.ci_low,
                    "days_ci_high": t.ci_high,
                    "days_p05": t.p05,
                    "days_p50": t.p50,
                    "days_p95": t.p95,
                }
            )
        return pd.DataFrame(rows).set_index("rung")

    def trace(self, k: int) -> Trace:
        """Trial ``k``'s events, day by day: ``print(results.trace(k))``.

        The trial is run again alone (its random numbers depend only on the seed and ``k``),
        so its totals equal ``per_trial(...)[k]``.

        Raises:
            InputError: ``k`` is not a trial of this run.
        """
        if not (is_whole(k, 0) and k < self.trials):
            raise InputError(f"trial must be a whole number from 0 to {self.trials - 1}, got {k!r}")
        return trace(self.scenario, int(k), self.seed, self.days, self.point)

    def figure(self, title: str | None = None) -> Figure:
        """The daily series with bands, forced events and rung shares (``sim.runs.figures``).

        The title (by default the scenario, its size and horizon, and its description, cut
        to :data:`DESCRIPTION_CHARS` characters) is followed by the scenario's forced events,
        which dotted lines mark.
        """
        spec = self.scenario.spec
        if title is None:
            title = (
                f"{spec.name}: {self.trials:,} trials x {self.days} days, seed {self.seed}\n"
                + clip_text(spec.description, DESCRIPTION_CHARS)
            )
        events = pd.DataFrame([e.model_dump(exclude={"source"}) for e in spec.events])
        return daily_figure(self.daily(), title, events)

    def __repr__(self) -> str:
        """Scenario, size and seed (the data is in ``summary()`` and ``daily()``)."""
        return (
            f"Results({self.scenario.name!r}, trials={self.trials}, days={self.days}, "
            f"seed={self.seed!r})"
        )

    def _repr_html_(self) -> str:
        """The summary as an HTML table, for Jupyter."""
        facts = [f"{self.trials:,} trials", f"{self.days} days", f"seed {self.seed}"]
        head = head_html(f"scenario {self.scenario.name}", [*facts, f"{self.elapsed:.2f} s"])
        return head + table_html(self.summary())

    def report(self) -> str:
        """The summary as readable text: a heading, then a row per metric."""
        df = self.summary()
        lines = [
            f"scenario {self.scenario.name}: {self.trials:,} trials x {self.days} days, "
            f"seed {self.seed} ({self.elapsed:.2f} s)",
            *([f"set: {settings_text(self.scenario)}"] if self.scenario.changes else []),
            *([self._values_line()] if self.uncertain() else []),
            f"{'metric':56} {'mean':>9} {'95% CI':>21} {'p05':>7} {'p50':>7} {'p95':>7}",
        ]
        undefined = [str(name) for name, n in df["n"].items() if n == 0]
        for name, row in df.iterrows():
            if name in undefined:  # no trial defines it: a dash, and the footer says when it is
                lines.append(f"{name!s:56} {'—':>9}")
                continue
            has_ci = not (pd.isna(row.ci_low) or pd.isna(row.ci_high))  # (one trial: no CI)
            ci = f"[{row.ci_low:.4g}, {row.ci_high:.4g}]" if has_ci else "—"
            qs = "".join(
                f" {v:7.4g}" if v == v and v is not None else f" {'':>7}"
                for v in (row.p05, row.p50, row.p95)
            )
            lines.append(f"{name!s:56} {row['mean']:9.4g} {ci:>21}{qs}")
        if undefined:
            lines.append("—: defined in no trial of this run (what each is, and in which trials):")
            lines += [f"  {name}: {METRICS.get(name, '')}" for name in undefined]
        return "\n".join(lines)

    def _values_line(self) -> str:
        """Whether the declared uncertainties were drawn, for the report's heading."""
        n = len(self.uncertain())
        if self.point:
            return f"values: every number at its point value ({n} uncertainties not drawn)"
        return f"values: {n} uncertain quantities drawn once per trial (parameters.parquet)"

    def write(self, out: str | Path) -> list[Path]:
        """Write the run's files into ``out``, the manifest last.

        summary.json and .csv, daily.parquet, rungs.csv, per_trial.parquet (every metric of
        every trial), parameters.parquet (each trial's draws), daily.png, manifest.json.

        The files appear together or not at all (each is written to a temporary name, and
        all are renamed once all are written, the manifest last), so a full disk or Ctrl-C
        leaves no partial set; the folder is created only then.

        Raises:
            InputError: ``out`` cannot be a folder.
            WriteError: The system refused a file (disk full, a file-size limit).
        """
        created = not Path(out).exists()
        if (Path(out) / "points").is_dir() or (Path(out) / "design.parquet").exists():
            raise InputError(
                "this folder holds a sweep's results: write a run's into another folder",
                file=str(out),
            )
        folder = prepare_dir(out)
        info = manifest(
            self.scenario,
            self.seed,
            trials=self.trials,
            days=self.days,
            point=self.point,
            posterior=self.posterior,
            uncertain=[] if self.point else self.uncertain(),
        )
        try:
            return self._write_files(folder, info)
        except BaseException:
            if created:  # leave no empty folder behind either
                with contextlib.suppress(OSError):
                    folder.rmdir()
            raise

    def _write_files(self, folder: Path, info: dict[str, Any]) -> list[Path]:
        return write_all(
            folder,
            {
                "summary.json": lambda p: p.write_text(
                    json.dumps(self.to_json_dict(), indent=2, allow_nan=False)
                ),
                "summary.csv": lambda p: self.summary().to_csv(p),
                "daily.parquet": lambda p: self.daily().to_parquet(p),
                "rungs.csv": lambda p: self.rungs().to_csv(p),
                "per_trial.parquet": lambda p: self.per_trial_frame().to_parquet(p),
                "parameters.parquet": lambda p: self.parameters().to_parquet(p),
                "daily.png": lambda p: self.figure().savefig(p, dpi=110, format="png"),
                "manifest.json": lambda p: p.write_text(json.dumps(info, indent=2)),
            },
        )
