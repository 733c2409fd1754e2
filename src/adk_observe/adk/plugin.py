"""`ObservabilityPlugin`: the catalogue's metrics, enriched ADK spans and JSON logs for every run.

ADK already opens spans (invoke_workflow, invoke_agent, generate_content, execute_tool); the
plugin adds attributes to them instead of opening its own. Every hook is wrapped so that no
failure inside adk-observe ever reaches ADK: it is counted in
adk_observe_internal_errors_total{component="adk_plugin"} and the hook returns None.

The hooks only capture what they saw (times, ids, token counts) and queue one `records.apply_*`
call per event for the recorder's worker (`instrument/recorder.py`), which updates the metrics and
writes the log lines in order. Span attributes are set in the hooks: ADK ends its spans soon after.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from google.adk.plugins.base_plugin import BasePlugin
from opentelemetry import trace
from opentelemetry.semconv._incubating.attributes import mcp_attributes
from opentelemetry.trace import SpanContext

from adk_observe import conventions as c
from adk_observe.adk import records
from adk_observe.adk.introspect import SessionSizer, mcp_server_name
from adk_observe.instrument import audit, events, runtime
from adk_observe.instrument.calls import is_error_result
from adk_observe.instrument.cost import Usage
from adk_observe.instrument.recorder import call_origin
from adk_observe.instrument.sessions import NO_SESSION, AdkTurnCounter, SessionIds

_NO_USAGE = Usage()

if TYPE_CHECKING:
    from google.adk.agents.invocation_context import InvocationContext
    from google.adk.models.llm_request import LlmRequest
    from google.adk.models.llm_response import LlmResponse
    from google.adk.tools.base_tool import BaseTool

PLUGIN_NAME = "adk_observe"
_COMPONENT = c.COMPONENT_ADK_PLUGIN
# Runs, model calls and tool calls in flight are tracked in bounded maps; a run that never ends
# (cancelled task) is evicted oldest-first past this many entries.
MAX_IN_FLIGHT = 10_000


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
        return obs.resolve_agent(self._agent_id, obs.options.agent_id, name)

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
        run = records.Run(
            agent_id, time.perf_counter(), span, records.valid_context(span.get_span_context())
        )
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
        obs.record(_COMPONENT, obs.metrics.turn_started, agent_id)

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
        run: records.Run | None = self._runs.pop(invocation_id, None)
        if run is not None:
            try:
                obs.record(_COMPONENT, obs.metrics.turn_abandoned, run.agent_id)
            except Exception:
                obs.internal_error(c.COMPONENT_ADK_PLUGIN)

    def _finish_run(
        self, obs: runtime.Observability, invocation_context: Any, error: Exception | None
    ) -> None:
        invocation_id = invocation_context.invocation_id
        run: records.Run | None = self._runs.pop(invocation_id, None)
        if run is None:
            return
        seconds = time.perf_counter() - run.start
        if run.task is not None and run.on_done is not None:
            run.task.remove_done_callback(run.on_done)
        if run.span.is_recording():  # now: ADK ends the span after this hook
            code = c.STATUS_CODE_OK if error is None else c.STATUS_CODE_ERROR
            run.span.set_attributes(events.turn_span_attributes(code, run.cost))
        session = invocation_context.session
        args = (
            run,
            seconds,
            error,
            invocation_id,
            session,
            self._session_size,
            call_origin(),
        )
        obs.record(_COMPONENT, records.apply_turn, obs, *args)

    def _call_of(self, context: Any) -> tuple[records.Run | None, str, SpanContext | None]:
        """A model or tool call's run (if in flight), agent_id and trace context."""
        run: records.Run | None = self._runs.get(context.invocation_id)
        if run is not None:
            return run, run.agent_id, run.ctx
        ctx = records.valid_context(trace.get_current_span().get_span_context())
        return None, self._agent_id or context.agent_name, ctx

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
        self._models.put(self._model_key(callback_context), (time.perf_counter(), str(model)))

    def _after_model(
        self, obs: runtime.Observability, callback_context: Any, llm_response: Any
    ) -> None:
        if llm_response.partial:  # streaming chunk: the final response carries the totals
            return
        started = self._models.pop(self._model_key(callback_context), None)
        if started is None:
            return
        meta = llm_response.usage_metadata
        usage = (
            Usage(
                meta.prompt_token_count or 0,
                meta.candidates_token_count or 0,
                meta.cached_content_token_count or 0,
                meta.thoughts_token_count or 0,
            )
            if meta
            else _NO_USAGE
        )
        ok = llm_response.error_code is None
        self._model_done(obs, callback_context, started, ok, usage)

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
        started: tuple[float, str],
        ok: bool,
        usage: Usage,
        error_type: str = "",
    ) -> None:
        start, model = started
        seconds = time.perf_counter() - start
        run, agent_id, ctx = self._call_of(callback_context)
        cost = obs.prices.cost(model, usage)
        if run is not None and cost:
            run.cost += cost  # the turn's cost, read by after_run's span attribute and record
        args = (
            agent_id,
            model,
            seconds,
            ok,
            usage,
            ctx,
            cost,
            error_type,
            records.debug_line(obs),
        )
        obs.record(_COMPONENT, records.apply_model, obs, *args)

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
        self._tools.put(tool_context.function_call_id, time.perf_counter())

    def _tool_done(
        self,
        obs: runtime.Observability,
        tool: Any,
        tool_context: Any,
        ok: bool,
        error_type: str = "",
    ) -> None:
        start = self._tools.pop(tool_context.function_call_id, None)
        if start is None:
            return
        seconds = time.perf_counter() - start
        _, agent_id, ctx = self._call_of(tool_context)
        tool_name = str(tool.name)
        server = self._server_name(tool) if _is_mcp_tool(tool) else ""
        if server:
            span = trace.get_current_span()  # ADK's execute_tool span
            span.set_attribute(c.SPAN_ATTR_MCP_SERVER, server)
            span.set_attribute(mcp_attributes.MCP_METHOD_NAME, c.MCP_METHOD_TOOLS_CALL)
        if not ok and not error_type:
            error_type = c.ERROR_TYPE_MCP_TOOL if server else c.ERROR_TYPE_TOOL
        args = (agent_id, tool_name, server, seconds, ok, ctx, error_type, records.debug_line(obs))
        obs.record(_COMPONENT, records.apply_tool, obs, *args)
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


def _is_mcp_tool(tool: Any) -> bool:
    return hasattr(tool, "_mcp_session_manager")
