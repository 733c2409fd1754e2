"""The offline ScriptedModel: replayed steps, runtime faults and delays, no API key."""

from __future__ import annotations

import asyncio
import time

import pytest
from adk_helpers import build_runner, final_text, new_session, run_turn, summary

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
