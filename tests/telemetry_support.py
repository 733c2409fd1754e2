"""The one telemetry harness of the runtime tests (tests/instrument and tests/adk): a fresh
registry, in-memory spans and captured JSON logs around one `adk_observe.init()`."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry

import adk_observe
from adk_observe.instrument import runtime

# Per-call log lines (DEBUG) on, so tests see every line adk-observe writes.
LEVELS = (("adk_observe", "DEBUG"), ("agent", "DEBUG"), ("mcp", "INFO"))


def reset_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No runtime and no ADK_OBSERVE_*/OTEL_* variable leaks into or out of a test."""
    for name in list(os.environ):
        if name.startswith(("ADK_OBSERVE_", "OTEL_")):
            monkeypatch.delenv(name)
    runtime.reset()
    yield
    runtime.reset()


@dataclass
class Telemetry:
    handle: adk_observe.Observability
    registry: CollectorRegistry
    exporter: InMemorySpanExporter
    logs: io.StringIO

    def value(self, name: str, **labels: str) -> float | None:
        return self.registry.get_sample_value(name, labels)

    def spans(self) -> list[ReadableSpan]:
        self.handle.force_flush()
        return list(self.exporter.get_finished_spans())

    def log_lines(self) -> list[dict[str, Any]]:
        self.handle.force_flush()  # adk-observe's own lines wait in the log queue
        return [json.loads(line) for line in self.logs.getvalue().splitlines() if line]


def make_telemetry(service: str, **options: Any) -> Telemetry:
    """`init(service, ...)` with no metrics port, every span sampled and DEBUG lines on unless
    `options` say otherwise."""
    registry, exporter, logs = CollectorRegistry(), InMemorySpanExporter(), io.StringIO()
    options.setdefault("metrics_port", -1)
    options.setdefault("sampling", 1.0)
    options.setdefault("logger_levels", LEVELS)
    handle = adk_observe.init(
        service, registry=registry, span_exporter=exporter, log_output=logs, **options
    )
    return Telemetry(handle, registry, exporter, logs)
