"""Options: explicit kwargs > environment > spec telemetry > defaults; telemetry_env."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from adk_observe import model
from adk_observe.environment import telemetry_env
from adk_observe.instrument.option_checks import RULES
from adk_observe.instrument.options import Options, OptionsError, resolve_options

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


DOCS = Path(__file__).resolve().parents[2] / "docs" / "instrumentation.md"


def _doc_table(heading: str) -> dict[str, str]:
    """The first column -> the second of the table under `heading` in instrumentation.md."""
    text = DOCS.read_text()
    section = text[text.index(heading):]
    section = section[: section.index("\n#", len(heading))]
    rows = [line.split("|")[1:3] for line in section.splitlines() if line.startswith("| ")]
    return {a.strip().strip("`"): b.strip() for a, b in rows[1:]}


def test_the_docs_valid_values_table_is_the_rules_table() -> None:
    assert _doc_table("### Valid values") == {name: text for name, (_, text) in RULES.items()}


def test_the_docs_options_table_has_a_row_per_option() -> None:
    assert set(_doc_table("## Options")) == {f.name for f in dataclasses.fields(Options)}


@pytest.mark.parametrize(("env", "message"), [
    ({"ADK_OBSERVE_SAMPLING": "1.5"}, "ADK_OBSERVE_SAMPLING='1.5': sampling must be within"),
    ({"ADK_OBSERVE_EXPORT_TIMEOUT": "nan"}, "ADK_OBSERVE_EXPORT_TIMEOUT='nan': export_timeout must"
                                            " be a finite number, got nan"),
    ({"ADK_OBSERVE_EXPORT_TIMEOUT": "inf"}, "export_timeout must be a finite number, got inf"),
    ({"ADK_OBSERVE_FLUENTD_TIMEOUT": "-1"}, "fluentd_timeout must be a positive number"),
    ({"ADK_OBSERVE_METRICS_PORT": "70000"}, "metrics_port must be at most 65535"),
    ({"ADK_OBSERVE_METRICS_PORT": "\u0663"}, "ADK_OBSERVE_METRICS_PORT='\u0663': not an integer"),
    ({"ADK_OBSERVE_FLUENTD_PORT": "0"}, "fluentd_port must be within [1, 65535]"),
    ({"ADK_OBSERVE_TRACING_ENDPOINT": "collector:4318"}, "tracing_endpoint must be an http://"),
    ({"ADK_OBSERVE_TRACING_HEADERS": "k=a%0D%0AX-Evil: 1"},
     "tracing_headers must be pairs of text without control characters"),
    ({"ADK_OBSERVE_TRACING_HEADERS": "k=%E2%82%AC"}, "tracing_headers must be headers whose"),
    ({"ADK_OBSERVE_TRACING_HEADERS": "bad key=1"}, "tracing_headers must be headers whose"),
    ({"ADK_OBSERVE_AGENT_ID": "a\x1b[31m"}, "agent_id must be text without control characters"),
    ({"ADK_OBSERVE_COST_CENTER": "\udcff"}, "cost_center must be text without control"),
    ({"ADK_OBSERVE_EXPORT_COMPRESSION": "brotli"}, "export_compression must be one of none"),
    ({"ADK_OBSERVE_PRICES": "[" * 100_000}, "ADK_OBSERVE_PRICES='[[[["),
    ({"ADK_OBSERVE_LOG_LEVEL": "LOUD"}, "ADK_OBSERVE_LOG_LEVEL='LOUD': log_level must be one of"),
])
def test_an_invalid_own_variable_is_an_error_naming_it_and_its_source(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(OptionsError) as info:
        resolve_options(environ=env)
    assert message in str(info.value)
    assert "\n" not in str(info.value) and len(str(info.value)) < 400


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"export_timeout": float("nan")}, "export_timeout must be a finite number, got nan"),
    ({"label_limit": "100"}, "label_limit must be an integer, got '100'"),
    ({"metrics_enabled": "yes"}, "metrics_enabled must be true or false, got 'yes'"),
    ({"tracing_headers": {"x-a": "1\r\nX-Evil: 1"}}, "tracing_headers must be pairs of text"),
    ({"tracing_headers": {"x-a": " padded"}}, "tracing_headers must be headers whose names"),
])
def test_an_invalid_keyword_is_an_error_naming_the_option(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(OptionsError, match=re.escape(message)):
        resolve_options(environ={}, **kwargs)


def test_a_spec_value_is_checked_too_and_named_as_the_specs() -> None:
    spec = model.Telemetry(export_timeout=float("inf"))
    with pytest.raises(OptionsError, match="telemetry: export_timeout must be a finite number"):
        resolve_options(environ={}, telemetry=spec)
