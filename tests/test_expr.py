"""Tests for sim.expr: correctness on arrays, refusals, and property-based safety checks."""

from __future__ import annotations

import ast
import contextlib
import functools
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.scenario.expr import FUNCTIONS, Expr, ExprError, compile_expr

A = np.array([-2.0, 0.0, 0.5, 3.0])
B = np.array([1.0, 0.0, 2.0, -3.0])
P = np.array([True, False, True, False])
Q = np.array([True, True, False, False])
ENV: dict[str, Any] = {"a": A, "b": B, "p": P, "q": Q, "k": 2.0}
NAMES = frozenset(ENV)


def run(text: str, env: dict[str, Any] | None = None) -> Any:
    return compile_expr(text, NAMES)(ENV if env is None else env)


def same(actual: Any, expected: Any) -> None:
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape
    assert actual.dtype.kind == expected.dtype.kind, (actual.dtype, expected.dtype)
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=0)


# --- correctness -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a + b", A + B),
        ("a - b", A - B),
        ("a * b", A * B),
        ("a / k", A / 2.0),
        ("-a", -A),
        ("+a", A),
        ("a ** 2", A**2),
        ("a ** 3", A**3),
        ("k ** -2", 0.25),
        ("k ** 0.5", np.sqrt(2.0)),
        ("(a + 1) * (b - 2) / 4", (A + 1) * (B - 2) / 4),
        ("2 * a + b * 3 - 1", 2 * A + B * 3 - 1),
        ("a - b - 1", (A - B) - 1),  # left-associative
        ("1.5e3 * k", 3000.0),
    ],
)
def test_arithmetic(text: str, expected: Any) -> None:
    same(run(text), expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a < b", A < B),
        ("a <= b", A <= B),
        ("a > b", A > B),
        ("a >= b", A >= B),
        ("a == b", A == B),
        ("a != b", A != B),
        ("-1 < a < 1", (A > -1) & (A < 1)),
        ("0 <= a <= 0.5", (A >= 0) & (A <= 0.5)),
        ("a < b <= 2 != a", (A < B) & (B <= 2) & (A != 2)),
        ("a < b < k != 2", np.zeros(4, dtype=bool)),
        ("a < 1 > b", (A < 1) & (B < 1)),
    ],
)
def test_comparisons_and_chains(text: str, expected: Any) -> None:
    same(run(text), expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("p and q", P & Q),
        ("p or q", P | Q),
        ("not p", ~P),
        ("p and q and a > 0", P & Q & (A > 0)),
        ("p or q or a > 2", P | Q | (A > 2)),
        ("not p or q", (~P) | Q),
        ("a > 0 and b > 0", (A > 0) & (B > 0)),
        ("a and b", np.logical_and(A, B)),  # numbers are truthy elementwise, result is boolean
    ],
)
def test_boolean_operators_are_elementwise(text: str, expected: Any) -> None:
    same(run(text), expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a if p else b", np.where(P, A, B)),
        ("1 if a > 0 else -1", np.where(A > 0, 1.0, -1.0)),
        ("where(q, a, 0)", np.where(Q, A, 0.0)),
        ("min(a, b)", np.minimum(A, B)),
        ("max(a, b)", np.maximum(A, B)),
        ("min(a, b, 0.25)", np.minimum(np.minimum(A, B), 0.25)),
        ("max(a, b, 0, k)", np.maximum(np.maximum(A, B), 2.0)),
        ("exp(a)", np.exp(A)),
        ("log(k)", np.log(2.0)),
        ("log(abs(a) + 1)", np.log(np.abs(A) + 1)),
        ("sqrt(abs(b))", np.sqrt(np.abs(B))),
        ("abs(a)", np.abs(A)),
        ("floor(a + 0.5)", np.floor(A + 0.5)),
        ("ceil(a - 0.25)", np.ceil(A - 0.25)),
        ("clip(a, 0, 1)", np.clip(A, 0, 1)),
        ("clip(0.2 + 0.05 * a, b, 1)", np.clip(0.2 + 0.05 * A, B, 1)),
        ("exp(p)", np.exp(P.astype(float))),  # float64, not numpy's float16 for booleans
    ],
)
def test_conditional_and_functions(text: str, expected: Any) -> None:
    same(run(text), expected)


