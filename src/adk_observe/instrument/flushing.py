"""A flush the caller waits for at most a given time (`handle.force_flush()`).

The OpenTelemetry SDK's span processor exports in the calling thread when flushed, and neither
it nor the metrics exporter bounds the whole export: the socket timeout of each read is all, so a
collector that answers and then trickles its body never lets the call return. The flush runs in
a thread of its own instead; the caller waits at most `limit` seconds, and a flush still under
way is not started again until it ends (one thread per sink, however often the agent flushes).
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class BoundedFlush:
    """`flush()` of one sink, waited for at most `limit` seconds per call."""

    def __init__(self, flush: Callable[[], bool], name: str) -> None:
        self._flush = flush
        self._name = name
        self._thread: threading.Thread | None = None

    def __call__(self, limit: float) -> bool:
        """True when the flush ended within `limit` seconds and succeeded."""
        previous = self._thread
        if previous is not None:
            previous.join(limit)
            if previous.is_alive():
                return False  # the collector still holds the last one
        result: list[bool] = []

        def run() -> None:
            try:
                result.append(bool(self._flush()))
            except Exception:  # a sink's failure is a failed flush, never the agent's
                result.append(False)

        thread = threading.Thread(target=run, name=f"adk-observe-flush-{self._name}")
        thread.daemon = True
        try:
            thread.start()
        except RuntimeError:  # no thread to be had: nothing is flushed, nothing waits
            return False
        self._thread = thread
        thread.join(limit)
        return bool(result) and result[0]
