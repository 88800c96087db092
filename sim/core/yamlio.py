"""Safe YAML reading that remembers where every key came from.

Core objects: :func:`read_yaml`, returning plain data and a :class:`LineMap` from key paths
to line numbers, so validation errors can name the line. Only the safe loader is used
(``yaml.CSafeLoader`` where libyaml is present, else ``yaml.SafeLoader``):
a scenario file is data and can never construct Python objects or run code.

What the safe loader would still build is refused before anything is built, with the file,
key path and line: any tag beyond text, numbers, booleans, null, lists and mappings
(``!!binary``, ``!!set``, ``!!omap``, ``!!pairs``, dates and times, ``!!python/...``),
YAML 1.1 base-60 numbers (``1:30``, which would read as 90), anchors and aliases, and whole
numbers too long for Python to print. Numbers in exponent form without a dot (``1e-4``) are
numbers, as in YAML 1.2. A file is checked with
:func:`~sim.core.paths.check_regular_file` before it is opened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sim.core.errors import InputError, KeyPath
from sim.core.paths import MAX_FILE_BYTES, check_regular_file, too_large

_TAG = "tag:yaml.org,2002:"


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader, in C (libyaml) where available: seven times faster, equally safe.

    It also reads ``1e-4`` and ``2E6`` as numbers, as YAML 1.2 does (YAML 1.1 wants
    ``1.0e-4``, and would leave them text for a strict number field to refuse).
    """


_Loader.add_implicit_resolver(
    f"{_TAG}float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+.0123456789"),
)

LineMap = dict[tuple[str | int, ...], int]
_SCALARS = {f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null")}
_NUMBERS = {f"{_TAG}int", f"{_TAG}float"}
#: the longest whole number read, in characters (Python refuses to print beyond 4,300 digits)
MAX_NUMBER_CHARS = 100
_PLAIN_DATA = "these files hold only text, numbers, true/false, null, lists and mappings"


def _refusal(node: yaml.Node) -> str | None:
    """Why a node's type is refused, or None for plain data."""
    tag = node.tag
    if isinstance(node, yaml.ScalarNode) and tag in _SCALARS:
        if tag in _NUMBERS and ":" in node.value:
            return (
                f"{node.value!r} would be read as a base-60 number (YAML 1.1): write the number "
                "in base 10, or quote it to make it text"
            )
        if tag == f"{_TAG}int" and re.fullmatch(r"[-+]?0[0-9_]+", node.value):
            return (
                f"{node.value!r} would be read as an octal number (YAML 1.1): write it without "
                "the leading 0, or quote it to make it text"
            )
        if tag == f"{_TAG}int" and len(node.value) > MAX_NUMBER_CHARS:
            return f"a whole number of {len(node.value):,} characters is out of range"
        return None
    if isinstance(node, yaml.MappingNode) and tag == f"{_TAG}map":
        return None
    if isinstance(node, yaml.SequenceNode) and tag == f"{_TAG}seq":
        return None
    if tag == f"{_TAG}timestamp":
        return f"a date or time ({node.value}) is not allowed here: quote it to make it text"
    short = tag.replace(_TAG, "!!")
    hint = " (quote it to make it text)" if isinstance(node, yaml.ScalarNode) else ""
    return f"YAML type {short} is not allowed: {_PLAIN_DATA}{hint}"


@dataclass
class _Walker:
    """Walk the composed nodes: record each key's line, refuse what is not plain data."""

    file: str
    lines: LineMap = field(default_factory=dict)
    starts: dict[tuple[int, int], tuple[str | int, ...]] = field(default_factory=dict)
    visited: set[int] = field(default_factory=set)

    def fail(self, reason: str, path: KeyPath, line: int) -> InputError:
        return InputError(reason, file=self.file, path=path, line=line)

    def walk(self, node: yaml.Node, path: tuple[str | int, ...], key_line: int | None) -> None:
        line = node.start_mark.line + 1
        if id(node) in self.visited:  # an alias: shared or recursive structure
            raise self.fail(  # the alias's own place is its key's line (the node is the anchor's)
                "YAML anchors and aliases (& and *) are not allowed: these files are plain data",
                path,
                key_line or line,
            )
        self.visited.add(id(node))
        self.lines[path] = line
        self.starts.setdefault((node.start_mark.line, node.start_mark.column), path)
        reason = _refusal(node)
        if reason is not None:
            raise self.fail(reason, path, line)
        if isinstance(node, yaml.MappingNode):
            self.mapping(node, path)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.walk(item, (*path, i), None)

    def mapping(self, node: yaml.MappingNode, path: tuple[str | int, ...]) -> None:
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if key_node.tag == f"{_TAG}merge":
                raise self.fail(
                    "YAML merge keys (<<) are not allowed: these files are plain data "
                    "(write the keys out)",
                    path,
                    key_line,
                )
            if not isinstance(key_node, yaml.ScalarNode):
                kind = "a list" if isinstance(key_node, yaml.SequenceNode) else "a mapping"
                raise self.fail(f"keys must be text, got {kind} as a key", path, key_line)
            key = str(key_node.value)
            if key_node.tag != f"{_TAG}str":
                raise self.fail(
                    f"keys must be text, got {key!r} (quote it)", (*path, key), key_line
                )
            if key in seen:
                raise self.fail(f"duplicate key {key!r}", path, key_line)
            seen.add(key)
            self.starts.setdefault((key_node.start_mark.line, key_node.start_mark.column), path)
            self.walk(value_node, (*path, key), key_line)
            self.lines[(*path, key)] = key_line

    def refuse_anchors(self, text: str) -> None:
        """Refuse an anchor (``&name``) even when no alias uses it."""
        if "&" not in text:  # the usual case: no second pass over the file
            return
        for token in yaml.scan(text, Loader=_Loader):
            if isinstance(token, yaml.AnchorToken):
                mark = token.start_mark
                before = [p for p in self.starts if p[0] == mark.line and p[1] <= mark.column]
                path = self.starts[max(before)] if before else ()
                raise self.fail(
                    "YAML anchors and aliases (& and *) are not allowed: these files are plain "
                    "data (write the value out)",
                    path,
                    mark.line + 1,
                )


def line_of(lines: LineMap, path: KeyPath) -> int | None:
    """Return the line of ``path``, or of its nearest ancestor that has one."""
    key = tuple(path)
    while key:
        if key in lines:
            return lines[key]
        key = key[:-1]
    return lines.get((), None)


def read_text(path: Path) -> str:
    """Read a regular file of at most 1 MiB as UTF-8 text.

    Raises:
        InputError: The file is not a regular file, is too large, or cannot be read as UTF-8.
    """
    file = str(path)
    check_regular_file(path)
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)  # the file may have grown since it was checked
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror or exc})", file=file) from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(too_large(None), file=file)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read file ({exc})", file=file) from None


