"""Dotted key paths into a scenario's data: ``militias.kataib_hezbollah.compliance``.

Core objects: :func:`split_key_path`, :func:`walk_key_path` (follow a path, or one clear
error with a did-you-mean) and :func:`value_path` (``params.x`` names ``params.x.value``).
Sweeps, the explorer, ``--set`` and :meth:`~sim.scenario.loader.Scenario.patched` name
values this way.
"""

from __future__ import annotations

from typing import Any

from sim.core.errors import InputError, KeyPath, did_you_mean


def split_key_path(dotted: str) -> list[str | int]:
    """``"events.2.day"`` -> ``["events", 2, "day"]``: whole-number parts index lists."""
    return [int(p) if p.isdigit() else p for p in dotted.split(".")]


def walk_key_path(node: Any, parts: KeyPath, file: str, prefix: KeyPath = ()) -> Any:
    """Follow ``parts`` from ``node``; an InputError (with a did-you-mean) if one is missing.

    ``prefix`` is the path already walked to ``node``, for the message.
    """
    for i, part in enumerate(parts):
        where = [*prefix, *parts[: i + 1]]
        in_dict = isinstance(node, dict) and isinstance(part, str) and part in node
        if in_dict or (isinstance(node, list) and isinstance(part, int) and part < len(node)):
            node = node[part]
        elif isinstance(node, list):
            size = f"of {len(node)} items, indexed 0 to {len(node) - 1}" if node else "is empty"
            raise InputError(f"{part!r}: the list {size}", file=file, path=where)
        else:
            keys = list(node) if isinstance(node, dict) else []
            raise InputError(
                f"no such key {part!r}{did_you_mean(str(part), keys)}", file=file, path=where
            )
    return node


def value_path(data: Any, dotted: str, file: str) -> str:
    """The path of the value ``dotted`` names: ``params.x`` is ``params.x.value``.

    A parameter or driver is a mapping of ``value``, ``unit`` and ``source``; naming it means
    its value, as in sweep files and ``escsim run --set``. A group's number keeps its own path
    (``militias.g.compliance``), written as a number or as ``{value, uncertainty}``: the path
    that names its draws, and that setting it replaces whole (fixing it).

    Raises:
        InputError: The path does not exist (with a did-you-mean).
    """
    parts = split_key_path(dotted)
    node = walk_key_path(data, parts, file)
    if len(parts) == 3 and parts[0] == "militias":
        return dotted
    return f"{dotted}.value" if isinstance(node, dict) and "value" in node else dotted
