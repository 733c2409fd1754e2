"""The spec's telemetry section as the environment variables that `adk_observe.init()` reads,
and the runtime facts both sides must agree on: the logger levels (one resolution for `init()`
and the ConfigMap), the default sampler and the legacy Jaeger endpoints nobody may export to.

Core, not runtime: the deploy generator writes these into a ConfigMap and must not import the
instrumentation (instrument/options.py reads them back; a round-trip test holds the two together).
"""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import quote, urlsplit

from adk_observe import conventions as c
from adk_observe import model
from adk_observe.conventions import OTEL_ENDPOINT_ENV, OTEL_SERVICE_NAME_ENV, env_name

DEFAULT_SAMPLER = "parentbased_traceidratio"

# Logger levels of the reference design: the service's own logger (named after the service) at
# `log_level` (INFO), agent components DEBUG, MCP INFO, root WARNING. adk-observe writes one INFO
# line per turn; its per-call lines (LLM, tool, MCP) are DEBUG, enabled with
# ADK_OBSERVE_LOGGER_LEVELS=adk_observe=DEBUG (they cost about 50 us each). ADK's framework
# internals (google_adk) stay at INFO: at DEBUG they log several lines per node step.
ROOT_LOGGER = "root"
DEFAULT_LOGGER_LEVELS: tuple[tuple[str, str], ...] = (
    ("adk.agents", "DEBUG"),
    ("adk.mcp", "INFO"),
    ("adk_observe", "INFO"),
    ("google_adk", "INFO"),
    ("mcp", "INFO"),
)

# The legacy Jaeger collector's own protocols: Thrift over HTTP (14268, path /api/traces),
# gRPC model.proto (14250) and the agent's UDP ports (6831 compact, 6832 binary Thrift).
JAEGER_LEGACY_PORTS = frozenset({14268, 14250, 6831, 6832})
JAEGER_LEGACY_PATH = "/api/traces"
OTLP_HTTP_PORT = 4318


def effective_logger_levels(
    service_name: str,
    log_level: str = "INFO",
    root_log_level: str = "WARNING",
    overrides: tuple[tuple[str, str], ...] = (),
) -> tuple[tuple[str, str], ...]:
    """Every logger level `init()` sets, `root` included, sorted: the ONE resolution behind both
    `init()` and the deploy ConfigMap (which carries its inputs, see `telemetry_env`)."""
    table = dict(DEFAULT_LOGGER_LEVELS)
    table[ROOT_LOGGER] = root_log_level.upper()
    table[service_name] = log_level.upper()
    table.update((name, level.upper()) for name, level in overrides)
    return tuple(sorted(table.items()))


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
        f"{c.OTEL_TRACES_ENDPOINT_ENV} (or {scheme}://{host}:{OTLP_HTTP_PORT} as the base endpoint)"
    )


def format_pairs(pairs: tuple[tuple[str, str], ...]) -> str:
    """`key=value,...` with percent-encoded values, as OTEL_RESOURCE_ATTRIBUTES is written."""
    return ",".join(f"{k}={quote(v, safe='')}" for k, v in pairs)


def format_levels(levels: tuple[tuple[str, str], ...]) -> str:
    return ",".join(f"{name}={level}" for name, level in levels)


def format_prices(prices: tuple[model.ModelPrice, ...]) -> str:
    table = {}
    for p in prices:
        row = [p.input_per_million, p.output_per_million, p.cached_input_per_million]
        row.append(p.reasoning_per_million)
        while row[-1] is None:
            row.pop()
        table[p.model] = row
    return json.dumps(table, sort_keys=True, separators=(",", ":"))


def _milliseconds(seconds: float) -> str:
    """`seconds` in milliseconds, exactly (decimal): read back (otel_env.py, also decimal) it is
    the same float. (`:g` kept 6 digits: 1.2345678 s came back as 1.23457 s.)"""
    return format((Decimal(repr(float(seconds))) * 1000).normalize(), "f")


def telemetry_env(t: model.Telemetry, service_name: str | None = None) -> dict[str, str]:
    """The environment variables that make `init()` resolve to the spec's telemetry section
    (plus OTEL_SERVICE_NAME when `service_name` is given: the Prometheus job and trace service).
    What OpenTelemetry has a standard variable for uses it, so other SDKs in the pod agree."""
    env = {
        env_name("metrics_port"): str(t.metrics_port),
        env_name("label_limit"): str(t.label_limit),
        env_name("tracing_enabled"): "true" if t.tracing_enabled else "false",
        c.OTEL_SAMPLER_ENV: DEFAULT_SAMPLER,
        c.OTEL_SAMPLER_ARG_ENV: repr(float(t.sampling)),
        c.OTEL_TRACES_TIMEOUT_ENV: _milliseconds(t.export_timeout),
        env_name("log_level"): t.log_level,
        env_name("log_console"): t.log_console,
        env_name("cost_center"): t.cost_center,
    }
    if service_name:
        env[OTEL_SERVICE_NAME_ENV] = service_name
    if t.tracing_endpoint:
        env[OTEL_ENDPOINT_ENV] = t.tracing_endpoint
    resource = []
    if t.environment:
        resource.append((c.RESOURCE_ENVIRONMENT, t.environment))
    if t.service_version:
        resource.append((c.RESOURCE_SERVICE_VERSION, t.service_version))
    if resource:
        env[c.OTEL_RESOURCE_ATTRIBUTES_ENV] = format_pairs(tuple(resource))
    if t.logger_levels:  # the inputs of effective_logger_levels, not its result
        env[env_name("logger_levels")] = format_levels(t.logger_levels)
    if t.log_file:
        env[env_name("log_file")] = t.log_file
    if t.fluentd_host:
        env[env_name("fluentd_host")] = t.fluentd_host
        env[env_name("fluentd_port")] = str(t.fluentd_port)
    if t.fluentd_tag:
        env[env_name("fluentd_tag")] = t.fluentd_tag
    if t.prices:
        env[env_name("prices")] = format_prices(t.prices)
    return dict(sorted(env.items()))
