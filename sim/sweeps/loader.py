"""Loading sweep files: validation against the base scenario, and the design.

Core objects: :class:`Sweep` (a validated sweep: its spec, base scenario, design table and
hash) and :func:`load_sweep`. Everything wrong with a sweep file (an unknown key, a key path
the scenario does not have, an empty or reversed range, a design that does not fit its
parameters, a value the scenario refuses) is one :class:`~sim.core.errors.InputError` naming the
file, key path and line. So is anything the run could not do (a design or a run too large for
this machine, a value of a type the scenario key does not take): what loads, runs.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pydantic

from sim.core.errors import InputError, KeyPath
from sim.core.html import head_html, table_html
from sim.core.paths import check_regular_file, scenarios_dir, shipped_file, sweeps_dir
from sim.core.strict import first_error
from sim.core.yamlio import LineMap, line_of, read_yaml
from sim.model.values import lane_key
from sim.runs.posterior import PosteriorDraws, load_posterior
from sim.scenario.loader import Scenario, load_scenario, resolve_ref
from sim.scenario.quantities import uncertain_quantities
from sim.scenario.vocabulary import metric_names
from sim.sweeps.checks import check_fit, check_metrics, check_work
from sim.sweeps.design import build_design
from sim.sweeps.levers import POLICY, cross, drawn
from sim.sweeps.spec import (
    Distribution,
    DrawnDesign,
    GridDesign,
    Levers,
    LhsDesign,
    MorrisDesign,
    Parameter,
    SobolDesign,
    SweepSpec,
    count_text,
)
from sim.sweeps.targets import policy_numbers, target_path


@dataclass(frozen=True)
class Sweep:
    """A validated sweep, ready to run.

    Attributes:
        spec: The sweep file's values.
        scenario: The base scenario.
        design: One row per point, one column per parameter (named as in the file).
        targets: Parameter -> the dotted key path it sets in the scenario (``params.x``
            becomes ``params.x.value``).
        file: The sweep file.
        posterior: The posterior its trials draw fitted quantities from, if any.
    """

    spec: SweepSpec
    scenario: Scenario
    design: pd.DataFrame
    targets: dict[str, str]
    file: str
    posterior: PosteriorDraws | None = None
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    sections: dict[str, list[Any]] = field(default_factory=dict)

    def parameter(self, name: str) -> Parameter:
        """What the file says of an uncertainty, a sweep parameter or a lever."""
        levers = self.spec.levers.parameters or {} if self.spec.levers is not None else {}
        return self.spec.inputs[name] if name in self.spec.inputs else levers[name]

    @property
    def name(self) -> str:
        """The sweep's name."""
        return self.spec.name

    @property
    def days(self) -> int:
        """Days per trial."""
        return self.spec.days or self.scenario.spec.days

    @property
    def metrics(self) -> list[str]:
        """The metrics recorded at each point."""
        return self.spec.metrics or metric_names(list(self.scenario.spec.militias))

    @property
    def hash(self) -> str:
        """SHA-256 of everything that decides the results (not the name or description)."""
        identity = {
            "scenario": self.scenario.hash,
            "days": self.days,
            "replications": self.spec.replications,
            "seed": self.spec.seed,
            "common_random_numbers": self.spec.common_random_numbers,
            "metrics": self.metrics,
            "targets": self.targets,
            "design": {c: self.design[c].tolist() for c in self.design},
            **({"point": True} if self.spec.point else {}),  # earlier sweeps' hashes stand
            **({"policies": self.policies} if self.policies else {}),
        }
        return hashlib.sha256(json.dumps(identity).encode()).hexdigest()

    def changes(self, point: int) -> dict[str, Any]:
        """The scenario values a point sets: ``{dotted key path: value}``.

        Read column by column, so each keeps its type (a row of a whole number and a
        fraction would make both floats).
        """
        out = {target: _plain(self.design[p].iat[point]) for p, target in self.targets.items()}
        if self.policies:
            out.update(self.policies[str(self.design[POLICY].iat[point])])
        return out

    def uncertain(self) -> list[str]:
        """The quantities drawn once per trial at each point.

        The scenario's declared uncertainties that the sweep does not set (a set value is
        fixed), none with ``point: true``.
        """
        if self.spec.point:
            return []
        set_by = [*self.targets.values(), *(k for ch in self.policies.values() for k in ch)]
        fixed = {t.removesuffix(".value") for t in set_by}
        declared = uncertain_quantities(self.scenario.spec)
        return [q for q in declared if q.removesuffix(".value") not in fixed]

    def _repr_html_(self) -> str:
        """The design as an HTML table, for Jupyter."""
        facts = [
            f"{self.spec.design.kind} design",
            f"{len(self.design):,} points",
            f"{self.spec.replications:,} trials each",
            f"{self.days} days",
            f"base {self.scenario.name}",
            f"seed {self.spec.seed}",
        ]
        return head_html(f"sweep {self.name}", facts) + table_html(self.design)

    def __repr__(self) -> str:
        """Name, design, size."""
        return (
            f"Sweep({self.name!r}, design={self.spec.design.kind!r}, points={len(self.design)}, "
            f"replications={self.spec.replications}, scenario={self.scenario.name!r})"
        )


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def is_sweep_file(ref: str | Path) -> bool:
    """Whether ``ref`` names a sweep file (a mapping with ``design`` or ``parameters``)."""
    try:
        path = _sweep_path(ref)
        check_regular_file(path)  # a FIFO, a device, a name too long: not a sweep file
        data, _ = read_yaml(path)
    except InputError:
        return False
    return isinstance(data, dict) and ("design" in data or "parameters" in data)


