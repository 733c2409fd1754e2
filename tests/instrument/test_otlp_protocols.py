"""OTLP over gRPC (traces and metrics) and OTLP metrics export: the settings, what a real receiver
gets, and what happens when the receiver is down or the gRPC exporter is not installed."""

from __future__ import annotations

import socket
import sys
import time

import pytest
from prometheus_client import CollectorRegistry
from tests.otlp_receivers import grpc_receiver, http_metrics_receiver

import adk_observe
from adk_observe import agent_turn, llm_call
from adk_observe import conventions as c
from adk_observe.instrument.options import OptionsError, resolve_options, traces_url
from adk_observe.instrument.otlp_export import metrics_url


def _options(**env: str):  # type: ignore[no-untyped-def]
    return resolve_options(environ=env)


def test_the_protocol_of_each_signal_comes_from_its_own_variable_then_the_generic_one() -> None:
    o = _options(OTEL_EXPORTER_OTLP_PROTOCOL="grpc",
                 OTEL_EXPORTER_OTLP_ENDPOINT="http://collector:4317")
    assert (o.tracing_protocol, o.metrics_protocol) == ("grpc", "grpc")
    assert traces_url(o) == "http://collector:4317"  # gRPC has no path: the endpoint as is
    assert metrics_url(o) == "http://collector:4317"
    o = _options(OTEL_EXPORTER_OTLP_PROTOCOL="grpc",
                 OTEL_EXPORTER_OTLP_METRICS_PROTOCOL="http/protobuf",
                 OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="http://collector:4317",
                 OTEL_EXPORTER_OTLP_METRICS_ENDPOINT="http://metrics:4318/v1/metrics")
    assert (o.tracing_protocol, o.metrics_protocol) == ("grpc", "http/protobuf")
    assert metrics_url(o) == "http://metrics:4318/v1/metrics"  # the signal URL, as is
    o = _options(OTEL_EXPORTER_OTLP_ENDPOINT="http://collector:4318")
    assert traces_url(o) == "http://collector:4318/v1/traces"
    assert metrics_url(o) == "http://collector:4318/v1/metrics"
    assert metrics_url(_options()) == "http://localhost:4318/v1/metrics"  # the specification's
    assert metrics_url(_options(OTEL_EXPORTER_OTLP_PROTOCOL="grpc")) == "http://localhost:4317"


def test_metrics_exporter_values_and_interval() -> None:
    assert _options(OTEL_METRICS_EXPORTER="otlp").otlp_metrics is True
    assert _options(OTEL_METRICS_EXPORTER="prometheus,otlp").otlp_metrics is True
    assert _options(OTEL_METRICS_EXPORTER="prometheus").otlp_metrics is False
    assert _options(OTEL_METRICS_EXPORTER="none").otlp_metrics is False
    assert _options(OTEL_METRIC_EXPORT_INTERVAL="5000").metrics_export_interval == 5.0
    with pytest.raises(OptionsError, match="'console' is not one of otlp, prometheus, none"):
        _options(OTEL_METRICS_EXPORTER="console")
    with pytest.raises(OptionsError, match="OTEL_METRIC_EXPORT_INTERVAL='0'"):
        _options(OTEL_METRIC_EXPORT_INTERVAL="0")


def test_headers_of_one_signal_are_not_sent_to_the_other() -> None:
    o = _options(OTEL_EXPORTER_OTLP_TRACES_HEADERS="authorization=traces-token",
                 OTEL_EXPORTER_OTLP_METRICS_HEADERS="authorization=metrics-token")
    assert o.tracing_headers == (("authorization", "traces-token"),)
    assert o.metrics_headers == (("authorization", "metrics-token"),)
    o = _options(OTEL_EXPORTER_OTLP_TRACES_HEADERS="authorization=traces-token")
    assert o.metrics_headers == ()
    o = _options(OTEL_EXPORTER_OTLP_HEADERS="x-tenant=acme")
    assert o.tracing_headers == o.metrics_headers == (("x-tenant", "acme"),)


