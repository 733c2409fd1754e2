"""The runtime API re-exported by `adk_observe` (imported on first use, not at import)."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from opentelemetry.sdk.trace.export import SpanExporter
from prometheus_client import CollectorRegistry

from adk_observe.instrument import runtime
from adk_observe.instrument.options import resolve_options
from adk_observe.instrument.runtime import Observability
from adk_observe.model import Telemetry


def init(
    service_name: str | None = None,
    *,
    telemetry: Telemetry | None = None,
    registry: CollectorRegistry | None = None,
    span_exporter: SpanExporter | None = None,
    log_output: IO[str] | None = None,
    ready: bool = False,
    **options: Any,
) -> Observability:
    """Set up metrics, tracing and logging; returns the handle (also `adk_observe.current()`).

    Options come from `options` (see `adk_observe.Options`), then `ADK_OBSERVE_*` environment
    variables, then the standard OTEL_* variables (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
    OTEL_EXPORTER_OTLP_*, OTEL_TRACES_SAMPLER, ...), then the spec's `telemetry` section, then
    defaults. `registry` defaults to prometheus_client's global REGISTRY; `span_exporter`
    replaces the OTLP exporter (tests pass an InMemorySpanExporter); `log_output` replaces the
    console (stdout) for the JSON log stream. A previous `init()` is shut down first. Raises
    `OptionsError` (a ValueError) for an invalid option, e.g. a legacy Jaeger endpoint; an
    invalid OTEL_* variable is ignored with a warning on the `adk_observe` logger.
    """
    warnings: list[str] = []
    resolved = resolve_options(
        telemetry=telemetry, service_name=service_name, warn=warnings.append, **options
    )
    runtime.reset()
    handle = Observability(
        resolved, registry=registry, span_exporter=span_exporter, log_output=log_output
    )
    for warning in warnings:  # now that the JSON log handlers are in place
        runtime.log_warning(warning)
    if ready:
        handle.set_ready(True)
    return runtime.configure(handle)


def shutdown(timeout: float = 1.0) -> None:
    """Tear down what `init()` set up. Never blocks much longer than `timeout` per sink."""
    handle = runtime.current()
    if handle is not None:
        handle.shutdown(timeout)
    runtime.reset()


def current() -> Observability | None:
    """The handle of the active `init()`, or None."""
    return runtime.current()


def record_feedback(rating: float, agent_id: str | None = None, **fields: Any) -> None:
    """Record a user's satisfaction rating (1-5). A no-op before `init()`."""
    handle = runtime.current()
    if handle is not None:
        handle.record_feedback(rating, agent_id, **fields)


def set_ready(
    ready: bool = True,
    reason: str = "",
    check: Callable[[], object] | None = None,
    name: str = "agent",
) -> None:
    """Report readiness to `/ready` (and optionally register a named readiness check)."""
    handle = runtime.current()
    if handle is not None:
        handle.set_ready(ready, reason)
        if check is not None:
            handle.add_readiness_check(name, check)
