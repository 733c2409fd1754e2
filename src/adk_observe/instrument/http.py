"""The metrics and health server: `/metrics`, `/health` and `/ready` on their own port.

`/metrics` negotiates the format (OpenMetrics when the scraper asks for it, which is what carries
exemplars). `/health` is liveness: the process serves. `/ready` reflects what the agent reports
with `set_ready()` and any readiness checks it registered; it is 503 until the agent is ready.

The port is reachable from the whole cluster, so the server is built to survive its network:
one event-loop thread holds every connection (an idle or half-sent one costs a socket and a small
buffer, not a thread); a request head must arrive complete within `read_timeout` seconds and fit
in `MAX_HEAD_BYTES`; at most `max_connections` are open at once (a new one past that closes the
longest-waiting connection that has not sent a complete request yet, else is refused); the listen
backlog absorbs bursts of connects. `/health` is answered on the loop itself; `/metrics` and
`/ready` (which call collectors and the agent's checks) run on a small pool of render threads, so
slow collectors never stop `/health`. When no render thread can be started the request gets a
503 and is counted.

A scraper that gives up on a slow scrape closes its connection while the response is being
written. That is the client's business: the error is counted (internal errors, component "http")
and never printed; any other failure of a request is counted and logged, not printed as a
traceback on stderr.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from adk_observe import conventions as c

METRICS_PATH, HEALTH_PATH, READY_PATH = c.METRICS_PATH, c.HEALTH_PATH, c.READY_PATH
# The client went away mid-request (scrape timeout, cancelled probe): not our failure to report.
CLIENT_GONE: tuple[type[BaseException], ...] = (
    BrokenPipeError,
    ConnectionResetError,
    ConnectionAbortedError,
    TimeoutError,
)
# Defaults of MetricsServer's limits (see the module doc).
READ_TIMEOUT = 10.0  # seconds for a complete request head (also the keep-alive idle time)
MAX_CONNECTIONS = 256
LISTEN_BACKLOG = 1024  # the kernel caps it at net.core.somaxconn (4096 on Linux >= 5.4)
RENDER_THREADS = 2
MAX_HEAD_BYTES = 16 * 1024  # request line and headers

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


class _Response:
    __slots__ = ("body", "code", "content_type")

    def __init__(self, code: int, body: bytes, content_type: str = "application/json") -> None:
        self.code, self.body, self.content_type = code, body, content_type


def _json(code: int, body: dict[str, Any]) -> _Response:
    return _Response(code, json.dumps(body, sort_keys=True).encode())


_REASONS = {
    200: "OK",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    431: "Request Header Fields Too Large",
    400: "Bad Request",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
_HEALTH = _json(200, {"status": "ok"})


class _Request:
    __slots__ = ("accept", "close", "has_body", "method", "path")

    def __init__(self, head: bytes) -> None:
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise ValueError("bad request line")
        self.method, target, version = parts
        self.path = target.split("?", 1)[0]
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        self.accept = headers.get("accept", "")
        connection = headers.get("connection", "").lower()
        self.has_body = headers.get("content-length", "0") not in ("", "0") or (
            "transfer-encoding" in headers
        )
        # No request body is read: a request with one ends the connection after its response.
        self.close = version == "HTTP/1.0" or "close" in connection or self.has_body


_LINGER_OFF = struct.pack("ii", 1, 0)


def _drop(writer: asyncio.StreamWriter) -> None:
    """Close with a reset: what is unsent (ours and the kernel's buffer) is discarded now."""
    sock = writer.get_extra_info("socket")
    with contextlib.suppress(Exception):
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_OFF)
    writer.transport.abort()


