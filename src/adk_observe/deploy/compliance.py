"""The compliance controls the deploy renders (docs/compliance.md): the data classification as a
label on every object, Secrets written by ExternalSecrets (external-secrets.io) that refresh
within the rotation period, and the audit log's stream and retention as pod annotations for
the log pipeline."""

from __future__ import annotations

from typing import Any

from adk_observe.conventions import env_name
from adk_observe.deploy.meta import CLASSIFICATION_LABEL, metadata
from adk_observe.deploy_model import AUDIT_STREAM, DeployConfig
from adk_observe.model import ServiceSpec

PREFIX = CLASSIFICATION_LABEL.partition("/")[0]
AUDIT_LOG_ANNOTATION = f"{PREFIX}/audit-log"
AUDIT_RETENTION_ANNOTATION = f"{PREFIX}/audit-retention-days"
# What the runtime reads (instrument/audit.py): where the audit events go.
AUDIT_LOG_ENV = env_name("audit_log")
EXTERNAL_SECRETS_API = "external-secrets.io/v1"


def go_duration(seconds: int) -> str:
    """A Go `time.ParseDuration` string (no days: 90d is 2160h)."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if n]
    return "".join(parts) or "0s"


def audit_env(deploy: DeployConfig) -> dict[str, str]:
    return {AUDIT_LOG_ENV: AUDIT_STREAM} if deploy.compliance.audit_log else {}


def audit_annotations(deploy: DeployConfig) -> dict[str, str]:
    """Tell the log pipeline (a Fluent Bit or Vector kubernetes filter reads pod annotations)
    which stream carries the audit events and how long to keep them."""
    c = deploy.compliance
    if not c.audit_log:
        return {}
    return {
        AUDIT_LOG_ANNOTATION: AUDIT_STREAM,
        AUDIT_RETENTION_ANNOTATION: str(c.audit_retention_days),
    }


def external_secrets(spec: ServiceSpec, deploy: DeployConfig) -> list[dict[str, Any]]:
    """One ExternalSecret per secret read from a store: it writes the Secret the pod mounts
    (every property of the store's key becomes a file) and re-reads it every
    `secret_refresh`, so a rotated value reaches the pods within the rotation period."""
    out = []
    for secret in deploy.secrets:
        source = secret.external
        if source is None:
            continue
        out.append(
            {
                "apiVersion": EXTERNAL_SECRETS_API,
                "kind": "ExternalSecret",
                "metadata": metadata(spec, secret.name),
                "spec": {
                    "refreshInterval": go_duration(deploy.compliance.secret_refresh_seconds),
                    "secretStoreRef": {"name": source.store, "kind": source.store_kind},
                    "target": {
                        "name": secret.name,
                        "creationPolicy": "Owner",
                        "deletionPolicy": "Retain",
                    },
                    "dataFrom": [{"extract": {"key": source.key}}],
                },
            }
        )
    return out
