"""Secrets never leave the process on spans: an exporter wrapper that redacts what spans carry.

Exception text reaches spans in three ways: `span.record_exception()` (ours, ADK's, the SDK's
when a span context manager sees an exception) adds an `exception` event whose
`exception.message` and `exception.stacktrace` attributes hold the text; ADK and the SDK also put
`"<Type>: <message>"` in the span's status description; and attributes (tool arguments, error
details) may hold anything. Every string there is redacted with the rules of the logs
(`redaction.redact_text`; secret-named attribute keys lose their value) just before export, in the
exporter's worker thread, so the agent's own thread pays nothing.

Exception texts also lose the raw user ids of their trace's turns (`KeyError(user_id)` is how an
application's lookup of its user fails): each becomes `[user.id]` in the events' attributes and
the status description (sessions.py, `Sessions.remember`). Other attributes keep what the
application put there.

A span with nothing to redact is exported as it is; otherwise a redacted copy is exported (the
SDK's spans are read-only once ended). This covers the exporters adk-observe installs; exporters
an application adds to its own TracerProvider see unredacted spans (wrap them with
`RedactingSpanExporter` too).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import Status

from adk_observe.instrument.redaction import REDACTED, is_secret_key, redact_text
from adk_observe.instrument.sessions import RawUsers, scrub


def _text(text: str, users: re.Pattern[str] | None) -> str:
    return redact_text(scrub(text, users) if users else text)


def _redact_attr(key: str, value: Any, users: re.Pattern[str] | None = None) -> Any:
    if isinstance(value, (bool, int, float)):  # numbers are no secrets (token counts, sizes)
        return value
    if is_secret_key(key) and value not in (None, ""):
        return REDACTED
    if isinstance(value, str):
        return _text(value, users)
    if isinstance(value, (list, tuple)) and any(isinstance(v, str) for v in value):
        return tuple(_text(v, users) if isinstance(v, str) else v for v in value)
    return value


def redact_attributes(
    attributes: Mapping[str, Any] | None, users: re.Pattern[str] | None = None
) -> dict[str, Any] | None:
    """The attributes with secrets (and the raw user ids `users`) redacted, or None when
    nothing changed."""
    if not attributes:
        return None
    changed = False
    out: dict[str, Any] = {}
    for key, value in attributes.items():
        new = _redact_attr(key, value, users)
        # Values are str, bool, numbers or sequences of them: == compares them by content.
        if new is not value and new != value:
            changed = True
        out[key] = new
    return out if changed else None


def redact_span(span: ReadableSpan, users: re.Pattern[str] | None = None) -> ReadableSpan:
    """`span` itself when it carries no secret; otherwise a copy with every secret redacted
    (and the raw user ids `users` of its trace, in its events and status description)."""
    attributes = redact_attributes(span.attributes)
    events: list[Event] | None = None
    for index, event in enumerate(span.events):
        redacted = redact_attributes(event.attributes, users)
        if redacted is not None:
            if events is None:
                events = list(span.events)  # type: ignore[arg-type]
            events[index] = Event(event.name, redacted, event.timestamp)
    status = span.status
    description = status.description
    if description:
        new_description = _text(description, users)
        if new_description != description:
            status = Status(status.status_code, new_description)
    if attributes is None and events is None and status is span.status:
        return span
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=span.attributes if attributes is None else attributes,
        events=span.events if events is None else events,
        links=span.links,
        kind=span.kind,
        status=status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


def _trace_id(span: ReadableSpan) -> int:
    return span.context.trace_id if span.context is not None else 0


class RedactingSpanExporter(SpanExporter):
    """Exports through `inner` the spans with their secrets redacted (see the module doc)."""

    def __init__(self, inner: SpanExporter, raw_users: RawUsers | None = None) -> None:
        self.inner = inner
        self._raw_users = raw_users

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        users = self._raw_users
        if users is None:
            return self.inner.export([redact_span(span) for span in spans])
        return self.inner.export([redact_span(s, users(_trace_id(s))) for s in spans])

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)
