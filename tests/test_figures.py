"""Figures a reader can read: titles that fit, every band inside its panel, noise shown as noise.

Each test draws a figure (most from plain data, the rest from small runs) and measures what
a reader would see: the rendered title's width, the legend's entries, each panel's limits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import sim
from sim.cli import main
from sim.core.plotting import TITLE_LINES, fit_title, new_figure
from sim.runs.figures import MEDIAN, comparison_figure, daily_figure
from sim.sweeps.plots import effects_figure, heatmaps_figure, sensitivity_figure
from sim.sweeps.results import SweepResults


def drawn(fig: Figure):
    """Draw ``fig`` as a PNG would be, and return its renderer."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def assert_title_fits(fig: Figure) -> None:
    renderer = drawn(fig)
    title = fig.get_suptitle()
    assert title
    box = fig._suptitle.get_window_extent(renderer)  # type: ignore[union-attr]
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width, (box, fig.bbox.width, title)
    assert box.y1 <= fig.bbox.height


def sweep_results(design: pd.DataFrame, name: str, metrics: dict[str, tuple]) -> SweepResults:
    """A finished sweep's results from plain numbers: metric -> (means, half-widths)."""
    rows = []
    for metric, (means, half) in metrics.items():
        for point, (mean, h) in enumerate(zip(means, half, strict=True)):
            row = dict(design.iloc[point])
            row.update(point=point, metric=metric, mean=mean, ci_low=mean - h, ci_high=mean + h)
            rows.append(row)
    table = pd.DataFrame(rows)
    params = list(design.columns)
    info = {
        "sweep": name,
        "design": {"kind": "grid"},
        "parameters": {p: p for p in params},
        "points": len(design),
        "metrics": list(metrics),
        "replications": 2000,
        "days": 90,
    }
    status = pd.DataFrame({"status": ["done"] * len(design), "error": [""] * len(design)})
    return SweepResults(table=table, info=info, status=status.rename_axis("point"))


@pytest.fixture(scope="module")
def grid():
    """The shipped grid's design, with p_strike_on_iran's numbers as it gives them.

    The means vary by less than each point's interval: noise that a colour scale fitted to
    the means would draw as a gradient.
    """
    sweep = sim.load_sweep("retaliation_grid")
    design = sweep.design.reset_index(drop=True)
    compliance = design["militias.kataib_hezbollah.compliance"].to_numpy()
    iran = np.interp(compliance, [0.5, 0.8, 0.9, 0.97], [0.0105, 0.008, 0.0075, 0.007])
    varies = 0.5 + design["params.strike_per_killed"].to_numpy() - compliance / 4
    return sweep, sweep_results(
        design,
        sweep.name,
        {
            "p_strike_on_iran": (iran, np.full(len(design), 0.004)),
            "p_leadership_strike": (varies, np.full(len(design), 0.01)),
            "p_us_fatality": (np.full(len(design), 0.25), np.full(len(design), 0.02)),
        },
    )


def test_heatmap_title_fits_the_shipped_grid_and_says_averaged_only_when_true(grid):
    sweep, res = grid
    figs = res.figures()
    for stem in ("p_strike_on_iran.heatmaps", "p_leadership_strike.heatmaps"):
        fig = figs[stem]
        assert_title_fits(fig)
        assert "averaged" not in fig.get_suptitle()  # two parameters: nothing else to average
    three = sweep.design.reset_index(drop=True).assign(**{"drivers.gaza": 1.0})
    three.loc[::2, "drivers.gaza"] = 0.5
    res3 = sweep_results(
        three, sweep.name, {"attacks_per_day": (np.linspace(0.5, 1.5, len(three)), [0.01] * 20)}
    )
    fig3 = res3.figures()["attacks_per_day.heatmaps"]
    assert "averaged over the third" in " ".join(fig3.get_suptitle().split())
    assert_title_fits(fig3)


