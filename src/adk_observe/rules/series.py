"""Synthetic input series for the promtool unit tests: what makes an SLI kind read a given error
ratio in each phase of a scenario. Each SLI kind's row (kinds.py) names its function here, or
None for kinds that read custom PromQL we cannot synthesise."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import promql_parser

from adk_observe import conventions as c
from adk_observe.model import BuiltinSLI, LatencySLI, ServiceSpec
from adk_observe.promql import eq, number, selector, service_selector
from adk_observe.sli_kinds import HistogramShape, ScrapeShape

EVENTS_PER_STEP = 60.0  # 1 request per second at a 1m interval


@dataclass(frozen=True)
class Phase:
    steps: int
    error_ratio: float  # share of events that are errors
    traffic: bool = True


# MatchOp is not hashable, so the table is keyed by its name.
_OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}


def _satisfies(value: str, op: str, pattern: str) -> bool:
    """Prometheus matchers on a label value ("" = the label is absent); regexes are anchored."""
    if op == "=":
        return value == pattern
    if op == "!=":
        return value != pattern
    try:
        matched = re.fullmatch(pattern, value) is not None
    except re.error:
        return False
    return matched if op == "=~" else not matched


def _candidates(op: str, pattern: str) -> list[str]:
    """Values worth trying for one matcher: its literal, or the alternatives of a regex."""
    if op == "=":
        return [pattern]
    if op == "=~":
        return [re.sub(r"\\(.)", r"\1", alt) for alt in pattern.split("|")]
    return []


def labels_for(sel: str) -> dict[str, str] | None:
    """Concrete labels of one series the selector matches; None when no simple value does.

    `!=` and `!~` are met by leaving the label out when the empty value satisfies them, and a
    regex by one of its literal alternatives, so `{verb!="WATCH"}` and `{code=~"2..|200"}` get
    series too. Python's `re` stands in for RE2 on the simple patterns this tries.
    """
    if not sel:
        return {}
    parsed: Any = promql_parser.parse("m{" + sel + "}")  # a name, so `{x!="y"}` parses
    by_label: dict[str, list[tuple[str, str]]] = {}
    for matcher in parsed.matchers.matchers:
        by_label.setdefault(matcher.name, []).append((_OPS[str(matcher.op)], matcher.value))
    out = {}
    for name, matchers in sorted(by_label.items()):
        tries = ["", *(v for op, p in matchers for v in _candidates(op, p)), "x"]
        value = next((v for v in tries if all(_satisfies(v, op, p) for op, p in matchers)), None)
        if value is None:
            return None
        if value:
            out[name] = value
    return out


def series_text(metric: str, labels: dict[str, str]) -> str:
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
            "series": series_text(c.METRIC_UP, {**labels, "instance": f"i{i:03d}"}),
            "values": _up(phases, instances, i),
        }
        for i in range(instances)
    ]


def builtin_series(spec: ServiceSpec, sli: BuiltinSLI, phases: list[Phase]) -> list[dict[str, str]]:
    """Series of the kind's shape (sli_kinds.py) carrying the service's labels and the SLI's
    label parameters."""
    labels = labels_for(service_selector(spec))
    if labels is None:
        return []
    labels = {**labels, **dict(sli.matchers)}
    shape = sli.kind.shape
    if isinstance(shape, ScrapeShape):
        return _uptime_series(labels, phases)
    if isinstance(shape, HistogramShape):
        bound = sli.threshold or 0.0
        return histogram_series(labels, shape.metric.name, bound, shape.bad_at_or_below, phases)
    name, label = shape.metric.name, shape.label
    return [
        {
            "series": series_text(name, {**labels, label: shape.good_sample}),
            "values": _counter(phases, "good"),
        },
        {
            "series": series_text(name, {**labels, label: shape.bad_sample}),
            "values": _counter(phases, "bad"),
        },
    ]


def latency_series(spec: ServiceSpec, sli: LatencySLI, phases: list[Phase]) -> list[dict[str, str]]:
    labels = labels_for(sli.selector)
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
        {"series": series_text(f"{metric}_count", labels), "values": _counter(phases, "total")},
        {
            "series": series_text(f"{metric}_bucket", bucket),
            "values": _counter(phases, "bad" if bad_bucket else "good"),
        },
    ]
