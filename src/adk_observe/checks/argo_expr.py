"""The part of Argo Rollouts' condition language (expr-lang, with Argo's `result`, `isNaN`,
`isInf`, `asInt`, `asFloat`) that analysis conditions use: numbers, `true`/`false`, `result`,
indexing, `len()`, the four helpers, arithmetic, comparisons, `!`/`not`, `&&`/`and`,
`||`/`or`, parentheses. Evaluated by a small recursive-descent parser, never `eval`.

Anything outside that subset is an `ExprError` (the caller reports it as bad input): a check
that silently misreads a condition would be worse than one that refuses it. So is a condition
longer than MAX_LENGTH characters, of more than MAX_TOKENS tokens or nested deeper than
MAX_DEPTH (real conditions are a few dozen tokens; these bounds keep the recursive parser and
evaluator far from Python's recursion limit).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from adk_observe.errors import AdkObserveError, quote

TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+\.\d*(?:[eE][-+]?\d+)?|\d+(?:[eE][-+]?\d+)?|\.\d+)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>&&|\|\||==|!=|<=|>=|[-+*/<>!()\[\],]))"
)
WORD_OPS = {"and": "&&", "or": "||", "not": "!"}
MAX_LENGTH = 4096
MAX_TOKENS = 256
MAX_DEPTH = 32


class ExprError(AdkObserveError):
    """A condition outside the supported subset, or one that cannot be evaluated."""


class EvalError(Exception):
    """Evaluation failed at run time (e.g. `result[0]` of an empty result): Argo's Error."""


def _is_nan(value: Any) -> bool:
    return math.isnan(_float(value))


def _is_inf(value: Any) -> bool:
    return math.isinf(_float(value))


def _float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EvalError(f"expected a number, got {_show(value)}")
    return float(value)


def _int(value: Any) -> int:
    number = _float(value)
    if not math.isfinite(number):
        raise EvalError(f"cannot convert {number} to an integer")
    return int(number)


def _show(value: Any) -> str:
    """A value in a message, at most ~90 characters (a result may hold thousands of values)."""
    text = repr(value)
    if len(text) <= 80:
        return text
    return f"{text[:70]}... ({len(value)} values)" if isinstance(value, list) else f"{text[:70]}..."


FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "len": lambda v: len(v) if isinstance(v, list) else _raise(f"len() of {_show(v)}"),
    "isNaN": _is_nan,
    "isInf": _is_inf,
    "asInt": _int,
    "asFloat": _float,
}


def _raise(message: str) -> Any:
    raise EvalError(message)


def tokenize(text: str) -> list[str]:
    if len(text) > MAX_LENGTH:
        raise ExprError(f"longer than {MAX_LENGTH} characters")
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ExprError(f"unsupported syntax at {quote(text[pos:].lstrip(), 40)}")
        tok = m.group("num") or m.group("name") or m.group("op")
        tokens.append(WORD_OPS.get(tok, tok))
        if len(tokens) > MAX_TOKENS:
            raise ExprError(f"more than {MAX_TOKENS} tokens")
        pos = m.end()
    return tokens