def test_heatmap_marks_noise_and_states_the_half_width(grid):
    _, res = grid
    pts = res.table[res.table["metric"] == "p_strike_on_iran"]
    fig = heatmaps_figure(pts, res.parameters, "p_strike_on_iran", "t", grid=True)
    ax, bar = fig.axes[0], fig.axes[1]
    # every cell's interval (+-0.004) holds the overall mean (0.00825): every cell hatched
    assert len(ax.patches) == 20 and all(p.get_hatch() for p in ax.patches)
    assert "±0.004" in bar.get_ylabel()
    low, high = ax.images[0].get_clim()
    overall = pts["mean"].mean()
    assert low <= overall - 0.004 + 1e-12 and high >= overall + 0.004 - 1e-12
    assert "Hatched" in fig.get_supxlabel()
    # a metric that moves far more than its noise: no cell hatched except near the mean
    pts = res.table[res.table["metric"] == "p_leadership_strike"]
    fig = heatmaps_figure(pts, res.parameters, "p_leadership_strike", "t", grid=True)
    overall = pts["mean"].mean()
    near = ((pts["ci_low"] <= overall) & (overall <= pts["ci_high"])).sum()
    assert len(fig.axes[0].patches) == near < 20


def test_constant_metrics_get_no_figures_and_are_said_to_be_skipped(grid):
    _, res = grid
    figs = res.figures()
    assert not [stem for stem in figs if stem.startswith("p_us_fatality")]
    assert "same at every point" in figs.skipped["p_us_fatality"]
    assert "p_strike_on_iran.effects" in figs and "p_strike_on_iran" not in figs.skipped


def test_effects_panels_have_their_own_limits_holding_their_bands():
    rng = np.random.default_rng(1)
    a, b = np.meshgrid(np.linspace(0, 1, 5), [0.5, 0.8, 0.9, 0.97])
    grid = pd.DataFrame({"a": a.ravel(), "b": b.ravel()})
    sampled = pd.DataFrame({"a": rng.uniform(0, 1, 80), "b": rng.uniform(0, 1, 80)})
    for pts, is_grid in ((grid, True), (sampled, False)):
        pts["mean"] = 0.4 + 0.3 * pts["a"] + rng.normal(0, 0.01, len(pts))
        pts["ci_low"], pts["ci_high"] = pts["mean"] - 0.05, pts["mean"] + 0.05
        fig = effects_figure(pts, ["a", "b"], "p_x", "t", grid=is_grid)
        for ax in fig.axes:
            bottom, top = ax.get_ylim()
            band = ax.collections[-1].get_paths()[0].vertices[:, 1]
            assert bottom <= band.min() and band.max() <= top
            assert not ax.get_shared_y_axes().get_siblings(ax)[1:]  # its own axis
        if is_grid:  # the flat parameter's panel spans its own band, not the other's range
            assert np.ptp(fig.axes[1].get_ylim()) < np.ptp(fig.axes[0].get_ylim()) / 2


def test_sensitivity_bars_are_labelled_sorted_and_note_an_index_above_1():
    rows = []
    for param, s1, st in (("a", 0.05, 0.1), ("b", 1.07, 1.1), ("c", 0.3, 0.4)):
        for index, value in (("S1", s1), ("ST", st)):
            rows.append(
                {"metric": "m", "method": "sobol", "index": index, "parameter": param,
                 "parameter_2": None, "value": value, "conf": 0.2}
            )  # fmt: skip
    sens = pd.DataFrame(rows)
    sens["ci_low"], sens["ci_high"] = sens["value"] - 0.2, sens["value"] + 0.2
    fig = sensitivity_figure(sens, "m")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["b", "c", "a"]  # by ST
    assert "share of the variance" in ax.get_ylabel()
    note = " ".join(fig.get_supxlabel().split())
    assert "above 1 (ST of b: 1.10)" in note and "estimation error" in note
    assert_title_fits(fig)
    inside = sens.assign(value=sens["value"].clip(0.1, 0.5), conf=0.01)
    inside["ci_low"], inside["ci_high"] = inside["value"] - 0.01, inside["value"] + 0.01
    assert not sensitivity_figure(inside, "m").get_supxlabel()  # nothing to warn about


@pytest.fixture(scope="module")
def visit():
    return sim.run("qaani_visit", trials=400, days=30, seed=2)


