"""Each default once: the spec schema, the core model and the runtime options agree on every
default they share (the metrics port, the label limit, the sampling ratio ...)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from adk_observe import model
from adk_observe.cli.spec import json_schema
from adk_observe.instrument.options import Options, resolve_options
from adk_observe.loader.load import load_specs

MINIMAL = """\
apiVersion: adk-observe/v1
kind: AgentService
metadata: {name: defaults-agent}
spec:
  slos: [{name: availability, objective: 99.9, sli: {builtin: uptime}}]
"""
# (schema definition, property) -> the model's and the options' field.
SCHEMA = {
    ("MetricsTelemetryV1", "port"): "metrics_port",
    ("MetricsTelemetryV1", "label_limit"): "label_limit",
    ("TracingTelemetryV1", "enabled"): "tracing_enabled",
    ("TracingTelemetryV1", "endpoint"): "tracing_endpoint",
    ("TracingTelemetryV1", "sampling"): "sampling",
    ("TracingTelemetryV1", "export_timeout"): "export_timeout",
    ("LoggingTelemetryV1", "level"): "log_level",
    ("LoggingTelemetryV1", "console"): "log_console",
    ("LoggingTelemetryV1", "file"): "log_file",
    ("FluentdV1", "port"): "fluentd_port",
    ("FluentdV1", "tag"): "fluentd_tag",
    ("CostTelemetryV1", "cost_center"): "cost_center",
    ("ResourceTelemetryV1", "service_version"): "service_version",
    ("ResourceTelemetryV1", "environment"): "environment",
}


def test_a_spec_without_telemetry_loads_to_the_model_defaults(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(MINIMAL)
    assert load_specs([path])[0].telemetry == model.Telemetry()


def test_the_json_schema_states_the_model_defaults() -> None:
    definitions: dict[str, Any] = json_schema()["$defs"]
    defaults = model.Telemetry()
    for (definition, prop), field in SCHEMA.items():
        stated = definitions[definition]["properties"][prop]["default"]
        assert stated == getattr(defaults, field), (definition, prop)


def test_the_runtime_options_default_to_the_model_defaults() -> None:
    defaults, options = model.Telemetry(), Options()
    shared = [f.name for f in dataclasses.fields(model.Telemetry)]
    assert {n: getattr(options, n) for n in shared} == {n: getattr(defaults, n) for n in shared}
    assert resolve_options(environ={}) == options
