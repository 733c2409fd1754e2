"""`guardrail(name)`: an ADK model or tool callback declared a guardrail, its decisions counted.

ADK's callbacks are general-purpose hooks, and the OpenTelemetry GenAI conventions forbid calling
a hook a guardrail unless it was declared one: nothing is counted until a callback is wrapped.

    @adk_observe.adk.guardrail("prompt_injection")
    def screen(callback_context, llm_request):
        if looks_injected(llm_request):
            return LlmResponse(content=REFUSAL)  # block: the model is not called
        return None                              # allow

    agent = LlmAgent(..., before_model_callback=screen)

The decision follows from the callback's kind and what it returned (ADK's own semantics):

| callback | returns None | returns a value |
|---|---|---|
| before_model, before_tool | allow | block (the model or tool is not called; the value answers) |
| after_model, after_tool | allow | modify (the value replaces the output) |

ADK takes a model callback's value only when it is true: a model callback that returns a false
value (`return flagged and REFUSAL` with nothing flagged) allows, and so does an after callback
that hands back the very output it was given (it replaced nothing). A method's `self` (a class of
policies, a plugin) does not change the callback's kind. On any other callback (an
agent's, on_model_error, on_tool_error) a wrapped callback records nothing and warns once.

A callback whose return value does not say what it did calls `decide()` inside: a redaction in
place returns None but is `decide("modify")`; an output filter that swaps the answer for a
refusal is `decide("block")`. A streamed answer fires after_model for every chunk: only its final
response counts. A callback that raises is not a decision: its exception reaches ADK unchanged.
Recording never raises into the run (counted as an internal error of the ADK plugin).
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

from google.adk.models.llm_request import LlmRequest
from google.adk.models.llm_response import LlmResponse
from google.adk.tools.base_tool import BaseTool

from adk_observe import conventions as c
from adk_observe.instrument import runtime
from adk_observe.instrument.labels import label_value
from adk_observe.instrument.quality import record_guardrail

F = TypeVar("F", bound=Callable[..., Any])
_log = logging.getLogger("adk_observe")
_MODEL_SOURCES = (c.GUARDRAIL_SOURCE_BEFORE_MODEL, c.GUARDRAIL_SOURCE_AFTER_MODEL)
_NAME_MAX = 200  # of a guardrail's name in a warning
_SKIP = "skip"  # a streamed chunk's after_model call: no decision (the final response is one)
# The decision a running guardrail callback declared with `decide()` (a one-item list: set once).
_declared: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "adk_observe_guardrail_decision", default=None
)


def decide(decision: str) -> None:
    """Inside a `guardrail` callback: what it decided (allow, block or modify), when its return
    value does not say. Outside one it does nothing; it never raises."""
    declared = _declared.get()
    if declared is not None:
        declared[:] = [decision]


def _source(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[str, Any]:
    """Which ADK callback this call is, from its arguments ("" when none of the four), and the
    output an after callback was given (None before)."""
    values = (*args, *kwargs.values())
    if any(isinstance(value, BaseException) for value in values):
        return "", None  # on_model_error, on_tool_error: a failure handled, nothing screened
    for value in values:
        if isinstance(value, LlmRequest):
            return c.GUARDRAIL_SOURCE_BEFORE_MODEL, None
        if isinstance(value, LlmResponse):
            return c.GUARDRAIL_SOURCE_AFTER_MODEL, value
    tool = next((i for i, value in enumerate(values) if isinstance(value, BaseTool)), None)
    if tool is None:
        return "", None
    # ADK passes (tool, args, tool_context) before and adds the tool's response after; what
    # comes before the tool (a method's self) does not count.
    after = values[tool + 1 :]
    if len(after) >= 3:
        return c.GUARDRAIL_SOURCE_AFTER_TOOL, after[2]
    return c.GUARDRAIL_SOURCE_BEFORE_TOOL, None


def _partial(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    return any(isinstance(v, LlmResponse) and v.partial for v in (*args, *kwargs.values()))


class _Guard:
    """What one call of a wrapped callback needs to record its decision."""

    def __init__(self, name: str, agent_id: str | None, callback: Callable[..., Any]) -> None:
        self.name, self.agent_id, self.callback = name, agent_id, callback
        self.warned = False

    def record(self, source: str, given: Any, declared: list[str], result: Any) -> None:
        if not source:
            if not self.warned:
                self.warned = True
                _log.warning(
                    "guardrail %r wraps a callback that is no before or after model or tool "
                    "callback: its decisions are not counted",
                    label_value(self.name, _NAME_MAX),  # any object, as its label is
                )
            return
        if declared:
            decision = declared[0]
        elif result is None or (source in _MODEL_SOURCES and not result) or result is given:
            # ADK takes a model callback's answer only if it is true (`if callback_response:`),
            # a tool callback's if it is not None: `return flagged and REFUSAL` allows. The
            # output an after callback was given, handed back, replaces nothing (ADK: the tool's
            # response stays the tool's); a change in place is decide("modify").
            decision = c.DECISION_ALLOW
        elif source in (c.GUARDRAIL_SOURCE_BEFORE_MODEL, c.GUARDRAIL_SOURCE_BEFORE_TOOL):
            decision = c.DECISION_BLOCK
        else:
            decision = c.DECISION_MODIFY
        record_guardrail(self.name, decision, self.agent_id, source=source)


def _safely(guard: _Guard, where: tuple[str, Any], declared: list[str], result: Any) -> None:
    try:
        guard.record(*where, declared, result)
    except Exception:
        obs = runtime.current()
        if obs is not None:
            obs.internal_error(c.COMPONENT_ADK_PLUGIN)


def guardrail(name: str, *, agent_id: str | None = None) -> Callable[[F], F]:
    """Declare an ADK before/after model or tool callback a guardrail named `name`: each call
    counts one decision in adk_agent_guardrail_decisions_total{guardrail=name} and adds a
    `gen_ai.guardrail.result` event to the current span. The callback keeps its signature, its
    sync or async nature and its return value. `agent_id`: default the run's (as the plugin
    labels it), else the `agent_id` option, else the service name.

    Raises TypeError when `name` is a function: `@guardrail` without its name would otherwise
    put the decorator itself into the agent, and every run would fail inside ADK."""
    if inspect.isfunction(name) or inspect.ismethod(name):
        raise TypeError(
            f"guardrail() takes the guardrail's name, not the callback "
            f'{getattr(name, "__qualname__", "")!r}: write @guardrail("<name>")'
        )

    def wrap(callback: F) -> F:
        guard = _Guard(name, agent_id, callback)

        def before(
            args: tuple[Any, ...], kwargs: dict[str, Any]
        ) -> tuple[tuple[str, Any], list[str], Any]:
            where = _source(args, kwargs)
            if where[0] == c.GUARDRAIL_SOURCE_AFTER_MODEL and _partial(args, kwargs):
                where = (_SKIP, None)  # a streamed chunk: the final response counts
            declared: list[str] = []
            return where, declared, _declared.set(declared)

        if inspect.iscoroutinefunction(callback):

            @functools.wraps(callback)
            async def async_guarded(*args: Any, **kwargs: Any) -> Any:
                where, declared, token = before(args, kwargs)
                try:
                    result = await callback(*args, **kwargs)
                finally:
                    _declared.reset(token)
                if where[0] != _SKIP:
                    _safely(guard, where, declared, result)
                return result

            return cast(F, async_guarded)

        @functools.wraps(callback)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            where, declared, token = before(args, kwargs)
            try:
                result = callback(*args, **kwargs)
            finally:
                _declared.reset(token)
            if inspect.isawaitable(result):  # a sync function that returns a coroutine
                return _awaited(guard, where, declared, result)
            if where[0] != _SKIP:
                _safely(guard, where, declared, result)
            return result

        return cast(F, guarded)

    return wrap


async def _awaited(
    guard: _Guard, where: tuple[str, Any], declared: list[str], awaitable: Any
) -> Any:
    token = _declared.set(declared)
    try:
        result = await awaitable
    finally:
        _declared.reset(token)
    if where[0] != _SKIP:
        _safely(guard, where, declared, result)
    return result
