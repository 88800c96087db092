"""Dotted key paths into a scenario's data: ``militias.kataib_hezbollah.compliance``.

Core objects: :func:`split_key_path` and :func:`walk_key_path` (follow a path, or one clear
error with a did-you-mean). Sweeps, the explorer and :meth:`~sim.scenario.loader.Scenario.patched`
name values this way.
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
