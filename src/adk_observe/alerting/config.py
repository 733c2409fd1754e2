"""One Alertmanager 0.25 configuration for one or more services (`adk-observe alertmanager`).

The route tree: the root (a receiver that sends nothing: alerts of other systems are not ours
to route) -> one route per team (`metadata.labels.team`), matching its services by name (an
alert's own `team` label may differ: an SLO's labels) -> one route per service, grouping by
alert, SLO or budget, group labels and cluster, so one notification per SLO group carries every
tier that fires -> a page route and a ticket route by severity, each muted during the
service's maintenance windows. Inhibit rules (inhibit.py) keep a page from arriving with its
tickets. Pure: model in, the configuration as plain data out (render/ serialises it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adk_observe import conventions as c
from adk_observe.alerting import intervals
from adk_observe.alerting import matchers as mt
from adk_observe.alerting.facts import ServiceFacts, service_facts
from adk_observe.alerting.inhibit import inhibit_rules
from adk_observe.alerting.receivers import plain_receiver
from adk_observe.alerting.templates import BY_NAME, TEMPLATE_FILE, TEMPLATE_FOLDER
from adk_observe.model import ServiceSpec

UNROUTED = "adk-observe-unrouted"
DEFAULT_VERSION_MINOR = 25  # Alertmanager 0.25, the one Debian ships and the tests run


@dataclass(frozen=True)
class Timing:
    """How long Alertmanager waits before the first notification of a group, between updates
    of a group and before repeating an unchanged one (Alertmanager's defaults in spirit: a page
    goes out sooner and repeats hourly, a ticket daily)."""

    group_wait: str = "30s"
    group_interval: str = "5m"
    repeat_interval: str = "12h"
    page_wait: str = "10s"
    page_repeat: str = "1h"
    ticket_repeat: str = "24h"


TIMING = Timing()


def receiver_names(service: str) -> tuple[str, str]:
    return f"{service}-page", f"{service}-ticket"


def group_by(facts: ServiceFacts) -> list[str]:
    """One notification per alert name, SLO (or budget), group and cluster: never per tier."""
    return [c.LABEL_ALERTNAME, c.LABEL_SERVICE, c.LABEL_SLO, c.LABEL_BUDGET, *facts.group_labels]


@dataclass(frozen=True)
class Leaf:
    """A severity route of one service: its matcher, receiver and timing overrides."""

    receiver: str
    severity: mt.Matcher
    timing: dict[str, str]


def leaves(facts: ServiceFacts) -> tuple[Leaf, Leaf]:
    page, ticket = receiver_names(facts.name)
    return (
        Leaf(
            page,
            mt.one_of(c.LABEL_SEVERITY, facts.page),
            {"group_wait": TIMING.page_wait, "repeat_interval": TIMING.page_repeat},
        ),
        Leaf(
            ticket,
            mt.one_of(c.LABEL_SEVERITY, facts.ticket),
            {"repeat_interval": TIMING.ticket_repeat},
        ),
    )


def _service_route(spec: ServiceSpec, facts: ServiceFacts) -> dict[str, Any]:
    mutes = intervals.names(spec)
    muted = {"mute_time_intervals": mutes} if mutes else {}
    routes = [
        {"receiver": leaf.receiver, "matchers": [leaf.severity.text()], **leaf.timing, **muted}
        for leaf in leaves(facts)
    ]
    return {
        # Any other severity (none today) still reaches someone: the ticket receiver.
        "receiver": receiver_names(facts.name)[1],
        "matchers": [mt.equal(c.LABEL_SERVICE, facts.name).text()],
        "group_by": group_by(facts),
        **muted,
        "routes": routes,
    }


def _routes(specs: Sequence[ServiceSpec], facts: Sequence[ServiceFacts]) -> list[dict[str, Any]]:
    """A team's route matches its services, not the `team` label: an SLO may carry a `team`
    label of its own (its `labels`), and its alerts must still reach its service's receivers."""
    teams: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    routes: list[dict[str, Any]] = []
    for spec, fact in zip(specs, facts, strict=True):
        route = _service_route(spec, fact)
        if fact.team:
            teams.setdefault(fact.team, []).append((fact.name, route))
        else:
            routes.append(route)
    team_routes = [
        {
            "receiver": UNROUTED,
            "matchers": [mt.one_of(c.LABEL_SERVICE, [name for name, _ in rs]).text()],
            "routes": [route for _, route in rs],
        }
        for _, rs in sorted(teams.items())
    ]
    return team_routes + routes


def _inhibit(facts: ServiceFacts) -> list[dict[str, Any]]:
    return [
        {
            "source_matchers": mt.texts(rule.source),
            "target_matchers": mt.texts(rule.target),
            "equal": list(rule.equal),
        }
        for rule in inhibit_rules(facts)
    ]


def _receivers(spec: ServiceSpec, facts: ServiceFacts, minor: int) -> list[dict[str, Any]]:
    page, ticket = receiver_names(facts.name)
    return [
        plain_receiver(spec, page, spec.notify.page, True, BY_NAME, minor),
        plain_receiver(spec, ticket, spec.notify.ticket, False, BY_NAME, minor),
    ]


def alertmanager_config(
    specs: Sequence[ServiceSpec], minor: int = DEFAULT_VERSION_MINOR
) -> dict[str, Any]:
    """The whole `alertmanager.yml` for these services (sorted by name)."""
    ordered = sorted(specs, key=lambda s: s.name)
    facts = [service_facts(spec) for spec in ordered]
    config: dict[str, Any] = {
        "global": {"resolve_timeout": "5m"},
        "templates": [f"{TEMPLATE_FOLDER}/*.tmpl"],
        "route": {
            "receiver": UNROUTED,
            "group_by": [c.LABEL_ALERTNAME, c.LABEL_SERVICE],
            "group_wait": TIMING.group_wait,
            "group_interval": TIMING.group_interval,
            "repeat_interval": TIMING.repeat_interval,
            "routes": _routes(ordered, facts),
        },
        "inhibit_rules": [rule for fact in facts for rule in _inhibit(fact)],
        "receivers": [
            {"name": UNROUTED},
            *(
                r
                for spec, fact in zip(ordered, facts, strict=True)
                for r in _receivers(spec, fact, minor)
            ),
        ],
    }
    timed = [interval for spec in ordered for interval in intervals.time_intervals(spec)]
    if timed:
        config["time_intervals"] = timed
    return config


def template_path() -> str:
    return f"{TEMPLATE_FOLDER}/{TEMPLATE_FILE}"
