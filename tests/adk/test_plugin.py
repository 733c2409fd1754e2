"""The plugin on a real ADK Runner: exact metrics, the span tree and correlated JSON logs."""

from __future__ import annotations

import asyncio
import contextlib
from types import SimpleNamespace

import pytest
from adk_helpers import APP, USER, build_runner, final_text, new_session, run_turn
from adk_support import Telemetry
from pytest import approx
from tests.telemetry_support import make_telemetry

from adk_observe import conventions as c
from adk_observe.adk import ObservabilityPlugin
from adk_observe.adk.introspect import session_size
from adk_observe.instrument.otel_metrics import prometheus_name
from adk_observe.testing import Answer, Fail, ToolCall

AGENT = "shop_assistant"
SERVER = "mcp_server"  # the stdio server's script name
MODEL = "scripted-model"

SCRIPT = (
    ToolCall("get_weather", {"city": "Paris"}, input_tokens=100, output_tokens=10),
    ToolCall("lookup_stock", {"sku": "A1"}, input_tokens=200, output_tokens=20),
    ToolCall("reserve_stock", {"sku": "A1"}, input_tokens=300, output_tokens=30),
    Answer("Sunny, 7 in stock, could not reserve.", input_tokens=400, output_tokens=40),
)


def _run_mcp_turn(telemetry: Telemetry, mcp_command: tuple[str, list[str]]) -> str:
    async def scenario() -> str:
        runner, _, toolset = build_runner(SCRIPT, [ObservabilityPlugin()], mcp=mcp_command)
        try:
            session_id = await new_session(runner)
            events = await run_turn(runner, session_id)
            session = await runner.session_service.get_session(
                app_name=APP, user_id=USER, session_id=session_id)
            assert session is not None
            assert telemetry.value(c.MEMORY_USAGE.name, agent_id=AGENT,
                                   memory_type="session") == session_size(session)
            return final_text(events)
        finally:
            assert toolset is not None
            await toolset.close()

    return asyncio.run(scenario())


def test_a_turn_with_a_function_tool_and_mcp_tools_records_the_exact_catalogue(
    telemetry: Telemetry, mcp_command: tuple[str, list[str]]
) -> None:
    assert _run_mcp_turn(telemetry, mcp_command) == "Sunny, 7 in stock, could not reserve."
    v = telemetry.value
    assert v(c.REQUESTS.name, agent_id=AGENT, method="turn", endpoint="agent",
             status_code=c.STATUS_CODE_OK) == 1.0
    assert v(c.REQUEST_DURATION.name + "_count", agent_id=AGENT, method="turn",
             endpoint="agent") == 1.0
    assert v(c.ACTIVE_CONVERSATIONS.name, agent_id=AGENT) == 0.0
    assert v(c.SUCCESSFUL_INTERACTIONS.name, agent_id=AGENT, interaction_type="agent_turn") == 1.0
    assert v(c.LLM_CALLS.name, agent_id=AGENT, model=MODEL, status="ok") == 4.0
    assert v(c.LLM_CALL_DURATION.name + "_count", agent_id=AGENT, model=MODEL, status="ok") == 4.0
    assert v(c.LLM_TOKENS.name, agent_id=AGENT, model=MODEL, token_type="input") == 1000.0
    assert v(c.LLM_TOKENS.name, agent_id=AGENT, model=MODEL, token_type="output") == 100.0
    # Function tools and MCP tools are all tool calls; MCP ones are also MCP calls.
    assert v(c.TOOL_CALLS.name, agent_id=AGENT, tool="get_weather", status="ok") == 1.0
    assert v(c.TOOL_CALLS.name, agent_id=AGENT, tool="lookup_stock", status="ok") == 1.0
    assert v(c.TOOL_CALLS.name, agent_id=AGENT, tool="reserve_stock", status="error") == 1.0
    assert v(c.MCP_CALLS.name, agent_id=AGENT, mcp_server=SERVER, method="lookup_stock",
             status="ok") == 1.0
    assert v(c.MCP_CALLS.name, agent_id=AGENT, mcp_server=SERVER, method="reserve_stock",
             status="error") == 1.0
    assert v(c.MCP_CALLS.name, agent_id=AGENT, mcp_server=SERVER, method="get_weather",
             status="ok") is None
    assert v(c.MCP_CALL_DURATION.name + "_count", agent_id=AGENT, mcp_server=SERVER,
             method="lookup_stock") == 1.0
    # 1000 input tokens at 1.0/M + 100 output tokens at 2.0/M
    cost = (1000 * 1.0 + 100 * 2.0) / 1e6  # tokens x price per million
    assert v(c.COST_TOTAL.name, agent_id=AGENT, model=MODEL, cost_center="default") == approx(cost)
    assert v(c.COST_PER_INTERACTION.name, agent_id=AGENT, cost_center="default") == approx(cost)
    assert v(c.INTERNAL_ERRORS.name, component="adk_plugin") is None

    spans = {s.name: s for s in telemetry.spans()}
    mcp_span = spans["execute_tool lookup_stock"]
    assert mcp_span.attributes is not None
    assert mcp_span.attributes["adk_observe.mcp.server"] == SERVER
    assert mcp_span.attributes["mcp.method.name"] == "tools/call"
    assert "adk_observe.mcp.server" not in (spans["execute_tool get_weather"].attributes or {})


