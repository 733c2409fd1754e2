"""Recording done by worker threads: the ADK plugin's metric updates and adk-observe's own
log lines.

The agent's hot path appends one tuple to a bounded deque (no lock, no system call); a worker
thread applies the queue in order every `FLUSH_SECONDS`, and a second one writes the log lines.
Why: between two ADK steps the CPU caches hold ADK's code and data, and recording there
(prometheus-client, logging, JSON) costs three to five times what the same work costs in a
batch, and it slows ADK's next step too; and a slow or blocked log handler (a full stdout pipe)
delays the lines, never the agent, nor the metrics.

Values stay exact where they are read: a scrape (the registry's `collect()`) applies the work
queue first, through `DrainCollector`. Log records keep the caller's time, thread and trace ids.
Items beyond `CAPACITY` waiting in either queue are dropped and counted as
adk_observe_telemetry_dropped_total{sink="recorder"} (the sink keeps its name: dashboards and
alerts select it).
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client.metrics_core import Metric

from adk_observe import conventions as c
from adk_observe.instrument.events import Origin
from adk_observe.instrument.logging import emit

CAPACITY = 10_000
FLUSH_SECONDS = 0.1

_Item = tuple[Callable[..., None], tuple[Any, ...], str]  # function, arguments, component


class _Worker:
    """A bounded deque applied in order by a daemon thread (and by `flush()` callers)."""

    def __init__(
        self,
        name: str,
        capacity: int,
        interval: float,
        on_drop: Callable[[int], None],
        on_error: Callable[[str], None],
    ):
        self.items: deque[_Item] = deque()
        self._name = name
        self._capacity = capacity
        self._interval = interval
        self._on_drop = on_drop
        self._on_error = on_error
        self._lock = threading.Lock()  # one applier at a time keeps the order
        self._wake = threading.Event()
        self.closed = False
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        if not self.closed:
            self.thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self.thread.start()

    def after_fork(self) -> None:
        self.items.clear()  # the parent's: it writes them itself
        self._lock = threading.Lock()  # the parent's thread may have held it
        self._wake = threading.Event()
        self.start()

    def put(self, item: _Item) -> None:
        if len(self.items) >= self._capacity:
            self._on_drop(1)
        else:
            self.items.append(item)

    def _run(self) -> None:
        while not self.closed:
            self._wake.wait(self._interval)
            self._wake.clear()
            self.flush()

    def flush(self) -> None:
        with self._lock:
            items = self.items
            while items:
                fn, args, component = items.popleft()
                try:
                    fn(*args)
                except Exception:
                    self._on_error(component)

    def stop(self, timeout: float) -> None:
        self.closed = True
        self._wake.set()
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(timeout)
        if self.thread is None or not self.thread.is_alive():
            self.flush()  # what arrived while it finished (nothing blocks here: it has stopped)


class WorkQueues:
    """Two workers: one applies queued work (events to the metrics), one writes log lines.

    They are separate so that a blocked log handler never holds up metric updates or a scrape
    (`flush()` applies only the work queue). Both queues are bounded by `capacity`.
    """

    def __init__(
        self,
        on_drop: Callable[[int], None],
        on_error: Callable[[str], None],
        capacity: int = CAPACITY,
        interval: float = FLUSH_SECONDS,
    ) -> None:
        self._work = _Worker("adk-observe-events", capacity, interval, on_drop, on_error)
        self._lines = _Worker("adk-observe-log-writer", capacity, interval, on_drop, on_error)
        self._work.start()
        self._lines.start()
        ref = weakref.ref(self)
        # A thread does not survive fork (gunicorn --preload): start new ones in the child.
        os.register_at_fork(after_in_child=lambda: _call(ref, WorkQueues._after_fork))
        # At exit (no shutdown() called) write what is queued, but never wait long on a blocked
        # handler: close() waits about 1 s per worker, then leaves it (daemon threads).
        self._at_exit = lambda: _call(ref, WorkQueues.close)
        atexit.register(self._at_exit)

    def _after_fork(self) -> None:
        self._work.after_fork()
        self._lines.after_fork()

    def put(self, component: str, fn: Callable[..., None], args: tuple[Any, ...]) -> None:
        """Queue `fn(*args)`; a failure is counted as an internal error of `component`."""
        self._work.put((fn, args, component))

    def line(
        self,
        logger: logging.Logger,
        level: int,
        message: str,
        fields: dict[str, Any],
        ids: tuple[str, str],
        origin: Origin,
    ) -> None:
        """Queue one line whose `fields` adk-observe produced (see `emit(own=True)`) for the
        log writer; `origin`: the (time.time(), thread id, thread name) of the call."""
        write = functools.partial(
            emit, logger, level, message, fields, own=True, ids=ids, origin=origin
        )
        self._lines.put((write, (), c.COMPONENT_LOGGING))

    def flush(self) -> None:
        """Apply the queued work now, in the calling thread (lines it logs are queued)."""
        self._work.flush()

    def flush_all(self) -> None:
        """Apply the queued work, then write the queued lines, in the calling thread."""
        self._work.flush()
        self._lines.flush()

    def close(self, timeout: float = 1.0) -> None:
        """Stop both workers after they finished what is queued; waits at most about
        `timeout` seconds for each."""
        atexit.unregister(self._at_exit)
        self._work.stop(timeout)
        self._lines.stop(timeout)


class DrainCollector:
    """Registered before the catalogue: a scrape applies the queue, then reads the values."""

    def __init__(self, queues: WorkQueues) -> None:
        self._queues = queues

    def describe(self) -> Iterable[Metric]:
        return ()

    def collect(self) -> Iterable[Metric]:
        self._queues.flush()
        return ()


def _call(ref: weakref.ref[WorkQueues], method: Callable[[WorkQueues], None]) -> None:
    queues = ref()
    if queues is not None:
        method(queues)
