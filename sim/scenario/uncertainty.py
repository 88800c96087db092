"""What a scenario says we do not know: a distribution for a number, drawn per trial.

Core objects: :class:`Uncertainty`, the ``uncertainty:`` of a number in a scenario file,
``{NAME: ARGS}``, checked for its arguments; :func:`support`, :func:`check_fits` and
:func:`check_point`, which check it against a unit's range and the point value; :func:`ppf`,
its inverse CDF (from ``scipy.stats``); :func:`draw`, the per-trial values from uniforms.

NAME is one of :data:`ARGUMENTS`; ARGS a list (the required arguments, in order) or a mapping
(by name, bounds included), each a finite number:

- ``uniform: [low, high]``; ``loguniform: [low, high]`` with 0 < low;
- ``normal: {mean, sd, low?, high?}``, sd > 0;
- ``lognormal: {median, sd_log, low?, high?}``: its log is normal(log median, sd_log);
- ``beta: [a, b]`` or ``{a, b, low?, high?}``: stretched onto [low, high], by default [0, 1];
- ``gamma: {shape, scale, low?, high?}``;
- ``triangular: [low, mode, high]`` with low <= mode <= high;
- ``choice: {values: [...], weights: [...]?}``, or ``choice: [...]`` for equal weights.

The bounds of a normal, lognormal or gamma truncate it: its inverse CDF restricted to
[F(low), F(high)] (``scipy.stats.truncnorm`` for the first two).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import ConfigDict, model_serializer, model_validator

from sim.core.errors import did_you_mean
from sim.core.strict import Strict
from sim.core.types import FloatArray

DistName = Literal[
    "uniform", "loguniform", "normal", "lognormal", "beta", "gamma", "triangular", "choice"
]
_BOUNDS = ("low", "high")
#: each distribution's required arguments (the order of its list form), then its optional ones
ARGUMENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "uniform": (_BOUNDS, ()),
    "loguniform": (_BOUNDS, ()),
    "normal": (("mean", "sd"), _BOUNDS),
    "lognormal": (("median", "sd_log"), _BOUNDS),
    "beta": (("a", "b"), _BOUNDS),
    "gamma": (("shape", "scale"), _BOUNDS),
    "triangular": (("low", "mode", "high"), ()),
    "choice": (("values",), ("weights",)),
}
_POSITIVE = {"loguniform": ("low",), "normal": ("sd",), "lognormal": ("median", "sd_log")}
_POSITIVE |= {"beta": ("a", "b"), "gamma": ("shape", "scale")}
_TRUNCATED = ("normal", "lognormal", "gamma")
#: the least and greatest uniform :func:`draw` uses: a 53-bit uniform's range, 0 read as half a
#: step above it so that an unbounded distribution stays finite
_Q_MIN, _Q_MAX = 2.0**-54, 1.0 - 2.0**-53


class Uncertainty(Strict):
    """A distribution over a number's value, from the YAML form ``{NAME: ARGS}``.

    Build it with ``Uncertainty.model_validate({"beta": [30, 1]})`` or ``Uncertainty(beta=[30,
    1])``; ``model_dump()`` gives the YAML form back, its arguments by name. A bad one raises
    pydantic's ValidationError, whose message is one sentence.

    Attributes:
        name: The distribution, a key of :data:`ARGUMENTS`.
        args: Its numeric arguments by name (empty for ``choice``).
        values: A ``choice``'s values, as written.
        weights: A ``choice``'s weights (all 1 when not written).
    """

    model_config = ConfigDict(strict=True)

    name: DistName
    args: dict[str, float]
    values: tuple[float, ...] = ()
    weights: tuple[float, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, data: Any) -> dict[str, Any]:
        return _parse(data)

    @model_serializer
    def _to_yaml(self) -> dict[str, Any]:
        if self.name == "choice":
            return {"choice": {"values": list(self.values), "weights": list(self.weights)}}
        return {self.name: dict(self.args)}

    def __str__(self) -> str:
        """``normal(mean=0.5, sd=0.1)``, as messages show it."""
        if self.name == "choice":
            return f"choice(values={_list(self.values)}, weights={_list(self.weights)})"
        return f"{self.name}({', '.join(f'{k}={v:g}' for k, v in self.args.items())})"


def _list(xs: tuple[float, ...]) -> str:
    return "[" + ", ".join(f"{x:g}" for x in xs) + "]"


def _got(value: Any) -> str:
    """``true (a boolean)``, ``text '30'``, ``list []``: the repr cut to 40 characters."""
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    text = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    return f"{'text' if isinstance(value, str) else type(value).__name__} {text}"


def _number(name: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"the {key} of a {name} must be a number, got {_got(value)}")
    try:
        x = float(value)
    except OverflowError:  # a whole number too large for a float
        x = math.inf
    if not math.isfinite(x):
        raise ValueError(f"the {key} of a {name} must be a finite number, got {x}")
    return x


def _parse(data: Any) -> dict[str, Any]:
    """The YAML form ``{NAME: ARGS}`` as the model's fields, or ValueError with one sentence."""
    one = "an uncertainty is one distribution, e.g. {beta: [30, 1]}, got"
    if not isinstance(data, dict):
        raise ValueError(f"{one} {_got(data)}")
    if len(data) != 1:
        raise ValueError(f"{one} {len(data)}" + (f": {', '.join(map(str, data))}" if data else ""))
    ((name, given),) = data.items()
    if name not in ARGUMENTS:
        hint = did_you_mean(str(name), ARGUMENTS)
        raise ValueError(f"unknown distribution {name!r}{hint}; one of: {', '.join(ARGUMENTS)}")
    need, optional = ARGUMENTS[name]
    if isinstance(given, list) and name == "choice":
        given = {"values": given}
    elif isinstance(given, list):
        if len(given) != len(need):
            by_name = f"; give {' and '.join(optional)} by name" if optional else ""
            got = f"got {len(given)}{by_name}"
            raise ValueError(f"a {name} list has {len(need)} numbers ({', '.join(need)}), {got}")
        given = dict(zip(need, given, strict=True))
    keys = need + optional
    if not isinstance(given, dict):
        got = f"got {_got(given)}"
        raise ValueError(f"a {name} takes a list [{', '.join(need)}] or a mapping, {got}")
    for key in given:
        if key not in keys:
            hint = did_you_mean(str(key), keys)
            raise ValueError(f"a {name} takes {', '.join(keys)}, not {key!r}{hint}")
    if missing := [k for k in need if k not in given]:
        raise ValueError(f"a {name} needs {' and '.join(missing)}")
    if name == "choice":
        return _parse_choice(given)
    args = {k: _number(name, k, v) for k, v in given.items()}
    for key in _POSITIVE.get(name, ()):
        if not args[key] > 0:
            raise ValueError(f"the {key} of a {name} must be above 0, got {args[key]:g}")
    lo, hi = (args.get("low", 0.0), args.get("high", 1.0)) if name == "beta" else _ends(args)
    if not lo < hi:
        raise ValueError(f"the low of a {name} must be below its high, got [{lo:g}, {hi:g}]")
    if name == "triangular" and not lo <= args["mode"] <= hi:
        raise ValueError(
            f"the mode of a triangular must be in [{lo:g}, {hi:g}], got {args['mode']:g}"
        )
    if name in _TRUNCATED and set(_BOUNDS) & set(args) and not _mass(name, args) > 0:
        raise ValueError(f"a {name} has no probability in [{lo:g}, {hi:g}]: move the bounds in")
    return {"name": name, "args": args}


