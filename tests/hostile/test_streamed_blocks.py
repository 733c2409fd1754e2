"""The context managers as decorators of generator functions (a streamed answer).

Surface: docs/instrumentation.md, "Streaming: time to first token": `@llm_call(model)`,
`@agent_turn(...)` and `@tool_call(name)` decorate sync and async functions, and a streaming
client is a generator. Before, the block ended when the generator object was created: a duration
of ~0, no first token, a failure while streaming unseen, and the span ended before any chunk.

Bound: the block lasts the iteration (first `next()` to return, raise or close); its first item
is its first token; a failure inside the stream, or thrown into it, is a failed call and
propagates unchanged; closing early (`break`) ends it as a success; the span is current only
while the generator's own code runs, never in the consumer's code between items.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from opentelemetry import trace
from tests.telemetry_support import Telemetry, make_telemetry, reset_state

from adk_observe import agent_turn, llm_call, tool_call
from adk_observe import conventions as c

PAUSE = 0.05  # seconds before each chunk


@pytest.fixture(autouse=True)
def _reset(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from reset_state(monkeypatch)


@pytest.fixture
def telemetry() -> Telemetry:
    return make_telemetry("streamed-blocks", background_recording=False)


@llm_call("m")
def sync_stream(chunks: int, fail_at: int = -1) -> Iterator[str]:
    for i in range(chunks):
        time.sleep(PAUSE)
        if i == fail_at:
            raise ConnectionResetError("stream cut")
        yield f"c{i}"


@llm_call("m")
async def async_stream(chunks: int, fail_at: int = -1) -> AsyncIterator[str]:
    for i in range(chunks):
        await asyncio.sleep(PAUSE)
        if i == fail_at:
            raise ConnectionResetError("stream cut")
        yield f"c{i}"


def _drain_async(chunks: int, fail_at: int = -1) -> list[str]:
    async def run() -> list[str]:
        return [item async for item in async_stream(chunks, fail_at)]

    return asyncio.run(run())


DRAINS = {"sync": lambda n, f=-1: list(sync_stream(n, f)), "async": _drain_async}


def test_the_decorated_function_is_still_a_generator_function() -> None:
    # ADK (streaming tools) and frameworks tell a stream by its function's kind.
    assert inspect.isgeneratorfunction(sync_stream)
    assert inspect.isasyncgenfunction(async_stream)


@pytest.mark.parametrize("kind", sorted(DRAINS))
def test_the_call_lasts_the_stream_and_its_first_item_is_its_first_token(
    telemetry: Telemetry, kind: str
) -> None:
    assert DRAINS[kind](3) == ["c0", "c1", "c2"]
    calls = telemetry.value("adk_agent_llm_calls_total", agent_id="streamed-blocks", model="m",
                            status=c.STATUS_OK)
    assert calls == 1.0
    seconds = telemetry.value("adk_agent_llm_call_duration_seconds_sum",
                              agent_id="streamed-blocks", model="m", status=c.STATUS_OK)
    assert seconds is not None and seconds >= 3 * PAUSE  # three pauses; before: ~0
    first = telemetry.value("adk_agent_llm_time_to_first_token_seconds_sum",
                            agent_id="streamed-blocks", model="m")
    assert first is not None and PAUSE <= first < seconds  # one pause; before: none at all
    (span,) = telemetry.spans()
    assert span.name == "chat m"
    assert span.end_time - span.start_time >= 3 * PAUSE * 1e9


@pytest.mark.parametrize("kind", sorted(DRAINS))
def test_a_failure_while_streaming_is_a_failed_call_and_propagates(
    telemetry: Telemetry, kind: str
) -> None:
    with pytest.raises(ConnectionResetError, match="stream cut"):
        DRAINS[kind](3, 1)
    assert telemetry.value("adk_agent_llm_calls_total", agent_id="streamed-blocks", model="m",
                           status=c.STATUS_ERROR) == 1.0
    assert telemetry.value("adk_agent_llm_calls_total", agent_id="streamed-blocks", model="m",
                           status=c.STATUS_OK) is None
    (span,) = telemetry.spans()
    assert span.status.status_code is trace.StatusCode.ERROR


def test_closing_a_stream_early_ends_the_call_once_as_a_success(telemetry: Telemetry) -> None:
    stream = sync_stream(5)
    assert next(stream) == "c0"
    stream.close()

    async def take_one() -> None:
        agen = async_stream(5)
        async for _ in agen:
            break
        await agen.aclose()

    asyncio.run(take_one())
    assert telemetry.value("adk_agent_llm_calls_total", agent_id="streamed-blocks", model="m",
                           status=c.STATUS_OK) == 2.0
    assert len(telemetry.spans()) == 2


def test_an_exception_thrown_in_reaches_the_generator(telemetry: Telemetry) -> None:
    @tool_call("search")
    def tolerant() -> Iterator[str]:
        try:
            yield "first"
        except KeyError:
            yield "recovered"

    stream = tolerant()
    assert next(stream) == "first"
    assert stream.throw(KeyError("x")) == "recovered"  # the generator handled it
    with pytest.raises(StopIteration):
        next(stream)
    assert telemetry.value("adk_agent_tool_calls_total", agent_id="streamed-blocks",
                           tool="search", status=c.STATUS_OK) == 1.0


def test_the_span_is_current_in_the_stream_and_never_in_the_consumer(telemetry: Telemetry) -> None:
    inside: list[str] = []
    between: list[bool] = []

    @llm_call("m")
    def stream() -> Iterator[int]:
        for i in range(3):
            inside.append(trace.get_current_span().name)  # type: ignore[attr-defined]
            yield i

    for _ in stream():
        between.append(trace.get_current_span().is_recording())
    assert inside == ["chat m"] * 3
    assert between == [False, False, False]  # no span leaked into the consumer's code


def test_a_streamed_turn_around_a_streamed_call(telemetry: Telemetry) -> None:
    """A turn decorated the same way: the call inside it belongs to it (agent_id, first token
    of the turn) and the turn's first item is the turn's first token."""

    @agent_turn("streamer")
    async def turn() -> AsyncIterator[str]:
        async for chunk in async_stream(2):
            yield chunk

    async def run() -> list[str]:
        return [chunk async for chunk in turn()]

    assert asyncio.run(run()) == ["c0", "c1"]
    assert telemetry.value("adk_agent_requests_total", agent_id="streamer", status_code="200",
                           method=c.METHOD_TURN, endpoint=c.ENDPOINT_AGENT) == 1.0
    assert telemetry.value("adk_agent_llm_calls_total", agent_id="streamer", model="m",
                           status=c.STATUS_OK) == 1.0
    assert telemetry.value(c.ACTIVE_CONVERSATIONS.name, agent_id="streamer") == 0.0
    first = telemetry.value("adk_agent_time_to_first_token_seconds_count", agent_id="streamer")
    assert first == 1.0
    spans = {span.name: span for span in telemetry.spans()}
    assert spans["chat m"].parent is not None
    assert spans["chat m"].parent.span_id == spans["invoke_agent streamer"].context.span_id
