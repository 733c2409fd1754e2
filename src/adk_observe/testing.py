"""An offline, scripted ADK model: run real ADK agents in tests and demos with no API key.

`ScriptedModel` is a `google.adk.models.BaseLlm` that replays a script of steps for every turn:
tool calls, answers, token usage, errors and delays. The step is chosen from the request itself
(how many tool results follow the last user message), so concurrent sessions never interfere.

    from adk_observe.testing import Answer, ScriptedModel, ToolCall

    model = ScriptedModel(
        script=[ToolCall("get_weather", {"city": "Paris"}, input_tokens=12, output_tokens=4),
                Answer("Sunny in Paris.", input_tokens=30, output_tokens=8)],
    )
    agent = LlmAgent(name="weather", model=model, tools=[get_weather])

Streaming (`RunConfig(streaming_mode=StreamingMode.SSE)`): an `Answer` arrives as `chunks` partial
responses, the first after the step's `delay`, each further one `chunk_delay` seconds after the
one before, then the whole text as the final response. So `delay` is the time to the first token
and `(chunks - 1) * chunk_delay` more is the rest of the answer:

    Answer("Sunny in Paris.", delay=0.4, chunks=5, chunk_delay=0.2)  # first token at 0.4 s

At runtime a demo can inject faults: `model.set_faults(failure_rate=1.0, delay=0.5)`; the
next calls then raise `ScriptedModelError` or sleep first (a slower first token);
`set_faults(chunk_delay=0.3)` slows only the chunks after the first (a longer answer, the first
token on time). `model.calls` counts model calls.

This module imports google.adk; install the `adk` extra to use it.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass, field
from typing import Any

from google.adk.models.base_llm import BaseLlm
from google.adk.models.llm_request import LlmRequest
from google.adk.models.llm_response import LlmResponse
from google.genai import types
from pydantic import PrivateAttr

__all__ = ["Answer", "Fail", "ScriptedModel", "ScriptedModelError", "Step", "ToolCall"]


class ScriptedModelError(RuntimeError):
    """The error a scripted `Fail` step or an injected fault raises."""


@dataclass(frozen=True)
class ToolCall:
    """The model asks for one tool call (or several, with `more`)."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)
    input_tokens: int = 10
    output_tokens: int = 5
    cached_tokens: int = 0  # part of input_tokens served from a context cache
    reasoning_tokens: int = 0  # thinking tokens, apart from output_tokens
    delay: float = 0.0
    more: tuple[tuple[str, dict[str, Any]], ...] = ()


@dataclass(frozen=True)
class Answer:
    """The model answers with text; in streaming mode it arrives in `chunks` partials first,
    `chunk_delay` seconds apart (the first one after `delay`)."""

    text: str
    input_tokens: int = 20
    output_tokens: int = 10
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    delay: float = 0.0
    chunks: int = 3
    chunk_delay: float = 0.0


@dataclass(frozen=True)
class Fail:
    """The model call raises `ScriptedModelError(message)`."""

    message: str = "scripted model failure"
    delay: float = 0.0


Step = ToolCall | Answer | Fail


def _step_index(request: LlmRequest) -> int:
    """Tool-result messages after the last user text: which step of this turn comes next."""
    index = 0
    for content in reversed(request.contents):
        parts = content.parts or []
        if any(p.function_response is not None for p in parts):
            index += 1
        elif content.role == "user" and any(p.text for p in parts):
            break
    return index


def _usage(step: ToolCall | Answer) -> types.GenerateContentResponseUsageMetadata:
    """Counts as Gemini reports them: the prompt count includes cached tokens, thoughts are
    apart from candidates, and the total is prompt + candidates + thoughts."""
    return types.GenerateContentResponseUsageMetadata(
        prompt_token_count=step.input_tokens,
        candidates_token_count=step.output_tokens,
        cached_content_token_count=step.cached_tokens or None,
        thoughts_token_count=step.reasoning_tokens or None,
        total_token_count=step.input_tokens + step.output_tokens + step.reasoning_tokens,
    )


