"""OTEL_SDK_DISABLED=true with the other OpenTelemetry variables broken: the switch one turns
in an incident, when the telemetry settings are what is wrong.

Surface: `init()` reading the OTEL_* variables (docs/instrumentation.md, "OpenTelemetry
environment variables").

Generator: hand-picked values each of which alone is an `OptionsError` (a protocol adk-observe
does not speak, an exporter name it does not have, a metrics interval or endpoint out of range).

Bound: the specification ("Environment Variable Specification", OTEL_SDK_DISABLED): "if true, a
no-op SDK implementation will be used for all telemetry signals": the exporter variables are not
read, so none of them stops the agent from starting; no span and no OTLP metric is sent; the
catalogue on /metrics and the logs stay on (docs: the SDK switch does not turn adk-observe off).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.telemetry_support import reset_state

from adk_observe import conventions as c
from adk_observe.instrument.options import OptionsError, resolve_options

BROKEN = [
    {c.OTEL_PROTOCOL_ENV: "http/json"},
    {c.OTEL_TRACES_PROTOCOL_ENV: "garbage"},
    {c.OTEL_METRICS_PROTOCOL_ENV: "grpc2"},
    {c.OTEL_METRICS_EXPORTER_ENV: "console"},
    {c.OTEL_METRICS_EXPORTER_ENV: "otlp", c.OTEL_METRIC_EXPORT_INTERVAL_ENV: "1"},
    {c.OTEL_METRICS_EXPORTER_ENV: "otlp", c.OTEL_METRICS_ENDPOINT_ENV: "ftp://collector"},
]


@pytest.fixture(autouse=True)
def _reset_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from reset_state(monkeypatch)


@pytest.mark.parametrize("broken", BROKEN)
def test_a_broken_variable_stops_init_while_the_sdk_is_enabled(broken: dict[str, str]) -> None:
    with pytest.raises(OptionsError):
        resolve_options(environ=broken)


@pytest.mark.parametrize("disabled", ["true", "TRUE", " True "])
@pytest.mark.parametrize("broken", BROKEN)
def test_a_disabled_sdk_reads_no_exporter_variable(
    broken: dict[str, str], disabled: str
) -> None:
    """It raised the OptionsError of the broken variable: the agent did not start."""
    warnings: list[str] = []
    options = resolve_options(environ={**broken, c.OTEL_SDK_DISABLED_ENV: disabled,
                                       c.OTEL_SERVICE_NAME_ENV: "checkout"},
                              warn=warnings.append)
    assert (options.tracing_enabled, options.otel_metrics, options.otlp_metrics) == (
        False, False, False)
    assert options.service_name == "checkout"  # the logs and /metrics still name the service
    assert options.metrics_enabled and options.logging_enabled
    assert warnings == []
