"""The uncertainty the shipped scenarios declare: where, about what, and with a reason."""

from __future__ import annotations

import pytest

import sim
from sim.core.paths import scenarios_dir
from sim.scenario.chain import read_chain
from sim.scenario.quantities import uncertain_quantities

SHIPPED = sorted(p.stem for p in scenarios_dir().glob("*.yaml"))


@pytest.mark.parametrize("name", SHIPPED)
def test_each_uncertainty_is_declared_by_the_file_that_sets_its_value(name):
    """A child that sets a value must also say what it knows of it.

    A value set alone (``{value: X}``) keeps the parent's uncertainty, which is centred on the
    parent's value: a drawn run would ignore X. Each shipped file that changes a value with an
    uncertainty gives its own, or ``uncertainty: null``.
    """
    path = scenarios_dir() / f"{name}.yaml"
    _, origins, _ = read_chain(path)
    spec = sim.load_scenario(path).spec
    for key_path in uncertain_quantities(spec):
        parts = tuple(key_path.split("."))
        number = parts[:-1] if parts[-1] == "value" else parts
        value = origins.get((*number, "value"), origins.get(number))
        declared = origins.get((*number, "uncertainty"))
        assert value is not None and declared is not None, key_path
        assert value[0] == declared[0], (key_path, value, declared)


def test_every_assumption_only_parameter_declares_its_uncertainty():
    params = sim.load_scenario("base").spec.params
    bare = [n for n, p in params.items() if not p.source.cites_evidence and p.uncertainty is None]
    assert bare == []


def test_what_the_articles_fix_stays_exact():
    """C6's 48 hours: the directive comes one or two days after its trigger, in every trial."""
    spec = sim.load_scenario("qaani_visit").spec
    for name in ("directive_delay_min", "directive_delay_max"):
        assert spec.params[name].uncertainty is None
    assert all(d.uncertainty is None for d in spec.drivers.values())  # gaza = 1 is the unit


def test_each_declared_uncertainty_in_base_has_a_reason_above_it():
    lines = (scenarios_dir() / "base.yaml").read_text(encoding="utf-8").splitlines()
    declared = [i for i, line in enumerate(lines) if "uncertainty:" in line.split("#")[0]]
    assert len(declared) == len(uncertain_quantities(sim.load_scenario("base").spec))
    for i in declared:
        assert lines[i - 1].lstrip().startswith("#"), lines[i]
