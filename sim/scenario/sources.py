"""Checking that every rule rests on its sources.

Core objects: :class:`SourceIndex`, which finds verbatim quotes in the articles of ``seeds/``,
and :data:`CALIBRATION`, the calibration facts of ``shared/calibration.md`` that scenario
values may cite by row (``C1`` to ``C14``), with the numbers the tests hold the model to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sim.core.paths import seeds_dir

#: Rows of shared/calibration.md: id -> (fact, value, source). Shipped here so the project
#: runs without shared/; tests/test_sources.py checks the two stay in step.
CALIBRATION: dict[str, tuple[str, str]] = {
    "C1": ("attacks in the two weeks before the visit", "more than 20 (about 1.4 to 2 a day)"),
    "C2": ("what drove them", "opposition to Israel's actions in Gaza"),
    "C3": ("attacks counted by the Pentagon, 17 Oct 2023 to 4 Feb 2024", "170 in ~110 days"),
    "C4": ("attack rate before the war", "78 from Jan 2021 to Mar 2023: about 0.1 a day"),
    "C5": ("the trigger for the visit", "three U.S. soldiers killed in Jordan, 28 Jan 2024"),
    "C6": ("timing of the directive", "less than 48 hours after the U.S. laid blame"),
    "C7": ("what he warned of", "repercussions on commanders, infrastructure, or Iran"),
    "C8": ("who complied", "most groups; Kataib Hezbollah suspended attacks"),
    "C9": ("who held out", "Harakat al-Nujaba vowed to continue"),
    "C10": ("effect", "attacks temporarily ceased; violence decreased"),
    "C11": ("the Iraqi government", "asked Iran to rein in the groups"),
    "C12": ("what the lull enabled", "renewed U.S.-Iraq talks; U.S. wary under fire"),
    "C13": ("U.S. forces", "about 2,500 troops in Iraq and 900 in Syria"),
    "C14": ("the groups' aim", "push U.S. forces out, between escalation and de-escalation"),
}

#: Calibration targets the tests assert (attacks a day, all groups).
BASELINE_RATE_RANGE = (1.3, 2.1)  # C3: 170 attacks in ~110 days, windows 1.3 to 2.1
TWO_WEEK_RATE_RANGE = (20 / 14, 2.1)  # C1: more than 20 attacks in the two weeks before
PRE_WAR_RATE_RANGE = (0.07, 0.13)  # C4: 78 attacks in ~820 days = 0.095, "about 0.1"
VISIT_TOTAL_FALL = 0.5  # C10: the total rate falls by most (more than half) of its level
VISIT_COMPLIANT_FALL = 0.8  # C8: compliant groups stop (their rate falls by at least 80%)
VISIT_HOLDOUT_KEEP = 0.7  # C9: holdouts go on (at least 70% of their no-visit rate)

_WS = re.compile(r"\s+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def normalize(text: str) -> str:
    """Fold white space and typographic quotes, so a quote may wrap across YAML lines."""
    return _WS.sub(" ", text.translate(_QUOTES)).strip()


@dataclass(frozen=True)
class SourceIndex:
    """The articles of a seeds folder, normalized for quote look-ups."""

    texts: dict[str, str]

    @classmethod
    def load(cls, folder: Path) -> SourceIndex:
        """Read every ``*.txt`` article in ``folder``."""
        return cls({p.name: normalize(p.read_text("utf-8")) for p in sorted(folder.glob("*.txt"))})

    def find(self, quote: str) -> str | None:
        """Return the name of the first article containing ``quote`` verbatim, or None."""
        needle = normalize(quote)
        return next((name for name, text in self.texts.items() if needle in text), None)


@cache
def default_index() -> SourceIndex:
    """The project's own articles (``seeds/``)."""
    return SourceIndex.load(seeds_dir())
