"""PromQL checks at the spec boundary, so a bad expression is reported with its line.

The parser here (promql-parser, Rust) reads a newer PromQL than the Prometheus 2.42 that loads
the rules: quoted UTF-8 label names, `or` between matchers and the Rust regex dialect are
accepted by it and refused by Prometheus. A selector the compiler joins into its own queries is
therefore parsed, checked against what Prometheus 2.42 reads, and written back in one canonical
form (`job="api",env!="dev"`: no trailing comma, no stray spaces, values re-quoted).
"""

from __future__ import annotations

import json
import re
from typing import Any

import promql_parser

from adk_observe.promql import WINDOW_PLACEHOLDER

# MatchOp is not hashable, so the table is keyed by its name.
MATCH_OPS = {
    "MatchOp.Equal": "=",
    "MatchOp.NotEqual": "!=",
    "MatchOp.Re": "=~",
    "MatchOp.NotRe": "!~",
}
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def parse_error(expr: str) -> str | None:
    """None when `expr` parses as PromQL, else the parser's message (first line)."""
    try:
        promql_parser.parse(expr)
    except Exception as exc:  # the Rust binding raises a plain ValueError-like type
        return str(exc).splitlines()[0] if str(exc) else "does not parse as PromQL"
    return None


def matcher_text(name: str, op: str, value: str) -> str:
    """One matcher as Prometheus reads it: a JSON string is a valid PromQL (Go) string."""
    return f"{name}{op}{json.dumps(value, ensure_ascii=False)}"


def matchers_of(selector: Any) -> list[tuple[str, str, str]]:
    """(name, op, value) of a parsed VectorSelector's matchers; ValueError when Prometheus 2.42
    would not read them (`or` between matchers, a quoted label name, an RE2-unsafe regex)."""
    if selector.matchers.or_matchers:
        raise ValueError("`or` between matchers needs Prometheus 3; list the matchers with `,`")
    out = []
    for matcher in selector.matchers.matchers:
        name, op, value = matcher.name, MATCH_OPS[str(matcher.op)], matcher.value
        if not LABEL_NAME.fullmatch(name):
            raise ValueError(f"{json.dumps(name)[:40]} is not a Prometheus 2 label name")
        if op in ("=~", "!~") and (problem := regex_problem(value)):
            raise ValueError(f"regex {json.dumps(value, ensure_ascii=False)[:60]}: {problem}")
        out.append((name, op, value))
    return out


def canonical_selector(selector: str) -> str:
    """Label matchers without braces (`job="api",env!="dev"`) in canonical form; ValueError
    with the reason when they are not matchers Prometheus 2.42 reads."""
    if not selector.strip():
        return ""
    try:
        parsed: Any = promql_parser.parse("{" + selector + "}")
    except Exception as exc:  # the Rust binding raises its own exception type
        raise ValueError(str(exc).splitlines()[0] if str(exc) else "does not parse") from None
    if not isinstance(parsed, promql_parser.VectorSelector) or parsed.name:
        raise ValueError('must be label matchers only, e.g. job="api"')
    matchers = matchers_of(parsed)
    # The generators put the metric name in front of the braces; a second one is an error.
    if any(name == "__name__" for name, _, _ in matchers):
        raise ValueError("must not match __name__: the SLI chooses the metric")
    return ",".join(matcher_text(*m) for m in matchers)


def selector_error(selector: str) -> str | None:
    """Label matchers without braces, e.g. `job="api",env!="dev"`."""
    try:
        canonical_selector(selector)
    except ValueError as exc:
        return str(exc)
    return None


# --- RE2 (Go's regexp, which Prometheus compiles matchers with) ---------------------------------

# Go's regexp/syntax: flags i, m, s, U only (no `x`, no `u`), named groups `(?P<name>` only
# (`(?<name>` arrived in Go 1.22), counted repeats up to 1000, and Unicode classes from Go's
# tables. Stricter than Go where the list below is shorter than Go's tables (rare scripts).
_GROUP = re.compile(r"\(\?(?:[imsU]*(?:-[imsU]+)?[:)]|P<[A-Za-z0-9_]+>)")
_REPEAT = re.compile(r"\{(\d+)(?:(,)(\d*))?\}")
_MAX_REPEAT = 1000
_UNICODE_CLASSES = frozenset(
    {
        *("Any", "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc"),
        *("Me", "Mn", "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps"),
        *("S", "Sc", "Sk", "Sm", "So", "Z", "Zl", "Zp", "Zs"),
        *("Arabic", "Armenian", "Bengali", "Cyrillic", "Devanagari", "Georgian", "Greek"),
        *("Han", "Hangul", "Hebrew", "Hiragana", "Katakana", "Latin", "Thai"),
    }
)
_ESCAPES = frozenset("afnrtvAbBdDsSwWzpPxQE01234567")


