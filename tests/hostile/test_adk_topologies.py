"""The ADK plugin under real ADK agent topologies (a real InMemoryRunner, the scripted model):
what the metrics, the in-flight state and the log lines say against what really ran, counted by
hand from the scripts and ADK's semantics."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from google.adk.agents import LlmAgent
from google.adk.apps import App
from google.adk.models.llm_response import LlmResponse
from google.adk.runners import InMemoryRunner
from google.genai import types
from tests.telemetry_support import Telemetry, make_telemetry, reset_state

from adk_observe import conventions as c
from adk_observe.adk import ObservabilityPlugin
from adk_observe.testing import Answer, ScriptedModel

APP, USER, MODEL = "topologies", "user-1", "scripted-model"
PRICES = {MODEL: (1.0, 2.0)}  # per million input / output tokens


@pytest.fixture(autouse=True)
def _reset(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from reset_state(monkeypatch)


@pytest.fixture
def telemetry() -> Telemetry:
    return make_telemetry("topologies", prices=PRICES)


def get_weather(city: str) -> dict[str, str]:
    """The weather in `city`."""
    return {"city": city, "sky": "sunny"}


def _runner(root: Any, plugin: ObservabilityPlugin) -> InMemoryRunner:
    return InMemoryRunner(app=App(name=APP, root_agent=root, plugins=[plugin]))


async def _turn(runner: InMemoryRunner, session_id: str | None = None) -> list[Any]:
    if session_id is None:
        session = await runner.session_service.create_session(app_name=APP, user_id=USER)
        session_id = session.id
    message = types.Content(role="user", parts=[types.Part(text="hello")])
    return [e async for e in runner.run_async(
        user_id=USER, session_id=session_id, new_message=message)]


def _in_flight(plugin: ObservabilityPlugin) -> int:
    """Runs, model calls and tool calls the plugin still holds as in flight."""
    return len(plugin._runs) + len(plugin._models) + len(plugin._tools)


def _turn_lines(telemetry: Telemetry) -> list[dict[str, Any]]:
    return [line for line in telemetry.log_lines() if line["message"].startswith("agent turn")]


def test_a_model_call_that_a_callback_answered_leaves_nothing_in_flight(
    telemetry: Telemetry,
) -> None:
    # The plugin's before_model runs first; the agent's own callback then answers for the model,
    # so ADK calls neither the model nor any after_model or on_model_error hook: no LLM call
    # happened and none may be counted, and nothing may stay behind, turn after turn.
    def refuse(callback_context: Any, llm_request: Any) -> LlmResponse:
        return LlmResponse(content=types.Content(role="model", parts=[types.Part(text="No.")]))

    model = ScriptedModel([Answer("never said")])
    agent = LlmAgent(name="guarded", model=model, before_model_callback=refuse)
    plugin = ObservabilityPlugin()

    async def three_turns() -> None:
        runner = _runner(agent, plugin)
        for _ in range(3):
            await _turn(runner)

    asyncio.run(three_turns())
    v = telemetry.value
    assert model.calls == 0
    assert v(c.REQUESTS.name, agent_id="guarded", method="turn", endpoint="agent",
             status_code=c.STATUS_CODE_OK) == 3.0
    assert v(c.LLM_CALLS.name, agent_id="guarded", model=MODEL, status="ok") is None
    assert v(c.ACTIVE_CONVERSATIONS.name, agent_id="guarded") == 0.0
    assert _in_flight(plugin) == 0


def test_a_run_cancelled_during_its_model_call_leaves_nothing_in_flight(
    telemetry: Telemetry,
) -> None:
    # The task of a run is cancelled while the model is answering (ADK calls no after_run, no
    # after_model, no on_model_error): the conversation is no longer active, no request and no
    # LLM call is counted, and the plugin holds nothing of the run.
    asked = asyncio.Event()

    def note(callback_context: Any, llm_request: Any) -> None:
        asked.set()  # after the plugin's before_model, just before the model is called

    model = ScriptedModel([Answer("too late", delay=3600)])  # cancelled long before
    agent = LlmAgent(name="slow", model=model, before_model_callback=note)
    plugin = ObservabilityPlugin()

    async def cancelled() -> None:
        task = asyncio.ensure_future(_turn(_runner(agent, plugin)))
        await asyncio.wait([asyncio.ensure_future(asked.wait()), task],
                           return_when=asyncio.FIRST_COMPLETED)
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancelled())
    telemetry.handle.force_flush()
    v = telemetry.value
    assert v(c.ACTIVE_CONVERSATIONS.name, agent_id="slow") == 0.0
    assert v(c.REQUESTS.name, agent_id="slow", method="turn", endpoint="agent",
             status_code=c.STATUS_CODE_OK) is None
    assert v(c.LLM_CALLS.name, agent_id="slow", model=MODEL, status="ok") is None
    assert _in_flight(plugin) == 0

