"""ADK's built-in OpenTelemetry metrics (gen_ai.*) on the same `/metrics` as the catalogue.

ADK creates its instruments on the global MeterProvider at import. adk-observe installs that
provider once per process with a delta-temporality in-memory reader and views that give LLM
latency and token counts useful bucket bounds; each `init()` registers an `OtelMetricsCollector`
on its registry that accumulates the deltas it reads at scrape time. Names follow the OpenTelemetry
to Prometheus mapping: dots become underscores, the unit is appended (`_seconds`), counters end
in `_total`. The number of series per metric is capped; series past the cap are dropped and
counted in adk_observe_telemetry_dropped_total{sink="otel_metrics"}.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import metrics as otel_metrics_api
from opentelemetry.sdk.metrics import (
    Counter,
    Histogram,
    MeterProvider,
    ObservableCounter,
    ObservableGauge,
    ObservableUpDownCounter,
    UpDownCounter,
)
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    Gauge,
    HistogramDataPoint,
    InMemoryMetricReader,
    Sum,
)
from opentelemetry.sdk.metrics.export import Histogram as HistogramData
from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from adk_observe import conventions as c
from adk_observe.instrument.labels import clean_text, label_value

# gen_ai semantic-convention instruments whose SDK default buckets (0..10000 ms) do not fit.
GEN_AI_OPERATION_DURATION = c.OTEL_GEN_AI_OPERATION_DURATION
GEN_AI_TOKEN_USAGE = c.OTEL_GEN_AI_TOKEN_USAGE
# Tokens per call: powers of four from 1 to 4M (the semantic conventions' advice).
TOKEN_BUCKETS = tuple(float(4**i) for i in range(12))

_UNIT_SUFFIX = {"s": "seconds", "ms": "milliseconds", "By": "bytes", "1": ""}
_INVALID = re.compile(r"[^a-zA-Z0-9_:]")
_INVALID_LABEL = re.compile(r"[^a-zA-Z0-9_]")

DropCounter = Callable[[int], None]


def prometheus_name(name: str, unit: str) -> str:
    base = _INVALID.sub("_", name) or "_"
    if base[0].isdigit():
        base = "_" + base
    suffix = _UNIT_SUFFIX.get(unit, "" if unit.startswith("{") else _INVALID.sub("_", unit))
    return f"{base}_{suffix}" if suffix and not base.endswith(suffix) else base


# Label names the families set themselves: an attribute of the same name is renamed, as
# Prometheus renames a scraped label that clashes with a target label.
_RESERVED_LABELS = frozenset({c.LABEL_LE, "quantile"})
LABEL_NAME_MAX = 128  # characters of a label name made from an attribute key


def label_name(key: object) -> str:
    """An OpenTelemetry attribute key as a valid Prometheus label name: invalid
    characters become `_`, a leading digit gets a `_` before it, at most LABEL_NAME_MAX long."""
    name = _INVALID_LABEL.sub("_", str(key)[:LABEL_NAME_MAX]) or "_"
    if name[0].isdigit():
        name = "_" + name
    if name in _RESERVED_LABELS or name.startswith("__"):
        name = "exported_" + name.lstrip("_")
    return name


class _Globals:
    lock = threading.Lock()
    reader: InMemoryMetricReader | None = None


def _install() -> InMemoryMetricReader | None:
    with _Globals.lock:
        if _Globals.reader is not None:
            return _Globals.reader
        delta = AggregationTemporality.DELTA
        reader = InMemoryMetricReader(
            preferred_temporality={
                Counter: delta,
                UpDownCounter: delta,
                Histogram: delta,
                ObservableCounter: delta,
                ObservableUpDownCounter: delta,
                ObservableGauge: delta,
            }
        )
        views = [
            View(
                instrument_name=GEN_AI_OPERATION_DURATION,
                aggregation=ExplicitBucketHistogramAggregation(c.LLM_DURATION_BUCKETS),
            ),
            View(
                instrument_name=GEN_AI_TOKEN_USAGE,
                aggregation=ExplicitBucketHistogramAggregation(TOKEN_BUCKETS),
            ),
        ]
        provider = MeterProvider(metric_readers=[reader], views=views, shutdown_on_exit=False)
        current = otel_metrics_api.get_meter_provider()
        if type(current).__name__ != "_ProxyMeterProvider":
            return None  # the application owns the global MeterProvider; leave it alone
        otel_metrics_api.set_meter_provider(provider)
        _Globals.reader = reader
        return reader


@dataclass
class _Series:
    kind: str  # "counter", "gauge" or "histogram"
    help: str
    bounds: tuple[float, ...] = ()
    values: dict[tuple[tuple[str, str], ...], list[float]] = field(default_factory=dict)
    # for OTLP export (otlp_metrics.py): the instrument's own name and unit, and each series'
    # attributes as the SDK gave them (the keys above are them as Prometheus labels)
    otel_name: str = ""
    unit: str = ""
    attributes: dict[tuple[tuple[str, str], ...], dict[str, Any]] = field(default_factory=dict)


class OtelMetricsCollector(Collector):
    """Exposes the OpenTelemetry SDK's metrics in Prometheus format (accumulating deltas)."""

    def __init__(
        self, on_drop: DropCounter, series_limit: int = 2000, label_value_max_length: int = 128
    ) -> None:
        self._reader = _install()
        self._on_drop = on_drop
        # Series per family as exposed: a histogram combination is its bounds + Inf, _count and
        # _sum (no _created here), a counter or gauge combination one. Past the limit a new
        # combination's points are dropped and counted (sink otel_metrics).
        self._limit = series_limit
        self._max_length = label_value_max_length
        self._lock = threading.Lock()
        self._metrics: dict[str, _Series] = {}
        if self._reader is not None:
            self._reader.get_metrics_data()  # discard what an earlier init() left behind

    @property
    def active(self) -> bool:
        return self._reader is not None

    def _pull(self) -> None:
        if self._reader is None:
            return
        data = self._reader.get_metrics_data()
        if data is None:
            return
        for rm in data.resource_metrics:
            for sm in rm.scope_metrics:
                for metric in sm.metrics:
                    self._add(prometheus_name(metric.name, metric.unit or ""), metric)

    def _add(self, name: str, metric: object) -> None:
        points = getattr(metric, "data", None)
        if isinstance(points, HistogramData):
            kind = "histogram"
        elif isinstance(points, Sum) and points.is_monotonic:
            kind = "counter"
        elif isinstance(points, (Sum, Gauge)):
            kind = "gauge"
        else:
            return
        series = self._metrics.get(name)
        if series is None:
            description = clean_text(str(getattr(metric, "description", "") or name))
            series = self._metrics[name] = _Series(kind, description[:1024])
            series.otel_name = str(getattr(metric, "name", name))
            series.unit = str(getattr(metric, "unit", "") or "")
        dropped = 0
        for point in points.data_points:
            key = tuple(
                sorted(
                    (label_name(k), label_value(v, self._max_length))
                    for k, v in (point.attributes or {}).items()
                )
            )
            current = series.values.get(key)
            per = len(point.explicit_bounds) + 3 if isinstance(point, HistogramDataPoint) else 1
            if current is None and (len(series.values) + 1) * per > self._limit:
                dropped += 1
                continue
            if current is None:
                series.attributes[key] = dict(point.attributes or {})
            if isinstance(point, HistogramDataPoint):
                series.bounds = tuple(point.explicit_bounds)
                counts = [float(n) for n in point.bucket_counts] + [float(point.sum)]
                if current is None or len(current) != len(counts):
                    series.values[key] = counts
                else:
                    series.values[key] = [a + b for a, b in zip(current, counts, strict=True)]
            elif isinstance(points, Sum):  # delta temporality: accumulate
                series.values[key] = [(current[0] if current else 0.0) + float(point.value)]
            else:
                series.values[key] = [float(point.value)]
        if dropped:
            self._on_drop(dropped)

    def snapshot(self) -> list[tuple[str, str, str, str, tuple[float, ...], list[Any]]]:
        """Every metric as (OpenTelemetry name, unit, description, kind, bounds, [(attributes,
        cumulative values)]), read now (for OTLP export; see otlp_metrics.py)."""
        with self._lock:
            self._pull()
            return [
                (
                    s.otel_name,
                    s.unit,
                    s.help,
                    s.kind,
                    s.bounds,
                    [(s.attributes.get(k, dict(k)), list(v)) for k, v in sorted(s.values.items())],
                )
                for _, s in sorted(self._metrics.items())
            ]

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            self._pull()
            snapshot = {
                n: (s.kind, s.help, s.bounds, dict(s.values))
                for n, s in sorted(self._metrics.items())
            }
        for name, (kind, help_text, bounds, values) in snapshot.items():
            yield from _families(name, kind, help_text, bounds, values)


def _families(
    name: str,
    kind: str,
    help_text: str,
    bounds: tuple[float, ...],
    values: dict[tuple[tuple[str, str], ...], list[float]],
) -> Iterator[Metric]:
    labelnames = sorted({k for key in values for k, _ in key})
    family: Metric
    if kind == "histogram":
        family = HistogramMetricFamily(name, help_text, labels=labelnames)
    elif kind == "counter":
        family = CounterMetricFamily(name, help_text, labels=labelnames)
    else:
        family = GaugeMetricFamily(name, help_text, labels=labelnames)
    for key, vals in sorted(values.items()):
        labels = dict(key)
        label_values = [labels.get(n, "") for n in labelnames]
        if isinstance(family, HistogramMetricFamily):
            counts, total = vals[:-1], vals[-1]
            cumulative, running = [], 0.0
            for bound, count in zip((*bounds, float("inf")), counts, strict=False):
                running += count
                cumulative.append((_bound(bound), running))
            family.add_metric(label_values, cumulative, total)
        else:
            family.add_metric(label_values, vals[0])
    yield family


def _bound(value: float) -> str:
    return "+Inf" if value == float("inf") else repr(float(value))
