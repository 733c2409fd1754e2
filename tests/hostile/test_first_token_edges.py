"""Hostile input to time to first token: what a model streams and when agent code marks it.

Surface: docs/instrumentation.md, "Streaming: time to first token": the ADK plugin takes the
first streamed chunk with answer text as the first token of its model call and of its turn;
`call.first_token()` / `turn.first_token()` mark it by hand (once; later calls do nothing); a
generator decorated with `@llm_call` / `@agent_turn` marks it at its first item.

Bound: the first token is the first text the user can read. A chunk with only whitespace, a
model's thought (`part.thought`, its reasoning, which chat UIs fold away) and a function call show
the user nothing: the wait goes on. A mark that comes after its block ended says nothing about
the block (the call's answer was already over): it is ignored, for the call and for its turn.
A stream cut by an error after its first text keeps that first token (the user saw it) and
fails the turn. The span attribute `gen_ai.response.time_to_first_chunk` is the conventions'
first chunk of any kind, and only ever on a model call's span.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Iterator, Sequence
from typing import Any

import pytest
from google.adk.agents import LlmAgent
from google.adk.agents.run_config import RunConfig, StreamingMode
from google.adk.apps import App
from google.adk.models.base_llm import BaseLlm
from google.adk.models.llm_request import LlmRequest
from google.adk.models.llm_response import LlmResponse
from google.adk.runners import InMemoryRunner
from google.genai import types
from tests.telemetry_support import Telemetry, make_telemetry, reset_state

from adk_observe import agent_turn, llm_call
from adk_observe import conventions as c
from adk_observe.adk import ObservabilityPlugin
from adk_observe.testing import Answer, ScriptedModel

AGENT, MODEL, APP, USER = "streamer", "stream-model", "edges", "u"
PAUSE = 0.15  # seconds before each scripted chunk
TURN, CALL = c.FIRST_TOKEN.name, c.LLM_FIRST_TOKEN.name
# What one model call streams: a pause, a chunk (its parts, partial or final), or an error.
Item = float | tuple[list[types.Part], bool] | Exception


@pytest.fixture(autouse=True)
def _reset(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from reset_state(monkeypatch)


@pytest.fixture
def telemetry() -> Telemetry:
    return make_telemetry("first-token-edges", background_recording=False)


class ChunkModel(BaseLlm):
    """Streams `calls[i]` for the i-th model call of a turn (i: tool results so far)."""

    model: str = MODEL
    calls: tuple[tuple[Item, ...], ...] = ()

    async def generate_content_async(
        self, llm_request: LlmRequest, stream: bool = False
    ) -> AsyncGenerator[LlmResponse, None]:
        done = sum(1 for x in llm_request.contents for p in x.parts or () if p.function_response)
        for item in self.calls[min(done, len(self.calls) - 1)]:
            if isinstance(item, float):
                await asyncio.sleep(item)
            elif isinstance(item, Exception):
                raise item
            else:
                parts, partial = item
                yield LlmResponse(content=types.Content(role="model", parts=parts),
                                  partial=partial, turn_complete=not partial)


def lookup(city: str) -> dict[str, str]:
    """A tool the model may call."""
    return {"city": city}


def text(value: str, thought: bool | None = None) -> types.Part:
    return types.Part(text=value, thought=thought)


LOOKUP = types.Part.from_function_call(name="lookup", args={"city": "Paris"})
ANSWER = ([text("Sunny in Paris.")], False)  # the final response after the partial chunks


def _stream(*calls: Sequence[Item]) -> str:
    """One SSE turn of a real Runner over `calls`; the error it ended with, or ''."""
    agent = LlmAgent(name=AGENT, model=ChunkModel(calls=tuple(tuple(x) for x in calls)),
                     tools=[lookup], instruction="Help.")
    runner = InMemoryRunner(app=App(name=APP, root_agent=agent, plugins=[ObservabilityPlugin()]))

    async def turn() -> str:
        session = await runner.session_service.create_session(app_name=APP, user_id=USER)
        message = types.Content(role="user", parts=[types.Part(text="hi")])
        config = RunConfig(streaming_mode=StreamingMode.SSE)
        try:
            async for _ in runner.run_async(user_id=USER, session_id=session.id,
                                            new_message=message, run_config=config):
                pass
        except ConnectionResetError as exc:
            return str(exc)
        return ""

    return asyncio.run(turn())


def _first(telemetry: Telemetry) -> tuple[float | None, float | None]:
    """(the turn's first-token seconds, its model calls' summed first-token seconds)."""
    telemetry.handle.force_flush()
    return (telemetry.value(TURN + "_sum", agent_id=AGENT),
            telemetry.value(CALL + "_sum", agent_id=AGENT, model=MODEL))


@pytest.mark.parametrize(
    "shows_nothing",
    [
        pytest.param([text(" \n")], id="whitespace"),
        pytest.param([text("Let me think about the weather.", thought=True)], id="a-thought"),
        pytest.param([text("")], id="empty-text"),
        pytest.param([text(""), text("\t", thought=False)], id="blank-parts"),
    ],
)
def test_a_chunk_that_shows_no_answer_text_is_no_first_token(
    telemetry: Telemetry, shows_nothing: list[types.Part]
) -> None:
    # The blank chunk comes after one pause, the answer's first text after two: the user waited
    # for two, the model call too. Before: whitespace and thoughts counted after one.
    assert _stream([PAUSE, (shows_nothing, True), PAUSE, ([text("Sunny")], True), ANSWER]) == ""
    turn, call = _first(telemetry)
    assert turn is not None and call is not None
    assert turn >= 2 * PAUSE and call >= 2 * PAUSE


def test_a_chunk_with_a_thought_and_answer_text_is_the_first_token(telemetry: Telemetry) -> None:
    both = [text("thinking", thought=True), text("Sunny")]
    _stream([PAUSE, (both, True), PAUSE, ([text(" in Paris.")], True), ANSWER])
    turn, call = _first(telemetry)
    assert turn is not None and call is not None
    assert PAUSE <= call < 2 * PAUSE and PAUSE <= turn < 2 * PAUSE


def test_a_turn_whose_first_call_streams_a_tool_call_waits_for_the_second_calls_text(
    telemetry: Telemetry,
) -> None:
    # The first call streams its function call as a partial chunk too (Gemini may): no text.
    _stream([PAUSE, ([LOOKUP], True), ([LOOKUP], False)],
            [PAUSE, ([text("Sunny")], True), ANSWER])
    turn, call = _first(telemetry)
    assert turn is not None and call is not None
    assert turn >= 2 * PAUSE  # both calls' pauses
    assert PAUSE <= call < 2 * PAUSE  # only the second call streamed text: one pause
    assert telemetry.value(CALL + "_count", agent_id=AGENT, model=MODEL) == 1.0


def test_a_stream_cut_after_its_first_text_keeps_the_first_token_and_fails_the_turn(
    telemetry: Telemetry,
) -> None:
    assert _stream([PAUSE, ([text("Sun")], True), ConnectionResetError("cut")]) == "cut"
    turn, call = _first(telemetry)
    assert turn is not None and call is not None and turn >= PAUSE and call >= PAUSE
    assert telemetry.value(c.REQUESTS.name, agent_id=AGENT, method=c.METHOD_TURN,
                           endpoint=c.ENDPOINT_AGENT, status_code="500") == 1.0
    assert telemetry.value(c.INTERNAL_ERRORS.name, component=c.COMPONENT_ADK_PLUGIN) is None


# --- the context managers -----------------------------------------------------------------------


def test_a_first_token_marked_after_the_call_ended_is_ignored(telemetry: Telemetry) -> None:
    # A stream read after its `with llm_call(...)` block closed: the call is over, so the mark
    # is no first token of it, nor of the turn (before: the turn got one, later than the call).
    with agent_turn(AGENT) as turn:
        with llm_call(MODEL) as call:
            pass
        call.first_token()
    assert (call.time_to_first_token, turn.time_to_first_token) == (None, None)
    assert telemetry.value(TURN + "_count", agent_id=AGENT) is None
    (span,) = [s for s in telemetry.spans() if s.name.startswith("invoke_agent")]
    assert c.SPAN_ATTR_TIME_TO_FIRST_TOKEN not in (span.attributes or {})


def test_a_first_token_marked_after_the_turn_ended_is_ignored(telemetry: Telemetry) -> None:
    with agent_turn(AGENT) as turn, llm_call(MODEL) as call:
        pass
    turn.first_token()
    call.first_token()
    assert (call.time_to_first_token, turn.time_to_first_token) == (None, None)


def test_a_call_that_outlives_its_turn_marks_no_first_token_of_the_ended_turn(
    telemetry: Telemetry,
) -> None:
    # A call in a task the turn started and did not wait for: its first token comes after the
    # turn ended. It is the call's own, and the ended turn gets none.
    async def scenario() -> tuple[agent_turn, Any]:
        turn_over = asyncio.Event()

        async def background() -> Any:
            with llm_call(MODEL) as call:
                await turn_over.wait()
                call.first_token()
            return call

        with agent_turn(AGENT) as turn:
            task = asyncio.create_task(background())
            await asyncio.sleep(0)  # the call starts inside the turn
        turn_over.set()
        return turn, await task

    turn, call = asyncio.run(scenario())
    assert turn.time_to_first_token is None
    assert call.time_to_first_token is not None
    assert telemetry.value(CALL + "_count", agent_id=AGENT, model=MODEL) == 1.0
    assert telemetry.value(TURN + "_count", agent_id=AGENT) is None


def test_a_call_that_raises_after_its_first_token_keeps_it_and_fails(telemetry: Telemetry) -> None:
    with pytest.raises(ConnectionResetError), agent_turn(AGENT), llm_call(MODEL) as call:
        time.sleep(0.02)
        call.first_token()
        raise ConnectionResetError("cut")
    first = telemetry.value(CALL + "_sum", agent_id=AGENT, model=MODEL)
    assert first is not None and first >= 0.02
    assert telemetry.value(TURN + "_count", agent_id=AGENT) == 1.0
    assert telemetry.value(c.LLM_CALLS.name, agent_id=AGENT, model=MODEL,
                           status=c.STATUS_ERROR) == 1.0


def test_a_decorated_stream_of_text_starts_at_its_first_non_blank_item(
    telemetry: Telemetry,
) -> None:
    # A streamed answer of text pieces that opens with empty and whitespace pieces (OpenAI's
    # first delta is often ""): the user sees text at "Sunny", two pauses in.
    @llm_call(MODEL)
    def stream() -> Iterator[Any]:
        for piece in ("", "\n ", "Sunny", ""):
            time.sleep(PAUSE / 2)
            yield piece

    with agent_turn(AGENT):
        assert "".join(stream()) == "\n Sunny"
    turn, call = _first(telemetry)
    assert turn is not None and call is not None
    assert call >= 3 * PAUSE / 2 and turn >= call


def test_a_decorated_stream_of_other_items_starts_at_its_first_item(
    telemetry: Telemetry,
) -> None:
    # Items that are not text (a client's chunk objects) are not inspected: the first counts.
    @llm_call(MODEL)
    def stream() -> Iterator[Any]:
        for piece in (b"", {"delta": ""}, None):
            time.sleep(PAUSE / 2)
            yield piece

    with agent_turn(AGENT):
        assert len(list(stream())) == 3
    _, call = _first(telemetry)
    assert call is not None and PAUSE / 2 <= call < PAUSE


def _chunked(telemetry: Telemetry) -> dict[str, list[Any]]:
    """Span name -> the gen_ai.response.time_to_first_chunk values of the spans so named."""
    out: dict[str, list[Any]] = {}
    for span in telemetry.spans():
        if c.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK in (span.attributes or {}):
            value = span.attributes[c.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]  # type: ignore[index]
            out.setdefault(span.name, []).append(value)
    return out


def test_the_model_span_keeps_the_conventions_first_chunk_of_any_kind(
    telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch
) -> None:
    # gen_ai.response.time_to_first_chunk is "when the first chunk is received in the response
    # stream" (OpenTelemetry GenAI conventions): a thought is one. The metrics wait for the text.
    monkeypatch.setenv("ADK_TELEMETRY_SCHEMA_VERSION_OPT_IN", "1")  # a call_llm span per call
    _stream([PAUSE, ([text("thinking", thought=True)], True), PAUSE,
             ([text("Sunny")], True), ANSWER])
    chunked = _chunked(telemetry)
    assert list(chunked) == [c.ADK_SPAN_CALL_LLM] and len(chunked[c.ADK_SPAN_CALL_LLM]) == 1
    assert PAUSE <= chunked[c.ADK_SPAN_CALL_LLM][0] < 2 * PAUSE
    _, call = _first(telemetry)
    assert call is not None and call >= 2 * PAUSE


def test_each_model_call_span_gets_its_own_first_chunk(
    telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first call streams only a function call: a chunk, no first token.
    monkeypatch.setenv("ADK_TELEMETRY_SCHEMA_VERSION_OPT_IN", "1")
    _stream([PAUSE, ([LOOKUP], True), ([LOOKUP], False)],
            [2 * PAUSE, ([text("Sunny")], True), ANSWER])
    times = sorted(_chunked(telemetry)[c.ADK_SPAN_CALL_LLM])
    assert len(times) == 2
    assert PAUSE <= times[0] < 2 * PAUSE <= times[1]
    assert telemetry.value(CALL + "_count", agent_id=AGENT, model=MODEL) == 1.0  # one showed text


def test_no_agent_span_states_a_model_calls_first_chunk(telemetry: Telemetry) -> None:
    # ADK's default telemetry schema runs the model hooks with the agent's span current; an
    # agent's span holds several model calls (before: it got the attribute, each call's
    # overwriting the last's, and the docs called it the model call's span).
    _stream([PAUSE, ([LOOKUP], True), ([LOOKUP], False)],
            [2 * PAUSE, ([text("Sunny")], True), ANSWER])
    assert _chunked(telemetry) == {}
    turn, call = _first(telemetry)
    assert turn is not None and call is not None and turn >= 3 * PAUSE


class Hostile(str):
    """A text chunk whose own methods raise (a client's str subclass gone wrong)."""

    def __bool__(self) -> bool:
        raise RuntimeError("bool")

    def __len__(self) -> int:
        raise RuntimeError("len")

    def isspace(self) -> bool:
        raise RuntimeError("isspace")

    def strip(self, chars: str | None = None) -> str:
        raise RuntimeError("strip")


def test_a_text_item_whose_methods_raise_still_streams_and_counts(telemetry: Telemetry) -> None:
    # Telemetry never raises into the agent: the wrapper reads the text as a plain str.
    @llm_call(MODEL)
    def stream() -> Iterator[Any]:
        yield Hostile(" ")
        time.sleep(PAUSE / 2)
        yield Hostile("Sunny")

    with agent_turn(AGENT):
        items = list(stream())
    assert [str.__str__(x) for x in items] == [" ", "Sunny"]
    _, call = _first(telemetry)
    assert call is not None and call >= PAUSE / 2


def test_a_scripted_answer_that_opens_with_whitespace_shows_text_at_its_first_letter(
    telemetry: Telemetry,
) -> None:
    # ScriptedModel on a real Runner in SSE mode: "  Sunny" in 7 one-character chunks, one pause
    # apart: the two spaces show nothing, "S" comes two pauses after the first chunk.
    agent = LlmAgent(name=AGENT, instruction="Help.", model=ScriptedModel(
        [Answer("  Sunny", chunks=7, chunk_delay=PAUSE)]))
    runner = InMemoryRunner(app=App(name=APP, root_agent=agent, plugins=[ObservabilityPlugin()]))

    async def turn() -> None:
        session = await runner.session_service.create_session(app_name=APP, user_id=USER)
        message = types.Content(role="user", parts=[types.Part(text="hi")])
        config = RunConfig(streaming_mode=StreamingMode.SSE)
        async for _ in runner.run_async(user_id=USER, session_id=session.id,
                                        new_message=message, run_config=config):
            pass

    asyncio.run(turn())
    telemetry.handle.force_flush()
    turn_first = telemetry.value(TURN + "_sum", agent_id=AGENT)
    call_first = telemetry.value(CALL + "_sum", agent_id=AGENT, model="scripted-model")
    assert turn_first is not None and call_first is not None
    assert 2 * PAUSE <= call_first < 3 * PAUSE and turn_first >= call_first
