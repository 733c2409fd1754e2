"""The metrics and health server: `/metrics`, `/health` and `/ready` on their own port.

`/metrics` negotiates the format (OpenMetrics when the scraper asks for it, which is what carries
exemplars). `/health` is liveness: the process serves. `/ready` reflects what the agent reports
with `set_ready()` and any readiness checks it registered; it is 503 until the agent is ready.

A scraper that gives up on a slow scrape closes its connection while the response is being
written. That is the client's business: the error is counted (internal errors, component "http")
and never printed; any other failure of a request is counted and logged, not printed as a
traceback on stderr.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

METRICS_PATH = "/metrics"
HEALTH_PATH = "/health"
READY_PATH = "/ready"
# The client went away mid-request (scrape timeout, cancelled probe): not our failure to report.
CLIENT_GONE: tuple[type[BaseException], ...] = (
    BrokenPipeError,
    ConnectionResetError,
    ConnectionAbortedError,
    TimeoutError,
)

ErrorCounter = Callable[[], None]
_log = logging.getLogger(__name__)


class Readiness:
    """What the agent reports: a flag plus named checks (callables returning truthy when ready)."""

    def __init__(self, ready: bool = False) -> None:
        self._ready = ready
        self._reason = "starting" if not ready else ""
        self._checks: dict[str, Callable[[], object]] = {}
        self._lock = threading.Lock()

    def set_ready(self, ready: bool = True, reason: str = "") -> None:
        with self._lock:
            self._ready, self._reason = ready, reason

    def add_check(self, name: str, check: Callable[[], object]) -> None:
        with self._lock:
            self._checks[name] = check

    def status(self) -> tuple[bool, dict[str, Any]]:
        with self._lock:
            ready, reason, checks = self._ready, self._reason, dict(self._checks)
        failed = []
        for name, check in sorted(checks.items()):
            try:
                ok = bool(check())
            except Exception:
                ok = False
            if not ok:
                failed.append(name)
        ok = ready and not failed
        body: dict[str, Any] = {"status": "ready" if ok else "not_ready"}
        if reason:
            body["reason"] = reason
        if failed:
            body["failed_checks"] = failed
        return ok, body


def _handler(registry: CollectorRegistry, readiness: Readiness) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == METRICS_PATH:
                encoder, content_type = choose_encoder(self.headers.get("Accept", ""))
                self._send(200, encoder(registry), content_type)
            elif path == HEALTH_PATH:
                self._json(200, {"status": "ok"})
            elif path == READY_PATH:
                ok, body = readiness.status()
                self._json(200 if ok else 503, body)
            else:
                self._json(404, {"status": "not_found"})

        def _json(self, code: int, body: dict[str, Any]) -> None:
            self._send(code, json.dumps(body, sort_keys=True).encode(), "application/json")

        def _send(self, code: int, payload: bytes, content_type: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # scrapes every few seconds would drown the agent's own logs

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        on_error: ErrorCounter | None,
    ) -> None:
        self._on_error = on_error
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Called inside the `except` of a failed request: count it; never print a traceback."""
        try:
            if self._on_error is not None:
                self._on_error()
            if not isinstance(sys.exc_info()[1], CLIENT_GONE):
                _log.warning("metrics request from %s failed", client_address, exc_info=True)
        except Exception:
            pass


class MetricsServer:
    """A threaded HTTP server on `host:port` (port 0 picks a free one; see `.port`).

    `on_error` is called (from a server thread) for every request that failed, including clients
    that disconnected before the response was written."""

    def __init__(
        self,
        registry: CollectorRegistry,
        readiness: Readiness,
        host: str,
        port: int,
        on_error: ErrorCounter | None = None,
    ) -> None:
        self._server = _Server((host, port), _handler(registry, readiness), on_error)
        self.host = host
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="adk-observe-metrics",
            daemon=True,
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(1.0)
