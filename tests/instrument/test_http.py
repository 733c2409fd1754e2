"""The metrics server: /metrics (text and OpenMetrics), /health, /ready."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator

import httpx
import pytest
from instrument_support import make_telemetry
from prometheus_client.core import GaugeMetricFamily, Metric

import adk_observe
from adk_observe import agent_turn
from adk_observe import conventions as c


def _get(port: int, path: str, accept: str = "") -> httpx.Response:
    headers = {"Accept": accept} if accept else {}
    return httpx.get(f"http://127.0.0.1:{port}{path}", headers=headers, timeout=5)


def test_metrics_health_and_ready_on_their_own_port() -> None:
    telemetry = make_telemetry(metrics_port=0, metrics_host="127.0.0.1")
    port = telemetry.handle.port
    assert port
    with agent_turn("a"):
        pass
    text = _get(port, "/metrics")
    assert text.status_code == 200
    series = '{agent_id="a",endpoint="agent",method="turn",status_code="200"}'
    assert f"{c.REQUESTS.name}{series} 1.0" in text.text
    om = _get(port, "/metrics", "application/openmetrics-text; version=1.0.0")
    assert om.headers["content-type"].startswith("application/openmetrics-text")
    assert om.text.rstrip().endswith("# EOF")
    assert _get(port, "/health").json() == {"status": "ok"}
    assert _get(port, "/nope").status_code == 404


def test_ready_reflects_what_the_agent_reports() -> None:
    telemetry = make_telemetry(metrics_port=0, metrics_host="127.0.0.1")
    port = telemetry.handle.port
    assert port
    starting = _get(port, "/ready")
    assert (starting.status_code, starting.json()) == (503, {"reason": "starting",
                                                             "status": "not_ready"})
    adk_observe.set_ready()
    assert _get(port, "/ready").status_code == 200
    mcp_up = [True]
    adk_observe.set_ready(check=lambda: mcp_up[0], name="mcp")
    mcp_up[0] = False
    down = _get(port, "/ready")
    assert (down.status_code, down.json()["failed_checks"]) == (503, ["mcp"])
    adk_observe.set_ready(False, "draining")
    assert _get(port, "/ready").json()["reason"] == "draining"


def test_shutdown_closes_the_port() -> None:
    telemetry = make_telemetry(metrics_port=0, metrics_host="127.0.0.1")
    port = telemetry.handle.port
    assert port
    adk_observe.shutdown()
    try:
        _get(port, "/health")
    except httpx.ConnectError:
        return
    raise AssertionError("the metrics port still answers after shutdown()")


class _SlowCollector:
    """A collector that takes longer than the scraper is willing to wait."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def collect(self) -> Iterator[Metric]:
        time.sleep(self.seconds)
        yield GaugeMetricFamily("slow_collector_value", "A slow value.", value=1.0)


def _give_up(port: int) -> None:
    """Send a scrape and close at once, resetting the connection (SO_LINGER 0): a scraper's
    timeout. The server then writes its response into a closed socket."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    sock.close()


def test_a_scraper_that_gives_up_leaves_stderr_clean_and_is_counted(
    capfd: pytest.CaptureFixture[str],
) -> None:
    telemetry = make_telemetry(metrics_port=0, metrics_host="127.0.0.1", log_stream=False)
    port = telemetry.handle.port
    assert port
    telemetry.registry.register(_SlowCollector(0.2))
    for _ in range(3):
        _give_up(port)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if (telemetry.value(c.INTERNAL_ERRORS.name, component=c.COMPONENT_HTTP) or 0) >= 3:
            break
        time.sleep(0.05)
    assert telemetry.value(c.INTERNAL_ERRORS.name, component=c.COMPONENT_HTTP) == 3.0
    assert _get(port, "/health").json() == {"status": "ok"}  # still serving
    captured = capfd.readouterr()
    assert captured.err == ""
    assert "Traceback" not in captured.out