def _parse_choice(given: dict[str, Any]) -> dict[str, Any]:
    for key in given:
        if not isinstance(given[key], list) or not given[key]:
            got = _got(given[key])
            raise ValueError(f"the {key} of a choice must be a list of numbers, got {got}")
    values = tuple(_number("choice", "values", x) for x in given["values"])
    weights = tuple(
        _number("choice", "weights", w) for w in given.get("weights", [1] * len(values))
    )
    if len(weights) != len(values):
        raise ValueError(f"a choice has {len(values)} values but {len(weights)} weights")
    if min(weights) < 0 or not sum(weights) > 0:
        raise ValueError(f"a choice's weights must be >= 0, not all 0, got {_list(weights)}")
    return {"name": "choice", "args": {}, "values": values, "weights": weights}


def _ends(a: dict[str, float]) -> tuple[float, float]:
    return a.get("low", -math.inf), a.get("high", math.inf)


def _z(name: str, a: dict[str, float]) -> tuple[float, float, float, float]:
    """A (log)normal's mean and sd (of the log, for a lognormal), and its bounds in sds."""
    log = name == "lognormal"
    mu, sd = (math.log(a["median"]), a["sd_log"]) if log else (a["mean"], a["sd"])
    lo, hi = _ends(a)
    if log:
        lo, hi = (math.log(b) if b > 0 else -math.inf for b in (lo, hi))
    return mu, sd, (lo - mu) / sd, (hi - mu) / sd


def _mass(name: str, a: dict[str, float]) -> float:
    """The probability a normal, lognormal or gamma gives to [low, high], from either tail."""
    if name == "gamma":
        from scipy import special  # noqa: PLC0415 - scipy.special takes ~0.3 s to import

        x = np.maximum(_ends(a), 0.0) / a["scale"]
        cdf, sf = special.gammainc(a["shape"], x), special.gammaincc(a["shape"], x)
        return float(max(cdf[1] - cdf[0], sf[0] - sf[1]))
    za, zb = (z / math.sqrt(2) for z in _z(name, a)[2:])
    return 0.5 * max(math.erfc(-zb) - math.erfc(-za), math.erfc(za) - math.erfc(zb))


def support(u: Uncertainty) -> tuple[float, float]:
    """The least and greatest value ``u`` can take (either may be infinite)."""
    if u.name == "choice":
        kept = [v for v, w in zip(u.values, u.weights, strict=True) if w > 0]
        return min(kept), max(kept)
    if u.name == "beta":
        return u.args.get("low", 0.0), u.args.get("high", 1.0)
    lo, hi = _ends(u.args)
    return (max(lo, 0.0), hi) if u.name in ("lognormal", "gamma") else (lo, hi)


