"""The outcome of a run: estimates, daily series, a figure and files.

Core objects: :class:`Results`. ``summary()`` gives one row per metric (and per group for
``attacks_per_day_by_group``) with mean, 95% interval and percentiles; ``daily()`` the daily
means and quantile bands; ``figure()`` draws them; ``write(dir)`` saves everything atomically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.output import manifest, prepare_dir, write_atomic
from sim.recorder import DOCTRINE_SERIES, SERIES, SERIES_BANDS, Block
from sim.scenario import Scenario
from sim.stats import Estimate, estimate_mean, estimate_share, hist_quantiles
from sim.streams import SeedLike
from sim.variables import RUNGS

#: metric name -> what it measures (the order of the summary table)
METRICS: dict[str, str] = {
    "attacks_per_day": "militia attacks on U.S. forces a day, all groups",
    "us_strikes_per_day": "U.S. strike days on militias a day",
    "p_us_fatality": "P(a U.S. death from a modelled attack; forced events excluded)",
    "p_leadership_strike": "P(a U.S. strike kills a militia commander)",
    "p_strike_on_iran": "P(a U.S. strike on Iran)",
    "max_rung": "highest rung of the escalation ladder reached (0-6)",
    "longest_lull_days": "longest run of days with no attack",
    "days_directive_to_last_compliant_attack": "days from the first directive to the last "
    "attack by a compliant group within its term (trials with a directive)",
    "days_fatality_to_strike": "days from the first U.S. death to the next U.S. strike "
    "(trials with both)",
    "days_fatality_to_directive": "days from the first U.S. death to the next directive "
    "(trials with both)",
    "p_withdrawal_agreement": "P(a U.S.-Iraq withdrawal agreement)",
    "p_directive": "P(Iran issues a 'lie low' directive)",
    "us_killed": "U.S. personnel killed (forced events included)",
    "us_wounded": "U.S. personnel wounded (forced events included)",
}


def estimate(name: str, values: np.ndarray[Any, np.dtype[np.float64]]) -> Estimate:
    """The estimate for one metric: a Wilson interval for ``p_*``, else mean and percentiles."""
    return estimate_share(values) if name.startswith("p_") else estimate_mean(values)


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
    """

    scenario: Scenario
    seed: SeedLike
    trials: int
    days: int
    block: Block
    elapsed: float = 0.0
    _summary: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def groups(self) -> list[str]:
        """The militias, in scenario order."""
        return list(self.scenario.spec.militias)

    def per_trial(self, name: str) -> np.ndarray[Any, np.dtype[np.float64]]:
        """One metric's value in each trial (NaN where undefined)."""
        if name.startswith("attacks_per_day_by_group."):
            row: np.ndarray[Any, np.dtype[np.float64]]
            row = self.block.by_group[self.groups.index(name.split(".", 1)[1])]
            return row
        return self.block.per_trial[name]

    def metric_names(self) -> list[str]:
        """Every metric of the summary, groups as ``attacks_per_day_by_group.<name>``."""
        return [*METRICS, *(f"attacks_per_day_by_group.{g}" for g in self.groups)]

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
            if name.startswith("attacks_per_day_by_group."):
                by_group[name.split(".", 1)[1]] = rec
            else:
                out[name] = rec
        out["attacks_per_day_by_group"] = by_group
        return out

    def daily(self) -> pd.DataFrame:
        """Per day: the mean of each series, its 5/50/95% band, and the share on each rung.

        Bands are of the trailing 7-day average for attacks and strikes, and of the running
        total for U.S. killed and wounded; means are of the day's own count.
        """
        b, n = self.block, self.trials
        cols: dict[str, Any] = {"day": np.arange(self.days)}
        for name in SERIES:
            cols[f"{name}_mean"] = b.daily_sum[name] / n
            q = hist_quantiles(b.daily_hist[name])
            scale = 7.0 if SERIES_BANDS[name].startswith("trailing") else 1.0
            for i, label in enumerate(("p05", "p50", "p95")):
                cols[f"{name}_{label}"] = q[:, i] / scale
        for name in DOCTRINE_SERIES:
            cols[f"{name}_mean"] = b.daily_sum[name] / n
        for r in range(len(RUNGS)):
            cols[f"rung_{r}_share"] = b.rung_count[:, r] / n
        return pd.DataFrame(cols).set_index("day")

    def figure(self) -> Figure:
        """The daily series with their quantile bands, and the shares on each rung."""
        d = self.daily()
        fig = Figure(figsize=(11, 7), layout="constrained")
        axes = fig.subplots(2, 2).ravel()
        for ax, name in zip(axes[:3], ("attacks", "us_strikes", "us_killed"), strict=True):
            ax.fill_between(
                d.index,
                d[f"{name}_p05"],
                d[f"{name}_p95"],
                alpha=0.25,
                label=f"5-95% ({SERIES_BANDS[name]})",
            )
            ax.plot(d.index, d[f"{name}_p50"], lw=1, label="median")
            if name != "us_killed":
                mean7 = d[f"{name}_mean"].rolling(7, min_periods=1).sum() / 7
                ax.plot(d.index, mean7, lw=1.5, label="mean")
            ax.set_title(name.replace("_", " "))
            ax.set_xlabel("day")
            ax.legend(fontsize=7)
        shares = d[[f"rung_{r}_share" for r in range(len(RUNGS))]].to_numpy().T
        axes[3].stackplot(d.index, shares, labels=[f"{r}: {s}" for r, s in enumerate(RUNGS)])
        axes[3].set_title("share of trials by highest rung reached")
        axes[3].set_xlabel("day")
        axes[3].legend(fontsize=6, loc="upper left")
        fig.suptitle(f"{self.scenario.name}: {self.trials:,} trials, seed {self.seed}")
        return fig

    def table(self) -> str:
        """The summary as a readable text table."""
        df = self.summary()
        lines = [
            f"scenario {self.scenario.name}: {self.trials:,} trials x {self.days} days, "
            f"seed {self.seed} ({self.elapsed:.2f} s)",
            f"{'metric':56} {'mean':>9} {'95% CI':>21} {'p05':>7} {'p50':>7} {'p95':>7}",
        ]
        for name, row in df.iterrows():
            ci = f"[{row.ci_low:.4g}, {row.ci_high:.4g}]"
            qs = "".join(
                f" {v:7.4g}" if v == v and v is not None else f" {'':>7}"
                for v in (row.p05, row.p50, row.p95)
            )
            lines.append(f"{name!s:56} {row['mean']:9.4g} {ci:>21}{qs}")
        return "\n".join(lines)

    def write(self, out: str | Path) -> list[Path]:
        """Write summary.json, summary.csv, daily.parquet, daily.png and manifest.json.

        Each file is written to a temporary name and renamed, so none is ever half-written;
        the manifest goes last.
        """
        import json

        out = prepare_dir(out)
        paths = [
            write_atomic(
                out / "summary.json",
                lambda p: p.write_text(json.dumps(self.to_json_dict(), indent=2, allow_nan=False)),
            ),
            write_atomic(out / "summary.csv", lambda p: self.summary().to_csv(p)),
            write_atomic(out / "daily.parquet", lambda p: self.daily().to_parquet(p)),
            write_atomic(
                out / "daily.png", lambda p: self.figure().savefig(p, dpi=110, format="png")
            ),
        ]
        info = manifest(self.scenario, self.seed, trials=self.trials, days=self.days)
        paths.append(
            write_atomic(out / "manifest.json", lambda p: p.write_text(json.dumps(info, indent=2)))
        )
        return paths
