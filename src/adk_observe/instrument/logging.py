"""JSON logs with trace_id/span_id, reference logger levels and secret redaction; the rotating
file and Fluentd handlers are in log_sinks.py.

Every handler adk-observe installs is tagged, so `LoggingSetup.close()` removes exactly those and
restores the logger levels it changed.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import time
from collections.abc import Callable
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonEncoder, JsonFormatter

from adk_observe import conventions as c
from adk_observe.environment import ROOT_LOGGER
from adk_observe.instrument.log_sinks import (
    DropCounter,
    ErrorCounter,
    FluentForwardHandler,
    SafeFileHandler,
)
from adk_observe.instrument.options import Options, logger_levels_of
from adk_observe.instrument.redaction import redact_fields
from adk_observe.instrument.sessions import RawUsers, scrub
from adk_observe.instrument.tracing import current_ids

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
_RENAME = {"levelname": c.LOG_LEVEL, "name": c.LOG_LOGGER, "asctime": c.LOG_TIME}
_TAG = "_adk_observe_handler"
_OTEL_IDS = "otel_ids"  # a record attribute that overrides the current span's (trace, span) ids
_OWN_FIELDS = "_adk_observe_fields"  # emit(own=True): (fields, expected attribute count)
# LogRecord attributes that are not fields of the JSON line (python-json-logger's reserved set).
_RESERVED = frozenset(RESERVED_ATTRS) | {"taskName", _OTEL_IDS}
# Fields the formatter itself writes on the general path: never secrets, so redaction skips them,
# unless a user's extra of the same name replaced the value (then it is checked like any other).
# (Numbers such as duration_ms, cost and token counts skip redaction by type, not by name: a
# user's string under one of those names is still checked.)
_SAFE_FIELDS = frozenset(
    {c.LOG_TIME, c.LOG_LEVEL, c.LOG_LOGGER, c.LOG_SERVICE, c.LOG_TRACE_ID, c.LOG_SPAN_ID}
)
# The messages adk-observe writes: a line whose message is exactly one of these has nothing in
# its message to redact (its other fields are still checked).
_OWN_MESSAGES = frozenset(
    {
        c.LOG_MESSAGE_AGENT_TURN,
        c.LOG_MESSAGE_AGENT_TURN_FAILED,
        c.LOG_MESSAGE_LLM_CALL,
        c.LOG_MESSAGE_TOOL_CALL,
        c.LOG_MESSAGE_FEEDBACK,
    }
)
_SAFE_WITH_MESSAGE = _SAFE_FIELDS | {c.LOG_MESSAGE}


def emit(
    logger: logging.Logger,
    level: int,
    message: str,
    fields: dict[str, Any],
    *,
    own: bool = False,
    ids: tuple[str, str] | None = None,
    origin: tuple[float, int, str] | None = None,
) -> None:
    """Log one of adk-observe's records (`fields` become JSON fields) on the hot path.

    The caller has checked `logger.isEnabledFor(level)`. Unlike `logger.log()` this skips the
    caller lookup (a stack walk): the file and line of the call are in no JSON field anyway.
    `own=True` says every value in `fields` is one adk-observe produced (label values, numbers,
    ADK's invocation ids, exception class names), so the formatter skips redaction and the scan of
    the record's attributes. `ids`: the (trace id, span id) to log instead of the current span's.
    `origin`: the (time.time(), thread id, thread name) of the call, when the work queue's worker
    writes the record later.
    """
    if own and logging.getLogRecordFactory() is logging.LogRecord:
        record = logging.LogRecord(logger.name, level, "", 0, message, (), None)
        attrs = record.__dict__
        # The formatter takes the fast path only while the record holds exactly these
        # attributes: a filter that adds one sends the record down the general path.
        attrs[_OWN_FIELDS] = (fields, len(attrs) + len(fields) + 1 + (ids is not None))
        attrs.update(fields)
    else:  # a user's record factory (it may add fields) or fields that need redaction
        record = logger.makeRecord(logger.name, level, "", 0, message, (), None, extra=fields)
    if ids is not None:
        record.__dict__[_OTEL_IDS] = ids
    if origin is not None:
        created, record.thread, record.threadName = origin
        record.relativeCreated -= (record.created - created) * 1000
        record.created = created
        record.msecs = int((created - int(created)) * 1000) + 0.0
    logger.handle(record)


def _own_fields(record: logging.LogRecord) -> dict[str, Any] | None:
    """The fields of an `emit(own=True)` record that nothing has added attributes to since."""
    attrs = record.__dict__
    own = attrs.get(_OWN_FIELDS)
    if own is None or len(attrs) != own[1] or record.exc_info:
        return None
    fields: dict[str, Any] = own[0]
    return fields


def _flat_encoder(encoder: JsonEncoder) -> Callable[[dict[str, Any]], str]:
    """`encoder.encode` for dicts of strings and numbers, with json's C encoder built once.

    `JSONEncoder.encode` builds a new C encoder (and its closures) for every call; the fields of
    adk-observe's own lines hold no containers, so the circular-reference check is not needed.
    """
    try:
        from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - CPython always has it
        return encoder.encode
    if c_make_encoder is None:  # pragma: no cover
        return encoder.encode
    make = c_make_encoder(
        None,
        encoder.default,
        encode_basestring_ascii,
        None,
        encoder.key_separator,
        encoder.item_separator,
        False,
        False,
        True,
    )

    def encode(data: dict[str, Any]) -> str:
        return "".join(make(data, 0))

    return encode


class TraceJsonFormatter(JsonFormatter):
    """python-json-logger formatter: adds service, trace_id and span_id; redacts secrets.

    `format()` builds the same fields in the same order as python-json-logger does, directly:
    the time string is cached per second, the encoder built once, and fields adk-observe itself
    produces (numbers, ids, label values, its own messages) skip redaction. A record whose message
    is a dict, or that carries stack info, takes python-json-logger's general path.
    """

    def __init__(self, service_name: str, raw_users: RawUsers | None = None) -> None:
        """`raw_users`: the raw user ids of a trace, which a record's message and exception
        text lose (as on spans: span_redaction.py)."""
        self._raw_users = raw_users
        super().__init__(
            LOG_FORMAT, rename_fields=_RENAME, static_fields={c.LOG_SERVICE: service_name}
        )
        self._service = service_name
        # What json.dumps(cls=JsonEncoder, ensure_ascii=True) would build for every line.
        self._encoder = JsonEncoder(ensure_ascii=True)
        self._encode_flat = _flat_encoder(self._encoder)
        self._second: tuple[int, str] = (-1, "")

    def format(self, record: logging.LogRecord) -> str:
        if isinstance(record.msg, dict) or record.stack_info or self.datefmt:
            return super().format(record)
        own = _own_fields(record)
        if own is not None:  # flat fields of scalars: the encoder built once
            return self.prefix + self._encode_flat(self._own_data(record, own))
        return self.prefix + self._encoder.encode(self.record_data(record))

    def record_data(self, record: logging.LogRecord) -> dict[str, Any]:
        """The redacted JSON fields of `record` (also what the Fluentd handler sends)."""
        own = _own_fields(record)
        if own is not None:
            return self._own_data(record, own)
        attrs = record.__dict__
        record.message = message = record.getMessage()
        data = self._head(record, message)
        if record.exc_info:
            data["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            data["exc_info"] = record.exc_text
        safe = _SAFE_WITH_MESSAGE if message in _OWN_MESSAGES else _SAFE_FIELDS
        for key, value in attrs.items():
            if key not in _RESERVED and not (isinstance(key, str) and key.startswith("_")):
                data[key] = value
                if key in safe:  # a user's extra named like a built-in field: check it
                    safe = safe - {key}
        self._scrub(data, self._add_ids(data, record))
        return redact_fields(data, safe, self._encoder.default)

    def _scrub(self, data: dict[str, Any], trace_id: str) -> None:
        """The raw user ids of the record's trace (`trace_id`, hex) out of its message and
        exception text."""
        if not trace_id or self._raw_users is None:
            return
        try:
            users = self._raw_users(int(trace_id, 16))
        except ValueError:
            return
        if users is None:
            return
        for key in (c.LOG_MESSAGE, "exc_info"):
            if isinstance(text := data.get(key), str):
                data[key] = scrub(text, users)

    def _own_data(self, record: logging.LogRecord, fields: dict[str, Any]) -> dict[str, Any]:
        """`record_data` of an `emit(own=True)` record: the same fields, nothing to redact."""
        record.message = record.msg
        data = self._head(record, record.msg)
        data.update(fields)
        self._add_ids(data, record)
        return data

    def _head(self, record: logging.LogRecord, message: str) -> dict[str, Any]:
        """The fields every line starts with, in python-json-logger's order."""
        return {
            c.LOG_TIME: self._time(record),
            c.LOG_LEVEL: record.levelname,
            c.LOG_LOGGER: record.name,
            c.LOG_MESSAGE: message,
            c.LOG_SERVICE: self._service,
        }

    def _time(self, record: logging.LogRecord) -> str:
        """`formatTime(record)` with the strftime part computed once per second."""
        second, text = self._second
        if second != int(record.created):
            text = time.strftime(self.default_time_format, self.converter(record.created))
            self._second = (int(record.created), text)
        msec_format = self.default_msec_format
        return msec_format % (text, record.msecs) if msec_format else text

    @staticmethod
    def _add_ids(data: dict[str, Any], record: logging.LogRecord) -> str:
        """Sets the record's trace and span ids; its trace id ('' when none)."""
        ids = getattr(record, _OTEL_IDS, None) or current_ids()
        if ids[0]:
            data[c.LOG_TRACE_ID], data[c.LOG_SPAN_ID] = ids[0], ids[1]
        return str(ids[0])

    # python-json-logger's general path (dict messages, stack info, a custom datefmt).
    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        log_data.pop(_OTEL_IDS, None)
        log_data.pop(_OWN_FIELDS, None)
        self._scrub(log_data, self._add_ids(log_data, record))

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        # Extras may have replaced any field here, so every field is checked.
        return redact_fields(log_data, frozenset(), self._encoder.default)


class LoggingSetup:
    """The logging part of one `init()`."""

    def __init__(
        self,
        options: Options,
        on_drop: DropCounter,
        on_error: ErrorCounter,
        stream: Any = None,
        on_file_drop: DropCounter | None = None,
        raw_users: RawUsers | None = None,
    ) -> None:
        self.formatter = TraceJsonFormatter(options.service_name, raw_users)
        self.handlers: list[logging.Handler] = []
        self.fluent: FluentForwardHandler | None = None
        # The handlers pass every record their loggers let through: logger levels decide.
        level = logging.NOTSET
        if options.log_stream:
            console = sys.stdout if options.log_console == "stdout" else sys.stderr
            self._add(logging.StreamHandler(stream or console), level)
        if options.log_file:
            self._add(SafeFileHandler(options, on_file_drop or on_drop, on_error), level)
        if options.fluentd_host:
            self.fluent = FluentForwardHandler(options, self.formatter, on_drop, on_error)
            self._add(self.fluent, level)
        root = logging.getLogger()
        self._saved: list[tuple[logging.Logger, int]] = []
        for name, lvl in logger_levels_of(options):
            logger = root if name == ROOT_LOGGER else logging.getLogger(name)
            self._saved.append((logger, logger.level))
            logger.setLevel(lvl)
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
