"""The JSON formatter's fast path: the same lines as python-json-logger, and redaction intact."""

from __future__ import annotations

import io
import json
import logging
import sys

from hypothesis import given
from hypothesis import strategies as st
from instrument_support import Telemetry

from adk_observe import agent_turn
from adk_observe import conventions as c
from adk_observe.instrument import redaction
from adk_observe.instrument.logging import TraceJsonFormatter, emit

LOGGER = "adk_observe.agent"


def _record(msg: str, args: tuple[object, ...] = (), **extra: object) -> logging.LogRecord:
    logger = logging.getLogger(LOGGER)
    return logger.makeRecord(LOGGER, logging.INFO, __file__, 1, msg, args, None, extra=extra)


def test_the_fast_path_writes_what_python_json_logger_writes() -> None:
    formatter = TraceJsonFormatter("svc")
    try:
        raise ValueError("boom")
    except ValueError:
        exc_info = sys.exc_info()
    cases = [
        _record("plain %s", ("text",)),
        _record(c.LOG_MESSAGE_AGENT_TURN, agent_id="a", status_code="200", cost=0.5,
                duration_ms=1.25, invocation_id="e-1", nested={"k": [1, 2]}),
        logging.getLogger(LOGGER).makeRecord(LOGGER, logging.ERROR, __file__, 1, "failed", (),
                                             exc_info),
    ]
    for record in cases:
        fast = formatter.format(record)
        general = super(TraceJsonFormatter, formatter).format(record)
        assert list(json.loads(fast).items()) == list(json.loads(general).items())


def test_own_messages_skip_redaction_but_their_fields_do_not() -> None:
    formatter = TraceJsonFormatter("svc")
    line = json.loads(formatter.format(_record(c.LOG_MESSAGE_AGENT_TURN,
                                               invocation_id="password=hunter2")))
    assert line["message"] == c.LOG_MESSAGE_AGENT_TURN
    assert "hunter2" not in line["invocation_id"]
    other = json.loads(formatter.format(_record("agent turn with token=%s", ("abcdefgh",))))
    assert "abcdefgh" not in other["message"]


def test_emit_writes_one_line_with_the_trace_ids(telemetry: Telemetry) -> None:
    with agent_turn("a"):
        emit(logging.getLogger(LOGGER), logging.INFO, "custom", {"n": 1, "api_key": "x" * 20})
    custom = [line for line in telemetry.log_lines() if line["message"] == "custom"]
    assert len(custom) == 1
    assert custom[0]["n"] == 1 and custom[0]["api_key"] == redaction.REDACTED
    assert len(custom[0][c.LOG_TRACE_ID]) == 32 and len(custom[0][c.LOG_SPAN_ID]) == 16


# Letters of the hint words, both cases, and the non-ASCII letters IGNORECASE equates with them.
_HINT_LETTERS = [*"abeiknoprstuwxyzAEIKJS_-:/ ", "\u212a", "\u017f", "\u0130", "\u0131"]
_HINTY = st.text(alphabet=st.sampled_from(_HINT_LETTERS), max_size=30)


@given(text=st.one_of(_HINTY, st.text(max_size=30)))
def test_the_ascii_hint_check_agrees_with_the_case_insensitive_regex(text: str) -> None:
    assert redaction._has_hint(text) == (redaction._HINTS.search(text) is not None)


def test_a_users_string_under_a_numeric_field_name_is_still_redacted() -> None:
    formatter = TraceJsonFormatter("svc")
    line = json.loads(formatter.format(_record("usage", cost="password=hunter2",
                                               duration_ms=12.5)))
    assert "hunter2" not in line["cost"] and line["duration_ms"] == 12.5


def _own_line(logger: logging.Logger, **emit_options: object) -> dict[str, object]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(TraceJsonFormatter("svc"))
    logger.addHandler(handler)
    try:
        fields = {"agent_id": "a", "status_code": "200", "cost": 0.5, "duration_ms": 1.25}
        emit(logger, logging.INFO, c.LOG_MESSAGE_AGENT_TURN, fields, own=True,
             ids=("a" * 32, "b" * 16), **emit_options)  # type: ignore[arg-type]
    finally:
        logger.removeHandler(handler)
    line: dict[str, object] = json.loads(stream.getvalue())
    return line


def test_an_own_line_has_the_same_fields_as_the_general_path() -> None:
    logger = logging.getLogger("adk_observe.test_own")
    logger.propagate = False
    line = _own_line(logger)
    assert list(line)[:5] == ["time", "level", "logger", "message", "service"]
    assert {k: v for k, v in line.items() if k != "time"} == {
        "level": "INFO", "logger": "adk_observe.test_own", "message": c.LOG_MESSAGE_AGENT_TURN,
        "service": "svc", "agent_id": "a", "status_code": "200", "cost": 0.5,
        "duration_ms": 1.25, c.LOG_TRACE_ID: "a" * 32, c.LOG_SPAN_ID: "b" * 16}


def test_a_filter_that_adds_a_field_sends_an_own_line_down_the_general_path() -> None:
    logger = logging.getLogger("adk_observe.test_filter")
    logger.propagate = False

    def add_request_id(record: logging.LogRecord) -> bool:
        record.request_id = "password=hunter2"
        return True

    logger.addFilter(add_request_id)
    try:
        line = _own_line(logger)
    finally:
        logger.removeFilter(add_request_id)
    assert "hunter2" not in str(line["request_id"]) and line["agent_id"] == "a"


def test_an_own_line_goes_through_a_users_record_factory() -> None:
    logger = logging.getLogger("adk_observe.test_factory")
    logger.propagate = False
    default = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = default(*args, **kwargs)
        record.tenant = "acme"
        return record

    logging.setLogRecordFactory(factory)
    try:
        line = _own_line(logger)
    finally:
        logging.setLogRecordFactory(default)
    assert line["tenant"] == "acme" and line["cost"] == 0.5


def test_an_own_line_written_later_keeps_the_time_and_thread_of_the_call() -> None:
    logger = logging.getLogger("adk_observe.test_origin")
    logger.propagate = False
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        emit(logger, logging.INFO, "x", {}, own=True, origin=(1_700_000_000.25, 42, "caller"))
    finally:
        logger.removeHandler(handler)
    (record,) = records
    assert (record.created, record.msecs, record.thread, record.threadName) == (
        1_700_000_000.25, 250.0, 42, "caller")
