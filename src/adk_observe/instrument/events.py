"""One recorder of agent events for both front ends: the plain API (`instrument/calls.py`) and the
ADK plugin (`adk/`). Whoever saw a turn, an LLM call or a tool call hands it here, so the same
event gives the same metrics, the same log line and the same cost whichever way it was captured.

Span attributes stay with the callers (the plain API owns its spans, the plugin enriches ADK's),
but both take them from `turn_span_attributes`, `llm_span_attributes` and `failed_span`.
"""

from __future__ import annotations

import logging
from typing import Any

from opentelemetry.semconv.attributes import error_attributes, http_attributes
from opentelemetry.trace import SpanContext, Status, StatusCode

from adk_observe import conventions as c
from adk_observe.instrument import genai, runtime
from adk_observe.instrument.cost import Usage
from adk_observe.instrument.recorder import Origin
from adk_observe.instrument.sessions import NO_SESSION, SessionIds


def exemplar(ctx: SpanContext | None) -> str:
    """The trace id an exemplar carries: only a sampled trace can be looked up."""
    return format(ctx.trace_id, "032x") if ctx is not None and ctx.trace_flags.sampled else ""


def log_ids(ctx: SpanContext | None) -> tuple[str, str]:
    if ctx is None:
        return "", ""
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")


def _status(ok: bool) -> str:
    return c.STATUS_OK if ok else c.STATUS_ERROR


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def turn(
    obs: runtime.Observability,
    agent_id: str,
    seconds: float,
    ok: bool,
    status_code: str,
    ctx: SpanContext | None,
    cost: float,
    *,
    error_type: str = "",
    method: str = c.METHOD_TURN,
    endpoint: str = c.ENDPOINT_AGENT,
    invocation_id: str = "",
    origin: Origin | None = None,
    session: SessionIds = NO_SESSION,
) -> None:
    """A finished turn. A failed one logs at WARNING as "agent turn failed" with its error
    type; a good one at INFO."""
    obs.metrics.turn_finished(agent_id, seconds, ok, exemplar(ctx), method, endpoint, status_code)
    obs.metrics.interaction_cost(agent_id, obs.options.cost_center, cost)
    level = logging.INFO if ok else logging.WARNING
    if not obs.logger.isEnabledFor(level):
        return
    fields: dict[str, Any] = {
        c.LABEL_AGENT_ID: agent_id,
        c.LABEL_STATUS_CODE: status_code,
        c.LOG_COST: cost,
        c.LOG_DURATION_MS: _ms(seconds),
    }
    if invocation_id:
        fields[c.LOG_INVOCATION_ID] = invocation_id
    if session is not NO_SESSION:
        fields.update(session.log_fields())
    message = c.LOG_MESSAGE_AGENT_TURN
    if not ok:
        fields[c.LOG_ERROR_TYPE] = error_type or c.STATUS_ERROR
        message = c.LOG_MESSAGE_AGENT_TURN_FAILED
    obs.log(level, message, fields, log_ids(ctx), origin)


def llm(
    obs: runtime.Observability,
    agent_id: str,
    model: str,
    seconds: float,
    ok: bool,
    usage: Usage,
    cost: float | None,
    ctx: SpanContext | None,
    *,
    error_type: str = "",
    log_ctx: SpanContext | None = None,
    origin: Origin | None = None,
) -> None:
    """A finished LLM call (exemplar from `ctx`, log line ids from `log_ctx`, default `ctx`).
    `cost` None: the model has no price (counted as unpriced)."""
    obs.metrics.llm_call(agent_id, model, seconds, ok, usage, exemplar(ctx))
    obs.metrics.cost_recorded(agent_id, model, obs.options.cost_center, cost)
    if obs.logger.isEnabledFor(logging.DEBUG):
        fields: dict[str, Any] = {
            c.LABEL_AGENT_ID: agent_id,
            c.LABEL_MODEL: model,
            c.LABEL_STATUS: _status(ok),
            c.LOG_INPUT_TOKENS: usage.input,
            c.LOG_OUTPUT_TOKENS: usage.output,
            c.LOG_CACHED_TOKENS: usage.cached,
            c.LOG_REASONING_TOKENS: usage.reasoning,
            c.LOG_DURATION_MS: _ms(seconds),
        }
        _debug(obs, c.LOG_MESSAGE_LLM_CALL, fields, ok, error_type, log_ctx or ctx, origin)


def tool(
    obs: runtime.Observability,
    agent_id: str,
    tool_name: str,
    server: str,
    seconds: float,
    ok: bool,
    ctx: SpanContext | None,
    *,
    error_type: str = "",
    log_ctx: SpanContext | None = None,
    origin: Origin | None = None,
) -> None:
    """A finished tool call; with `server` it is an MCP tool call and counts as both."""
    trace_id = exemplar(ctx)
    obs.metrics.tool_call(agent_id, tool_name, seconds, ok, trace_id)
    if server:
        obs.metrics.mcp_call(agent_id, server, tool_name, seconds, ok, trace_id)
    if obs.logger.isEnabledFor(logging.DEBUG):
        fields: dict[str, Any] = {
            c.LABEL_AGENT_ID: agent_id,
            c.LABEL_TOOL: tool_name,
            c.LABEL_STATUS: _status(ok),
            c.LOG_DURATION_MS: _ms(seconds),
        }
        if server:
            fields[c.LABEL_MCP_SERVER] = server
        _debug(obs, c.LOG_MESSAGE_TOOL_CALL, fields, ok, error_type, log_ctx or ctx, origin)


def _debug(
    obs: runtime.Observability,
    message: str,
    fields: dict[str, Any],
    ok: bool,
    error_type: str,
    ctx: SpanContext | None,
    origin: Origin | None,
) -> None:
    if not ok:
        fields[c.LOG_ERROR_TYPE] = error_type or c.STATUS_ERROR
    obs.log(logging.DEBUG, message, fields, log_ids(ctx), origin)


# --- span attributes, shared by the plain API's spans and ADK's --------------------------------


def turn_span_attributes(status_code: str, cost: float) -> dict[str, Any]:
    """A status code that is not a number (set by the caller) stays off the span."""
    attrs: dict[str, Any] = {c.SPAN_ATTR_COST: cost}
    if status_code.isascii() and status_code.isdigit():
        attrs[http_attributes.HTTP_RESPONSE_STATUS_CODE] = int(status_code)
    return attrs


def llm_span_attributes(usage: Usage, cost: float | None) -> dict[str, Any]:
    return {**genai.usage_attributes(usage), c.SPAN_ATTR_COST: cost or 0.0}


def failed_span(span: Any, error_type: str) -> None:
    span.set_status(Status(StatusCode.ERROR, error_type))
    span.set_attribute(error_attributes.ERROR_TYPE, error_type)
