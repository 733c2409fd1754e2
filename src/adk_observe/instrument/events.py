"""The events the runtime records: one dataclass per kind.

A front end (the plain API in calls.py, the ADK plugin in adk/) builds one event object for what
it saw and hands it to `Observability.apply` (now) or `.record` (by the work queue's worker).
Applying it updates every metric whose catalogue declaration captures the event's kind
(`conventions.Capture`, resolved by instrument/captures.py) and writes the event's log line, so
the same event gives the same metrics, the same log line and the same cost whichever way it was
captured.

Fields are named as the labels they become (agent_id, model, tool, method, status_code ...), so a
capture reads a label's value from the field of the label's name; properties derive the rest
(`status`, `priced`, the sampled `trace_id` a histogram takes as its exemplar). To record a new
value, add a field here, set it where the event is captured, and declare the metric that
captures it in the catalogue.

Events are built on the agent's own path (an ADK hook) and read later by the work queue's worker:
nothing changes an event once it is built. They are not `frozen` dataclasses because a frozen
dataclass's `__init__` sets each field through `object.__setattr__`, three times the cost of a
plain slotted one (1.7 us against 0.6 us for an `LlmCall`); slots keep anything else from being
set on them, and keyword-only fields keep a front end from passing values in the wrong order.

Span attributes stay with the front ends (the plain API owns its spans, the plugin enriches
ADK's), but both take them from `turn_span_attributes`, `llm_span_attributes` and `failed_span`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from opentelemetry.semconv.attributes import error_attributes, http_attributes
from opentelemetry.trace import SpanContext, Status, StatusCode

from adk_observe import conventions as c
from adk_observe.instrument import genai
from adk_observe.instrument.cost import Usage
from adk_observe.instrument.sessions import NO_SESSION, SessionIds

Origin = tuple[float, int, str]  # time.time(), thread id and thread name of a log call
Label = Callable[[object], str]  # a value as the label (and log field) it becomes
Fields = dict[str, Any]


def call_origin() -> Origin:
    """When and where a log line was asked for (the log writer writes it later)."""
    thread = threading.current_thread()
    return time.time(), thread.ident or 0, thread.name


def exemplar(ctx: SpanContext | None) -> str:
    """The trace id an exemplar carries: only a sampled trace can be looked up."""
    return format(ctx.trace_id, "032x") if ctx is not None and ctx.trace_flags.sampled else ""


def log_ids(ctx: SpanContext | None) -> tuple[str, str]:
    if ctx is None:
        return "", ""
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


@dataclass(slots=True, kw_only=True)
class Event:
    """What every event has: its kind, its agent, and where it happened (a span, a caller)."""

    kind: ClassVar[str]
    agent_id: str
    ctx: SpanContext | None = None  # its span: the exemplar (when sampled) and the log line ids
    origin: Origin | None = None  # when and where its log line was asked for (default: applied)

    @property
    def trace_id(self) -> str:
        return exemplar(self.ctx)

    def log_level(self) -> int:
        """The level of the event's log line; 0: it has none."""
        return 0

    def log_line(self, label: Label) -> tuple[str, Fields, SpanContext | None]:
        """The message, fields and span of the event's log line (fields hold only values
        adk-observe produced, cut like labels by `label`)."""
        raise NotImplementedError


@dataclass(slots=True, kw_only=True)
class TurnStarted(Event):
    kind: ClassVar[str] = c.EVENT_TURN_STARTED


@dataclass(slots=True, kw_only=True)
class TurnAbandoned(Event):
    """A turn that was cancelled or closed before its answer: no longer active, and not a
    request either way."""

    kind: ClassVar[str] = c.EVENT_TURN_ABANDONED


