"""SLI kinds -> PromQL: the error ratio over any window, and (when the SLI counts events) the
error and total event rates that the long windows are averaged from."""

from __future__ import annotations

from dataclasses import dataclass

from adk_observe import conventions as c
from adk_observe.model import (
    BuiltinKind,
    BuiltinSLI,
    EventsSLI,
    LatencySLI,
    RawSLI,
    ServiceSpec,
)
from adk_observe.promql import (
    WINDOW_PLACEHOLDER as W,
)
from adk_observe.promql import (
    eq,
    fill,
    le_pattern,
    regex,
    selector,
    service_selector,
)


@dataclass(frozen=True)
class SLIQuery:
    """`{{window}}` templates. `errors`/`total` are None for a raw ratio SLI."""

    ratio: str
    errors: str | None = None
    total: str | None = None

    def ratio_at(self, window: str) -> str:
        return fill(self.ratio, window)


def _events(errors: str, total: str) -> SLIQuery:
    # `or vector(0)`: a service that never failed has no error series at all, and its SLI must
    # read 0, not "no data". `total > 0`: no traffic gives no ratio rather than NaN.
    errors_expr = f"{_group(errors)} or vector(0)"
    return SLIQuery(ratio=f"({errors_expr}) / ({total} > 0)", errors=errors_expr, total=total)


def _group(expr: str) -> str:
    """Parenthesise unless `expr` is already a single `sum(...)` call."""
    if expr.startswith("sum(") and expr.endswith(")"):
        depth = 0
        for i, ch in enumerate(expr[3:], start=3):
            depth += (ch == "(") - (ch == ")")
            if depth == 0:
                if i == len(expr) - 1:
                    return expr
                break
    return f"({expr})"


def _sum(expr: str) -> str:
    """One series per SLI: sum the user's expression unless it already is a single sum."""
    return expr if _group(expr) == expr else f"sum({expr})"


def _rate_sum(metric: str, *matchers: str) -> str:
    return f"sum(rate({selector(metric, *matchers)}[{W}]))"


def _status_events(metric: str, sel: str) -> SLIQuery:
    return _events(
        _rate_sum(metric, sel, eq(c.LABEL_STATUS, c.STATUS_ERROR)), _rate_sum(metric, sel)
    )


def _histogram_above(metric: str, sel: str, bound: float) -> SLIQuery:
    """Observations above `bound`: all of them minus those in the `le=bound` bucket."""
    total = _rate_sum(f"{metric}_count", sel)
    under = _rate_sum(f"{metric}_bucket", sel, regex(c.LABEL_LE, le_pattern(bound)))
    return _events(f"{total} - ({under} or vector(0))", total)


def _builtin(sli: BuiltinSLI, sel: str) -> SLIQuery:
    kind = sli.kind
    if kind is BuiltinKind.UPTIME:
        up = selector(c.METRIC_UP, sel)
        total = f"sum(count_over_time({up}[{W}]))"
        return _events(f"{total} - sum(sum_over_time({up}[{W}]))", total)
    if kind is BuiltinKind.SUCCESS:
        return _events(
            _rate_sum(c.REQUESTS.name, sel, regex(c.LABEL_STATUS_CODE, c.SERVER_ERROR_REGEX)),
            _rate_sum(c.REQUESTS.name, sel),
        )
    if kind is BuiltinKind.LATENCY:
        assert sli.threshold is not None
        return _histogram_above(c.REQUEST_DURATION.name, sel, sli.threshold)
    if kind is BuiltinKind.SATISFACTION:
        assert sli.threshold is not None
        # Errors are ratings at or below the threshold: exactly the `le=threshold` bucket.
        total = _rate_sum(f"{c.SATISFACTION_RATING.name}_count", sel)
        bad = _rate_sum(
            f"{c.SATISFACTION_RATING.name}_bucket",
            sel,
            regex(c.LABEL_LE, le_pattern(sli.threshold)),
        )
        return _events(bad, total)
    metric = {
        BuiltinKind.TOOL_SUCCESS: c.TOOL_CALLS,
        BuiltinKind.MCP_SUCCESS: c.MCP_CALLS,
        BuiltinKind.LLM_SUCCESS: c.LLM_CALLS,
    }[kind]
    return _status_events(metric.name, sel)


# The query half of each SLI kind's row (kinds.py).


def builtin_query(spec: ServiceSpec, sli: BuiltinSLI) -> SLIQuery:
    return _builtin(sli, service_selector(spec))


def latency_query(spec: ServiceSpec, sli: LatencySLI) -> SLIQuery:
    return _histogram_above(sli.metric, sli.selector, sli.threshold)


# Narrowed to the series that also match `matcher` (one pod template hash, one Flagger pod set):
# the canary analysis. Custom PromQL kinds have none: user PromQL cannot be narrowed safely.


def builtin_narrowed(spec: ServiceSpec, sli: BuiltinSLI, matcher: str) -> SLIQuery:
    return _builtin(sli, f"{service_selector(spec)},{matcher}")


def latency_narrowed(spec: ServiceSpec, sli: LatencySLI, matcher: str) -> SLIQuery:
    sel = ",".join(m for m in (sli.selector, matcher) if m)
    return _histogram_above(sli.metric, sel, sli.threshold)


def events_query(spec: ServiceSpec, sli: EventsSLI) -> SLIQuery:
    total = _sum(sli.total)
    if sli.errors is not None:
        return _events(_sum(sli.errors), total)
    assert sli.good is not None
    return _events(f"{total} - ({_sum(sli.good)} or vector(0))", total)


def raw_query(spec: ServiceSpec, sli: RawSLI) -> SLIQuery:
    return SLIQuery(ratio=sli.error_ratio)
