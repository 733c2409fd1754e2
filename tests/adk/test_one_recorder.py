"""The plain API and the ADK plugin record the same events the same way: one recorder behind both
(instrument/events.py). The same turns, driven through each front end, give the same metrics, the
same log lines and the same turn-span attributes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from adk_helpers import USER, build_runner, new_session, run_turn
from adk_support import mcp_command
from tests.telemetry_support import make_telemetry

from adk_observe import agent_turn, llm_call, mcp_call, tool_call
from adk_observe import conventions as c
from adk_observe.adk import ObservabilityPlugin
from adk_observe.instrument import runtime
from adk_observe.testing import Answer, Fail, ScriptedModelError, ToolCall

AGENT = "shop_assistant"
MODEL = "scripted-model"
PRICES = {MODEL: [1.0, 2.0, 0.5, 3.0]}
GOOD = (ToolCall("get_weather", {"city": "Oslo"}, input_tokens=100, output_tokens=10,
                 cached_tokens=40, reasoning_tokens=5),
        Answer("Sunny.", input_tokens=200, output_tokens=20))
BAD = (Fail("boom"),)
MCP = (ToolCall("reserve_stock", {"sku": "A1"}, input_tokens=30, output_tokens=3),
       Answer("Could not reserve.", input_tokens=60, output_tokens=6))
SERVER = "mcp_server"  # the stdio server's script name
# Per-event values that differ between any two runs, whatever records them.
VOLATILE_FIELDS = {"time", "trace_id", "span_id", "duration_ms", "invocation_id", "thread",
                   "thread_name", "logger", c.SESSION_ID}
KEY = "k" * 32  # the pseudonym key: the same user gets the same user.id from both front ends
TIMED_FIELDS = {c.FIELD_SECONDS, c.FIELD_FIRST_TOKEN}  # event fields measured by a clock


def timed(metric: c.MetricDef) -> bool:
    """Recorded from a measured duration (whatever its name or type): its values differ between
    any two runs; a histogram's count does not."""
    return any(capture.value in TIMED_FIELDS for capture in metric.captures)




def _observe(drive: Callable[[], None]) -> tuple[dict[tuple[Any, ...], float], list[Any],
                                                 list[dict[str, Any]]]:
    telemetry = make_telemetry("support-agent", prices=PRICES, user_id_key=KEY,
                               logger_levels=(("adk_observe", "DEBUG"),))
    registry, exporter, logs, handle = (telemetry.registry, telemetry.exporter, telemetry.logs,
                                        telemetry.handle)
    try:
        drive()
        handle.force_flush()
        samples = {}
        for family in registry.collect():
            for s in family.samples:
                metric = c.metric_by_name(s.name)
                if metric is None or metric is c.MEMORY_USAGE:
                    continue  # ADK's own gen_ai metrics; memory is measured, not an event
                if timed(metric) and not s.name.endswith("_count"):
                    continue  # durations differ between any two runs
                samples[(s.name, tuple(sorted(s.labels.items())))] = round(s.value, 12)
        lines = [json.loads(line) for line in logs.getvalue().splitlines() if line]
        own = [{k: v for k, v in line.items() if k not in VOLATILE_FIELDS} for line in lines
               if line.get("logger", "").startswith("adk_observe")]
        return samples, own, list(exporter.get_finished_spans())
    finally:
        handle.shutdown()
        runtime.reset()


def _adk(script: tuple[Any, ...]) -> None:
    async def scenario() -> None:
        mcp = mcp_command() if script is MCP else None
        runner, _, toolset = build_runner(script, [ObservabilityPlugin()], mcp=mcp)
        session = await new_session(runner)
        try:
            await run_turn(runner, session)
        except ScriptedModelError:
            pass
        finally:
            if toolset is not None:
                await toolset.close()

    asyncio.run(scenario())


