"""Hostile forms of the OTLP endpoint variables: what the OpenTelemetry specification allows
beyond an http(s) URL, ports no collector listens on, and TLS files that do not exist.

Surface: OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_{TRACES,METRICS}_ENDPOINT and
OTEL_EXPORTER_OTLP[_{TRACES,METRICS}]_INSECURE read by `init()` (docs/instrumentation.md,
"OpenTelemetry environment variables", "OTLP over gRPC"), and the `tracing_endpoint` option.

Generator: hand-picked endpoint forms: gRPC targets without a scheme (`host:port`, an IPv6
literal), with and without the INSECURE variables, in any case; port 0 and ports past 65535;
CERTIFICATE/CLIENT_KEY variables naming a missing file, generic and per signal, HTTP and gRPC.

Bound: the specification ("OTLP Exporter Configuration", Endpoint (OTLP/gRPC)): the option
"SHOULD accept any form allowed by the underlying gRPC client implementation" and "MUST accept a
URL with a scheme of either http or https"; Insecure "only applies to OTLP/gRPC when an endpoint
is provided without the http or https scheme", default false (TLS). Over HTTP a URL is required.
A port no collector listens on is refused where it is set (an option) or warned about naming the
port (a variable), never accepted for every export to fail; so is a TLS file variable that
names no file (an OptionsError naming it), for an https:// endpoint only.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry
from tests.otlp_receivers import grpc_receiver
from tests.telemetry_support import reset_state

import adk_observe
from adk_observe import agent_turn
from adk_observe import conventions as c
from adk_observe.instrument import otlp_export
from adk_observe.instrument.options import OptionsError, resolve_options, traces_url

GRPC = {c.OTEL_PROTOCOL_ENV: "grpc"}
INSECURE = "OTEL_EXPORTER_OTLP_INSECURE"
TRACES_INSECURE = "OTEL_EXPORTER_OTLP_TRACES_INSECURE"
METRICS_INSECURE = "OTEL_EXPORTER_OTLP_METRICS_INSECURE"


@pytest.fixture(autouse=True)
def _reset_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from reset_state(monkeypatch)


def _resolved(environ: dict[str, str]) -> tuple[str, str, list[str]]:
    """The traces URL, the metrics URL (metrics over OTLP on) and the warnings."""
    warnings: list[str] = []
    options = resolve_options(environ={**environ, c.OTEL_METRICS_EXPORTER_ENV: "otlp"},
                              warn=warnings.append)
    traces = traces_url(options) if options.tracing_endpoint or options.traces_url else ""
    return traces, otlp_export.metrics_url(options), warnings


@pytest.mark.parametrize(("environ", "traces", "metrics"), [
    # no INSECURE: TLS, as the specification's default (false) and the SDK's exporter say
    ({c.OTEL_ENDPOINT_ENV: "collector:4317"}, "https://collector:4317", "https://collector:4317"),
    ({c.OTEL_ENDPOINT_ENV: "collector:4317", INSECURE: "true"},
     "http://collector:4317", "http://collector:4317"),
    ({c.OTEL_ENDPOINT_ENV: "collector:4317", INSECURE: "TRUE"},
     "http://collector:4317", "http://collector:4317"),
    ({c.OTEL_ENDPOINT_ENV: "collector:4317", INSECURE: "false"},
     "https://collector:4317", "https://collector:4317"),
    ({c.OTEL_ENDPOINT_ENV: "[::1]:4317", INSECURE: "true"}, "http://[::1]:4317", "http://[::1]:4317"),
    # a signal's own endpoint: its own INSECURE, else the generic one
    ({c.OTEL_TRACES_ENDPOINT_ENV: "traces:4317", TRACES_INSECURE: "true",
      c.OTEL_METRICS_ENDPOINT_ENV: "metrics:4317", INSECURE: "false"},
     "http://traces:4317", "https://metrics:4317"),
    ({c.OTEL_TRACES_ENDPOINT_ENV: "traces:4317", c.OTEL_METRICS_ENDPOINT_ENV: "metrics:4317",
      METRICS_INSECURE: "true", INSECURE: "true", TRACES_INSECURE: "false"},
     "https://traces:4317", "http://metrics:4317"),
    # a scheme decides; INSECURE does not apply
    ({c.OTEL_ENDPOINT_ENV: "https://collector:4317", INSECURE: "true"},
     "https://collector:4317", "https://collector:4317"),
])
def test_a_grpc_endpoint_without_a_scheme_is_a_grpc_target(
    environ: dict[str, str], traces: str, metrics: str
) -> None:
    """It was warned about and ignored: no span and no metric left the process."""
    assert _resolved({**GRPC, **environ}) == (traces, metrics, [])


def test_an_http_endpoint_without_a_scheme_is_still_warned_about_and_ignored() -> None:
    """OTLP/HTTP needs a URL (the specification's Endpoint (OTLP/HTTP))."""
    traces, _, warnings = _resolved({c.OTEL_ENDPOINT_ENV: "collector:4318", INSECURE: "true"})
    assert traces == ""
    assert len(warnings) == 1 and warnings[0].startswith(c.OTEL_ENDPOINT_ENV), warnings


def test_spans_reach_a_plain_text_grpc_collector_named_without_a_scheme(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with grpc_receiver() as receiver:
        monkeypatch.setenv(c.OTEL_PROTOCOL_ENV, "grpc")
        monkeypatch.setenv(c.OTEL_ENDPOINT_ENV, receiver.url.removeprefix("http://"))
        monkeypatch.setenv(INSECURE, "true")
        handle = adk_observe.init("svc", registry=CollectorRegistry(), metrics_port=-1,
                                  logging_enabled=False, sampling=1.0)
        with agent_turn("a"):
            pass
        assert handle.force_flush()
        assert [s.name for s in receiver.spans()] == ["invoke_agent a"]


@pytest.mark.parametrize("url", ["http://collector:0", "https://collector:00"])
def test_port_zero_is_one_clear_error(url: str) -> None:
    """No collector listens on port 0: every export would fail (ECONNREFUSED) for ever."""
    with pytest.raises(OptionsError) as err:
        resolve_options(environ={}, tracing_endpoint=url)
    assert "port" in str(err.value) and "\n" not in str(err.value), str(err.value)


@pytest.mark.parametrize("url", ["http://collector:0", "http://collector:65536",
                                 "http://collector:99999"])
def test_a_port_variable_out_of_range_is_warned_about_by_its_port(url: str) -> None:
    """The warning said `not an http:// or https:// URL with a host`, which it is."""
    traces, _, warnings = _resolved({c.OTEL_ENDPOINT_ENV: url})
    assert traces == ""
    assert len(warnings) == 1 and "port" in warnings[0], warnings


@pytest.mark.parametrize(("variable", "settings"), [
    ("OTEL_EXPORTER_OTLP_CERTIFICATE", {"tracing_endpoint": "https://127.0.0.1:4318"}),
    ("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", {"tracing_endpoint": "https://127.0.0.1:4318"}),
    ("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", {"tracing_endpoint": "https://127.0.0.1:4318"}),
    ("OTEL_EXPORTER_OTLP_CERTIFICATE",
     {"tracing_protocol": "grpc", "tracing_endpoint": "https://127.0.0.1:4317"}),
    ("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
     {"tracing_protocol": "grpc", "tracing_endpoint": "https://127.0.0.1:4317"}),
    ("OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE",
     {"otlp_metrics": True, "metrics_url": "https://127.0.0.1:4318/v1/metrics"}),
    ("OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE",
     {"otlp_metrics": True, "metrics_protocol": "grpc", "metrics_url": "https://127.0.0.1:4317"}),
])
def test_a_tls_file_that_does_not_exist_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, variable: str, settings: dict[str, object],
) -> None:
    """A certificate variable naming a missing file (a Secret not mounted, a typo): over HTTP
    every export failed (requests: 'Could not find a suitable TLS CA certificate bundle'),
    counted as dropped and said nowhere; over gRPC the SDK printed a traceback at init() and
    trusted the system's roots instead, so a private CA's collector refused every export. It is
    one OptionsError naming the variable, as a file that is a directory already was."""
    missing = "/nonexistent/otlp/ca.pem"
    monkeypatch.setenv(variable, missing)
    if "CLIENT" in variable:  # with its pair: the key alone is the half-pair error
        monkeypatch.setenv(variable.replace("CLIENT_KEY", "CLIENT_CERTIFICATE"), __file__)
    with pytest.raises(OptionsError) as err:
        adk_observe.init("svc", registry=CollectorRegistry(), metrics_port=-1,
                         logging_enabled=False, **settings)
    message = str(err.value)
    assert message.startswith(f"{variable}={missing!r}: ") and "\n" not in message, message


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_tls_files_are_not_read_for_a_plain_text_endpoint(
    monkeypatch: pytest.MonkeyPatch, protocol: str
) -> None:
    """http:// is plain text: the certificate variables do not apply (no error)."""
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/otlp/ca.pem")
    port = 4317 if protocol == "grpc" else 4318
    handle = adk_observe.init("svc", registry=CollectorRegistry(), metrics_port=-1,
                              logging_enabled=False, tracing_protocol=protocol,
                              tracing_endpoint=f"http://127.0.0.1:{port}", export_timeout=0.5)
    handle.shutdown(timeout=0.5)
