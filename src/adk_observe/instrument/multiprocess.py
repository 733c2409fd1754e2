"""Prometheus multiprocess mode for pre-forking servers (gunicorn workers).

prometheus-client decides at import time whether metric values live in per-process memory-mapped
files: set PROMETHEUS_MULTIPROC_DIR (an empty directory, cleared at every deploy) in the
environment before the server starts. Then:

- every worker calls `adk_observe.init(..., metrics_port=-1)` (workers cannot share a port);
- the master serves the aggregate: in gunicorn's `when_ready` hook call
  `serve_multiprocess_metrics(port)`, and in `child_exit` call `mark_process_dead(worker.pid)`.

Limits (prometheus-client's): no exemplars; gauges aggregate per their mode (active
conversations and memory are summed over live workers; satisfaction and cost take the most
recent value); ADK's gen_ai.* OpenTelemetry metrics are per process and not exposed; `/ready`
on the master reflects the master, not the workers.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, multiprocess

from adk_observe.instrument.http import MetricsServer, Readiness
from adk_observe.instrument.metrics import MULTIPROC_ENV, multiprocess_enabled


def multiprocess_registry() -> CollectorRegistry:
    """A registry that aggregates the metric files of every worker."""
    if not multiprocess_enabled():
        raise RuntimeError(f"{MULTIPROC_ENV} is not set: multiprocess mode is off")
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


def serve_multiprocess_metrics(port: int, host: str = "0.0.0.0") -> MetricsServer:
    """Serve /metrics (aggregated over workers), /health and /ready (always ready)."""
    return MetricsServer(multiprocess_registry(), Readiness(ready=True), host, port)


def mark_process_dead(pid: int) -> None:
    """Drop a dead worker's live gauges (call from gunicorn's `child_exit` hook)."""
    path = os.environ.get(MULTIPROC_ENV) or os.environ.get(MULTIPROC_ENV.lower())
    multiprocess.mark_process_dead(pid, path)  # type: ignore[no-untyped-call]
