"""Synthetic input series for the promtool unit tests: what makes an SLI kind read a given error
ratio in each phase of a scenario. Each SLI kind's row (kinds.py) names its function here, or
None for kinds that read custom PromQL we cannot synthesise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import promql_parser

from adk_observe import conventions as c
from adk_observe.model import BuiltinKind, BuiltinSLI, LatencySLI, ServiceSpec
from adk_observe.promql import eq, number, selector, service_selector

EVENTS_PER_STEP = 60.0  # 1 request per second at a 1m interval


@dataclass(frozen=True)
class Phase:
    steps: int
    error_ratio: float  # share of events that are errors
    traffic: bool = True


def _labels(sel: str) -> dict[str, str] | None:
    """Equality matchers of a selector as series labels; None if any matcher is not `=`."""
    if not sel:
        return {}
    parsed: Any = promql_parser.parse("{" + sel + "}")
    out = {}
    for matcher in parsed.matchers.matchers:
        if matcher.op != promql_parser.MatchOp.Equal:
            return None
        out[matcher.name] = matcher.value
    return out


def _series_text(metric: str, labels: dict[str, str]) -> str:
    return selector(metric, *(eq(k, v) for k, v in sorted(labels.items())))


def _counter(phases: list[Phase], part: str) -> str:
    """A counter's values in promtool notation: `part` is 'bad', 'good' or 'total'."""
    value = 0.0
    out = ["0"]
    for phase in phases:
        share = {"bad": phase.error_ratio, "good": 1 - phase.error_ratio, "total": 1.0}[part]
        step = EVENTS_PER_STEP * share if phase.traffic else 0.0
        out.append(f"{number(value + step)}+{number(step)}x{phase.steps - 1}")
        value += step * phase.steps
    return " ".join(out)


def _up(phases: list[Phase], instances: int, down: int) -> str:
    """One `up` series that is 0 for the phases where it is among the `down` instances."""
    out = ["1"]
    for phase in phases:
        ratio = phase.error_ratio if phase.traffic else 0.0
        is_down = ratio > 0 and round(ratio * instances) > down
        out.append(f"{0 if is_down else 1}x{phase.steps - 1}")
    return " ".join(out)


def _uptime_series(labels: dict[str, str], phases: list[Phase]) -> list[dict[str, str]]:
    if not any(p.traffic for p in phases):
        return []  # no traffic for a scrape-health SLI means no targets at all
    # Error ratio r means r of the instances are down: choose enough instances to express it.
    ratios = {p.error_ratio for p in phases if p.traffic and p.error_ratio > 0}
    instances = 1
    for r in sorted(ratios):
        n = round(1 / r)
        if abs(n * r - 1) > 1e-9:
            return []
        if n > 200:  # a ratio this small needs more instances than a unit test should hold
            return []
        instances = max(instances, n)
    return [
        {
            "series": _series_text(c.METRIC_UP, {**labels, "instance": f"i{i:03d}"}),
            "values": _up(phases, instances, i),
        }
        for i in range(instances)
    ]


def builtin_series(spec: ServiceSpec, sli: BuiltinSLI, phases: list[Phase]) -> list[dict[str, str]]:
    labels = _labels(service_selector(spec))
    if labels is None:
        return []
    if sli.kind is BuiltinKind.UPTIME:
        return _uptime_series(labels, phases)
    if sli.kind in (BuiltinKind.LATENCY, BuiltinKind.SATISFACTION):
        latency = sli.kind is BuiltinKind.LATENCY
        metric = c.REQUEST_DURATION.name if latency else c.SATISFACTION_RATING.name
        return histogram_series(labels, metric, sli.threshold or 0.0, not latency, phases)
    counter, label, good, bad = {
        BuiltinKind.SUCCESS: (
            c.REQUESTS,
            c.LABEL_STATUS_CODE,
            c.STATUS_CODE_OK,
            c.STATUS_CODE_ERROR,
        ),
        BuiltinKind.TOOL_SUCCESS: (c.TOOL_CALLS, c.LABEL_STATUS, c.STATUS_OK, c.STATUS_ERROR),
        BuiltinKind.MCP_SUCCESS: (c.MCP_CALLS, c.LABEL_STATUS, c.STATUS_OK, c.STATUS_ERROR),
        BuiltinKind.LLM_SUCCESS: (c.LLM_CALLS, c.LABEL_STATUS, c.STATUS_OK, c.STATUS_ERROR),
    }[sli.kind]
    return [
        {
            "series": _series_text(counter.name, {**labels, label: good}),
            "values": _counter(phases, "good"),
        },
        {
            "series": _series_text(counter.name, {**labels, label: bad}),
            "values": _counter(phases, "bad"),
        },
    ]


def latency_series(spec: ServiceSpec, sli: LatencySLI, phases: list[Phase]) -> list[dict[str, str]]:
    labels = _labels(sli.selector)
    if labels is None:
        return []
    return histogram_series(labels, sli.metric, sli.threshold, False, phases)


def histogram_series(
    labels: dict[str, str], metric: str, bound: float, bad_bucket: bool, phases: list[Phase]
) -> list[dict[str, str]]:
    """`_count` and the `le=bound` bucket: the bucket holds the good events (latency) or, with
    `bad_bucket`, the bad ones (ratings at or below the threshold)."""
    bucket = {**labels, c.LABEL_LE: repr(float(bound))}
    return [
        {"series": _series_text(f"{metric}_count", labels), "values": _counter(phases, "total")},
        {
            "series": _series_text(f"{metric}_bucket", bucket),
            "values": _counter(phases, "bad" if bad_bucket else "good"),
        },
    ]
