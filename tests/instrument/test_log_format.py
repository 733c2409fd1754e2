"""The JSON formatter's fast path: the same lines as python-json-logger, and redaction intact."""

from __future__ import annotations

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
