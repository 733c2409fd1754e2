"""Helpers for the ADK plugin tests: fresh registry, in-memory spans, captured JSON logs."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry

import adk_observe
from adk_observe.instrument import runtime

MCP_SERVER_SCRIPT = Path(__file__).with_name("mcp_server.py")
# Per-call log lines (DEBUG) on, so tests see every line adk-observe writes.
LEVELS = (("adk_observe", "DEBUG"), ("agent", "DEBUG"), ("mcp", "INFO"))
PRICES = {"scripted-model": (1.0, 2.0)}


def _reset_state() -> Iterator[None]:
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


def telemetry() -> Telemetry:
    registry, exporter, logs = CollectorRegistry(), InMemorySpanExporter(), io.StringIO()
    handle = adk_observe.init(
        "support-agent", registry=registry, span_exporter=exporter, log_output=logs,
        metrics_port=-1, sampling=1.0, prices=PRICES, logger_levels=LEVELS,
    )
    return Telemetry(handle, registry, exporter, logs)


def mcp_command() -> tuple[str, list[str]]:
    return sys.executable, [str(MCP_SERVER_SCRIPT)]