def test_every_whitelisted_function_is_tested_and_documented() -> None:
    assert set(FUNCTIONS) == {"min", "max", "exp", "log", "sqrt", "abs", "floor", "ceil", "clip",
                              "where"}  # fmt: skip
    for name, spec in FUNCTIONS.items():
        assert spec.signature.startswith(f"{name}(")


def test_scalar_broadcasts_with_array_and_scalars_stay_scalar() -> None:
    same(run("k * a + 1"), 2.0 * A + 1)
    same(run("a > k"), A > 2.0)
    same(run("where(k > 1, a, 0)"), A)
    scalar = run("k * 3 if k > 1 else 0")
    assert np.ndim(scalar) == 0 and float(scalar) == 6.0
    assert np.ndim(run("clip(k, 0, 1)")) == 0
    assert bool(run("0 < k < 3")) is True


def test_boolean_arithmetic_follows_numpy() -> None:
    assert run("True * 2") == 2
    same(run("p * 2.5"), P * 2.5)
    same(run("p + a"), P + A)
    same(run("p - q"), P.astype(int) - Q.astype(int))  # numpy itself refuses bool - bool
    same(run("-p"), -P.astype(int))
    same(run("p * q"), P & Q)


def test_scenario_style_expressions() -> None:
    names = ["us_killed_7d", "iraq_request", "base_rate", "capability", "gaza_weight", "gaza",
             "restraint", "attacks_7d", "directive_active"]  # fmt: skip
    env: dict[str, Any] = {
        "us_killed_7d": np.array([0, 2, 0]),
        "iraq_request": np.array([False, False, True]),
        "base_rate": 0.1,
        "capability": np.array([0.5, 1.0, 2.0]),
        "gaza_weight": 0.5,
        "gaza": np.array([0.0, 1.0, 1.0]),
        "restraint": np.array([0.0, 0.5, 1.0]),
        "attacks_7d": np.array([0, 4, 30]),
        "directive_active": np.array([True, False, True]),
    }
    rule = compile_expr("us_killed_7d > 0 or iraq_request", names)
    same(rule(env), [False, True, True])
    assert rule.names == {"us_killed_7d", "iraq_request"}
    rate = compile_expr(
        "base_rate * capability * (1 + gaza_weight * gaza) * (1 - restraint)", names
    )
    same(rate(env), [0.05, 0.075, 0.0])
    same(compile_expr("clip(0.2 + 0.05 * attacks_7d, 0, 1)", names)(env), [0.2, 0.4, 1.0])
    same(compile_expr("where(directive_active, 0.1, 1.0)", names)(env), [0.1, 1.0, 0.1])


def test_names_and_expr_object() -> None:
    expr = compile_expr("a * 2 + min(b, a) if p else exp(k)", NAMES)
    assert isinstance(expr, Expr)
    assert expr.names == frozenset({"a", "b", "p", "k"})
    assert expr.text == "a * 2 + min(b, a) if p else exp(k)"
    assert compile_expr("1 + 2", NAMES).names == frozenset()
    assert compile_expr("a", NAMES) == compile_expr("a", ["a"])  # compared by text and names
    assert "<function" not in repr(expr)


def test_names_may_be_any_collection_and_functions_are_not_names() -> None:
    same(compile_expr("x + y", ["x", "y"])({"x": 1.0, "y": np.ones(2)}), [2.0, 2.0])
    same(compile_expr("min + 1", {"min"})({"min": 1.0}), 2.0)  # a variable may shadow
    same(compile_expr("min(min, 0)", {"min"})({"min": 1.0}), 0.0)