def test_the_span_tree_is_adks_own_enriched_with_status_and_cost(telemetry: Telemetry) -> None:
    script = (ToolCall("get_weather", {"city": "Oslo"}, input_tokens=7, output_tokens=3),
              Answer("Sunny.", input_tokens=11, output_tokens=5))

    async def scenario() -> None:
        runner, _, _ = build_runner(script, [ObservabilityPlugin()])
        await run_turn(runner, await new_session(runner))

    asyncio.run(scenario())
    spans = telemetry.spans()
    names = sorted(s.name for s in spans)
    assert names == sorted([
        f"invoke_workflow {AGENT}", f"invoke_agent {AGENT}", f"generate_content {MODEL}",
        f"generate_content {MODEL}", "execute_tool get_weather",
    ])
    by_id = {s.context.span_id: s for s in spans}
    assert len({s.context.trace_id for s in spans}) == 1
    root = next(s for s in spans if s.parent is None)
    assert root.name == f"invoke_workflow {AGENT}"
    assert root.attributes is not None
    assert root.attributes["http.response.status_code"] == 200
    assert root.attributes["adk_observe.cost"] == approx((18 * 1.0 + 8 * 2.0) / 1e6)
    agent_span = next(s for s in spans if s.name.startswith("invoke_agent"))
    assert agent_span.parent is not None and agent_span.parent.span_id == root.context.span_id
    for span in spans:
        if span.name.startswith(("generate_content", "execute_tool")):
            assert span.parent is not None
            assert by_id[span.parent.span_id] is agent_span
    llm = [s for s in spans if s.name.startswith("generate_content")]
    assert all((s.attributes or {})["gen_ai.request.model"] == MODEL for s in llm)
    tool = next(s for s in spans if s.name == "execute_tool get_weather")
    assert (tool.attributes or {})["gen_ai.tool.name"] == "get_weather"


def test_json_log_lines_carry_the_trace_id_of_the_spans(telemetry: Telemetry) -> None:
    async def scenario() -> None:
        runner, _, _ = build_runner((ToolCall("get_weather", {"city": "Rome"}), Answer("Ok.")),
                                    [ObservabilityPlugin()])
        await run_turn(runner, await new_session(runner))

    asyncio.run(scenario())
    trace_id = format(telemetry.spans()[0].context.trace_id, "032x")
    ours = [line for line in telemetry.log_lines() if line["logger"] == "adk_observe.agent"]
    assert [line["message"] for line in ours] == ["llm call", "tool call", "llm call",
                                                  "agent turn"]
    assert {line["trace_id"] for line in ours} == {trace_id}
    turn = ours[-1]
    assert turn["status_code"] == "200" and turn["agent_id"] == AGENT
    assert turn["service"] == "support-agent" and turn["level"] == "INFO"
    assert all(len(line["span_id"]) == 16 for line in ours)


def test_a_failing_model_call_is_a_500_turn_and_an_llm_error(telemetry: Telemetry) -> None:
    async def scenario() -> None:
        runner, _, _ = build_runner((Fail("quota exceeded"),), [ObservabilityPlugin()])
        session = await new_session(runner)
        try:
            await run_turn(runner, session)
        except Exception as exc:  # ADK re-raises the model's error
            assert "quota exceeded" in str(exc)
        else:
            raise AssertionError("the scripted failure did not surface")

    asyncio.run(scenario())
    v = telemetry.value
    assert v(c.REQUESTS.name, agent_id=AGENT, method="turn", endpoint="agent",
             status_code=c.STATUS_CODE_ERROR) == 1.0
    assert v(c.REQUESTS.name, agent_id=AGENT, method="turn", endpoint="agent",
             status_code=c.STATUS_CODE_OK) is None
    assert v(c.LLM_CALLS.name, agent_id=AGENT, model=MODEL, status="error") == 1.0
    assert v(c.ACTIVE_CONVERSATIONS.name, agent_id=AGENT) == 0.0
    assert v(c.SUCCESSFUL_INTERACTIONS.name, agent_id=AGENT, interaction_type="agent_turn") is None
    failed = [line for line in telemetry.log_lines() if line["message"] == "agent turn failed"]
    assert len(failed) == 1 and failed[0]["error.type"] == "ScriptedModelError"


