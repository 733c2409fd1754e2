"""The standard OTEL_* variables, with the OpenTelemetry specification's precedence, and the
legacy Jaeger endpoints refused at init()."""

from __future__ import annotations

import pytest
from otlp_receiver import Received
from prometheus_client import CollectorRegistry

import adk_observe
from adk_observe import tool_call
from adk_observe.instrument.options import OptionsError, resolve_options, traces_url


def test_the_traces_endpoint_is_used_as_is_and_the_base_endpoint_gets_v1_traces() -> None:
    base = resolve_options(environ={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318/prefix"})
    assert traces_url(base) == "http://otel:4318/prefix/v1/traces"
    signal = resolve_options(environ={
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/custom/path",
    })
    assert traces_url(signal) == "http://collector:4318/custom/path"


def test_explicit_arguments_win_over_the_otel_variables() -> None:
    env = {
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://from-env:4318/v1/traces",
        "OTEL_SERVICE_NAME": "env-name",
        "OTEL_TRACES_SAMPLER": "always_on",
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "250",
    }
    options = resolve_options(environ=env, tracing_endpoint="http://explicit:4318",
                              service_name="explicit", sampler="always_off", export_timeout=3.0)
    assert traces_url(options) == "http://explicit:4318/v1/traces"
    assert (options.service_name, options.sampler, options.export_timeout) == (
        "explicit", "always_off", 3.0)


def test_adk_observe_variables_win_over_the_otel_ones_and_otel_over_the_spec() -> None:
    from adk_observe import model

    spec = model.Telemetry(tracing_endpoint="http://spec:4318", sampling=0.5)
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318", "OTEL_TRACES_SAMPLER_ARG": "0.25"}
    options = resolve_options(telemetry=spec, environ=env)
    assert (traces_url(options), options.sampling) == ("http://otel:4318/v1/traces", 0.25)
    env["ADK_OBSERVE_TRACING_ENDPOINT"] = "http://adk:4318"
    assert traces_url(resolve_options(telemetry=spec, environ=env)) == "http://adk:4318/v1/traces"


def test_service_name_beats_the_resource_attribute_and_attributes_are_decoded() -> None:
    options = resolve_options(environ={
        "OTEL_RESOURCE_ATTRIBUTES": "service.name=from-attrs,service.version=2.0.1,"
        "deployment.environment.name=staging,team=pay%2Cments, region = eu-west-1",
        "OTEL_SERVICE_NAME": "checkout-agent",
    })
    assert options.service_name == "checkout-agent"
    assert (options.service_version, options.environment) == ("2.0.1", "staging")
    assert options.resource_attributes == (("region", "eu-west-1"), ("team", "pay,ments"))
    alone = resolve_options(environ={"OTEL_RESOURCE_ATTRIBUTES": "service.name=from-attrs"})
    assert alone.service_name == "from-attrs"


def test_signal_specific_headers_and_timeout_win_and_timeouts_are_milliseconds() -> None:
    generic = resolve_options(environ={
        "OTEL_EXPORTER_OTLP_HEADERS": "api-key=a%3Db,x-team=core",
        "OTEL_EXPORTER_OTLP_TIMEOUT": "5000",
    })
    assert generic.tracing_headers == (("api-key", "a=b"), ("x-team", "core"))
    assert generic.export_timeout == 5.0
    specific = resolve_options(environ={
        "OTEL_EXPORTER_OTLP_HEADERS": "api-key=generic",
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "api-key=traces",
        "OTEL_EXPORTER_OTLP_TIMEOUT": "5000",
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "250",
    })
    assert specific.tracing_headers == (("api-key", "traces"),)
    assert specific.export_timeout == 0.25


@pytest.mark.parametrize(("sampler", "arg", "expected"), [
    ("always_on", "0.3", ("always_on", 0.1)),  # the argument belongs to ratio samplers only
    ("traceidratio", "0.3", ("traceidratio", 0.3)),
    ("parentbased_always_off", None, ("parentbased_always_off", 0.1)),
    ("PARENTBASED_TRACEIDRATIO", "1", ("parentbased_traceidratio", 1.0)),
])
def test_the_sampler_variables(sampler: str, arg: str | None, expected: tuple[str, float]) -> None:
    env = {"OTEL_TRACES_SAMPLER": sampler}
    if arg is not None:
        env["OTEL_TRACES_SAMPLER_ARG"] = arg
    options = resolve_options(environ=env)
    assert (options.sampler, options.sampling) == expected


@pytest.mark.parametrize(("env", "message"), [
    ({"OTEL_EXPORTER_OTLP_PROTOCOL": "thrift"},
     "OTEL_EXPORTER_OTLP_PROTOCOL='thrift': not one of http/protobuf, grpc"),
    ({"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"},
     "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL='http/json': not one of http/protobuf, grpc"),
    # The signal-specific variable decides, whichever way round.
    ({"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
      "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "thrift"},
     "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL='thrift'"),
])
def test_a_protocol_adk_observe_does_not_speak_is_an_error(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(OptionsError, match=message):
        resolve_options(environ=env)


# (environment, what resolves instead, the warning): the specification's "generate a warning and
# gracefully ignore the setting"; the next variable of a pair, or the default, applies.
IGNORED = [
    ({"OTEL_TRACES_SAMPLER": "jaeger_remote"}, {"sampler": "parentbased_traceidratio"},
     "OTEL_TRACES_SAMPLER='jaeger_remote': not one of always_on"),
    ({"OTEL_TRACES_SAMPLER_ARG": "often"}, {"sampling": 0.1},
     "OTEL_TRACES_SAMPLER_ARG='often': not a number within [0, 1]; ignored"),
    ({"OTEL_TRACES_SAMPLER_ARG": "1.5"}, {"sampling": 0.1}, "OTEL_TRACES_SAMPLER_ARG='1.5'"),
    ({"OTEL_TRACES_SAMPLER_ARG": "nan"}, {"sampling": 0.1}, "OTEL_TRACES_SAMPLER_ARG='nan'"),
    ({"OTEL_EXPORTER_OTLP_TIMEOUT": "-1"}, {"export_timeout": 2.0},
     "OTEL_EXPORTER_OTLP_TIMEOUT='-1': not a number of milliseconds within [0, 2147483647]; "
     "ignored"),
    ({"OTEL_EXPORTER_OTLP_TIMEOUT": "2147483648"}, {"export_timeout": 2.0}, "='2147483648'"),
    ({"OTEL_EXPORTER_OTLP_TIMEOUT": "nan"}, {"export_timeout": 2.0}, "TIMEOUT='nan'"),
    ({"OTEL_EXPORTER_OTLP_TIMEOUT": "inf"}, {"export_timeout": 2.0}, "TIMEOUT='inf'"),
    ({"OTEL_EXPORTER_OTLP_TIMEOUT": "1e999"}, {"export_timeout": 2.0}, "TIMEOUT='1e999'"),
    ({"OTEL_EXPORTER_OTLP_TIMEOUT": "ten"}, {"export_timeout": 2.0}, "TIMEOUT='ten'"),
    # The traces variable is invalid: the generic one applies.
    ({"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "nan", "OTEL_EXPORTER_OTLP_TIMEOUT": "500"},
     {"export_timeout": 0.5}, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT='nan'"),
    ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "collector:4318",
      "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318"},
     {"traces_url": "", "tracing_endpoint": "http://otel:4318"},
     "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT='collector:4318': not an http:// or https:// URL"),
    ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318/a b"}, {"tracing_endpoint": ""},
     "OTEL_EXPORTER_OTLP_ENDPOINT="),
    ({"OTEL_EXPORTER_OTLP_ENDPOINT": "ftp://otel"}, {"tracing_endpoint": ""}, "not an http://"),
    ({"OTEL_EXPORTER_OTLP_HEADERS": "api-key=a%0D%0AX-Evil: 1,x-team=core"},
     {"tracing_headers": (("x-team", "core"),)},
     "OTEL_EXPORTER_OTLP_HEADERS: the header 'api-key=a%0D%0AX-Evil: 1' is left out"),
    ({"OTEL_EXPORTER_OTLP_HEADERS": "bad key=1"}, {"tracing_headers": ()},
     "header name 'bad key' is not an HTTP token"),
    ({"OTEL_EXPORTER_OTLP_HEADERS": "k=%E2%82%AC"}, {"tracing_headers": ()},  # the euro sign
     "non-Latin-1"),
    ({"OTEL_EXPORTER_OTLP_HEADERS": "k=%00"}, {"tracing_headers": ()}, "control characters"),
    ({"OTEL_EXPORTER_OTLP_HEADERS": "novalue"}, {"tracing_headers": ()}, "not key=value"),
    ({"OTEL_EXPORTER_OTLP_COMPRESSION": "brotli"}, {"export_compression": "none"},
     "OTEL_EXPORTER_OTLP_COMPRESSION='brotli': not one of none, gzip, deflate"),
    ({"OTEL_RESOURCE_ATTRIBUTES": "team=a,oops"}, {"resource_attributes": ()},
     "OTEL_RESOURCE_ATTRIBUTES: 'oops' is not key=value; the whole variable is ignored"),
    ({"OTEL_SERVICE_NAME": "agent\x1b[31m"}, {"service_name": "adk-agent"},
     "OTEL_SERVICE_NAME="),
    ({"OTEL_SDK_DISABLED": "yes"}, {"tracing_enabled": True},
     "OTEL_SDK_DISABLED='yes': not true or false; taken as false"),
]


@pytest.mark.parametrize(("env", "expected", "warning"), IGNORED,
                         ids=[str(sorted(e)) + str(list(e.values())) for e, _, _ in IGNORED])
def test_an_invalid_otel_value_is_ignored_with_a_warning_naming_it(
    env: dict[str, str], expected: dict[str, object], warning: str
) -> None:
    warnings: list[str] = []
    options = resolve_options(environ=env, warn=warnings.append)
    assert {name: getattr(options, name) for name in expected} == expected
    assert len(warnings) == 1, warnings
    assert warning in warnings[0]


def test_a_timeout_of_zero_is_no_limit_as_the_specification_says() -> None:
    options = resolve_options(environ={"OTEL_EXPORTER_OTLP_TIMEOUT": "0"})
    assert options.export_timeout == (2**31 - 1) / 1000  # "a very long time": 24.8 days


def test_ignored_variables_are_logged_as_json_warnings_once_init_has_set_up_logging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io
    import json

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "nan")
    logs = io.StringIO()
    adk_observe.init("agent", registry=CollectorRegistry(), metrics_port=-1, log_output=logs)
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    assert [(line["level"], line["logger"]) for line in lines] == [("WARNING", "adk_observe")]
    assert lines[0]["message"].startswith("OTEL_EXPORTER_OTLP_TIMEOUT='nan': not a number of")
    assert adk_observe.current() is not None and adk_observe.current().options.export_timeout == 2.0


@pytest.mark.parametrize("env", [
    {"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"},
    {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"},
    # The generic variable names the other protocol; the signal-specific one decides.
    {"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"},
])
def test_http_protobuf_is_spoken_and_the_signal_protocol_decides(
    env: dict[str, str], receiver: Received, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {**env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": receiver.url}.items():
        monkeypatch.setenv(name, value)
    handle = adk_observe.init("proto-agent", registry=CollectorRegistry(), metrics_port=-1,
                              logging_enabled=False, sampler="always_on")
    with tool_call("lookup"):
        pass
    assert handle.force_flush()
    assert [h["content-type"] for h in receiver.headers] == ["application/x-protobuf"]
    assert [span.name for _, span in receiver.spans()] == ["execute_tool lookup"]


def test_sdk_disabled_turns_off_tracing_and_the_otel_metrics_bridge() -> None:
    off = resolve_options(environ={"OTEL_SDK_DISABLED": "TRUE"})
    assert (off.tracing_enabled, off.otel_metrics) == (False, False)
    on = resolve_options(environ={"OTEL_SDK_DISABLED": "false"})
    assert (on.tracing_enabled, on.otel_metrics) == (True, True)
    # The specification: only "true" disables; an explicit argument still wins.
    assert resolve_options(environ={"OTEL_SDK_DISABLED": "yes"}, warn=print).tracing_enabled
    explicit = resolve_options(environ={"OTEL_SDK_DISABLED": "true"}, tracing_enabled=True)
    assert explicit.tracing_enabled is True


LEGACY = [
    ("http://jaeger-collector.observability:14268/api/traces", "jaeger-collector.observability"),
    ("http://jaeger:14250", "jaeger"),
    ("udp://jaeger-agent:6831", "jaeger-agent"),
    ("jaeger-agent:6832", "jaeger-agent"),
    ("https://tracing.example.com/api/traces", "tracing.example.com"),
]


@pytest.mark.parametrize(("endpoint", "host"), LEGACY)
def test_init_refuses_a_legacy_jaeger_endpoint_and_names_the_otlp_one(
    endpoint: str, host: str
) -> None:
    scheme = "https" if endpoint.startswith("https") else "http"
    with pytest.raises(OptionsError) as info:
        adk_observe.init("agent", registry=CollectorRegistry(), metrics_port=-1,
                         logging_enabled=False, tracing_endpoint=endpoint)
    message = str(info.value)
    assert message.startswith(f"{endpoint} is a legacy Jaeger collector endpoint")
    assert f"use {scheme}://{host}:4318/v1/traces as OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" in message
    assert adk_observe.current() is None


def test_a_legacy_jaeger_traces_endpoint_from_the_environment_is_refused_too() -> None:
    env = {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://jaeger:14268/api/traces"}
    with pytest.raises(OptionsError, match="use http://jaeger:4318/v1/traces"):
        resolve_options(environ=env)
    # Jaeger's OTLP receivers are fine, and so is any other port.
    for url in ("http://jaeger:4318/v1/traces", "http://otel-collector:4318/v1/traces"):
        resolve_options(environ={"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": url})
    # Tracing off: the endpoint is never used.
    resolve_options(environ={**env, "ADK_OBSERVE_TRACING_ENABLED": "false"})
