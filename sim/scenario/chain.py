"""Reading a scenario's ``extends:`` chain into one mapping, remembering where each value is from.

Core objects: :func:`read_chain` (the merged data, the file and line of every key path, and
the files, leaf first), :func:`merge_patch` (one file over another), :func:`check_new_entries`,
:func:`resolve_ref` (a shipped name or a path) and :data:`MAX_CHAIN`.
Mappings merge key by key, lists are replaced whole, ``null`` deletes a key, and a
``source`` is replaced whole. A patch may change a group only by its name: a new group needs
every field (so a misspelt name is not read as a new group).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sim.core.errors import InputError, did_you_mean
from sim.core.paths import check_regular_file, real_path, scenarios_dir, shipped_file
from sim.core.yamlio import LineMap, read_yaml
from sim.scenario.schema import MILITIA_NUMBER_RANGES, Driver, MilitiaSpec, Param
from sim.scenario.uncertainty import Uncertainty, support
from sim.scenario.vocabulary import RULES

#: mappings a patch replaces whole, never merges
WHOLE_KEYS = ("source", "uncertainty")
#: the most files in one chain of ``extends:``, the leaf included
MAX_CHAIN = 32
#: keys only a sweep file has: a sweep given as a scenario is told which command takes it
_SWEEP_KEYS = frozenset({"design", "parameters", "replications", "metrics"})

Origins = dict[tuple[str | int, ...], tuple[str, int | None]]
Chain = tuple[dict[str, Any], Origins, tuple[str, ...]]


def resolve_ref(ref: str | Path, relative_to: Path | None = None) -> Path:
    """Turn a scenario reference (a shipped name or a path) into a file path."""
    return shipped_file(ref, scenarios_dir(), "scenario", relative_to)


def read_chain(path: Path) -> Chain:
    """Read a scenario file and every file it extends, merged.

    Args:
        path: The leaf file.

    Returns:
        The merged data; the file and line each key path comes from (a key that a file
        deletes keeps that file's place, so an error it causes can blame it); and the
        files, leaf first.

    Raises:
        InputError: A file cannot be read, is no scenario, or the chain is broken: a cycle, a
            missing parent, more than :data:`MAX_CHAIN` files, or a group that is misspelt.
    """
    try:
        return _read(path, ())
    except _TooLong as exc:  # blame the leaf, whose chain it is, not the file where it ran out
        _, lines = read_yaml(path)
        names = [p.name for p in exc.chain]
        shown = " -> ".join([*names[:3], "...", *names[-2:]])
        raise InputError(
            f"the chain of extends is longer than the limit of {MAX_CHAIN} files ({shown})",
            file=str(path),
            path=["extends"],
            line=lines.get(("extends",)),
        ) from None


class _TooLong(Exception):
    """A chain of extends over :data:`MAX_CHAIN` files (``chain``: the files, leaf first)."""

    def __init__(self, chain: tuple[Path, ...]) -> None:
        super().__init__(len(chain))
        self.chain = chain


def _read(path: Path, seen: tuple[Path, ...]) -> Chain:
    raw, lines = read_yaml(path)
    file = str(path)
    if not isinstance(raw, dict):
        raise InputError("a scenario file must be a mapping of keys to values", file=file, line=1)
    if "scenario" in raw and raw.keys() & _SWEEP_KEYS:
        raise InputError(
            f"this is a sweep file (it names a base scenario and a design), not a scenario: "
            f"run it with `escsim sweep {file} --out DIR`",
            file=file,
            path=["scenario"],
            line=lines.get(("scenario",)),
        )
    origins: Origins = {key: (file, line) for key, line in lines.items()}
    parent = raw.pop("extends", None)
    if parent is None:
        return raw, origins, (file,)
    where: dict[str, Any] = {"file": file, "path": ["extends"], "line": lines.get(("extends",))}
    if not isinstance(parent, str):
        raise InputError("extends must be a scenario name or path", **where)
    if "name" not in raw:
        raw["name"] = path.stem
    chain = (*seen, real_path(path))
    if len(chain) >= MAX_CHAIN:
        raise _TooLong((*chain, _parent(parent, path, where)))
    parent_path = _parent(parent, path, where)
    if parent_path in chain:
        cycle = " -> ".join(p.name for p in (*chain, parent_path))
        raise InputError(f"cycle of extends: {cycle}", **where)
    _check_rule_overrides(raw, lines, file)
    base, base_origins, files = _read(parent_path, chain)
    check_new_entries(base, raw, lines, file)
    check_kept_uncertainty(base, raw, lines, file)
    for key in lines:  # what the child replaces whole, it answers for whole
        if key[:1] == ("extends",):
            continue
        value = _get(raw, key)
        if not isinstance(value, dict) or key[-1:] == ("source",):
            n = len(key)
            for old in [k for k in base_origins if k[:n] == key]:
                del base_origins[old]
    base_origins.update(origins)
    return merge_patch(base, raw), base_origins, (file, *files)


def _parent(parent: str, path: Path, where: dict[str, Any]) -> Path:
    """The file a child extends, checked to be a regular file; errors blame the child."""
    try:
        parent_path = resolve_ref(parent, path.parent)
    except InputError as exc:
        raise InputError(exc.reason, **where) from None
    try:
        check_regular_file(parent_path)
    except InputError as exc:
        full = f" ({parent_path})" if str(parent_path) != parent else ""
        raise InputError(f"{parent!r}: {exc.reason}{full}", **where) from None
    return real_path(parent_path)


def _get(data: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _check_rule_overrides(raw: dict[str, Any], lines: LineMap, file: str) -> None:
    """A file that changes a rule's expression must give that rule's source too."""
    rules = raw.get("rules")
    if not isinstance(rules, dict):
        return
    for name, rule in rules.items():
        if name in RULES and isinstance(rule, dict) and "expr" in rule and "source" not in rule:
            raise InputError(
                "a rule whose expr is changed needs its own source (a quote from seeds/ "
                "or a calibration row): the parent's no longer describes it",
                file=file,
                path=["rules", name],
                line=lines.get(("rules", name)),
            )


def _required(model: type[BaseModel]) -> list[str]:
    return [name for name, f in model.model_fields.items() if f.is_required()]


#: the sections whose entries a child may add: what a new one needs, and what it is called
_NEW_ENTRIES = {
    "militias": (_required(MilitiaSpec), "militia", "group"),
    "params": (_required(Param), "parameter", "parameter"),
    "drivers": (_required(Driver), "driver", "driver"),
}
#: the sections a patch may add entries to
NEW_ENTRY_SECTIONS = frozenset(_NEW_ENTRIES)


def check_new_entries(base: dict[str, Any], raw: dict[str, Any], lines: LineMap, file: str) -> None:
    """An entry the parent lacks is new only with every field; else a misspelt name.

    So for groups, parameters and drivers: removing one that is not there is refused too.
    """
    for section, (required, noun, thing) in _NEW_ENTRIES.items():
        entries, known = raw.get(section), base.get(section)
        if not isinstance(entries, dict) or not isinstance(known, dict):
            continue
        for name, spec in entries.items():
            if name in known:
                continue
            hint = did_you_mean(str(name), known)
            if spec is None:
                reason = f"unknown {noun} {name!r}{hint}: there is no such {thing} to remove"
            elif isinstance(spec, dict) and all(k in spec for k in required):
                continue  # a whole new entry, on purpose
            else:
                reason = (
                    f"unknown {noun} {name!r}{hint}; a new {thing} needs every field "
                    f"({', '.join(required)})"
                )
            where = lines.get((section, name))
            raise InputError(reason, file=file, path=[section, name], line=where)


def check_kept_uncertainty(
    base: dict[str, Any], raw: dict[str, Any], lines: LineMap, file: str
) -> None:
    """A file that changes a value must say what becomes of its parent's uncertainty.

    The parent's uncertainty is about the parent's value: kept under a new value, a drawn
    run would ignore the new value. So ``{value: X}`` over a value with an uncertainty needs
    its own ``uncertainty`` (or ``uncertainty: null``), as a changed rule needs its source.
    A value the uncertainty cannot hold, or no number at all, is left to validation, whose
    message is the more useful one.
    """
    for section, name, key, value, declared in _changed_values(base, raw):
        if not _holds(declared, value):  # none kept, or a bad value: validation says which
            continue
        where = (section, name, key) if section == "militias" else (section, name, "value")
        raise InputError(
            f"changes the value ({value!r}) but keeps the uncertainty its parent declared "
            f"about the parent's value: give it its own uncertainty, or uncertainty: null",
            file=file,
            path=list(where),
            line=lines.get(where) or lines.get(where[:2]),
        )


def _changed_values(base: dict[str, Any], raw: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """``(section, name, key, new value, kept uncertainty or None)`` of each value changed."""
    for section in ("params", "drivers"):
        for name, entry in _entries(raw, section):
            old = _entry(base, section, name)
            bare = "value" in entry and "uncertainty" not in entry
            if bare and entry["value"] != old.get("value"):
                yield section, name, "value", entry["value"], old.get("uncertainty")
    for name, entry in _entries(raw, "militias"):
        old = _entry(base, "militias", name)
        # a child's group-level `uncertainty` replaces the parent's whole
        declared = old.get("uncertainty")
        group = declared if isinstance(declared, dict) and "uncertainty" not in entry else {}
        for key, given in entry.items():
            if key not in MILITIA_NUMBER_RANGES:
                continue
            was = old.get(key)
            inline = was.get("uncertainty") if isinstance(was, dict) else None
            if isinstance(given, dict):  # {value: X}: merged, so both forms stay unless given
                if "value" not in given or "uncertainty" in given:
                    continue
                value, kept = given["value"], inline if inline is not None else group.get(key)
            else:  # a number replaces an inline {value, uncertainty} whole
                value, kept = given, group.get(key)
            if value != (was.get("value") if isinstance(was, dict) else was):
                yield "militias", name, key, value, kept


def _holds(declared: Any, value: Any) -> bool:
    """Whether ``value`` is a number inside the support of the uncertainty ``declared``."""
    if declared is None or isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        low, high = support(Uncertainty.model_validate(declared))
    except (ValueError, TypeError):  # pydantic's ValidationError is a ValueError
        return False
    return bool(low <= value <= high)


def _entries(data: dict[str, Any], section: str) -> list[tuple[str, dict[str, Any]]]:
    entries = data.get(section)
    if not isinstance(entries, dict):
        return []
    return [(n, e) for n, e in entries.items() if isinstance(e, dict)]


def _entry(data: dict[str, Any], section: str, name: str) -> dict[str, Any]:
    """``data[section][name]``, or ``{}``."""
    node = data.get(section)
    node = node.get(name) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def merge_patch(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` patched onto ``base``: mappings merge, ``null`` deletes, the rest replaces."""
    out = dict(base)
    for key, value in over.items():
        if value is None:
            out.pop(key, None)
        elif key in WHOLE_KEYS:  # replaced whole: citations and distributions never mix
            out[key] = value
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_patch(out[key], value)
        else:
            out[key] = value
    return out