def test_missing_name_and_bad_values_raise_expr_error_at_evaluation() -> None:
    expr = compile_expr("a + b", NAMES)
    with pytest.raises(ExprError, match="name 'b' is missing") as info:
        expr({"a": 1.0})
    assert info.value.col == 4 and info.value.expr == "a + b"
    with pytest.raises(ExprError, match="cannot evaluate"):
        expr({"a": np.array(["text"]), "b": 1.0})
    with pytest.raises(ExprError, match="cannot evaluate"):
        expr({"a": np.ones(2), "b": np.ones(3)})


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a.real", "attribute access (x.y) is not allowed"),
        ("a[0]", "subscripts"),
        ("a[1:2]", "subscripts"),
        ("lambda: 1", "lambda"),
        ("[x for x in a]", "comprehensions"),
        ("{x: 1 for x in a}", "comprehensions"),
        ("min(a, (x for x in a))", "comprehensions"),
        ("sum(x for x in a)", "unknown function 'sum'"),
        ("(y := 1)", "assignment expressions (:=)"),
        ("[a]", "lists, tuples, sets and dicts"),
        ("(a, b)", "lists, tuples, sets and dicts"),
        ("{a: 1}", "lists, tuples, sets and dicts"),
        ("{a}", "lists, tuples, sets and dicts"),
        ("await a", "await"),
        ("(yield a)", "yield"),
        ("f'{a}'", "f-strings"),
        ("'text'", "string literals"),
        ("b'x'", "string literals"),
        ("None", "None is not allowed"),
        ("...", "Ellipsis is not allowed"),
        ("2j", "complex numbers"),
        ("1e13", "abs <= 1e12"),
        ("-1e13", "abs <= 1e12"),
        ("1e999", "finite"),
        ("123456789012345678901234567890", "abs <= 1e12"),
        ("a // 2", "operator '//'"),
        ("a % 2", "operator '%'"),
        ("a @ b", "operator '@'"),
        ("p & q", "operator '&' is not allowed (use and / or / not)"),
        ("p | q", "operator '|' is not allowed (use and / or / not)"),
        ("p ^ q", "operator '^'"),
        ("a << 1", "operator '<<'"),
        ("a >> 1", "operator '>>'"),
        ("~p", "operator '~' is not allowed (use and / or / not)"),
        ("a in b", "operator 'in'"),
        ("a not in b", "operator 'not in'"),
        ("a is b", "operator 'is'"),
        ("0 < a is not b", "operator 'is not'"),
        ("a ** b", "exponent must be a number literal between -8 and 8"),
        ("a ** 9", "exponent must be a number literal between -8 and 8"),
        ("a ** -8.5", "exponent must be a number literal between -8 and 8"),
        ("a ** (1 + 1)", "exponent must be a number literal"),
        ("a ** True", "exponent must be a number literal"),
        ("a ** not 2", "syntax error"),
        ("np.exp(a)", "only whitelisted functions can be called, by bare name (not 'np.exp')"),
        ("a.sum()", "by bare name (not 'a.sum')"),
        ("(lambda: 1)()", "by bare name"),
        ("exp(a)(b)", "by bare name"),
        ("eval('1')", "unknown function 'eval'"),
        ("__import__('os')", "unknown function '__import__'"),
        ("mx(a, b)", "unknown function 'mx' (did you mean 'max'?)"),
        ("a(1)", "unknown function 'a'"),
        ("clip(a, lo=0, hi=1)", "keyword arguments are not allowed in clip()"),
        ("max(**{'a': 1})", "keyword arguments"),
        ("min(*a)", "starred arguments (*x) are not allowed"),
        ("min(a)", "min() takes at least 2 arguments (1 given)"),
        ("max()", "max() takes at least 2 arguments (0 given)"),
        ("exp()", "exp() takes exactly 1 argument (0 given)"),
        ("sqrt(a, b)", "sqrt() takes exactly 1 argument (2 given)"),
        ("clip(a, 0)", "clip() takes exactly 3 arguments (2 given)"),
        ("where(p, a, b, k)", "where() takes exactly 3 arguments (4 given)"),
        ("exp", "function 'exp' must be called"),
        ("", "expression is empty"),
        ("  \t\n ", "expression is empty"),
        ("a" * 1001, "longer than 1000 characters"),
        ("not " * 60 + "p", "nested more than 50 levels"),
        ("a + (" * 60 + "a" + ")" * 60, "nested more than 50 levels"),
        ("a * (b - " * 60 + "a" + ")" * 60, "nested more than 50 levels"),
        ("-" * 990 + "a", "nested more than 50 levels"),
        ("(" * 300 + "a" + ")" * 300, "syntax error"),
        ("a\x00b", "syntax error"),
        ("import os", "syntax error at column 0"),
        ("a = 1", "syntax error"),
        ("a +\nb", "syntax error"),
        ("a if p", "syntax error"),
        ("a ++", "syntax error"),
        ("p && q", "syntax error at column 2: '&&' is not an operator here: use and / or / not"),
        ("p || q", "syntax error at column 2: '||' is not an operator here: use and / or / not"),
        ("!p", "syntax error at column 0: '!' is not an operator here: use and / or / not"),
        ("a != b and !q", "column 11: '!' is not an operator here: use and / or / not"),
        ("\uff41 + b", "non-ASCII character '\uff41' at column 0"),  # fullwidth a: NFKC makes it a
        ("a + \uff42", "non-ASCII character '\uff42' at column 4"),
        ("\u212a", "non-ASCII character"),  # the Kelvin sign, which NFKC folds into K
        ("a +\u00a0b", "non-ASCII character '\\xa0' at column 3"),  # a no-break space
    ],
)
def test_refusals(text: str, words: str) -> None:
    with pytest.raises(ExprError) as info:
        compile_expr(text, NAMES)
    assert words in str(info.value)
    assert info.value.expr == text
    assert isinstance(info.value, ValueError)


