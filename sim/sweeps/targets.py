"""What a sweep file's names set in its scenario: parameters' key paths, and policies' numbers.

Core objects: :func:`target_path` (the full key path a parameter or lever sets, checked against the
scenario) and :func:`policy_numbers` (an experiment's policies, each as the numbers it sets, checked
against the base). Each calls ``fail(reason, key path)`` for the file's message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.core.errors import InputError, format_path
from sim.model.values import lane_key
from sim.scenario.keypaths import split_key_path, walk_key_path
from sim.scenario.loader import Scenario, load_scenario, resolve_ref
from sim.sweeps.checks import check_indices
from sim.sweeps.levers import numbers, policy_changes
from sim.sweeps.spec import SweepSpec

#: why a rule's expression (or any source) is not a sweep parameter
NOT_A_PARAMETER = (
    "a changed rule needs its own source (a quote or calibration row that supports it), which "
    "a sweep cannot give: write a scenario file for each variant (extends: the base, with the "
    "rule and its source) and run or compare those"
)


def policy_numbers(
    spec: SweepSpec, base: Scenario, here: Path, targets: dict[str, str], fail: Any
) -> dict[str, dict[str, Any]]:
    """Each policy of an experiment as the numbers it changes, checked against the base."""
    out: dict[str, dict[str, Any]] = {}
    policies = spec.levers.policies or {} if spec.levers is not None else {}
    for name, ref in policies.items():
        where = ["levers", "policies", name]
        try:
            policy = load_scenario(resolve_ref(ref, here))
        except InputError as exc:
            raise fail(f"policy {name!r} ({ref}): {exc.reason}", where) from None
        try:
            changes = policy_changes(base, policy)
            base.check_changes(changes)
        except (InputError, ValueError) as exc:
            reason = exc.reason if isinstance(exc, InputError) else str(exc)
            raise fail(
                f"policy {name!r} ({ref}) is not a patch of {base.name!r}: {reason}", where
            ) from None
        varied = {lane_key(t) for t in targets.values()}
        if clash := sorted(k for k in changes if lane_key(k) in varied):
            raise fail(
                f"policy {name!r} sets {clash[0]}, which the experiment also varies: "
                "a point would set it twice",
                where,
            )
        out[name] = changes
    # every policy sets what any of them sets (the base's point value where it leaves it):
    # the policies differ by their rules' numbers, not by draws of them, and share lanes
    keys = sorted({k for changes in out.values() for k in changes})
    point = numbers(base.spec)
    return {name: {k: changes.get(k, point[k]) for k in keys} for name, changes in out.items()}


def target_path(scenario: Scenario, name: str, kind: str, fail: Any, where: list[Any]) -> str:
    """The full key path a parameter sets, checked against the scenario."""
    check_indices(name, fail, where[0])
    parts = split_key_path(name)
    try:
        node = walk_key_path(scenario.data, parts, scenario.files[0])
    except InputError as exc:
        raise fail(
            f"scenario {scenario.name!r} has no {format_path(exc.path)}: {exc.reason}", where
        ) from None
    if parts[0] == "rules":
        raise fail(f"a rule cannot be swept: {NOT_A_PARAMETER}", where)
    if "source" in parts:
        raise fail(f"a source is a citation, not a parameter; {NOT_A_PARAMETER}", where)
    if parts == ["days"]:
        raise fail("the horizon is the sweep's own 'days' key, not a parameter", where)
    if isinstance(node, dict) and "value" in node:
        node, name = node["value"], f"{name}.value"
    if isinstance(node, dict | list):
        raise fail("this key path names a mapping or list; name a single value in it", where)
    numeric = isinstance(node, int | float) and not isinstance(node, bool)
    if kind != "values" and not numeric:
        raise fail(f"a {kind} needs a numeric value; this one is {node!r}", where)
    return name
