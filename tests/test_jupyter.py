"""What Jupyter users see: HTML tables, Figures without pyplot, the interactive explorer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from matplotlib.backends.backend_agg import FigureCanvasAgg

import sim
from sim.explorer import DPI, LEVERS, Explorer, explore
from sim.runs.comparison import Comparison

widgets = pytest.mark.usefixtures("ipywidgets")  # the explorer's tests need the notebook extra


@pytest.fixture(scope="module")
def ipywidgets():
    return pytest.importorskip("ipywidgets")


@pytest.fixture(scope="module")
def explorer(ipywidgets):
    return explore("qaani_visit", trials=1000, days=20, seed=3)


def test_explorer_reruns_and_redraws_when_a_slider_moves(explorer):
    before_png, before = explorer.image.value, explorer.results
    assert (
        before_png[:8] == b"\x89PNG\r\n\x1a\n" and "1,000 trials x 20 days" in explorer.status.value
    )
    explorer.controls["drivers.gaza.value"].value = 0.2  # what a browser does on a drag
    after = explorer.results
    assert after is not before and explorer.image.value != before_png
    assert (
        after.summary().loc["attacks_per_day", "mean"]
        < before.summary().loc["attacks_per_day", "mean"]
    )
    direct = sim.run(
        sim.load_scenario("qaani_visit").patched({"drivers.gaza.value": 0.2}), 1000, 20, 3
    )
    assert after.summary().equals(direct.summary())  # the same model, the same numbers
    assert "now - start" in explorer.table.value and "attacks_per_day" in explorer.table.value


def test_explorer_switches_turn_mechanisms_off(explorer):
    explorer.controls["mechanisms.directive"].value = False
    explorer.controls["mechanisms.directive"].value = True  # on again: the forced directive
    assert explorer.results.summary().loc["p_directive", "mean"] == 1.0
    explorer.controls["mechanisms.retaliation"].value = False
    assert explorer.results.summary().loc["us_strikes_per_day", "mean"] == 0.0
    assert explorer.values()["mechanisms.retaliation"] is False


@widgets
def test_explorer_title_names_the_levers_moved_and_its_legends_are_readable():
    e = explore("qaani_visit", trials=200, days=5, seed=3)
    assert "Now: the scenario as loaded" in e.title and "200 trials x 5 days" in e.title
    first_png = e.image.value
    e.controls["drivers.gaza.value"].value = 0.25
    e.controls["mechanisms.retaliation"].value = False
    assert "Gaza war intensity 0.25 (was 1)" in e.title
    assert "U.S. retaliates off (was on)" in e.title
    assert e.image.value != first_png
    fig = e.figure()
    assert " ".join(fig.get_suptitle().split()).startswith(" ".join(e.title.split()))
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    box = fig._suptitle.get_window_extent(canvas.get_renderer())
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width  # the title fits
    for ax in fig.axes:
        sizes = {t.get_fontsize() for t in ax.get_legend().get_texts()}
        assert min(sizes) * DPI / 72 >= 11  # pixels in the PNG: readable, not 7
    for ax in fig.axes[:3]:
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert "mean as loaded" in labels


@widgets
def test_explorer_prints_what_it_shows_outside_jupyter():
    e = explore("qaani_visit", trials=200, days=5, seed=3)
    e.controls["drivers.gaza.value"].value = 0.5
    text = str(e)
    assert repr(e) == text
    assert "Explorer of qaani_visit: 200 trials x 5 days, seed 3" in text
    assert "e.widget" in text  # how to see it in a notebook
    for lever in LEVERS:
        assert lever.label in text
    assert "Gaza war intensity" in text and "0.5  (as loaded: 1)" in text
    assert "Iran issues directives" in text and " on" in text
    for metric in ("attacks_per_day", "p_strike_on_iran", "max_rung"):
        assert metric in text
    assert "now - start" in text and "200 trials x 5 days, seed 3:" in text
    row = next(line for line in text.splitlines() if line.startswith("attacks_per_day"))
    now, start = (float(x) for x in row.split()[1:3])
    assert now == pytest.approx(e.frame.loc["attacks_per_day", "now"], rel=1e-3)
    assert now < start  # a weaker Gaza war: fewer attacks


@widgets
def test_explorer_offers_only_levers_the_scenario_has(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(
        yaml.safe_dump(
            {"extends": "baseline", "name": "small", "militias": {"harakat_al_nujaba": None}}
        )
    )
    e = explore(path, trials=200, days=5)
    assert "militias.harakat_al_nujaba.capability" not in e.controls
    assert len(e.controls) == len(LEVERS) - 2
    assert e._repr_mimebundle_()  # displays as its widget


@widgets
def test_explorer_starts_from_the_scenario_even_outside_a_sliders_range(tmp_path):
    path = tmp_path / "low.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "extends": "qaani_visit",
                "name": "low",  # 0.5, not base's uncertainty about 0.995
                "params": {"restraint_level": {"value": 0.5, "uncertainty": None}},
            }
        )
    )
    e = explore(path, trials=300, days=10)
    assert e.values()["params.restraint_level.value"] == 0.5  # not clamped up to 0.9
    e.update()  # a re-run with the controls untouched is the scenario as loaded
    assert e.results is not e.reference
    table = Comparison(e.results, e.reference).summary()
    defined = table["diff"].dropna()  # p_resume_* are unknown in a 10-day run
    assert len(defined) > 20 and (defined == 0).all()  # nothing moved: now equals the start


@widgets
def test_explorer_reset_puts_every_control_back_and_runs_once():
    e = explore("qaani_visit", trials=200, days=5, seed=3)
    start = e.values()
    e.controls["drivers.gaza.value"].value = 0.3
    e.controls["mechanisms.retaliation"].value = False
    assert e.values() != start
    runs = []
    e.update = lambda: runs.append(e.values())  # type: ignore[method-assign]
    Explorer.reset(e)
    assert e.values() == start and runs == [start]  # one run, with every control back


def test_objects_show_html_tables(tmp_path):
    r = sim.run("qaani_visit", trials=300, days=20, seed=1)
    html = r._repr_html_()
    assert "<table" in html and "scenario qaani_visit" in html and "attacks_per_day" in html
    c = sim.compare("qaani_visit", "no_visit", trials=300, days=20, seed=1)
    assert "qaani_visit (a) vs no_visit (b)" in c._repr_html_() and "ci_high" in c._repr_html_()
    spec = {
        "name": "tiny",
        "scenario": "qaani_visit",
        "days": 10,
        "replications": 50,
        "design": {"kind": "grid", "levels": 2},
        "parameters": {"drivers.gaza": {"range": [0.5, 1.0]}},
        "metrics": ["attacks_per_day", "p_us_fatality"],
    }
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(spec))
    s = sim.load_sweep(tmp_path / "tiny.yaml")
    assert "grid design, 2 points" in s._repr_html_() and "<table" in s._repr_html_()
    sim.sweep(s, out=tmp_path / "out", workers=1)
    res = sim.SweepResults.load(tmp_path / "out")
    html = res._repr_html_()
    assert "2 of 2 points done" in html and "p_us_fatality" in html and "drivers.gaza" in html
    assert "<th>metric</th>" not in html  # no stray header from the pivot
    assert repr(res) == f"SweepResults('tiny', folder='{tmp_path / 'out'}', done=2 of 2, failed=0)"


def test_plotting_methods_return_figures_and_never_touch_pyplot(tmp_path):
    code = """
import sys, sim
from matplotlib.figure import Figure
from sim.history.facts import held_against_record
from sim.history.plots import history_figure, history_timeline
r = sim.run("qaani_visit", trials=200, days=15, seed=1)
c = sim.compare("qaani_visit", "no_visit", trials=200, days=15, seed=1)
figs = [r.figure(), c.figure(), history_figure(held_against_record(trials=200, seed=1)),
        history_timeline(trials=100, seed=1, days=10)]
assert all(isinstance(f, Figure) for f in figs)
assert "matplotlib.pyplot" not in sys.modules, "the package imported pyplot"
print("ok")
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.stdout.strip() == "ok", done.stderr
    package = Path(sim.__file__).parent
    for source in package.glob("*.py"):
        text = source.read_text()
        assert "pyplot" not in text and "plt.show" not in text, source.name