def check_fits(u: Uncertainty, lo: float, hi: float, unit: str | None = None) -> None:
    """Raise ValueError, saying which bound to add or move, unless ``u`` lies in [lo, hi].

    ``unit`` (such as ``"probability"``) names the range in the message.
    """
    s_lo, s_hi = support(u)
    sides = [(k, b) for k, b, out in (("low", lo, s_lo < lo), ("high", hi, s_hi > hi)) if out]
    if not sides:
        return
    reach = " and ".join(f"{'below' if k == 'low' else 'above'} {b:g}" for k, b in sides)
    fixes = " and ".join(_fix(u, k, b) for k, b in sides)
    what = f"a {unit}" if unit else "the value"
    raise ValueError(f"{u} reaches {reach}, but {what} must be in [{lo:g}, {hi:g}]: {fixes}")


def _fix(u: Uncertainty, side: str, bound: float) -> str:
    if u.name == "choice":
        return f"drop the values {'below' if side == 'low' else 'above'} {bound:g}"
    if side not in u.args:
        return f"add {side}: {bound:g}"
    return f"{'raise' if side == 'low' else 'lower'} {side} to {bound:g}"


def check_point(u: Uncertainty, value: float) -> None:
    """Raise ValueError unless the declared point ``value`` lies in ``u``'s support."""
    lo, hi = support(u)
    if not lo <= value <= hi:
        raise ValueError(f"the value {value:g} is outside [{lo:g}, {hi:g}], where {u} lies")


def ppf(u: Uncertainty, q: npt.ArrayLike) -> FloatArray:
    """The inverse CDF of ``u`` at quantiles ``q`` in [0, 1], elementwise (float64).

    A ``choice`` takes its values in increasing order, each over a share of [0, 1) equal to
    its share of the weights. Raises ValueError if some ``q`` is outside [0, 1] or NaN.
    """
    from scipy import stats  # noqa: PLC0415 - scipy.stats takes ~0.6 s to import

    q = np.asarray(q, dtype=np.float64)
    if not np.all((q >= 0) & (q <= 1)):
        raise ValueError("quantiles must be in [0, 1]")
    a, name = u.args, u.name
    if name == "choice":
        order = np.argsort(u.values, kind="stable")
        values, weights = np.asarray(u.values)[order], np.asarray(u.weights)[order]
        values, weights = values[weights > 0], weights[weights > 0] / weights.max()
        edges = np.cumsum(weights) / weights.sum()
        return values[np.minimum(np.searchsorted(edges, q, side="right"), len(values) - 1)]
    lo, hi = support(u)
    dist = {
        "uniform": lambda: stats.uniform(loc=lo, scale=hi - lo),
        "loguniform": lambda: stats.loguniform(lo, hi),
        "beta": lambda: stats.beta(a["a"], a["b"], loc=lo, scale=hi - lo),
        "triangular": lambda: stats.triang((a["mode"] - lo) / (hi - lo), loc=lo, scale=hi - lo),
        "normal": lambda: stats.norm(loc=a["mean"], scale=a["sd"]),
        "lognormal": lambda: stats.lognorm(a["sd_log"], scale=a["median"]),
        "gamma": lambda: stats.gamma(a["shape"], scale=a["scale"]),
    }[name]()
    if name not in _TRUNCATED or not set(_BOUNDS) & set(a):
        return np.asarray(dist.ppf(q), dtype=np.float64)
    if name == "gamma":  # F restricted to [F(low), F(high)]
        sl, sh = dist.sf(lo), dist.sf(hi)
        if sl < 0.5:  # an upper tail: the survival function keeps the precision
            x = dist.isf(sl - q * (sl - sh))
        else:
            pl, ph = dist.cdf(lo), dist.cdf(hi)
            x = dist.ppf(pl + q * (ph - pl))
    else:  # a truncated normal (of the log, for a lognormal), with scipy's care in the tails
        mu, sd, za, zb = _z(name, a)
        x = stats.truncnorm(za, zb, loc=mu, scale=sd).ppf(q)
        x = np.exp(x) if name == "lognormal" else x
    return np.clip(np.asarray(x, dtype=np.float64), lo, hi)


def draw(u: Uncertainty, q: npt.ArrayLike, whole: bool) -> FloatArray:
    """The values of ``u`` at uniforms ``q`` in [0, 1), one per trial (float64).

    ``q`` is first kept in [2^-54, 1 - 2^-53] (a 53-bit uniform's range, 0 read as half a step
    above it), so that an unbounded distribution gives finite values. With ``whole`` (a
    whole-number quantity, such as days), each value is rounded to the nearest whole number,
    halves to the even one (``numpy.rint``, as sweeps round whole parameters); the array is
    still float64.
    """
    x = ppf(u, np.clip(np.asarray(q, dtype=np.float64), _Q_MIN, _Q_MAX))
    return np.rint(x) if whole else x
