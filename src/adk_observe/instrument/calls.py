"""Context managers and decorators for any agent: `agent_turn`, `llm_call`, `tool_call`,
`mcp_call`. They produce the same metrics, spans and log fields as the ADK plugin, need no ADK,
and do nothing (cheaply) before `adk_observe.init()`.

    with agent_turn("support") as turn:
        with llm_call("gpt-4o") as call:
            reply = client.chat(...)
            call.record_usage(reply.usage.prompt_tokens, reply.usage.completion_tokens)
        with mcp_call("github", "create_issue") as call:
            call.record_result(session.call_tool(...))   # isError results count as errors

Each also decorates sync and async functions: `@tool_call("search")`.

Over 400 lines: the four front ends share one `_Scope`, which splitting would split.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import inspect
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar, cast

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.semconv._incubating.attributes import mcp_attributes
from opentelemetry.trace import Span, SpanContext

from adk_observe import conventions as c
from adk_observe.instrument import enclosing, events, genai, runtime, streams
from adk_observe.instrument.cost import Usage, usage_of
from adk_observe.instrument.labels import label_value
from adk_observe.instrument.sessions import NO_SESSION, SessionIds

F = TypeVar("F", bound=Callable[..., Any])
_STATUS_MAX = 1024  # characters of a status code kept before the label cut
_turn = enclosing.turn  # the open AgentTurn, if any
# What ends a turn as abandoned rather than failed, in every front end (the ADK plugin too): its
# task was cancelled (a client that went away, an `asyncio.timeout` around the block, a server
# shutting down), or its generator was closed before its end (a consumer that stopped reading).
# Exceptions stay errors.
GIVEN_UP = (asyncio.CancelledError, GeneratorExit)


def is_error_result(result: object) -> bool:
    """An MCP CallToolResult (object or dumped dict) that reports `isError`. A flag that cannot
    be read as true or false (its truth value or its property raises) is no clean success: an
    error, never an exception in the agent's code."""
    try:
        if isinstance(result, dict):
            return bool(result.get("isError") or result.get("is_error"))
        return bool(getattr(result, "isError", False) or getattr(result, "is_error", False))
    except Exception:
        return True


def _given(obs: runtime.Observability, name: object) -> str:
    """A name the caller may leave out (a provider, an MCP server) as its label value; '' when
    not given."""
    return "" if name is None else obs.label(name)


class _Scope:
    """Times a block, opens a span, records metrics and a log line on exit."""

    operation = ""

    def __init__(self) -> None:
        self.ok = True
        self.obs: runtime.Observability | None = None
        self.span: Span | None = None
        self._token: object = None
        self._start = 0.0
        self.error_type = ""
        self.ended = False  # the block was left: a first token marked now is none of its own

    def _copy(self) -> _Scope:
        raise NotImplementedError

    def _subject(self) -> str:
        """What the span's name names after its operation (agent, model or tool)."""
        return ""

    def _attributes(self, obs: runtime.Observability, subject: str) -> dict[str, Any]:
        """The span's attributes when it starts; `subject`: `_subject()` as its label value. Every
        name from the caller goes on the span as its label value (text a span carries: an OTLP
        exporter cannot encode a lone surrogate, an attribute that is no text is dropped)."""
        raise NotImplementedError

    def _record(self, obs: runtime.Observability, seconds: float, ctx: SpanContext) -> None:
        raise NotImplementedError

    def fail(self, error_type: str = "error") -> None:
        """Mark the call failed without raising."""
        self.ok = False
        self.error_type = error_type

    def __enter__(self) -> Any:
        obs = self.obs = runtime.current()
        self.ended = False
        if obs is None:
            return self
        # The name (a value from the caller) is cut and cleaned like a label value: text,
        # whatever the caller passed (an object whose str() fails included).
        subject = label_value(self._subject(), obs.options.label_value_max_length)
        self.span = obs.tracer.start_span(
            genai.span_name(self.operation, subject),
            kind=genai.KINDS[self.operation],
            attributes=self._attributes(obs, subject),
        )
        self._token = otel_context.attach(trace.set_span_in_context(self.span))
        self._start = time.perf_counter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        obs, span = self.obs, self.span
        self.ended = True
        if obs is None or span is None:
            return
        seconds = time.perf_counter() - self._start
        if exc is not None:
            self.fail(type(exc).__qualname__)
            try:
                span.record_exception(exc)
            except Exception:  # its str() raised: the block still ends, `exc` still propagates
                obs.internal_error(c.COMPONENT_INSTRUMENT)
        try:
            if not self.ok:
                events.failed_span(span, self.error_type)
            self._record(obs, seconds, span.get_span_context())
        except Exception:
            obs.internal_error(c.COMPONENT_INSTRUMENT)
        finally:
            span.end()
            self.suspend()

    def closed(self) -> None:
        """Its stream (a decorated generator) was closed before its end: for a call, no
        failure (the consumer had what it wanted); a turn is abandoned (AgentTurn)."""

    def suspend(self) -> None:
        """Make the block's span no longer current (a generator between two steps: streams.py)."""
        if self._token is not None:
            otel_context.detach(self._token)  # type: ignore[arg-type]
            self._token = None

    def resume(self) -> None:
        """Make the block's span current again (the generator's next step)."""
        if self.span is not None and self._token is None:
            self._token = otel_context.attach(trace.set_span_in_context(self.span))

    async def __aenter__(self) -> Any:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    def __call__(self, func: F) -> F:
        if inspect.isasyncgenfunction(func):  # a stream: the block lasts the iteration
            return cast(F, streams.wrap_async_generator(self._copy, func))
        if inspect.isgeneratorfunction(func):
            return cast(F, streams.wrap_generator(self._copy, func))
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with self._copy():
                    return await func(*args, **kwargs)

            return cast(F, async_wrapper)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._copy():
                return func(*args, **kwargs)

        return cast(F, wrapper)


