"""Context managers and decorators for agents without ADK: metrics, spans and logs."""

from __future__ import annotations

import asyncio

import pytest
from instrument_support import Telemetry
from pytest import approx

import adk_observe
from adk_observe import agent_turn, llm_call, mcp_call, tool_call
from adk_observe import conventions as c

AGENT = "billing-agent"


def test_a_turn_with_an_llm_call_a_tool_and_an_mcp_call(telemetry: Telemetry) -> None:
    with agent_turn() as turn:
        with llm_call("gpt-test") as call:
            call.record_usage(input_tokens=1000, output_tokens=250)
        with tool_call("lookup_invoice"):
            pass
        with mcp_call("erp", "create_refund") as mcp:
            mcp.record_result({"content": [], "isError": False})
        with mcp_call("erp", "void_invoice") as mcp:
            mcp.record_result({"content": [{"type": "text", "text": "denied"}], "isError": True})
    assert turn.ok
    v = telemetry.value
    assert v(c.REQUESTS.name, agent_id=AGENT, method="turn", endpoint="agent",
             status_code="200") == 1.0
    assert v(c.ACTIVE_CONVERSATIONS.name, agent_id=AGENT) == 0.0
    assert v(c.LLM_CALLS.name, agent_id=AGENT, model="gpt-test", status="ok") == 1.0
    assert v(c.LLM_TOKENS.name, agent_id=AGENT, model="gpt-test", token_type="input") == 1000.0
    assert v(c.LLM_TOKENS.name, agent_id=AGENT, model="gpt-test", token_type="output") == 250.0
    cost = (1000 * 2.0 + 250 * 8.0) / 1e6
    assert v(c.COST_TOTAL.name, agent_id=AGENT, model="gpt-test", cost_center="default") == approx(
        cost)
    assert v(c.COST_PER_INTERACTION.name, agent_id=AGENT, cost_center="default") == approx(cost)
    assert v(c.TOOL_CALLS.name, agent_id=AGENT, tool="lookup_invoice", status="ok") == 1.0
    assert v(c.MCP_CALLS.name, agent_id=AGENT, mcp_server="erp", method="create_refund",
             status="ok") == 1.0
    assert v(c.MCP_CALLS.name, agent_id=AGENT, mcp_server="erp", method="void_invoice",
             status="error") == 1.0
    assert v(c.SUCCESSFUL_INTERACTIONS.name, agent_id=AGENT, interaction_type="agent_turn") == 1.0

    spans = {s.name: s for s in telemetry.spans()}
    # span names as the GenAI conventions give them: `{operation} {subject}`
    assert set(spans) == {f"invoke_agent {AGENT}", "chat gpt-test", "execute_tool lookup_invoice",
                          "execute_tool create_refund", "execute_tool void_invoice"}
    root = spans[f"invoke_agent {AGENT}"]
    for name in ("chat gpt-test", "execute_tool lookup_invoice"):
        parent = spans[name].parent
        assert parent is not None and parent.span_id == root.context.span_id
    llm = spans["chat gpt-test"].attributes or {}
    assert llm["gen_ai.request.model"] == "gpt-test"
    assert llm["gen_ai.usage.input_tokens"] == 1000
    assert llm["gen_ai.usage.output_tokens"] == 250
    assert (root.attributes or {})["http.response.status_code"] == 200
    assert (spans["execute_tool void_invoice"].attributes or {})["error.type"] == "MCP_TOOL_ERROR"

    trace_id = format(root.context.trace_id, "032x")
    lines = telemetry.log_lines()
    assert [line["message"] for line in lines] == [
        "llm call", "tool call", "tool call", "tool call", "agent turn"]
    assert {line["trace_id"] for line in lines} == {trace_id}


def test_an_exception_makes_a_500_turn_and_propagates(telemetry: Telemetry) -> None:
    with pytest.raises(TimeoutError), agent_turn("payments"), llm_call("gpt-test"):
        raise TimeoutError("upstream")
    v = telemetry.value
    assert v(c.REQUESTS.name, agent_id="payments", method="turn", endpoint="agent",
             status_code="500") == 1.0
    assert v(c.LLM_CALLS.name, agent_id="payments", model="gpt-test", status="error") == 1.0
    assert v(c.SUCCESSFUL_INTERACTIONS.name, agent_id="payments",
             interaction_type="agent_turn") is None
    assert v(c.ACTIVE_CONVERSATIONS.name, agent_id="payments") == 0.0
    span = next(s for s in telemetry.spans() if s.name == "chat gpt-test")
    assert (span.attributes or {})["error.type"] == "TimeoutError"


def test_fail_marks_a_call_failed_without_raising(telemetry: Telemetry) -> None:
    with agent_turn() as turn:
        with tool_call("search") as call:
            call.fail("empty_result")
        turn.set_status_code(429)
    v = telemetry.value
    assert v(c.TOOL_CALLS.name, agent_id=AGENT, tool="search", status="error") == 1.0
    assert v(c.REQUESTS.name, agent_id=AGENT, method="turn", endpoint="agent",
             status_code="429") == 1.0


def test_decorators_wrap_sync_and_async_functions(telemetry: Telemetry) -> None:
    @tool_call("add")
    def add(a: int, b: int) -> int:
        return a + b

    @agent_turn()
    async def handle(question: str) -> int:
        await asyncio.sleep(0)
        return add(1, 2) + add(3, 4)

    assert asyncio.run(handle("sum?")) == 10
    assert asyncio.run(handle("again")) == 10
    v = telemetry.value
    assert v(c.TOOL_CALLS.name, agent_id=AGENT, tool="add", status="ok") == 4.0
    assert v(c.REQUESTS.name, agent_id=AGENT, method="turn", endpoint="agent",
             status_code="200") == 2.0


def test_async_with_is_supported(telemetry: Telemetry) -> None:
    async def scenario() -> None:
        async with agent_turn(), llm_call("gpt-test") as call:
            call.record_usage(5, 1)

    asyncio.run(scenario())
    assert telemetry.value(c.LLM_TOKENS.name, agent_id=AGENT, model="gpt-test",
                           token_type="input") == 5.0


def test_everything_is_a_cheap_no_op_before_init() -> None:
    assert adk_observe.current() is None
    with agent_turn() as turn, llm_call("m") as call:
        call.record_usage(1, 1)
    assert turn.ok
    adk_observe.record_feedback(5.0)
    adk_observe.set_ready()


def test_feedback_outside_one_to_five_is_rejected(telemetry: Telemetry) -> None:
    with pytest.raises(ValueError, match="within"):
        adk_observe.record_feedback(6.0)
    adk_observe.record_feedback(4.0)
    assert telemetry.value(c.SATISFACTION_RATING.name + "_count", agent_id=AGENT) == 1.0
    assert telemetry.value(c.SATISFACTION_SCORE.name, agent_id=AGENT) == 4.0
