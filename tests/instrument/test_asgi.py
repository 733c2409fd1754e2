"""The ASGI middleware records the status codes the app really sent."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from instrument_support import Telemetry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, Router

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
    middleware = ObservabilityMiddleware(app, agent_id="web", route=lambda scope: scope["path"])
    asyncio.run(middleware(scope, receive, send))
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


# --- the labels clients cannot choose: route templates and standard methods ----------------------


async def _user(request: Request) -> JSONResponse:
    return JSONResponse(dict(request.path_params))


def _starlette() -> Starlette:
    api = Router(routes=[Route("/items/{item_id}", _user, methods=["GET"])])
    return Starlette(routes=[
        Route("/users/{user_id}", _user, methods=["GET", "POST"]),
        Mount("/api/v1", app=api),
    ])


def _request(app: Any, method: str, path: str) -> int:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
             "query_string": b"", "headers": [], "server": ("test", 80), "client": ("c", 1)}
    asyncio.run(app(scope, receive, send))
    return int(sent[0]["status"])


def _requests(telemetry: Telemetry) -> dict[tuple[str, str, str], float]:
    return {
        (s.labels["method"], s.labels["endpoint"], s.labels["status_code"]): s.value
        for metric in telemetry.registry.collect() if metric.name == c.REQUESTS.name[:-6]
        for s in metric.samples if s.name == c.REQUESTS.name
    }


def test_starlette_requests_are_labelled_with_the_route_template(telemetry: Telemetry) -> None:
    app = ObservabilityMiddleware(_starlette(), agent_id="web")
    for user in ("1", "2", "alice"):
        assert _request(app, "GET", f"/users/{user}") == 200
    assert _request(app, "GET", "/api/v1/items/9") == 200
    assert _request(app, "DELETE", "/users/1") == 405  # a partial match: still the template
    assert _requests(telemetry) == {
        ("GET", "/users/{user_id}", "200"): 3.0,
        ("GET", "/api/v1/items/{item_id}", "200"): 1.0,
        ("DELETE", "/users/{user_id}", "405"): 1.0,
    }


def test_a_scan_of_random_paths_and_methods_is_one_series(telemetry: Telemetry) -> None:
    app = ObservabilityMiddleware(_starlette(), agent_id="web")
    for i in range(300):
        method = ("GET", "FOO", "get", "X" * 1000)[i % 4]
        assert _request(app, method, f"/wp-admin/{i}/{'a' * (i % 50)}") == 404
    other = c.OVERFLOW_LABEL_VALUE
    assert _requests(telemetry) == {("GET", other, "404"): 75.0, (other, other, "404"): 225.0}
