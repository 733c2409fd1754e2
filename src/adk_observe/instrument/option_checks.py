"""What a valid value of each `init()` option is: one rule per option, checked on every layer
that sets it (keyword, ADK_OBSERVE_* variable, spec telemetry), so an error names its source.

A rule is a predicate and the text that describes a valid value; docs/instrumentation.md shows
the same texts (a test holds the two together). The type of a value is checked first, from the
option's declared type: a float option takes finite numbers only (NaN and infinity are no
timeout and no ratio), an int option integers, a str option text without control characters or
lone surrogates (they cannot be encoded into a log line, a resource attribute or a header).
The standard OTEL_* variables are read by `otel_env.py`, which warns and ignores an invalid one
as the OpenTelemetry specification says; it uses the same checks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from adk_observe import model

LOG_CONSOLES = ("stdout", "stderr")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
COMPRESSIONS = ("none", "gzip", "deflate")  # what the OTLP/HTTP exporter can send
# OTEL_TRACES_EXPORTER values adk-observe has: otlp (to the endpoint, when one is set) or none.
TRACES_EXPORTERS = ("otlp", "none")
# The built-in samplers of the OpenTelemetry specification that take no remote configuration.
SAMPLERS = (
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
)
# A histogram combination is up to 16 series (bucket bounds, +Inf, _count, _sum, _created): the
# smallest series limit leaves room for a few of them besides the overflow combination.
MIN_SERIES_LIMIT = 100
MAX_PORT = 65535
# The longest timeout: the largest number of milliseconds a 32-bit integer holds (24.8 days), the
# range the OpenTelemetry specification asks integer settings to support. Longer ones overflow
# the socket timeouts below the exporter (every export would fail).
MAX_TIMEOUT_SECONDS = (2**31 - 1) / 1000.0

# RFC 9110 token: the characters of a header name.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# A header value as requests sends it (Latin-1): visible characters, space and tab (RFC 9110
# field-vchar and obs-text); never CR, LF or NUL, which would break every export.
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e\xa0-\xff]*")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# gRPC metadata ("gRPC over HTTP2", Custom-Metadata): names of lowercase letters, digits, _ - .
# (header names are sent lowercased), values of printable ASCII; a name ending in -bin would need
# bytes. Any other header fails every export over gRPC (INTERNAL: "Invalid metadata").
_GRPC_NAME = re.compile(r"[0-9a-z_.-]+")
_GRPC_VALUE = re.compile(r"[\x20-\x7e]*")


class OptionsError(ValueError):
    """An option (kwarg or environment variable) has an invalid value."""


def is_text(value: Any) -> bool:
    """Text without control characters or lone surrogates."""
    return isinstance(value, str) and _CONTROL.search(value) is None


def header_problem(name: str, value: str) -> str | None:
    """What makes `name: value` a header (or gRPC metadata) no request can carry, or None."""
    if not _TOKEN.fullmatch(name):
        return f"header name {shown(name)} is not an HTTP token"
    if not _FIELD_VALUE.fullmatch(value) or value != value.strip(" \t"):
        return (
            f"the value of header {shown(name)} has characters a header cannot carry (control "
            "characters, CR/LF, non-Latin-1 text, or white space at either end)"
        )
    return None


def grpc_metadata_problem(name: str, value: str) -> str | None:
    """What makes a valid header `name: value` no gRPC metadata, or None."""
    if not _GRPC_NAME.fullmatch(name.lower()) or name.lower().endswith("-bin"):
        return (
            f"header name {shown(name)} cannot be sent as gRPC metadata (letters, digits, "
            "_ - . only, not ending in -bin)"
        )
    if not _GRPC_VALUE.fullmatch(value):
        return f"the value of header {shown(name)} cannot be sent as gRPC metadata (ASCII only)"
    return None


def url_problem(url: str) -> str | None:
    """What makes `url` no OTLP endpoint (http or https, a host, a port within [1, 65535] when
    one is given, no white space), or None."""
    if not is_text(url) or any(ch.isspace() for ch in url):
        return "has white space or control characters"
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"is not a URL ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "is not an http:// or https:// URL with a host"
    try:
        port = parts.port  # ValueError: a port that is not a number, or past 65535
    except ValueError:
        port = 0
    if port == 0:  # no collector listens on port 0: every export would be refused
        return f"has no port within [1, {MAX_PORT}]"
    return None


def _pairs(check: Callable[[str, str], bool]) -> Callable[[Any], bool]:
    def ok(value: Any) -> bool:
        return all(check(k, v) for k, v in value)

    return ok


def _price_ok(price: Any) -> bool:
    numbers = (
        price.input_per_million,
        price.output_per_million,
        price.cached_input_per_million,
        price.reasoning_per_million,
    )
    return (
        isinstance(price, model.ModelPrice)
        and is_text(price.model)
        and bool(price.model)
        and all(_finite_at_least(0)(n) for n in numbers[:2])
        and all(n is None or _finite_at_least(0)(n) for n in numbers[2:])
    )


def _finite_at_least(low: float) -> Callable[[Any], bool]:
    def ok(value: Any) -> bool:
        return _is_finite(value) and value >= low

    return ok


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_finite(value: Any) -> bool:
    """A number within the float range (an int past it, 10**400, is no timeout either)."""
    try:
        return _is_number(value) and math.isfinite(value)
    except OverflowError:
        return False


def _one_of(choices: Iterable[str]) -> tuple[Callable[[Any], bool], str]:
    allowed = tuple(choices)
    return (lambda v: v in allowed), "one of " + ", ".join(allowed)


def _url_or_empty(value: Any) -> bool:
    return value == "" or url_problem(value) is None


def _timeout(value: Any) -> bool:
    return bool(0 < value <= MAX_TIMEOUT_SECONDS)


_URL_TEXT = f"an http:// or https:// URL with a host (and a port within [1, {MAX_PORT}]), or empty"
_TIMEOUT_TEXT = f"a positive number of seconds, at most {MAX_TIMEOUT_SECONDS} (24.8 days)"


# Option name -> (is the value valid, what a valid value is). Types are checked before these.
RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "service_name": (bool, "non-empty text"),
    "metrics_port": (lambda v: v <= MAX_PORT, f"at most {MAX_PORT} (0: any free port; < 0: none)"),
    "metrics_host": (bool, "non-empty text"),
    "label_limit": (lambda v: v >= 1, "at least 1"),
    "series_limit": (lambda v: v >= MIN_SERIES_LIMIT, f"at least {MIN_SERIES_LIMIT}"),
    "label_value_max_length": (lambda v: v >= 1, "at least 1"),
    "tracing_endpoint": (_url_or_empty, _URL_TEXT),
    "traces_url": (_url_or_empty, _URL_TEXT),
    "tracing_headers": (
        _pairs(lambda k, v: header_problem(k, v) is None),
        "headers whose names are HTTP tokens and whose values are Latin-1 without control "
        "characters",
    ),
    "sampler": _one_of(SAMPLERS),
    "sampling": (lambda v: 0 <= v <= 1, "within [0, 1]"),
    "export_timeout": (_timeout, _TIMEOUT_TEXT),
    "export_compression": _one_of(COMPRESSIONS),
    "metrics_export_timeout": (
        lambda v: v == 0 or _timeout(v),
        f"0 (export_timeout's) or {_TIMEOUT_TEXT}",
    ),
    "metrics_compression": (
        lambda v: v == "" or v in COMPRESSIONS,
        "empty (export_compression's) or one of " + ", ".join(COMPRESSIONS),
    ),
    "traces_exporter": _one_of(TRACES_EXPORTERS),
    "resource_attributes": (_pairs(lambda k, v: bool(k)), "pairs with non-empty keys"),
    "span_queue_size": (lambda v: v >= 1, "at least 1"),
    "log_level": (lambda v: v.upper() in LEVELS, "one of " + ", ".join(LEVELS) + " (any case)"),
    "root_log_level": (
        lambda v: v.upper() in LEVELS,
        "one of " + ", ".join(LEVELS) + " (any case)",
    ),
    "log_console": _one_of(LOG_CONSOLES),
    "log_file_max_bytes": (lambda v: v >= 0, "at least 0 (0: never rotated)"),
    "log_file_backups": (lambda v: v >= 0, "at least 0"),
    "fluentd_port": (lambda v: 1 <= v <= MAX_PORT, f"within [1, {MAX_PORT}]"),
    "fluentd_queue_size": (lambda v: v >= 1, "at least 1"),
    "fluentd_timeout": (_timeout, _TIMEOUT_TEXT),
    "prices": (
        lambda v: all(_price_ok(p) for p in v),
        "rows of a model name and finite, non-negative prices",
    ),
}

# What each declared type of an option takes (the type names as dataclasses record them).
_TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "float": (lambda v: _is_finite(v), "a finite number"),
    "str": (is_text, "text without control characters"),
    "tuple[tuple[str, str], ...]": (
        lambda v: isinstance(v, tuple) and all(_text_pair(p) for p in v),
        "pairs of text without control characters",
    ),
    "tuple[model.ModelPrice, ...]": (lambda v: isinstance(v, tuple), "a table of prices"),
}


def _text_pair(pair: Any) -> bool:
    return isinstance(pair, tuple) and len(pair) == 2 and all(is_text(x) for x in pair)


def problem(name: str, kind: str, value: Any, *, secret: bool = False) -> str | None:
    """What is wrong with `value` as option `name` of declared type `kind`, or None. A
    secret's value (the pseudonym key) is never shown, whatever is wrong with it."""
    got = "" if secret else f", got {shown(value)}"
    of_type, type_text = _TYPES[kind]
    if not of_type(value):
        if kind == "str" and isinstance(value, str) and is_text(value.rstrip("\r\n")):
            # the line break a file ends with (a Kubernetes Secret made from a file keeps it)
            got += "; it ends with a line break: remove it from the value"
        return f"{name} must be {type_text}{got}"
    rule = RULES.get(name)
    if rule is not None and not rule[0](value):
        return f"{name} must be {rule[1]}{got}"
    return None


def shown(value: Any) -> str:
    """`value` as an error message shows it: its repr, at most 80 characters."""
    try:
        text = repr(value)
    except ValueError:  # an int of more digits than Python writes (int_max_str_digits)
        text = f"<{type(value).__name__} too long to show>"
    return shown_text(text, 80)


def shown_text(text: str, limit: int) -> str:
    """`text` on one line of at most `limit` characters (control characters become `?`)."""
    text = _CONTROL.sub("?", text)
    return text if len(text) <= limit else text[: limit - 3] + "..."
