"""What the plugin's hooks queue: one `apply_*` call per run, model call and tool call.

The hooks capture what they saw (times, span contexts, token counts); these functions, run by
the recorder's worker (or at once, see `Observability.record`), hand each event to
`instrument/events.py`, the recorder the plain API uses too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanContext

from adk_observe import conventions as c
from adk_observe.instrument import events, runtime
from adk_observe.instrument.cost import Usage
from adk_observe.instrument.recorder import Origin, call_origin
from adk_observe.instrument.sessions import NO_SESSION, SessionIds

Line = tuple[SpanContext | None, Origin]  # a DEBUG per-call line's span and origin


@dataclass
class Run:
    """One run in flight, from before_run to after_run (or on_run_error)."""

    agent_id: str
    start: float
    span: Any  # ADK's span of the run (status code and cost go on it)
    ctx: SpanContext | None  # its context: trace ids of the log line and the exemplars
    cost: float = 0.0
    session: SessionIds = NO_SESSION  # the run's session.id, user.id and turn index
    task: asyncio.Task[Any] | None = None
    on_done: Callable[[asyncio.Task[Any]], None] | None = None


def valid_context(ctx: SpanContext) -> SpanContext | None:
    return ctx if ctx.is_valid else None


def apply_turn(
    obs: runtime.Observability,
    run: Run,
    seconds: float,
    error: BaseException | None,
    invocation_id: str,
    session: Any,
    sizer: Callable[[Any], int],
    origin: Origin,
) -> None:
    ok = error is None
    code = c.STATUS_CODE_OK if ok else c.STATUS_CODE_ERROR
    error_type = type(error).__qualname__ if error is not None else ""
    events.turn(
        obs,
        run.agent_id,
        seconds,
        ok,
        code,
        run.ctx,
        run.cost,
        error_type=error_type,
        invocation_id=invocation_id,
        origin=origin,
        session=run.session,
    )
    obs.metrics.latest_session(run.agent_id, session, sizer)


def apply_model(
    obs: runtime.Observability,
    agent_id: str,
    model: str,
    seconds: float,
    ok: bool,
    usage: Usage,
    ctx: SpanContext | None,
    cost: float | None,
    error_type: str,
    line: Line | None,
) -> None:
    log_ctx, origin = line if line is not None else (ctx, None)
    events.llm(
        obs,
        agent_id,
        model,
        seconds,
        ok,
        usage,
        cost,
        ctx,
        error_type=error_type,
        log_ctx=log_ctx,
        origin=origin,
    )


def apply_tool(
    obs: runtime.Observability,
    agent_id: str,
    tool_name: str,
    server: str,
    seconds: float,
    ok: bool,
    ctx: SpanContext | None,
    error_type: str,
    line: Line | None,
) -> None:
    log_ctx, origin = line if line is not None else (ctx, None)
    events.tool(
        obs,
        agent_id,
        tool_name,
        server,
        seconds,
        ok,
        ctx,
        error_type=error_type,
        log_ctx=log_ctx,
        origin=origin,
    )


def debug_line(obs: runtime.Observability) -> Line | None:
    """What a DEBUG per-call line needs from the hook (the current span, time, thread), if on."""
    if not obs.logger.isEnabledFor(logging.DEBUG):
        return None
    return valid_context(trace.get_current_span().get_span_context()), call_origin()
