"""SLI kinds -> PromQL: the error ratio over any window, and (when the SLI counts events) the
error and total event rates that the long windows are averaged from."""

from __future__ import annotations

from dataclasses import dataclass

from adk_observe import conventions as c
from adk_observe.model import (
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
from adk_observe.sli_kinds import CounterShape, ScrapeShape


@dataclass(frozen=True)
class SLIQuery:
    """`{{window}}` templates. `errors`/`total` are None for a raw ratio SLI."""

    ratio: str
    errors: str | None = None
    total: str | None = None

    def ratio_at(self, window: str) -> str:
        return fill(self.ratio, window)


def _sum_fn(by: tuple[str, ...]) -> str:
    """`sum` or `sum by (a, b) `: the aggregation of every SLI series, per group when grouped."""
    return f"sum by ({', '.join(by)}) " if by else "sum"


def _events(errors: str, total: str, by: tuple[str, ...] = ()) -> SLIQuery:
    # `or vector(0)`: a service that never failed has no error series at all, and its SLI must
    # read 0, not "no data". `total > 0`: no traffic gives no ratio rather than NaN. Grouped, a
    # label-less 0 would match no group, so each group's missing errors read 0 * its total.
    zero = f"0 * {_group(total)}" if by else "vector(0)"
    errors_expr = f"{_group(errors)} or {zero}"
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


def _sum(expr: str, by: tuple[str, ...] = ()) -> str:
    """One series per SLI (per group): sum the user's expression unless it already is a single
    sum; grouped, a single `sum(...)` becomes `sum by (...) (...)` so the groups survive."""
    single = _group(expr) == expr
    if not by:
        return expr if single else f"sum({expr})"
    inner = expr[3:] if single else f"({expr})"
    return f"{_sum_fn(by)}{inner}"


def _rate_sum(metric: str, by: tuple[str, ...], *matchers: str) -> str:
    return f"{_sum_fn(by)}(rate({selector(metric, *matchers)}[{W}]))"


def _histogram_above(metric: str, sel: str, bound: float, by: tuple[str, ...]) -> SLIQuery:
    """Observations above `bound`: all of them minus those in the `le=bound` bucket."""
    total = _rate_sum(f"{metric}_count", by, sel)
    under = _rate_sum(f"{metric}_bucket", by, sel, regex(c.LABEL_LE, le_pattern(bound)))
    zero = f"0 * {_group(total)}" if by else "vector(0)"
    return _events(f"{total} - ({under} or {zero})", total, by)


def _builtin(sli: BuiltinSLI, sel: str, by: tuple[str, ...]) -> SLIQuery:
    """The query of a built-in kind's shape (sli_kinds.py) over the series matching `sel`."""
    shape = sli.kind.shape
    sel = ",".join(m for m in (sel, *(eq(label, value) for label, value in sli.matchers)) if m)
    if isinstance(shape, ScrapeShape):
        up = selector(c.METRIC_UP, sel)
        total = f"{_sum_fn(by)}(count_over_time({up}[{W}]))"
        return _events(f"{total} - {_sum_fn(by)}(sum_over_time({up}[{W}]))", total, by)
    if isinstance(shape, CounterShape):
        bad = (regex if shape.bad_regex else eq)(shape.label, shape.bad)
        metric = shape.metric.name
        return _events(_rate_sum(metric, by, sel, bad), _rate_sum(metric, by, sel), by)
    assert sli.threshold is not None  # the loader requires it of every histogram kind
    if not shape.bad_at_or_below:  # good at or under the threshold: latency, cost
        return _histogram_above(shape.metric.name, sel, sli.threshold, by)
    # Bad at or below the threshold (low ratings): exactly the `le=threshold` bucket.
    name = shape.metric.name
    bucket = regex(c.LABEL_LE, le_pattern(sli.threshold))
    return _events(
        _rate_sum(f"{name}_bucket", by, sel, bucket), _rate_sum(f"{name}_count", by, sel), by
    )


# The query half of each SLI kind's row (kinds.py). `by` is the SLO's group_by.


def builtin_query(spec: ServiceSpec, sli: BuiltinSLI, by: tuple[str, ...] = ()) -> SLIQuery:
    return _builtin(sli, service_selector(spec), by)


def latency_query(spec: ServiceSpec, sli: LatencySLI, by: tuple[str, ...] = ()) -> SLIQuery:
    return _histogram_above(sli.metric, sli.selector, sli.threshold, by)


# Narrowed to the series that also match `matcher` (one pod template hash, one Flagger pod set):
# the canary analysis. Custom PromQL kinds have none: user PromQL cannot be narrowed safely.
#
# A histogram SLI narrowed so is also guarded by its threshold bucket: without an `le` series at
# the threshold (buckets that do not include it) the ratio is no data, not every observation bad
# (or, for a kind bad at or below it, none): canary and stable both read 100% slow, and the
# canary, matching its stable, would pass a gate that measured nothing. The SLO rules keep
# reading such a service as all bad, which alerts.


def _bucket_known(query: SLIQuery, metric: str, sel: str, bound: float) -> SLIQuery:
    bucket = _rate_sum(f"{metric}_bucket", (), sel, regex(c.LABEL_LE, le_pattern(bound)))
    return SLIQuery(f"({query.ratio}) and on() ({bucket})", query.errors, query.total)


def builtin_narrowed(spec: ServiceSpec, sli: BuiltinSLI, matcher: str) -> SLIQuery:
    sel = f"{service_selector(spec)},{matcher}"
    query = _builtin(sli, sel, ())
    shape = sli.kind.shape
    if isinstance(shape, (ScrapeShape, CounterShape)):
        return query
    assert sli.threshold is not None  # the loader requires it of every histogram kind
    sel = ",".join(m for m in (sel, *(eq(label, value) for label, value in sli.matchers)) if m)
    return _bucket_known(query, shape.metric.name, sel, sli.threshold)


def latency_narrowed(spec: ServiceSpec, sli: LatencySLI, matcher: str) -> SLIQuery:
    sel = ",".join(m for m in (sli.selector, matcher) if m)
    query = _histogram_above(sli.metric, sel, sli.threshold, ())
    return _bucket_known(query, sli.metric, sel, sli.threshold)


def events_query(spec: ServiceSpec, sli: EventsSLI, by: tuple[str, ...] = ()) -> SLIQuery:
    total = _sum(sli.total, by)
    if sli.errors is not None:
        return _events(_sum(sli.errors, by), total, by)
    assert sli.good is not None
    zero = f"0 * {_group(total)}" if by else "vector(0)"
    return _events(f"{total} - ({_sum(sli.good, by)} or {zero})", total, by)


def raw_query(spec: ServiceSpec, sli: RawSLI, by: tuple[str, ...] = ()) -> SLIQuery:
    # A ready ratio is used as written: grouped, it must keep the group labels itself.
    return SLIQuery(ratio=sli.error_ratio)
