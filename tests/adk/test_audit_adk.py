"""The audit stream on a real ADK Runner: one JSON line per tool call (who called which tool,
with which outcome) in its own file or stream, none when it is off, and a sink that cannot be
written never reaches the agent."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from adk_helpers import USER, build_runner, final_text, new_session, run_turn
from adk_support import Telemetry

from adk_observe import conventions as c
from adk_observe.adk import ObservabilityPlugin
from adk_observe.instrument import audit
from adk_observe.testing import Answer, ToolCall


def refund(order: str) -> dict[str, object]:
    """Refund an order; always refused (the result reports isError, as an MCP tool's would)."""
    return {"isError": True, "content": [{"type": "text", "text": f"no refund for {order}"}]}


SCRIPT = (
    ToolCall("get_weather", {"city": "Paris", "api_key": "sk-proj-abcdefghijklmnop1234"}),
    ToolCall("refund", {"order": "o-7"}),
    Answer("Sunny; the refund was refused."),
)
KEYS = ["time", "log_type", "event", "service", "agent_id", "user_id", "session_id",
        "invocation_id", "tool", "mcp_server", "outcome", "error_type", "trace_id"]


def _turn() -> tuple[str, str]:
    async def scenario() -> tuple[str, str]:
        runner, _, _ = build_runner(SCRIPT, [ObservabilityPlugin()], extra_tools=[refund])
        session_id = await new_session(runner)
        return final_text(await run_turn(runner, session_id)), session_id

    return asyncio.run(scenario())


@pytest.fixture(autouse=True)
def _audit_off_after() -> object:
    yield
    audit.reset()


def test_each_tool_call_is_one_audit_line_with_who_what_and_outcome(
    telemetry: Telemetry, tmp_path: Path
) -> None:
    path = tmp_path / "audit.jsonl"
    audit.configure(str(path))
    text, session_id = _turn()
    assert text == "Sunny; the refund was refused."
    telemetry.handle.force_flush()
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [list(e) for e in events] == [KEYS, KEYS]
    assert [(e["tool"], e["outcome"], e["error_type"]) for e in events] == [
        ("get_weather", c.STATUS_OK, ""),
        ("refund", c.STATUS_ERROR, c.ERROR_TYPE_TOOL),
    ]
    for event in events:
        assert event["log_type"] == "audit" and event["event"] == "tool_call"
        assert event["session_id"] == session_id
        # the user as its spans show it: a pseudonym of 32 hex digits, never the raw id
        assert len(event["user_id"]) == 32 and USER not in event["user_id"]
        assert event["service"] == "support-agent" and event["agent_id"] == "shop_assistant"
        assert len(event["trace_id"]) == 32 and event["invocation_id"]
    # arguments are payloads, not audit facts: the key in them never reaches the stream
    assert "sk-proj" not in path.read_text(encoding="utf-8")


def test_no_audit_stream_unless_configured(
    telemetry: Telemetry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv(audit.AUDIT_LOG_ENV, raising=False)
    audit.reset()
    _turn()
    telemetry.handle.force_flush()
    assert '"log_type": "audit"' not in capsys.readouterr().err


def test_the_variable_routes_the_stream_to_stderr(
    telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(audit.AUDIT_LOG_ENV, "stderr")  # what render-deploy's ConfigMap sets
    audit.reset()
    _turn()
    telemetry.handle.force_flush()
    err = [json.loads(line) for line in capsys.readouterr().err.splitlines()
           if line.startswith('{"time"')]
    assert [e["tool"] for e in err if e.get("log_type") == "audit"] == [
        "get_weather", "refund"]


def test_an_unwritable_audit_file_is_counted_never_raised(
    telemetry: Telemetry, tmp_path: Path
) -> None:
    audit.configure(str(tmp_path / "missing-dir" / "audit.jsonl"))
    text, _ = _turn()
    assert text == "Sunny; the refund was refused."  # the agent ran to the end
    telemetry.handle.force_flush()
    assert telemetry.value(c.INTERNAL_ERRORS.name, component=audit.COMPONENT) == 2.0
