"""JSON logs with trace_id/span_id, reference logger levels, rotating file, non-blocking Fluentd
forwarding and secret redaction.

Every handler adk-observe installs is tagged, so `LoggingSetup.close()` removes exactly those and
restores the logger levels it changed.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import queue
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from adk_observe import conventions as c
from adk_observe.instrument.options import Options
from adk_observe.instrument.redaction import redact_fields, redact_text
from adk_observe.instrument.tracing import current_ids

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
_RENAME = {"levelname": "level", "name": "logger", "asctime": "time"}
_TAG = "_adk_observe_handler"
# Fields whose values adk-observe itself produces: never secrets, so redaction skips them.
_SAFE_FIELDS = frozenset(
    {
        "time",
        "level",
        "logger",
        "service",
        c.LOG_TRACE_ID,
        c.LOG_SPAN_ID,
        "agent_id",
        "status",
        "status_code",
        "model",
        "tool",
    }
)

DropCounter = Callable[[int], None]
ErrorCounter = Callable[[], None]


class TraceJsonFormatter(JsonFormatter):
    """python-json-logger formatter: adds service, trace_id and span_id; redacts secrets."""

    def __init__(self, service_name: str) -> None:
        super().__init__(LOG_FORMAT, rename_fields=_RENAME, static_fields={"service": service_name})

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        ids = getattr(record, "otel_ids", None) or current_ids()
        if ids[0]:
            log_data[c.LOG_TRACE_ID], log_data[c.LOG_SPAN_ID] = ids[0], ids[1]
        log_data.pop("otel_ids", None)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return redact_fields(log_data, _SAFE_FIELDS)


class RedactingFormatter(logging.Formatter):
    """Plain-text fallback that still redacts (used for nothing by default; public for users)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_text(super().format(record))


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
        formatter: TraceJsonFormatter,
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
            data = self._formatter.process_log_record(self._record_dict(record))
            self._queue.put_nowait(data)
        except queue.Full:
            self._on_drop(1)
        except Exception:
            self._on_error()

    def _record_dict(self, record: logging.LogRecord) -> dict[str, Any]:
        message_dict: dict[str, Any] = {}
        record.message = record.getMessage()
        if record.exc_info:
            message_dict["exc_info"] = self._formatter.formatException(record.exc_info)
        record.asctime = self._formatter.formatTime(record)
        data: dict[str, Any] = {}
        self._formatter.add_fields(data, record, message_dict)
        return data

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


class LoggingSetup:
    """The logging part of one `init()`."""

    def __init__(
        self,
        options: Options,
        on_drop: DropCounter,
        on_error: ErrorCounter,
        stream: Any = None,
    ) -> None:
        self.formatter = TraceJsonFormatter(options.service_name)
        self.handlers: list[logging.Handler] = []
        self.fluent: FluentForwardHandler | None = None
        level = logging.getLevelName(options.log_level.upper())
        if options.log_stream:
            self._add(logging.StreamHandler(stream or sys.stderr), level)
        if options.log_file:
            self._add(
                logging.handlers.RotatingFileHandler(
                    options.log_file,
                    maxBytes=options.log_file_max_bytes,
                    backupCount=options.log_file_backups,
                    encoding="utf-8",
                    delay=True,
                ),
                level,
            )
        if options.fluentd_host:
            self.fluent = FluentForwardHandler(options, self.formatter, on_drop, on_error)
            self._add(self.fluent, level)
        root = logging.getLogger()
        self._saved: list[tuple[logging.Logger, int]] = [(root, root.level)]
        root.setLevel(options.root_log_level.upper())
        for name, lvl in options.logger_levels:
            logger = logging.getLogger(name)
            self._saved.append((logger, logger.level))
            logger.setLevel(lvl.upper())
        for handler in self.handlers:
            root.addHandler(handler)

    def _add(self, handler: logging.Handler, level: int | str) -> None:
        handler.setLevel(level)
        handler.setFormatter(self.formatter)
        setattr(handler, _TAG, True)
        self.handlers.append(handler)

    def close(self, timeout: float = 1.0) -> None:
        root = logging.getLogger()
        for handler in self.handlers:
            root.removeHandler(handler)
            if isinstance(handler, FluentForwardHandler):
                handler.close(timeout)
            else:
                handler.close()
        for logger, level in reversed(self._saved):
            logger.setLevel(level)
        self.handlers.clear()
