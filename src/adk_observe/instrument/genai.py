"""The OpenTelemetry GenAI semantic conventions on spans: names and attributes, in the version
pinned in conventions.py (GENAI_SEMCONV_VERSION).

The context managers open their spans with these (`invoke_agent support`, `chat gpt-4o`,
`execute_tool search`); the ADK plugin opens none: ADK 2.13 already emits `invoke_workflow`,
`invoke_agent`, `generate_content` and `execute_tool` spans in the same version, and the plugin
adds what they lack (session ids, the turn's index, cached and reasoning token counts, cost) to
them. Both take the attributes from here, so a turn's span reads the same whichever way it was
captured.

One function per kind of span. Later signals add their own beside these (evaluations under
`gen_ai.evaluation.*`, guardrails under `gen_ai.guardrail.*`, see conventions.py).
"""

from __future__ import annotations

from typing import Any

from opentelemetry.trace import SpanKind

from adk_observe import conventions as c
from adk_observe.instrument.cost import Usage

# The largest integer a span attribute carries: OTLP encodes integers as int64, and one larger
# fails to encode (the exporter logs an error and drops the attribute). Larger ones are left off.
INT_MAX = 2**63 - 1

# Span kinds from the conventions: a model call leaves the process, an agent run or a tool call
# inside the agent does not.
KINDS = {
    c.OPERATION_INVOKE_AGENT: SpanKind.INTERNAL,
    c.OPERATION_CHAT: SpanKind.CLIENT,
    c.OPERATION_EXECUTE_TOOL: SpanKind.INTERNAL,
}


def span_name(operation: str, subject: str) -> str:
    """`{operation} {subject}` (the agent's, model's or tool's name), or the operation alone."""
    return f"{operation} {subject}" if subject else operation


def agent_attributes(agent: str, provider: str = "", conversation: str = "") -> dict[str, Any]:
    """An `invoke_agent` span's attributes when it starts."""
    attrs: dict[str, Any] = {
        c.GEN_AI_OPERATION_NAME: c.OPERATION_INVOKE_AGENT,
        c.GEN_AI_AGENT_NAME: agent,
    }
    if provider:
        attrs[c.GEN_AI_PROVIDER_NAME] = provider
    if conversation:  # the conventions' conversation is the session (as ADK sets it)
        attrs[c.GEN_AI_CONVERSATION_ID] = conversation
    return attrs


def chat_attributes(model: str, provider: str = "") -> dict[str, Any]:
    """A `chat` span's attributes when it starts."""
    attrs: dict[str, Any] = {
        c.GEN_AI_OPERATION_NAME: c.OPERATION_CHAT,
        c.GEN_AI_REQUEST_MODEL: model,
    }
    if provider:
        attrs[c.GEN_AI_PROVIDER_NAME] = provider
    return attrs


def tool_attributes(tool: str) -> dict[str, Any]:
    """An `execute_tool` span's attributes when it starts."""
    return {c.GEN_AI_OPERATION_NAME: c.OPERATION_EXECUTE_TOOL, c.GEN_AI_TOOL_NAME: tool}


def usage_attributes(usage: Usage) -> dict[str, Any]:
    """Token counts of a model call. The conventions count cached tokens inside the input and
    reasoning tokens inside the output; adk-observe's Usage keeps reasoning apart from output
    (as Gemini reports thoughts), so the output attribute is their sum. The cached and reasoning
    counts are set when there are any; a count past INT_MAX is left off."""
    attrs: dict[str, Any] = {
        c.GEN_AI_USAGE_INPUT_TOKENS: int(usage.input),
        c.GEN_AI_USAGE_OUTPUT_TOKENS: int(usage.output + usage.reasoning),
    }
    if usage.cached:
        attrs[c.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = int(usage.cached)
    if usage.reasoning:
        attrs[c.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = int(usage.reasoning)
    return {name: count for name, count in attrs.items() if count <= INT_MAX}
