"""ASGI middleware for agents served over HTTP: real status codes, W3C trace context.

    app = ObservabilityMiddleware(app, agent_id="support")

Each HTTP request is an agent turn with method = the HTTP method, endpoint = the route template
and status_code = what the app actually sent (500 when it raised before sending a response).
Incoming `traceparent` headers continue the caller's trace. A request whose client went away
before its response ended (the app read `http.disconnect`, or the server cancelled it) is an
abandoned turn, not a request, as in the ADK plugin.

Clients choose the raw path and method, so neither becomes a label as sent: the endpoint is the
template of the route the app matched (Starlette and FastAPI put the route in the scope; for other
frameworks pass `route=`, a function of the scope after the request), `__other__` when no route
matched (a scan of random paths is one series), and methods outside the standard HTTP methods
fold into `__other__` as well.
"""

from __future__ import annotations

import asyncio
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

# The metrics port's own paths, and the usual probe paths of the app itself.
DEFAULT_EXCLUDED_PATHS = (c.METRICS_PATH, c.HEALTH_PATH, c.READY_PATH, "/healthz", "/readyz")
# RFC 9110 section 9 and PATCH (RFC 5789). Methods are case-sensitive: "get" is not GET.
HTTP_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}
)
RouteOf = Callable[[Scope], "str | None"]


def starlette_route(scope: Scope) -> str | None:
    """The template of the route Starlette (or FastAPI) matched, e.g. "/users/{user_id}".

    Starlette's router stores the matched route in the scope it was given, which is ours. A route
    inside a Mount is relative to it: the mount's matched prefix (the growth of root_path) comes
    first. None when no route matched.
    """
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return None
    prefix = str(scope.get("root_path") or "")
    start = scope.get(_ROOT_PATH_AT_START)
    if isinstance(start, str) and prefix.startswith(start):
        prefix = prefix[len(start) :]
    return prefix + path


_ROOT_PATH_AT_START = "adk_observe.root_path"


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or ()}


class ObservabilityMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        agent_id: str | None = None,
        excluded_paths: Iterable[str] = DEFAULT_EXCLUDED_PATHS,
        route: RouteOf = starlette_route,
    ) -> None:
        self.app = app
        self.agent_id = agent_id
        self.excluded = frozenset(excluded_paths)
        self.route = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http" or scope.get("path") in self.excluded:
            await self.app(scope, receive, send)
            return
        token = otel_context.attach(propagate.extract(_headers(scope)))
        try:
            method = scope.get("method", "GET")
            turn = AgentTurn(
                self.agent_id,
                method=method if method in HTTP_METHODS else c.OVERFLOW_LABEL_VALUE,
                endpoint=c.OVERFLOW_LABEL_VALUE,
            )
            scope[_ROOT_PATH_AT_START] = str(scope.get("root_path") or "")
            status: list[int] = []
            done: list[bool] = []  # the response's last body message was sent

            async def send_wrapper(message: Message) -> None:
                kind = message.get("type")
                if kind == "http.response.start":
                    status.append(int(message.get("status", 200)))
                elif kind == "http.response.body" and not message.get("more_body", False):
                    done.append(True)
                await send(message)

            async def receive_wrapper() -> Message:
                message = await receive()
                if message.get("type") == "http.disconnect" and not done:
                    turn.abandon()  # the client left before its answer
                return message

            with turn:
                try:
                    await self.app(scope, receive_wrapper, send_wrapper)
                except BaseException as exc:
                    if not (turn.abandoned or isinstance(exc, asyncio.CancelledError)):
                        turn.fail("exception", str(status[0]) if status else c.STATUS_CODE_ERROR)
                    raise
                finally:
                    turn.endpoint = self._endpoint(scope)
                turn.set_status_code(status[0] if status else c.STATUS_CODE_ERROR)
        finally:
            otel_context.detach(token)

    def _endpoint(self, scope: Scope) -> str:
        try:
            template = self.route(scope)
        except Exception:  # a user's route function must not fail the request
            template = None
        return template or c.OVERFLOW_LABEL_VALUE