def test_unknown_name_suggests_close_match_with_column() -> None:
    with pytest.raises(ExprError) as info:
        compile_expr("clip(atacks_7d, 0, 1)", ["attacks_7d", "restraint"])
    assert str(info.value) == "unknown name 'atacks_7d' (did you mean 'attacks_7d'?)"
    assert info.value.col == 5
    with pytest.raises(ExprError) as info:
        compile_expr("zzz", ["attacks_7d"])
    assert str(info.value) == "unknown name 'zzz'"


@pytest.mark.parametrize(
    ("text", "col"),
    [("a + * b", 4), ("  a + * b", 6), ("min(a,, b)", 6), ("a b", 2), ("(a\n + * b)", 6)],
)
def test_syntax_error_column(text: str, col: int) -> None:
    with pytest.raises(ExprError) as info:
        compile_expr(text, NAMES)
    assert info.value.col == col
    assert str(info.value).startswith(f"syntax error at column {col}: ")


def test_columns_of_refused_parts() -> None:
    for text, col in [("a + b.x", 4), ("a ** b", 5), ("1 + 'x'", 4), ("é + zz", 0), ("a+é", 2)]:
        with pytest.raises(ExprError) as info:
            compile_expr(text, [*NAMES, "é"])
        assert info.value.col == col, text


def test_flat_chains_of_one_operator_are_one_level_deep() -> None:
    """A 60-term sum is flat, not 60 levels deep; it folds left to right as Python would."""
    same(run(" + ".join(["a"] * 60)), 60 * A)
    same(run(" - ".join(["b"] * 60)), B - 59 * B)
    same(run("k * " * 60 + "1"), np.float64(2.0**60))
    same(run("a - b + k * a / k - 1 + a * b * k"), A - B + 2.0 * A / 2.0 - 1 + A * B * 2.0)
    long = " + ".join(["a * b"] * 125)  # 997 characters: within the cap of 1000
    same(run(long), functools.reduce(np.add, [A * B] * 125))


def test_unknown_name_is_named_on_the_error() -> None:
    with pytest.raises(ExprError) as info:
        compile_expr("a + zz", NAMES)
    assert info.value.unknown == "zz"
    with pytest.raises(ExprError) as info:
        compile_expr("a +", NAMES)
    assert info.value.unknown is None


def test_whole_numbers_are_computed_in_float64_and_never_wrap() -> None:
    """int64 would wrap 9999**6 (and 3037000500**2) to a negative number; float64 does not."""
    d = np.array([9999, 3037000500, 2], dtype=np.int64)
    product = compile_expr("d * d * d * d * d * d", ["d"])({"d": d})
    assert product.dtype == np.float64
    np.testing.assert_allclose(product, d.astype(float) ** 6, rtol=1e-15)
    same(compile_expr("d * d * d * d * d * d > 0", ["d"])({"d": d}), [True, True, True])
    same(compile_expr("d * d > 0", ["d"])({"d": np.int64(3037000500)}), True)  # numpy scalar
    same(compile_expr("d * d * d * d * d > 0", ["d"])({"d": 9999**2}), True)  # Python int
    same(compile_expr("d - 1", ["d"])({"d": np.array([5], dtype=np.uint8)}), [4.0])  # no wrap
    same(compile_expr("p + 1", ["p"])({"p": P}), P + 1.0)  # booleans stay booleans until used


def test_small_counts_give_the_numbers_int64_gave() -> None:
    """Below 2**53, float64 arithmetic on counts equals int64's: results do not change."""
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 10_000, 1000), rng.integers(1, 10_000, 1000)
    env = {"x": x, "y": y, "w": 0.37}
    for text, expected in [
        ("x * y + x - y", (x * y + x - y).astype(float)),
        ("x / y * w", x / y * 0.37),
        ("where(x > y, x, y) * 0.5", np.where(x > y, x, y) * 0.5),
        ("min(x, y) == x", np.minimum(x, y) == x),
    ]:
        out = compile_expr(text, env)(env)
        assert np.array_equal(out, expected), text


