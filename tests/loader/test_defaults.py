"""Defaults are stated once, in the core model (and `windows.DEFAULT_PERIOD`): the adk-observe/v1
spec reads them from there, its JSON Schema shows them as a spec writes them, and the runtime's
`init()` options (what an agent gets without a spec) agree with them."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from adk_observe import model as m
from adk_observe.cli import main
from adk_observe.durations import parse_seconds
from adk_observe.instrument.options import Options
from adk_observe.loader.load import load_specs
from adk_observe.windows import DEFAULT_PERIOD, DEFAULT_WINDOWS

MINIMAL = """\
apiVersion: adk-observe/v1
kind: AgentService
metadata: {name: svc}
spec:
  slos: [{name: success, objective: 99, sli: {builtin: success}, alerting: {no_data: {}}}]
  budgets: [{name: llm, amount: 100}]
  telemetry: {logging: {fluentd: {host: fluentd}}}
"""


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["schema"]) == 0
    parsed: dict[str, Any] = json.loads(out.getvalue())
    return parsed


def test_a_minimal_spec_gets_the_models_defaults(tmp_path: Path) -> None:
    path = tmp_path / "svc.yaml"
    path.write_text(MINIMAL)
    (spec,) = load_specs([path])
    assert spec.namespace == "default" == m.ServiceSpec.namespace
    assert spec.telemetry == m.Telemetry(fluentd_host="fluentd")
    assert spec.agent_alerts == m.AgentAlerts()
    (slo,) = spec.slos
    assert (slo.period, slo.windows) == (DEFAULT_PERIOD, DEFAULT_WINDOWS)
    assert slo.alerting.no_data == m.NoDataAlerting(enabled=True)
    assert spec.budgets[0].period == DEFAULT_PERIOD == 30 * 86400


# (schema object, property) -> the model's value. Durations are compared in seconds.
SCHEMA_DEFAULTS: dict[tuple[str, str], Any] = {
    ("MetadataV1", "namespace"): m.ServiceSpec.namespace,
    ("SLOV1", "window"): DEFAULT_PERIOD,
    ("BudgetV1", "period"): DEFAULT_PERIOD,
    ("NoDataV1", "for"): m.NoDataAlerting.for_seconds,
    ("MetricsTelemetryV1", "port"): m.Telemetry.metrics_port,
    ("MetricsTelemetryV1", "label_limit"): m.Telemetry.label_limit,
    ("TracingTelemetryV1", "enabled"): m.Telemetry.tracing_enabled,
    ("TracingTelemetryV1", "sampling"): m.Telemetry.sampling,
    ("TracingTelemetryV1", "export_timeout"): m.Telemetry.export_timeout,
    ("LoggingTelemetryV1", "level"): m.Telemetry.log_level,
    ("LoggingTelemetryV1", "console"): m.Telemetry.log_console,
    ("FluentdV1", "port"): m.Telemetry.fluentd_port,
    ("CostTelemetryV1", "cost_center"): m.Telemetry.cost_center,
}


@pytest.mark.parametrize(("where", "expected"), SCHEMA_DEFAULTS.items(), ids=str)
def test_the_schema_shows_the_models_default(
    schema: dict[str, Any], where: tuple[str, str], expected: Any
) -> None:
    default = schema["$defs"][where[0]]["properties"][where[1]]["default"]
    if isinstance(default, str) and default[-1:] in "smhdw" and default[:1].isdigit():
        default = parse_seconds(default)  # a duration, written as a spec writes it
    assert default == expected


def test_every_duration_default_in_the_schema_is_written_as_a_duration(
    schema: dict[str, Any],
) -> None:
    bad = [
        f"{name}.{prop}: {body['default']!r}"
        for name, obj in schema["$defs"].items()
        for prop, body in obj.get("properties", {}).items()
        if "pattern" in body and "ms|s|m|h|d|w" in body["pattern"] and "default" in body
        if not isinstance(body["default"], str)
    ]
    assert bad == []


def test_the_schema_lists_the_models_log_levels_and_consoles(schema: dict[str, Any]) -> None:
    logging = schema["$defs"]["LoggingTelemetryV1"]["properties"]
    assert logging["level"]["enum"] == list(m.LOG_LEVELS)
    assert logging["console"]["enum"] == list(m.LOG_CONSOLES)


SHARED_WITH_OPTIONS = {f.name for f in fields(m.Telemetry)} & {f.name for f in fields(Options)}


@pytest.mark.parametrize("name", sorted(SHARED_WITH_OPTIONS))
def test_the_runtime_options_default_to_the_models_value(name: str) -> None:
    assert getattr(Options(), name) == getattr(m.Telemetry(), name)


def test_the_options_share_the_telemetry_settings_a_spec_gives() -> None:
    # What the test above covers: a rename on one side would silently drop it from the check.
    assert {"metrics_port", "label_limit", "sampling", "export_timeout", "log_level",
            "log_console", "fluentd_port", "cost_center", "tracing_enabled"} <= SHARED_WITH_OPTIONS