class MetricsServer:
    """An HTTP server on `host:port` (port 0 picks a free one; see `.port`).

    `on_error` is called for every request that failed, including clients that disconnected
    before the response was written. The port is bound in the constructor (an OSError, such as
    the port being taken, raises there); a RuntimeError from starting the server's thread
    propagates too, with the socket closed.
    """

    def __init__(
        self,
        registry: CollectorRegistry,
        readiness: Readiness,
        host: str,
        port: int,
        on_error: ErrorCounter | None = None,
        *,
        read_timeout: float = READ_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
        backlog: int = LISTEN_BACKLOG,
        render_threads: int = RENDER_THREADS,
    ) -> None:
        self._registry = registry
        self._readiness = readiness
        self._on_error = on_error
        self.read_timeout = read_timeout
        self.max_connections = max_connections
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.create_server((host, port), family=family, backlog=backlog)
        self._sock.setblocking(False)
        self.host = host
        self.port = int(self._sock.getsockname()[1])
        # Connections by writer: the monotonic time a complete request head was last awaited
        # from, or None while its request is being served.
        self._open: dict[asyncio.StreamWriter, float | None] = {}
        self._executor = ThreadPoolExecutor(render_threads, "adk-observe-metrics-render")
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name="adk-observe-metrics", daemon=True)
        try:
            self._thread.start()
        except BaseException:
            self._loop.close()
            self._sock.close()
            self._executor.shutdown(wait=False)
            raise
        self._started.wait(5.0)

    @property
    def open_connections(self) -> int:
        return len(self._open)

    # --- the loop thread -----------------------------------------------------------------------

    def _run(self) -> None:
        loop = self._loop
        asyncio.set_event_loop(loop)
        loop.set_exception_handler(self._loop_error)
        try:
            server = loop.run_until_complete(
                asyncio.start_server(self._serve, sock=self._sock, limit=MAX_HEAD_BYTES)
            )
        except Exception:
            self._count_error()
            _log.warning("the metrics server could not start", exc_info=True)
            self._started.set()
            return
        self._started.set()
        try:
            loop.run_forever()
        finally:
            server.close()
            for writer in list(self._open):
                writer.transport.abort()  # their handlers see the end of input and return
            tasks = asyncio.all_tasks(loop)
            with contextlib.suppress(Exception):
                if tasks:
                    loop.run_until_complete(asyncio.wait(tasks, timeout=0.5))
                for task in tasks:
                    task.cancel()  # a render still running: its response has no reader now
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.close()

    @staticmethod
    def _loop_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """asyncio's report of an error no handler caught (3.11 reports a connection task
        cancelled at shutdown this way): logged at DEBUG, never printed on stderr."""
        _log.debug("metrics server: %s", context.get("message"), exc_info=context.get("exception"))

    def _admit(self, writer: asyncio.StreamWriter) -> bool:
        """Make room for a new connection: evict the longest-waiting one that has not sent a
        complete request, or refuse the new one when every open connection is being served."""
        if len(self._open) < self.max_connections:
            return True
        waiting = [(since, w) for w, since in self._open.items() if since is not None]
        if not waiting:
            return False
        _, oldest = min(waiting, key=lambda item: item[0])
        self._open.pop(oldest, None)
        oldest.transport.abort()
        return True

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self._admit(writer):
            writer.transport.abort()
            return
        self._open[writer] = time.monotonic()
        try:
            while True:
                self._open[writer] = time.monotonic()
                try:
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.read_timeout)
                except asyncio.LimitOverrunError:
                    await self._write(writer, _json(431, {"status": "header_too_large"}), True)
                    return
                except (asyncio.IncompleteReadError, TimeoutError, ConnectionError, ValueError):
                    return  # closed, silent or reset before a complete request: nothing to answer
                self._open[writer] = None
                try:
                    request = _Request(head)
                except ValueError:
                    await self._write(writer, _json(400, {"status": "bad_request"}), True)
                    return
                response = await self._respond(request)
                body = request.method != "HEAD"
                if not await self._write(writer, response, request.close, body):
                    return
                if request.close:
                    return
        finally:
            self._open.pop(writer, None)
            if not writer.transport.is_closing():
                writer.close()  # sends what is still buffered, then closes
                try:
                    await asyncio.wait_for(writer.wait_closed(), self.read_timeout)
                except Exception:
                    # A client that does not read would keep the unsent response in memory.
                    _drop(writer)

    async def _respond(self, request: _Request) -> _Response:
        if request.method not in ("GET", "HEAD"):
            return _json(405, {"status": "method_not_allowed"})
        if request.path == HEALTH_PATH:
            return _HEALTH
        if request.path not in (METRICS_PATH, READY_PATH):
            return _json(404, {"status": "not_found"})
        try:
            future = self._loop.run_in_executor(self._executor, self._render, request)
        except RuntimeError:  # no render thread could be started (or the pool is shut down)
            self._count_error()
            return _json(503, {"status": "unavailable"})
        try:
            return await future
        except Exception:
            self._count_error()
            _log.warning("metrics request for %s failed", request.path, exc_info=True)
            return _json(500, {"status": "error"})

    def _render(self, request: _Request) -> _Response:
        """In a render thread: the collectors and the agent's readiness checks may be slow."""
        if request.path == METRICS_PATH:
            encoder, content_type = choose_encoder(request.accept)
            return _Response(200, encoder(self._registry), content_type)
        ok, body = self._readiness.status()
        return _json(200 if ok else 503, body)

    async def _write(
        self, writer: asyncio.StreamWriter, response: _Response, close: bool, body: bool = True
    ) -> bool:
        head = (
            f"HTTP/1.1 {response.code} {_REASONS.get(response.code, 'Error')}\r\n"
            f"Content-Type: {response.content_type}\r\n"
            f"Content-Length: {len(response.body)}\r\n"
            + ("Allow: GET, HEAD\r\n" if response.code == 405 else "")
            + ("Connection: close\r\n" if close else "")
            + "\r\n"
        ).encode("latin-1")
        try:
            if writer.transport.is_closing():
                raise ConnectionResetError("the client closed the connection")
            writer.write(head + response.body if body else head)
            await asyncio.wait_for(writer.drain(), self.read_timeout)
        except (OSError, RuntimeError):  # OSError covers CLIENT_GONE
            self._count_error()  # the client gave up (a scrape timeout): counted, never printed
            _drop(writer)  # and what it did not read
            return False
        return True

    def _count_error(self) -> None:
        try:
            if self._on_error is not None:
                self._on_error()
        except Exception:
            pass

    def close(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(1.0)
        else:
            self._sock.close()
        self._executor.shutdown(wait=False, cancel_futures=True)
