"""Where JSON log records go besides the console: a rotating file that survives being unwritable,
and Fluentd (forward protocol) from a worker thread through a bounded queue. Neither ever blocks
the caller or prints a traceback per record; what they cannot deliver is dropped and counted.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import queue
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from adk_observe.instrument.options import Options

DropCounter = Callable[[int], None]
ErrorCounter = Callable[[], None]


class RecordFormatter(Protocol):
    """What the Fluentd handler needs of its formatter (logging.TraceJsonFormatter): a record's
    fields, redacted (declared here: logging.py imports this module)."""

    def record_data(self, record: logging.LogRecord) -> dict[str, Any]: ...


class FluentForwardHandler(logging.Handler):
    """Forwards records to Fluentd (forward protocol) from a worker thread.

    The caller only formats the record and puts it on a bounded queue (`put_nowait`): when the
    queue is full the record is dropped and counted. The worker sends with a socket timeout; while
    Fluentd is unreachable, fluent-logger buffers up to `bufmax` bytes and sends the buffer when
    the server is back (buffer overflow is counted as drops too).
    """

    def __init__(
        self,
        options: Options,
        formatter: RecordFormatter,
        on_drop: DropCounter,
        on_error: ErrorCounter,
    ) -> None:
        super().__init__()
        from fluent.sender import FluentSender

        self._formatter = formatter
        self._on_drop = on_drop
        self._on_error = on_error
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue(options.fluentd_queue_size)
        self._pending_records = 0
        self._sender = FluentSender(
            options.fluentd_tag_or_default,
            host=options.fluentd_host,
            port=options.fluentd_port,
            timeout=options.fluentd_timeout,
            buffer_overflow_handler=self._overflow,
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="adk-observe-fluentd", daemon=True)
        self._thread.start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._queue.put_nowait(self._formatter.record_data(record))
        except queue.Full:
            self._on_drop(1)
        except Exception:
            self._on_error()

    def _overflow(self, pending: bytes) -> None:
        self._on_drop(self._pending_records)
        self._pending_records = 0

    def _send(self, data: dict[str, Any]) -> None:
        if self._sender.emit_with_time(None, time.time(), data):
            self._pending_records = 0
        else:
            self._pending_records += 1

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=0.5)
            except queue.Empty:
                if self._stop.is_set():
                    break
                if self._sender.pendings:  # retry the buffer once the server is back
                    try:
                        self._retry()
                    except Exception:
                        self._on_error()
                continue
            if item is None:
                break
            try:
                self._send(item)
            except Exception:
                self._on_error()
        self._sender.close()

    def _retry(self) -> None:
        with self._sender.lock:
            if self._sender._send_internal(b""):  # flushes `pendings`
                self._pending_records = 0

    def close(self, timeout: float = 1.0) -> None:
        """Ask the worker to finish; wait at most `timeout` seconds (then leave it, a daemon)."""
        self._stop.set()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)
        self._thread.join(timeout)
        super().close()

    def flush_wait(self, timeout: float) -> bool:
        """Wait until the queue is empty and nothing is pending (tests, graceful shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._queue.empty() and not self._sender.pendings:
                return True
            time.sleep(0.01)
        return False


class SafeFileHandler(logging.handlers.RotatingFileHandler):
    """The log file, when it cannot be written (read-only root filesystem, removed folder, full
    disk), costs one counted internal error per RETRY_SECONDS instead of a traceback on stderr
    for every record: records are dropped and counted until a retry opens the file again."""

    RETRY_SECONDS = 30.0

    def __init__(self, options: Options, on_drop: DropCounter, on_error: ErrorCounter) -> None:
        super().__init__(
            options.log_file,
            maxBytes=options.log_file_max_bytes,
            backupCount=options.log_file_backups,
            encoding="utf-8",
            delay=True,
        )
        self._on_drop, self._on_error = on_drop, on_error
        self.down_until = 0.0  # monotonic time of the next attempt while the file is down

    def emit(self, record: logging.LogRecord) -> None:
        if self.down_until and time.monotonic() < self.down_until:
            self._on_drop(1)
            return
        self.down_until = 0.0
        super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:
        self._on_error()
        self._on_drop(1)
        self.down_until = time.monotonic() + self.RETRY_SECONDS
        stream, self.stream = self.stream, None  # type: ignore[assignment]
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.close()