def list_sweeps() -> dict[str, str]:
    """The shipped sweeps (``scenarios/sweeps/``): name to description."""
    out: dict[str, str] = {}
    for path in sorted(sweeps_dir().glob("*.yaml")):
        data, _ = read_yaml(path)
        text = str(data.get("description", "")) if isinstance(data, dict) else ""
        out[path.stem] = text.strip().split("\n")[0]
    return out


def _sweep_path(ref: str | Path) -> Path:
    """A path as given, or a shipped sweep's file (an InputError naming the shipped ones)."""
    try:
        return shipped_file(ref, sweeps_dir(), "sweep")
    except InputError as exc:
        text = str(ref)
        if not (scenarios_dir() / f"{text}.yaml").is_file():
            raise
        names = ", ".join(sorted(list_sweeps()))
        hint = f" ({text!r} is a scenario: escsim run {text})"
        raise InputError(f"no shipped sweep named {text!r}{hint}; shipped: {names}") from exc


def load_sweep(ref: str | Path | Sweep) -> Sweep:
    """Load and validate a sweep file, and build its design.

    Args:
        ref: A path, the name of a shipped sweep (``scenarios/sweeps/NAME.yaml``), or a
            loaded :class:`Sweep` (returned as is).

    Raises:
        InputError: Anything wrong with the file, with its key path and line.
    """
    if isinstance(ref, Sweep):
        return ref
    path = _sweep_path(ref)
    file = str(path)
    raw, lines = read_yaml(path)
    if not isinstance(raw, dict):
        raise InputError("a sweep file must be a mapping of keys to values", file=file, line=1)
    raw.setdefault("name", path.stem)
    _refuse_scenario(raw, lines, file)
    spec = _validate(raw, lines, file)

    def fail(reason: str, where: KeyPath) -> InputError:
        return InputError(reason, file=file, path=where, line=line_of(lines, where))

    try:
        base = resolve_ref(spec.scenario, path.parent)
    except InputError as exc:  # an unknown shipped name
        raise fail(exc.reason, ["scenario"]) from None
    try:
        check_regular_file(base)
    except InputError as exc:
        raise fail(f"{spec.scenario!r}: {exc.reason} ({base})", ["scenario"]) from None
    scenario = load_scenario(base)
    sections = {name: [spec.section, name] for name in spec.inputs}
    levers = spec.levers.parameters or {} if spec.levers is not None else {}
    for name in levers:
        if name in sections:
            raise fail(f"{name} is both a lever and an uncertainty", ["levers", "parameters", name])
        sections[name] = ["levers", "parameters", name]
    kinds = {
        **{k: p.kind for k, p in spec.inputs.items()},
        **{k: p.kind for k, p in levers.items()},
    }
    targets = {
        name: target_path(scenario, name, kinds[name], fail, where)
        for name, where in sections.items()
    }
    for name, target in targets.items():
        if list(targets.values()).count(target) > 1:
            raise fail(f"sets {target} twice, under two names", sections[name])
    check_fit(spec, fail)
    check_work(spec, spec.days or scenario.spec.days, fail)
    check_metrics(spec.metrics or [], metric_names(list(scenario.spec.militias)), fail)
    posterior = _posterior(spec, path.parent, scenario, fail)
    policies = policy_numbers(spec, scenario, path.parent, targets, fail)
    if isinstance(spec.design, DrawnDesign):
        design = drawn(scenario, spec.design.samples, spec.seed, posterior)
        decided = {lane_key(k) for ch in policies.values() for k in ch}
        decided |= {lane_key(t) for t in targets.values()}  # a lever sets it
        for name in list(design.columns):  # the scenario's own quantities: valid as drawn
            target = target_path(scenario, name, "values", fail, ["design"])
            if lane_key(target) in decided:
                design = design.drop(columns=name)
            else:
                targets[name] = target
    else:
        design = build_design(spec)
    if spec.levers is not None:
        design = cross(design, spec.levers)
    sweep = Sweep(spec=spec, scenario=scenario, design=design, targets=targets, file=file,
                  posterior=posterior, policies=policies, sections=sections)  # fmt: skip
    _check_values(sweep, fail)
    return sweep


