"""Prometheus durations (`30d`, `1h30m`, `500ms`) as integer milliseconds, and back."""

from __future__ import annotations

import re
from decimal import Decimal

from adk_observe.errors import quote

_UNITS_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
# Prometheus keeps durations in int64 nanoseconds (about 292 years); no SLO needs more than ten.
MAX_DAYS = 3650
MAX_MS = MAX_DAYS * 86_400_000
_PART = re.compile(r"(\d+)(ms|s|m|h|d|w)")
_WHOLE = re.compile(r"^(?:\d+(?:ms|s|m|h|d|w))+$")
# One decimal number with a unit below a day (`1.5s`, `0.25m`): Go's and Kubernetes's spelling,
# read where a duration becomes a number of seconds (a latency bound), never a PromQL duration.
DECIMAL_PATTERN = r"^([0-9]+\.[0-9]+)(ms|s|m|h)$"
_DECIMAL = re.compile(DECIMAL_PATTERN)


def parse_ms(text: str) -> int:
    """`1h30m` -> 5400000. Raises ValueError on anything Prometheus would not accept."""
    if not _WHOLE.fullmatch(text):  # fullmatch: `$` alone would let a final newline in
        raise ValueError(f"{quote(text)} is not a duration like 30s, 5m, 1h30m or 30d")
    total = sum(int(n) * _UNITS_MS[u] for n, u in _PART.findall(text))
    if total <= 0:
        raise ValueError(f"{quote(text)} must be longer than zero")
    if total > MAX_MS:
        raise ValueError(f"{quote(text)} is longer than {MAX_DAYS}d")
    return total


def decimal_seconds(text: str) -> float | None:
    """`1.5s` -> 1.5, `1.5ms` -> 0.0015 (the float of the exact decimal, as the number written in
    seconds would read); None when `text` is not of that form. Raises ValueError when it is but
    is zero or longer than MAX_DAYS."""
    found = _DECIMAL.fullmatch(text)
    if found is None:
        return None
    number, unit = found.groups()
    seconds = float(Decimal(number) * _UNITS_MS[unit] / 1000)
    if not 0 < seconds <= MAX_MS / 1000:
        raise ValueError(f"{quote(text)} must be longer than zero and at most {MAX_DAYS}d")
    return seconds


def parse_seconds(text: str) -> int:
    ms = parse_ms(text)
    if ms % 1000:
        raise ValueError(f"{quote(text)} must be a whole number of seconds")
    return ms // 1000


def format_ms(ms: int) -> str:
    """The shortest Prometheus spelling: 5400000 -> `1h30m`, 604800000 -> `7d` (not `1w`)."""
    if ms <= 0:
        raise ValueError("duration must be positive")
    out = ""
    for unit in ("d", "h", "m", "s", "ms"):
        size = _UNITS_MS[unit]
        if ms >= size:
            out += f"{ms // size}{unit}"
            ms %= size
    return out


def format_seconds(seconds: int) -> str:
    return format_ms(seconds * 1000)