def test_daily_figure_says_what_it_shows(visit):
    fig = visit.figure()
    title = " ".join(fig.get_suptitle().split())
    assert "400 trials x 30 days" in title and "Qaani's 'lie low' directive" in title
    assert "day 0: attack by kataib_hezbollah" in title and "day 2: Iran's directive" in title
    assert_title_fits(fig)
    attacks, strikes, killed, rungs = fig.axes
    labels = [t.get_text() for t in attacks.get_legend().get_texts()]
    assert MEDIAN["avg7"] in labels and "7-day average" in MEDIAN["avg7"]
    for ax in fig.axes:  # a dotted line on each forced event's day: 0, 1 and 2
        marks = [ln.get_xdata()[0] for ln in ax.get_lines() if ln.get_linestyle() == ":"]
        assert marks == [0, 1, 2]
    # a median at 0 lies above the axis' bottom, not on it
    assert strikes.get_ylim()[0] < 0 and killed.get_ylim()[0] < 0
    # the rung shares on a log axis: a share of 1% is a tenth of the way up or more
    assert rungs.get_yscale() == "log"
    bottom, top = rungs.get_ylim()
    assert bottom <= 0.005 and top == 1.0
    assert (np.log(0.01) - np.log(bottom)) / (np.log(top) - np.log(bottom)) > 0.1


def test_daily_figure_leaves_out_events_after_the_last_day():
    d = sim.run("baseline", trials=50, days=5, seed=1).daily()
    events = pd.DataFrame(
        [{"day": 2, "kind": "directive"}, {"day": 9, "kind": "attack", "militia": "x"}]
    )
    fig = daily_figure(d, "t", events)
    assert "day 2: Iran's directive" in fig.get_suptitle() and "day 9" not in fig.get_suptitle()
    strike = pd.DataFrame([{"day": 1, "kind": "us_strike", "militia": "g", "leader_killed": True}])
    strike = pd.concat([strike, events.iloc[:1]])  # a table with gaps: NaN where none applies
    title = " ".join(daily_figure(d, "t", strike).get_suptitle().split())
    assert "day 1: U.S. strike on g, a commander killed; day 2: Iran's directive" in title
    assert "forced" not in daily_figure(d, "t").get_suptitle()  # none: nothing listed


def test_comparison_bands_each_have_a_legend_entry_and_do_not_blend():
    a = sim.run("qaani_visit", trials=200, days=20, seed=1)
    b = sim.run("no_visit", trials=200, days=20, seed=1)
    runs = [("qaani_visit", a.daily()), ("no_visit", b.daily())]
    diffs = sim.Comparison(a, b).summary()
    fig = comparison_figure(runs, diffs, "qaani_visit vs no_visit")
    for ax in fig.axes[:2]:
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert len(labels) == 4
        assert {"qaani_visit: 5-95% of trials", "no_visit: 5-95% of trials"} <= set(labels)
        assert len(ax.collections) == 1  # one band filled, the other outlined: no blend
    assert_title_fits(fig)


def test_a_long_title_is_wrapped_to_a_narrow_figure():
    fig = new_figure(4.0, 3.0)
    fig.subplots()
    words = "a title far too long for four inches of figure, in several clauses"
    fit_title(fig, f"{words}; {words}\nand a line of its own")
    assert fig.get_suptitle().count("\n") >= 3 and fig.get_suptitle().endswith("its own")
    assert_title_fits(fig)


@pytest.mark.parametrize("description", ["word " * 20_000, "x" * 900_000])
def test_a_huge_description_is_cut_so_the_panels_keep_their_room(description, tmp_path):
    path = tmp_path / "long.yaml"
    path.write_text(yaml.safe_dump({"extends": "qaani_visit", "description": description}))
    fig = sim.run(path, trials=50, days=10).figure()
    title = fig.get_suptitle()
    assert title.count("\n") < TITLE_LINES and "…" in title
    assert "day 2: Iran's directive" in title  # the forced events still listed
    assert_title_fits(fig)
    top_panel = fig.axes[0].get_window_extent(drawn(fig))
    assert top_panel.height > 0.3 * fig.bbox.height  # the title took no more than its share


def test_escsim_plot_says_which_metrics_it_skipped(tmp_path, capsys):
    sweep = {
        "name": "flat",
        "scenario": "qaani_visit",
        "days": 5,
        "replications": 20,
        "design": {"kind": "grid", "levels": 2},
        "parameters": {"militias.kataib_hezbollah.compliance": {"range": [0.5, 1.0]}},
        "metrics": ["attacks_per_day", "p_strike_on_iran"],  # no strike on Iran in 5 days
    }
    path = tmp_path / "flat.yaml"
    path.write_text(yaml.safe_dump(sweep, sort_keys=False))
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["plot", str(out)]) == 0
    captured = capsys.readouterr()
    assert "skipped p_strike_on_iran: " in captured.err
    assert "attacks_per_day.effects.png" in captured.out
    assert not list((out / "plots").glob("p_strike_on_iran*"))
