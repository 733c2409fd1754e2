"""The OpenTelemetry SDK environment variables, read as the OpenTelemetry specification says
("Environment Variable Specification" and "OTLP Exporter Configuration"), into option values.

Only the traces signal is exported over OTLP, so of each `OTEL_EXPORTER_OTLP_*` pair the
signal-specific `_TRACES_` variable wins over the generic one. Parsing is strict: a value the
specification does not allow is an error that names the variable (a silently ignored sampler or
endpoint is how traces go missing). Stdlib only: the spec loader uses `legacy_jaeger_error` too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote, urlsplit

SDK_DISABLED = "OTEL_SDK_DISABLED"
SERVICE_NAME = "OTEL_SERVICE_NAME"
RESOURCE_ATTRIBUTES = "OTEL_RESOURCE_ATTRIBUTES"
ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT"
TRACES_ENDPOINT = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
HEADERS = "OTEL_EXPORTER_OTLP_HEADERS"
TRACES_HEADERS = "OTEL_EXPORTER_OTLP_TRACES_HEADERS"
TIMEOUT = "OTEL_EXPORTER_OTLP_TIMEOUT"
TRACES_TIMEOUT = "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"
PROTOCOL = "OTEL_EXPORTER_OTLP_PROTOCOL"
TRACES_PROTOCOL = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
SAMPLER = "OTEL_TRACES_SAMPLER"
SAMPLER_ARG = "OTEL_TRACES_SAMPLER_ARG"

# Resource attribute keys that are options of their own.
SERVICE_NAME_ATTR = "service.name"
SERVICE_VERSION_ATTR = "service.version"
ENVIRONMENT_ATTR = "deployment.environment.name"

SUPPORTED_PROTOCOL = "http/protobuf"
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
DEFAULT_SAMPLER = "parentbased_traceidratio"

# The legacy Jaeger collector's own protocols: Thrift over HTTP (14268, path /api/traces),
# gRPC model.proto (14250) and the agent's UDP ports (6831 compact, 6832 binary Thrift).
JAEGER_LEGACY_PORTS = frozenset({14268, 14250, 6831, 6832})
JAEGER_LEGACY_PATH = "/api/traces"
OTLP_HTTP_PORT = 4318


class OtelEnvError(ValueError):
    """A standard OpenTelemetry variable has a value the specification does not allow."""


def parse_pairs(name: str, raw: str) -> tuple[tuple[str, str], ...]:
    """`key1=value1,key2=value2` with percent-encoded values (W3C Baggage-like), as the
    specification defines OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS."""
    pairs: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in raw.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise OtelEnvError(f"{name}: {item!r} is not key=value")
        pairs[unquote(key.strip())] = unquote(value.strip())
    return tuple(pairs.items())


def format_pairs(pairs: tuple[tuple[str, str], ...]) -> str:
    """The inverse of `parse_pairs`: values percent-encoded where the format needs it."""
    return ",".join(f"{k}={quote(v, safe='')}" for k, v in pairs)


def _timeout_seconds(name: str, raw: str) -> float:
    """The specification gives OTLP timeouts in milliseconds."""
    try:
        millis = float(raw)
    except ValueError:
        raise OtelEnvError(f"{name}={raw!r}: not a number of milliseconds") from None
    if millis <= 0:
        raise OtelEnvError(f"{name}={raw!r}: must be a positive number of milliseconds")
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


def legacy_jaeger_error(url: str) -> str | None:
    """Why `url` is a legacy Jaeger collector endpoint that cannot take OTLP, or None.

    Jaeger has ingested OTLP natively since 1.35 (OTLP/HTTP on 4318, OTLP/gRPC on 4317), and
    Jaeger v2 is an OpenTelemetry Collector distribution; the Thrift and model.proto ports answer
    OTLP requests with 404 or a protocol error, so spans would vanish without a word.
    """
    try:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        port = parts.port
    except ValueError:
        return None
    path = parts.path.rstrip("/")
    if port not in JAEGER_LEGACY_PORTS and not path.endswith(JAEGER_LEGACY_PATH):
        return None
    host = parts.hostname or "HOST"
    scheme = parts.scheme if parts.scheme in ("http", "https") else "http"
    return (
        f"{url} is a legacy Jaeger collector endpoint (Thrift/gRPC on 14268, 14250, 6831, 6832 "
        f"or the path {JAEGER_LEGACY_PATH}), which does not accept OTLP. Jaeger ingests "
        f"OTLP/HTTP since 1.35: use {scheme}://{host}:{OTLP_HTTP_PORT}/v1/traces as "
        f"{TRACES_ENDPOINT} (or {scheme}://{host}:{OTLP_HTTP_PORT} as the base endpoint)"
    )


def _protocol(environ: Mapping[str, str]) -> None:
    for name in (TRACES_PROTOCOL, PROTOCOL):
        raw = environ.get(name, "").strip()
        if not raw:
            continue
        if raw != SUPPORTED_PROTOCOL:
            hint = (
                " (adk-observe exports OTLP/HTTP; Jaeger and the OpenTelemetry Collector "
                "listen for it on port 4318)"
                if raw == "grpc"
                else ""
            )
            raise OtelEnvError(f"{name}={raw!r}: only {SUPPORTED_PROTOCOL} is supported{hint}")
        return  # the signal-specific variable decides when set


def option_values(environ: Mapping[str, str]) -> dict[str, Any]:
    """The option values the standard variables set (absent variables set nothing)."""
    values: dict[str, Any] = {}
    _protocol(environ)

    def get(name: str) -> str | None:
        raw = environ.get(name)
        return raw if raw is not None and raw.strip() else None

    if (raw := get(SDK_DISABLED)) is not None and _bool(SDK_DISABLED, raw):
        values["tracing_enabled"] = False
        values["otel_metrics"] = False
    if (raw := get(RESOURCE_ATTRIBUTES)) is not None:
        attrs = dict(parse_pairs(RESOURCE_ATTRIBUTES, raw))
        # OTEL_SERVICE_NAME wins over service.name here (handled just below).
        if SERVICE_NAME_ATTR in attrs:
            values["service_name"] = attrs.pop(SERVICE_NAME_ATTR)
        if SERVICE_VERSION_ATTR in attrs:
            values["service_version"] = attrs.pop(SERVICE_VERSION_ATTR)
        if ENVIRONMENT_ATTR in attrs:
            values["environment"] = attrs.pop(ENVIRONMENT_ATTR)
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
