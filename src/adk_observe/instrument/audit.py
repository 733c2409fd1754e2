"""Audit events: who called which tool, with which outcome, as a JSON log stream of their own.

Off unless `ADK_OBSERVE_AUDIT_LOG` names where they go: `stderr`, `stdout`, or an absolute path
of a file (appended to). `render-deploy` sets `stderr` when `compliance.audit_log` is on: the
service's logs go to stdout, and the container runtime keeps the two streams apart (the CRI log
format's `stream` field), so a log pipeline routes the audit events to a store with their own
retention (docs/compliance.md).

One JSON object per line, its keys fixed:

    {"time": "2026-12-07T10:00:00.123Z", "log_type": "audit", "event": "tool_call",
     "service": "support-agent", "agent_id": "support", "user_id": "3f6a...",
     "session_id": "s-1", "invocation_id": "e-9", "tool": "refund", "mcp_server": "",
     "outcome": "error", "error_type": "ValueError", "trace_id": "4bf9..."}

`user_id` is the user as turn spans show it (`user.id`: a keyed pseudonym unless the
`user_id_mode` option is "raw"; empty with "omit"), so the raw id leaves the process here no more
than anywhere else; whoever holds the pseudonym key can confirm a suspected user.

Tool arguments and results are never written (they are payloads, not audit facts). Every value
is redacted like the logs, cut to 256 characters and made valid UTF-8. A failure to write is
counted as an internal error of component `audit`, never raised into the agent.

Global state lives here only: `configure()` (or the variable, read on first use) and `reset()`.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import IO, Any

from adk_observe import conventions as c
from adk_observe.instrument.redaction import redact_text

AUDIT_LOG_ENV = c.env_name("audit_log")
COMPONENT = "audit"
MAX_VALUE = 256
STREAMS = {"stdout": lambda: sys.stdout, "stderr": lambda: sys.stderr}

_lock = threading.Lock()
_sink: _Sink | None = None
_configured = False


class _Sink:
    def __init__(self, target: str) -> None:
        self.target = target
        self._file: IO[str] | None = None

    def write(self, line: str) -> None:
        if self.target in STREAMS:
            stream = STREAMS[self.target]()
            stream.write(line)
            stream.flush()
            return
        if self._file is None:
            self._file = open(self.target, "a", encoding="utf-8")  # noqa: SIM115
        self._file.write(line)
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def configure(target: str | None = None) -> None:
    """Where audit events go: `stderr`, `stdout`, an absolute file path, or "" (off). None
    reads ADK_OBSERVE_AUDIT_LOG. A value that is none of these turns the stream off."""
    global _sink, _configured
    value = os.environ.get(AUDIT_LOG_ENV, "") if target is None else target
    with _lock:
        if _sink is not None:
            _sink.close()
        ok = value in STREAMS or (os.path.isabs(value) and "\0" not in value)
        _sink = _Sink(value) if ok else None
        _configured = True


def reset() -> None:
    global _sink, _configured
    with _lock:
        if _sink is not None:
            _sink.close()
        _sink, _configured = None, False


def enabled() -> bool:
    if not _configured:
        configure()
    return _sink is not None


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else "" if value is None else str(value)
    text = redact_text(text[: MAX_VALUE * 4])[:MAX_VALUE]
    return text.encode("utf-8", "replace").decode("utf-8")


def line(fields: dict[str, Any], now: float | None = None) -> str:
    """The JSON line of one audit event (keys in a fixed order)."""
    stamp = time.gmtime(now if now is not None else time.time())
    millis = int(((now if now is not None else time.time()) % 1) * 1000)
    event = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", stamp) + f".{millis:03d}Z"}
    event.update({"log_type": "audit"})
    event.update({k: _text(v) for k, v in fields.items()})
    return json.dumps(event, ensure_ascii=False) + "\n"


def write(fields: dict[str, Any]) -> None:
    with _lock:
        if _sink is not None:
            _sink.write(line(fields))


def tool_call(
    *,
    service: str,
    agent_id: str,
    tool: str,
    ok: bool,
    error_type: str = "",
    mcp_server: str = "",
    user_id: Any = None,
    session_id: Any = None,
    invocation_id: Any = None,
    trace_id: str = "",
) -> dict[str, Any]:
    """The fields of one tool call's audit event."""
    return {
        "event": "tool_call",
        "service": service,
        "agent_id": agent_id,
        "user_id": user_id,
        "session_id": session_id,
        "invocation_id": invocation_id,
        "tool": tool,
        "mcp_server": mcp_server,
        "outcome": c.STATUS_OK if ok else c.STATUS_ERROR,
        "error_type": "" if ok else error_type,
        "trace_id": trace_id,
    }


def record_tool(obs: Any, **fields: Any) -> None:
    """From the ADK plugin (on the work queue's worker, after `enabled()`): one tool call with
    its caller's user, session and invocation as ADK's tool context gave them (a write failure
    counts, never raises)."""
    if not enabled():
        return
    obs.defer(COMPONENT, write, tool_call(service=obs.options.service_name, **fields))