@pytest.mark.parametrize(("env", "message"), [
    ({"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"},
     "tracing: http://c:4318 is OTLP/HTTP's port 4318; OTLP/gRPC listens on 4317"),
    ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4317/v1/traces"},
     "tracing: http://c:4317/v1/traces is OTLP/gRPC's port 4317; OTLP/HTTP listens on 4318"),
    ({"OTEL_METRICS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://c:4317"},
     "OTLP metrics: http://c:4317 is OTLP/gRPC's port 4317"),
    ({"OTEL_METRICS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT":
      "http://jaeger:14250"}, "legacy Jaeger collector endpoint"),
])
def test_a_protocol_sent_to_the_other_protocols_port_is_refused(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(OptionsError, match=message):
        _options(**env)


def test_grpc_without_the_grpc_extra_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry.exporter.otlp.proto.grpc", None)
    with pytest.raises(OptionsError) as err:
        adk_observe.init("svc", metrics_port=-1, tracing_protocol="grpc",
                         tracing_endpoint="http://collector:4317")
    assert str(err.value) == (
        "tracing_protocol: grpc needs opentelemetry-exporter-otlp-proto-grpc: "
        "install the grpc extra: pip install 'adk-observe[grpc]'")
    with pytest.raises(OptionsError, match=r"metrics_protocol: grpc needs .*observe\[grpc\]"):
        adk_observe.init("svc", metrics_port=-1, otlp_metrics=True, metrics_protocol="grpc")
    # not asked for, not needed: gRPC set while nothing is exported over it is no error
    adk_observe.init("svc", metrics_port=-1, tracing_protocol="grpc")


def test_grpc_export_sends_the_headers_as_lowercase_metadata(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with grpc_receiver() as receiver:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "X-Tenant=acme,Authorization=Bearer%20t")
        handle = adk_observe.init("svc", registry=CollectorRegistry(), metrics_port=-1,
                                  logging_enabled=False, sampling=1.0, tracing_protocol="grpc",
                                  tracing_endpoint=receiver.url, otlp_metrics=True,
                                  metrics_protocol="grpc", metrics_url=receiver.url)
        with agent_turn("a"), llm_call("m"):
            pass
        assert handle.force_flush()
        assert {s.name for s in receiver.spans()} == {"invoke_agent a", "chat m"}
        assert "adk_agent_requests" in receiver.metric_points()  # metrics over gRPC too
        for metadata in receiver.metadata:
            assert (metadata["x-tenant"], metadata["authorization"]) == ("acme", "Bearer t")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_collector_that_is_down_costs_counted_drops_never_the_agent() -> None:
    down = f"http://127.0.0.1:{_closed_port()}"
    registry = CollectorRegistry()
    handle = adk_observe.init("svc", registry=registry, metrics_port=-1, logging_enabled=False,
                              sampling=1.0, export_timeout=0.5, tracing_protocol="grpc",
                              tracing_endpoint=down, otlp_metrics=True, metrics_url=down)
    with agent_turn("a") as turn:
        pass
    assert turn.ok
    assert not handle.force_flush()
    dropped = registry.get_sample_value
    assert dropped(c.TELEMETRY_DROPPED.name, {"sink": c.SINK_OTLP}) == 1.0
    assert dropped(c.TELEMETRY_DROPPED.name, {"sink": c.SINK_OTLP_METRICS}) == 1.0
    start = time.monotonic()
    adk_observe.shutdown(timeout=0.5)
    assert time.monotonic() - start < 10  # bounded: the last export waits on the timeout only


def test_metrics_are_pushed_every_interval_without_a_flush(monkeypatch: pytest.MonkeyPatch) -> None:
    with http_metrics_receiver() as receiver:
        adk_observe.init("svc", registry=CollectorRegistry(), metrics_port=-1,
                         logging_enabled=False, otlp_metrics=True,
                         metrics_url=receiver.url + "/v1/metrics", metrics_export_interval=0.05)
        with agent_turn("a"):
            pass
        deadline = time.monotonic() + 60
        while "adk_agent_requests" not in receiver.metric_points():
            assert time.monotonic() < deadline, "no export within 60 s at a 50 ms interval"
            time.sleep(0.05)
        (point,) = receiver.metric_points()["adk_agent_requests"][-1:]
        assert point[1].as_double == 1.0


def test_the_metrics_timeout_and_compression_come_from_their_own_variables() -> None:
    """The specification: OTEL_EXPORTER_OTLP_METRICS_TIMEOUT/_COMPRESSION, else the generic
    variables; the traces' own do not apply to metrics (they reused the traces' values)."""
    o = _options(OTEL_EXPORTER_OTLP_TRACES_TIMEOUT="250", OTEL_EXPORTER_OTLP_METRICS_TIMEOUT="7000",
                 OTEL_EXPORTER_OTLP_TRACES_COMPRESSION="deflate",
                 OTEL_EXPORTER_OTLP_METRICS_COMPRESSION="gzip")
    assert (o.export_timeout, o.metrics_export_timeout) == (0.25, 7.0)
    assert (o.export_compression, o.metrics_compression) == ("deflate", "gzip")
    o = _options(OTEL_EXPORTER_OTLP_TIMEOUT="3000", OTEL_EXPORTER_OTLP_COMPRESSION="gzip")
    assert (o.export_timeout, o.metrics_export_timeout) == (3.0, 3.0)
    assert (o.export_compression, o.metrics_compression) == ("gzip", "gzip")
    o = _options(OTEL_EXPORTER_OTLP_METRICS_TIMEOUT="bad", OTEL_EXPORTER_OTLP_TIMEOUT="4000")
    assert o.metrics_export_timeout == 4.0  # an invalid signal value: the generic one
    o = resolve_options(environ={"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT": "9000"},
                        metrics_export_timeout=1.5)
    assert o.metrics_export_timeout == 1.5  # an argument wins, as for every option
    assert resolve_options(environ={}).metrics_export_timeout == 0.0  # export_timeout's


def test_metrics_are_sent_with_the_metrics_compression() -> None:
    with http_metrics_receiver() as receiver:
        handle = adk_observe.init(
            "svc", registry=CollectorRegistry(), metrics_port=-1, logging_enabled=False,
            otlp_metrics=True, metrics_url=receiver.url + "/v1/metrics",
            metrics_export_interval=3600.0, export_compression="none", metrics_compression="gzip",
        )
        with agent_turn("a"):
            pass
        assert handle.force_flush()
        (sent,) = [m for m in receiver.metadata if m["path"] == "/v1/metrics"][:1]
        assert sent.get("content-encoding") == "gzip"
        assert receiver.metric_points()["adk_agent_requests"][-1][1].as_double == 1.0


@pytest.mark.parametrize("preference", ["delta", "LowMemory"])
def test_a_temporality_preference_other_than_cumulative_is_warned_about(
    preference: str,
) -> None:
    warnings: list[str] = []
    options = resolve_options(
        environ={"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": preference},
        warn=warnings.append,
    )
    assert options.otlp_metrics is False
    assert warnings == [
        f"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE='{preference}': metrics are sent "
        "with cumulative temporality (as /metrics shows them); ignored"
    ]
    quiet: list[str] = []
    resolve_options(environ={"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "cumulative"},
                    warn=quiet.append)
    assert quiet == []
