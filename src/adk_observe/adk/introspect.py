"""Reading ADK objects without depending on their private layout: every accessor degrades to a
neutral value when a field is missing."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Any
from urllib.parse import urlparse

UNKNOWN_SERVER = "unknown"
_server_names: dict[int, str] = {}
# Text kept as a name or key by the caches here: longer text is cut (names) or hashed (keys), so
# every cache is bounded in bytes, not only in entries, whatever an MCP server or client sends.
NAME_MAX = 256


def bounded_key(text: str) -> str | tuple[int, int]:
    """`text` as a cache key: itself when short, else its length and hash (a collision only
    makes a cache entry be measured again)."""
    return text if len(text) <= NAME_MAX else (len(text), hash(text))


def _from_params(params: Any) -> str:
    url = getattr(params, "url", None)
    if isinstance(url, str) and url:
        return urlparse(url).hostname or url
    server = getattr(params, "server_params", params)
    command = getattr(server, "command", None)
    if not isinstance(command, str):
        return UNKNOWN_SERVER
    args = [a for a in getattr(server, "args", None) or () if isinstance(a, str)]
    scripts = [a for a in args if not a.startswith("-") and os.path.splitext(a)[1]]
    base = scripts[-1] if scripts else (args[-1] if args and command in _LAUNCHERS else command)
    return os.path.splitext(os.path.basename(base))[0] or UNKNOWN_SERVER


# Commands that launch the real server named in their arguments.
_LAUNCHERS = frozenset({"python", "python3", "node", "npx", "uvx", "uv", "deno", "bun", "docker"})


def mcp_server_name(tool: Any) -> str:
    """The MCP server of an ADK McpTool: the host of its URL, or its stdio script's name."""
    manager = getattr(tool, "_mcp_session_manager", None)
    if manager is None:
        return UNKNOWN_SERVER
    key = id(manager)
    name = _server_names.get(key)
    if name is None:
        name = _from_params(getattr(manager, "_connection_params", None))[:NAME_MAX]
        if len(_server_names) < 1000:
            _server_names[key] = name
    return name


def _text_size(content: Any) -> int:
    size = 0
    for part in getattr(content, "parts", None) or ():
        text = getattr(part, "text", None)
        if text:
            size += len(text)
        for attr in ("function_call", "function_response"):
            value = getattr(part, attr, None)
            if value is not None:
                size += len(repr(getattr(value, "args", None) or getattr(value, "response", None)))
    return size


class SessionSizer:
    """Approximate bytes a session holds: event content text plus its state's repr.

    Called when Prometheus scrapes (a `latest` gauge: `Family.latest`), not on every turn.
    Events are append-only, so each session's event total is cached and only new events are
    measured (at most `max_sessions` sessions are remembered, least recently used first out).
    """

    def __init__(self, max_sessions: int = 10_000) -> None:
        self._max = max_sessions
        self._seen: OrderedDict[str | tuple[int, int], tuple[int, int]] = OrderedDict()
        self._lock = threading.Lock()  # called from scrape threads, possibly several at once

    def __call__(self, session: Any) -> int:
        if session is None:
            return 0
        with self._lock:
            return self._measure(session)

    def _measure(self, session: Any) -> int:
        events = getattr(session, "events", None) or ()
        key = bounded_key(str(getattr(session, "id", id(session))))
        counted, size = self._seen.pop(key, (0, 0))
        if counted > len(events):  # rewound or replaced: measure again
            counted, size = 0, 0
        for event in events[counted:]:
            size += _text_size(getattr(event, "content", None))
        self._seen[key] = (len(events), size)
        while len(self._seen) > self._max:
            self._seen.popitem(last=False)
        return size + len(repr(getattr(session, "state", None) or {}))


def session_size(session: Any) -> int:
    """Uncached `SessionSizer` measurement of one session."""
    return SessionSizer()(session)


# The error_code of the events with which ADK seals an aborted run (its abort_signal was set):
# "visible to callers", says google/adk/events/_abort_events.py.
ABORT_SEAL_CODE = "INVOCATION_ABORTED"


def answered(session: Any, invocation_id: str) -> bool:
    """Whether a run's answer was produced: its last event in `session` (ADK's seal of an
    aborted run aside) is an agent's final response. Non-partial events are appended to the
    session before they are yielded, so after a consumer's `break` this is the last one it got."""
    for event in reversed(getattr(session, "events", None) or ()):
        if getattr(event, "invocation_id", None) != invocation_id:
            continue  # another run's (in the same session meanwhile)
        if getattr(event, "error_code", None) == ABORT_SEAL_CODE:
            continue
        if getattr(event, "author", None) == "user":
            return False  # the user's message: no agent said anything since
        final = getattr(event, "is_final_response", None)
        return bool(final()) if callable(final) else False
    return False
