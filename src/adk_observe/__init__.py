"""adk-observe: observability and SLOs for AI-agent services.

    import adk_observe
    obs = adk_observe.init(service_name="support-agent")   # metrics, traces, JSON logs
    ...
    adk_observe.shutdown()

For Google ADK add `adk_observe.adk.ObservabilityPlugin()` to `App(plugins=[...])`; for any other
agent use `agent_turn`, `llm_call`, `tool_call` and `mcp_call`. Importing this package has no
side effects and does not import google.adk.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# The CLI (compile-rules, dashboards, render-deploy) never needs the runtime: importing it here
# would load prometheus_client and the OpenTelemetry SDK into every command. Names resolve on use.
_EXPORTS = {
    "Observability": "adk_observe.instrument.runtime",
    "ObservabilityMiddleware": "adk_observe.instrument.asgi",
    "Options": "adk_observe.instrument.options",
    "OptionsError": "adk_observe.instrument.options",
    "agent_turn": "adk_observe.instrument.calls",
    "current": "adk_observe.api",
    "init": "adk_observe.api",
    "llm_call": "adk_observe.instrument.calls",
    "mcp_call": "adk_observe.instrument.calls",
    "record_evaluation": "adk_observe.instrument.quality",
    "record_feedback": "adk_observe.api",
    "record_guardrail": "adk_observe.instrument.quality",
    "resolve_options": "adk_observe.instrument.options",
    "set_ready": "adk_observe.api",
    "shutdown": "adk_observe.api",
    "telemetry_env": "adk_observe.environment",
    "tool_call": "adk_observe.instrument.calls",
}

__all__ = [
    "Observability",
    "ObservabilityMiddleware",
    "Options",
    "OptionsError",
    "__version__",
    "agent_turn",
    "current",
    "init",
    "llm_call",
    "mcp_call",
    "record_evaluation",
    "record_feedback",
    "record_guardrail",
    "resolve_options",
    "set_ready",
    "shutdown",
    "telemetry_env",
    "tool_call",
]

if TYPE_CHECKING:
    from adk_observe.api import current as current
    from adk_observe.api import init as init
    from adk_observe.api import record_feedback as record_feedback
    from adk_observe.api import set_ready as set_ready
    from adk_observe.api import shutdown as shutdown
    from adk_observe.environment import telemetry_env as telemetry_env
    from adk_observe.instrument.asgi import ObservabilityMiddleware as ObservabilityMiddleware
    from adk_observe.instrument.calls import agent_turn as agent_turn
    from adk_observe.instrument.calls import llm_call as llm_call
    from adk_observe.instrument.calls import mcp_call as mcp_call
    from adk_observe.instrument.calls import tool_call as tool_call
    from adk_observe.instrument.options import Options as Options
    from adk_observe.instrument.options import OptionsError as OptionsError
    from adk_observe.instrument.options import resolve_options as resolve_options
    from adk_observe.instrument.quality import record_evaluation as record_evaluation
    from adk_observe.instrument.quality import record_guardrail as record_guardrail
    from adk_observe.instrument.runtime import Observability as Observability


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'adk_observe' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
