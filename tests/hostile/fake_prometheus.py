"""A local HTTP server standing in for Prometheus, or for a proxy in front of a real one.

It writes raw bytes, so it can answer anything: the API's JSON in a wrong shape, broken HTTP
framing, a body dripped one byte at a time, 50 MB, a redirect to another origin. A `Reply` is
the bytes to send (or chunks, each sent after a pause); a responder maps each request to one.
In front of a real Prometheus, `forward()` sends the request on and lets a function rewrite
the real answer (a NaN where the errors were, a sample dropped): a broken proxy's view of a
real history. What the client sent (headers, form) and how much it read are recorded.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]


@dataclass
class Reply:
    """Bytes sent as they are; with `pause`, one `step`-byte chunk per pause (a drip)."""

    data: bytes
    pause: float = 0.0
    step: int = 1

    def chunks(self) -> Iterator[bytes]:
        if not self.pause:
            yield self.data
            return
        for i in range(0, len(self.data), self.step):
            time.sleep(self.pause)
            yield self.data[i : i + self.step]


Responder = Callable[[Request], Reply]


def http(status: int, body: bytes, *headers: str, reason: str = "Whatever") -> bytes:
    head = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}", *headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def api(data: Any) -> bytes:
    """A successful API answer holding `data` (which may be anything, shaped or not)."""
    body = json.dumps({"status": "success", "data": data}).encode()
    return http(200, body, "Content-Type: application/json", reason="OK")


def body(text: str | bytes, status: int = 200) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return http(status, raw, "Content-Type: application/json")


@dataclass
class _State:
    responder: Responder
    requests: list[Request] = field(default_factory=list)
    sent: int = 0  # bytes written before the client went away (or the reply ended)
    hung_up: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        query = urllib.parse.urlsplit(self.path).query
        form = dict(urllib.parse.parse_qsl(raw or query))
        request = Request(self.command, self.path, dict(self.headers.items()), form)
        state = self.server.state
        with state.lock:
            state.requests.append(request)
        reply = state.responder(request)
        try:
            for chunk in reply.chunks():
                self.wfile.write(chunk)
                self.wfile.flush()
                with state.lock:
                    state.sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            state.hung_up = True
        self.close_connection = True

    do_GET = do_POST = _serve

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State


class FakePrometheus:
    """`with FakePrometheus(responder) as fake:` ... `fake.url`, `fake.requests`."""

    def __init__(
        self, responder: Responder, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None
    ) -> None:
        self.server = _Server((host, 0), _Handler)
        self.server.state = _State(responder)
        scheme = "http"
        if tls is not None:  # HTTPS: every accepted connection does the TLS handshake
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://{host}:{self.server.server_address[1]}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def requests(self) -> list[Request]:
        return self.server.state.requests

    @property
    def sent(self) -> int:
        return self.server.state.sent

    def __enter__(self) -> FakePrometheus:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def forward(upstream: str, rewrite: Callable[[dict[str, Any]], None]) -> Responder:
    """A proxy: the request goes to `upstream` unchanged; `rewrite` edits the real answer's
    JSON in place before it is returned."""

    def respond(request: Request) -> Reply:
        path = urllib.parse.urlsplit(request.path).path
        data = urllib.parse.urlencode(request.form).encode()
        with urllib.request.urlopen(f"{upstream}{path}", data=data, timeout=30) as resp:
            answer = json.loads(resp.read())
        rewrite(answer)
        return Reply(body(json.dumps(answer)))

    return respond


def samples(answer: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every sample object of an API answer (vector items, matrix series)."""
    data = answer.get("data") or {}
    if data.get("resultType") in ("vector", "matrix"):
        yield from data["result"]


def silent_socket() -> socket.socket:
    """A listening socket that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    return sock
