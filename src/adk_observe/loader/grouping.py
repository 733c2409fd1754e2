"""Does a query return one series? Imported SLOs are one ratio each, so a query that keeps a
label (`sum by (route) (...)`, a bare `rate(x[5m])`) would be judged per series by Sloth but
summed here: a route at 50% errors with 1% of the traffic would vanish. Until per-group SLOs
exist, such queries are refused with this module's reason."""

from __future__ import annotations

import promql_parser as pp

from adk_observe.promql import WINDOW_PLACEHOLDER

# Aggregations that keep the labels of the series they pick.
_KEEPS_LABELS = frozenset({"topk", "bottomk", "limitk", "limit_ratio", "count_values"})
# Functions whose result has no labels whatever their argument.
_NO_LABELS = frozenset({"vector", "scalar", "time", "absent", "absent_over_time", "pi"})


def _single(expr: pp.Expr) -> bool:
    """True when `expr` can only return series without labels (at most one)."""
    if isinstance(expr, pp.NumberLiteral | pp.StringLiteral):
        return True
    if isinstance(expr, pp.ParenExpr | pp.UnaryExpr):
        return _single(expr.expr)
    if isinstance(expr, pp.AggregateExpr):
        if str(expr.op) in _KEEPS_LABELS:
            return False
        modifier = expr.modifier
        if modifier is None:
            return True
        # `by ()` groups by nothing; `without (...)` keeps every other label.
        return str(modifier.type).endswith("By") and not modifier.labels
    if isinstance(expr, pp.BinaryExpr):
        return _single(expr.lhs) and _single(expr.rhs)
    if isinstance(expr, pp.Call):
        if expr.func.name in _NO_LABELS:
            return True
        return all(_single(arg) for arg in expr.args)
    if isinstance(expr, pp.SubqueryExpr):
        return _single(expr.expr)
    return False  # a selector: one series per label set it matches


def _groups(expr: pp.Expr) -> bool:
    """True when an aggregation in `expr` keeps labels on purpose (`by (x)`, `without`)."""
    found: list[bool] = []

    def visit(node: pp.Expr) -> bool:
        if isinstance(node, pp.AggregateExpr) and not _single(node):
            found.append(True)
        return not found

    pp.walk(expr, visit)
    return bool(found)


def grouping_error(template: str, explicit_only: bool = False) -> str | None:
    """Why a `{{window}}` query may return several series, or None if it returns one.

    `explicit_only`: only a grouping the query asks for counts (OpenSLO, whose counters and
    gauges are plain selectors that the importer sums by design).
    """
    try:
        expr = pp.parse(template.replace(WINDOW_PLACEHOLDER, "5m"))
    except Exception:  # reported by the PromQL check of the caller
        return None
    if _single(expr) or (explicit_only and not _groups(expr)):
        return None
    return (
        "the query can return several series (a `by`/`without` grouping, or no aggregation), "
        "one ratio per series for the source tool; per-group SLOs are not supported yet and "
        "summing them would hide a bad group, so aggregate to one series, e.g. sum(rate(...)), "
        "or write one SLO per group with a label matcher"
    )
