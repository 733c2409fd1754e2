"""The standard OTEL_* variables, with the OpenTelemetry specification's precedence, and the
legacy Jaeger endpoints refused at init()."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

import adk_observe
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
    ({"OTEL_TRACES_SAMPLER": "jaeger_remote"}, "sampler 'jaeger_remote' is not supported"),
    ({"OTEL_TRACES_SAMPLER_ARG": "often"}, "OTEL_TRACES_SAMPLER_ARG='often': not a number"),
    ({"OTEL_TRACES_SAMPLER_ARG": "1.5"}, r"within \[0, 1\], got 1.5"),
    ({"OTEL_EXPORTER_OTLP_PROTOCOL": "thrift"},
     "OTEL_EXPORTER_OTLP_PROTOCOL='thrift': not one of http/protobuf, grpc"),
    ({"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"},
     "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL='http/json': not one of http/protobuf, grpc"),
    ({"OTEL_EXPORTER_OTLP_TIMEOUT": "-1"},
     "OTEL_EXPORTER_OTLP_TIMEOUT='-1': must be a positive number of milliseconds"),
    ({"OTEL_RESOURCE_ATTRIBUTES": "team"}, "OTEL_RESOURCE_ATTRIBUTES: 'team' is not key=value"),
])
def test_invalid_otel_values_are_clear_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(OptionsError, match=message):
        resolve_options(environ=env)


def test_http_protobuf_is_accepted_and_the_signal_protocol_decides() -> None:
    resolve_options(environ={"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"})
    resolve_options(environ={"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
                             "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"})


def test_sdk_disabled_turns_off_tracing_and_the_otel_metrics_bridge() -> None:
    off = resolve_options(environ={"OTEL_SDK_DISABLED": "TRUE"})
    assert (off.tracing_enabled, off.otel_metrics) == (False, False)
    on = resolve_options(environ={"OTEL_SDK_DISABLED": "false"})
    assert (on.tracing_enabled, on.otel_metrics) == (True, True)
    # The specification: only "true" disables; an explicit argument still wins.
    assert resolve_options(environ={"OTEL_SDK_DISABLED": "yes"}).tracing_enabled is True
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
