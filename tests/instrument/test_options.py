"""Options: explicit kwargs > environment > spec telemetry > defaults; telemetry_env."""

from __future__ import annotations

import dataclasses

import pytest

from adk_observe import model
from adk_observe.instrument.options import (
    Options,
    OptionsError,
    resolve_options,
    telemetry_env,
)

SPEC = model.Telemetry(
    metrics_port=9100, label_limit=50, tracing_endpoint="http://jaeger:4318", sampling=0.25,
    export_timeout=1.5, log_level="WARNING", log_file="/var/log/agent.json",
    fluentd_host="fluentd.logging", fluentd_port=24225, fluentd_tag="agents",
    cost_center="support", prices=(model.ModelPrice("gemini-2.0-flash", 0.1, 0.4),),
)


def test_defaults_apply_when_nothing_is_set() -> None:
    assert resolve_options(environ={}) == Options()


def test_the_spec_overrides_defaults() -> None:
    options = resolve_options(telemetry=SPEC, environ={})
    assert (options.metrics_port, options.sampling, options.cost_center) == (9100, 0.25, "support")
    assert options.prices == SPEC.prices


def test_the_environment_overrides_the_spec() -> None:
    env = {"ADK_OBSERVE_SAMPLING": "0.5", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318",
           "OTEL_SERVICE_NAME": "from-env", "ADK_OBSERVE_TRACING_ENABLED": "false"}
    options = resolve_options(telemetry=SPEC, environ=env)
    assert options.sampling == 0.5
    assert options.tracing_endpoint == "http://otel:4318"
    assert options.service_name == "from-env"
    assert options.tracing_enabled is False
    assert options.metrics_port == 9100


def test_explicit_kwargs_override_the_environment() -> None:
    env = {"ADK_OBSERVE_SAMPLING": "0.5", "OTEL_SERVICE_NAME": "from-env"}
    options = resolve_options(environ=env, sampling=1.0, service_name="explicit")
    assert (options.sampling, options.service_name) == (1.0, "explicit")


def test_telemetry_env_round_trips_through_resolve_options() -> None:
    env = telemetry_env(SPEC)
    resolved = resolve_options(environ=env)
    for f in dataclasses.fields(model.Telemetry):
        assert getattr(resolved, f.name) == getattr(SPEC, f.name), f.name


def test_telemetry_env_is_sorted_and_omits_unset_sinks() -> None:
    env = telemetry_env(model.Telemetry())
    assert list(env) == sorted(env)
    assert not any("FLUENTD" in k or "LOG_FILE" in k or "PRICES" in k for k in env)
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in env


@pytest.mark.parametrize(("var", "raw"), [
    ("ADK_OBSERVE_SAMPLING", "lots"), ("ADK_OBSERVE_METRICS_PORT", "x"),
    ("ADK_OBSERVE_TRACING_ENABLED", "maybe"), ("ADK_OBSERVE_PRICES", "[1,2]"),
    ("ADK_OBSERVE_LOGGER_LEVELS", "mcp"),
])
def test_an_invalid_environment_value_names_the_variable(var: str, raw: str) -> None:
    with pytest.raises(OptionsError, match=var):
        resolve_options(environ={var: raw})


@pytest.mark.parametrize("kwargs", [
    {"sampling": 1.5}, {"label_limit": 0}, {"export_timeout": 0.0}, {"service_name": ""},
    {"no_such_option": 1},
])
def test_invalid_options_are_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(OptionsError):
        resolve_options(environ={}, **kwargs)


def test_logger_levels_parse_from_the_environment() -> None:
    options = resolve_options(environ={"ADK_OBSERVE_LOGGER_LEVELS": "agent=info, mcp=ERROR"})
    assert options.logger_levels == (("agent", "INFO"), ("mcp", "ERROR"))


def test_options_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Options().sampling = 1.0  # type: ignore[misc]


def test_telemetry_env_can_name_the_service() -> None:
    env = telemetry_env(model.Telemetry(), service_name="support-agent")
    assert env["OTEL_SERVICE_NAME"] == "support-agent"
    assert resolve_options(environ=env).service_name == "support-agent"