class _Parser:
    """Precedence, loosest first: ||, &&, comparisons, + -, * /, unary ! -, postfix [i]."""

    def __init__(self, tokens: list[str], result: Any) -> None:
        self.tokens = tokens
        self.pos = 0
        self.result = result
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (expected is not None and tok != expected):
            raise ExprError(f"expected {expected or 'more'}, found {tok or 'the end'}")
        self.pos += 1
        return tok

    # Lazy operands: `len(result) == 0 || result[0] > 1` must not index an empty result.
    def parse(self) -> Callable[[], Any]:
        node = self.or_()
        if self.peek() is not None:
            raise ExprError(f"unexpected {self.peek()!r}")
        return node

    def or_(self) -> Callable[[], Any]:
        left = self.and_()
        while self.peek() == "||":
            self.take()
            right = self.and_()
            left = (lambda a, b: lambda: _bool(a()) or _bool(b()))(left, right)
        return left

    def and_(self) -> Callable[[], Any]:
        left = self.compare()
        while self.peek() == "&&":
            self.take()
            right = self.compare()
            left = (lambda a, b: lambda: _bool(a()) and _bool(b()))(left, right)
        return left

    def compare(self) -> Callable[[], Any]:
        left = self.sum_()
        ops: dict[str, Callable[[Any, Any], bool]] = {
            "==": lambda a, b: a == b,
            "!=": lambda a, b: a != b,
            "<": lambda a, b: _float(a) < _float(b),
            "<=": lambda a, b: _float(a) <= _float(b),
            ">": lambda a, b: _float(a) > _float(b),
            ">=": lambda a, b: _float(a) >= _float(b),
        }
        tok = self.peek()
        if tok in ops:
            self.take()
            right = self.sum_()
            op = ops[tok]
            return lambda: op(left(), right())
        return left

    def sum_(self) -> Callable[[], Any]:
        left = self.product()
        while self.peek() in ("+", "-"):
            sign = 1.0 if self.take() == "+" else -1.0
            right = self.product()
            left = (lambda a, b, s: lambda: _float(a()) + s * _float(b()))(left, right, sign)
        return left

    def product(self) -> Callable[[], Any]:
        left = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()
            right = self.unary()
            if op == "*":
                left = (lambda a, b: lambda: _float(a()) * _float(b()))(left, right)
            else:
                left = (lambda a, b: lambda: _divide(_float(a()), _float(b())))(left, right)
        return left

    def unary(self) -> Callable[[], Any]:
        self.depth += 1  # every nesting (parentheses, brackets, calls, ! and -) passes here
        try:
            if self.depth > MAX_DEPTH:
                raise ExprError(f"nested deeper than {MAX_DEPTH} levels")
            return self._unary()
        finally:
            self.depth -= 1

    def _unary(self) -> Callable[[], Any]:
        if self.peek() == "!":
            self.take()
            inner = self.unary()
            return lambda: not _bool(inner())
        if self.peek() == "-":
            self.take()
            neg = self.unary()
            return lambda: -_float(neg())
        return self.postfix()

    def postfix(self) -> Callable[[], Any]:
        node = self.atom()
        while self.peek() == "[":
            self.take()
            index = self.or_()
            self.take("]")
            node = (lambda n, i: lambda: _index(n(), i()))(node, index)
        return node

    def atom(self) -> Callable[[], Any]:
        tok = self.take()
        if tok == "(":
            inner = self.or_()
            self.take(")")
            return inner
        if tok[0].isdigit() or tok[0] == ".":
            try:
                value = float(tok) if any(ch in tok for ch in ".eE") else int(tok)
            except ValueError:
                raise ExprError(f"not a number: {quote(tok, 40)}") from None
            return lambda: value
        if tok in ("true", "false"):
            flag = tok == "true"
            return lambda: flag
        if tok == "result":
            return lambda: self.result
        if tok in FUNCTIONS and self.peek() == "(":
            self.take("(")
            arg = self.or_()
            self.take(")")
            fn = FUNCTIONS[tok]
            return lambda: fn(arg())
        raise ExprError(f"unsupported name or token {quote(tok, 40)}")


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise EvalError(f"expected a boolean, got {_show(value)}")
    return value


def _divide(a: float, b: float) -> float:
    if b == 0:
        return math.copysign(math.inf, a) if a else math.nan
    return a / b


def _index(value: Any, index: Any) -> Any:
    if not isinstance(value, list):
        raise EvalError(f"cannot index {_show(value)}")
    i = _int(index)
    if not -len(value) <= i < len(value):
        raise EvalError(f"index out of range: {i} (result has {len(value)} values)")
    return value[i]


def compile_condition(text: str) -> Callable[[Any], bool]:
    """Parse once (ExprError on unsupported syntax); the function evaluates it for a result
    (EvalError when it cannot, as Argo marks the measurement Error)."""
    tokens = tokenize(text)
    _Parser(tokens, []).parse()  # syntax check now, not at the first measurement

    def evaluate(result: Any) -> bool:
        value = _Parser(tokens, result).parse()()
        if not isinstance(value, bool):
            raise EvalError(f"expected bool, but got {type(value).__name__}")
        return value

    return evaluate
