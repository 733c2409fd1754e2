"""PromQL checks at the spec boundary, so a bad expression is reported with its line."""

from __future__ import annotations

import promql_parser

WINDOW_PLACEHOLDER = "{{window}}"


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
    return parse_error("{" + selector + "}")


def template_error(template: str) -> str | None:
    """A `{{window}}` expression: it must hold the placeholder and parse once filled in."""
    if WINDOW_PLACEHOLDER not in template:
        example = f"rate(x_total[{WINDOW_PLACEHOLDER}])"
        return f"must contain the {WINDOW_PLACEHOLDER} placeholder, e.g. {example}"
    return parse_error(template.replace(WINDOW_PLACEHOLDER, "5m"))
