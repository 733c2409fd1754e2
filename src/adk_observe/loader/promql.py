"""PromQL checks at the spec boundary, so a bad expression is reported with its line."""

from __future__ import annotations

from typing import Any

import promql_parser

from adk_observe.promql import WINDOW_PLACEHOLDER


def parse_error(expr: str) -> str | None:
    """None when `expr` parses as PromQL, else the parser's message (first line)."""
    try:
        promql_parser.parse(expr)
    except Exception as exc:  # the Rust binding raises a plain ValueError-like type
        return str(exc).splitlines()[0] if str(exc) else "does not parse as PromQL"
    return None


def selector_error(selector: str) -> str | None:
    """Label matchers without braces, e.g. `job="api",env!="dev"`."""
    if not selector:
        return None
    if error := parse_error("{" + selector + "}"):
        return error
    # The generators put the metric name in front of the braces; a second one is an error.
    parsed: Any = promql_parser.parse("{" + selector + "}")
    names = [m.name for m in parsed.matchers.matchers]
    if "__name__" in names:
        return "must not match __name__: the SLI chooses the metric"
    return None


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
