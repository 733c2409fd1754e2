"""The Google ADK integration: `ObservabilityPlugin` (imports google.adk when first used)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adk_observe.adk.plugin import ObservabilityPlugin

__all__ = ["ObservabilityPlugin"]


def __getattr__(name: str) -> Any:
    if name == "ObservabilityPlugin":
        from adk_observe.adk.plugin import ObservabilityPlugin

        return ObservabilityPlugin
    raise AttributeError(name)