def _unicode_class(pattern: str, i: int) -> tuple[str | None, int]:
    """At `\\p` or `\\P` (i at the letter): (problem, index after the class)."""
    if pattern[i + 1 : i + 2] == "{":
        end = pattern.find("}", i + 2)
        if end < 0:
            return "unclosed \\p{...}", len(pattern)
        name, after = pattern[i + 2 : end].lstrip("^"), end + 1
    else:
        name, after = pattern[i + 1 : i + 2], i + 2
    if name not in _UNICODE_CLASSES:
        return (
            f"Unicode class {name!r} is not one Prometheus 2.42 (Go 1.19) is known to have",
            after,
        )
    return None, after


def _escape(pattern: str, i: int) -> tuple[str | None, int]:
    """At a backslash: (problem, index after the escape)."""
    ch = pattern[i + 1 : i + 2]
    if not ch:
        return "trailing backslash", i + 1
    if ch in "pP":
        return _unicode_class(pattern, i + 1)
    if ch.isalnum() and ch not in _ESCAPES:
        return f"\\{ch} is not an escape Go's regexp knows", i + 2
    if ch in "123456789":
        return "backreferences are not supported", i + 2
    if ch == "Q":
        end = pattern.find("\\E", i + 2)
        return None, len(pattern) if end < 0 else end + 2
    return None, i + 2


def _class_end(pattern: str, i: int) -> tuple[str | None, int]:
    """At `[`: (problem, index after the class)."""
    j = i + 1 + (pattern[i + 1 : i + 2] == "^")
    j += pattern[j : j + 1] == "]"  # a leading ] is a literal
    while j < len(pattern) and pattern[j] != "]":
        if pattern[j] == "\\":
            problem, j = _escape(pattern, j)
            if problem:
                return problem, j
            continue
        if pattern.startswith("[:", j):
            end = pattern.find(":]", j + 2)
            j = end + 2 if end >= 0 else j + 1
            continue
        j += 1
    return (None, j + 1) if j < len(pattern) else ("missing closing ]", j)


def _repeat_end(pattern: str, i: int) -> tuple[str | None, int] | None:
    """At a repetition operator (`*`, `+`, `?`, `{n,m}`): (problem, index after it and its
    non-greedy `?`); None when `pattern[i]` starts no repetition (a `{` that is a literal)."""
    if pattern[i] in "*+?":
        end = i + 1
    elif repeat := _REPEAT.match(pattern, i):
        low, _, high = repeat.groups()
        if int(low) > _MAX_REPEAT or (high and int(high) > _MAX_REPEAT):
            return f"a repeat count above {_MAX_REPEAT}", repeat.end()
        if high and int(high) < int(low):
            return "a repeat range whose maximum is below its minimum", repeat.end()
        end = repeat.end()
    else:
        return None
    return None, end + (pattern[end : end + 1] == "?")


def regex_problem(pattern: str) -> str | None:
    """Why Prometheus 2.42 (RE2, Go 1.19) would refuse a regex the PromQL parser accepted."""
    i = depth = 0
    previous = "start"  # start (nothing to repeat), atom, or repeat
    while i < len(pattern):
        ch = pattern[i]
        problem = None
        if (repeat := _repeat_end(pattern, i)) is not None:
            if previous != "atom":
                return "a repetition of nothing or of a repetition (e.g. a**)"
            (problem, i), previous = repeat, "repeat"
        elif ch == "\\":
            (problem, i), previous = _escape(pattern, i), "atom"
        elif ch == "[":
            (problem, i), previous = _class_end(pattern, i), "atom"
        elif pattern.startswith("(?", i):
            group = _GROUP.match(pattern, i)
            if not group:
                return "only (?P<name>...) and the flags i, m, s, U are supported after (?"
            depth += group.group().endswith((":", ">"))  # `(?i)` opens no group
            i, previous = group.end(), "start"  # a group's opening, or flags: nothing to repeat
        else:
            depth += (ch == "(") - (ch == ")")
            if depth < 0:
                return "unbalanced )"
            i, previous = i + 1, "start" if ch in "(|" else "atom"
        if problem:
            return problem
    return "missing )" if depth else None


def annotation_error(text: str) -> str | None:
    """A crude check of Go template delimiters in an annotation: every {{ closes before the next."""
    depth = 0
    for i in range(len(text) - 1):
        pair = text[i : i + 2]
        if pair == "{{":
            if depth:
                return "a {{ opens before the previous one closed"
            depth = 1
        elif pair == "}}" and depth:
            depth = 0
    return "unclosed {{ in a template" if depth else None


def window_template_error(template: str) -> str | None:
    """A `{{window}}` expression: it must hold the placeholder and parse once filled in."""
    if WINDOW_PLACEHOLDER not in template:
        example = f"rate(x_total[{WINDOW_PLACEHOLDER}])"
        return f"must contain the {WINDOW_PLACEHOLDER} placeholder, e.g. {example}"
    return parse_error(template.replace(WINDOW_PLACEHOLDER, "5m"))
