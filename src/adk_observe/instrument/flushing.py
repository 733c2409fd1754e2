"""A flush the caller waits for at most a given time (`handle.force_flush()`).

The OpenTelemetry SDK's span processor exports in the calling thread when flushed, and neither
it nor the metrics exporter bounds the whole export: the socket timeout of each read is all, so a
collector that answers and then trickles its body never lets the call return. The flush runs on
a thread of its own instead, one per sink, started at the first flush and kept until `close()`;
the caller waits at most `limit` seconds. A flush under way is not started again: a caller that
comes while one runs waits for it, then for the next one, which serves every caller that came
meanwhile.

One thread kept, and woken through C queues: starting a thread per flush cost ~130 us of CPU, a
Condition's round trip ~65 us, a SimpleQueue's ~17 us, which an agent that flushes after every
request (a serverless handler) pays each time (bench/RESULTS.md).
"""

from __future__ import annotations

import os
import queue
import threading
import weakref
from collections.abc import Callable

_CLOSE = None  # the request that ends the thread


class BoundedFlush:
    """`flush()` of one sink, run on its own thread, waited for at most `limit` seconds per call."""

    def __init__(self, flush: Callable[[], bool], name: str) -> None:
        self._flush = flush
        self._name = name
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        # Each request is the queue its caller waits on for the result.
        self._requests: queue.SimpleQueue[queue.SimpleQueue[bool] | None] = queue.SimpleQueue()
        self._closed = False
        # A thread does not survive fork (gunicorn --preload): the child starts its own, with a
        # lock and a queue no parent thread held or filled.
        ref = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: _after_fork(ref))

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._thread = None
        self._requests = queue.SimpleQueue()

    def __call__(self, limit: float) -> bool:
        """True when a flush started after this call ended within `limit` seconds and succeeded."""
        if not self._running():
            return False
        reply: queue.SimpleQueue[bool] = queue.SimpleQueue()
        self._requests.put(reply)
        try:
            return reply.get(timeout=max(limit, 0.0))
        except queue.Empty:  # the collector still holds this flush or the one before it
            return False

    def close(self) -> None:
        """Let the thread end once it is idle (or when the flush it runs returns)."""
        with self._lock:
            self._closed = True
            if self._thread is not None:
                self._requests.put(_CLOSE)

    def _running(self) -> bool:
        """Whether the flush thread runs, starting it if needed."""
        with self._lock:
            if self._closed:
                return False
            if self._thread is not None and self._thread.is_alive():
                return True
            thread = threading.Thread(target=self._serve, name=f"adk-observe-flush-{self._name}")
            thread.daemon = True
            try:
                thread.start()
            except RuntimeError:  # no thread to be had: nothing is flushed, nothing waits
                return False
            self._thread = thread
            return True

    def _serve(self) -> None:
        requests = self._requests
        while True:
            waiting = [requests.get()]
            while not requests.empty():  # those that came meanwhile share this flush
                waiting.append(requests.get())
            callers = [reply for reply in waiting if reply is not _CLOSE]
            if callers:
                try:
                    ok = bool(self._flush())
                except Exception:  # a sink's failure is a failed flush, never the agent's
                    ok = False
                for reply in callers:
                    reply.put(ok)
            if len(callers) < len(waiting):
                return


def _after_fork(ref: weakref.ref[BoundedFlush]) -> None:
    flusher = ref()
    if flusher is not None:
        flusher._reset()