def _split(text: str, chunks: int) -> list[str]:
    size = max(1, -(-len(text) // max(1, chunks)))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class ScriptedModel(BaseLlm):
    """A `BaseLlm` that replays `script` for every turn (see the module docstring)."""

    model: str = "scripted-model"
    script: tuple[Step, ...] = (Answer("Hello from the scripted model."),)

    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _failure_rate: float = PrivateAttr(default=0.0)
    _delay: float = PrivateAttr(default=0.0)
    _chunk_delay: float = PrivateAttr(default=0.0)
    _fail_next: int = PrivateAttr(default=0)
    _calls: int = PrivateAttr(default=0)
    _rng: random.Random = PrivateAttr(default_factory=lambda: random.Random(0))

    def __init__(self, script: Sequence[Step] | None = None, **kwargs: Any) -> None:
        if script is not None:
            kwargs["script"] = tuple(script)
        super().__init__(**kwargs)

    @classmethod
    def supported_models(cls) -> list[str]:
        return [r"scripted-.*"]

    # --- runtime fault injection (thread-safe; a demo flips these while serving) -----------------

    def set_faults(
        self,
        *,
        failure_rate: float = 0.0,
        delay: float = 0.0,
        fail_next: int = 0,
        chunk_delay: float = 0.0,
    ) -> None:
        """Fail a share of calls (0..1), add `delay` seconds before each (and so to the time to
        the first token), and/or fail the next N; add `chunk_delay` seconds before each streamed
        chunk after the first (a longer answer whose first token is on time)."""
        if not 0.0 <= failure_rate <= 1.0:
            raise ValueError(f"failure_rate must be within [0, 1], got {failure_rate}")
        if not (delay >= 0 and chunk_delay >= 0 and fail_next >= 0):  # NaN is refused too
            raise ValueError("delay, chunk_delay and fail_next must not be negative")
        with self._lock:
            self._failure_rate, self._delay, self._fail_next = failure_rate, delay, fail_next
            self._chunk_delay = chunk_delay

    def clear_faults(self) -> None:
        self.set_faults()

    @property
    def calls(self) -> int:
        return self._calls

    def _injected(self) -> tuple[bool, float, float]:
        """(fail this call?, delay before it, delay before each later chunk)."""
        with self._lock:
            self._calls += 1
            if self._fail_next:
                self._fail_next -= 1
                return True, self._delay, self._chunk_delay
            fail = self._failure_rate > 0 and self._rng.random() < self._failure_rate
            return fail, self._delay, self._chunk_delay

    # --- BaseLlm ---------------------------------------------------------------------------------

    async def generate_content_async(
        self, llm_request: LlmRequest, stream: bool = False
    ) -> AsyncGenerator[LlmResponse, None]:
        fail, delay, chunk_delay = self._injected()
        step = self.script[min(_step_index(llm_request), len(self.script) - 1)]
        delay += step.delay
        if delay:
            await asyncio.sleep(delay)
        if fail:
            raise ScriptedModelError("injected model failure")
        if isinstance(step, Fail):
            raise ScriptedModelError(step.message)
        if isinstance(step, ToolCall):
            calls = ((step.name, step.args), *step.more)
            parts = [types.Part.from_function_call(name=n, args=dict(a)) for n, a in calls]
            yield self._response(parts, step, partial=False)
            return
        if stream:
            chunk_delay += step.chunk_delay
            for i, chunk in enumerate(_split(step.text, step.chunks)):
                if i and chunk_delay:
                    await asyncio.sleep(chunk_delay)
                yield self._response([types.Part.from_text(text=chunk)], step, partial=True)
        yield self._response([types.Part.from_text(text=step.text)], step, partial=False)

    def _response(
        self, parts: list[types.Part], step: ToolCall | Answer, *, partial: bool
    ) -> LlmResponse:
        return LlmResponse(
            content=types.Content(role="model", parts=parts),
            usage_metadata=_usage(step),
            model_version=self.model,
            partial=partial,
            turn_complete=not partial,
        )
