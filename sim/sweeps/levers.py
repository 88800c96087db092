"""An experiment's levers: named policies and lever values, crossed with sampled scenarios.

Core objects: :func:`policy_changes` (a policy file as the numbers it changes in the base
scenario), :func:`drawn` (scenarios drawn from the base's own uncertainties, or a posterior)
and :func:`cross` (the experiment's design: every policy and lever setting in every scenario,
as EMA Workbench's full-factorial ``perform_experiments``). A policy that is a patch of
numbers runs as lanes of the same model as the others, so an experiment packs like any sweep.
"""

from __future__ import annotations

import itertools
from typing import Any

import pandas as pd

from sim.model.values import lane_key
from sim.runs.posterior import PosteriorDraws
from sim.scenario.loader import Scenario
from sim.scenario.quantities import uncertain_quantities
from sim.scenario.schema import MILITIA_NUMBER_RANGES, ScenarioSpec
from sim.scenario.uncertainty import draw
from sim.sweeps.design import grid_levels, unit_sample
from sim.sweeps.spec import Levers, LhsDesign

#: the design's columns an experiment adds: the sampled scenario's row, and the policy
SCENARIO, POLICY = "scenario", "policy"
#: what a policy may not change: it would need a model of its own, not lanes of the base's
_STRUCTURE = ("rules", "mechanisms", "events", "schedule", "days", "calendar")


def numbers(spec: ScenarioSpec) -> dict[str, float]:
    """Every number a policy may change, by the key path a sweep sets it with."""
    out: dict[str, float] = {}
    for k, p in spec.params.items():
        out[f"params.{k}.value"] = p.value
    for k, d in spec.drivers.items():
        out[f"drivers.{k}.value"] = d.value
    for name, m in spec.militias.items():
        for k in MILITIA_NUMBER_RANGES:
            out[f"militias.{name}.{k}"] = getattr(m, k)
        for theater, split in m.theaters.items():
            out[f"militias.{name}.theaters.{theater}"] = split
    for theater, t in spec.theaters.items():
        out[f"theaters.{theater}.us_troops"] = t.us_troops
    return out


def _uncertain(spec: ScenarioSpec) -> set[str]:
    """The numbers a scenario draws per trial, by their key path in :func:`numbers`."""
    out = {f"params.{k}.value" for k, p in spec.params.items() if p.uncertainty is not None}
    out |= {f"drivers.{k}.value" for k, d in spec.drivers.items() if d.uncertainty is not None}
    for name, m in spec.militias.items():
        out |= {f"militias.{name}.{k}" for k in m.uncertainty}
    return out


def policy_changes(base: Scenario, policy: Scenario) -> dict[str, Any]:
    """The numbers ``policy`` sets in ``base``, as a sweep point's changes.

    A number counts as set where its value differs, or where the policy fixes a quantity the
    base draws per trial (``{value: X, uncertainty: null}`` at the base's own value).

    Raises:
        ValueError: The policy changes more than numbers (a rule, a switch, an event, the
            groups or theaters), or declares an uncertainty the base does not.
    """
    b, p = base.spec, policy.spec
    for key in _STRUCTURE:
        if getattr(b, key) != getattr(p, key):
            raise ValueError(
                f"it changes {key}, not only numbers: a policy runs as lanes of the base "
                "scenario's model, so it may set parameters, drivers and the groups' numbers"
            )
    if {k: m.doctrine for k, m in b.militias.items()} != {
        k: m.doctrine for k, m in p.militias.items()
    } or b.theaters.keys() != p.theaters.keys():
        raise ValueError("it changes the groups or theaters, not only numbers")
    ours, theirs = numbers(b), numbers(p)
    if extra := sorted(theirs.keys() - ours.keys()):
        raise ValueError(f"it adds {extra[0]}, which the base scenario does not have")
    if added := sorted(_uncertain(p) - _uncertain(b)):
        raise ValueError(f"it declares an uncertainty the base does not ({added[0]})")
    fixed = _uncertain(b) - _uncertain(p)
    return {k: v for k, v in theirs.items() if v != ours[k] or k in fixed}


def cross(sampled: pd.DataFrame, levers: Levers) -> pd.DataFrame:
    """Every policy and lever setting in every sampled scenario: the experiment's design.

    Columns: ``scenario`` (the sampled design's row), the uncertainties, ``policy`` (when
    there are policies) and each lever; one row per point, policy by policy, then lever
    setting by setting, then scenario by scenario.
    """
    names = list(levers.parameters or {})
    grids = [grid_levels(p, levels=levers.levels) for p in (levers.parameters or {}).values()]
    rows = []
    for policy in levers.policies or [None]:
        for setting in itertools.product(*grids):
            part = sampled.copy()
            part.insert(0, SCENARIO, sampled.index.to_numpy())
            if policy is not None:
                part[POLICY] = policy
            for name, value in zip(names, setting, strict=True):
                part[name] = value
            rows.append(part)
    table = pd.concat(rows, ignore_index=True)
    table.index.name = "point"
    return table


def drawn(
    scenario: Scenario, samples: int, seed: int, posterior: PosteriorDraws | None
) -> pd.DataFrame:
    """An experiment's scenarios drawn from what ``scenario`` declares uncertain.

    A Latin hypercube over every declared uncertainty, through each one's own distribution
    (whole-day quantities drawn whole), then the quantities a ``posterior`` fitted replaced
    by ``samples`` draws from it. Columns are named as a sweep names them
    (``params.lapse_base``, ``militias.kataib_hezbollah.compliance``).
    """
    declared = uncertain_quantities(scenario.spec)
    u = unit_sample(LhsDesign(kind="lhs", samples=samples), len(declared), seed)
    columns = {
        path: draw(q.uncertainty, u[:, j], q.whole) for j, (path, q) in enumerate(declared.items())
    }
    if posterior is not None:
        fitted = posterior.lanes(seed, 0, samples)
        for path in list(columns):
            if lane_key(path) in fitted:
                columns[path] = fitted[lane_key(path)]
        for key, values in fitted.items():
            columns.setdefault(key, values)
    table = pd.DataFrame({k.removesuffix(".value"): v for k, v in columns.items()})
    table.index.name = "point"
    return table
