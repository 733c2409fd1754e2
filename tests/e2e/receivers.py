"""Local HTTP receivers standing in for PagerDuty (Events API v2) and Slack (incoming webhook):
Alertmanager's real pagerduty and slack integrations post to them (their `url` / `api_url`
point here), so the test reads exactly the JSON those services would get."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Delivery:
    at: float  # time.time() when it arrived
    path: str
    body: dict[str, Any]


class Receivers:
    """Records every POST; `/pagerduty/...` answers 202 like the Events API, others 200 "ok"."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._deliveries: list[Delivery] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                with outer._lock:
                    outer._deliveries.append(Delivery(time.time(), self.path, body))
                pagerduty = self.path.startswith("/pagerduty")
                self.send_response(202 if pagerduty else 200)
                self.end_headers()
                self.wfile.write(b'{"status": "success"}' if pagerduty else b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Receivers:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def deliveries(self, path: str) -> list[Delivery]:
        with self._lock:
            return [d for d in self._deliveries if d.path == path]
