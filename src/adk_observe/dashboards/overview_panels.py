"""What the agent overview's table (overview_rows.py) is made of: a `Section` per dashboard row,
a `Series` per time-series panel, and the query builders its entries use (overview.py turns the
table into panels).

A panel's queries are a small function of `Scope` (the service's selector, the `$agent_id`
matcher, the spec). A panel that plots what an agent-pack alert evaluates names that alert: its
threshold (the alert's row in rules/agent_pack.py) is drawn as a red line while the alert is on.
In titles and descriptions `<name>` is one of the values of rules/agent_pack.py `text_values`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from adk_observe import conventions as c
from adk_observe.dashboards.panels import Query, Unit
from adk_observe.dashboards.queries import (
    by,
    quantile,
    rate_by,
    share,
)
from adk_observe.durations import format_seconds
from adk_observe.model import ServiceSpec
from adk_observe.promql import eq, number, regex, selector
from adk_observe.rules.agent_pack import guardrail_shares

LATENCY_QUANTILES = (0.5, 0.95, 0.99)
SLOW_CALL_QUANTILE = 0.95
SECONDS_PER_HOUR = 3600
AGENT = (c.LABEL_AGENT_ID,)
TRACK = (c.LABEL_TRACK,)
SLOW = f"p{number(SLOW_CALL_QUANTILE * 100)}"
FAILED_REQUEST = regex(c.LABEL_STATUS_CODE, c.SERVER_ERROR_REGEX)
FAILED_CALL = eq(c.LABEL_STATUS, c.STATUS_ERROR)
FAILED_EVALUATION = eq(c.LABEL_RESULT, c.RESULT_FAIL)


@dataclass(frozen=True)
class Scope:
    spec: ServiceSpec
    sel: str  # the service's own series (its built-in SLI selector)
    agents: str  # the agents picked in `$agent_id`


Queries = Callable[[Scope], tuple[Query, ...]]


@dataclass(frozen=True)
class Series:
    """One time-series panel."""

    title: str
    description: str
    unit: Unit
    queries: Queries
    width: int = 12
    min: float | None = None
    max: float | None = None
    decimals: int | None = None
    stack: bool = False
    key: str = ""
    alert: str = ""  # the agent-pack alert whose threshold the panel draws
    line: float | None = None  # a fixed red line (drawn while `alert`, if any, is on)


@dataclass(frozen=True)
class Section:
    title: str
    section: int  # panel ids are section * 100 + position
    panels: tuple[Series, ...]
    shown: Callable[[ServiceSpec], bool] = lambda spec: True


def legend(labels: tuple[str, ...]) -> str:
    return " ".join(f"{{{{{label}}}}}" for label in labels)


def rate_of(metric: c.MetricDef, *labels: str) -> Queries:
    """Events per second of `metric`, one series per value of `labels`."""
    return lambda s: (Query(rate_by(labels, metric.name, s.sel, s.agents), legend(labels)),)


def share_of(metric: c.MetricDef, bad: str, *labels: str) -> Queries:
    """Share of `metric`'s events matching `bad`, per value of `labels`."""
    return lambda s: (Query(share(labels, metric.name, bad, s.sel, s.agents), legend(labels)),)


def per_pod(expr: Callable[[ServiceSpec], str]) -> Queries:
    """A container signal of rules/container.py (what its alert evaluates), per pod."""
    return lambda s: (Query(expr(s.spec), "{{pod}}"),)


def quantiles(
    histogram: str, labels: tuple[str, ...], sel: str, qs: tuple[float, ...]
) -> tuple[Query, ...]:
    suffix = "".join(f" {{{{{label}}}}}" for label in labels)
    return tuple(
        Query(quantile(q, histogram, labels, sel), f"p{number(q * 100)}{suffix}", exemplar=True)
        for q in qs
    )


def latencies(s: Scope) -> tuple[Query, ...]:
    qs = tuple(sorted({*LATENCY_QUANTILES, s.spec.agent_alerts.latency_quantile}))
    return quantiles(c.REQUEST_DURATION.name, AGENT, f"{s.sel},{s.agents}", qs)


def slow_calls(histogram: str, label: str) -> Queries:
    """The slow-call quantile of `histogram` by `label`, legend the label's value."""
    return lambda s: (
        Query(
            quantile(SLOW_CALL_QUANTILE, histogram, (label,), s.sel, s.agents),
            f"{{{{{label}}}}}",
            exemplar=True,
        ),
    )


def mean_rating(s: Scope) -> str:
    rating = c.SATISFACTION_RATING.name
    return (
        f"{rate_by((), f'{rating}_sum', s.sel, s.agents)}\n/\n"
        f"{rate_by((), f'{rating}_count', s.sel, s.agents)}"
    )


def guardrail_jump(s: Scope) -> tuple[Query, ...]:
    """Each guardrail's block share over the alert's rate window as a multiple of its share over
    the alert's baseline (rules/agent_pack.guardrail_shares: what ALERT_GUARDRAIL_BLOCKS
    compares with its threshold), per agent and guardrail; 0 for a guardrail that blocked
    nothing in either window."""
    labels = (c.LABEL_AGENT_ID, c.LABEL_GUARDRAIL)
    now, usual = guardrail_shares(", ".join(labels), s.sel, s.agents)
    # 0 / 0 (no block in either window) is no surge: the 5m share, 0, instead of NaN.
    return (Query(f"{now}\n/\n{usual}\n>= 0\nor\n{now}", legend(labels)),)


def rss_growth(s: Scope) -> str:
    rss = selector(c.MEMORY_USAGE.name, s.sel, s.agents, eq(c.LABEL_MEMORY_TYPE, c.MEMORY_RSS))
    window = format_seconds(s.spec.agent_alerts.memory_window)
    return by((c.LABEL_INSTANCE,), f"delta({rss}[{window}])", "max")
