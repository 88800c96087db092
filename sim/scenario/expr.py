"""Safe, vectorised rule expressions for scenario files.

Core objects: :func:`compile_expr` parses text such as ``clip(0.2 + 0.05 * attacks_7d, 0, 1)``
with :mod:`ast` against a whitelist and compiles it into a tree of closures; the result is an
:class:`Expr`, which evaluates numpy operations over the trial axis (1-D arrays of equal
length, or broadcasting scalars). :class:`ExprError` reports every invalid expression, and
:data:`FUNCTIONS` is the whitelist of callable functions. Nothing here calls ``eval``,
``exec`` or ``compile``: scenario files are data and never execute code.

Arithmetic is in float64: whole-number inputs (counts such as ``attacks_7d``) are read as
floats, so a product of large counts cannot wrap around as int64 would, and values below
2**53 give the same numbers as before. Numpy's floating-point warnings are silenced while a
rule is evaluated; a NaN or an infinity in the result is the caller's to report. Only ASCII
is read: Python would fold a fullwidth letter into its ASCII look-alike (NFKC).
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple, TypeAlias

import numpy as np
import numpy.typing as npt

from sim.core.errors import did_you_mean

__all__ = ["FUNCTIONS", "Expr", "ExprError", "Value", "compile_expr"]

Value: TypeAlias = npt.NDArray[Any] | float | bool
_Fn: TypeAlias = Callable[[Mapping[str, Value]], Any]
MAX_LENGTH, MAX_DEPTH, MAX_LITERAL, MAX_EXPONENT = 1000, 50, 1e12, 8
#: other languages' logical operators, caught when the text does not parse
_C_LOGIC = re.compile(r"&&|\|\||!(?!=)")


class ExprError(ValueError):
    """An invalid expression; ``str()`` is one human-readable sentence.

    Attributes:
        expr: The expression text.
        col: 0-based column of the offending part, or None if unknown.
        unknown: The name the expression reads but may not, when that is the error.
    """

    def __init__(
        self, message: str, expr: str, col: int | None = None, unknown: str | None = None
    ) -> None:
        """Store the message, the expression text, the column and the unknown name."""
        super().__init__(message)
        self.expr, self.col, self.unknown = expr, col, unknown


def _bool_safe(ufunc: np.ufunc) -> Callable[..., Any]:
    """Wrap a ufunc numpy refuses on booleans (unary/binary ``-``) to treat them as ints."""

    def run(*args: Any) -> Any:
        try:
            return ufunc(*args)
        except TypeError:
            return ufunc(*(a * np.int64(1) if np.asarray(a).dtype == bool else a for a in args))

    return run


def _as_float(value: Any) -> Any:
    """Whole numbers (arrays or scalars, not booleans) as float64; anything else as is."""
    if isinstance(value, np.ndarray):
        return value.astype(np.float64) if value.dtype.kind in "iu" else value
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return float(value)
    return value


def _where(cond: Any, a: Any, b: Any) -> Any:
    out = np.where(cond, a, b)
    return out[()] if out.ndim == 0 else out


class _Function(NamedTuple):
    signature: str
    min_args: int
    max_args: int | None  # None: any number (folded pairwise)
    impl: Callable[..., Any]


FUNCTIONS: Mapping[str, _Function] = MappingProxyType({
    "min": _Function("min(a, b, ...)", 2, None, np.minimum),
    "max": _Function("max(a, b, ...)", 2, None, np.maximum),
    # float64 explicitly: numpy would compute these in float16 for boolean input
    "exp": _Function("exp(x)", 1, 1, lambda x: np.exp(x, dtype=np.float64)),
    "log": _Function("log(x)", 1, 1, lambda x: np.log(x, dtype=np.float64)),
    "sqrt": _Function("sqrt(x)", 1, 1, lambda x: np.sqrt(x, dtype=np.float64)),
    "abs": _Function("abs(x)", 1, 1, np.abs),
    "floor": _Function("floor(x)", 1, 1, np.floor),
    "ceil": _Function("ceil(x)", 1, 1, np.ceil),
    "clip": _Function("clip(x, lo, hi)", 3, 3, np.clip),
    "where": _Function("where(cond, a, b)", 3, 3, _where),
})  # fmt: skip
_UNARY: dict[type[ast.AST], Callable[[Any], Any]] = {
    ast.USub: _bool_safe(np.negative), ast.UAdd: _bool_safe(np.positive),
    ast.Not: np.logical_not,
}  # fmt: skip
_BINARY: dict[type[ast.AST], Callable[[Any, Any], Any]] = {
    ast.Add: np.add, ast.Sub: _bool_safe(np.subtract), ast.Mult: np.multiply,
    ast.Div: np.true_divide,
}  # fmt: skip
#: operators of one precedence: a flat chain of them (a + b - c + ...) is one level deep
_LEVEL: dict[type[ast.AST], int] = {ast.Add: 0, ast.Sub: 0, ast.Mult: 1, ast.Div: 1}
#: bitwise operators often meant as logical ones
_LOGICAL = (ast.BitAnd, ast.BitOr, ast.Invert)
_COMPARE: dict[type[ast.AST], Callable[[Any, Any], Any]] = {
    ast.Lt: np.less, ast.LtE: np.less_equal, ast.Gt: np.greater,
    ast.GtE: np.greater_equal, ast.Eq: np.equal, ast.NotEq: np.not_equal,
}  # fmt: skip
_SYMBOLS: dict[type[ast.AST], str] = {
    ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|",
    ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>", ast.Invert: "~", ast.In: "in",
    ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
}  # fmt: skip
_COMPR, _CONTAINER, _YIELD = ("comprehensions are", "lists, tuples, sets and dicts are", "yield is")
_REFUSED: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access (x.y) is", ast.Subscript: "subscripts (x[i]) are",
    ast.Slice: "slices are", ast.Lambda: "lambda expressions are", ast.ListComp: _COMPR,
    ast.SetComp: _COMPR, ast.DictComp: _COMPR, ast.GeneratorExp: _COMPR,
    ast.NamedExpr: "assignment expressions (:=) are", ast.Await: "await is",
    ast.Starred: "starred expressions (*x) are", ast.Yield: _YIELD, ast.YieldFrom: _YIELD,
    ast.List: _CONTAINER, ast.Tuple: _CONTAINER, ast.Set: _CONTAINER, ast.Dict: _CONTAINER,
    ast.JoinedStr: "f-strings are", ast.FormattedValue: "f-strings are",
}  # fmt: skip


@dataclass(frozen=True)
class Expr:
    """A compiled expression; call it with an environment to evaluate it.

    Attributes:
        text: The original expression text.
        names: The state/parameter names the expression reads.
    """

    text: str
    names: frozenset[str]
    _fn: _Fn = field(repr=False, compare=False)

    def __call__(self, env: Mapping[str, Value]) -> Value:
        """Evaluate elementwise over the trial axis.

        Args:
            env: Maps every name in :attr:`names` to an array or a scalar.

        Returns:
            An array, or a (numpy) scalar when all inputs are scalars.

        Raises:
            ExprError: If a name is missing from ``env`` or a value has an unusable type.
        """
        try:
            with np.errstate(all="ignore"):  # a NaN or infinity is reported by the caller
                result: Value = self._fn(env)
        except ExprError:
            raise
        except (TypeError, ValueError) as exc:  # e.g. a string value, or unequal array lengths
            raise ExprError(f"cannot evaluate {self.text!r}: {exc}", self.text) from None
        return result


def _literal(value: object) -> float | bool:
    """Return a literal's value, or raise ValueError saying why it is refused."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if abs(value) <= MAX_LITERAL:  # also refuses inf and nan
            return float(value)
        raise ValueError("number literals must be finite with abs <= 1e12")
    if isinstance(value, str | bytes):
        raise ValueError("string literals are not allowed")
    kind = "complex numbers are" if isinstance(value, complex) else f"{value!r} is"
    raise ValueError(f"{kind} not allowed")


