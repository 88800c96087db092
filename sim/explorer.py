"""An interactive explorer for Jupyter: move a lever, see the model re-run.

Core objects: :func:`explore` and :class:`Explorer`, built on ipywidgets (the ``notebook``
extra). Sliders and switches for the main parameters and policy levers patch the scenario
(:meth:`~sim.scenario.Scenario.patched`, so every value is validated); each change re-runs the
trials and redraws the daily figure, with the scenario as first loaded as a dashed reference,
and a table of the main metrics now, at the start, and their paired difference (the same
seed, so the difference is the lever's effect, not luck).
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.core.errors import InputError
from sim.core.types import SeedLike
from sim.runs.comparison import Comparison
from sim.runs.figures import PANELS
from sim.runs.results import Results
from sim.runs.runner import run
from sim.scenario.keypaths import split_key_path, walk_key_path
from sim.scenario.loader import Scenario, load_scenario

#: the metrics in the explorer's table
TABLE_METRICS = [
    "attacks_per_day",
    "us_strikes_per_day",
    "p_us_fatality",
    "p_leadership_strike",
    "p_strike_on_iran",
    "max_rung",
]


@dataclass(frozen=True)
class Lever:
    """A control: a slider over ``[low, high]`` by ``step``, or a switch (``step`` 0)."""

    label: str
    path: str
    low: float = 0.0
    high: float = 1.0
    step: float = 0.0


LEVERS = (
    Lever("Gaza war intensity", "drivers.gaza.value", 0.0, 1.0, 0.05),
    Lever("Kataib Hezbollah compliance", "militias.kataib_hezbollah.compliance", 0.0, 1.0, 0.01),
    Lever("Nujaba capability", "militias.harakat_al_nujaba.capability", 0.0, 3.0, 0.1),
    Lever("Nujaba compliance", "militias.harakat_al_nujaba.compliance", 0.0, 1.0, 0.01),
    Lever("U.S. strike chance per death", "params.strike_per_killed.value", 0.0, 0.3, 0.005),
    Lever("U.S. strikes on Iran (gain)", "params.iran_strike_gain.value", 0.0, 0.01, 0.0005),
    Lever("Restraint after a directive", "params.restraint_level.value", 0.9, 1.0, 0.005),
    Lever("Iran issues directives", "mechanisms.directive"),
    Lever("U.S. retaliates", "mechanisms.retaliation"),
)


class Explorer:
    """Sliders and switches over a scenario, re-running its trials on every change.

    Args:
        scenario: A shipped scenario's name, a path, or a loaded scenario.
        trials: Trials per run (10,000 take about a second with the figure).
        days: Days (the scenario's own by default).
        seed: The seed of every run.

    Attributes:
        widget: The ipywidgets box to display.
        controls: The sliders and switches, by key path; ``start`` their values as loaded.
        results: The latest run; ``reference`` the run of the scenario as loaded.
    """

    def __init__(
        self,
        scenario: str | Path | Scenario,
        trials: int = 10_000,
        days: int | None = None,
        seed: SeedLike = 0,
    ) -> None:
        """Build the controls and run the scenario once."""
        try:
            import ipywidgets as w  # noqa: PLC0415 - optional: the notebook extra
        except ImportError:
            raise ImportError(
                "sim.explore needs ipywidgets: pip install -e '.[notebook]' in the project"
            ) from None
        self.base = load_scenario(scenario)
        self.trials, self.seed = trials, seed
        self.days = days if days is not None else self.base.spec.days
        self.controls: dict[str, Any] = {}
        self.start: dict[str, Any] = {}  # each control's value in the scenario as loaded
        for lever in LEVERS:
            try:
                value = walk_key_path(self.base.data, split_key_path(lever.path), "")
            except InputError:
                continue  # the scenario has no such value (a group removed, say)
            style = {"description_width": "200px"}
            layout = w.Layout(width="460px")
            if lever.step:
                control = w.FloatSlider(
                    value=value, min=min(lever.low, value), max=max(lever.high, value),
                    step=lever.step,
                    description=lever.label, continuous_update=False, readout_format=".3g",
                    style=style, layout=layout,
                )  # fmt: skip
            else:
                control = w.Checkbox(value=bool(value), description=lever.label, style=style)
            control.observe(self._changed, names="value")
            self.controls[lever.path], self.start[lever.path] = control, value
        self.reset_button = w.Button(description="Reset to the scenario")
        self.reset_button.on_click(lambda _: self.reset())
        self.status = w.HTML()
        self.image = w.Image(format="png")
        self.table = w.HTML()
        self._holding = False
        controls = w.VBox([*self.controls.values(), self.reset_button])
        self.widget = w.VBox([w.HBox([controls, self.table]), self.status, self.image])
        t0 = time.perf_counter()
        self.reference = run(self.base, self.trials, self.days, self.seed)
        self.results: Results = self.reference
        self._show(t0)

    def values(self) -> dict[str, Any]:
        """The controls' values, by key path."""
        return {path: c.value for path, c in self.controls.items()}

    def update(self) -> Results | None:
        """Re-run with the controls' values and redraw; None if the values are refused."""
        t0 = time.perf_counter()
        try:
            scenario = self.base.patched(self.values())
            self.results = run(scenario, self.trials, self.days, self.seed)
        except InputError as exc:
            self.status.value = f"<b>not run</b> (the figure shows the last run): {exc.reason}"
            return None
        self._show(t0)
        return self.results

    def _show(self, t0: float) -> None:
        """Draw the latest run: the figure, the table against the start, the time since t0."""
        self.image.value = self._png()
        diff = Comparison(self.results, self.reference).summary().loc[TABLE_METRICS]
        diff.columns = ["now", "at start", "now - start", "ci_low", "ci_high", "n"]
        self.table.value = diff.drop(columns="n").to_html(float_format=lambda x: f"{x:.3g}")
        self.status.value = (
            f"{self.trials:,} trials x {self.days} days, seed {self.seed}: "
            f"{time.perf_counter() - t0:.2f} s"
        )

    def reset(self) -> Results | None:
        """Put every control back to the scenario's value and re-run once."""
        self._holding = True
        try:
            for path, control in self.controls.items():
                control.value = self.start[path]
        finally:
            self._holding = False
        return self.update()

    def _changed(self, change: dict[str, Any]) -> None:
        if not self._holding:
            self.update()

    def _png(self) -> bytes:
        fig = self.results.figure()
        fig.set_layout_engine(None)  # a fixed layout draws in half the time
        fig.subplots_adjust(left=0.06, right=0.8, top=0.9, bottom=0.08, hspace=0.35, wspace=0.2)
        ref = self.reference.daily()
        for ax, (name, kind, _, _) in zip(fig.axes, PANELS, strict=False):
            ax.plot(ref.index, ref[f"{name}_{kind}_mean"], "--", color="grey", label="at start")
            ax.legend(fontsize=7)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=72)
        return buf.getvalue()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """Show the widget in Jupyter."""
        return self.widget._repr_mimebundle_(**kwargs)


def explore(
    scenario: str | Path | Scenario,
    trials: int = 10_000,
    days: int | None = None,
    seed: SeedLike = 0,
) -> Explorer:
    """An interactive explorer of ``scenario`` (display it in Jupyter); see :class:`Explorer`."""
    return Explorer(scenario, trials, days, seed)
