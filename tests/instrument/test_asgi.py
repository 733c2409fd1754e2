"""The ASGI middleware records the status codes the app really sent."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from instrument_support import Telemetry

from adk_observe import ObservabilityMiddleware
from adk_observe import conventions as c

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["path"] == "/boom":
        raise RuntimeError("crash before responding")
    status = {"/chat": 200, "/missing": 404, "/overloaded": 503}[scope["path"]]
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


def _call(path: str, headers: list[tuple[bytes, bytes]] | None = None) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "headers": headers or []}
    asyncio.run(ObservabilityMiddleware(app, agent_id="web")(scope, receive, send))
    return sent


@pytest.mark.parametrize(("path", "code"), [("/chat", "200"), ("/missing", "404"),
                                            ("/overloaded", "503")])
def test_the_real_status_code_is_recorded(telemetry: Telemetry, path: str, code: str) -> None:
    assert _call(path)[0]["status"] == int(code)
    assert telemetry.value(c.REQUESTS.name, agent_id="web", method="POST", endpoint=path,
                           status_code=code) == 1.0
    ok_interactions = telemetry.value(c.SUCCESSFUL_INTERACTIONS.name, agent_id="web",
                                      interaction_type="agent_turn")
    assert ok_interactions == (None if code.startswith("5") else 1.0)


def test_an_app_exception_is_a_500_and_propagates(telemetry: Telemetry) -> None:
    with pytest.raises(RuntimeError):
        _call("/boom")
    assert telemetry.value(c.REQUESTS.name, agent_id="web", method="POST", endpoint="/boom",
                           status_code="500") == 1.0


def test_an_incoming_traceparent_continues_the_callers_trace(telemetry: Telemetry) -> None:
    header = f"00-{TRACE_ID}-00f067aa0ba902b7-01".encode()
    _call("/chat", [(b"traceparent", header)])
    (span,) = telemetry.spans()
    assert format(span.context.trace_id, "032x") == TRACE_ID
    assert span.parent is not None and format(span.parent.span_id, "016x") == "00f067aa0ba902b7"


def test_health_paths_are_not_counted(telemetry: Telemetry) -> None:
    async def ok(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})

    async def noop(message: Any) -> None:
        pass

    scope = {"type": "http", "method": "GET", "path": "/health", "headers": []}
    asyncio.run(ObservabilityMiddleware(ok)(scope, None, noop))  # type: ignore[arg-type]
    assert telemetry.value(c.REQUESTS.name, agent_id="billing-agent", method="GET",
                           endpoint="/health", status_code="200") is None
