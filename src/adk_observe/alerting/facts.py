"""What routing needs to know about a service, read off the alerts its rules really carry.

The routes, inhibit rules and runbooks must use the same label sets as the compiled rules: the
severities an alert can carry (a spec may rename `page` to `critical`), the group labels of
grouped SLOs and budgets, the burn-rate tiers and the cluster label. So they are derived from
`compile_service()`'s alerts here, once, not restated.
"""

from __future__ import annotations

from dataclasses import dataclass

from adk_observe import conventions as c
from adk_observe.model import ServiceSpec, Severity
from adk_observe.rules.alerts import enabled_windows
from adk_observe.rules.compile import compile_service
from adk_observe.rules.types import Alert

# The agent pack keeps the reference design's severities: critical pages, warning tickets.
PAGE_DEFAULTS = (Severity.PAGE.value, c.SEVERITY_CRITICAL)
TICKET_DEFAULTS = (Severity.TICKET.value, c.SEVERITY_WARNING)


@dataclass(frozen=True)
class Tier:
    name: str
    long: int
    short: int
    severities: tuple[Severity, ...]  # what its alerts carry across the SLOs and budgets


@dataclass(frozen=True)
class ServiceFacts:
    name: str
    team: str  # metadata.labels.team ("" when none): a route level of its own
    page: tuple[str, ...]  # severity values that page someone
    ticket: tuple[str, ...]  # severity values that open a ticket
    group_labels: tuple[str, ...]  # group_by labels of its SLOs and budgets, then the cluster
    tiers: tuple[Tier, ...]  # fastest first: (long, short) ascending
    alerts: tuple[Alert, ...]


def cluster_label(spec: ServiceSpec) -> str:
    """The fleet's external cluster label (`spec.clusters.label`), or "" without clusters."""
    return spec.clusters.label if spec.clusters is not None else ""


def _severities(spec: ServiceSpec, severity: Severity, defaults: tuple[str, ...]) -> set[str]:
    values = set(defaults)
    for slo in spec.slos:
        own = slo.alerting.page if severity is Severity.PAGE else slo.alerting.ticket
        values.add(dict(own.labels).get(c.LABEL_SEVERITY, severity.value))
    return values


def _tiers(spec: ServiceSpec) -> tuple[Tier, ...]:
    pairs = [w for slo in spec.slos for w in enabled_windows(slo)]
    pairs += [w for budget in spec.budgets for w in budget.windows]
    classes: dict[tuple[str, int, int], set[Severity]] = {}
    for w in pairs:
        if w.tier:
            classes.setdefault((w.tier, w.long, w.short), set()).add(w.severity)
    found = [Tier(n, long, short, tuple(sorted(s))) for (n, long, short), s in classes.items()]
    return tuple(sorted(found, key=lambda t: (t.long, t.short, t.name)))


def service_facts(spec: ServiceSpec) -> ServiceFacts:
    alerts = tuple(r for g in compile_service(spec) for r in g.rules if isinstance(r, Alert))
    page = _severities(spec, Severity.PAGE, PAGE_DEFAULTS)
    ticket = _severities(spec, Severity.TICKET, TICKET_DEFAULTS)
    if both := sorted(page & ticket):
        raise spec.source.error(
            f"severity {both[0]!r} is given to pages and to tickets: Alertmanager could not "
            "tell them apart (rename one with alerting.page.labels or alerting.ticket.labels)"
        )
    carried = {dict(a.labels)[c.LABEL_SEVERITY] for a in alerts}
    assert carried <= page | ticket, f"an alert severity is not routed: {carried - page - ticket}"
    groups = {label for slo in spec.slos for label in slo.group_by}
    groups |= {label for budget in spec.budgets for label in budget.group_by}
    cluster = cluster_label(spec)
    return ServiceFacts(
        name=spec.name,
        team=dict(spec.labels).get(c.LABEL_TEAM, ""),
        page=tuple(sorted(page)),
        ticket=tuple(sorted(ticket)),
        group_labels=(*sorted(groups - {cluster}), *((cluster,) if cluster else ())),
        tiers=_tiers(spec),
        alerts=alerts,
    )