def test_streaming_partials_are_not_counted_twice(telemetry: Telemetry) -> None:
    script = (Answer("one two three four", input_tokens=40, output_tokens=8, chunks=4),)

    async def scenario() -> str:
        runner, _, _ = build_runner(script, [ObservabilityPlugin()])
        events = await run_turn(runner, await new_session(runner), streaming=True)
        assert sum(1 for e in events if e.partial) == 4
        return final_text(events)

    assert asyncio.run(scenario()) == "one two three four"
    v = telemetry.value
    assert v(c.LLM_CALLS.name, agent_id=AGENT, model=MODEL, status="ok") == 1.0
    assert v(c.LLM_TOKENS.name, agent_id=AGENT, model=MODEL, token_type="input") == 40.0
    assert v(c.LLM_TOKENS.name, agent_id=AGENT, model=MODEL, token_type="output") == 8.0


def test_fifty_concurrent_turns_give_exact_counts(telemetry: Telemetry) -> None:
    script = (ToolCall("get_weather", {"city": "Lima"}, input_tokens=3, output_tokens=2),
              Answer("Done.", input_tokens=5, output_tokens=1))
    turns = 50

    async def scenario() -> list[str]:
        runner, model, _ = build_runner(script, [ObservabilityPlugin()])
        model.set_faults(fail_next=0)
        sessions = [await new_session(runner) for _ in range(turns)]
        results = await asyncio.gather(*(run_turn(runner, s) for s in sessions))
        return [final_text(r) for r in results]

    assert asyncio.run(scenario()) == ["Done."] * turns
    v = telemetry.value
    assert v(c.REQUESTS.name, agent_id=AGENT, method="turn", endpoint="agent",
             status_code="200") == turns
    assert v(c.REQUEST_DURATION.name + "_count", agent_id=AGENT, method="turn",
             endpoint="agent") == turns
    assert v(c.LLM_CALLS.name, agent_id=AGENT, model=MODEL, status="ok") == 2 * turns
    assert v(c.TOOL_CALLS.name, agent_id=AGENT, tool="get_weather", status="ok") == turns
    assert v(c.LLM_TOKENS.name, agent_id=AGENT, model=MODEL, token_type="input") == 8 * turns
    assert v(c.LLM_TOKENS.name, agent_id=AGENT, model=MODEL, token_type="output") == 3 * turns
    assert v(c.ACTIVE_CONVERSATIONS.name, agent_id=AGENT) == 0.0
    assert v(c.SUCCESSFUL_INTERACTIONS.name, agent_id=AGENT, interaction_type="agent_turn") == turns


def test_feedback_fills_the_rating_histogram_and_the_score_gauge(telemetry: Telemetry) -> None:
    plugin = ObservabilityPlugin(agent_id=AGENT)
    for rating in (5.0, 4.5, 2.0):
        plugin.record_feedback(rating)
    v = telemetry.value
    assert v(c.SATISFACTION_RATING.name + "_count", agent_id=AGENT) == 3.0
    assert v(c.SATISFACTION_RATING.name + "_bucket", agent_id=AGENT, le="4.0") == 1.0
    assert v(c.SATISFACTION_RATING.name + "_bucket", agent_id=AGENT, le="4.5") == 2.0
    assert v(c.SATISFACTION_RATING.name + "_sum", agent_id=AGENT) == 11.5
    assert v(c.SATISFACTION_SCORE.name, agent_id=AGENT) == 2.0


def test_adks_gen_ai_metrics_are_exposed_with_llm_and_token_buckets(telemetry: Telemetry) -> None:
    script = (Answer("Hi.", input_tokens=30, output_tokens=6),)

    async def scenario() -> None:
        runner, _, _ = build_runner(script, [ObservabilityPlugin()])
        await run_turn(runner, await new_session(runner))

    asyncio.run(scenario())
    families = {m.name: m for m in telemetry.registry.collect()}
    duration = families[c.ADK_LLM_OPERATION_DURATION]
    bounds = sorted({float(s.labels["le"]) for s in duration.samples if s.name.endswith("_bucket")})
    assert bounds == [*c.LLM_DURATION_BUCKETS, float("inf")]
    tokens = families[c.ADK_TOKEN_USAGE]
    sums = {s.labels["gen_ai_token_type"]: s.value for s in tokens.samples
            if s.name.endswith("_sum")}
    assert sums == {"input": 30.0, "output": 6.0}
    token_bounds = sorted({float(s.labels["le"]) for s in tokens.samples
                           if s.name.endswith("_bucket")})
    assert token_bounds[:4] == [1.0, 4.0, 16.0, 64.0] and token_bounds[-1] == float("inf")


