"""Dashboard identity: stable uids (shared with the alerts' links) and the generated-by note."""

from __future__ import annotations

from adk_observe.links import UID_MAX, dashboard_uid
from adk_observe.model import ServiceSpec
from adk_observe.render import header

__all__ = ["UID_MAX", "dashboard_uid", "generated_note"]


def generated_note(spec: ServiceSpec) -> str:
    return header(spec.source.file).removeprefix("# ").strip()