@dataclass(slots=True, kw_only=True)
class Turn(Event):
    """A finished turn (an ADK run, an `agent_turn` block or an HTTP request)."""

    kind: ClassVar[str] = c.EVENT_TURN
    interaction_type: ClassVar[str] = c.INTERACTION_AGENT_TURN
    memory_type: ClassVar[str] = c.MEMORY_SESSION  # of `session`
    seconds: float
    ok: bool
    status_code: str
    cost: float
    cost_center: str
    method: str = c.METHOD_TURN
    endpoint: str = c.ENDPOINT_AGENT
    active: bool = True  # it was counted as an active conversation when it started
    error_type: str = ""
    invocation_id: str = ""
    # Seconds from the turn's start to its first token (streamed text); None: nothing streamed.
    first_token: float | None = None
    # An ADK run's session and how to measure its size (when Prometheus scrapes).
    session: Any = None
    measure: Callable[[Any], int] | None = None
    # The turn's session.id, user.id and index in its session (log line fields, never a label).
    session_ids: SessionIds = NO_SESSION

    @property
    def streamed(self) -> bool:
        return self.first_token is not None

    def log_level(self) -> int:
        """A failed turn logs at WARNING as "agent turn failed" with its error type."""
        return logging.INFO if self.ok else logging.WARNING

    def log_line(self, label: Label) -> tuple[str, Fields, SpanContext | None]:
        fields: Fields = {
            c.LABEL_AGENT_ID: label(self.agent_id),
            c.LABEL_STATUS_CODE: label(self.status_code),
            c.LOG_COST: self.cost,
            c.LOG_DURATION_MS: _ms(self.seconds),
        }
        if self.invocation_id:
            fields[c.LOG_INVOCATION_ID] = self.invocation_id
        if self.session_ids is not NO_SESSION:
            fields.update(self.session_ids.log_fields())
        if self.first_token is not None:
            fields[c.LOG_TIME_TO_FIRST_TOKEN_MS] = _ms(self.first_token)
        if self.ok:
            return c.LOG_MESSAGE_AGENT_TURN, fields, self.ctx
        fields[c.LOG_ERROR_TYPE] = self.error_type or c.STATUS_ERROR
        return c.LOG_MESSAGE_AGENT_TURN_FAILED, fields, self.ctx


@dataclass(slots=True, kw_only=True)
class _Call(Event):
    """A finished LLM or tool call: its line is DEBUG, on its own span (`log_ctx`, default
    `ctx`, which the plugin sets to the run's span for the exemplar)."""

    seconds: float
    ok: bool
    error_type: str = ""
    log_ctx: SpanContext | None = None

    @property
    def status(self) -> str:
        return c.STATUS_OK if self.ok else c.STATUS_ERROR

    def log_level(self) -> int:
        return logging.DEBUG

    def _line(self, message: str, fields: Fields) -> tuple[str, Fields, SpanContext | None]:
        fields[c.LABEL_STATUS] = self.status
        fields[c.LOG_DURATION_MS] = _ms(self.seconds)
        if not self.ok:
            fields[c.LOG_ERROR_TYPE] = self.error_type or c.STATUS_ERROR
        return message, fields, self.log_ctx or self.ctx


@dataclass(slots=True, kw_only=True)
class LlmCall(_Call):
    """A finished LLM call. `cost` None: the model has no price (counted as unpriced)."""

    kind: ClassVar[str] = c.EVENT_LLM_CALL
    model: str
    usage: Usage
    cost: float | None
    cost_center: str
    first_token: float | None = None  # seconds from the call's start to its first chunk

    @property
    def streamed(self) -> bool:
        return self.first_token is not None

    @property
    def unpriced(self) -> bool:
        return self.cost is None

    def log_line(self, label: Label) -> tuple[str, Fields, SpanContext | None]:
        fields: Fields = {
            c.LABEL_AGENT_ID: label(self.agent_id),
            c.LABEL_MODEL: label(self.model),
            c.LOG_INPUT_TOKENS: self.usage.input,
            c.LOG_OUTPUT_TOKENS: self.usage.output,
            c.LOG_CACHED_TOKENS: self.usage.cached,
            c.LOG_REASONING_TOKENS: self.usage.reasoning,
        }
        return self._line(c.LOG_MESSAGE_LLM_CALL, fields)