def read_yaml(path: Path) -> tuple[Any, LineMap]:
    """Read one YAML document safely.

    Args:
        path: The file to read.

    Returns:
        The data (dicts, lists, text, numbers, booleans, None) and the line of every key path.

    Raises:
        InputError: The file is missing or not a regular file, too large, unreadable, not
            valid YAML, has duplicate keys, or holds anything but plain data.
    """
    return parse_yaml(read_text(path), str(path))


def parse_yaml(text: str, file: str) -> tuple[Any, LineMap]:
    """Parse one YAML document with the same refusals as a file (``file`` names it in errors).

    Raises:
        InputError: Not valid YAML, duplicate keys, or anything but plain data.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError("file is empty", file=file)
        walker = _Walker(file)
        walker.walk(node, (), None)
        walker.refuse_anchors(text)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        last = max(1, len(text.splitlines()))  # an error at the end of input: the last line
        line = min(mark.line + 1, last) if mark is not None else None
        reason = " ".join(_plain(p) for p in (exc.context, exc.problem) if p)
        raise InputError(f"invalid YAML: {reason}", file=file, line=line) from None
    except yaml.reader.ReaderError as exc:  # a character YAML refuses: say where it is
        line = text.count("\n", 0, exc.position) + 1
        raise InputError(f"invalid YAML: {_plain(exc)}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {_plain(exc)}", file=file) from None
    except RecursionError:
        raise InputError("invalid YAML: nested too deeply", file=file) from None
    finally:
        loader.dispose()
    return data, walker.lines


def _plain(part: object) -> str:
    """A PyYAML message on one line, without its ``in "<unicode string>"`` location."""
    text = str(part).split('\n  in "<unicode string>"')[0]
    return " ".join(text.split())