def test_evaluation_silences_numpy_floating_point_warnings() -> None:
    """A division by zero gives inf or NaN quietly: the caller reports it in one line."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = compile_expr("a / b + log(b - 1) + exp(a * 1e6)", NAMES)(ENV)
    assert not np.isfinite(out).all()


def test_module_never_calls_eval_exec_or_compile() -> None:
    source = Path(__file__).parents[1].joinpath("sim", "scenario", "expr.py").read_text()
    called = {
        node.func.id
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert not called & {"eval", "exec", "compile", "__import__", "getattr"}


# --- property-based --------------------------------------------------------------------------

VARS = ("a", "b", "c")
ALPHABET = "abc pqk0123456789.e+-*/%<>=!()[]{},:'\"\\#_\n\tlambdinotrfxsw@&|^~`$"


@given(st.one_of(st.text(), st.text(alphabet=ALPHABET, max_size=60)))
@settings(max_examples=300, deadline=None)
def test_arbitrary_text_compiles_or_raises_expr_error(text: str) -> None:
    try:
        expr = compile_expr(text, NAMES)
    except ExprError as exc:
        assert str(exc) and exc.expr == text
        return
    with np.errstate(all="ignore"), contextlib.suppress(ExprError):
        expr(ENV)


numbers = st.one_of(
    st.integers(0, 1000).map(str),
    st.floats(0, 1e6, allow_nan=False).map(repr),
)
atoms = st.one_of(st.sampled_from(VARS), numbers, st.sampled_from(["True", "False"]))


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    ops = st.sampled_from(["+", "-", "*", "<", "<=", ">", ">=", "==", "!=", "and", "or"])
    return st.one_of(
        st.tuples(children, ops, children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} < {t[1]} <= {t[2]})"),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} or {t[1]} and {t[2]})"),
        children.map(lambda x: f"(-{x})"),
        children.map(lambda x: f"(not {x})"),
        st.tuples(st.sampled_from(["min", "max"]), st.lists(children, min_size=2, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"
        ),
    )


valid_exprs = st.recursive(atoms, _extend, max_leaves=10)
floats = st.floats(allow_nan=True, allow_infinity=True, width=64)


@st.composite
def lanes(draw: st.DrawFn) -> dict[str, np.ndarray]:
    n = draw(st.integers(1, 5))
    small = st.one_of(floats, st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.0]))
    return {v: np.array(draw(st.lists(small, min_size=n, max_size=n))) for v in VARS}


@given(valid_exprs, lanes())
@settings(max_examples=250, deadline=None)
def test_vectorised_evaluation_matches_lane_by_lane(text: str, env: dict[str, np.ndarray]) -> None:
    expr = compile_expr(text, VARS)
    n = len(env["a"])
    with np.errstate(all="ignore"):
        whole = np.broadcast_to(np.asarray(expr(env), dtype=float), (n,))
        each = np.array([float(expr({v: float(env[v][i]) for v in VARS})) for i in range(n)])
    assert np.array_equal(whole, each, equal_nan=True), (text, whole, each)


@given(
    valid_exprs,
    st.sampled_from([".x", "[0]", "__import__", "lambda: ", "(lambda: 1)()", ".__class__"]),
    st.data(),
)
@settings(max_examples=250, deadline=None)
def test_mutated_expressions_are_refused(text: str, insert: str, data: st.DataObject) -> None:
    pos = data.draw(st.integers(0, len(text)))
    mutated = text[:pos] + insert + text[pos:]
    with pytest.raises(ExprError):
        compile_expr(mutated, VARS)


@pytest.mark.parametrize(
    "payload",
    [
        "__import__('os').system('true')",
        "().__class__.__bases__[0].__subclasses__()",
        "a.__class__",
        "[c for c in ()]",
        "exec('1')",
        "open('/etc/passwd')",
        "globals()",
        "__builtins__",
        "getattr(a, 'x')",
        "(lambda f: f(f))(lambda f: f(f))",
    ],
)
def test_classic_injection_payloads_are_refused(payload: str) -> None:
    with pytest.raises(ExprError):
        compile_expr(payload, VARS)
