"""The PromQL of the SLO dashboard's panels (slo.py, slo_picked.py): it reads only the series
the compiled rules record (`slo:*`; `fleet:*` under spec.clusters) and Prometheus's own
`ALERTS`. Panels whose colours or thresholds depend on the SLO hold one query per SLO matching
`slo="<name>",slo="$slo"`: only the picked SLO's query returns data, and an override per query
gives it that SLO's thresholds."""

from __future__ import annotations

from collections.abc import Callable

from adk_observe import conventions as c
from adk_observe.dashboards.panels import Query
from adk_observe.dashboards.queries import ALERT_STATE_FIRING, LABEL_ALERT_STATE, SLO_VARIABLE
from adk_observe.durations import format_seconds, parse_seconds
from adk_observe.model import SLO, ServiceSpec
from adk_observe.promql import eq, selector
from adk_observe.rules.recordings import slo_matchers

LABEL_WINDOW = "window"  # added by the burn queries (label_replace), not a recorded label
SLO_REF = f"${SLO_VARIABLE}"
SHORT_SECONDS = parse_seconds(c.SHORT_RATE_WINDOW)  # the current burn rate's window


def firing_alerts(*matchers: str) -> str:
    return selector(c.ALERTS_SERIES, eq(LABEL_ALERT_STATE, ALERT_STATE_FIRING), *matchers)


def has_label(label: str) -> str:
    """Matches series that carry `label` (burn-rate alerts; not the agent pack, not no-data)."""
    return f'{label}!=""'


def service_matcher(spec: ServiceSpec) -> str:
    return eq(c.LABEL_SERVICE, spec.name)


def picked_matchers(spec: ServiceSpec) -> str:
    """Matchers of the SLO picked in `$slo`."""
    return f"{service_matcher(spec)},{eq(c.LABEL_SLO, SLO_REF)}"


def only_if_picked(spec: ServiceSpec, slo: SLO) -> str:
    """Matchers of `slo` that match nothing unless `$slo` is `slo` (two matchers on one label)."""
    return f"{slo_matchers(spec, slo)},{eq(c.LABEL_SLO, SLO_REF)}"


def rec(spec: ServiceSpec, name: str) -> str:
    """A recorded series' name; under spec.clusters the fleet-wide view's (rules/fleet.py): the
    summary and the picked SLO show the fleet, the per-group row each cluster."""
    return name if spec.clusters is None else c.fleet_record(name)


def ratio(spec: ServiceSpec, window: int) -> str:
    """The recorded error ratio over `window` seconds (the SLO period, or a burn window)."""
    return rec(spec, c.record_sli_error_ratio(format_seconds(window)))


def tag(expr: str, **labels: str) -> str:
    for name, value in sorted(labels.items()):
        expr = f'label_replace({expr}, "{name}", "{value}", "", "")'
    return expr


def union(parts: list[str]) -> str:
    return "\nor\n".join(parts)


def per_slo(spec: ServiceSpec, build: Callable[[SLO], str]) -> tuple[Query, ...]:
    return tuple(Query(build(slo), slo.name, instant=True) for slo in spec.slos)
