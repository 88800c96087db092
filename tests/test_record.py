"""The shipped record, read and checked; bad record files refused at their line."""

import dataclasses
import shutil

import numpy as np
import pytest

from sim.calibration.observation import deviance, kept_reports, observed
from sim.calibration.record import load_record, shipped_record
from sim.core.errors import InputError


def test_the_shipped_record_matches_the_brief():
    r = load_record()
    attacks = r.series["attacks"]
    assert attacks.day.tolist() == [7, 9, 13, 14, 20, 23, 27, 28, 31, 35, 51, 57, 65, 79, 84, 93]
    assert attacks.high[-1] == 140 and (attacks.low[13], attacks.high[13]) == (115, 120)
    assert attacks.stale.tolist().count(True) == 1 and attacks.stale[10]
    assert r.strike_days.tolist() == [9, 22, 26, 35, 36, 47, 69, 79, 84, 99]
    assert r.leadership.sum() == 1 and r.strike_days[r.leadership][0] == 79
    assert r.periods["gaza_truce"] == (38, 45)
    assert r.series["injuries"].day[-1] == 65


def test_until_cuts_reports_and_strikes():
    r = load_record().until(75)
    assert r.series["attacks"].day[-1] == 65
    assert r.strike_days.tolist() == [9, 22, 26, 35, 36, 47, 69]


def test_stale_and_revised_reports_are_dropped_and_ranges_read_at_the_middle():
    r = load_record()
    days, cum = kept_reports(r.series["attacks"])
    assert 51 not in days.tolist()  # the stale "about 78"
    assert cum[days.tolist().index(79)] == 117  # "115 to 120", rounded down
    days, cum = kept_reports(r.series["injuries"])
    assert days[0] == 9 and cum[0] == 21  # 24 on day 7, revised to 21 on day 9
    assert np.all(np.diff(cum) >= 0)


def test_deviance_is_zero_for_a_lane_that_matches_and_grows_with_the_miss():
    r = load_record().until(75)
    obs = observed(r, {"attacks": 10.0, "strikes": None}, "gaza_truce", 75)
    days = obs.days
    attack_days, attack_cum = kept_reports(r.series["attacks"])
    exact = np.interp(days, attack_days, attack_cum, left=0)  # exact at report days
    exact[(days >= 37) & (days <= 45)] = 66  # nothing in the truce
    strikes = np.searchsorted(r.strike_days, days, side="right")
    lanes = np.stack([exact, exact * 1.2, exact * 2], axis=1).round().astype(np.int64)
    counts = {"attacks": lanes, "strikes": np.stack([strikes] * 3, axis=1)}
    d = deviance(obs, counts, days)
    assert d[0] == pytest.approx(0, abs=1e-9)
    assert 0 < d[1] < d[2]


BAD_ROWS = [  # file, the date of the row replaced, its replacement, the message
    ("attacks.csv", "2023-10-24", "2023-10-24,8,13,13,H,false,x", "is day 7 of the calendar"),
    ("attacks.csv", "2023-10-26", "2023-10-23,6,16,16,H,false,x", "day 6 is not after"),
    ("attacks.csv", "2023-10-30", "2023-10-30,13,-23,23,H,false,x", "must not be negative"),
    ("attacks.csv", "2023-10-30", "2023-10-30,13,30,23,H,false,x", "low (30) is above high"),
    ("attacks.csv", "2023-10-30", ",13,23,23,H,false,x", "empty date"),
    ("injuries.csv", "2023-11-09", "2023-11-09,23,56,56,X,false,x", "confidence must be"),
    ("strikes.csv", "2023-11-08", "2023-11-08,22,maybe,H,x", "true or false"),
]


@pytest.mark.parametrize(("name", "date", "new", "message"), BAD_ROWS)
def test_a_bad_row_is_refused_at_its_line(tmp_path, name, date, new, message):
    folder = tmp_path / "record"
    shutil.copytree(shipped_record(), folder)
    path = folder / name
    lines = path.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(date))
    lines[at] = new
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as exc:
        load_record(folder)
    assert exc.value.file == str(path) and exc.value.line == at + 1
    assert message in exc.value.reason


def test_a_missing_column_or_file_is_refused(tmp_path):
    folder = tmp_path / "record"
    shutil.copytree(shipped_record(), folder)
    text = (folder / "injuries.csv").read_text().replace("stale,", "")
    (folder / "injuries.csv").write_text(text)
    with pytest.raises(InputError, match="missing column"):
        load_record(folder)
    (folder / "injuries.csv").unlink()
    with pytest.raises(InputError):
        load_record(folder)


def test_a_stale_figure_never_drops_an_earlier_valid_one():
    r = load_record().series["attacks"]
    fake = dataclasses.replace(
        r, day=np.array([5, 7, 9]), low=np.array([30.0, 20.0, 40.0]),
        high=np.array([30.0, 20.0, 40.0]), stale=np.array([False, True, False]),
        confidence=("H", "H", "H"),
    )  # fmt: skip
    days, cum = kept_reports(fake)
    assert days.tolist() == [5, 9] and cum.tolist() == [30, 40]


def test_the_training_record_cuts_the_truce_and_counts_strikes_to_the_last_day_fitted():
    r = load_record()
    assert r.until(40).periods["gaza_truce"] == (38, 40)
    assert "gaza_truce" not in r.until(30).periods
    obs = observed(r.until(75), {"attacks": 10.0, "strikes": None}, None, 75)
    strikes = next(iv for iv in obs.intervals if iv.series == "strikes")
    assert strikes.end[-1] == 75 and strikes.start[-1] == 65 and strikes.count[-1] == 1  # day 69
    assert strikes.count.sum() == 7
