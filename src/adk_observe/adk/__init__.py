"""The Google ADK integration: `ObservabilityPlugin`, `guardrail` (with `decide`) and
`record_evaluation_result` (each imports google.adk when first used)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adk_observe.adk.evaluations import record_evaluation_result
    from adk_observe.adk.guardrails import decide, guardrail
    from adk_observe.adk.plugin import ObservabilityPlugin

__all__ = ["ObservabilityPlugin", "decide", "guardrail", "record_evaluation_result"]

_EXPORTS = {
    "ObservabilityPlugin": "adk_observe.adk.plugin",
    "decide": "adk_observe.adk.guardrails",
    "guardrail": "adk_observe.adk.guardrails",
    "record_evaluation_result": "adk_observe.adk.evaluations",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(name)
    return getattr(importlib.import_module(module), name)
