"""The worker's part of each `ObservabilityPlugin` hook: what the hook queued (times, ids,
token counts, the in-flight `Run`) becomes the event it records.

The hooks (adk/plugin.py) run between ADK's steps, where every line costs several times what it
costs in a batch (the CPU caches hold ADK's code and data); these functions run on the work
queue's worker (`Observability.defer`; at once, in the hook, with `background_recording` off), in
the order the hooks queued them: a run's start before its calls, its calls before its end. So a
`Run`'s trace context and session ids are set here before any call of the run reads them, and
its cost is complete when its Turn is built. A run whose span is recording had its session ids
and cost taken in the hooks instead (ADK ends the span before the worker runs), and these
functions use those.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from opentelemetry.trace import SpanContext

from adk_observe import conventions as c
from adk_observe.adk.streaming import ModelCall
from adk_observe.instrument import audit, events, runtime
from adk_observe.instrument.cost import Usage, usage_of
from adk_observe.instrument.events import Origin
from adk_observe.instrument.sessions import NO_SESSION, AdkTurnCounter, SessionIds

_NO_USAGE = Usage()


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
    agent_token: Any = None  # the context variable token of the run in progress (enter_run)
    recording: bool = False  # its span records: its attributes (and its cost) are set in hooks
    invocation_id: str = ""
    models: int = 0  # its model calls in flight (more when it ends: forget them)
    nested: list[str] | None = None  # runs inside it (an AgentTool's Runner): their invocations
    tools: int = 0  # its tool calls in flight (a run starting inside one is nested in it)


def valid(ctx: SpanContext) -> SpanContext | None:
    return ctx if ctx.is_valid else None


def session_ids(
    obs: runtime.Observability, session: Any, invocation_id: str, turn_index: AdkTurnCounter
) -> SessionIds:
    """The Runner's session and user ids, and the run's index in the session (counted from the
    session's events: the run's own are appended meanwhile, and the count stops at them)."""
    if session is None:
        return NO_SESSION
    index = turn_index(session, invocation_id)
    return obs.sessions.ids(getattr(session, "id", None), getattr(session, "user_id", None), index)


# --- the worker's part of each hook (Observability.defer): derive, build the event, record -------


def run_started(
    obs: runtime.Observability,
    run: Run,
    session: Any,
    invocation_id: str,
    turn_index: AdkTurnCounter,
) -> None:
    """before_run: the run's trace context and session ids (set in the hook when recording)."""
    run.ctx = valid(run.span.get_span_context())
    if not run.recording:
        run.session = session_ids(obs, session, invocation_id, turn_index)
    obs.apply(events.TurnStarted(agent_id=run.agent_id))


def priced(
    obs: runtime.Observability, model: Any, counts: tuple[Any, Any, Any, Any] | None
) -> tuple[Usage, float | None]:
    """An LLM call's token usage (ADK's usage metadata counts) and its cost."""
    usage = _NO_USAGE
    if counts is not None:
        usage, refused = usage_of(*counts)
        if refused:
            obs.metrics.drop(c.SINK_METRICS, refused)
    return usage, obs.llm_cost(model_name(model), usage)


def llm_call(
    obs: runtime.Observability,
    run: Run | None,
    agent_id: str,
    ctx: SpanContext | None,
    started: ModelCall,
    seconds: float,
    ok: bool,
    counts: tuple[Any, Any, Any, Any] | None,
    error_type: str,
    known: tuple[Usage, float | None] | None,
    log_ctx: SpanContext | None,
    origin: Origin | None,
) -> None:
    """A finished model call: usage, cost (added to its run's) and the LlmCall event. `known`:
    the usage and cost the hook took (its run's span records)."""
    if known is None:
        known = priced(obs, started.model, counts)
        if run is not None and known[1]:
            run.cost += known[1]  # the turn's cost, read by its Turn event (queued later)
    usage, cost = known
    obs.apply(
        events.LlmCall(
            agent_id=agent_id,
            model=obs.label(model_name(started.model)),
            seconds=seconds,
            ok=ok,
            usage=usage,
            cost=cost,
            cost_center=obs.options.cost_center,
            error_type=error_type,
            first_token=started.first_token,
            ctx=run.ctx if run is not None else ctx,
            log_ctx=log_ctx,
            origin=origin,
        )
    )


def tool_call(
    obs: runtime.Observability,
    run: Run | None,
    agent_id: str,
    ctx: SpanContext | None,
    name: Any,
    caller: tuple[Any, Any, Any] | None,
    server: str,
    seconds: float,
    ok: bool,
    error_type: str,
    log_ctx: SpanContext | None,
    origin: Origin | None,
) -> None:
    """A finished tool call: the ToolCall event and (audit on) its audit line."""
    if run is not None:
        ctx = run.ctx
    tool_name = obs.label(name)
    if not ok and not error_type:
        error_type = c.ERROR_TYPE_MCP_TOOL if server else c.ERROR_TYPE_TOOL
    obs.apply(
        events.ToolCall(
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
    )
    trace_id = format(ctx.trace_id, "032x") if ctx is not None else ""
    if caller is not None:
        user_id, session_id, invocation_id = caller
        audit.record_tool(
            obs,
            user_id=obs.sessions.user(user_id),  # as on spans: the raw id never leaves
            session_id=session_id,
            invocation_id=invocation_id,
            agent_id=agent_id,
            tool=tool_name,
            ok=ok,
            error_type=error_type,
            mcp_server=server,
            trace_id=trace_id,
        )


def model_name(model: Any) -> str:
    return str(model or c.UNKNOWN_MODEL)


def turn(
    obs: runtime.Observability,
    run: Run,
    seconds: float,
    ok: bool,
    error_type: str,
    invocation_id: str,
    session: Any,
    origin: Origin,
    measure: Callable[[Any], int],
) -> None:
    """after_run: the Turn event (its cost: every call's, queued before it)."""
    obs.apply(
        events.Turn(
            agent_id=run.agent_id,
            seconds=seconds,
            ok=ok,
            status_code=c.STATUS_CODE_OK if ok else c.STATUS_CODE_ERROR,
            cost=run.cost,
            cost_center=obs.options.cost_center,
            error_type=error_type,
            invocation_id=invocation_id,
            first_token=run.first_token,
            ctx=run.ctx,
            origin=origin,
            session=session,
            measure=measure,
            session_ids=run.session,
        )
    )
