"""Identifiers derived from a service name, where the name itself may not go: made here, once.

A Sloth service may be called anything Sloth's NameRegexp accepts (`My_Service.v2`): letters of
both cases, digits, `-`, `_` and `.`, starting and ending with a letter or digit. Prometheus label
values, rule group names, alert annotations, Alertmanager receivers and file names take it as it
is written. Three things are narrower:

- a Kubernetes object name (the `--format operator` PrometheusRule and the AlertmanagerConfig):
  a lowercase DNS subdomain of at most 253 characters;
- a Kubernetes label value (`app.kubernetes.io/name` on those objects): at most 63 characters;
- a Grafana dashboard uid: at most 40 characters of `[A-Za-z0-9_-]`.

`slug` maps a name to the one lowercase form all of them use (`My_Service.v2` ->
`my-service-v2`): a DNS label's name (`support-agent`, every adk-observe/v1 service) is its own
slug, so nothing changes for them. Two services of one run with one slug would share a
PrometheusRule, an AlertmanagerConfig and dashboards (and, on a case-insensitive file system,
their files): the loader refuses the second (`loader/load.py`). A form too long for its place
keeps its start and ends in `-` and 8 hex digits of the SHA-256 of the whole form.
"""

from __future__ import annotations

import hashlib

OBJECT_NAME_MAX = 253  # a Kubernetes DNS subdomain
LABEL_VALUE_MAX = 63  # a Kubernetes label value
UID_MAX = 40  # Grafana rejects longer dashboard uids
_DIGEST = 8
_TO_DASH = str.maketrans("_.", "--")


def slug(name: str) -> str:
    """`My_Service.v2` -> `my-service-v2`: lowercase, `_` and `.` written as `-`."""
    return name.lower().translate(_TO_DASH)


def fit(identifier: str, limit: int) -> str:
    """`identifier`, or its first characters, `-` and a hash of all of it when it is too long."""
    if len(identifier) <= limit:
        return identifier
    digest = hashlib.sha256(identifier.encode()).hexdigest()[:_DIGEST]
    return f"{identifier[: limit - _DIGEST - 1]}-{digest}"


def object_name(service: str, suffix: str = "") -> str:
    """The Kubernetes object name of a service's `<service><suffix>` object."""
    return fit(slug(service) + suffix, OBJECT_NAME_MAX)


def name_label(service: str) -> str:
    """The `app.kubernetes.io/name` value: the name as written (Sloth's characters are a label
    value's), shortened past 63 characters."""
    return fit(service, LABEL_VALUE_MAX)


def dashboard_uid(service: str, kind: str) -> str:
    """`<slug>-<kind>`, shortened past Grafana's 40 characters."""
    return fit(f"{slug(service)}-{kind}", UID_MAX)