class _Compiler:
    """Translate one parsed expression into closures, enforcing the whitelist."""

    def __init__(self, text: str, src: str, lead: int, names: Collection[str]) -> None:
        self.text, self.src, self.lines, self.lead = text, src, src.split("\n"), lead
        self.allowed, self.used = names, set[str]()

    def fail(self, message: str, node: ast.expr) -> ExprError:
        row = node.lineno - 1
        col = len(self.lines[row].encode()[: node.col_offset].decode("utf-8", "replace"))
        col += self.lead + sum(len(line) + 1 for line in self.lines[:row])
        return ExprError(message, self.text, col)

    def build(self, node: ast.expr, depth: int) -> _Fn:
        if depth > MAX_DEPTH:
            raise self.fail(f"expression is nested more than {MAX_DEPTH} levels deep", node)
        sub = depth + 1
        if isinstance(node, ast.Constant):
            try:
                value = _literal(node.value)
            except ValueError as exc:
                raise self.fail(str(exc), node) from None
            return lambda env: value
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            uop, arg = _UNARY[type(node.op)], self.build(node.operand, sub)
            return lambda env: uop(arg(env))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            base, power = self.build(node.left, sub), self.exponent(node.right)
            return lambda env: np.power(base(env), power)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return self.chain(node, sub)
        if isinstance(node, ast.BoolOp):
            fold = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            return _reduce(fold, [self.build(v, sub) for v in node.values])
        if isinstance(node, ast.Compare):
            return self.compare(node, sub)
        if isinstance(node, ast.IfExp):
            cond, yes, no = (self.build(n, sub) for n in (node.test, node.body, node.orelse))
            return lambda env: _where(cond(env), yes(env), no(env))
        if isinstance(node, ast.Call):
            return self.call(node, sub)
        if isinstance(node, ast.BinOp | ast.UnaryOp):  # the operators not handled above
            use = " (use and / or / not)" if type(node.op) in _LOGICAL else ""
            raise self.fail(f"operator '{_SYMBOLS.get(type(node.op))}' is not allowed{use}", node)
        what = _REFUSED.get(type(node), f"{type(node).__name__} expressions are")
        raise self.fail(f"{what} not allowed", node)

    def chain(self, node: ast.BinOp, sub: int) -> _Fn:
        """A flat chain of one precedence (``a + b - c``): one level deep, folded in a loop."""
        level, steps = _LEVEL[type(node.op)], list[tuple[ast.AST, ast.expr]]()
        head: ast.expr = node
        while isinstance(head, ast.BinOp) and _LEVEL.get(type(head.op)) == level:
            steps.append((head.op, head.right))
            head = head.left
        first = self.build(head, sub)
        rest = [(_BINARY[type(op)], self.build(right, sub)) for op, right in reversed(steps)]

        def run(env: Mapping[str, Value]) -> Any:  # left to right, as the nested form would
            result = first(env)
            for bop, right in rest:
                result = bop(result, right(env))
            return result

        return run

    def name(self, node: ast.Name) -> _Fn:
        key = node.id
        if key not in self.allowed:
            if key in FUNCTIONS:
                hint = FUNCTIONS[key].signature
                raise self.fail(f"function '{key}' must be called, as in {hint}", node)
            error = self.fail(f"unknown name '{key}'{did_you_mean(key, self.allowed)}", node)
            error.unknown = key
            raise error
        self.used.add(key)
        col = self.fail("", node).col

        def load(env: Mapping[str, Value]) -> Any:
            try:
                return _as_float(env[key])
            except KeyError:
                msg = f"name '{key}' is missing from the evaluation environment"
                raise ExprError(msg, self.text, col) from None

        return load

    def exponent(self, node: ast.expr) -> float:
        sign, inner = 1.0, node
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            sign, inner = (-1.0 if isinstance(node.op, ast.USub) else 1.0), node.operand
        value = inner.value if isinstance(inner, ast.Constant) else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            value = None
        if value is None or not abs(value) <= MAX_EXPONENT:
            lim = MAX_EXPONENT
            raise self.fail(f"exponent must be a number literal between -{lim} and {lim}", node)
        return sign * float(value)

    def compare(self, node: ast.Compare, sub: int) -> _Fn:
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise self.fail(f"operator '{_SYMBOLS.get(type(op))}' is not allowed", node)
        operands = [self.build(n, sub) for n in (node.left, *node.comparators)]
        ops = [_COMPARE[type(op)] for op in node.ops]

        def run(env: Mapping[str, Value]) -> Any:  # a < b < c means (a < b) and (b < c)
            values = [f(env) for f in operands]
            result = ops[0](values[0], values[1])
            for i in range(1, len(ops)):
                result = np.logical_and(result, ops[i](values[i], values[i + 1]))
            return result

        return run

    def call(self, node: ast.Call, sub: int) -> _Fn:
        func = node.func
        if not isinstance(func, ast.Name):
            what = ast.get_source_segment(self.src, func) or "an expression"
            msg = f"only whitelisted functions can be called, by bare name (not '{what}')"
            raise self.fail(msg, node)
        spec, name = FUNCTIONS.get(func.id), func.id
        if spec is None:
            hint = f"{did_you_mean(name, FUNCTIONS)}; allowed: {', '.join(FUNCTIONS)}"
            raise self.fail(f"unknown function '{name}'{hint}", node)
        if node.keywords:
            raise self.fail(f"keyword arguments are not allowed in {name}()", node)
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail(f"starred arguments (*x) are not allowed in {name}()", node)
        n, lo, hi = len(node.args), spec.min_args, spec.max_args
        if n < lo or (hi is not None and n > hi):
            want = f"at least {lo}" if hi is None else f"exactly {lo}"
            msg = f"{name}() takes {want} argument{'s' * (lo > 1)} ({n} given): {spec.signature}"
            raise self.fail(msg, node)
        args, impl = [self.build(a, sub) for a in node.args], spec.impl
        if hi is None:
            return _reduce(impl, args)
        if n == 1:
            only = args[0]
            return lambda env: impl(only(env))
        return lambda env: impl(*(a(env) for a in args))


