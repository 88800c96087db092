import re
from pathlib import Path

import pytest
import yaml

import sim
from sim.core.paths import scenarios_dir, seeds_dir
from sim.scenario.sources import CALIBRATION, default_index

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def test_seeds_are_the_shared_articles_verbatim():
    shared = SHARED / "seeds"
    if not shared.is_dir():
        pytest.skip("../shared is not beside this checkout")
    ours = {p.name: p.read_bytes() for p in seeds_dir().glob("*.txt")}
    theirs = {p.name: p.read_bytes() for p in shared.glob("*.txt")}
    assert ours == theirs and len(ours) == 2


def test_calibration_rows_match_shared_calibration_md():
    path = SHARED / "calibration.md"
    if not path.is_file():
        pytest.skip("../shared is not beside this checkout")
    rows = set(re.findall(r"^\| (C\d+) \|", path.read_text(), flags=re.M))
    assert rows == set(CALIBRATION)


def _quotes(node):
    if isinstance(node, dict):
        if isinstance(node.get("quote"), str):
            yield node["quote"]
        for v in node.values():
            yield from _quotes(v)
    elif isinstance(node, list):
        for v in node:
            yield from _quotes(v)


@pytest.mark.parametrize("path", sorted(scenarios_dir().glob("*.yaml")), ids=lambda p: p.stem)
def test_every_quote_in_every_shipped_scenario_is_in_the_articles(path):
    quotes = list(_quotes(yaml.safe_load(path.read_text())))
    for q in quotes:
        assert default_index().find(q), q
    sim.load_scenario(path)  # and the file validates as a whole


def test_every_rule_cites_a_quote_or_calibration_row():
    sc = sim.load_scenario("base")
    for name, rule in sc.spec.rules:
        assert rule.source.quote or rule.source.calibration, name


def test_a_changed_quote_is_refused():
    sc = sim.load_scenario("baseline")
    with pytest.raises(sim.InputError, match="quote not found"):
        sc.patched({"rules.comply_prob.source.quote": "Kataib Hezbollah never suspended attacks"})