class AgentTurn(_Scope):
    """One agent turn: requests, duration, active conversations, successful interactions.

    `session_id` and `user_id` go on the turn's span (`session.id`, `user.id`: a keyed pseudonym
    unless the `user_id_mode` option says otherwise) and its log line, never on a metric; the
    turn's index within its session is counted in this process unless `turn_index` is given.
    `provider`: the `gen_ai.provider.name` of the model behind the agent (openai, gcp.gemini,
    anthropic, ...), when known."""

    operation = c.OPERATION_INVOKE_AGENT

    def __init__(
        self,
        agent_id: str | None = None,
        *,
        method: str = c.METHOD_TURN,
        endpoint: str = c.ENDPOINT_AGENT,
        session_id: str | None = None,
        user_id: str | None = None,
        turn_index: int | None = None,
        provider: str = "",
    ) -> None:
        super().__init__()
        self.agent_id, self.method, self.endpoint = agent_id, method, endpoint
        self._session = (session_id, user_id, turn_index)
        self.session: SessionIds = NO_SESSION  # the safe ids, set when the turn starts
        self.provider = provider
        self.status_code: str | None = None
        self.cost = 0.0
        self.time_to_first_token: float | None = None
        self.abandoned = False
        self._turn_token: contextvars.Token[AgentTurn | None] | None = None

    def _copy(self) -> AgentTurn:
        session_id, user_id, turn_index = self._session
        return AgentTurn(
            self.agent_id,
            method=self.method,
            endpoint=self.endpoint,
            session_id=session_id,
            user_id=user_id,
            turn_index=turn_index,
            provider=self.provider,
        )

    def set_status_code(self, code: int | str) -> None:
        """Record `code` as the turn's status code ("5xx" marks it failed). Never raises: a
        value without text is the overflow value; text is kept to 1 KB (labels cut it further)."""
        self.status_code = label_value(code, _STATUS_MAX)
        if self.status_code.startswith("5"):
            self.ok = False

    def first_token(self) -> None:
        """The turn's first text is shown now (streamed): its time to first token. Only the
        first call counts, and only while the turn lasts; `llm_call(...).first_token()` calls it
        for its turn."""
        if self.time_to_first_token is None and self.span is not None and not self.ended:
            self.time_to_first_token = time.perf_counter() - self._start

    def abandon(self) -> None:
        """Mark the turn abandoned: the user gave up before its answer (a client that
        disconnected). It is then no request, neither a success nor an error, and counts in
        adk_agent_abandoned_turns_total; a cancelled block or a stream closed early is so
        without it."""
        self.abandoned = True

    def closed(self) -> None:
        """Its stream (a decorated generator) was closed before its end: abandoned."""
        self.abandon()

    def fail(self, error_type: str = "error", status_code: str | None = None) -> None:
        super().fail(error_type)
        if status_code is not None or self.status_code is None:
            self.status_code = status_code or c.STATUS_CODE_ERROR

    def _subject(self) -> str:
        return self.agent_id or ""

    def _attributes(self, obs: runtime.Observability, subject: str) -> dict[str, Any]:
        provider = _given(obs, self.provider)
        attrs = genai.agent_attributes(subject, provider, self.session.session_id)
        attrs.update(self.session.attributes())
        return attrs

    def __enter__(self) -> AgentTurn:
        obs = runtime.current()
        if obs is not None:
            # named on the span from its start, as the text its label is
            self.agent_id = obs.resolve_agent(obs.agent_given(self.agent_id))
            if any(v is not None for v in self._session):
                try:
                    self.session = obs.sessions.ids(*self._session)
                except Exception:
                    obs.internal_error(c.COMPONENT_INSTRUMENT)
        super().__enter__()
        if self.obs is not None:
            if self.span is not None and self._session[1] is not None:  # see span_redaction.py
                trace_id = self.span.get_span_context().trace_id
                self.obs.sessions.remember(trace_id, self._session[1])
            self.agent_id = self.obs.resolve_agent(self.agent_id)
            self.obs.apply(events.TurnStarted(agent_id=self.agent_id))
            self._turn_token = _turn.set(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._leave_turn()
        if isinstance(exc, GIVEN_UP):  # no failure of the agent's: the block still ends
            self.abandon()
            exc_type, exc, tb = None, None, None
        super().__exit__(exc_type, exc, tb)

    def _leave_turn(self) -> None:
        if self._turn_token is not None:
            # Left in another context than it was entered in (an async generator that another
            # task resumed, asyncio.wait_for): that context's value is not this block's to undo.
            with contextlib.suppress(ValueError):
                _turn.reset(self._turn_token)
            self._turn_token = None

    def suspend(self) -> None:
        self._leave_turn()
        super().suspend()

    def resume(self) -> None:
        super().resume()
        if self.span is not None and self._turn_token is None:
            self._turn_token = _turn.set(self)

    def _record(self, obs: runtime.Observability, seconds: float, ctx: SpanContext) -> None:
        if self.abandoned:
            obs.apply(events.TurnAbandoned(agent_id=obs.resolve_agent(self.agent_id), ctx=ctx))
            return
        code = self.status_code or (c.STATUS_CODE_OK if self.ok else c.STATUS_CODE_ERROR)
        turn = events.Turn(
            agent_id=obs.resolve_agent(self.agent_id),
            seconds=seconds,
            ok=self.ok,
            status_code=code,
            cost=self.cost,
            cost_center=obs.options.cost_center,
            method=obs.label(self.method),
            endpoint=obs.label(self.endpoint),
            error_type=self.error_type,
            first_token=self.time_to_first_token,
            ctx=ctx,
            session_ids=self.session,
        )
        obs.apply(turn)
        if self.span is not None:
            self.span.set_attributes(events.turn_span_attributes(code, self.cost))
            if self.time_to_first_token is not None:
                self.span.set_attribute(c.SPAN_ATTR_TIME_TO_FIRST_TOKEN, self.time_to_first_token)


class LlmCall(_Scope):
    operation = c.OPERATION_CHAT

    def __init__(self, model: str, agent_id: str | None = None, provider: str = "") -> None:
        super().__init__()
        self.model, self.agent_id, self.provider = model, agent_id, provider
        self.input_tokens: float = 0
        self.output_tokens: float = 0
        self.cached_tokens: float = 0
        self.reasoning_tokens: float = 0
        self.refused_counts = 0  # counts record_usage refused (NaN, negative, not a number)
        self.time_to_first_token: float | None = None
        # The turn the call was entered in: first_token() may come from another thread (a
        # streaming client's callback, run_in_executor), which does not see the turn.
        self.enclosing_turn: AgentTurn | None = None

    def _copy(self) -> LlmCall:
        return LlmCall(self.model, self.agent_id, self.provider)

    def record_usage(
        self,
        input_tokens: int | None = 0,
        output_tokens: int | None = 0,
        cached_tokens: int | None = 0,
        reasoning_tokens: int | None = 0,
    ) -> None:
        """Add a response's token counts. `input_tokens` is the whole prompt with
        `cached_tokens` inside it (as Gemini and OpenAI report prompts); `reasoning_tokens` are
        apart from `output_tokens` (Gemini's thoughts; for OpenAI pass completion_tokens minus
        completion_tokens_details.reasoning_tokens as output).

        Never raises: None (a count the provider left out) is 0; a count that is not a finite
        non-negative number is left out and counted in adk_observe_telemetry_dropped_total
        {sink="metrics"} when the call ends."""
        usage, refused = usage_of(input_tokens, output_tokens, cached_tokens, reasoning_tokens)
        self.input_tokens += usage.input
        self.output_tokens += usage.output
        self.cached_tokens += usage.cached
        self.reasoning_tokens += usage.reasoning
        self.refused_counts += refused

    def _subject(self) -> str:
        return self.model

    def __enter__(self) -> LlmCall:
        self.enclosing_turn = _turn.get()
        return cast(LlmCall, super().__enter__())

    def first_token(self) -> None:
        """The call's first chunk arrived now (streaming): its time to first token, and its
        turn's if the turn has none yet. Only the first call counts, and only while the call
        lasts (after its block ended it does nothing). Never raises."""
        if self.time_to_first_token is not None or self.span is None or self.ended:
            return
        self.time_to_first_token = time.perf_counter() - self._start
        if self.enclosing_turn is not None:
            self.enclosing_turn.first_token()

    def _attributes(self, obs: runtime.Observability, subject: str) -> dict[str, Any]:
        return genai.chat_attributes(subject, _given(obs, self.provider))

    def _record(self, obs: runtime.Observability, seconds: float, ctx: SpanContext) -> None:
        turn = self.enclosing_turn
        agent = obs.resolve_agent(obs.agent_given(self.agent_id), turn.agent_id if turn else None)
        usage = Usage(
            self.input_tokens, self.output_tokens, self.cached_tokens, self.reasoning_tokens
        )
        if self.refused_counts:
            obs.metrics.drop(c.SINK_METRICS, self.refused_counts)
        cost = obs.llm_cost(self.model, usage)
        if turn is not None and cost:
            turn.cost += cost
        if self.span is not None:
            self.span.set_attributes(events.llm_span_attributes(usage, cost))
            if self.time_to_first_token is not None:
                first = self.time_to_first_token
                self.span.set_attribute(c.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, first)
        call = events.LlmCall(
            agent_id=agent,
            model=obs.label(self.model),
            seconds=seconds,
            ok=self.ok,
            usage=usage,
            cost=cost,
            cost_center=obs.options.cost_center,
            error_type=self.error_type,
            first_token=self.time_to_first_token,
            ctx=ctx,
        )
        obs.apply(call)


class ToolCall(_Scope):
    operation = c.OPERATION_EXECUTE_TOOL

    def __init__(self, tool: str, agent_id: str | None = None) -> None:
        super().__init__()
        self.tool, self.agent_id = tool, agent_id

    def _copy(self) -> ToolCall:
        return ToolCall(self.tool, self.agent_id)

    def _subject(self) -> str:
        return self.tool

    def _attributes(self, obs: runtime.Observability, subject: str) -> dict[str, Any]:
        return genai.tool_attributes(subject)

    server = ""  # an MCP call's server: the call counts as an MCP call too

    def _record(self, obs: runtime.Observability, seconds: float, ctx: SpanContext) -> None:
        turn = _turn.get()
        call = events.ToolCall(
            agent_id=obs.resolve_agent(
                obs.agent_given(self.agent_id), turn.agent_id if turn else None
            ),
            tool=obs.label(self.tool),
            server=_given(obs, self.server),
            seconds=seconds,
            ok=self.ok,
            error_type=self.error_type,
            ctx=ctx,
        )
        obs.apply(call)


class McpCall(ToolCall):
    """An MCP tool call: counted as a tool call and as an MCP call (server, method)."""

    def __init__(self, server: str, method: str, agent_id: str | None = None) -> None:
        super().__init__(method, agent_id)
        self.server, self.method = server, method

    def _copy(self) -> McpCall:
        return McpCall(self.server, self.method, self.agent_id)

    def record_result(self, result: object) -> object:
        """Inspect an MCP CallToolResult: `isError` marks the call failed. Returns `result`."""
        if is_error_result(result):
            self.fail(c.ERROR_TYPE_MCP_TOOL)
        return result

    def _attributes(self, obs: runtime.Observability, subject: str) -> dict[str, Any]:
        attrs = super()._attributes(obs, subject)
        attrs[mcp_attributes.MCP_METHOD_NAME] = c.MCP_METHOD_TOOLS_CALL
        attrs[c.SPAN_ATTR_MCP_SERVER] = _given(obs, self.server)
        return attrs


# A class, not a factory of one: the same keywords, documented once.
agent_turn = AgentTurn


def llm_call(model: str, agent_id: str | None = None, provider: str = "") -> LlmCall:
    """One LLM call: calls by status, duration, tokens (`record_usage`) and cost. `provider`:
    its `gen_ai.provider.name` (openai, gcp.gemini, anthropic, ...), when known."""
    return LlmCall(model, agent_id, provider)


def tool_call(tool: str, agent_id: str | None = None) -> ToolCall:
    """One tool call: calls by status and duration."""
    return ToolCall(tool, agent_id)


def mcp_call(server: str, method: str, agent_id: str | None = None) -> McpCall:
    """One MCP tool call; `record_result()` counts `isError` results as errors."""
    return McpCall(server, method, agent_id)
