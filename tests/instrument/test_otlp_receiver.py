"""Spans reach a real OTLP/HTTP receiver configured only through the standard OTEL_* variables:
the signal URL as is, the sampler, the headers, the service name and the resource attributes."""

from __future__ import annotations

from typing import Any

import pytest
from otlp_receiver import Received, attributes
from prometheus_client import CollectorRegistry

import adk_observe
from adk_observe import agent_turn, llm_call, tool_call


def _run_turn() -> None:
    with agent_turn("checkout"):
        with tool_call("lookup_cart"):
            pass
        with llm_call("gemini-2.0-flash") as call:
            call.record_usage(120, 30)


def test_spans_arrive_at_the_otel_traces_endpoint_with_sampler_resource_and_genai_attributes(
    receiver: Received, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        # A signal URL with a path no collector would pick: it must be used exactly as given.
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"{receiver.url}/tenant-a/v1/traces",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9/not-this-one",
        # Our default samples 10%: every span arriving proves the sampler came from here.
        "OTEL_TRACES_SAMPLER": "always_on",
        "OTEL_SERVICE_NAME": "checkout-agent",
        "OTEL_RESOURCE_ATTRIBUTES": "service.version=2.0.1,deployment.environment.name=staging,"
        "team=payments",
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "x-tenant=acme",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    handle = adk_observe.init(registry=CollectorRegistry(), metrics_port=-1, logging_enabled=False)
    for _ in range(5):
        _run_turn()
    assert handle.force_flush()

    assert set(receiver.paths) == {"/tenant-a/v1/traces"}
    assert {h.get("x-tenant") for h in receiver.headers} == {"acme"}
    assert {h["content-type"] for h in receiver.headers} == {"application/x-protobuf"}
    spans = receiver.spans()
    assert len(spans) == 15  # 5 turns x (turn, tool call, LLM call)
    resource = spans[0][0]
    assert resource["service.name"] == "checkout-agent"
    assert resource["service.version"] == "2.0.1"
    assert resource["deployment.environment.name"] == "staging"
    assert resource["team"] == "payments"
    assert resource["telemetry.sdk.language"] == "python"
    assert all(r == resource for r, _ in spans)
    by_name: dict[str, list[dict[str, Any]]] = {}
    for _, span in spans:
        by_name.setdefault(span.name, []).append(attributes(span.attributes))
    assert sorted((n, len(a)) for n, a in by_name.items()) == [
        ("chat gemini-2.0-flash", 5), ("execute_tool lookup_cart", 5), ("invoke_agent checkout", 5)]
    llm = by_name["chat gemini-2.0-flash"][0]
    assert llm["gen_ai.operation.name"] == "chat"
    assert llm["gen_ai.request.model"] == "gemini-2.0-flash"
    assert (llm["gen_ai.usage.input_tokens"], llm["gen_ai.usage.output_tokens"]) == (120, 30)
    assert by_name["invoke_agent checkout"][0]["gen_ai.operation.name"] == "invoke_agent"
    assert by_name["invoke_agent checkout"][0]["gen_ai.agent.name"] == "checkout"
    tool = by_name["execute_tool lookup_cart"][0]
    assert (tool["gen_ai.operation.name"], tool["gen_ai.tool.name"]) == (
        "execute_tool", "lookup_cart")


def test_an_always_off_sampler_from_the_environment_sends_nothing(
    receiver: Received, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", f"{receiver.url}/v1/traces")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_off")
    handle = adk_observe.init("quiet-agent", registry=CollectorRegistry(), metrics_port=-1,
                              logging_enabled=False)
    for _ in range(5):
        _run_turn()
    assert handle.force_flush()
    assert receiver.spans() == []
    # Same receiver, sampler switched by an explicit argument: spans flow (the receiver works).
    handle = adk_observe.init("quiet-agent", registry=CollectorRegistry(), metrics_port=-1,
                              logging_enabled=False, sampler="always_on")
    _run_turn()
    assert handle.force_flush()
    assert len(receiver.spans()) == 3