@dataclass(slots=True, kw_only=True)
class ToolCall(_Call):
    """A finished tool call; with a `server` it is an MCP tool call and counts as both."""

    kind: ClassVar[str] = c.EVENT_TOOL_CALL
    tool: str
    server: str = ""

    def log_line(self, label: Label) -> tuple[str, Fields, SpanContext | None]:
        fields: Fields = {c.LABEL_AGENT_ID: label(self.agent_id), c.LABEL_TOOL: label(self.tool)}
        if self.server:
            fields[c.LABEL_MCP_SERVER] = label(self.server)
        return self._line(c.LOG_MESSAGE_TOOL_CALL, fields)


@dataclass(slots=True, kw_only=True)
class Feedback(Event):
    """A user's satisfaction rating (1-5). Its log line is the caller's (it carries their
    fields), written by `Observability.record_feedback`."""

    kind: ClassVar[str] = c.EVENT_FEEDBACK
    rating: float


@dataclass(slots=True, kw_only=True)
class Evaluation(Event):
    """One verdict of an online evaluator on one answer (record_evaluation)."""

    kind: ClassVar[str] = c.EVENT_EVALUATION
    evaluator: str
    result: str  # RESULT_PASS or RESULT_FAIL
    score: float | None = None

    def log_level(self) -> int:
        return logging.INFO

    def log_line(self, label: Label) -> tuple[str, Fields, SpanContext | None]:
        fields: Fields = {
            c.LABEL_AGENT_ID: label(self.agent_id),
            c.LABEL_EVALUATOR: label(self.evaluator),
            c.LABEL_RESULT: self.result,
        }
        if self.score is not None:
            fields[c.LOG_SCORE] = self.score
        return c.LOG_MESSAGE_EVALUATION, fields, self.ctx


@dataclass(slots=True, kw_only=True)
class GuardrailDecision(Event):
    """One decision of a guardrail (record_guardrail, adk.guardrail)."""

    kind: ClassVar[str] = c.EVENT_GUARDRAIL
    guardrail: str
    decision: str  # one of GUARDRAIL_DECISIONS

    def log_level(self) -> int:
        return logging.INFO

    def log_line(self, label: Label) -> tuple[str, Fields, SpanContext | None]:
        fields: Fields = {
            c.LABEL_AGENT_ID: label(self.agent_id),
            c.LABEL_GUARDRAIL: label(self.guardrail),
            c.LABEL_DECISION: self.decision,
        }
        return c.LOG_MESSAGE_GUARDRAIL, fields, self.ctx


EVENTS: tuple[type[Event], ...] = (
    TurnStarted,
    TurnAbandoned,
    Turn,
    LlmCall,
    ToolCall,
    Feedback,
    Evaluation,
    GuardrailDecision,
)


# --- span attributes, shared by the plain API's spans and ADK's --------------------------------


def turn_span_attributes(status_code: str, cost: float) -> dict[str, Any]:
    """A status code that is not a number (set by the caller), or one past genai.INT_MAX, stays
    off the span."""
    attrs: dict[str, Any] = {c.SPAN_ATTR_COST: cost}
    if status_code.isascii() and status_code.isdigit():
        code = int(status_code)
        if code <= genai.INT_MAX:
            attrs[http_attributes.HTTP_RESPONSE_STATUS_CODE] = code
    return attrs


def llm_span_attributes(usage: Usage, cost: float | None) -> dict[str, Any]:
    return {**genai.usage_attributes(usage), c.SPAN_ATTR_COST: cost or 0.0}


def failed_span(span: Any, error_type: str) -> None:
    span.set_status(Status(StatusCode.ERROR, error_type))
    span.set_attribute(error_attributes.ERROR_TYPE, error_type)
