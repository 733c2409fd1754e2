"""Where a service's alerts go: the spec's `notify` receivers and `maintenance` windows.

Frozen data that `adk-observe alertmanager` turns into an Alertmanager configuration. Every
secret is a file path (Alertmanager reads it at run time); none is ever held here. Each
receiver remembers where it was written (`at`), so an output that cannot express it (e.g. the
AlertmanagerConfig CR for a file outside the Operator's secret mounts) names the spec line.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Where:
    """A place in the spec: its line and key path."""

    line: int
    path: str


@dataclass(frozen=True)
class PagerDuty:
    """PagerDuty Events API v2 (`routing_key_file`); `url` overrides the events endpoint."""

    routing_key_file: str
    at: Where
    url: str = ""


@dataclass(frozen=True)
class Slack:
    api_url_file: str  # holds the incoming-webhook URL
    channel: str
    at: Where


@dataclass(frozen=True)
class Opsgenie:
    api_key_file: str
    at: Where
    api_url: str = ""


@dataclass(frozen=True)
class Email:
    to: str
    sender: str  # `from`
    smarthost: str  # host:port
    at: Where
    auth_username: str = ""
    auth_password_file: str = ""
    require_tls: bool = True


@dataclass(frozen=True)
class Webhook:
    """Exactly one of `url` (no credentials in it) and `url_file` is set."""

    at: Where
    url: str = ""
    url_file: str = ""


Receiver = PagerDuty | Slack | Opsgenie | Email | Webhook


@dataclass(frozen=True)
class Notify:
    """Receivers of pages (severity page, and the agent pack's critical) and of tickets
    (ticket, warning). An empty list routes that severity to a receiver that sends nothing."""

    page: tuple[Receiver, ...] = ()
    ticket: tuple[Receiver, ...] = ()
    declared: bool = False  # the spec has a `notify` section


@dataclass(frozen=True)
class Maintenance:
    """A recurring window in which the service's notifications are muted (Alertmanager
    `time_intervals` + `mute_time_intervals`). Ranges use Alertmanager's spelling
    (`monday:friday`, `1:7`, `-1`); `times` are (start, end) `HH:MM`, end exclusive."""

    name: str
    times: tuple[tuple[str, str], ...]
    location: str
    at: Where  # its `location` key
    weekdays: tuple[str, ...] = ()
    days_of_month: tuple[str, ...] = ()
    months: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