def _plain_good() -> None:
    with agent_turn(AGENT, session_id="s-1", user_id=USER):
        with llm_call(MODEL) as call:
            call.record_usage(100, 10, cached_tokens=40, reasoning_tokens=5)
        with tool_call("get_weather"):
            pass
        with llm_call(MODEL) as call:
            call.record_usage(200, 20)


def _plain_mcp() -> None:
    with agent_turn(AGENT, session_id="s-1", user_id=USER):
        with llm_call(MODEL) as call:
            call.record_usage(30, 3)
        with mcp_call(SERVER, "reserve_stock") as mcp:  # the test server refuses: isError
            mcp.record_result({"content": [{"type": "text", "text": "no"}], "isError": True})
        with llm_call(MODEL) as call:
            call.record_usage(60, 6)


def _plain_bad() -> None:
    with (pytest.raises(ScriptedModelError),
          agent_turn(AGENT, session_id="s-1", user_id=USER), llm_call(MODEL)):
        raise ScriptedModelError("boom")


def _turn_span(spans: list[Any]) -> dict[str, Any]:
    """The turn's span is the trace's root: ours, or ADK's invoke_workflow span."""
    (span,) = [s for s in spans if s.parent is None]
    attrs = dict(span.attributes or {})
    keys = ("http.response.status_code", c.SPAN_ATTR_COST, c.USER_ID, c.SPAN_ATTR_TURN_INDEX)
    assert attrs[c.SESSION_ID]  # the Runner's session id, or the one agent_turn was given
    return {"status": span.status.status_code.name, **{k: attrs.get(k) for k in keys}}


@pytest.mark.parametrize(("script", "plain"),
                         [(GOOD, _plain_good), (MCP, _plain_mcp), (BAD, _plain_bad)],
                         ids=["a turn with two model calls and a tool call",
                              "a turn whose MCP tool reports an error", "a failed turn"])
def test_both_front_ends_record_the_same_event_the_same_way(
    script: tuple[Any, ...], plain: Callable[[], None]
) -> None:
    adk_samples, adk_logs, adk_spans = _observe(lambda: _adk(script))
    plain_samples, plain_logs, plain_spans = _observe(plain)
    assert plain_samples == adk_samples
    assert plain_logs == adk_logs
    assert _turn_span(plain_spans) == _turn_span(adk_spans)
    # and they are what the events mean, not merely equal
    requests = [v for (name, labels), v in adk_samples.items() if name == c.REQUESTS.name]
    assert requests == [1.0]
    messages = [(line["level"], line["message"]) for line in adk_logs]
    if script is MCP:
        assert adk_logs[1]["mcp_server"] == SERVER and adk_logs[1]["error.type"] == "MCP_TOOL_ERROR"
    elif script is GOOD:
        assert messages == [("DEBUG", "llm call"), ("DEBUG", "tool call"), ("DEBUG", "llm call"),
                            ("INFO", "agent turn")]
    else:
        assert messages == [("DEBUG", "llm call"), ("WARNING", "agent turn failed")]
        assert adk_logs[-1]["error.type"] == "ScriptedModelError"


def test_a_metric_recorded_from_a_duration_is_timed_whatever_its_name() -> None:
    # A metric added by its catalogue declaration alone (docs/architecture.md) must not make this
    # comparison fail on clock noise: timing is read from what it records, not from its name.
    seconds_spent = c.MetricDef(
        "adk_agent_llm_seconds_total",
        c.MetricType.COUNTER,
        "Seconds spent in LLM calls (test only).",
        (c.LABEL_AGENT_ID, c.LABEL_MODEL),
        captures=(c.Capture(c.EVENT_LLM_CALL, c.FIELD_SECONDS),),
    )
    assert timed(seconds_spent)
    assert not timed(c.LLM_CALLS)
    assert {d.name for d in c.CATALOGUE if timed(d)} == {
        d.name for d in c.CATALOGUE if d.type is c.MetricType.HISTOGRAM and "seconds" in d.name
    }
