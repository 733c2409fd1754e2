"""Metrics over OTLP (OTEL_METRICS_EXPORTER=otlp), as well as on /metrics.

Every `metrics_export_interval` a worker thread of this `init()` sends one export request with two
scopes: the OpenTelemetry SDK's own metrics (ADK's `gen_ai.client.token.usage`,
`gen_ai.client.operation.duration` and the rest, under their OpenTelemetry names and attributes,
as the same collector that shows them on /metrics has summed them, see otel_metrics.py: no second
reader, so the SDK records each measurement once) and the catalogue, read from the same registry
/metrics serves and sent as it is there: counters as monotonic cumulative
sums named without `_total` (an OpenTelemetry-to-Prometheus translation such as the Collector's
adds it back), histograms with their bucket bounds, gauges, labels as attributes. Nothing is
recorded twice and the agent's hot path pays nothing: the values are read at export time.

An export that fails (collector down, refused, timed out) is counted in
adk_observe_telemetry_dropped_total{sink="otlp_metrics"}, once per export; the next one sends
the cumulative values again, so a collector that comes back misses nothing. `shutdown()` sends a
last export within its timeout. In multiprocess mode (several processes behind one /metrics) the
catalogue is not sent: each process would send everybody's values.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, cast

from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    Gauge,
    Histogram,
    HistogramDataPoint,
    Metric,
    MetricExporter,
    MetricExportResult,
    MetricsData,
    NumberDataPoint,
    ResourceMetrics,
    ScopeMetrics,
    Sum,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import Metric as PromFamily

from adk_observe import conventions as c
from adk_observe.instrument.otel_metrics import OtelMetricsCollector

SCOPE = InstrumentationScope("adk_observe")
# The SDK's metrics come from several meters (ADK's among them), summed by name: one scope here.
SDK_SCOPE = InstrumentationScope("adk_observe.otel_sdk", schema_url=c.GENAI_SCHEMA_URL)
_CUMULATIVE = AggregationTemporality.CUMULATIVE
_log = logging.getLogger("adk_observe")


def _family_name(defn: c.MetricDef) -> str:
    """The name prometheus_client gives the family (a counter's without `_total`)."""
    if defn.type is c.MetricType.COUNTER and defn.name.endswith("_total"):
        return defn.name[: -len("_total")]
    return defn.name


CATALOGUE_FAMILIES = frozenset(_family_name(d) for d in c.CATALOGUE)


def catalogue_metrics(families: Iterable[PromFamily], start_ns: int, now_ns: int) -> list[Metric]:
    """The catalogue families among `families` as OpenTelemetry metrics (cumulative)."""
    metrics = []
    for family in families:
        if family.name not in CATALOGUE_FAMILIES:
            continue
        data: Sum | Gauge | Histogram
        if family.type == "counter":
            points = _numbers(family, "_total", start_ns, now_ns)
            data = Sum(points, _CUMULATIVE, is_monotonic=True)
        elif family.type == "gauge":
            data = Gauge(_numbers(family, "", start_ns, now_ns))
        elif family.type == "histogram":
            data = Histogram(_histograms(family, start_ns, now_ns), _CUMULATIVE)
        else:
            continue
        if data.data_points:
            metrics.append(Metric(family.name, family.documentation, "", data))
    return metrics


def sdk_metrics(collector: OtelMetricsCollector, start_ns: int, now_ns: int) -> list[Metric]:
    """The OpenTelemetry SDK's metrics as the collector has summed them (cumulative)."""
    metrics = []
    for name, unit, description, kind, bounds, series in collector.snapshot():
        data: Sum | Gauge | Histogram
        if kind == "histogram":
            points = [
                _histogram_point(attrs, start_ns, now_ns, [int(n) for n in v[:-1]], v[-1], bounds)
                for attrs, v in series
            ]
            data = Histogram(points, _CUMULATIVE)
        else:
            numbers = [NumberDataPoint(attrs, start_ns, now_ns, v[0]) for attrs, v in series]
            data = Sum(numbers, _CUMULATIVE, True) if kind == "counter" else Gauge(numbers)
        if data.data_points:
            metrics.append(Metric(name, description, unit, data))
    return metrics


def _histogram_point(
    attributes: dict[str, Any],
    start: int,
    now: int,
    counts: list[int],
    total: float,
    bounds: Iterable[float],
) -> HistogramDataPoint:
    nothing = cast(float, None)  # no min or max is kept: left unset
    return HistogramDataPoint(
        attributes, start, now, sum(counts), total, counts, list(bounds), nothing, nothing
    )


def _numbers(family: PromFamily, suffix: str, start: int, now: int) -> list[NumberDataPoint]:
    name = family.name + suffix
    return [
        NumberDataPoint(dict(s.labels), start, now, s.value)
        for s in family.samples
        if s.name == name
    ]


def _histograms(family: PromFamily, start: int, now: int) -> list[HistogramDataPoint]:
    """Prometheus' cumulative `le` buckets as OpenTelemetry's per-bucket counts."""
    series: dict[tuple[tuple[str, str], ...], dict[str, Any]] = {}
    for s in family.samples:
        labels = tuple(sorted((k, v) for k, v in s.labels.items() if k != c.LABEL_LE))
        entry = series.setdefault(labels, {"buckets": [], "count": 0.0, "sum": 0.0})
        if s.name.endswith("_bucket"):
            entry["buckets"].append((float(s.labels[c.LABEL_LE]), s.value))
        elif s.name.endswith("_count"):
            entry["count"] = s.value
        elif s.name.endswith("_sum"):
            entry["sum"] = s.value
    points = []
    for labels, entry in sorted(series.items()):
        buckets = sorted(entry["buckets"])
        bounds = [b for b, _ in buckets if b != float("inf")]
        counts, previous = [], 0.0
        for _, cumulative in buckets:
            counts.append(int(cumulative - previous))
            previous = cumulative
        points.append(_histogram_point(dict(labels), start, now, counts, entry["sum"], bounds))
    return points


class OtlpMetricsPush:
    """The metrics export of one `init()`: a worker thread that sends every `interval` seconds."""

    def __init__(
        self,
        exporter: MetricExporter,
        registry: CollectorRegistry | None,
        sdk: OtelMetricsCollector | None,
        resource: Resource,
        interval: float,
        on_drop: Callable[[int], None],
        timeout: float,
    ) -> None:
        self.exporter = exporter
        self._registry = registry  # None: no catalogue (multiprocess mode)
        self._resource = resource
        self._interval = interval
        self._on_drop = on_drop
        self._timeout = timeout
        self._sdk = sdk  # None: the application owns the MeterProvider, or no SDK metrics
        self._start_ns = time.time_ns()
        self._stop = threading.Event()
        self._lock = threading.Lock()  # one export at a time
        self._thread = threading.Thread(target=self._run, name="adk-observe-otlp-metrics")
        self._thread.daemon = True
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.export()
        self.export()  # the last values, at shutdown (which waits for them at most its timeout)

    def collect(self) -> MetricsData:
        """What one export sends now."""
        now = time.time_ns()
        scopes = []
        if self._registry is not None:
            metrics = catalogue_metrics(self._registry.collect(), self._start_ns, now)
            scopes.append(ScopeMetrics(SCOPE, metrics, ""))
        if self._sdk is not None:
            metrics = sdk_metrics(self._sdk, self._start_ns, now)
            scopes.append(ScopeMetrics(SDK_SCOPE, metrics, c.GENAI_SCHEMA_URL))
        return MetricsData([ResourceMetrics(self._resource, scopes, "")])

    def export(self) -> bool:
        """Send the current values; a failure is counted as dropped, never raised."""
        with self._lock:
            try:
                data = self.collect()
                result = self.exporter.export(data, timeout_millis=self._timeout * 1000)
            except Exception:
                _log.debug("OTLP metrics export failed", exc_info=True)
                result = MetricExportResult.FAILURE
            if result is not MetricExportResult.SUCCESS:
                self._on_drop(1)
            return result is MetricExportResult.SUCCESS

    def shutdown(self, timeout: float = 1.0) -> None:
        """Stop the worker, which sends the last values, and close the exporter: waits about
        `timeout` in all. The exporters take no timeout per call (they wait the metrics' timeout, up
        to 24.8 days), so a collector that hangs is waited for in the worker thread, never here:
        an export still running when the exporter closes fails and is counted as dropped."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)
        try:
            self.exporter.shutdown(timeout_millis=timeout * 1000)
        except Exception:
            _log.debug("OTLP metrics exporter shutdown failed", exc_info=True)
