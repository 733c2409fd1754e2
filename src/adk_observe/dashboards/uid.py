"""Dashboard identity: stable uids and the generated-by note (JSON has no comments)."""

from __future__ import annotations

import hashlib

from adk_observe.conventions import generated_note as _note
from adk_observe.model import ServiceSpec

UID_MAX = 40  # Grafana rejects longer uids


def dashboard_uid(service: str, kind: str) -> str:
    """`<service>-<kind>`, or a shortened form with a hash suffix when that is too long."""
    uid = f"{service}-{kind}"
    if len(uid) <= UID_MAX:
        return uid
    digest = hashlib.sha256(uid.encode()).hexdigest()[:8]
    return f"{uid[: UID_MAX - len(digest) - 1]}-{digest}"


def generated_note(spec: ServiceSpec) -> str:
    return _note(spec.source.file)
