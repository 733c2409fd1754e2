"""The handle `init()` returns, and the one module-level slot that holds the current one.

Global state lives here only: `configure()` installs a handle, `current()` reads it (a plain
attribute read on the hot path), `reset()` shuts it down. Tests reset it between cases.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
from collections.abc import Callable
from typing import IO, Any

from opentelemetry import trace
from opentelemetry.sdk.trace.export import SpanExporter
from prometheus_client import REGISTRY, CollectorRegistry

from adk_observe import conventions as c
from adk_observe.instrument import metrics as m
from adk_observe.instrument import otlp_export
from adk_observe.instrument.cost import PriceTable, Usage
from adk_observe.instrument.events import Event, Feedback, Origin, call_origin, log_ids
from adk_observe.instrument.flushing import BoundedFlush
from adk_observe.instrument.http import MetricsServer, Readiness
from adk_observe.instrument.labels import label_value
from adk_observe.instrument.logging import LoggingSetup, emit
from adk_observe.instrument.multiprocess import multiprocess_registry
from adk_observe.instrument.options import Options
from adk_observe.instrument.otel_metrics import OtelMetricsCollector
from adk_observe.instrument.otlp_metrics import OtlpMetricsPush
from adk_observe.instrument.prices import BUILTIN_PRICES
from adk_observe.instrument.sessions import Sessions
from adk_observe.instrument.tracing import Tracing, current_ids, make_resource
from adk_observe.instrument.work_queue import DrainCollector, WorkQueues

LOGGER_NAME = "adk_observe"
# What force_flush() waits past two export timeouts: thread start-up and scheduling on a busy host.
FLUSH_SLACK_SECONDS = 1.0
_log = logging.getLogger(LOGGER_NAME)


class Observability:
    """Everything one `init()` set up. Use `adk_observe.shutdown()` (or `.shutdown()`) to undo."""

    def __init__(
        self,
        options: Options,
        *,
        registry: CollectorRegistry | None = None,
        span_exporter: SpanExporter | None = None,
        log_output: IO[str] | None = None,
    ) -> None:
        self.options = options
        self.registry = registry if registry is not None else REGISTRY
        self.agent_id = options.agent_id or options.service_name
        self.prices = PriceTable(options.prices, BUILTIN_PRICES)
        self._label_max = options.label_value_max_length
        self.sessions = Sessions(options.user_id_mode, options.user_id_key)
        self.readiness = Readiness()
        self._closed = False
        self._lock = threading.Lock()
        self.queues: WorkQueues | None = None
        self._drain: DrainCollector | None = None
        # Where `record()` queues events; None: apply them at once.
        self._defer: Callable[[str, Callable[..., None], tuple[Any, ...]], None] | None = None
        if options.background_recording:
            self._start_queues()
        try:
            self.metrics = m.AgentMetrics(
                self.registry,
                label_limit=options.label_limit,
                series_limit=options.series_limit,
                label_value_max_length=options.label_value_max_length,
            )
        except BaseException:
            self._close_queues(0.0)
            raise
        self.metrics.track_rss(self.agent_id)
        self.logger = logging.getLogger(LOGGER_NAME + ".agent")
        self.otel_collector: OtelMetricsCollector | None = None
        self.tracing: Tracing | None = None
        self.logging: LoggingSetup | None = None
        self.server: MetricsServer | None = None
        self.otlp_metrics: OtlpMetricsPush | None = None
        self._flushers: tuple[BoundedFlush, ...] = ()
        try:
            self._start_sinks(span_exporter, log_output)
        except BaseException:
            self.shutdown()
            raise
        self.tracer = self.tracing.tracer if self.tracing else trace.get_tracer(LOGGER_NAME)
        tracing, otlp_metrics = self.tracing, self.otlp_metrics
        self._flush_spans = BoundedFlush(lambda: tracing is None or tracing.force_flush(), "spans")
        self._flush_metrics = BoundedFlush(
            lambda: otlp_metrics is None or otlp_metrics.export(), "metrics"
        )
        self._flushers = (self._flush_spans, self._flush_metrics)

    def _start_queues(self) -> None:
        self.queues = WorkQueues(
            lambda n: self.metrics.drop(c.SINK_RECORDER, n), self.internal_error
        )
        if not m.multiprocess_enabled():  # another process scrapes: nothing to drain
            # Registered before the catalogue, so a scrape applies the queue first.
            self._drain = DrainCollector(self.queues)
            self.registry.register(self._drain)
            self._defer = self.queues.put

    def _start_sinks(self, span_exporter: SpanExporter | None, log_output: IO[str] | None) -> None:
        """ADK's gen_ai.* metrics, tracing, logging and the metrics server, as the options say."""
        options = self.options
        if options.otel_metrics and not self.metrics.multiprocess:
            collector = OtelMetricsCollector(
                lambda n: self.metrics.drop(c.SINK_OTEL_METRICS, n),
                series_limit=options.series_limit,
                label_value_max_length=options.label_value_max_length,
            )
            if collector.active:
                self.registry.register(collector)
                self.otel_collector = collector
        if options.otlp_metrics:
            self.otlp_metrics = self._start_otlp_metrics()
        if options.tracing_enabled:
            self.tracing = Tracing(
                options,
                lambda n: self.metrics.drop(c.SINK_OTLP, n),
                span_exporter,
                self.sessions.raw_users,
            )
        if options.logging_enabled:
            self.logging = LoggingSetup(
                options,
                lambda n: self.metrics.drop(c.SINK_FLUENTD, n),
                lambda: self.metrics.internal_error(c.COMPONENT_LOGGING),
                stream=log_output,
                on_file_drop=lambda n: self.metrics.drop(c.SINK_LOG_FILE, n),
                raw_users=self.sessions.raw_users,
            )
        if options.metrics_enabled and options.metrics_port >= 0:
            self._start_server()

    def _start_server(self) -> None:
        served = multiprocess_registry() if self.metrics.multiprocess else self.registry
        try:
            self.server = MetricsServer(
                served,
                self.readiness,
                self.options.metrics_host,
                self.options.metrics_port,
                on_error=lambda: self.metrics.internal_error(c.COMPONENT_HTTP),
            )
        except RuntimeError:
            # No thread could be started (a thread limit, memory): the agent matters more than
            # its /metrics, so it runs on without them; counted and logged.
            self.metrics.internal_error(c.COMPONENT_HTTP)
            _log.warning("metrics server not started: no thread", exc_info=True)

    def _start_otlp_metrics(self) -> OtlpMetricsPush:
        """The OTLP metrics export: the catalogue from the registry /metrics serves, the SDK's
        metrics from the collector that sums them (a private one when /metrics leaves them out)."""
        options = self.options
        sdk = self.otel_collector
        if sdk is None and not self.metrics.multiprocess:
            private = OtelMetricsCollector(
                lambda n: self.metrics.drop(c.SINK_OTEL_METRICS, n),
                series_limit=options.series_limit,
                label_value_max_length=options.label_value_max_length,
            )
            sdk = private if private.active else None
        registry: CollectorRegistry | None = self.registry
        if self.metrics.multiprocess:
            registry = None
            _log.warning("multiprocess mode: the catalogue is not sent over OTLP (see /metrics)")
        return OtlpMetricsPush(
            otlp_export.metric_exporter(options),
            registry,
            sdk,
            make_resource(options),
            options.metrics_export_interval,
            lambda n: self.metrics.drop(c.SINK_OTLP_METRICS, n),
            otlp_export.metrics_timeout(options),
        )

    # --- what the agent reports ---------------------------------------------------------------

    @property
    def port(self) -> int | None:
        """The bound port of the metrics server (useful with metrics_port=0), or None."""
        return self.server.port if self.server else None

    def set_ready(self, ready: bool = True, reason: str = "") -> None:
        self.readiness.set_ready(ready, reason)

    def add_readiness_check(self, name: str, check: Callable[[], object]) -> None:
        self.readiness.add_check(name, check)

    def resolve_agent(self, *candidates: str | None) -> str:
        """The agent_id of an event: the first candidate given (the caller's, then the
        enclosing turn's or the plugin's), else the `agent_id` option, else the service name."""
        for candidate in candidates:  # a loop: no generator object on every hook
            if candidate:
                return candidate
        return self.agent_id

    def agent_given(self, agent_id: object) -> str | None:
        """An agent_id a caller passed, as the label value it becomes (plain text, whatever the
        object's truth value or hash do), for `resolve_agent`; None when none was passed."""
        return None if agent_id is None else label_value(agent_id, self._label_max)

    def label(self, value: object) -> str:
        """`value` as the label value it becomes on every metric (cut to the length cap, valid
        UTF-8, no control characters), and so as the log field of the same name."""
        return label_value(value, self._label_max)

    def record_feedback(self, rating: float, agent_id: str | None = None, **fields: Any) -> None:
        """A user's satisfaction rating (1-5): observed in the histogram, set on the gauge."""
        try:
            valid = 1.0 <= rating <= 5.0  # False for NaN
        except TypeError:
            valid = False
        if not valid:
            raise ValueError(f"rating must be a number within [1, 5], got {repr(rating)[:40]}")
        agent = self.label(self.resolve_agent(self.agent_given(agent_id)))
        ctx = trace.get_current_span().get_span_context()
        self.apply(Feedback(agent_id=agent, rating=rating, ctx=ctx if ctx.is_valid else None))
        fields = {c.LABEL_AGENT_ID: agent, c.LOG_RATING: rating, **fields}
        self.logger.info(c.LOG_MESSAGE_FEEDBACK, extra=fields)

    def llm_cost(self, model: str, usage: Usage) -> float | None:
        """The cost of one LLM call from the price table (None: the model has no price). A cost
        that is not finite (token counts so large their product overflows) is refused: counted
        as dropped (sink "metrics") and taken as 0, so it never reaches a counter, a turn or a
        span."""
        cost = self.prices.cost(model, usage)
        if cost is not None and not math.isfinite(cost):
            self.metrics.drop(c.SINK_METRICS)
            return 0.0
        return cost

    # --- recording ----------------------------------------------------------------------------

    def apply(self, event: Event) -> None:
        """Record `event` now: every metric that captures its kind, then its log line (written by
        the log writer unless the `background_recording` option is off)."""
        self.metrics.record(event)
        level = event.log_level()
        if level and self.logger.isEnabledFor(level):
            message, fields, ctx = event.log_line(self.label)
            self.log(level, message, fields, log_ids(ctx), event.origin)

    def record(self, event: Event, component: str = c.COMPONENT_ADK_PLUGIN) -> None:
        """`apply(event)` by the work queue's worker; now, in multiprocess mode or with
        `background_recording` off. A failure counts as an internal error of `component`."""
        if self._defer is not None:
            self._defer(component, self.apply, (event,))
        else:
            self.apply(event)

    def defer(self, component: str, fn: Callable[..., None], *args: Any) -> None:
        """`fn(*args)` by the work queue's worker, like `record` (for work that is no event:
        the audit stream's lines). A failure counts as an internal error of `component`."""
        if self._defer is not None:
            self._defer(component, fn, args)
        else:
            fn(*args)

    def log(
        self,
        level: int,
        message: str,
        fields: dict[str, Any],
        ids: tuple[str, str] | None = None,
        origin: Origin | None = None,
    ) -> None:
        """One of adk-observe's own lines (the caller checked `self.logger.isEnabledFor(level)`).

        `fields` must hold only values adk-observe produced (they skip redaction). `ids`: the
        (trace id, span id) to log, default the current span's; `origin`: the (time.time(),
        thread id, thread name) the line was asked for, default now and here. Written by the
        log writer unless the `background_recording` option is off.
        """
        if ids is None:
            trace_id, span_id, _ = current_ids()
            ids = (trace_id, span_id)
        if self.queues is None:
            emit(self.logger, level, message, fields, own=True, ids=ids, origin=origin)
            return
        self.queues.line(self.logger, level, message, fields, ids, origin or call_origin())

    def internal_error(self, component: str) -> None:
        """Count a contained failure; never raises."""
        try:
            self.metrics.internal_error(component)
            _log.debug("contained internal error in %s", component, exc_info=True)
        except Exception:
            pass

    # --- lifecycle ----------------------------------------------------------------------------

    def force_flush(self) -> bool:
        """Send what is queued; waits at most about twice `export_timeout` per sink (an export
        under way, then this one; flushing.py), whatever the collector does."""
        if self.queues is not None:
            self.queues.flush_all()
        limit = 2 * self.options.export_timeout + FLUSH_SLACK_SECONDS
        ok = self._flush_spans(limit) if self.tracing else True
        if self.otlp_metrics is not None:
            metrics_limit = 2 * otlp_export.metrics_timeout(self.options) + FLUSH_SLACK_SECONDS
            ok = self._flush_metrics(metrics_limit) and ok
        if self.logging is not None and self.logging.fluent is not None:
            ok = self.logging.fluent.flush_wait(self.options.export_timeout) and ok
        return ok

    def shutdown(self, timeout: float = 1.0) -> None:
        """Stop the server, exporters and handlers; waits at most about `timeout` per sink."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if self.server is not None:
            self.server.close()
        for flusher in self._flushers:  # their threads end (after a flush under way)
            flusher.close()
        if self.tracing is not None:
            self.tracing.shutdown(timeout)
        self._close_queues(timeout)
        if self.otlp_metrics is not None:
            self.otlp_metrics.shutdown(timeout)
        if self.logging is not None:
            self.logging.close(timeout)
        if self.otel_collector is not None:
            with contextlib.suppress(KeyError):
                self.registry.unregister(self.otel_collector)
        self.metrics.unregister()

    def _close_queues(self, timeout: float) -> None:
        if self.queues is not None:
            self.queues.close(timeout)
        if self._drain is not None:
            with contextlib.suppress(KeyError):
                self.registry.unregister(self._drain)


def log_warning(message: str) -> None:
    """A warning of adk-observe's own (an ignored setting) on the `adk_observe` logger."""
    _log.warning(message)


class _State:
    current: Observability | None = None
    lock = threading.Lock()


def configure(handle: Observability) -> Observability:
    """Make `handle` current, shutting down the previous one."""
    with _State.lock:
        previous, _State.current = _State.current, handle
    if previous is not None and previous is not handle:
        previous.shutdown()
    return handle


def current() -> Observability | None:
    return _State.current


def reset() -> None:
    """Shut down and forget the current handle (tests call this between cases)."""
    with _State.lock:
        previous, _State.current = _State.current, None
    if previous is not None:
        previous.shutdown()
