"""The metric catalogue on an injectable prometheus_client registry: `AgentMetrics`.

`AgentMetrics(registry, ...)` registers every metric of `conventions.CATALOGUE` (never at import
time) as a `Family` (instrument/families.py: caps, series limit, value checks) and records an
event (instrument/events.py) into every metric whose declaration captures the event's kind
(instrument/captures.py). Nothing here names a catalogue metric it records events into: the
declarations drive it. What is recorded by hand is the runtime's own: internal errors, dropped
telemetry, series overflows and the process's RSS (a callback).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from typing import Any

from prometheus_client import CollectorRegistry

from adk_observe import conventions as c
from adk_observe.instrument.captures import capture_steps, record
from adk_observe.instrument.families import Family, register
from adk_observe.instrument.labels import LabelCap
from adk_observe.instrument.memory import rss_bytes

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Multiprocess mode only: how often finished turns refresh the process's RSS gauge.
RSS_REFRESH_SECONDS = 10.0


def multiprocess_enabled() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV) or os.environ.get(MULTIPROC_ENV.lower()))


class AgentMetrics:
    """Every catalogue metric, registered on `registry`. One instance per `init()`.

    `catalogue`: the metrics (default `conventions.CATALOGUE`, read when constructed).
    """

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        label_limit: int = 100,
        series_limit: int = 2000,
        label_value_max_length: int = 128,
        exemplars: bool = True,
        catalogue: tuple[c.MetricDef, ...] | None = None,
    ) -> None:
        self.registry = registry
        self.catalogue = c.CATALOGUE if catalogue is None else catalogue
        self.multiprocess = multiprocess_enabled()
        self.exemplars = exemplars and not self.multiprocess
        caps = {name: LabelCap(label_limit) for d in self.catalogue for name in d.capped}
        self._families: dict[str, Family] = {}
        try:
            for defn in self.catalogue:
                self._families[defn.name] = Family(
                    register(defn, registry, self.multiprocess),
                    defn,
                    caps,
                    series_limit,
                    label_value_max_length,
                    on_overflow=self._overflowed,
                    on_invalid=self._invalid,
                    on_error=self._measure_error,
                    multiprocess=self.multiprocess,
                )
        except BaseException:
            self.unregister()  # a name taken on `registry`: leave it as it was
            raise
        overflow = self.family(c.SERIES_OVERFLOW).metric
        # Children made now: counting an overflow never goes through a capped family itself.
        self._overflows: dict[str, Any] = {name: overflow.labels(name) for name in self._families}
        self._steps = capture_steps((d, self._families[d.name]) for d in self.catalogue)
        self._record_lock = threading.Lock()
        self._rss: Any = None  # multiprocess mode: the RSS child that turns refresh
        self._rss_due = 0.0

    def family(self, defn: c.MetricDef) -> Family:
        return self._families[defn.name]

    def record(self, event: Any) -> None:
        """Record `event` into every metric that captures its kind (the hot path). One event at
        a time: the families' fast paths write values without their own locks (families.py)."""
        steps = self._steps.get(event.kind)
        if steps is not None:
            with self._record_lock:
                record(steps, event, self.exemplars)
        if (
            self._rss is not None
            and event.kind == c.EVENT_TURN
            and time.monotonic() >= self._rss_due
        ):
            self._refresh_rss()

    def track_rss(self, agent_id: str) -> None:
        """Expose this process's resident memory as memory_usage{memory_type="rss"}.

        The value is read at scrape time (a gauge callback), so the hot path pays nothing. In
        multiprocess mode the scraping process is not this one and callbacks are not collected:
        finished turns refresh the value instead, at most every RSS_REFRESH_SECONDS.
        """
        child = self.family(c.MEMORY_USAGE).child(agent_id, c.MEMORY_RSS)
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

    # --- the runtime's metrics about itself ------------------------------------------------------

    def internal_error(self, component: str) -> None:
        self.family(c.INTERNAL_ERRORS).child(component).inc()

    def drop(self, sink: str, count: int = 1) -> None:
        self.family(c.TELEMETRY_DROPPED).child(sink).inc(count)

    def _overflowed(self, family: str) -> None:
        self._overflows[family].inc()

    def _invalid(self, family: str) -> None:
        """An amount `family` refused (not finite, or negative where it cannot be)."""
        self.drop(c.SINK_METRICS)

    def _measure_error(self) -> None:
        """A `latest` gauge's measurement failed (the plugin's session size)."""
        self.internal_error(c.COMPONENT_ADK_PLUGIN)
