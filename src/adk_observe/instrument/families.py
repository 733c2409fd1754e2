"""One metric of the catalogue on a prometheus_client registry: `Family`, the hot path of every
update, with cardinality caps and value checks.

Label children are cached per label tuple; every label value is made a clean one
(`labels.label_value`: cut, valid UTF-8, no control characters); labels the catalogue caps keep at
most their cap's distinct values; a family holds at most its series limit, past which new
combinations fold into one all-`__other__` combination. Amounts that are not finite numbers (or
negative, except on gauges) are refused and counted. Counter and histogram updates skip
prometheus_client's per-call checks (`_fast_add`, `_fast_observe`), which the callers made, and
write its in-process values (`MutexValue`) without taking each value's lock: every update of a
captured metric is made under the one lock `AgentMetrics.record` holds for the event, so the
per-value locks (a method call and a lock per update, ~0.2 us each: ~5 us of a scripted turn's
23 updates) guard nothing more. Multiprocess values (files) keep their own method.
"""

from __future__ import annotations

import sys
import threading
from bisect import bisect_left
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import metrics as prometheus_metrics
from prometheus_client import values as prometheus_values
from prometheus_client.metrics import MetricWrapperBase

from adk_observe import conventions as c
from adk_observe.instrument.labels import LabelCap, label_value

# Recorders cached per raw label tuple: only tuples that map to themselves (no value capped,
# cut or folded) are cached, so this many entries at most per family, whatever callers send.
_CACHE_LIMIT = 10_000
_MAX_FLOAT = sys.float_info.max  # the largest finite float: above it only inf (and NaN)
# prometheus_client's in-process value (a float and a lock), written directly by the fast paths.
_MUTEX_VALUE: type | None = getattr(prometheus_values, "MutexValue", None)


def _in_process(*values: Any) -> bool:
    """Whether every one of `values` is an in-process value holding its float in `_value`."""
    return _MUTEX_VALUE is not None and all(
        type(value) is _MUTEX_VALUE and isinstance(getattr(value, "_value", None), float)
        for value in values
    )


def register(
    defn: c.MetricDef, registry: CollectorRegistry, multiprocess: bool
) -> MetricWrapperBase:
    """`defn` as a prometheus_client metric on `registry`."""
    if defn.type is c.MetricType.COUNTER:
        # prometheus_client appends _total itself.
        base = defn.name.removesuffix("_total")
        return Counter(base, defn.help, defn.labels, registry=registry)
    if defn.type is c.MetricType.HISTOGRAM:
        return Histogram(defn.name, defn.help, defn.labels, registry=registry, buckets=defn.buckets)
    mode = defn.multiprocess if multiprocess else "all"
    return Gauge(defn.name, defn.help, defn.labels, registry=registry, multiprocess_mode=mode)  # type: ignore[arg-type]


def series_per_combination(defn: c.MetricDef) -> int:
    """How many series one label combination of `defn` exposes on /metrics (and Prometheus stores).

    A counter: its value, plus `_created` unless prometheus_client's created series are off. A
    histogram: one `_bucket` per bound and +Inf, `_count`, `_sum` (and `_created`). A gauge: one.
    """
    created = 1 if getattr(prometheus_metrics, "_use_created", True) else 0
    if defn.type is c.MetricType.HISTOGRAM:
        return len(defn.buckets) + 1 + 2 + created
    if defn.type is c.MetricType.COUNTER:
        return 1 + created
    return 1


def _fast_add(child: Any) -> Callable[[float], None]:
    """`child.inc` without prometheus_client's per-call checks (the callers checked the amount)
    and, for an in-process value, without its lock (the caller holds the record lock).

    Falls back to the value's or the child's own method when the child's value holder is not
    where prometheus_client 0.20-0.26 keeps it.
    """
    value: Any = getattr(child, "_value", None)
    if _in_process(value):

        def add(amount: float) -> None:
            value._value += amount

        return add
    inc = getattr(value, "inc", None)
    return inc if callable(inc) else child.inc  # type: ignore[no-any-return]


