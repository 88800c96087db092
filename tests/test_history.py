"""The model against the public record: the table, its verdicts, and its figures."""

from __future__ import annotations

import datetime
import itertools
import math

import matplotlib.dates as mdates
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import sim
from sim.core.stats import Estimate
from sim.history import facts as history
from sim.history.facts import (
    _bounds,
    _in_spread,
    _verdict,
    facts,
    held_against_record,
    record_percentile,
)
from sim.history.plots import history_figure, history_timeline


def test_history_table_holds_each_fact_with_its_source():
    table = held_against_record(trials=500, seed=2)
    assert list(table.index) == ["C4", "C3", "C1", "C8", "C10", "response"]
    assert table["source"].str.len().min() > 40
    assert set(table["verdict"]) <= {"inside", "overlaps", "outside"}
    assert table.loc["C3", "value"] == 1.55 and table.loc["C3", "low"] == 1.3
    assert (table["ci_low"] <= table["mean"]).all() and (table["mean"] <= table["ci_high"]).all()
    assert table.loc["C1", "high"] == 2.0  # calibration.md's reading of "over 20" in 14 days
    where = table["record_percentile"]
    assert where[["C4", "C3", "C8", "response"]].between(0, 1).all()
    assert where[["C1", "C10"]].isna().all()  # bare bounds, and a ratio of means
    assert isinstance(history_figure(table), Figure)


def test_record_percentile_is_the_mid_rank_of_the_record_among_trials():
    values = np.array([0.0, 0.0, 1.0, 2.0, np.nan])  # NaN: the event never came
    assert record_percentile(values, 0.0) == pytest.approx(0.2)  # half of the two ties
    assert record_percentile(values, 1.0) == pytest.approx(0.5)
    assert record_percentile(values, 5.0) == pytest.approx(0.8)  # never is above any record


def test_history_timeline_draws_the_weeks_around_the_visit():
    fig = history_timeline(trials=200, seed=1, days=20)
    attacks, response = fig.axes
    labels = [t.get_text() for t in attacks.get_legend().get_texts()]
    assert {"model: baseline", "model: qaani_visit", "model: no_visit"} <= set(labels)
    assert any(label.startswith("record: two weeks before (C1)") for label in labels)
    assert "percentile; median trial" in response.get_title()


def test_timeline_labels_stand_apart_above_the_data_and_the_legend_covers_no_band():
    fig = history_timeline(trials=200, seed=1, days=20)
    attacks = fig.axes[0]
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    frame = attacks.get_window_extent(renderer)
    boxes = [t.get_window_extent(renderer) for t in attacks.texts]
    assert len(boxes) == 4  # the record's four dated events
    for box in boxes:  # none cut off
        assert (
            frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 <= box.y1 <= frame.y1
        )
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)
    data = [c.get_paths()[0].vertices[:, 1].max() for c in attacks.collections]
    data += [np.nanmax(ln.get_ydata()) for ln in attacks.get_lines() if ln.get_linestyle() != ":"]
    highest = attacks.transData.transform((0, max(data)))[1]
    assert highest < min(box.y0 for box in boxes)  # the labels sit above every band and line
    assert not attacks.get_legend().get_window_extent(renderer).overlaps(frame)


def _estimate(ci_low: float, ci_high: float, p05: float | None = None, p95: float | None = None):
    return Estimate((ci_low + ci_high) / 2, ci_low, ci_high, 100, p05, None, p95)


@pytest.mark.parametrize(
    ("ci", "bounds", "verdict"),
    [
        ((1.4, 1.5), (1.3, 2.1), "inside"),
        ((1.2, 1.4), (1.3, 2.1), "overlaps"),
        ((2.0, 2.3), (1.3, 2.1), "overlaps"),
        ((0.1, 0.2), (1.3, 2.1), "outside"),
        ((4.2, 4.7), (5.0, 5.0), "outside"),  # a bare figure is its own bounds
        ((4.8, 5.2), (5.0, 5.0), "overlaps"),
        ((1.5, 1.9), (1.43, math.inf), "inside"),  # a one-sided fact
    ],
)
def test_verdict_places_the_means_interval_against_the_bounds(ci, bounds, verdict):
    assert _verdict(_estimate(*ci), *bounds) == verdict


def test_record_in_spread_asks_whether_a_trial_could_look_like_history():
    assert _in_spread(_estimate(0.1, 0.2, p05=0.0, p95=0.7), 0.0, 0.0) is True
    assert _in_spread(_estimate(4.2, 4.7, p05=0.0, p95=3.0), 5.0, 5.0) is False
    assert _in_spread(_estimate(0.2, 0.3), 0.0, 0.5) is None  # a ratio has no spread


def test_bounds_of_each_kind_of_fact():
    by_id = {f.id: f for f in facts()}
    assert _bounds(by_id["C3"]) == (1.3, 2.1)
    assert _bounds(by_id["response"]) == (5, 5)  # a bare figure
    assert _bounds(by_id["C1"]) == (1.43, 2.0)


def test_a_metric_fact_must_cover_the_run_from_day_0(tmp_path, monkeypatch):
    text = history.HISTORY_FILE.read_text().replace(
        "quantity: days_fatality_to_strike, days: [0, 90]",
        "quantity: days_fatality_to_strike, days: [7, 90]",
    )
    (tmp_path / "history.yaml").write_text(text)
    monkeypatch.setattr(history, "HISTORY_FILE", tmp_path / "history.yaml")
    facts.cache_clear()
    try:
        with pytest.raises(sim.InputError, match="its window must start on day 0"):
            facts()
    finally:
        facts.cache_clear()


def test_timeline_puts_each_run_on_its_calendar_dates():
    fig = history_timeline(trials=200, seed=1, days=20)
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}

    def span(label):
        x = mdates.num2date(lines[label].get_xdata(orig=False)[[0, -1]])
        return [d.date() for d in x]

    assert span("model: baseline") == [datetime.date(2024, 1, 14), datetime.date(2024, 1, 27)]
    assert span("model: qaani_visit") == [datetime.date(2024, 1, 28), datetime.date(2024, 2, 16)]
    assert span("model: no_visit")[0] == datetime.date(2024, 1, 28)


def test_timeline_response_panel_matches_the_table():
    table = held_against_record(trials=300, seed=4)
    fig = history_timeline(trials=300, seed=4, days=10)
    where = round(100 * table.loc["response", "record_percentile"])
    assert f"the {where}th percentile" in fig.axes[1].get_title()
    assert isinstance(history_figure(table), Figure)
