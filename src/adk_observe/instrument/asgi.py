"""ASGI middleware for agents served over HTTP: real status codes, W3C trace context.

    app = ObservabilityMiddleware(app, agent_id="support")

Each HTTP request is an agent turn with method = the HTTP method, endpoint = the path (capped
like every unbounded label) and status_code = what the app actually sent (500 when it raised
before sending a response). Incoming `traceparent` headers continue the caller's trace.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate

from adk_observe import conventions as c
from adk_observe.instrument.calls import AgentTurn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_EXCLUDED_PATHS = ("/metrics", "/health", "/ready", "/healthz", "/readyz")


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or ()}


class ObservabilityMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        agent_id: str | None = None,
        excluded_paths: Iterable[str] = DEFAULT_EXCLUDED_PATHS,
    ) -> None:
        self.app = app
        self.agent_id = agent_id
        self.excluded = frozenset(excluded_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http" or scope.get("path") in self.excluded:
            await self.app(scope, receive, send)
            return
        token = otel_context.attach(propagate.extract(_headers(scope)))
        try:
            turn = AgentTurn(
                self.agent_id,
                method=str(scope.get("method", "GET")),
                endpoint=str(scope.get("route_path") or scope.get("path", "")),
            )
            status: list[int] = []

            async def send_wrapper(message: Message) -> None:
                if message.get("type") == "http.response.start":
                    status.append(int(message.get("status", 200)))
                await send(message)

            with turn:
                try:
                    await self.app(scope, receive, send_wrapper)
                except BaseException:
                    turn.fail("exception", str(status[0]) if status else c.STATUS_CODE_ERROR)
                    raise
                turn.set_status_code(status[0] if status else c.STATUS_CODE_ERROR)
        finally:
            otel_context.detach(token)
