"""The spec's receivers -> Alertmanager integrations (configuration file and CR).

Secrets stay files: the configuration names the file (`routing_key_file`, `api_url_file`,
`api_key_file`, `auth_password_file`, `url_file`), which Alertmanager reads at run time. The CR
cannot name a file; it references a Kubernetes Secret, and the Prometheus Operator mounts
`Alertmanager.spec.secrets` at `/etc/alertmanager/secrets/<secret>/<key>`. So a file written
at that path in the spec maps to the Secret `<secret>`, key `<key>`, and works in both forms.

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


def _file_error(spec: ServiceSpec, at: Where, message: str) -> SpecError:
    return SpecError(message, file=spec.source.file, line=at.line, path=at.path)


def _plain(receiver: Receiver, page: bool, texts: Texts, minor: int, spec: ServiceSpec) -> Any:
    """(integration key, its config) for the configuration file."""
    if isinstance(receiver, PagerDuty):
        out: dict[str, Any] = {"routing_key_file": receiver.routing_key_file}
        if receiver.url:
            out["url"] = receiver.url
        out.update(description=texts.title, severity=_PAGERDUTY[page])
        return "pagerduty_configs", out
    if isinstance(receiver, Slack):
        return "slack_configs", {
            "api_url_file": receiver.api_url_file,
            "channel": receiver.channel,
            "title": texts.title,
            "text": texts.text,
        }
    if isinstance(receiver, Opsgenie):
        out = {"api_key_file": receiver.api_key_file}
        if receiver.api_url:
            out["api_url"] = receiver.api_url
        out.update(message=texts.title, description=texts.text, priority=_OPSGENIE[page])
        return "opsgenie_configs", out
    if isinstance(receiver, Email):
        out = {"to": receiver.to, "from": receiver.sender, "smarthost": receiver.smarthost}
        if receiver.auth_username:
            out["auth_username"] = receiver.auth_username
            out["auth_password_file"] = receiver.auth_password_file
        out.update(require_tls=receiver.require_tls, headers={"Subject": texts.title})
        return "email_configs", out
    assert isinstance(receiver, Webhook)
    if receiver.url:
        return "webhook_configs", {"url": receiver.url}
    if minor < WEBHOOK_URL_FILE_MINOR:
        raise _file_error(
            spec,
            receiver.at,
            f"webhook url_file needs Alertmanager 0.{WEBHOOK_URL_FILE_MINOR} or later: pass "
            f"--alertmanager-version 0.{WEBHOOK_URL_FILE_MINOR} if yours is, or give url",
        )
    return "webhook_configs", {"url_file": receiver.url_file}


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
        key, config = _plain(receiver, page, texts, minor, spec)
        out.setdefault(key, []).append({**config, "send_resolved": True})
    return out


def secret_ref(spec: ServiceSpec, path: str, at: Where, key_name: str) -> dict[str, str]:
    """`/etc/alertmanager/secrets/<secret>/<key>` -> the CR's SecretKeySelector."""
    name, _, key = path.removeprefix(OPERATOR_SECRETS).partition("/")
    if not (
        path.startswith(OPERATOR_SECRETS) and _SECRET_NAME.match(name) and _SECRET_KEY.match(key)
    ):
        raise _file_error(
            spec,
            Where(at.line, f"{at.path}.{key_name}"),
            f"the AlertmanagerConfig CR reads secrets from Kubernetes Secrets, which the "
            f"Operator mounts at {OPERATOR_SECRETS}<secret>/<key>: put the file there "
            f"(got {path[:80]!r})",
        )
    return {"name": name, "key": key}


def _operator(receiver: Receiver, page: bool, texts: Texts, spec: ServiceSpec) -> Any:
    at = receiver.at
    if isinstance(receiver, PagerDuty):
        out: dict[str, Any] = {
            "routingKey": secret_ref(spec, receiver.routing_key_file, at, "routing_key_file")
        }
        if receiver.url:
            out["url"] = receiver.url
        out.update(description=texts.title, severity=_PAGERDUTY[page])
        return "pagerdutyConfigs", out
    if isinstance(receiver, Slack):
        return "slackConfigs", {
            "apiURL": secret_ref(spec, receiver.api_url_file, at, "api_url_file"),
            "channel": receiver.channel,
            "title": texts.title,
            "text": texts.text,
        }
    if isinstance(receiver, Opsgenie):
        out = {"apiKey": secret_ref(spec, receiver.api_key_file, at, "api_key_file")}
        if receiver.api_url:
            out["apiURL"] = receiver.api_url
        out.update(message=texts.title, description=texts.text, priority=_OPSGENIE[page])
        return "opsgenieConfigs", out
    if isinstance(receiver, Email):
        out = {"to": receiver.to, "from": receiver.sender, "smarthost": receiver.smarthost}
        if receiver.auth_username:
            out["authUsername"] = receiver.auth_username
            out["authPassword"] = secret_ref(
                spec, receiver.auth_password_file, at, "auth_password_file"
            )
        out.update(
            requireTLS=receiver.require_tls, headers=[{"key": "Subject", "value": texts.title}]
        )
        return "emailConfigs", out
    assert isinstance(receiver, Webhook)
    if receiver.url:
        return "webhookConfigs", {"url": receiver.url}
    return "webhookConfigs", {"urlSecret": secret_ref(spec, receiver.url_file, at, "url_file")}


def operator_receiver(
    spec: ServiceSpec, name: str, receivers: tuple[Receiver, ...], page: bool, texts: Texts
) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name}
    for receiver in receivers:
        key, config = _operator(receiver, page, texts, spec)
        out.setdefault(key, []).append({**config, "sendResolved": True})
    return out
