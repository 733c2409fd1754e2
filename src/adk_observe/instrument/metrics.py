"""The metric catalogue on an injectable prometheus_client registry, with cardinality caps.

`AgentMetrics(registry, options)` registers every metric of `conventions.CATALOGUE` (never at
import time). Recording methods are the hot path: label children are cached per label tuple,
unbounded label values (model, tool, server, endpoint) are capped per label and folded into
`conventions.OVERFLOW_LABEL_VALUE`, and exemplars carry the trace id of sampled spans.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from bisect import bisect_left
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import metrics as prometheus_metrics
from prometheus_client.metrics import MetricWrapperBase

from adk_observe import conventions as c
from adk_observe.instrument.cost import Usage
from adk_observe.instrument.labels import LabelCap, label_value
from adk_observe.instrument.memory import rss_bytes

# Labels whose values come from outside (names of models, tools, servers, routes).
CAPPED_LABELS = frozenset(
    {
        c.LABEL_MODEL,
        c.LABEL_TOOL,
        c.LABEL_MCP_SERVER,
        c.LABEL_METHOD,
        c.LABEL_ENDPOINT,
        c.LABEL_AGENT_ID,
        c.LABEL_COST_CENTER,
        c.LABEL_INTERACTION_TYPE,
    }
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Multiprocess mode only: how often finished turns refresh the process's RSS gauge.
RSS_REFRESH_SECONDS = 10.0


def multiprocess_enabled() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV) or os.environ.get(MULTIPROC_ENV.lower()))


# Gauges in multiprocess mode: how values of several worker processes combine.
_MULTIPROCESS_GAUGE_MODE = {
    c.ACTIVE_CONVERSATIONS.name: "livesum",
    c.MEMORY_USAGE.name: "livesum",
    c.SATISFACTION_SCORE.name: "mostrecent",
    c.COST_PER_INTERACTION.name: "mostrecent",
}


def _make(defn: c.MetricDef, registry: CollectorRegistry, multiprocess: bool) -> MetricWrapperBase:
    if defn.type is c.MetricType.COUNTER:
        # prometheus_client appends _total itself.
        base = defn.name.removesuffix("_total")
        return Counter(base, defn.help, defn.labels, registry=registry)
    if defn.type is c.MetricType.HISTOGRAM:
        return Histogram(defn.name, defn.help, defn.labels, registry=registry, buckets=defn.buckets)
    mode = _MULTIPROCESS_GAUGE_MODE.get(defn.name, "mostrecent") if multiprocess else "all"
    return Gauge(defn.name, defn.help, defn.labels, registry=registry, multiprocess_mode=mode)  # type: ignore[arg-type]


class _LatestSize:
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


def _fast_add(child: Any) -> Callable[[float], None]:
    """`child.inc` without prometheus_client's per-call checks (the callers pass amounts >= 0).

    Falls back to the public method when the child's value holder is not where prometheus_client
    0.20-0.26 keeps it.
    """
    inc = getattr(getattr(child, "_value", None), "inc", None)
    return inc if callable(inc) else child.inc  # type: ignore[no-any-return]


def _fast_observe(child: Any) -> Callable[[float], None]:
    """`child.observe` with the bucket found by bisection instead of a Python loop."""
    try:
        add_sum = child._sum.inc
        bounds = list(child._upper_bounds)
        add_bucket = [bucket.inc for bucket in child._buckets]
    except (AttributeError, TypeError):
        return child.observe  # type: ignore[no-any-return]
    if len(add_bucket) != len(bounds) or not bounds or bounds[-1] != float("inf"):
        return child.observe  # type: ignore[no-any-return]
    slow = child.observe

    def observe(amount: float) -> None:
        if amount != amount:  # NaN lands in no bucket
            slow(amount)
            return
        add_sum(amount)
        add_bucket[bisect_left(bounds, amount)](1)

    return observe


# Order of Usage's fields, as token_type label values.
_TOKEN_TYPES = (c.TOKEN_INPUT, c.TOKEN_OUTPUT, c.TOKEN_CACHED, c.TOKEN_REASONING)
_NO_USAGE = Usage()


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


# Recorders cached per raw label tuple: only tuples that map to themselves (no value capped,
# cut or folded) are cached, so this many entries at most per family, whatever callers send.
_CACHE_LIMIT = 10_000
_MAX_FLOAT = sys.float_info.max  # the largest finite float: above it only inf (and NaN)


class _Family:
    """One metric with a cache of label children, per-label caps and a series limit.

    Every label value is made a clean one (`labels.label_value`: cut to `max_length` characters,
    valid UTF-8, no control characters); capped labels then keep at most their cap's distinct
    values. A new combination beyond the family's series limit records into the one combination
    whose every label is OVERFLOW_LABEL_VALUE, and `on_overflow` counts it. An amount that is not
    a finite number (or, for counters and histograms, is negative) is refused and `on_invalid`
    counts it: one NaN would otherwise stay in a counter or a histogram's sum for good.
    """

    __slots__ = (
        "_adders",
        "_caps",
        "_children",
        "_known",
        "_lock",
        "_low",
        "_max_children",
        "_max_length",
        "_metric",
        "_observers",
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
        on_overflow: Callable[[str], None],
        on_invalid: Callable[[str], None] = lambda name: None,
    ) -> None:
        self.metric = metric
        self._metric = metric
        self.name = defn.name
        self._caps: tuple[Callable[[str], str] | None, ...] = tuple(
            caps[name] if name in CAPPED_LABELS else None for name in defn.labels
        )
        # One combination's worth of series is kept for the overflow combination.
        self._max_children = max(0, series_limit // series_per_combination(defn) - 1)
        self._max_length = max_length
        self._other = tuple(c.OVERFLOW_LABEL_VALUE for _ in defn.labels)
        self._on_overflow = on_overflow
        self._on_invalid = on_invalid
        # The smallest amount accepted: gauges go down (active conversations), nothing else does.
        self._low = -_MAX_FLOAT if defn.type is c.MetricType.GAUGE else 0.0
        self._known: set[tuple[str, ...]] = set()
        self._lock = threading.Lock()
        self._children: dict[tuple[str, ...], Any] = {}
        self._adders: dict[tuple[str, ...], Callable[[float], None]] = {}
        self._observers: dict[tuple[str, ...], Callable[[float], None]] = {}

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
        found = self._metric.labels(*capped)
        if capped == values and len(self._children) < _CACHE_LIMIT:
            self._children[values] = found
        return found

    def valid(self, amount: float) -> bool:
        """Whether `amount` may be recorded; a refused one is counted (`on_invalid`)."""
        if self._low <= amount <= _MAX_FLOAT:  # NaN fails every comparison
            return True
        self._on_invalid(self.name)
        return False

    def add(self, values: tuple[Any, ...], amount: float = 1.0) -> None:
        """Counter or gauge child `values`: add `amount` (>= 0 for counters)."""
        if not self._low <= amount <= _MAX_FLOAT and not self.valid(amount):
            return
        add = self._adders.get(values) or self._recorder(self._adders, values, _fast_add)
        add(amount)

    def set(self, values: tuple[Any, ...], amount: float) -> None:
        """Gauge child `values`: set it to `amount`."""
        if self.valid(amount):
            self.child(*values).set(amount)

    def observe(self, values: tuple[Any, ...], amount: float, trace_id: str = "") -> None:
        """Histogram child `values`: observe `amount`, with `trace_id` as its exemplar if given."""
        if not self._low <= amount <= _MAX_FLOAT and not self.valid(amount):
            return
        if trace_id:
            self.child(*values).observe(amount, exemplar={c.LOG_TRACE_ID: trace_id})
            return
        observe = self._observers.get(values) or self._recorder(
            self._observers, values, _fast_observe
        )
        observe(amount)

    def _recorder(
        self,
        cache: dict[tuple[str, ...], Callable[[float], None]],
        values: tuple[str, ...],
        make: Callable[[Any], Callable[[float], None]],
    ) -> Callable[[float], None]:
        found = make(self.child(*values))
        if values in self._children and len(cache) < _CACHE_LIMIT:
            cache[values] = found
        return found


class AgentMetrics:
    """Every catalogue metric, registered on `registry`. One instance per `init()`."""

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        label_limit: int = 100,
        series_limit: int = 2000,
        label_value_max_length: int = 128,
        exemplars: bool = True,
    ) -> None:
        self.registry = registry
        self.multiprocess = multiprocess_enabled()
        self.exemplars = exemplars and not self.multiprocess
        caps = {name: LabelCap(label_limit) for name in CAPPED_LABELS}
        self._overflows: dict[str, Any] = {}
        self._families: dict[str, _Family] = {
            d.name: _Family(
                _make(d, registry, self.multiprocess),
                d,
                caps,
                series_limit,
                label_value_max_length,
                self._overflowed,
                self._invalid,
            )
            for d in c.CATALOGUE
        }
        overflow = self._families[c.SERIES_OVERFLOW.name].metric
        # Children made now: counting an overflow never goes through a capped family itself.
        self._overflows = {name: overflow.labels(name) for name in self._families}
        f = self._families
        self.requests = f[c.REQUESTS.name]
        self.request_duration = f[c.REQUEST_DURATION.name]
        self.active = f[c.ACTIVE_CONVERSATIONS.name]
        self.memory = f[c.MEMORY_USAGE.name]
        self.mcp_calls = f[c.MCP_CALLS.name]
        self.mcp_duration = f[c.MCP_CALL_DURATION.name]
        self.tool_calls = f[c.TOOL_CALLS.name]
        self.tool_duration = f[c.TOOL_CALL_DURATION.name]
        self.llm_calls = f[c.LLM_CALLS.name]
        self.llm_duration = f[c.LLM_CALL_DURATION.name]
        self.llm_tokens = f[c.LLM_TOKENS.name]
        self.interactions = f[c.SUCCESSFUL_INTERACTIONS.name]
        self.satisfaction = f[c.SATISFACTION_SCORE.name]
        self.rating = f[c.SATISFACTION_RATING.name]
        self.cost = f[c.COST_PER_INTERACTION.name]
        self.interaction_costs = f[c.INTERACTION_COST.name]
        self.cost_total = f[c.COST_TOTAL.name]
        self.unpriced = f[c.UNPRICED_LLM_CALLS.name]
        self.internal_errors = f[c.INTERNAL_ERRORS.name]
        self.dropped = f[c.TELEMETRY_DROPPED.name]
        self._rss: Any = None  # multiprocess mode: the RSS child that turns refresh
        self._sessions: dict[Any, _LatestSize] = {}  # by gauge child (agent_id capped)
        self._rss_due = 0.0

    def track_rss(self, agent_id: str) -> None:
        """Expose this process's resident memory as memory_usage{memory_type="rss"}.

        The value is read at scrape time (a gauge callback), so the hot path pays nothing. In
        multiprocess mode the scraping process is not this one and callbacks are not collected:
        finished turns refresh the value instead, at most every RSS_REFRESH_SECONDS.
        """
        child = self.memory.child(agent_id, c.MEMORY_RSS)
        if self.multiprocess:
            self._rss = child
            self._refresh_rss()
        else:
            child.set_function(rss_bytes)

    def _refresh_rss(self) -> None:
        self._rss_due = time.monotonic() + RSS_REFRESH_SECONDS
        self._rss.set(rss_bytes())

    def unregister(self) -> None:
        for family in self._families.values():
            with contextlib.suppress(KeyError):
                self.registry.unregister(family.metric)

    # --- recording (hot path) ------------------------------------------------------------------

    def _observe(self, family: _Family, seconds: float, trace_id: str, *labels: str) -> None:
        family.observe(labels, seconds, trace_id if self.exemplars else "")

    def turn_started(self, agent_id: str) -> None:
        self.active.add((agent_id,))

    def turn_abandoned(self, agent_id: str) -> None:
        """A turn that was cancelled: no longer active, and not a request either way."""
        self.active.add((agent_id,), -1.0)

    def turn_finished(
        self,
        agent_id: str,
        seconds: float,
        ok: bool,
        trace_id: str = "",
        method: str = c.METHOD_TURN,
        endpoint: str = c.ENDPOINT_AGENT,
        status_code: str | None = None,
        active: bool = True,
    ) -> None:
        code = status_code or (c.STATUS_CODE_OK if ok else c.STATUS_CODE_ERROR)
        self.requests.add((agent_id, method, endpoint, code))
        self._observe(self.request_duration, seconds, trace_id, agent_id, method, endpoint)
        if active:
            self.active.add((agent_id,), -1.0)
        if ok:
            self.interactions.add((agent_id, c.INTERACTION_AGENT_TURN))
        if self._rss is not None and time.monotonic() >= self._rss_due:
            self._refresh_rss()

    def llm_call(
        self,
        agent_id: str,
        model: str,
        seconds: float,
        ok: bool,
        usage: Usage = _NO_USAGE,
        trace_id: str = "",
    ) -> None:
        status = c.STATUS_OK if ok else c.STATUS_ERROR
        self.llm_calls.add((agent_id, model, status))
        self._observe(self.llm_duration, seconds, trace_id, agent_id, model, status)
        for token_type, count in zip(_TOKEN_TYPES, usage, strict=True):
            if count != 0:
                self.llm_tokens.add((agent_id, model, token_type), count)

    def tool_call(
        self, agent_id: str, tool: str, seconds: float, ok: bool, trace_id: str = ""
    ) -> None:
        status = c.STATUS_OK if ok else c.STATUS_ERROR
        self.tool_calls.add((agent_id, tool, status))
        self._observe(self.tool_duration, seconds, trace_id, agent_id, tool, status)

    def mcp_call(
        self,
        agent_id: str,
        server: str,
        method: str,
        seconds: float,
        ok: bool,
        trace_id: str = "",
    ) -> None:
        status = c.STATUS_OK if ok else c.STATUS_ERROR
        self.mcp_calls.add((agent_id, server, method, status))
        self._observe(self.mcp_duration, seconds, trace_id, agent_id, server, method)

    def cost_recorded(
        self, agent_id: str, model: str, cost_center: str, amount: float | None
    ) -> None:
        """`amount` None: the model has no price; the call is counted as unpriced."""
        if amount is None:
            self.unpriced.add((agent_id, model))
        elif amount != 0:  # a refused amount (NaN, negative, inf) is counted by the family
            self.cost_total.add((agent_id, model, cost_center), amount)

    def interaction_cost(self, agent_id: str, cost_center: str, amount: float) -> None:
        if self.interaction_costs.valid(amount):
            self.cost.set((agent_id, cost_center), amount)
            self.interaction_costs.observe((agent_id, cost_center), amount)

    def session_memory(self, agent_id: str, size: int) -> None:
        self.memory.set((agent_id, c.MEMORY_SESSION), size)

    def latest_session(self, agent_id: str, session: Any, measure: Callable[[Any], int]) -> None:
        """memory_usage{memory_type="session"}: `measure(session)` of agent_id's latest session.

        Measured when Prometheus scrapes (a gauge callback) rather than on every turn: the turn
        only keeps a reference to the session (one per agent). In multiprocess mode the scraping
        process cannot call back into this one, so the size is measured now.
        """
        if self.multiprocess:
            self.session_memory(agent_id, measure(session))
            return
        child = self.memory.child(agent_id, c.MEMORY_SESSION)
        latest = self._sessions.get(child)
        if latest is None:
            latest = self._sessions[child] = _LatestSize(measure, self._session_error)
            child.set_function(latest)
        latest.measure = measure
        latest.latest = session

    def _session_error(self) -> None:
        self.internal_error(c.COMPONENT_ADK_PLUGIN)  # the plugin's session measurement failed

    def feedback(self, agent_id: str, rating: float) -> None:
        if self.rating.valid(rating):
            self.rating.observe((agent_id,), rating)
            self.satisfaction.set((agent_id,), rating)

    def internal_error(self, component: str) -> None:
        self.internal_errors.child(component).inc()

    def drop(self, sink: str, count: int = 1) -> None:
        self.dropped.child(sink).inc(count)

    def _overflowed(self, family: str) -> None:
        self._overflows[family].inc()

    def _invalid(self, family: str) -> None:
        """An amount `family` refused (not finite, or negative where it cannot be)."""
        self.drop(c.SINK_METRICS)
