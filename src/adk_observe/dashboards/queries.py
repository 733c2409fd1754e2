"""PromQL for panels: small builders over the conventions, and the Grafana variables they use.

Panels query with `$__rate_interval` (Grafana picks a range that always spans enough scrapes) and
filter agents with the `$agent_id` variable. `GRAFANA_SUBSTITUTIONS` says what each Grafana
variable stands for when a query runs outside Grafana (lint parses it, the e2e test runs it).
"""

from __future__ import annotations

from adk_observe import conventions as c
from adk_observe.promql import number, regex, selector

DATASOURCE_VARIABLE = "datasource"
DATASOURCE_TYPE = "prometheus"
AGENT_VARIABLE = c.LABEL_AGENT_ID
SLO_VARIABLE = c.LABEL_SLO
RATE_INTERVAL = "$__rate_interval"
# Every Grafana variable a generated query may hold, and a value that stands in for it. `$slo`
# always holds one SLO name; its stand-in parses, and callers that run the query pick a real one.
GRAFANA_SUBSTITUTIONS: tuple[tuple[str, str], ...] = (
    (RATE_INTERVAL, "1m"),
    (f"${AGENT_VARIABLE}", ".*"),
    (f"${SLO_VARIABLE}", "slo"),
)

LABEL_ALERT_STATE = c.LABEL_ALERT_STATE
ALERT_STATE_FIRING = c.ALERT_STATE_FIRING


def agent_matcher() -> str:
    """Selects the agents picked in the `$agent_id` variable (all of them by default)."""
    return regex(c.LABEL_AGENT_ID, f"${AGENT_VARIABLE}")


def by(labels: tuple[str, ...], expr: str, op: str = "sum") -> str:
    if not labels:
        return f"{op}({expr})"
    return f"{op} by ({', '.join(labels)}) ({expr})"


def rate(metric: str, *matchers: str) -> str:
    return f"rate({selector(metric, *matchers)}[{RATE_INTERVAL}])"


def rate_by(labels: tuple[str, ...], metric: str, *matchers: str) -> str:
    return by(labels, rate(metric, *matchers))


def share(labels: tuple[str, ...], metric: str, bad: str, *matchers: str) -> str:
    """Share of `metric` events matching `bad`, per `labels`; 0 (not "no data") when none failed.

    `or total * 0` fills a zero for every group that has traffic but no failures.
    """
    total = rate_by(labels, metric, *matchers)
    failed = rate_by(labels, metric, *matchers, bad)
    return f"({failed} or {total} * 0)\n/\n{total}"


def errors_or_zero(labels: tuple[str, ...], metric: str, bad: str, *matchers: str) -> str:
    """Rate of `metric` events matching `bad` per `labels`; 0 for groups with calls but none bad."""
    return (
        f"{rate_by(labels, metric, *matchers, bad)}\nor\n{rate_by(labels, metric, *matchers)} * 0"
    )


def quantile(q: float, histogram: str, labels: tuple[str, ...], *matchers: str) -> str:
    buckets = rate_by((*labels, c.LABEL_LE), f"{histogram}_bucket", *matchers)
    return f"histogram_quantile({number(q)}, {buckets})"


def total_or_zero(metric: str, *matchers: str) -> str:
    """A rate that reads 0, not "no data", before the first event (for rare-event counters)."""
    return f"{rate_by((), metric, *matchers)} or vector(0)"


def substitute(expr: str, values: dict[str, str] | None = None) -> str:
    """`expr` with Grafana's variables replaced by `values` (name -> value) or stand-ins:
    plain PromQL for Prometheus."""
    chosen = values or {}
    for variable, stand_in in GRAFANA_SUBSTITUTIONS:
        expr = expr.replace(variable, chosen.get(variable.removeprefix("$"), stand_in))
    return expr
