"""An interactive explorer for Jupyter: move a lever, see the model re-run.

Core objects: :func:`explore` and :class:`Explorer`, built on ipywidgets (the ``notebook``
extra). Sliders and switches for the main parameters and policy levers patch the scenario
(:meth:`~sim.scenario.Scenario.patched`, so every value is validated); each change re-runs the
trials and redraws the daily figure, with the scenario as first loaded as a dashed reference
and a title that names the levers moved, and a table of the main metrics now, at the start,
and their paired difference (the same seed, so the difference is the lever's effect, not
luck). Outside Jupyter, ``print(explorer)`` shows the levers and the table as text.
"""

from __future__ import annotations

import html
import io
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.core.errors import InputError
from sim.core.types import SeedLike
from sim.runs.comparison import Comparison
from sim.runs.figures import PANELS, TITLE_FONTSIZE
from sim.runs.results import Results
from sim.runs.runner import run
from sim.scenario.keypaths import split_key_path, walk_key_path
from sim.scenario.loader import Scenario, load_scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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
#: the explorer's figure: its resolution and its legends' size
DPI = 90
LEGEND_FONTSIZE = 9.0


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
        frame: The table shown: the main metrics now, at the start, and their difference.
        title: The figure's title: the run, then the levers moved from the scenario's values.
        message: The status line, as text.
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
            if isinstance(value, dict):  # a group's number with its uncertainty: the point value
                value = value["value"]
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
        self.labels = {lever.path: lever.label for lever in LEVERS}
        self.frame = pd.DataFrame()
        self.title = self.message = ""
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
        """Re-run with the levers moved and redraw; None if the values are refused.

        Only the levers away from the scenario's values are set (setting one fixes it: its
        declared uncertainty is no longer drawn); the others stay as loaded, drawn or not.
        """
        t0 = time.perf_counter()
        moved = {path: v for path, v in self.values().items() if v != self.start[path]}
        try:
            scenario = self.base.patched(moved)
            self.results = run(scenario, self.trials, self.days, self.seed)
        except InputError as exc:
            self.message = f"not run (the figure shows the last run): {exc.reason}"
            self.status.value = "<b>not run</b>" + html.escape(self.message.removeprefix("not run"))
            return None
        self._show(t0)
        return self.results

    def _show(self, t0: float) -> None:
        """Draw the latest run: the figure, the table against the start, the time since t0."""
        self.image.value = self._png()
        diff = Comparison(self.results, self.reference).summary()
        diff = diff.loc[[m for m in TABLE_METRICS if m in diff.index]]
        frame = pd.DataFrame(
            {
                "now": diff["a_mean"],
                "at start": diff["b_mean"],
                "now - start": diff["diff"],
                "ci_low": diff["ci_low"],
                "ci_high": diff["ci_high"],
            }
        )
        self.frame = frame
        self.table.value = frame.to_html(float_format=lambda x: f"{x:.3g}")
        self.message = (
            f"{self.trials:,} trials x {self.days} days, seed {self.seed}: "
            f"{time.perf_counter() - t0:.2f} s"
        )
        self.status.value = html.escape(self.message)

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

    def moved(self) -> dict[str, tuple[Any, Any]]:
        """The levers away from the scenario's values: label to (now, as loaded)."""
        return {
            self.labels[path]: (value, self.start[path])
            for path, value in self.values().items()
            if value != self.start[path]
        }

    def _title(self) -> str:
        """The run, then what differs from the scenario as loaded (the dashed lines)."""
        moved = self.moved()
        changes = (
            "; ".join(
                f"{label} {_show(now)} (was {_show(was)})" for label, (now, was) in moved.items()
            )
            if moved
            else "the scenario as loaded"
        )
        return (
            f"{self.base.name}: {self.trials:,} trials x {self.days} days, seed {self.seed}\n"
            f"Now: {changes}. Dashed grey: the mean as loaded."
        )

    def figure(self) -> Figure:
        """The figure shown: the latest run, the scenario as loaded dashed, the levers moved.

        Drawn with a fixed layout (half the time of a constrained one), for :data:`DPI`.
        """
        self.title = self._title()
        fig = self.results.figure(title=self.title)
        fig.set_layout_engine(None)
        lines = fig.get_suptitle().count("\n") + 1  # the title, wrapped to fit
        # the title's lines, and the panels' own titles under it
        top = 1 - (0.45 + lines * TITLE_FONTSIZE * 1.3 / 72) / fig.get_figheight()
        fig.subplots_adjust(left=0.06, right=0.98, top=top, bottom=0.08, hspace=0.4, wspace=0.18)
        ref = self.reference.daily()
        for ax, (name, kind, _, _) in zip(fig.axes, PANELS, strict=False):
            ax.plot(
                ref.index, ref[f"{name}_{kind}_mean"], "--", color="grey", label="mean as loaded"
            )
        for ax in fig.axes:
            ax.legend(fontsize=LEGEND_FONTSIZE, loc="best")
        return fig

    def _png(self) -> bytes:
        buf = io.BytesIO()
        self.figure().savefig(buf, format="png", dpi=DPI)
        return buf.getvalue()

    def __str__(self) -> str:
        """What the explorer shows, as text: its levers, the table and the status line."""
        width = max(len(label) for label in self.labels.values())
        levers = []
        for path, value in self.values().items():
            was = self.start[path]
            note = "" if value == was else f"  (as loaded: {_show(was)})"
            levers.append(f"  {self.labels[path]:{width}}  {_show(value)}{note}")
        with pd.option_context("display.width", 120, "display.float_format", "{:.4g}".format):
            table = self.frame.to_string()
        return "\n".join(
            [
                f"Explorer of {self.base.name}: {self.trials:,} trials x {self.days} days, "
                f"seed {self.seed}",
                "In a notebook, display e.widget (or e) to move the levers; here, set "
                "e.controls[PATH].value (each change re-runs).",
                "levers:",
                *levers,
                "the main metrics now, at the start, and now - start with its 95% interval:",
                table,
                self.message,
            ]
        )

    def __repr__(self) -> str:
        """The same text as ``str``: outside Jupyter, the explorer prints what it shows."""
        return str(self)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """Show the widget in Jupyter."""
        return self.widget._repr_mimebundle_(**kwargs)


def _show(value: Any) -> str:
    """A lever's value as the controls show it."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def explore(
    scenario: str | Path | Scenario,
    trials: int = 10_000,
    days: int | None = None,
    seed: SeedLike = 0,
) -> Explorer:
    """An interactive explorer of ``scenario`` (display it in Jupyter); see :class:`Explorer`."""
    return Explorer(scenario, trials, days, seed)
