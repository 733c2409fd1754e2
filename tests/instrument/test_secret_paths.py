"""Secrets never leave the process: every path by which text reaches a log line or a span.

The corpus (tests/secret_corpus.py) holds API keys, bearer tokens, basic-auth URLs, passwords and
private keys. Each test sends it down one path and reads what a log stream or an in-memory span
exporter actually received.
"""

from __future__ import annotations

import dataclasses
import logging
import types
from typing import Any

import pytest
from instrument_support import Telemetry
from opentelemetry import trace
from requests.structures import CaseInsensitiveDict

from adk_observe import tool_call
from adk_observe.instrument.redaction import REDACTED
from secret_corpus import (
    BEARER_TOKEN,
    CORPUS,
    EVERYTHING,
    OPENAI_KEY,
    PASSWORD,
    SECRETS,
    leaked,
)

log = logging.getLogger("agent.payments")


class Holder:
    """An object the JSON formatter can only stringify."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return f"Holder({self.text})"


@dataclasses.dataclass
class Config:
    endpoint: str
    headers: dict[str, str]


def _nested(depth: int, leaf: object) -> object:
    value = leaf
    for _ in range(depth):
        value = {"inner": value}
    return value


# (name, extra fields of the log call): one entry per container shape point 3 names.
EXTRA_PATHS: list[tuple[str, dict[str, Any]]] = [
    ("dict", {"details": {"note": EVERYTHING}}),
    ("CaseInsensitiveDict", {"headers": CaseInsensitiveDict({"Authorization": BEARER_TOKEN,
                                                              "X-Note": EVERYTHING})}),
    ("MappingProxyType", {"cfg": types.MappingProxyType({"api_key": OPENAI_KEY,
                                                         "note": EVERYTHING})}),
    ("list", {"items": ["ok", EVERYTHING]}),
    ("tuple", {"items": ("ok", EVERYTHING)}),
    ("set", {"items": {EVERYTHING}}),
    ("frozenset", {"items": frozenset({EVERYTHING})}),
    ("object", {"obj": Holder(EVERYTHING)}),
    ("exception", {"error": ValueError(EVERYTHING)}),
    ("dataclass", {"cfg": Config(EVERYTHING, {"password": PASSWORD})}),
    ("bytes", {"body": EVERYTHING.encode()}),
    ("bytearray", {"body": bytearray(EVERYTHING.encode())}),
    ("deep", {"deep": _nested(40, EVERYTHING)}),
    ("deep-list", {"deep": _nested(40, [Holder(EVERYTHING)])}),
    ("non-str-key", {"m": {Holder(EVERYTHING): 1}}),
    # User extras named like the fields the formatter writes itself.
    *[(f"extra-{name}", {name: EVERYTHING}) for name in (
        "level", "logger", "service", "trace_id", "span_id", "time",
        "agent_id", "model", "tool", "status", "status_code")],
]


@pytest.mark.parametrize(("name", "extra"), EXTRA_PATHS, ids=[p[0] for p in EXTRA_PATHS])
def test_no_secret_reaches_the_log_stream_from_any_field_shape(
    telemetry: Telemetry, name: str, extra: dict[str, Any]
) -> None:
    log.warning("payment failed", extra=extra)
    output = telemetry.logs.getvalue()
    assert "payment failed" in output
    assert leaked(output) == []
    assert REDACTED in output


def test_the_depth_limit_redacts_what_it_does_not_read(telemetry: Telemetry) -> None:
    log.warning("deep", extra={"deep": _nested(40, 7)})
    line = telemetry.log_lines()[-1]
    value = line["deep"]
    depth = 0
    while isinstance(value, dict):
        value, depth = value["inner"], depth + 1
    # Fields are level 1; containers from level 6 on are not read: five dicts, then the marker.
    assert (depth, value) == (5, REDACTED)


def test_no_secret_through_the_general_formatter_paths(telemetry: Telemetry) -> None:
    log.warning({"msg": EVERYTHING, "level": EVERYTHING})  # a dict message
    log.warning("with stack %s", EVERYTHING, stack_info=True)
    try:
        raise RuntimeError(EVERYTHING)
    except RuntimeError:
        log.exception("failed: %s", EVERYTHING)
    output = telemetry.logs.getvalue()
    assert output.count("\n") == 3
    assert leaked(output) == []


def _span_text(telemetry: Telemetry) -> str:
    return "\n".join(span.to_json() for span in telemetry.spans())


def test_our_spans_carry_no_secret_from_a_raised_exception(telemetry: Telemetry) -> None:
    with pytest.raises(ValueError), tool_call("charge_card"):
        raise ValueError(EVERYTHING)
    spans = telemetry.spans()
    assert [e.name for e in spans[0].events] == ["exception"]
    event = spans[0].events[0].attributes or {}
    assert {"exception.message", "exception.stacktrace"} <= set(event)
    assert REDACTED in str(event["exception.message"])
    assert leaked(_span_text(telemetry)) == []


def test_sdk_spans_carry_no_secret_in_events_status_or_attributes(telemetry: Telemetry) -> None:
    tracer = trace.get_tracer("user-code")
    # The SDK's own exception handling: an `exception` event and "ValueError: <message>" status.
    with pytest.raises(ValueError), tracer.start_as_current_span("charge"):
        raise ValueError(EVERYTHING)
    with tracer.start_as_current_span("call") as span:
        span.set_attribute("http.url", CORPUS[5][1])
        span.set_attribute("api_key", OPENAI_KEY)
        span.set_attribute("args", [EVERYTHING, "ok"])
        span.add_event("retry", {"reason": EVERYTHING, "attempt": 2})
    spans = {s.name: s for s in telemetry.spans()}
    charge = spans["charge"]
    assert charge.status.description is not None
    assert charge.status.description.startswith("ValueError: ")
    assert REDACTED in charge.status.description
    call = spans["call"]
    assert (call.attributes or {})["api_key"] == REDACTED
    assert (call.events[0].attributes or {})["attempt"] == 2
    assert leaked(_span_text(telemetry)) == []


def test_a_span_without_secrets_is_exported_unchanged(telemetry: Telemetry) -> None:
    tracer = trace.get_tracer("user-code")
    with tracer.start_as_current_span("plain") as span:
        span.set_attribute("city", "Paris")
        span.add_event("step", {"n": 1})
    exported = telemetry.spans()[0]
    assert dict(exported.attributes or {}) == {"city": "Paris"}
    assert dict(exported.events[0].attributes or {}) == {"n": 1}


def test_every_corpus_secret_is_caught_alone() -> None:
    from adk_observe.instrument.redaction import redact_text

    for _, text in CORPUS:
        assert leaked(redact_text(text)) == [], text
    assert len(SECRETS) == 9
