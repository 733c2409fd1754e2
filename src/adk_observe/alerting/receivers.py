"""The spec's receivers -> Alertmanager integrations (configuration file and CR).

Each integration is built once, in the configuration file's spelling; the CR's spelling is a
table of key renames (`routing_key_file` -> `routingKey`...). Secrets stay files: the
configuration names the file, which Alertmanager reads at run time. The CR cannot name a file;
it references a Kubernetes Secret, and the Prometheus Operator mounts `Alertmanager.spec.secrets`
at `/etc/alertmanager/secrets/<secret>/<key>`. So a file written at that path in the spec maps
to the Secret `<secret>`, key `<key>`, and works in both forms.

Every notification carries the title and text of templates.py (summary, dashboard and runbook
links); a page is `critical` to PagerDuty and P1 to Opsgenie, a ticket `warning` and P3.
"""

from __future__ import annotations

import re
from typing import Any

from adk_observe.alerting.templates import Texts
from adk_observe.errors import SpecError
from adk_observe.model import ServiceSpec
from adk_observe.notify_model import Email, Opsgenie, PagerDuty, Receiver, Slack, Webhook, Where

OPERATOR_SECRETS = "/etc/alertmanager/secrets/"
# Alertmanager 0.26 added `url_file` to the webhook integration (CHANGELOG 0.26.0, #3223).
WEBHOOK_URL_FILE_MINOR = 26
_SECRET_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]{1,253}$")
_PAGERDUTY = {True: "critical", False: "warning"}
_OPSGENIE = {True: "P1", False: "P3"}

# The CR's spelling (monitoring.coreos.com/v1alpha1) of each configuration-file key.
_OPERATOR_KEYS = {
    "pagerduty_configs": "pagerdutyConfigs",
    "slack_configs": "slackConfigs",
    "opsgenie_configs": "opsgenieConfigs",
    "email_configs": "emailConfigs",
    "webhook_configs": "webhookConfigs",
    "api_url": "apiURL",
    "auth_username": "authUsername",
    "require_tls": "requireTLS",
    "send_resolved": "sendResolved",
}
# File keys and the Secret reference the CR has instead.
_OPERATOR_SECRETS = {
    "routing_key_file": "routingKey",
    "api_url_file": "apiURL",
    "api_key_file": "apiKey",
    "auth_password_file": "authPassword",
    "url_file": "urlSecret",
}


def _integration(receiver: Receiver, page: bool, texts: Texts) -> tuple[str, dict[str, Any]]:
    """(integration key, its config) in the configuration file's spelling."""
    if isinstance(receiver, PagerDuty):
        return "pagerduty_configs", {
            "routing_key_file": receiver.routing_key_file,
            "url": receiver.url,
            "description": texts.title,
            "severity": _PAGERDUTY[page],
        }
    if isinstance(receiver, Slack):
        return "slack_configs", {
            "api_url_file": receiver.api_url_file,
            "channel": receiver.channel,
            "title": texts.title,
            "text": texts.text,
        }
    if isinstance(receiver, Opsgenie):
        return "opsgenie_configs", {
            "api_key_file": receiver.api_key_file,
            "api_url": receiver.api_url,
            "message": texts.title,
            "description": texts.text,
            "priority": _OPSGENIE[page],
        }
    if isinstance(receiver, Email):
        return "email_configs", {
            "to": receiver.to,
            "from": receiver.sender,
            "smarthost": receiver.smarthost,
            "auth_username": receiver.auth_username,
            "auth_password_file": receiver.auth_password_file,
            "require_tls": receiver.require_tls,
            "headers": {"Subject": texts.title},
        }
    assert isinstance(receiver, Webhook)
    return "webhook_configs", {"url": receiver.url, "url_file": receiver.url_file}


def _config(receiver: Receiver, page: bool, texts: Texts) -> tuple[str, dict[str, Any]]:
    key, config = _integration(receiver, page, texts)
    # Optional fields the spec left out are left out (never an empty string).
    kept = {k: v for k, v in config.items() if v != ""}
    return key, {**kept, "send_resolved": True}


def _file_error(spec: ServiceSpec, at: Where, message: str) -> SpecError:
    return SpecError(message, file=spec.source.file, line=at.line, path=at.path)


def plain_receiver(
    spec: ServiceSpec,
    name: str,
    receivers: tuple[Receiver, ...],
    page: bool,
    texts: Texts,
    minor: int,
) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name}
    for receiver in receivers:
        key, config = _config(receiver, page, texts)
        if "url_file" in config and minor < WEBHOOK_URL_FILE_MINOR:
            raise _file_error(
                spec,
                receiver.at,
                f"webhook url_file needs Alertmanager 0.{WEBHOOK_URL_FILE_MINOR} or later: pass "
                f"--alertmanager-version 0.{WEBHOOK_URL_FILE_MINOR} if yours is, or give url",
            )
        out.setdefault(key, []).append(config)
    return out


def secret_ref(spec: ServiceSpec, path: str, at: Where, key_name: str) -> dict[str, str]:
    """`/etc/alertmanager/secrets/<secret>/<key>` -> the CR's SecretKeySelector."""
    name, _, key = path.removeprefix(OPERATOR_SECRETS).partition("/")
    inside = path.startswith(OPERATOR_SECRETS)
    if not (inside and _SECRET_NAME.fullmatch(name) and _SECRET_KEY.fullmatch(key)):
        raise _file_error(
            spec,
            Where(at.line, f"{at.path}.{key_name}"),
            f"the AlertmanagerConfig CR reads secrets from Kubernetes Secrets, which the "
            f"Operator mounts at {OPERATOR_SECRETS}<secret>/<key>: put the file there "
            f"(got {path[:80]!r})",
        )
    return {"name": name, "key": key}


def _operator_value(key: str, value: Any) -> Any:
    if key == "headers":  # a map in the file, a list of {key, value} in the CR
        return [{"key": k, "value": v} for k, v in value.items()]
    return value


def operator_receiver(
    spec: ServiceSpec, name: str, receivers: tuple[Receiver, ...], page: bool, texts: Texts
) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name}
    for receiver in receivers:
        key, config = _config(receiver, page, texts)
        cr: dict[str, Any] = {}
        for field, value in config.items():
            if field in _OPERATOR_SECRETS:
                cr[_OPERATOR_SECRETS[field]] = secret_ref(spec, value, receiver.at, field)
            else:
                cr[_OPERATOR_KEYS.get(field, field)] = _operator_value(field, value)
        out.setdefault(_OPERATOR_KEYS[key], []).append(cr)
    return out