def _fast_observe(child: Any) -> Callable[[float], None]:
    """`child.observe` with the bucket found by bisection instead of a Python loop (and, for
    in-process values, without their locks: the caller holds the record lock)."""
    try:
        total = child._sum
        bounds = list(child._upper_bounds)
        buckets = list(child._buckets)
    except (AttributeError, TypeError):
        return child.observe  # type: ignore[no-any-return]
    if len(buckets) != len(bounds) or not bounds or bounds[-1] != float("inf"):
        return child.observe  # type: ignore[no-any-return]
    slow = child.observe
    if _in_process(total, *buckets):

        def observe(amount: float) -> None:
            if amount != amount:  # NaN lands in no bucket
                slow(amount)
                return
            total._value += amount
            buckets[bisect_left(bounds, amount)]._value += 1.0

        return observe
    try:
        add_sum = total.inc
        add_bucket = [bucket.inc for bucket in buckets]
    except AttributeError:
        return slow  # type: ignore[no-any-return]

    def observe_locked(amount: float) -> None:
        if amount != amount:
            slow(amount)
            return
        add_sum(amount)
        add_bucket[bisect_left(bounds, amount)](1)

    return observe_locked


class LatestSize:
    """A gauge callback: the size of the latest object recorded, measured at scrape time.

    A failing measurement keeps the last good value and is counted, so that one bad object
    never fails the whole /metrics response.
    """

    __slots__ = ("_lock", "_on_error", "_value", "latest", "measure")

    def __init__(self, measure: Callable[[Any], int], on_error: Callable[[], None]) -> None:
        self.measure = measure
        self.latest: Any = None
        self._on_error = on_error
        self._value = 0.0
        self._lock = threading.Lock()  # scrapes may run in parallel threads

    def __call__(self) -> float:
        with self._lock:
            try:
                self._value = float(self.measure(self.latest))
            except Exception:
                self._on_error()
            return self._value


