"""Dashboard identity: stable uids (shared with the alerts' links) and the generated-by note."""

from __future__ import annotations

from adk_observe.conventions import generated_note as _note
from adk_observe.identifiers import UID_MAX, dashboard_uid
from adk_observe.model import ServiceSpec

__all__ = ["UID_MAX", "dashboard_uid", "generated_note"]


def generated_note(spec: ServiceSpec) -> str:
    return _note(spec.source.file)