def test_every_adk_otel_series_of_the_conventions_is_exposed(telemetry: Telemetry) -> None:
    script = (ToolCall("get_weather", {"city": "Oslo"}), Answer("Cold."))

    async def scenario() -> None:
        runner, _, _ = build_runner(script, [ObservabilityPlugin()])
        await run_turn(runner, await new_session(runner))

    asyncio.run(scenario())
    exposed = {m.name for m in telemetry.registry.collect()}
    assert set(c.ADK_OTEL_SERIES) <= exposed
    assert prometheus_name(c.OTEL_GEN_AI_OPERATION_DURATION, "s") == c.ADK_LLM_OPERATION_DURATION
    assert prometheus_name(c.OTEL_GEN_AI_TOKEN_USAGE, "{token}") == c.ADK_TOKEN_USAGE


def test_a_cancelled_run_is_no_longer_active_and_not_counted(telemetry: Telemetry) -> None:
    async def scenario() -> None:
        runner, model, _ = build_runner((Answer("late"),), [ObservabilityPlugin()])
        session = await new_session(runner)
        model.set_faults(delay=30.0)
        task = asyncio.create_task(run_turn(runner, session))
        while model.calls == 0:
            await asyncio.sleep(0.01)
        assert telemetry.value(c.ACTIVE_CONVERSATIONS.name, agent_id=AGENT) == 1.0
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert telemetry.value(c.ACTIVE_CONVERSATIONS.name, agent_id=AGENT) == 0.0
    for code in ("200", "500"):
        assert telemetry.value(c.REQUESTS.name, agent_id=AGENT, method="turn",
                               endpoint="agent", status_code=code) is None


def test_a_raising_function_tool_is_a_tool_error_and_a_failed_turn(telemetry: Telemetry) -> None:
    async def scenario() -> None:
        runner, _, _ = build_runner((ToolCall("charge_card", {"amount": 5}), Answer("never")),
                                    [ObservabilityPlugin()])
        with pytest.raises(ValueError, match="card declined"):
            await run_turn(runner, await new_session(runner))

    asyncio.run(scenario())
    v = telemetry.value
    assert v(c.TOOL_CALLS.name, agent_id=AGENT, tool="charge_card", status="error") == 1.0
    assert v(c.TOOL_CALLS.name, agent_id=AGENT, tool="charge_card", status="ok") is None
    assert v(c.REQUESTS.name, agent_id=AGENT, method="turn", endpoint="agent",
             status_code="500") == 1.0
    tool_lines = [line for line in telemetry.log_lines() if line["message"] == "tool call"]
    assert [line["error.type"] for line in tool_lines] == ["ValueError"]


def test_one_plugin_across_two_inits_labels_each_with_its_own_agent_id() -> None:
    """The plugin remembers an agent name's label value per `init()`: a second `init()` with
    another `agent_id` option (or none) labels the next run by its own options."""
    plugin = ObservabilityPlugin()
    runner, _, _ = build_runner([Answer("a"), Answer("b"), Answer("c")], [plugin])
    seen = []
    for options in ({"agent_id": "first"}, {"agent_id": "second"}, {}):
        telemetry = make_telemetry("svc", **options)
        asyncio.run(run_turn(runner, asyncio.run(new_session(runner))))
        v = telemetry.registry.get_sample_value
        seen.append([
            name for name in ("first", "second", AGENT)
            if v(c.REQUESTS.name, {"agent_id": name, "method": "turn", "endpoint": "agent",
                                   "status_code": "200"})
        ])
        telemetry.handle.shutdown()
    assert seen == [["first"], ["second"], [AGENT]]


def test_a_run_failing_with_a_nameless_exception_class_is_a_failed_turn(
    telemetry: Telemetry,
) -> None:
    """Whether a turn failed is what ADK's hook said, not read back from the error's class name
    (a class made by `type("", ...)` has none)."""
    plugin = ObservabilityPlugin()
    run = SimpleNamespace(invocation_id="i1", agent=SimpleNamespace(name=AGENT), session=None)
    plugin._guard(plugin._before_run, run)
    plugin._guard(plugin._finish_run, run, type("", (Exception,), {})())
    labels = {"agent_id": AGENT, "method": "turn", "endpoint": "agent"}
    assert telemetry.value(c.REQUESTS.name, **labels, status_code="500") == 1.0
    assert telemetry.value(c.REQUESTS.name, **labels, status_code="200") is None