class Family:
    """One metric with a cache of label children, per-label caps and a series limit.

    `caps`: the shared cap of each label the catalogue caps. A new combination beyond the series
    limit records into the one combination whose every label is OVERFLOW_LABEL_VALUE, and
    `on_overflow(name)` counts it. An amount that is not a finite number, or is negative (except
    one added to a gauge), is refused and counted by `on_invalid(name)`: one NaN would otherwise
    stay in a counter or a histogram's sum for good. `on_error()` counts a failed
    measurement of a `latest` gauge.
    """

    __slots__ = (
        "_adders",
        "_caps",
        "_children",
        "_known",
        "_latest",
        "_lock",
        "_low",
        "_max_children",
        "_max_length",
        "_multiprocess",
        "_observers",
        "_on_error",
        "_on_invalid",
        "_on_overflow",
        "_other",
        "metric",
        "name",
    )

    def __init__(
        self,
        metric: MetricWrapperBase,
        defn: c.MetricDef,
        caps: dict[str, LabelCap],
        series_limit: int,
        max_length: int,
        *,
        on_overflow: Callable[[str], None],
        on_invalid: Callable[[str], None] = lambda name: None,
        on_error: Callable[[], None] = lambda: None,
        multiprocess: bool = False,
    ) -> None:
        self.metric = metric
        self.name = defn.name
        self._caps: tuple[Callable[[str], str] | None, ...] = tuple(
            caps[name] if name in defn.capped else None for name in defn.labels
        )
        # One combination's worth of series is kept for the overflow combination.
        self._max_children = max(0, series_limit // series_per_combination(defn) - 1)
        self._max_length = max_length
        self._other = tuple(c.OVERFLOW_LABEL_VALUE for _ in defn.labels)
        self._on_overflow, self._on_invalid, self._on_error = on_overflow, on_invalid, on_error
        self._multiprocess = multiprocess
        # The smallest amount added: gauges go down (active conversations), nothing else does.
        self._low = -_MAX_FLOAT if defn.type is c.MetricType.GAUGE else 0.0
        self._known: set[tuple[str, ...]] = set()
        self._lock = threading.Lock()
        self._children: dict[tuple[Any, ...], Any] = {}
        self._adders: dict[tuple[Any, ...], Callable[[float], None]] = {}
        self._observers: dict[tuple[Any, ...], Callable[[float], None]] = {}
        self._latest: dict[Any, LatestSize] = {}  # by gauge child (its labels capped)

    def _capped(self, values: tuple[Any, ...]) -> tuple[str, ...]:
        limit = self._max_length
        capped = tuple(
            cap(label_value(v, limit)) if cap is not None else label_value(v, limit)
            for cap, v in zip(self._caps, values, strict=True)
        )
        if capped in self._known or not capped:
            return capped
        with self._lock:
            if capped in self._known:
                return capped
            if len(self._known) < self._max_children:
                self._known.add(capped)
                return capped
        self._on_overflow(self.name)
        return self._other

    def child(self, *values: Any) -> Any:
        found = self._children.get(values)
        if found is not None:
            return found
        capped = self._capped(values)
        found = self.metric.labels(*capped)
        if capped == values and len(self._children) < _CACHE_LIMIT:
            self._children[values] = found
        return found

    def valid(self, amount: float, low: float = 0.0) -> bool:
        """Whether `amount` is a finite number >= `low`; a refused one is counted
        (`on_invalid`)."""
        if low <= amount <= _MAX_FLOAT:  # NaN fails every comparison
            return True
        self._on_invalid(self.name)
        return False

    def add(self, values: tuple[Any, ...], amount: float = 1.0) -> None:
        """Counter or gauge child `values`: add `amount` (>= 0 for counters)."""
        if not self._low <= amount <= _MAX_FLOAT and not self.valid(amount, self._low):
            return
        add = self._adders.get(values) or self._recorder(self._adders, values, _fast_add)
        add(amount)

    def set(self, values: tuple[Any, ...], amount: float) -> None:
        """Gauge child `values`: set it to `amount` (every catalogue gauge measures a
        quantity, never negative)."""
        if self.valid(amount):
            self.child(*values).set(amount)

    def observe(self, values: tuple[Any, ...], amount: float, trace_id: str = "") -> None:
        """Histogram child `values`: observe `amount`, with `trace_id` as its exemplar if given."""
        if not 0.0 <= amount <= _MAX_FLOAT and not self.valid(amount):
            return
        if trace_id:
            self.child(*values).observe(amount, exemplar={c.LOG_TRACE_ID: trace_id})
            return
        observe = self._observers.get(values) or self._recorder(
            self._observers, values, _fast_observe
        )
        observe(amount)

    def latest(self, values: tuple[Any, ...], obj: Any, measure: Callable[[Any], int]) -> None:
        """Gauge child `values`: `measure(obj)` of the latest `obj`, measured when scraped (a
        gauge callback), so recording only keeps a reference. In multiprocess mode the scraping
        process cannot call back into this one, so the size is measured now."""
        if self._multiprocess:
            self.set(values, measure(obj))
            return
        child = self.child(*values)
        latest = self._latest.get(child)
        if latest is None:
            latest = self._latest[child] = LatestSize(measure, self._on_error)
            child.set_function(latest)
        latest.measure = measure
        latest.latest = obj

    def _recorder(
        self,
        cache: dict[tuple[Any, ...], Callable[[float], None]],
        values: tuple[Any, ...],
        make: Callable[[Any], Callable[[float], None]],
    ) -> Callable[[float], None]:
        found = make(self.child(*values))
        if values in self._children and len(cache) < _CACHE_LIMIT:
            cache[values] = found
        return found
