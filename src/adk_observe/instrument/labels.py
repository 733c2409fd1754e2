"""Label values as /metrics can always serve them, and the per-label cap of distinct values.

Label values come from outside: model names, tool names an MCP server sent, routes, whatever a
caller passed. The exposition is encoded as UTF-8 in one piece, so one value Python cannot encode
(a lone surrogate such as "\\udcff", which `os.fsdecode` and `surrogateescape` produce from
invalid bytes) fails every scrape for the life of the process. `label_value` makes any object a
value that is always valid UTF-8: cut to the length cap first (so a 1 MB value costs no more than
a short one), then every surrogate and control character (C0, DEL, C1: NUL, CR, ESC ...) becomes
U+FFFD. Other characters (right-to-left marks, emoji, non-characters) are valid UTF-8 and stay.
"""

from __future__ import annotations

import re
import threading

from adk_observe import conventions as c

REPLACEMENT = "\ufffd"
# What `str.isprintable()` lets through never needs this (the fast path); what it refuses is
# checked here: only these characters are replaced.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` with every surrogate and control character replaced by U+FFFD."""
    return text if text.isprintable() else _UNSAFE.sub(REPLACEMENT, text)


def label_value(value: object, limit: int) -> str:
    """`value` as a label value: text, at most `limit` characters, valid UTF-8, no controls.

    A value that is not text is its `str()`; one whose `str()` fails is the overflow value.
    """
    if isinstance(value, str):
        text = value[:limit]
    else:
        try:
            text = str(value)[:limit]
        except Exception:
            return c.OVERFLOW_LABEL_VALUE
    return text if text.isprintable() else _UNSAFE.sub(REPLACEMENT, text)


class LabelCap:
    """At most `limit` distinct values of one label; later values fold into the overflow value."""

    __slots__ = ("_limit", "_lock", "_seen")

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, value: str) -> str:
        if value in self._seen:
            return value
        with self._lock:
            if value in self._seen:
                return value
            if len(self._seen) < self._limit:
                self._seen.add(value)
                return value
        return c.OVERFLOW_LABEL_VALUE
