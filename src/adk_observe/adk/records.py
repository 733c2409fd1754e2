"""What the plugin's hooks queue: one `apply_*` call per run, model call and tool call.

The hooks capture what they saw (times, span contexts, token counts); these functions, run by
the recorder's worker (or at once, see `Observability.record`), format the ids, update the
metrics and write the log lines.
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
from adk_observe.instrument import runtime
from adk_observe.instrument.cost import Usage
from adk_observe.instrument.recorder import Origin, call_origin


@dataclass
class Run:
    """One run in flight, from before_run to after_run (or on_run_error)."""

    agent_id: str
    start: float
    span: Any  # ADK's span of the run (status code and cost go on it)
    ctx: SpanContext | None  # its context: trace ids of the log line and the exemplars
    cost: float = 0.0
    task: asyncio.Task[Any] | None = None
    on_done: Callable[[asyncio.Task[Any]], None] | None = None


Line = tuple[SpanContext | None, Origin]  # a DEBUG per-call line's span and origin


def valid_context(ctx: SpanContext) -> SpanContext | None:
    return ctx if ctx.is_valid else None


def exemplar(ctx: SpanContext | None) -> str:
    """The trace id an exemplar carries: only a sampled trace can be looked up."""
    return format(ctx.trace_id, "032x") if ctx is not None and ctx.trace_flags.sampled else ""


def log_ids(ctx: SpanContext | None) -> tuple[str, str]:
    if ctx is None:
        return "", ""
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")


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
    metrics = obs.metrics
    metrics.turn_finished(run.agent_id, seconds, ok, exemplar(run.ctx))
    metrics.interaction_cost(run.agent_id, obs.options.cost_center, run.cost)
    metrics.latest_session(run.agent_id, session, sizer)
    level = logging.INFO if ok else logging.WARNING
    if obs.logger.isEnabledFor(level):
        fields = {
            c.LABEL_AGENT_ID: run.agent_id,
            c.LABEL_STATUS_CODE: c.STATUS_CODE_OK if ok else c.STATUS_CODE_ERROR,
            c.LOG_COST: run.cost,
            c.LOG_DURATION_MS: round(seconds * 1000, 3),
            c.LOG_INVOCATION_ID: invocation_id,
        }
        message = c.LOG_MESSAGE_AGENT_TURN
        if error is not None:
            fields[c.LOG_ERROR_TYPE] = type(error).__qualname__
            message = c.LOG_MESSAGE_AGENT_TURN_FAILED
        obs.log(level, message, fields, log_ids(run.ctx), origin)


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
    metrics = obs.metrics
    metrics.llm_call(agent_id, model, seconds, ok, usage, exemplar(ctx))
    metrics.cost_recorded(agent_id, model, obs.options.cost_center, cost)
    if line is not None:
        fields = {
            c.LABEL_AGENT_ID: agent_id,
            c.LABEL_MODEL: model,
            c.LABEL_STATUS: c.STATUS_OK if ok else c.STATUS_ERROR,
            c.LOG_INPUT_TOKENS: usage.input,
            c.LOG_OUTPUT_TOKENS: usage.output,
            c.LOG_CACHED_TOKENS: usage.cached,
            c.LOG_REASONING_TOKENS: usage.reasoning,
            c.LOG_DURATION_MS: round(seconds * 1000, 3),
        }
        _debug(obs, c.LOG_MESSAGE_LLM_CALL, fields, error_type, line)


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
    metrics = obs.metrics
    trace_id = exemplar(ctx)
    metrics.tool_call(agent_id, tool_name, seconds, ok, trace_id)
    if server:
        metrics.mcp_call(agent_id, server, tool_name, seconds, ok, trace_id)
    if line is not None:
        fields = {
            c.LABEL_AGENT_ID: agent_id,
            c.LABEL_TOOL: tool_name,
            c.LABEL_STATUS: c.STATUS_OK if ok else c.STATUS_ERROR,
            c.LOG_DURATION_MS: round(seconds * 1000, 3),
        }
        if server:
            fields[c.LABEL_MCP_SERVER] = server
        _debug(obs, c.LOG_MESSAGE_TOOL_CALL, fields, error_type, line)


def _debug(
    obs: runtime.Observability, message: str, fields: dict[str, Any], error_type: str, line: Line
) -> None:
    if error_type:
        fields[c.LOG_ERROR_TYPE] = error_type
    obs.log(logging.DEBUG, message, fields, log_ids(line[0]), line[1])


def debug_line(
    obs: runtime.Observability,
) -> Line | None:
    """What a DEBUG per-call line needs from the hook (the current span, time, thread), if on."""
    if not obs.logger.isEnabledFor(logging.DEBUG):
        return None
    return valid_context(trace.get_current_span().get_span_context()), call_origin()
