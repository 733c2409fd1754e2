"""The spec's telemetry section as the environment variables that `adk_observe.init()` reads.

Core, not runtime: the deploy generator writes these into a ConfigMap and must not import the
instrumentation (instrument/options.py reads them back; a round-trip test holds the two together).
"""

from __future__ import annotations

import json

from adk_observe import model
from adk_observe.conventions import OTEL_ENDPOINT_ENV, OTEL_SERVICE_NAME_ENV, env_name


def format_prices(prices: tuple[model.ModelPrice, ...]) -> str:
    table = {}
    for p in prices:
        row = [p.input_per_million, p.output_per_million, p.cached_input_per_million]
        row.append(p.reasoning_per_million)
        while row[-1] is None:
            row.pop()
        table[p.model] = row
    return json.dumps(table, sort_keys=True, separators=(",", ":"))


def telemetry_env(t: model.Telemetry, service_name: str | None = None) -> dict[str, str]:
    """The environment variables that make `init()` resolve to the spec's telemetry section
    (plus OTEL_SERVICE_NAME when `service_name` is given: the Prometheus job and trace service)."""
    env = {
        env_name("metrics_port"): str(t.metrics_port),
        env_name("label_limit"): str(t.label_limit),
        env_name("tracing_enabled"): "true" if t.tracing_enabled else "false",
        env_name("sampling"): repr(float(t.sampling)),
        env_name("export_timeout"): repr(float(t.export_timeout)),
        env_name("log_level"): t.log_level,
        env_name("cost_center"): t.cost_center,
    }
    if service_name:
        env[OTEL_SERVICE_NAME_ENV] = service_name
    if t.tracing_endpoint:
        env[OTEL_ENDPOINT_ENV] = t.tracing_endpoint
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
