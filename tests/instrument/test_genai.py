"""The GenAI convention names: pinned in one place, and the names of the registry they claim."""

from __future__ import annotations

import ast
from pathlib import Path

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as registry
from opentelemetry.semconv._incubating.attributes import session_attributes, user_attributes
from opentelemetry.semconv._incubating.metrics import gen_ai_metrics

from adk_observe import conventions as c

SRC = Path(__file__).resolve().parents[2] / "src" / "adk_observe"
PREFIXES = ("gen_ai.", "session.", "user.")


def test_every_genai_session_and_user_name_is_spelled_in_conventions_py_only() -> None:
    """Moving to another convention version is conventions.py (and its test): no module
    spells one of these names itself."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "conventions.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and node.value.startswith(PREFIXES):
                found.append(f"{path.relative_to(SRC)}:{node.lineno}: {node.value}")
    assert found == []


def test_the_names_are_those_of_the_opentelemetry_registry() -> None:
    """The OpenTelemetry semantic-conventions package the SDK pins spells each name the same
    (the attribute, the metric and the well-known operation values)."""
    pairs = [
        (c.GEN_AI_OPERATION_NAME, registry.GEN_AI_OPERATION_NAME),
        (c.GEN_AI_PROVIDER_NAME, registry.GEN_AI_PROVIDER_NAME),
        (c.GEN_AI_AGENT_NAME, registry.GEN_AI_AGENT_NAME),
        (c.GEN_AI_CONVERSATION_ID, registry.GEN_AI_CONVERSATION_ID),
        (c.GEN_AI_REQUEST_MODEL, registry.GEN_AI_REQUEST_MODEL),
        (c.GEN_AI_TOOL_NAME, registry.GEN_AI_TOOL_NAME),
        (c.GEN_AI_USAGE_INPUT_TOKENS, registry.GEN_AI_USAGE_INPUT_TOKENS),
        (c.GEN_AI_USAGE_OUTPUT_TOKENS, registry.GEN_AI_USAGE_OUTPUT_TOKENS),
        (c.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, registry.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS),
        (c.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, registry.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS),
        (c.GEN_AI_TOKEN_TYPE, registry.GEN_AI_TOKEN_TYPE),
        (c.SESSION_ID, session_attributes.SESSION_ID),
        (c.USER_ID, user_attributes.USER_ID),
        (c.OTEL_GEN_AI_TOKEN_USAGE, gen_ai_metrics.GEN_AI_CLIENT_TOKEN_USAGE),
        (c.OTEL_GEN_AI_OPERATION_DURATION, gen_ai_metrics.GEN_AI_CLIENT_OPERATION_DURATION),
    ]
    assert [(ours, theirs) for ours, theirs in pairs if ours != theirs] == []
    operations = registry.GenAiOperationNameValues
    assert {c.OPERATION_INVOKE_AGENT, c.OPERATION_CHAT, c.OPERATION_EXECUTE_TOOL} == {
        operations.INVOKE_AGENT.value, operations.CHAT.value, operations.EXECUTE_TOOL.value}
    assert registry.GEN_AI_EVALUATION_NAME.startswith(c.GEN_AI_EVALUATION_PREFIX)
    schema = c.GENAI_SCHEMA_URL
    assert schema == f"https://opentelemetry.io/schemas/{c.GENAI_SEMCONV_VERSION}"
