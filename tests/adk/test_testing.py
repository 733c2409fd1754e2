"""The offline ScriptedModel: replayed steps, runtime faults and delays, no API key."""

from __future__ import annotations

import asyncio
import time

import pytest
from adk_helpers import build_runner, final_text, new_session, run_turn, summary
from google.adk.agents.run_config import RunConfig, StreamingMode
from google.genai import types

from adk_observe.testing import Answer, ScriptedModel, ScriptedModelError, ToolCall

SCRIPT = (ToolCall("get_weather", {"city": "Paris"}), Answer("Sunny in Paris."))


def test_a_turn_replays_the_script_through_a_real_runner() -> None:
    async def scenario() -> list[tuple[str, str]]:
        runner, model, _ = build_runner(SCRIPT)
        events = await run_turn(runner, await new_session(runner))
        assert model.calls == 2
        return summary(events)

    assert asyncio.run(scenario()) == [
        ("shop_assistant", "call:get_weather"),
        ("shop_assistant", "result:get_weather"),
        ("shop_assistant", "text:Sunny in Paris."),
    ]


def test_every_turn_of_a_session_restarts_the_script() -> None:
    async def scenario() -> list[str]:
        runner, _, _ = build_runner(SCRIPT)
        session = await new_session(runner)
        return [final_text(await run_turn(runner, session, f"q{i}")) for i in range(3)]

    assert asyncio.run(scenario()) == ["Sunny in Paris."] * 3


def test_faults_can_be_switched_on_and_off_at_runtime() -> None:
    async def scenario() -> tuple[str, str]:
        runner, model, _ = build_runner(SCRIPT)
        session = await new_session(runner)
        model.set_faults(fail_next=1)
        with pytest.raises(ScriptedModelError, match="injected"):
            await run_turn(runner, session)
        model.set_faults(failure_rate=1.0)
        with pytest.raises(ScriptedModelError):
            await run_turn(runner, await new_session(runner))
        model.clear_faults()
        return final_text(await run_turn(runner, await new_session(runner))), "recovered"

    assert asyncio.run(scenario()) == ("Sunny in Paris.", "recovered")


def test_an_injected_delay_applies_to_every_call() -> None:
    async def scenario() -> float:
        runner, model, _ = build_runner((Answer("ok"),))
        session = await new_session(runner)
        model.set_faults(delay=0.2)
        start = time.perf_counter()
        await run_turn(runner, session)
        return time.perf_counter() - start

    assert asyncio.run(scenario()) >= 0.2


def test_invalid_fault_settings_are_rejected() -> None:
    model = ScriptedModel(SCRIPT)
    with pytest.raises(ValueError):
        model.set_faults(failure_rate=1.5)
    with pytest.raises(ValueError):
        model.set_faults(delay=-1)


def _arrivals(
    streaming: bool, script: tuple[Answer, ...], **faults: float
) -> list[tuple[bool, str, float]]:
    """(partial?, text, seconds since the run started) of every text event of one turn."""

    async def scenario() -> list[tuple[bool, str, float]]:
        runner, model, _ = build_runner(script)
        model.set_faults(**faults)  # type: ignore[arg-type]
        session = await new_session(runner)
        start = time.perf_counter()
        out = []
        async for event in runner.run_async(
            user_id="user-1",
            session_id=session,
            new_message=types.Content(role="user", parts=[types.Part(text="hi")]),
            run_config=RunConfig(
                streaming_mode=StreamingMode.SSE if streaming else StreamingMode.NONE
            ),
        ):
            for part in event.content.parts or () if event.content else ():
                if part.text:
                    out.append((bool(event.partial), part.text, time.perf_counter() - start))
        return out

    return asyncio.run(scenario())


def test_a_streamed_answer_arrives_in_partials_the_first_after_its_delay() -> None:
    got = _arrivals(True, (Answer("one two three", delay=0.2, chunks=3, chunk_delay=0.1),))
    partials = [text for partial, text, _ in got if partial]
    assert len(partials) == 3 and "".join(partials) == "one two three"
    assert got[3][:2] == (False, "one two three")  # then the whole text, once
    first, second, third = (at for _, _, at in got[:3])
    # The step's delay comes before the first token, then chunk_delay before each further chunk.
    # Only lower bounds from the run's start: an arrival can be late, never early (a gap between
    # two arrivals can shrink when the first of them was read late).
    assert first >= 0.2 and second >= 0.3 and third >= 0.4


def test_without_streaming_the_answer_is_one_response() -> None:
    got = _arrivals(False, (Answer("one two three", chunks=3, chunk_delay=0.1),))
    assert [(partial, text) for partial, text, _ in got] == [(False, "one two three")]


def test_injected_chunk_delay_slows_the_answer_but_not_its_first_token() -> None:
    got = _arrivals(True, (Answer("one two three", chunks=3),), chunk_delay=0.15)
    last = got[2][2]
    assert last >= 0.3  # two injected chunk delays before the third chunk (a lower bound)
    # An injected `delay` is before the first token instead.
    slow_start = _arrivals(True, (Answer("one two three", chunks=3),), delay=0.3)
    assert slow_start[0][2] >= 0.3


def test_negative_or_nan_chunk_delays_are_rejected() -> None:
    model = ScriptedModel(SCRIPT)
    for bad in (-0.1, float("nan")):
        with pytest.raises(ValueError):
            model.set_faults(chunk_delay=bad)
