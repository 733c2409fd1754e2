"""`ObservabilityPlugin`: the catalogue's metrics, enriched ADK spans and JSON logs for every run.

ADK already opens spans (invoke_workflow, invoke_agent, generate_content, execute_tool); the
plugin adds attributes to them instead of opening its own. Every hook is wrapped so that no
failure inside adk-observe ever reaches ADK: it is counted in
adk_observe_internal_errors_total{component="adk_plugin"} and the hook returns None.

The hooks only capture what they saw (times, ids, token counts) into one event object
(instrument/events.py) and queue it for the work queue's worker (`Observability.record`), which
records it into the metrics its kind is captured by and writes its log line, in order. Span
attributes are set in the hooks: ADK ends its spans soon after.

Over 400 lines: one class holds every ADK hook, and the hooks share its in-flight maps; what
they delegate (sessions, streaming, MCP names) lives in its own module.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from google.adk.plugins.base_plugin import BasePlugin
from opentelemetry import trace
from opentelemetry.semconv._incubating.attributes import mcp_attributes
from opentelemetry.trace import SpanContext

from adk_observe import conventions as c
from adk_observe.adk import streaming
from adk_observe.adk.introspect import SessionSizer, bounded_key, mcp_server_name
from adk_observe.instrument import audit, events, runtime
from adk_observe.instrument.calls import is_error_result
from adk_observe.instrument.cost import Usage, usage_of
from adk_observe.instrument.enclosing import enter_run, leave_run
from adk_observe.instrument.events import Origin, call_origin
from adk_observe.instrument.sessions import NO_SESSION, AdkTurnCounter, SessionIds

_NO_USAGE = Usage()

if TYPE_CHECKING:
    from google.adk.agents.invocation_context import InvocationContext
    from google.adk.models.llm_request import LlmRequest
    from google.adk.models.llm_response import LlmResponse
    from google.adk.tools.base_tool import BaseTool

PLUGIN_NAME = "adk_observe"
# Runs, model calls and tool calls in flight are tracked in bounded maps; a run that never ends
# (cancelled task) is evicted oldest-first past this many entries.
MAX_IN_FLIGHT = 10_000


@dataclass(slots=True)
class Run:
    """One run in flight, from before_run to after_run (or on_run_error)."""

    agent_id: str
    start: float
    span: Any  # ADK's span of the run (status code and cost go on it)
    ctx: SpanContext | None  # its context: trace ids of the log line and the exemplars
    cost: float = 0.0
    session: SessionIds = NO_SESSION  # the run's session.id, user.id and turn index
    first_token: float | None = None  # seconds from the run's start to its first streamed text
    task: asyncio.Task[Any] | None = None
    on_done: Callable[[asyncio.Task[Any]], None] | None = None
    agent_token: Any = None  # the enclosing agent's context variable token (enter_run)


def _valid(ctx: SpanContext) -> SpanContext | None:
    return ctx if ctx.is_valid else None


def _debug_line(obs: runtime.Observability) -> tuple[SpanContext | None, Origin | None]:
    """What a DEBUG per-call line needs from the hook (the current span, time and thread), if
    such lines are on."""
    if not obs.logger.isEnabledFor(logging.DEBUG):
        return None, None
    return _valid(trace.get_current_span().get_span_context()), call_origin()


class _InFlight(OrderedDict[Any, Any]):
    def put(self, key: Any, value: Any) -> None:
        self[key] = value
        if len(self) > MAX_IN_FLIGHT:
            self.popitem(last=False)


class ObservabilityPlugin(BasePlugin):  # type: ignore[misc]
    """Add to `App(plugins=[ObservabilityPlugin()])` after `adk_observe.init(...)`.

    `handle`: an `Observability` to record into (default: the current `init()`).
    `agent_id`: the agent_id label (default: init()'s agent_id option, else the root agent's name).
    `server_name`: maps an MCP tool to its server label (default: from its connection params).
    """

    def __init__(
        self,
        *,
        handle: runtime.Observability | None = None,
        agent_id: str | None = None,
        server_name: Callable[[Any], str] | None = None,
        name: str = PLUGIN_NAME,
    ) -> None:
        super().__init__(name=name)
        self._handle = handle
        self._agent_id = agent_id
        self._server_name = server_name or mcp_server_name
        self._runs: _InFlight = _InFlight()
        self._models: _InFlight = _InFlight()
        self._tools: _InFlight = _InFlight()
        self._session_size = SessionSizer()
        self._turn_index = AdkTurnCounter()
        self._last_agent: str | None = None  # feedback's default agent_id: the agent that ran

    def _obs(self) -> runtime.Observability | None:
        return self._handle or runtime.current()

    def record_feedback(self, rating: float, agent_id: str | None = None, **fields: Any) -> None:
        """A user's rating (1-5); agent_id defaults to the plugin's, then the last root agent."""
        obs = self._obs()
        if obs is not None:
            agent = obs.resolve_agent(
                agent_id, self._agent_id, obs.options.agent_id, self._last_agent
            )
            obs.record_feedback(rating, agent, **fields)

    # --- runs ---------------------------------------------------------------------------------

    def _run_agent(self, obs: runtime.Observability, invocation_context: Any) -> str:
        name = getattr(getattr(invocation_context, "agent", None), "name", None)
        if not (self._agent_id or obs.options.agent_id) and isinstance(name, str) and name:
            self._last_agent = name  # the plugin's and the option's agent_id come first
        else:
            name = None
        return obs.label(obs.resolve_agent(self._agent_id, obs.options.agent_id, name))

    def _guard(self, fn: Callable[..., None], *args: Any) -> None:
        """Run `fn(obs, *args)`; any exception is counted, never raised into ADK."""
        obs = self._handle or runtime.current()
        if obs is None:
            return
        try:
            fn(obs, *args)
        except Exception:
            obs.internal_error(c.COMPONENT_ADK_PLUGIN)

    async def before_run_callback(self, *, invocation_context: InvocationContext) -> None:
        self._guard(self._before_run, invocation_context)

    async def after_run_callback(self, *, invocation_context: InvocationContext) -> None:
        self._guard(self._finish_run, invocation_context, None)

    async def on_run_error_callback(
        self, *, invocation_context: InvocationContext, error: Exception
    ) -> None:
        self._guard(self._finish_run, invocation_context, error)

    def _before_run(self, obs: runtime.Observability, invocation_context: Any) -> None:
        agent_id = self._run_agent(obs, invocation_context)
        span = trace.get_current_span()
        run = Run(agent_id, time.perf_counter(), span, _valid(span.get_span_context()))
        invocation_id = invocation_context.invocation_id
        run.session = self._session_ids(obs, invocation_context.session, invocation_id)
        if span.is_recording():
            span.set_attributes(run.session.attributes())
        # A cancelled run gets neither after_run nor on_run_error: when its task ends, the
        # conversation is no longer active (it is not counted as a request either way).
        try:
            run.task = asyncio.current_task()
        except RuntimeError:
            run.task = None
        if run.task is not None:
            run.on_done = functools.partial(self._abandon, obs, invocation_id)
            run.task.add_done_callback(run.on_done)
        self._runs.put(invocation_id, run)
        run.agent_token = enter_run(agent_id)
        obs.record(events.TurnStarted(agent_id=agent_id))

    def _session_ids(
        self, obs: runtime.Observability, session: Any, invocation_id: str
    ) -> SessionIds:
        """The Runner's session and user ids, and the run's index in the session."""
        if session is None:
            return NO_SESSION
        index = self._turn_index(session, invocation_id)
        return obs.sessions.ids(
            getattr(session, "id", None), getattr(session, "user_id", None), index
        )

    def _abandon(self, obs: runtime.Observability, invocation_id: str, _: object) -> None:
        run: Run | None = self._runs.pop(invocation_id, None)
        if run is not None:
            try:
                obs.record(events.TurnAbandoned(agent_id=run.agent_id))
            except Exception:
                obs.internal_error(c.COMPONENT_ADK_PLUGIN)

    def _finish_run(
        self, obs: runtime.Observability, invocation_context: Any, error: Exception | None
    ) -> None:
        invocation_id = invocation_context.invocation_id
        run: Run | None = self._runs.pop(invocation_id, None)
        if run is None:
            return
        seconds = time.perf_counter() - run.start
        if run.agent_token is not None:
            leave_run(run.agent_token)
        if run.task is not None and run.on_done is not None:
            run.task.remove_done_callback(run.on_done)
        code = c.STATUS_CODE_OK if error is None else c.STATUS_CODE_ERROR
        if run.span.is_recording():  # now: ADK ends the span after this hook
            run.span.set_attributes(events.turn_span_attributes(code, run.cost))
        turn = events.Turn(
            agent_id=run.agent_id,
            seconds=seconds,
            ok=error is None,
            status_code=code,
            cost=run.cost,
            cost_center=obs.options.cost_center,
            error_type=type(error).__qualname__ if error is not None else "",
            invocation_id=invocation_id,
            first_token=run.first_token,
            ctx=run.ctx,
            origin=call_origin(),
            session=invocation_context.session,
            measure=self._session_size,
            session_ids=run.session,
        )
        obs.record(turn)

    def _call_of(
        self, obs: runtime.Observability, context: Any
    ) -> tuple[Run | None, str, SpanContext | None]:
        """A model or tool call's run (if in flight), agent_id and trace context."""
        run: Run | None = self._runs.get(context.invocation_id)
        if run is not None:
            return run, run.agent_id, run.ctx
        ctx = _valid(trace.get_current_span().get_span_context())
        return None, obs.label(self._agent_id or context.agent_name), ctx

    # --- model calls ----------------------------------------------------------------------------

    @staticmethod
    def _model_key(callback_context: Any) -> tuple[str, str]:
        return callback_context.invocation_id, callback_context.agent_name

    async def before_model_callback(
        self, *, callback_context: Any, llm_request: LlmRequest
    ) -> None:
        self._guard(self._before_model, callback_context, llm_request)

    async def after_model_callback(
        self, *, callback_context: Any, llm_response: LlmResponse
    ) -> None:
        self._guard(self._after_model, callback_context, llm_response)

    async def on_model_error_callback(
        self, *, callback_context: Any, llm_request: LlmRequest, error: Exception
    ) -> None:
        self._guard(self._model_error, callback_context, error)

    def _before_model(
        self, obs: runtime.Observability, callback_context: Any, llm_request: Any
    ) -> None:
        model = llm_request.model or "unknown"
        self._models.put(
            self._model_key(callback_context), streaming.ModelCall(time.perf_counter(), str(model))
        )

    def _after_model(
        self, obs: runtime.Observability, callback_context: Any, llm_response: Any
    ) -> None:
        if llm_response.partial:  # streaming chunk: the final response carries the totals
            if streaming.shows_text(llm_response):
                self._chunk(callback_context)
            return
        started = self._models.pop(self._model_key(callback_context), None)
        if started is None:
            return
        meta = llm_response.usage_metadata
        usage = _NO_USAGE
        if meta:
            usage, refused = usage_of(
                meta.prompt_token_count,
                meta.candidates_token_count,
                meta.cached_content_token_count,
                meta.thoughts_token_count,
            )
            if refused:
                obs.metrics.drop(c.SINK_METRICS, refused)
        ok = llm_response.error_code is None
        self._model_done(obs, callback_context, started, ok, usage)

    def _chunk(self, callback_context: Any) -> None:
        """A streamed chunk with text: the first of its model call, and maybe of its run."""
        call = self._models.get(self._model_key(callback_context))
        streaming.first_chunk(call, self._runs.get(callback_context.invocation_id))

    def _model_error(
        self, obs: runtime.Observability, callback_context: Any, error: Exception
    ) -> None:
        started = self._models.pop(self._model_key(callback_context), None)
        if started is not None:
            self._model_done(
                obs, callback_context, started, False, _NO_USAGE, type(error).__qualname__
            )

    def _model_done(
        self,
        obs: runtime.Observability,
        callback_context: Any,
        started: streaming.ModelCall,
        ok: bool,
        usage: Usage,
        error_type: str = "",
    ) -> None:
        model = started.model
        seconds = time.perf_counter() - started.start
        run, agent_id, ctx = self._call_of(obs, callback_context)
        cost = obs.llm_cost(model, usage)
        if run is not None and cost:
            run.cost += cost  # the turn's cost, read by after_run's span attribute and record
        log_ctx, origin = _debug_line(obs)
        call = events.LlmCall(
            agent_id=agent_id,
            model=obs.label(model),  # what is queued is bounded: the label value, not the name
            seconds=seconds,
            ok=ok,
            usage=usage,
            cost=cost,
            cost_center=obs.options.cost_center,
            error_type=error_type,
            first_token=started.first_token,
            ctx=ctx,
            log_ctx=log_ctx,
            origin=origin,
        )
        obs.record(call)

    # --- tool calls ---------------------------------------------------------------------------

    async def before_tool_callback(
        self, *, tool: BaseTool, tool_args: dict[str, Any], tool_context: Any
    ) -> None:
        self._guard(self._before_tool, tool_context)

    async def after_tool_callback(
        self,
        *,
        tool: BaseTool,
        tool_args: dict[str, Any],
        tool_context: Any,
        result: dict[str, Any],
    ) -> None:
        self._guard(self._tool_done, tool, tool_context, not is_error_result(result), "")

    async def on_tool_error_callback(
        self, *, tool: BaseTool, tool_args: dict[str, Any], tool_context: Any, error: Exception
    ) -> None:
        self._guard(self._tool_done, tool, tool_context, False, type(error).__qualname__)

    def _before_tool(self, obs: runtime.Observability, tool_context: Any) -> None:
        self._tools.put(_call_key(tool_context), time.perf_counter())

    def _tool_done(
        self,
        obs: runtime.Observability,
        tool: Any,
        tool_context: Any,
        ok: bool,
        error_type: str = "",
    ) -> None:
        start = self._tools.pop(_call_key(tool_context), None)
        if start is None:
            return
        seconds = time.perf_counter() - start
        _, agent_id, ctx = self._call_of(obs, tool_context)
        tool_name = obs.label(tool.name)
        server = obs.label(self._server_name(tool)) if _is_mcp_tool(tool) else ""
        if server:
            span = trace.get_current_span()  # ADK's execute_tool span
            span.set_attribute(c.SPAN_ATTR_MCP_SERVER, server)
            span.set_attribute(mcp_attributes.MCP_METHOD_NAME, c.MCP_METHOD_TOOLS_CALL)
        if not ok and not error_type:
            error_type = c.ERROR_TYPE_MCP_TOOL if server else c.ERROR_TYPE_TOOL
        log_ctx, origin = _debug_line(obs)
        call = events.ToolCall(
            agent_id=agent_id,
            tool=tool_name,
            server=server,
            seconds=seconds,
            ok=ok,
            error_type=error_type,
            ctx=ctx,
            log_ctx=log_ctx,
            origin=origin,
        )
        obs.record(call)
        trace_id = format(ctx.trace_id, "032x") if ctx is not None else ""
        audit.record_tool(
            obs,
            tool_context,
            agent_id=agent_id,
            tool=tool_name,
            ok=ok,
            error_type=error_type,
            mcp_server=server,
            trace_id=trace_id,
        )


def _call_key(tool_context: Any) -> Any:
    """A tool call's key in the in-flight map: its id (the model may choose it), bounded."""
    return bounded_key(str(tool_context.function_call_id))


def _is_mcp_tool(tool: Any) -> bool:
    return hasattr(tool, "_mcp_session_manager")
