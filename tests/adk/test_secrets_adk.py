"""A real ADK Runner turn whose tool raises with secrets in its message leaks none of them.

ADK records the exception on its own spans (an `exception` event, and "<Type>: <message>" as the
status description of execute_tool / invoke_agent); the plugin logs the failed call and turn.
"""

from __future__ import annotations

import asyncio

import pytest
from adk_helpers import build_runner, new_session, run_turn
from adk_support import Telemetry

from adk_observe.adk import ObservabilityPlugin
from adk_observe.instrument.redaction import REDACTED
from adk_observe.testing import Answer, ToolCall
from secret_corpus import EVERYTHING, leaked


def leak_secret(query: str) -> dict[str, str]:
    """A tool that fails with every secret of the corpus in its message."""
    raise PermissionError(f"upstream refused {query}: {EVERYTHING}")


def test_a_tool_raising_with_secrets_leaks_nothing_to_spans_or_logs(
    telemetry: Telemetry,
) -> None:
    async def scenario() -> None:
        runner, _, _ = build_runner(
            (ToolCall("leak_secret", {"query": "balance"}), Answer("never")),
            [ObservabilityPlugin()], extra_tools=[leak_secret])
        with pytest.raises(PermissionError):
            await run_turn(runner, await new_session(runner))

    asyncio.run(scenario())
    spans = telemetry.spans()
    exception_events = [e for s in spans for e in s.events if e.name == "exception"]
    assert exception_events, "ADK recorded no exception event: the test would prove nothing"
    messages = [str((e.attributes or {}).get("exception.message")) for e in exception_events]
    assert all(REDACTED in m for m in messages)
    descriptions = [s.status.description for s in spans if s.status.description]
    assert any("PermissionError" in d for d in descriptions)
    assert leaked("\n".join(s.to_json() for s in spans)) == []
    telemetry.log_lines()  # flushes the recorder's queued lines
    assert leaked(telemetry.logs.getvalue()) == []