def _reduce(op: Callable[[Any, Any], Any], args: list[_Fn]) -> _Fn:
    """Fold an elementwise binary ``op`` over two or more operands."""
    first, rest = args[0], args[1:]

    def run(env: Mapping[str, Value]) -> Any:
        result = first(env)
        for f in rest:
            result = op(result, f(env))
        return result

    return run


def compile_expr(text: str, names: Collection[str]) -> Expr:
    """Parse and compile a rule expression against the whitelist.

    Args:
        text: Expression text, e.g. ``"us_killed_7d > 0 or iraq_request"``.
        names: The variable names the expression may read.

    Returns:
        The compiled :class:`Expr`.

    Raises:
        ExprError: If the text is not a valid, whitelisted expression.
    """
    if not isinstance(text, str):
        raise ExprError(f"expression must be a string, not {type(text).__name__}", str(text))
    if not text.strip():
        raise ExprError("expression is empty", text)
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression is longer than {MAX_LENGTH} characters", text)
    col = next((i for i, char in enumerate(text) if not char.isascii()), None)
    if col is not None:
        raise ExprError(
            f"non-ASCII character {text[col]!r} at column {col}: names, numbers and operators "
            "are plain ASCII (a look-alike letter would be read as another)",
            text,
            col,
        )
    src, lead = text.strip(), len(text) - len(text.lstrip())
    try:
        with warnings.catch_warnings():  # e.g. SyntaxWarning for `x is 1`; refused below anyway
            warnings.simplefilter("ignore")
            tree = ast.parse(src, mode="eval")
    except SyntaxError as exc:
        if exc.offset is None or exc.lineno is None:
            raise ExprError(f"syntax error: {exc.msg}", text) from None
        lines = src.split("\n")[: exc.lineno - 1]
        col = lead + sum(len(line) + 1 for line in lines) + max(exc.offset - 1, 0)
        if other := _C_LOGIC.search(src):  # a && b, a || b, !a
            col, msg = lead + other.start(), f"'{other.group()}' is not an operator here"
            msg = f"syntax error at column {col}: {msg}: use and / or / not"
            raise ExprError(msg, text, col) from None
        raise ExprError(f"syntax error at column {col}: {exc.msg}", text, col) from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ExprError(f"expression cannot be parsed ({type(exc).__name__})", text) from None
    compiler = _Compiler(text, src, lead, names)
    fn = compiler.build(tree.body, 1)
    return Expr(text, frozenset(compiler.used), fn)
