"""`ObservabilityPlugin`: the catalogue's metrics, enriched ADK spans and JSON logs for every run.

ADK already opens spans (invoke_workflow, invoke_agent, generate_content, execute_tool); the
plugin adds attributes to them instead of opening its own. Every hook is wrapped so that no
failure inside adk-observe ever reaches ADK: it is counted in
adk_observe_internal_errors_total{component="adk_plugin"} and the hook returns None.

The hooks run between ADK's steps, where every line costs several times what it costs in a
batch (the CPU caches hold ADK's code and data), so they take only what cannot wait: the time,
the in-flight entry, ADK's values as they are, and the attributes of a span that is recording
(ADK ends its spans soon after). Everything derived from them (session ids and turn index, token
usage and cost, label values, the event, its metrics and log line) is the work queue worker's
part of the hook (adk/deferred.py).

Over 400 lines: one class holds every ADK hook, and the hooks share its in-flight maps; their
worker's part (adk/deferred.py) and what they delegate (sessions, streaming, MCP names) live in
modules of their own.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from google.adk.plugins.base_plugin import BasePlugin
from opentelemetry import trace
from opentelemetry.semconv._incubating.attributes import mcp_attributes
from opentelemetry.trace import SpanContext

from adk_observe import conventions as c
from adk_observe.adk import deferred, streaming
from adk_observe.adk.introspect import (
    ABORT_SEAL_CODE,
    SessionSizer,
    answered,
    bounded_key,
    mcp_server_name,
)
from adk_observe.instrument import audit, events, runtime
from adk_observe.instrument.calls import GIVEN_UP, is_error_result
from adk_observe.instrument.enclosing import current_run, enter_run, leave_run
from adk_observe.instrument.events import Origin, call_origin
from adk_observe.instrument.sessions import AdkTurnCounter

if TYPE_CHECKING:
    from google.adk.agents.invocation_context import InvocationContext
    from google.adk.models.llm_request import LlmRequest
    from google.adk.models.llm_response import LlmResponse
    from google.adk.tools.base_tool import BaseTool

PLUGIN_NAME = "adk_observe"
# Runs, model calls and tool calls in flight are tracked in bounded maps; a run that never ends
# (cancelled task) is evicted oldest-first past this many entries. A model call no hook ended (a
# callback answered for the model, the run was cancelled) is forgotten when its run ends.
MAX_IN_FLIGHT = 10_000
MAX_AGENT_LABELS = 1_000  # agent names whose label value is remembered (then forgotten at once)


def _debug_line(obs: runtime.Observability) -> tuple[SpanContext | None, Origin | None]:
    """What a DEBUG per-call line needs from the hook (the current span, time and thread), if
    such lines are on."""
    if not obs.logger.isEnabledFor(logging.DEBUG):
        return None, None
    return deferred.valid(trace.get_current_span().get_span_context()), call_origin()


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
        self._labels_of: runtime.Observability | None = None
        self._labels: dict[str | None, str] = {}  # agent name -> agent_id label (of _labels_of)

    def _obs(self) -> runtime.Observability | None:
        return self._handle or runtime.current()

    def record_feedback(self, rating: float, agent_id: str | None = None, **fields: Any) -> None:
        """A user's rating (1-5); agent_id defaults to the plugin's, then the last root agent."""
        obs = self._obs()
        if obs is not None:
            agent = obs.resolve_agent(
                obs.agent_given(agent_id), self._agent_id, obs.options.agent_id, self._last_agent
            )
            obs.record_feedback(rating, agent, **fields)

    # --- runs ---------------------------------------------------------------------------------

    def _run_agent(self, obs: runtime.Observability, invocation_context: Any) -> str:
        name = getattr(getattr(invocation_context, "agent", None), "name", None)
        if not (self._agent_id or obs.options.agent_id) and isinstance(name, str) and name:
            self._last_agent = name  # the plugin's and the option's agent_id come first
        else:
            name = None
        # The label of the same name is the same every run: read from a small map (per handle).
        if self._labels_of is not obs:
            self._labels_of, self._labels = obs, {}
        agent_id = self._labels.get(name)
        if agent_id is None:
            agent_id = obs.label(obs.resolve_agent(self._agent_id, obs.options.agent_id, name))
            if len(self._labels) >= MAX_AGENT_LABELS:
                self._labels.clear()
            self._labels[name] = agent_id
        return agent_id

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
        invocation_id = invocation_context.invocation_id
        try:
            task = asyncio.current_task()
        except RuntimeError:
            task = None
        outer: deferred.Run | None = current_run()
        if (
            outer is not None
            and outer.tools
            and outer.task is not task
            and outer.invocation_id in self._runs
        ):
            # A run inside a tool call of a run in flight (an AgentTool's Runner inherits the
            # plugins; ADK runs tools in tasks of their own) is part of that turn: its model
            # and tool calls are the turn's, and it is no turn of its own. (A run's generator
            # sets the variable in the context of its consumer: a run that consumer starts
            # meanwhile, in its task or in a task it starts, is a turn of its own.)
            self._runs.put(invocation_id, outer)
            if outer.nested is None:
                outer.nested = []
            outer.nested.append(invocation_id)
            return
        agent_id = self._run_agent(obs, invocation_context)
        span = trace.get_current_span()
        run = deferred.Run(agent_id, time.perf_counter(), span, None)
        run.invocation_id = invocation_id
        session = invocation_context.session
        if span.is_recording():  # its attributes now: ADK ends the span before the worker runs
            run.recording = True
            run.session = deferred.session_ids(obs, session, invocation_id, self._turn_index)
            span.set_attributes(run.session.attributes())
        # sampled or not (log lines are not sampled): its exception texts lose the raw user id
        obs.sessions.remember(span.get_span_context().trace_id, getattr(session, "user_id", None))
        # A cancelled run gets neither after_run nor on_run_error: when its task ends, the
        # conversation is no longer active (it is not counted as a request either way), unless
        # its answer was produced (the task's code left the run at its final response).
        run.task = task
        if task is not None:
            run.on_done = functools.partial(self._abandon, obs, invocation_id, session)
            task.add_done_callback(run.on_done)
        self._runs.put(invocation_id, run)
        run.agent_token = enter_run(run)
        obs.defer(
            c.COMPONENT_ADK_PLUGIN,
            deferred.run_started,
            obs,
            run,
            session,
            invocation_id,
            self._turn_index,
        )

    def _abandon(
        self, obs: runtime.Observability, invocation_id: str, session: Any, _: object
    ) -> None:
        """The run's task ended, and ADK has not ended the run: cancelled, or its consumer left
        it at its final response (`break`) and returned at once (ADK calls after_run when the
        generator is collected, after this)."""
        run: deferred.Run | None = self._runs.pop(invocation_id, None)
        if run is not None:
            try:
                self._drop_nested(run)
                if run.models:
                    self._forget_models(run)
                if answered(session, invocation_id):
                    self._turn(obs, run, time.perf_counter() - run.start, None, session)
                else:
                    obs.record(events.TurnAbandoned(agent_id=run.agent_id))
            except Exception:
                obs.internal_error(c.COMPONENT_ADK_PLUGIN)

    def _finish_run(
        self, obs: runtime.Observability, invocation_context: Any, error: Exception | None
    ) -> None:
        invocation_id = invocation_context.invocation_id
        run: deferred.Run | None = self._runs.pop(invocation_id, None)
        if run is None or run.invocation_id != invocation_id:  # none, or a nested run
            return
        seconds = time.perf_counter() - run.start
        if run.agent_token is not None:
            # Left in place when this hook runs in another context: the run may stay there,
            # but not the runs before it (its token holds the value it replaced).
            leave_run(run.agent_token)
            run.agent_token = None
        if run.nested:
            self._drop_nested(run)
        if run.models:
            self._forget_models(run)
        if run.task is not None and run.on_done is not None:
            run.task.remove_done_callback(run.on_done)
            run.on_done = None  # it holds the session: a run left in a context var must not
        session = invocation_context.session
        if error is None:
            history = getattr(session, "events", None)
            if (
                # in flight for a run its consumer closed early (GeneratorExit: `break`,
                # aclose(); CancelledError: Runner.run's caller stopped reading)
                isinstance(sys.exception(), GIVEN_UP)
                or (history and getattr(history[-1], "error_code", None) == ABORT_SEAL_CODE)
            ) and not answered(session, invocation_id):
                # Closed early (the consumer stopped reading, or the run's abort_signal was
                # set, as ADK's API server does when its client disconnects: ADK seals the run
                # in its session) before its answer: ADK calls after_run as for a clean end,
                # but the user got no answer. Abandoned, as if cancelled. (A consumer that
                # breaks once it has the final response got it: a turn.)
                obs.record(events.TurnAbandoned(agent_id=run.agent_id))
                return
        self._turn(obs, run, seconds, error, session)

    def _turn(
        self,
        obs: runtime.Observability,
        run: deferred.Run,
        seconds: float,
        error: Exception | None,
        session: Any,
    ) -> None:
        """The run ended as a turn (ok, or failed with `error`)."""
        if run.recording:  # now: ADK ends the span after this hook
            code = c.STATUS_CODE_OK if error is None else c.STATUS_CODE_ERROR
            run.span.set_attributes(events.turn_span_attributes(code, run.cost))
        obs.defer(
            c.COMPONENT_ADK_PLUGIN,
            deferred.turn,
            obs,
            run,
            seconds,
            error is None,
            "" if error is None else type(error).__qualname__,
            run.invocation_id,
            session,
            call_origin(),
            self._session_size,
        )

    def _forget_models(self, run: deferred.Run) -> None:
        """The run ended with model calls no hook ended: a callback answered for the model (ADK
        then calls no model hook), or the run was cancelled during the call."""
        ids = {run.invocation_id, *(run.nested or ())}
        for key in [key for key in self._models if key[0] in ids]:
            del self._models[key]

    def _drop_nested(self, run: deferred.Run) -> None:
        """The run ended: the runs nested in it that never ended (cancelled) end with it."""
        for invocation_id in run.nested or ():
            self._runs.pop(invocation_id, None)

    def _call_of(
        self, obs: runtime.Observability, context: Any, run: deferred.Run | None
    ) -> tuple[str, Any]:
        """A model or tool call's agent_id and trace context: its run's (if in flight)."""
        if run is not None:
            return run.agent_id, None
        ctx = deferred.valid(trace.get_current_span().get_span_context())
        return obs.label(self._agent_id or context.agent_name), ctx

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
        key = self._model_key(callback_context)
        self._models.put(key, streaming.ModelCall(time.perf_counter(), llm_request.model))
        run: deferred.Run | None = self._runs.get(key[0])
        if run is not None:
            run.models += 1

    def _after_model(
        self, obs: runtime.Observability, callback_context: Any, llm_response: Any
    ) -> None:
        if llm_response.partial:  # streaming chunk: the final response carries the totals
            self._chunk(callback_context, llm_response)
            return
        key = self._model_key(callback_context)
        started = self._models.pop(key, None)
        if started is not None:
            run: deferred.Run | None = self._runs.get(key[0])
            if run is not None:
                run.models -= 1
            self._model_done(
                obs,
                callback_context,
                run,
                started,
                llm_response.error_code is None,
                llm_response.usage_metadata,
            )

    def _chunk(self, callback_context: Any, llm_response: Any) -> None:
        """A streamed chunk: maybe the first of its model call, and of its run (streaming.py)."""
        call = self._models.get(self._model_key(callback_context))
        streaming.first_chunk(call, self._runs.get(callback_context.invocation_id), llm_response)

    def _model_error(
        self, obs: runtime.Observability, callback_context: Any, error: Exception
    ) -> None:
        key = self._model_key(callback_context)
        started = self._models.pop(key, None)
        if started is not None:
            run: deferred.Run | None = self._runs.get(key[0])
            if run is not None:
                run.models -= 1
            self._model_done(
                obs, callback_context, run, started, False, None, type(error).__qualname__
            )

    def _model_done(
        self,
        obs: runtime.Observability,
        callback_context: Any,
        run: deferred.Run | None,
        started: streaming.ModelCall,
        ok: bool,
        meta: Any,
        error_type: str = "",
    ) -> None:
        seconds = time.perf_counter() - started.start
        agent_id, ctx = self._call_of(obs, callback_context, run)
        counts = None
        if meta:  # the four counts as ADK gave them (usage_of checks them on the worker)
            counts = (
                meta.prompt_token_count,
                meta.candidates_token_count,
                meta.cached_content_token_count,
                meta.thoughts_token_count,
            )
        priced = None
        if run is not None and run.recording:  # the run's span gets the turn's cost in after_run
            priced = deferred.priced(obs, started.model, counts)
            run.cost += priced[1] or 0.0
        log_ctx, origin = _debug_line(obs)
        obs.defer(
            c.COMPONENT_ADK_PLUGIN,
            deferred.llm_call,
            obs,
            run,
            agent_id,
            ctx,
            started,
            seconds,
            ok,
            counts,
            error_type,
            priced,
            log_ctx,
            origin,
        )

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
        if isinstance(error, asyncio.CancelledError):
            # ADK calls this hook for a cancelled call too (a parallel call failed, the run was
            # cancelled or closed early), for cleanup: the tool neither failed nor finished.
            self._guard(self._tool_cancelled, tool_context)
        else:
            self._guard(self._tool_done, tool, tool_context, False, type(error).__qualname__)

    def _before_tool(self, obs: runtime.Observability, tool_context: Any) -> None:
        self._tools.put(_call_key(tool_context), time.perf_counter())
        run: deferred.Run | None = self._runs.get(tool_context.invocation_id)
        if run is not None:
            run.tools += 1

    def _tool_cancelled(self, obs: runtime.Observability, tool_context: Any) -> None:
        if self._tools.pop(_call_key(tool_context), None) is not None:
            run: deferred.Run | None = self._runs.get(tool_context.invocation_id)
            if run is not None:
                run.tools -= 1

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
        run: deferred.Run | None = self._runs.get(tool_context.invocation_id)
        if run is not None:
            run.tools -= 1
        agent_id, ctx = self._call_of(obs, tool_context, run)
        server = ""
        if _is_mcp_tool(tool):
            server = obs.label(self._server_name(tool))
            span = trace.get_current_span()  # ADK's execute_tool span
            span.set_attribute(c.SPAN_ATTR_MCP_SERVER, server)
            span.set_attribute(mcp_attributes.MCP_METHOD_NAME, c.MCP_METHOD_TOOLS_CALL)
        caller = None
        if audit.enabled():  # the audit line's caller, from the context of this call
            session = getattr(tool_context, "session", None)
            caller = (
                getattr(tool_context, "user_id", None),
                getattr(session, "id", None),
                getattr(tool_context, "invocation_id", None),
            )
        log_ctx, origin = _debug_line(obs)
        obs.defer(
            c.COMPONENT_ADK_PLUGIN,
            deferred.tool_call,
            obs,
            run,
            agent_id,
            ctx,
            tool.name,
            caller,
            server,
            seconds,
            ok,
            error_type,
            log_ctx,
            origin,
        )


def _call_key(tool_context: Any) -> Any:
    """A tool call's key in the in-flight map: its id (the model may choose it), bounded."""
    return bounded_key(str(tool_context.function_call_id))


def _is_mcp_tool(tool: Any) -> bool:
    return hasattr(tool, "_mcp_session_manager")
