"""Hostile settings: every ADK_OBSERVE_* and OTEL_* variable `init()` reads, with any value.

Surface: the environment variables of the runtime (docs/instrumentation.md, "Options" and
"OpenTelemetry environment variables").

Generator: `raw_values` below: any text (lone surrogates, as `os.environ` holds undecodable
bytes, NUL, CR/LF), numbers the parsers accept but no setting means (nan, inf, 1e999, -1, 0,
400-digit integers, non-ASCII digits), percent-encoded CR/LF and NUL in header pairs, JSON
price tables with NaN, Infinity, negative prices or 100,000 nested brackets, URLs of every
scheme, and 64 KB values.

Bound: an invalid ADK_OBSERVE_* value is one `OptionsError` line (at most 1,000 characters,
naming the variable); an invalid OTEL_* value is a warning and is ignored, as the OpenTelemetry
specification says, except a protocol adk-observe does not speak (an `OptionsError`). No other
exception; and whatever was accepted leaves span export working: a span still reaches a real
OTLP/HTTP receiver.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry
from tests.instrument.otlp_receiver import Received, serve

from adk_observe import conventions as c
from adk_observe import tool_call
from adk_observe.instrument import runtime
from adk_observe.instrument.options import Options, OptionsError, resolve_options
from adk_observe.instrument.runtime import Observability

OWN = [c.env_name(f.name) for f in dataclasses.fields(Options)]
OTEL = [
    c.OTEL_SDK_DISABLED_ENV, c.OTEL_SERVICE_NAME_ENV, c.OTEL_RESOURCE_ATTRIBUTES_ENV,
    c.OTEL_ENDPOINT_ENV, c.OTEL_TRACES_ENDPOINT_ENV, c.OTEL_HEADERS_ENV, c.OTEL_TRACES_HEADERS_ENV,
    c.OTEL_TIMEOUT_ENV, c.OTEL_TRACES_TIMEOUT_ENV, c.OTEL_PROTOCOL_ENV, c.OTEL_TRACES_PROTOCOL_ENV,
    c.OTEL_SAMPLER_ENV, c.OTEL_SAMPLER_ARG_ENV, c.OTEL_COMPRESSION_ENV,
    c.OTEL_TRACES_COMPRESSION_ENV,
]
# The OTEL_* variables the OTLP exporter's requests are made of (the endpoint is the receiver).
EXPORT = [name for name in OTEL if name not in (c.OTEL_ENDPOINT_ENV, c.OTEL_TRACES_ENDPOINT_ENV,
                                               c.OTEL_SDK_DISABLED_ENV)]

SPECIALS = [
    "", " ", "nan", "NaN", "inf", "-inf", "Infinity", "1e999", "-1", "0", "-0", "1", "0.5",
    "9" * 400, "\u0663", "1_000", "0x10", "true", "TRUE", "false", "yes", "none", "gzip",
    "grpc", "http/json", "http/protobuf", "always_on", "jaeger_remote", "\udcff", "\x00", "\r\n",
    "a=b%0D%0AX-Injected: 1", "k=%00", "k=%E2%82%AC", "bad key=1", "=v", "k=", "a=1,,b=2",
    "Authorization=Bearer%20x,X-Other=\u20ac", '{"m": [NaN, 1]}', '{"m": [1, Infinity]}',
    '{"m": [-1, 1]}', '{"m": [1e999, 1]}', "[" * 100_000, '{"m": {"input_per_million": "x"}}',
    "http://127.0.0.1:9/v1/traces", "https://", "http://[::1", "ftp://collector", "collector:4318",
    "http://jaeger:14268/api/traces", "udp://jaeger-agent:6831", "javascript:alert(1)",
    "adk.agents=LOUD", "root=DEBUG,=INFO", "service.name=x,%ZZ=1", "x" * 65_536,
]
raw_values = st.one_of(
    st.sampled_from(SPECIALS),
    st.text(st.characters(exclude_categories=()), max_size=30),  # surrogates included
    st.integers().map(str),
    st.floats().map(repr),
)
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow],
                    phases=[Phase.explicit, Phase.reuse, Phase.generate])


@settings(SETTINGS, max_examples=400)
@given(name=st.sampled_from(OWN + OTEL), raw=raw_values)
def test_any_value_of_any_variable_is_an_options_or_one_clear_line(name: str, raw: str) -> None:
    warnings: list[str] = []
    try:
        options = resolve_options(environ={name: raw}, warn=warnings.append)
    except OptionsError as exc:
        message = str(exc)
        assert "\n" not in message and len(message) <= 1000, message[:200]
        assert name in message or "telemetry" in message or "legacy Jaeger" in message, message
        return
    assert isinstance(options, Options)
    for warning in warnings:
        assert "\n" not in warning and len(warning) <= 1000 and name in warning, warning[:200]
    if name in OWN and raw not in ("", " "):
        assert warnings == []  # our own variables are errors, never silently ignored


@pytest.fixture(scope="module")
def receiver() -> Iterator[Received]:
    yield from serve()


@settings(SETTINGS, max_examples=60)
@given(name=st.sampled_from(EXPORT), raw=raw_values)
def test_whatever_was_accepted_leaves_span_export_working(
    receiver: Received, name: str, raw: str
) -> None:
    environ = {c.OTEL_TRACES_ENDPOINT_ENV: receiver.url + "/v1/traces", name: raw}
    try:
        options = resolve_options(environ=environ, warn=lambda _: None, sampler="always_on",
                                  metrics_port=-1, logging_enabled=False)
    except OptionsError:
        return  # a protocol adk-observe does not speak: refused before anything is exported
    assume(options.export_timeout >= 1.0)  # a short timeout the user chose may be too short here
    before = len(receiver.spans())
    # What init() does with the options (init itself reads os.environ, which holds no NUL).
    handle = runtime.configure(Observability(options, registry=CollectorRegistry()))
    try:
        with tool_call("lookup"):
            pass
        assert handle.force_flush()
        assert len(receiver.spans()) == before + 1
    finally:
        runtime.reset()
