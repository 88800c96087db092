"""Safe YAML reading that remembers where every key came from.

Core objects: :func:`read_yaml`, returning plain data and a :class:`LineMap` from key paths
to line numbers, so validation errors can name the line. Only the safe loader is used
(``yaml.CSafeLoader`` where libyaml is present, else ``yaml.SafeLoader``):
a scenario file is data and can never construct Python objects or run code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sim.core.errors import InputError, KeyPath

#: the safe loader, in C (libyaml) where available: seven times faster, equally safe
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

LineMap = dict[tuple[str | int, ...], int]


def _walk(
    node: yaml.Node,
    path: tuple[str | int, ...],
    lines: LineMap,
    file: str,
    visited: set[int],
    key_line: int | None = None,
) -> None:
    if id(node) in visited:  # an alias: shared or recursive structure
        raise InputError(  # the alias's own place is its key's line (the node is the anchor's)
            "YAML anchors and aliases (& and *) are not allowed: these files are plain data",
            file=file,
            path=path,
            line=key_line or node.start_mark.line + 1,
        )
    visited.add(id(node))
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key_node.tag != "tag:yaml.org,2002:str":
                raise InputError(
                    f"keys must be text, got {key!r} (quote it)",
                    file=file,
                    path=(*path, key),
                    line=key_node.start_mark.line + 1,
                )
            if key in seen:
                raise InputError(
                    f"duplicate key {key!r}",
                    file=file,
                    path=path,
                    line=key_node.start_mark.line + 1,
                )
            seen.add(key)
            _walk(value_node, (*path, key), lines, file, visited, key_node.start_mark.line + 1)
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines, file, visited)


def line_of(lines: LineMap, path: KeyPath) -> int | None:
    """Return the line of ``path``, or of its nearest ancestor that has one."""
    key = tuple(path)
    while key:
        if key in lines:
            return lines[key]
        key = key[:-1]
    return lines.get((), None)


def read_yaml(path: Path) -> tuple[Any, LineMap]:
    """Read one YAML document safely.

    Args:
        path: The file to read.

    Returns:
        The data (dicts, lists, scalars) and the line of every key path in it.

    Raises:
        InputError: The file is missing, unreadable, not valid YAML, or has duplicate keys.
    """
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", file=file) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read file ({exc})", file=file) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError("file is empty", file=file)
        lines: LineMap = {}
        _walk(node, (), lines, file, set())
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        last = max(1, len(text.splitlines()))  # an error at the end of input: the last line
        line = min(mark.line + 1, last) if mark is not None else None
        reason = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise InputError(f"invalid YAML: {reason}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", file=file) from None
    except RecursionError:
        raise InputError("invalid YAML: nested too deeply", file=file) from None
    finally:
        loader.dispose()
    return data, lines
