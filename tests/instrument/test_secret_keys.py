"""Secret-named keys (Cookie, Set-Cookie, Authorization, Proxy-Authorization, X-Api-Key, tokens,
passwords ...) never reach a log line or an exported span, whatever the value looks like and
however deep it sits: log fields, nested mappings, (name, value) header pairs as ASGI and HTTP
libraries hold them (text or bytes), span and span event attributes, and header lines in text.

The value is one no shape pattern knows (no "Bearer", no key prefix), so only the key can give
it away: removing any key from the redaction rules fails its case here.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from instrument_support import Telemetry
from opentelemetry import trace

from adk_observe.instrument.redaction import REDACTED

VALUE = "zQ7vK2pL9xW4mN8r"  # looks like nothing in particular
SECRET_KEYS = [
    "Cookie", "Set-Cookie", "cookie", "set-cookie", "Authorization", "Proxy-Authorization",
    "authorization", "X-Api-Key", "x-goog-api-key", "api_key", "apikey", "X-Auth-Token",
    "access_token", "refresh_token", "id_token", "token", "client_secret", "password", "passwd",
    "pwd", "passphrase", "private_key", "session_key", "credentials", "auth_header",
]
log = logging.getLogger("agent.http")


def _nested(depth: int, leaf: dict[str, Any]) -> dict[str, Any]:
    value = leaf
    for _ in range(depth - 1):
        value = {"inner": value}
    return value


def _shapes(key: str) -> dict[str, Any]:
    """Every way a key and its value reach a log call's extra fields."""
    return {
        "field": {key: VALUE},
        "depth 2": {"request": {key: VALUE}},
        "depth 5": {"request": _nested(4, {key: VALUE})},
        "depth 12": {"request": _nested(11, {key: VALUE})},
        "header pairs": {"headers": [("host", "a.example"), (key, VALUE)]},
        "byte header pairs": {"headers": [(b"host", b"a.example"), (key.encode(), VALUE.encode())]},
        "byte keys": {"headers": {key.encode(): VALUE.encode()}},
        "list of mappings": {"calls": [{"ok": 1}, {"headers": {key: VALUE}}]},
    }


@pytest.mark.parametrize("key", SECRET_KEYS)
def test_a_secret_named_key_is_never_logged_at_any_depth(telemetry: Telemetry, key: str) -> None:
    for name, extra in _shapes(key).items():
        log.warning("request %s", name, extra=extra)
    lines = telemetry.log_lines()
    assert len(lines) == len(_shapes(key))
    output = telemetry.logs.getvalue()
    assert VALUE not in output
    assert output.count(REDACTED) >= len(lines)


@pytest.mark.parametrize("key", SECRET_KEYS)
def test_a_secret_named_header_line_in_text_is_redacted(telemetry: Telemetry, key: str) -> None:
    log.warning("sent %s: %s", key, VALUE)
    log.warning("sent %s=%s", key, VALUE)
    log.warning('sent {"%s": "%s"}', key, VALUE)
    try:
        raise ConnectionError(f"GET /v1 HTTP/1.1\r\nHost: a.example\r\n{key}: {VALUE}\r\n\r\n")
    except ConnectionError:
        log.exception("request failed")
    output = telemetry.logs.getvalue()
    assert output.count("sent") == 3 and "request failed" in output
    assert VALUE not in output


def test_every_cookie_of_a_cookie_header_line_is_redacted(telemetry: Telemetry) -> None:
    log.warning("Cookie: sid=%s; theme=dark; csrf=%s", VALUE, VALUE[::-1])
    log.warning("Set-Cookie: sid=%s; Path=/; HttpOnly", VALUE)
    output = telemetry.logs.getvalue()
    assert VALUE not in output and VALUE[::-1] not in output
    assert "Cookie: [REDACTED]" in output and "Set-Cookie: [REDACTED]" in output


@pytest.mark.parametrize("key", SECRET_KEYS)
def test_a_secret_named_span_attribute_is_never_exported(telemetry: Telemetry, key: str) -> None:
    tracer = trace.get_tracer("user-code")
    with tracer.start_as_current_span("call") as span:
        span.set_attribute(key, VALUE)
        span.set_attribute(f"http.request.header.{key.lower()}", [VALUE])
        span.add_event("retry", {key: VALUE, "attempt": 2})
    exported = telemetry.spans()[0]
    attributes = dict(exported.attributes or {})
    assert attributes[key] == REDACTED
    assert attributes[f"http.request.header.{key.lower()}"] == REDACTED
    assert dict(exported.events[0].attributes or {}) == {key: REDACTED, "attempt": 2}
    assert VALUE not in exported.to_json()


@pytest.mark.parametrize("key", ["tokens", "token_count", "token_type", "monkey", "keyboard"])
def test_keys_that_only_look_alike_keep_their_value(telemetry: Telemetry, key: str) -> None:
    log.warning("counted", extra={key: VALUE})
    assert telemetry.log_lines()[-1][key] == VALUE
