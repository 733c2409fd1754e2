"""Redaction of secrets (API keys, bearer tokens, passwords) in log messages and fields, and (by
instrument/span_redaction.py) in span events, attributes and status descriptions.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

REDACTED = "[REDACTED]"

# The words that make a field name (or the key of a key=value pair in text) a secret's: its value
# is redacted whatever it looks like. One list for fields, attributes and text.
_SECRET_WORDS = (
    r"pass(?:word|wd|phrase)?|pwd|secret|token(?!s|_count|_type)|api[_-]?key|apikey|"
    r"authorization|auth[_-]header|credential|private[_-]?key|session[_-]?key|cookie"
)
_SECRET_KEY = re.compile(f"(?i)(?:{_SECRET_WORDS})")

# The start of a key=value pair whose key looks secret (group 1 opens here; patterns close it).
_SECRET_KEY_TEXT = rf"(?i)((?:[\w.-]*?)(?:{_SECRET_WORDS})"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # A Cookie or Set-Cookie header line: every cookie of it, up to the end of the line (its
    # values are separated by "; ", which ends the generic key=value pattern below too early).
    (
        re.compile(r"(?i)(\b(?:set-)?cookie:[ \t]*)(?!\[REDACTED\])[^\r\n\"']+"),
        r"\1" + REDACTED,
    ),
    # Authorization headers and bearer/basic tokens.
    (re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=\-]{6,}"), r"\1 " + REDACTED),
    # "key": "value" / key='value' for secret-looking keys: the whole quoted value, spaces and
    # all ("correct horse battery staple"); bounded, so a quote never closed costs little.
    (
        re.compile(
            _SECRET_KEY_TEXT
            + r"[\w.-]*?[\"']?\s*[:=]\s*)([\"'])(?!\[REDACTED\])(?:\\.|(?!\2).){1,1024}\2"
        ),
        r"\1\2" + REDACTED + r"\2",
    ),
    # key=value / key: value unquoted: up to a space, quote, comma, semicolon or bracket. An `&`
    # is taken as part of the value: a password may hold one, and redacting the rest of a query
    # string is the safe side.
    (
        re.compile(
            _SECRET_KEY_TEXT + r"[\w.-]*?[\"']?\s*[:=]\s*[\"']?)(?!\[REDACTED\])([^\s\"',;}\]]+)"
        ),
        r"\1" + REDACTED,
    ),
    # Credentials in URLs: scheme://user:password@host
    (re.compile(r"(?i)([a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+@"), r"\1" + REDACTED + "@"),
    # Well-known key shapes.
    (re.compile(r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_\-]{16,}"), REDACTED),  # OpenAI, Anthropic
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{30,}"), REDACTED),  # Google API keys
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), REDACTED),  # AWS access key ids
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"), REDACTED),  # GitHub tokens
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9\-]{10,}"), REDACTED),  # Slack tokens
    (re.compile(r"\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+"), REDACTED),  # JWTs
    (
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"),
        REDACTED,
    ),
)

# Cheap pre-check: most log messages contain none of these and skip the regexes.
_HINT_WORDS = (
    r"bearer|basic|token|pass|pwd|secret|key|auth|credential|cookie|sk-|AIza|AKIA|ASIA|"
    r"gh[pousr]_|xox|eyJ|://"
)
_HINTS = re.compile("(?i)" + _HINT_WORDS)
# The same check for ASCII text, lowercased first: case-insensitive matching makes the regex
# engine fold every character, which costs 3-7x more. For ASCII text the two agree exactly (the
# non-ASCII letters IGNORECASE also equates with ASCII ones, like U+212A KELVIN SIGN, cannot occur).
_ASCII_HINTS = re.compile(_HINT_WORDS.lower())

# How deep redact_value() looks into nested containers. A container deeper than this is replaced
# by REDACTED whole: what is not read is not passed through.
_MAX_DEPTH = 6
_SCALARS = (bool, int, float)

Stringify = Callable[[Any], Any]


def _has_hint(text: str) -> bool:
    if text.isascii():
        return _ASCII_HINTS.search(text.lower()) is not None
    return _HINTS.search(text) is not None


def redact_text(text: str) -> str:
    if not _has_hint(text):
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


# Keys longer than this are checked every time instead of cached: the cache then holds at most
# 4096 keys of at most this many characters, whatever keys callers log.
_CACHED_KEY_MAX = 128


@functools.lru_cache(maxsize=4096)
def _is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(key))


def is_secret_key(key: str) -> bool:
    """Whether a field or attribute named `key` holds a secret whatever its value looks like."""
    if len(key) > _CACHED_KEY_MAX:
        return bool(_SECRET_KEY.search(key))
    return _is_secret_key(key)


def _secret_name(key: Any) -> bool:
    """Whether `key` (text or bytes, as ASGI and HTTP libraries hold header names) names a
    secret."""
    if isinstance(key, (bytes, bytearray)):
        key = bytes(key).decode("latin-1")
    return isinstance(key, str) and is_secret_key(key)


def _key(key: Any) -> Any:
    """A mapping key as JSON can hold it, redacted when it is text."""
    if key is None or isinstance(key, _SCALARS):
        return key
    return redact_text(key if isinstance(key, str) else str(key))


def redact_value(value: Any, depth: int = 0, stringify: Stringify = str) -> Any:
    """`value` with secrets replaced, as the JSON encoder would see it.

    Strings and bytes (decoded as UTF-8) are redacted as text; any Mapping (dict, `requests`'
    CaseInsensitiveDict, ...) becomes a dict whose secret-named keys lose their value; lists,
    tuples, sets and frozensets become lists; other objects become `stringify(obj)` (the log
    formatter passes its encoder's default, so the text checked is the text written), redacted.
    Containers nested deeper than _MAX_DEPTH become REDACTED.
    """
    if isinstance(value, str):
        return redact_text(value)
    if value is None or isinstance(value, _SCALARS):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return redact_text(bytes(value).decode("utf-8", "replace"))
    if depth >= _MAX_DEPTH:
        return REDACTED
    if isinstance(value, Mapping):
        return {
            _key(k): (
                REDACTED
                if _secret_name(k) and v not in (None, "", b"")
                else redact_value(v, depth + 1, stringify)
            )
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)) and len(value) == 2 and _secret_name(value[0]):
        # A (name, value) pair, as ASGI scopes and HTTP libraries list headers.
        return [redact_value(value[0], depth + 1, stringify), REDACTED]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [redact_value(v, depth + 1, stringify) for v in value]
    try:
        text = stringify(value)
    except Exception:
        return REDACTED
    if isinstance(text, str):
        return redact_text(text)
    return redact_value(text, depth + 1, stringify)  # e.g. a dataclass as a dict


def redact_fields(
    fields: dict[str, Any], safe: frozenset[str] = frozenset(), stringify: Stringify = str
) -> dict[str, Any]:
    """Redact a log record's fields in place; keys in `safe` hold values adk-observe produced."""
    for key, value in fields.items():
        if key in safe or value is None or isinstance(value, _SCALARS):
            continue
        if _secret_name(key) and value != "":
            fields[key] = REDACTED
        elif isinstance(value, str):
            fields[key] = redact_text(value)
        else:
            fields[key] = redact_value(value, 1, stringify)
    return fields