def _posterior(spec: SweepSpec, here: Path, scenario: Scenario, fail: Any) -> PosteriorDraws | None:
    """The posterior a sweep names, read and checked against its scenario."""
    if spec.posterior is None:
        return None
    try:
        draws = load_posterior(here / spec.posterior)
        draws.check(scenario)
    except InputError as exc:
        raise fail(f"{exc.reason} ({here / spec.posterior})", ["posterior"]) from None
    return draws


#: keys a scenario file has and a sweep file never does
_SCENARIO_KEYS = ("extends", "militias", "params", "drivers", "rules", "events", "mechanisms")


def _refuse_scenario(raw: dict[str, Any], lines: LineMap, file: str) -> None:
    """A scenario file given where a sweep file belongs: say so, and which command takes it."""
    key = next((k for k in _SCENARIO_KEYS if k in raw), None)
    if key is None or "scenario" in raw:
        return
    raise InputError(
        f"this is a scenario file, not a sweep file (it has {key!r}): run it with "
        f"`escsim run {file}`, or name it under `scenario:` in a sweep file",
        file=file,
        path=[key],
        line=lines.get((key,)),
    )


def _validate(raw: dict[str, Any], lines: LineMap, file: str) -> SweepSpec:
    try:
        return SweepSpec.model_validate(raw)
    except pydantic.ValidationError as exc:
        fields = functools.partial(_fields, raw=raw)
        raise first_error(exc, file, lines, fields, _shown, _untagged) from None


def _untagged(loc: list[Any]) -> list[Any]:
    """A design's key path without the union's tag pydantic puts after ``design``."""
    return [loc[0], *loc[2:]] if loc[:1] == ["design"] and len(loc) > 1 else loc


def _shown(value: Any) -> str:
    """A value for a message (a whole number too long to print is given by its size)."""
    return count_text(value) if type(value) is int and value.bit_length() > 128 else repr(value)


def _fields(loc: list[Any], raw: dict[str, Any]) -> list[str]:
    """The keys allowed at ``loc`` (for a did-you-mean)."""
    if not loc:
        return list(SweepSpec.model_fields)
    if loc == ["design"]:
        kind = raw.get("design", {}).get("kind") if isinstance(raw.get("design"), dict) else None
        models: dict[str, type[pydantic.BaseModel]] = {
            "grid": GridDesign,
            "lhs": LhsDesign,
            "sobol": SobolDesign,
        }
        return list(models.get(str(kind), MorrisDesign).model_fields)
    if loc[0] in ("parameters", "uncertainties") and len(loc) == 2:
        return list(Parameter.model_fields)
    if loc == ["levers"]:
        return list(Levers.model_fields)
    if loc[:2] == ["levers", "parameters"] and len(loc) == 3:
        return list(Parameter.model_fields)
    if loc[0] in ("parameters", "uncertainties") and loc[-1] == "distribution":
        return list(Distribution.model_fields)
    return []


def _check_values(sweep: Sweep, fail: Any) -> None:
    """Each listed value, a range's ends, a distribution's sampled extremes: valid alone.

    With them, a value the design holds that is not a whole number (if any): a key that takes
    whole numbers is refused here, not at every point of the run.
    """
    for name, where in sweep.sections.items():
        p, col = sweep.parameter(name), sweep.design[name]
        if p.values is not None:
            values = list(p.values)
        elif p.range is not None and not p.integer:
            values = list(p.range)  # the declared ends, which samples may not reach
        else:  # whole numbers, distributions: the values the design holds
            values = [col.min(), col.max()]
        if p.values is None and not p.integer:
            values += list(col[col != col.round()].iloc[:1])
        for value in map(_plain, values):
            try:
                sweep.scenario.patched({sweep.targets[name]: value})
            except InputError as exc:
                hint = _whole_hint(sweep, name, value)
                raise fail(f"at {value!r}: {exc.reason}{hint}", where) from None


def _whole_hint(sweep: Sweep, name: str, value: Any) -> str:
    """Advice when a key refuses a fraction but takes the nearest whole number."""
    if not isinstance(value, float):
        return ""
    try:
        sweep.scenario.patched({sweep.targets[name]: round(value)})
    except InputError:
        return ""
    if sweep.parameter(name).values is not None:
        return " (this key takes whole numbers)"
    return " (this key takes whole numbers: add 'integer: true' to the parameter)"
