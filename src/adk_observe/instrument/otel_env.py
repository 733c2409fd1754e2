"""The OpenTelemetry SDK environment variables, read as the OpenTelemetry specification says
("Environment Variable Specification" and "OTLP Exporter Configuration"), into option values.

Traces and (with OTEL_METRICS_EXPORTER=otlp) metrics are exported over OTLP; of each
`OTEL_EXPORTER_OTLP_*` pair the signal-specific variable (`_TRACES_`, `_METRICS_`) wins over the
generic one. Parsing is strict: a value the
specification does not allow is an error that names the variable (a silently ignored sampler or
endpoint is how traces go missing).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from adk_observe import conventions as c
from adk_observe.environment import DEFAULT_SAMPLER
from adk_observe.instrument.otlp_export import shown

SDK_DISABLED = c.OTEL_SDK_DISABLED_ENV
SERVICE_NAME = c.OTEL_SERVICE_NAME_ENV
RESOURCE_ATTRIBUTES = c.OTEL_RESOURCE_ATTRIBUTES_ENV
ENDPOINT = c.OTEL_ENDPOINT_ENV
TRACES_ENDPOINT = c.OTEL_TRACES_ENDPOINT_ENV
HEADERS = c.OTEL_HEADERS_ENV
TRACES_HEADERS = c.OTEL_TRACES_HEADERS_ENV
TIMEOUT = c.OTEL_TIMEOUT_ENV
TRACES_TIMEOUT = c.OTEL_TRACES_TIMEOUT_ENV
PROTOCOL = c.OTEL_PROTOCOL_ENV
TRACES_PROTOCOL = c.OTEL_TRACES_PROTOCOL_ENV
SAMPLER = c.OTEL_SAMPLER_ENV
SAMPLER_ARG = c.OTEL_SAMPLER_ARG_ENV

METRICS_EXPORTER = c.OTEL_METRICS_EXPORTER_ENV
METRIC_EXPORT_INTERVAL = c.OTEL_METRIC_EXPORT_INTERVAL_ENV
METRICS_ENDPOINT = c.OTEL_METRICS_ENDPOINT_ENV
METRICS_HEADERS = c.OTEL_METRICS_HEADERS_ENV
METRICS_PROTOCOL = c.OTEL_METRICS_PROTOCOL_ENV

PROTOCOLS = (c.OTLP_PROTOCOL_HTTP, c.OTLP_PROTOCOL_GRPC)
# OTEL_METRICS_EXPORTER values: otlp sends metrics to an OTLP endpoint as well as /metrics, which
# always serves them (prometheus: nothing more; none: no OTLP export).
METRICS_EXPORTERS = ("otlp", "prometheus", "none")
# The built-in samplers of the specification that take no remote configuration.
SAMPLERS = (
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
)
RATIO_SAMPLERS = ("traceidratio", "parentbased_traceidratio")


class OtelEnvError(ValueError):
    """A standard OpenTelemetry variable has a value the specification does not allow."""


def parse_pairs(name: str, raw: str) -> tuple[tuple[str, str], ...]:
    """`key1=value1,key2=value2` with percent-encoded values (W3C Baggage-like), as the
    specification defines OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS."""
    pairs: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in raw.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise OtelEnvError(f"{name}: {shown(item)} is not key=value")
        pairs[unquote(key.strip())] = unquote(value.strip())
    return tuple(pairs.items())


def _timeout_seconds(name: str, raw: str) -> float:
    """The specification gives OTLP timeouts in milliseconds."""
    try:
        millis = float(raw)
    except ValueError:
        raise OtelEnvError(f"{name}={shown(raw)}: not a number of milliseconds") from None
    if millis <= 0:
        raise OtelEnvError(f"{name}={shown(raw)}: must be a positive number of milliseconds")
    return millis / 1000.0


def _bool(name: str, raw: str) -> bool:
    # The specification: only a case-insensitive "true" is true; anything else is false.
    return raw.strip().lower() == "true"


def check_sampler(sampler: str, ratio: float) -> None:
    if sampler not in SAMPLERS:
        raise OtelEnvError(
            f"sampler {sampler!r} is not supported; use one of {', '.join(SAMPLERS)}"
        )
    if not 0.0 <= ratio <= 1.0:
        raise OtelEnvError(f"sampling ratio must be within [0, 1], got {ratio}")


def _protocol(environ: Mapping[str, str], names: tuple[str, str]) -> str | None:
    """The protocol of a signal: its own variable, else the generic one (http/json, which
    adk-observe does not speak, is an error: the default would send to a port that expects it)."""
    for name in names:
        raw = environ.get(name, "").strip()
        if not raw:
            continue
        if raw not in PROTOCOLS:
            raise OtelEnvError(f"{name}={shown(raw)}: not one of {', '.join(PROTOCOLS)}")
        return raw  # the signal-specific variable decides when set
    return None


def _metrics(environ: Mapping[str, str], values: dict[str, Any]) -> None:
    """OTEL_METRICS_EXPORTER and the OTLP variables of the metrics signal."""
    raw = environ.get(METRICS_EXPORTER, "").strip()
    if raw:
        names = [n.strip().lower() for n in raw.split(",") if n.strip()]
        unknown = [n for n in names if n not in METRICS_EXPORTERS]
        if unknown:
            raise OtelEnvError(
                f"{METRICS_EXPORTER}={shown(raw)}: {shown(unknown[0])} is not one of "
                f"{', '.join(METRICS_EXPORTERS)}"
            )
        values["otlp_metrics"] = "otlp" in names
    if (protocol := _protocol(environ, (METRICS_PROTOCOL, PROTOCOL))) is not None:
        values["metrics_protocol"] = protocol
    if raw := environ.get(METRICS_ENDPOINT, "").strip():
        values["metrics_url"] = raw  # the signal URL, used as is
    for name in (METRICS_HEADERS, HEADERS):
        if raw := environ.get(name, "").strip():
            values["metrics_headers"] = parse_pairs(name, raw)
            break
    if raw := environ.get(METRIC_EXPORT_INTERVAL, "").strip():
        values["metrics_export_interval"] = _timeout_seconds(METRIC_EXPORT_INTERVAL, raw)


def option_values(environ: Mapping[str, str]) -> dict[str, Any]:
    """The option values the standard variables set (absent variables set nothing)."""
    values: dict[str, Any] = {}
    if (protocol := _protocol(environ, (TRACES_PROTOCOL, PROTOCOL))) is not None:
        values["tracing_protocol"] = protocol
    _metrics(environ, values)

    def get(name: str) -> str | None:
        raw = environ.get(name)
        return raw if raw is not None and raw.strip() else None

    if (raw := get(SDK_DISABLED)) is not None and _bool(SDK_DISABLED, raw):
        values["tracing_enabled"] = False
        values["otel_metrics"] = False
    if (raw := get(RESOURCE_ATTRIBUTES)) is not None:
        attrs = dict(parse_pairs(RESOURCE_ATTRIBUTES, raw))
        # OTEL_SERVICE_NAME wins over service.name here (handled just below).
        if c.RESOURCE_SERVICE_NAME in attrs:
            values["service_name"] = attrs.pop(c.RESOURCE_SERVICE_NAME)
        if c.RESOURCE_SERVICE_VERSION in attrs:
            values["service_version"] = attrs.pop(c.RESOURCE_SERVICE_VERSION)
        if c.RESOURCE_ENVIRONMENT in attrs:
            values["environment"] = attrs.pop(c.RESOURCE_ENVIRONMENT)
        values["resource_attributes"] = tuple(sorted(attrs.items()))
    if (raw := get(SERVICE_NAME)) is not None:
        values["service_name"] = raw.strip()
    if (raw := get(TRACES_ENDPOINT)) is not None:
        values["traces_url"] = raw.strip()  # the signal URL, used as is
    elif (raw := get(ENDPOINT)) is not None:
        values["tracing_endpoint"] = raw.strip()  # a base URL: /v1/traces is appended
    for name in (TRACES_HEADERS, HEADERS):
        if (raw := get(name)) is not None:
            values["tracing_headers"] = parse_pairs(name, raw)
            break
    for name in (TRACES_TIMEOUT, TIMEOUT):
        if (raw := get(name)) is not None:
            values["export_timeout"] = _timeout_seconds(name, raw)
            break
    if (raw := get(SAMPLER)) is not None:
        values["sampler"] = raw.strip().lower()
    if (raw := get(SAMPLER_ARG)) is not None:
        sampler = values.get("sampler", DEFAULT_SAMPLER)
        if sampler in RATIO_SAMPLERS:  # the specification: other samplers ignore the argument
            try:
                values["sampling"] = float(raw)
            except ValueError:
                raise OtelEnvError(f"{SAMPLER_ARG}={raw!r}: not a number") from None
    return values
