"""Issue 23 items 4 and 5, end to end: a real ADK Runner (scripted model) and the context managers
export their turn spans over OTLP/gRPC to a real gRPC TraceService, with `session.id`, a
pseudonymised `user.id`, the turn's index and the GenAI attributes; an OTLP/HTTP metrics receiver
gets ADK's `gen_ai.client.token.usage` and the catalogue's counters; and the raw user id is in
nothing that left the process (spans, metrics over OTLP, /metrics, the JSON logs)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from adk_helpers import get_weather
from google.adk.agents import LlmAgent
from google.adk.apps import App
from google.adk.runners import InMemoryRunner
from google.genai import types
from prometheus_client import CollectorRegistry
from tests.otlp_receivers import Received, attributes, grpc_receiver, http_metrics_receiver

import adk_observe
from adk_observe import agent_turn, llm_call, tool_call
from adk_observe import conventions as c
from adk_observe.adk import ObservabilityPlugin
from adk_observe.testing import Answer, ScriptedModel, ToolCall

RAW = "alice.ohara@example.com"  # the user id that must never leave the process
KEY = "test-pseudonym-key-0123456789abcdef"
AGENT = "shop_assistant"
SCRIPT = (ToolCall("get_weather", {"city": "Oslo"}, input_tokens=100, output_tokens=10,
                   cached_tokens=40, reasoning_tokens=5),
          Answer("Sunny.", input_tokens=200, output_tokens=20))


def pseudonym(user_id: str) -> str:
    """The documented pseudonym: HMAC-SHA256 under the key, the first 16 bytes in hex."""
    return hmac.new(KEY.encode(), user_id.encode(), hashlib.sha256).hexdigest()[:32]


@pytest.fixture
def exported(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Received, Received, io.StringIO]]:
    """init() from the standard variables: traces over gRPC, metrics over OTLP/HTTP."""
    with grpc_receiver() as traces, http_metrics_receiver() as metrics:
        for name, value in {
            "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": traces.url,
            "OTEL_METRICS_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "http/protobuf",
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": metrics.url + "/v1/metrics",
            "OTEL_TRACES_SAMPLER": "always_on",
            c.USER_ID_KEY_ENV: KEY,
        }.items():
            monkeypatch.setenv(name, value)
        logs = io.StringIO()
        adk_observe.init("support-agent", registry=CollectorRegistry(), metrics_port=0,
                         log_output=logs, logger_levels=(("adk_observe", "DEBUG"),
                                                         ("google_adk", "DEBUG")))
        yield traces, metrics, logs


def _adk_turns(turns: int) -> str:
    async def scenario() -> str:
        agent = LlmAgent(name=AGENT, model=ScriptedModel(SCRIPT), tools=[get_weather])
        runner = InMemoryRunner(app=App(name="shop", root_agent=agent,
                                        plugins=[ObservabilityPlugin()]))
        session = await runner.session_service.create_session(app_name="shop", user_id=RAW)
        message = types.Content(role="user", parts=[types.Part(text="weather?")])
        for _ in range(turns):
            async for _ in runner.run_async(user_id=RAW, session_id=session.id,
                                            new_message=message):
                pass
        return session.id

    return asyncio.run(scenario())


def _flush_and_scrape() -> str:
    handle = adk_observe.current()
    assert handle is not None and handle.force_flush()
    with urllib.request.urlopen(f"http://127.0.0.1:{handle.port}/metrics", timeout=10) as r:
        return str(r.read().decode())


def _by_name(received: Received) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for span in received.spans():
        out.setdefault(span.name, []).append(attributes(span.attributes))
    return out


def _turn_lines(logs: io.StringIO) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in logs.getvalue().splitlines() if line]
    return [line for line in lines if line["message"] == c.LOG_MESSAGE_AGENT_TURN]


def _nowhere(value: str, traces: Received, metrics: Received, logs: io.StringIO,
             scrape: str) -> None:
    for where, blob in (("spans", traces.everything()), ("OTLP metrics", metrics.everything()),
                        ("logs", logs.getvalue().encode()), ("/metrics", scrape.encode())):
        assert value.encode() not in blob, f"{value!r} left the process in the {where}"


def test_a_real_adk_runner_exports_sessions_and_genai_attributes_over_grpc(
    exported: tuple[Received, Received, io.StringIO],
) -> None:
    traces, metrics, logs = exported
    session_id = _adk_turns(2)
    scrape = _flush_and_scrape()

    spans = _by_name(traces)
    runs = spans[f"invoke_workflow {AGENT}"]  # ADK's root span of each run: the turn's span
    assert [(r[c.SESSION_ID], r[c.USER_ID], r[c.SPAN_ATTR_TURN_INDEX]) for r in runs] == [
        (session_id, pseudonym(RAW), 0), (session_id, pseudonym(RAW), 1)]
    assert {r[c.GEN_AI_CONVERSATION_ID] for r in runs} == {session_id}
    models = spans["generate_content scripted-model"]  # ADK's, enriched, never duplicated
    assert len(models) == 4 and "chat scripted-model" not in spans
    first = models[0]
    assert (first[c.GEN_AI_OPERATION_NAME], first[c.GEN_AI_REQUEST_MODEL]) == (
        "generate_content", "scripted-model")
    assert first[c.GEN_AI_PROVIDER_NAME]
    assert (first[c.GEN_AI_USAGE_INPUT_TOKENS], first[c.GEN_AI_USAGE_OUTPUT_TOKENS],
            first[c.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS],
            first[c.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]) == (100, 15, 40, 5)
    (tool, _) = spans["execute_tool get_weather"]
    assert (tool[c.GEN_AI_OPERATION_NAME], tool[c.GEN_AI_TOOL_NAME]) == (
        "execute_tool", "get_weather")
    assert {a[c.GEN_AI_AGENT_NAME] for a in spans[f"invoke_agent {AGENT}"]} == {AGENT}

    lines = _turn_lines(logs)
    assert [(ln[c.SESSION_ID], ln[c.USER_ID], ln[c.SPAN_ATTR_TURN_INDEX]) for ln in lines] == [
        (session_id, pseudonym(RAW), 0), (session_id, pseudonym(RAW), 1)]

    points = metrics.metric_points()
    usage = points[c.OTEL_GEN_AI_TOKEN_USAGE]  # ADK's histogram, under its OpenTelemetry name
    by_type = {a[c.GEN_AI_TOKEN_TYPE]: p.sum for a, p in usage}
    assert by_type == {"input": 600, "output": 70}  # 2 turns x (100 + 200) in, (10 + 5 + 20) out
    (requests,) = points["adk_agent_requests"]  # the catalogue's counter, without _total
    assert requests[0] == {"agent_id": AGENT, "method": "turn", "endpoint": "agent",
                           "status_code": "200"}
    assert requests[1].as_double == 2.0 and requests[1].start_time_unix_nano > 0
    tokens = {a["token_type"]: p.as_double for a, p in points["adk_agent_llm_tokens"]}
    assert tokens == {"input": 600.0, "output": 60.0, "cached": 80.0, "reasoning": 10.0}
    assert {m["path"] for m in metrics.metadata} == {"/v1/metrics"}

    for value in (RAW, pseudonym(RAW), session_id, KEY):
        assert value not in scrape
    _nowhere(RAW, traces, metrics, logs, scrape)
    _nowhere(KEY, traces, metrics, logs, scrape)


def test_the_context_managers_export_the_same_over_grpc(
    exported: tuple[Received, Received, io.StringIO],
) -> None:
    traces, metrics, logs = exported
    for _ in range(2):
        with agent_turn("billing", session_id="s-42", user_id=RAW, provider="openai"):
            with llm_call("gpt-4o", provider="openai") as call:
                call.record_usage(100, 20, cached_tokens=30, reasoning_tokens=7)
            with tool_call("lookup_invoice"):
                pass
    scrape = _flush_and_scrape()

    spans = {s.name: s for s in traces.spans()}
    assert set(spans) == {"invoke_agent billing", "chat gpt-4o", "execute_tool lookup_invoice"}
    turn = attributes(spans["invoke_agent billing"].attributes)
    assert turn == {
        c.GEN_AI_OPERATION_NAME: "invoke_agent", c.GEN_AI_AGENT_NAME: "billing",
        c.GEN_AI_PROVIDER_NAME: "openai", c.GEN_AI_CONVERSATION_ID: "s-42",
        c.SESSION_ID: "s-42", c.USER_ID: pseudonym(RAW), c.SPAN_ATTR_TURN_INDEX: 1,
        c.SPAN_ATTR_COST: turn[c.SPAN_ATTR_COST], "http.response.status_code": 200}
    chat = spans["chat gpt-4o"]
    assert chat.kind == chat.SPAN_KIND_CLIENT
    assert {k: v for k, v in attributes(chat.attributes).items() if k.startswith("gen_ai.")} == {
        c.GEN_AI_OPERATION_NAME: "chat", c.GEN_AI_REQUEST_MODEL: "gpt-4o",
        c.GEN_AI_PROVIDER_NAME: "openai", c.GEN_AI_USAGE_INPUT_TOKENS: 100,
        c.GEN_AI_USAGE_OUTPUT_TOKENS: 27, c.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: 30,
        c.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: 7}
    tool = attributes(spans["execute_tool lookup_invoice"].attributes)
    assert (tool[c.GEN_AI_OPERATION_NAME], tool[c.GEN_AI_TOOL_NAME]) == (
        "execute_tool", "lookup_invoice")
    assert [ln[c.SPAN_ATTR_TURN_INDEX] for ln in _turn_lines(logs)] == [0, 1]
    (requests,) = metrics.metric_points()["adk_agent_requests"]
    assert requests[1].as_double == 2.0
    _nowhere(RAW, traces, metrics, logs, scrape)
