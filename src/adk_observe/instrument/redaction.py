"""Redaction of secrets (API keys, bearer tokens, passwords) in log messages and fields."""

from __future__ import annotations

import functools
import re
from typing import Any

REDACTED = "[REDACTED]"

# Field names whose values are secrets whatever they look like.
_SECRET_KEY = re.compile(
    r"(?i)(pass(word|wd|phrase)?|pwd|secret|token(?!s|_count|_type)|api[_-]?key|apikey|"
    r"authorization|auth[_-]header|credential|private[_-]?key|session[_-]?key|cookie)"
)

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization headers and bearer/basic tokens.
    (re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=\-]{6,}"), r"\1 " + REDACTED),
    # key=value / key: value / "key": "value" for secret-looking keys.
    (
        re.compile(
            r"(?i)((?:[\w.-]*?)(?:pass(?:word|wd|phrase)?|pwd|secret|token(?!s|_count|_type)|"
            r"api[_-]?key|apikey|authorization|credential|private[_-]?key)[\w.-]*?[\"']?\s*"
            r"[:=]\s*[\"']?)"
            r"(?!\[REDACTED\])([^\s\"',;&}\]]+)"
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
    r"bearer|basic|token|pass|pwd|secret|key|auth|credential|sk-|AIza|AKIA|ASIA|gh[pousr]_|"
    r"xox|eyJ|://"
)
_HINTS = re.compile("(?i)" + _HINT_WORDS)
# The same check for ASCII text, lowercased first: case-insensitive matching makes the regex
# engine fold every character, which costs 3-7x more. For ASCII text the two agree exactly (the
# non-ASCII letters IGNORECASE also equates with ASCII ones, like U+212A KELVIN SIGN, cannot occur).
_ASCII_HINTS = re.compile(_HINT_WORDS.lower())

_MAX_DEPTH = 6


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


@functools.lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(key))


def redact_value(value: Any, depth: int = 0) -> Any:
    """Redact strings; recurse into dicts (secret-named keys lose their value) and sequences."""
    if isinstance(value, str):
        return redact_text(value)
    if depth >= _MAX_DEPTH:
        return value
    if isinstance(value, dict):
        return {
            k: (
                REDACTED
                if isinstance(k, str) and is_secret_key(k) and v not in (None, "")
                else redact_value(v, depth + 1)
            )
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(v, depth + 1) for v in value)
    return value


def redact_fields(fields: dict[str, Any], safe: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Redact a log record's fields in place; keys in `safe` hold values adk-observe produced."""
    for key, value in fields.items():
        if key in safe or value is None or isinstance(value, (int, float)):
            continue
        if is_secret_key(key) and value != "":
            fields[key] = REDACTED
        elif isinstance(value, str):
            fields[key] = redact_text(value)
        else:
            fields[key] = redact_value(value, 1)
    return fields
