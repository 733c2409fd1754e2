"""OpenTelemetry tracing: one process-wide TracerProvider whose sampler and exporters each
`init()` swaps, OTLP/HTTP export with bounded queues and short timeouts, W3C propagation.

OpenTelemetry lets a process set its global TracerProvider once, and ADK's tracer binds to it on
first use. So the provider is installed once (with the first `init()`'s resource) and every
`init()` plugs its own sampler and span processor into it; `shutdown()` unplugs them. ADK's own
spans (invoke_agent, generate_content, execute_tool) flow through the same provider: they are
exported and enriched, never duplicated. If the application installed its own SDK provider first,
adk-observe adds its processor to that provider and leaves its sampler alone.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.sdk.resources import (
    TELEMETRY_SDK_LANGUAGE,
    TELEMETRY_SDK_NAME,
    TELEMETRY_SDK_VERSION,
    Resource,
)
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.sdk.version import __version__ as sdk_version
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import Attributes

from adk_observe import conventions as c
from adk_observe.instrument import otlp_export
from adk_observe.instrument.options import Options
from adk_observe.instrument.sessions import RawUsers
from adk_observe.instrument.span_redaction import RedactingSpanExporter

# ADK's switch for copying prompts and responses onto its spans (read at every run; default on).
ADK_CONTENT_IN_SPANS_ENV = "ADK_CAPTURE_MESSAGE_CONTENT_IN_SPANS"
INSTRUMENTATION_NAME = "adk_observe"

DropCounter = Callable[[int], None]


class _SwitchableSampler(Sampler):
    """Samples as its `delegate` does. Setting `delegate` also binds the delegate's
    `should_sample` on the instance, so the SDK calls it with no extra frame per span (every
    span of every turn, sampled or not, asks the sampler)."""

    def __init__(self) -> None:
        self.delegate = ParentBased(TraceIdRatioBased(0.0))

    @property
    def delegate(self) -> Sampler:
        return self._delegate

    @delegate.setter
    def delegate(self, sampler: Sampler) -> None:
        self._delegate = sampler
        self.should_sample = sampler.should_sample  # type: ignore[method-assign]

    def should_sample(
        self,
        parent_context: otel_context.Context | None,
        trace_id: int,
        name: str,
        kind: trace.SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[trace.Link] | None = None,
        trace_state: trace.TraceState | None = None,
    ) -> SamplingResult:
        return self._delegate.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"adk_observe({self._delegate.get_description()})"


class _SwitchableProcessor(SpanProcessor):
    """Forwards to the span processor of the current `init()` (or to nothing)."""

    def __init__(self) -> None:
        self.delegate: SpanProcessor | None = None

    def on_start(self, span: Span, parent_context: otel_context.Context | None = None) -> None:
        delegate = self.delegate
        if delegate is not None:
            delegate.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        delegate = self.delegate
        if delegate is not None:
            delegate.on_end(span)

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        delegate = self.delegate
        return delegate.force_flush(timeout_millis) if delegate is not None else True


class _Globals:
    lock = threading.Lock()
    provider: TracerProvider | None = None
    sampler: _SwitchableSampler | None = None
    processor: _SwitchableProcessor | None = None


def _install(resource: Resource) -> tuple[_SwitchableSampler | None, _SwitchableProcessor]:
    with _Globals.lock:
        if _Globals.processor is not None:
            return _Globals.sampler, _Globals.processor
        processor = _SwitchableProcessor()
        current = trace.get_tracer_provider()
        sampler: _SwitchableSampler | None
        if isinstance(current, TracerProvider):  # the application's own SDK provider
            sampler = None
            current.add_span_processor(processor)
        else:
            sampler = _SwitchableSampler()
            # shutdown_on_exit=False: the SDK's atexit hook waits up to 30 s on a dead collector.
            provider = TracerProvider(resource=resource, sampler=sampler, shutdown_on_exit=False)
            provider.add_span_processor(processor)
            trace.set_tracer_provider(provider)
            _Globals.provider = provider
        _Globals.sampler, _Globals.processor = sampler, processor
        return sampler, processor


class _CountingExporter(SpanExporter):
    """Counts spans that failed to export (collector down) as dropped; never raises."""

    def __init__(self, inner: SpanExporter, on_drop: DropCounter) -> None:
        self.inner = inner
        self._on_drop = on_drop

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            result = self.inner.export(spans)
        except Exception:
            result = SpanExportResult.FAILURE
        if result is not SpanExportResult.SUCCESS:
            self._on_drop(len(spans))
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


class _BoundedProcessor(BatchSpanProcessor):
    """A BatchSpanProcessor that counts the spans its full queue drops."""

    def __init__(
        self, exporter: SpanExporter, on_drop: DropCounter, resource: Resource, **kwargs: Any
    ) -> None:
        super().__init__(exporter, **kwargs)
        self.exporter = exporter
        self._resource = resource
        self._on_drop = on_drop
        self._max = int(kwargs["max_queue_size"])

    def on_end(self, span: ReadableSpan) -> None:
        if not span.context or not span.context.trace_flags.sampled:
            return
        queue = getattr(self._batch_processor, "_queue", None)
        if queue is not None and len(queue) >= self._max:
            self._on_drop(1)
        if span.resource is not self._resource and hasattr(span, "_resource"):
            # The provider's resource is the first init()'s; export under this init()'s.
            span._resource = self._resource
        super().on_end(span)

    def shutdown(self, timeout_millis: int = 1000) -> None:  # type: ignore[override]
        self._batch_processor.shutdown(timeout_millis=timeout_millis)


def make_resource(options: Options) -> Resource:
    """The resource from the resolved options only. (`Resource.create` would read
    OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME again, past the precedence of the options.)"""
    attrs: dict[str, str] = {
        TELEMETRY_SDK_LANGUAGE: "python",
        TELEMETRY_SDK_NAME: "opentelemetry",
        TELEMETRY_SDK_VERSION: sdk_version,
    }
    attrs.update(options.resource_attributes)
    attrs[c.RESOURCE_SERVICE_NAME] = options.service_name
    if options.service_version:
        attrs[c.RESOURCE_SERVICE_VERSION] = options.service_version
    if options.environment:
        attrs[c.RESOURCE_ENVIRONMENT] = options.environment
    return Resource(attrs)


def make_sampler(options: Options) -> Sampler:
    """The OTEL_TRACES_SAMPLER of the options (names and meaning from the specification)."""
    kind = options.sampler
    root: Sampler
    if kind.endswith("always_on"):
        root = ALWAYS_ON
    elif kind.endswith("always_off"):
        root = ALWAYS_OFF
    else:
        root = TraceIdRatioBased(options.sampling)
    return ParentBased(root) if kind.startswith("parentbased_") else root


class Tracing:
    """The tracing part of one `init()`: its sampler and processor plugged into the provider."""

    def __init__(
        self,
        options: Options,
        on_drop: DropCounter,
        exporter: SpanExporter | None = None,
        raw_users: RawUsers | None = None,
    ) -> None:
        """`raw_users`: the raw user ids of a trace, which exception texts lose at export."""
        self.options = options
        propagate.set_global_textmap(
            CompositePropagator([TraceContextTextMapPropagator(), W3CBaggagePropagator()])
        )
        if not options.capture_content:
            # Prompts carry user data and secrets, and serialising them costs more than the
            # rest of the span; an explicit setting in the environment still wins.
            os.environ.setdefault(ADK_CONTENT_IN_SPANS_ENV, "false")
        resource = make_resource(options)
        sampler, self._switch = _install(resource)
        exported = options.traces_exporter != "none"  # OTEL_TRACES_EXPORTER=none: none
        if exporter is None and exported and (options.tracing_endpoint or options.traces_url):
            exporter = otlp_export.span_exporter(options)
        self.processor: _BoundedProcessor | None = None
        if exporter is not None:
            self.processor = _BoundedProcessor(
                _CountingExporter(RedactingSpanExporter(exporter, raw_users), on_drop),
                on_drop,
                resource,
                max_queue_size=options.span_queue_size,
                max_export_batch_size=min(512, options.span_queue_size),
                export_timeout_millis=options.export_timeout * 1000,
                schedule_delay_millis=1000,
            )
        self._switch.delegate = self.processor
        if sampler is not None:
            # Without an exporter nothing would leave the process: record nothing (trace ids
            # still propagate and reach the logs).
            sampler.delegate = (
                make_sampler(options)
                if self.processor is not None
                else ParentBased(TraceIdRatioBased(0.0))
            )
        self.tracer = trace.get_tracer(INSTRUMENTATION_NAME, schema_url=c.GENAI_SCHEMA_URL)

    def force_flush(self) -> bool:
        return self.processor.force_flush() if self.processor is not None else True

    def shutdown(self, timeout: float = 1.0) -> None:
        """Unplug and stop the exporter; waits at most about `timeout` seconds."""
        if self._switch.delegate is self.processor:
            self._switch.delegate = None
        if _Globals.sampler is not None:
            _Globals.sampler.delegate = ParentBased(TraceIdRatioBased(0.0))
        if self.processor is not None:
            self.processor.shutdown(timeout_millis=int(timeout * 1000))


def current_ids() -> tuple[str, str, bool]:
    """(trace id, span id, sampled) of the current span, as hex; empty strings when none."""
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return "", "", False
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x"), ctx.trace_flags.sampled
