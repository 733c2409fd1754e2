"""The ADK plugin under real ADK agent topologies (a real InMemoryRunner, the scripted model):
what the metrics, the in-flight state and the log lines say against what really ran, counted by
hand from the scripts and ADK's semantics."""

from __future__ import annotations

import asyncio
import contextvars
import gc
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from google.adk.agents import LlmAgent
from google.adk.agents.run_config import RunConfig, StreamingMode
from google.adk.apps import App
from google.adk.models.llm_response import LlmResponse
from google.adk.runners import InMemoryRunner
from google.adk.tools.agent_tool import AgentTool
from google.genai import types
from tests.telemetry_support import Telemetry, make_telemetry, reset_state

from adk_observe import conventions as c
from adk_observe.adk import ObservabilityPlugin, deferred
from adk_observe.testing import Answer, ScriptedModel, ToolCall

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


async def _cancel_once_asked(runner: InMemoryRunner, asked: asyncio.Event) -> None:
    """Run a turn and cancel its task once `asked` is set (a model is being called)."""
    task = asyncio.ensure_future(_turn(runner))
    await asyncio.wait([asyncio.ensure_future(asked.wait()), task],
                       return_when=asyncio.FIRST_COMPLETED)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def _in_flight(plugin: ObservabilityPlugin) -> int:
    """Runs, model calls and tool calls the plugin still holds as in flight."""
    return len(plugin._runs) + len(plugin._models) + len(plugin._tools)


def _turn_lines(telemetry: Telemetry) -> list[dict[str, Any]]:
    return [line for line in telemetry.log_lines() if line["message"].startswith("agent turn")]


def test_an_agent_called_as_a_tool_is_part_of_the_turn_that_called_it(
    telemetry: Telemetry,
) -> None:
    # AgentTool runs its agent in a Runner of its own that inherits the plugins: ADK calls
    # before_run/after_run again, for an invocation inside the user's one. The user asked once:
    # one request, one turn line, one active conversation; all four model calls and both tool
    # calls belong to it, and so does their cost.
    inner = LlmAgent(name="inner", tools=[get_weather], model=ScriptedModel([
        ToolCall("get_weather", {"city": "Paris"}, input_tokens=30, output_tokens=3),
        Answer("Sunny.", input_tokens=40, output_tokens=4),
    ]))
    outer = LlmAgent(name="outer", tools=[AgentTool(inner)], model=ScriptedModel([
        ToolCall("inner", {"request": "weather in Paris?"}, input_tokens=100, output_tokens=10),
        Answer("It is sunny in Paris.", input_tokens=200, output_tokens=20),
    ]))
    plugin = ObservabilityPlugin()
    asyncio.run(_turn(_runner(outer, plugin)))
    plugin.record_feedback(4.0)  # the user rates the turn they had: the outer agent's
    v = telemetry.value
    assert v(c.REQUESTS.name, agent_id="outer", method="turn", endpoint="agent",
             status_code=c.STATUS_CODE_OK) == 1.0
    assert v(c.REQUESTS.name, agent_id="inner", method="turn", endpoint="agent",
             status_code=c.STATUS_CODE_OK) is None
    assert v(c.REQUEST_DURATION.name + "_count", agent_id="inner", method="turn",
             endpoint="agent") is None
    assert v(c.ACTIVE_CONVERSATIONS.name, agent_id="outer") == 0.0
    assert v(c.ACTIVE_CONVERSATIONS.name, agent_id="inner") is None
    assert v(c.SUCCESSFUL_INTERACTIONS.name, agent_id="outer",
             interaction_type="agent_turn") == 1.0
    assert v(c.SUCCESSFUL_INTERACTIONS.name, agent_id="inner",
             interaction_type="agent_turn") is None
    assert v(c.LLM_CALLS.name, agent_id="outer", model=MODEL, status="ok") == 4.0
    assert v(c.LLM_TOKENS.name, agent_id="outer", model=MODEL, token_type="input") == 370.0
    assert v(c.LLM_TOKENS.name, agent_id="outer", model=MODEL, token_type="output") == 37.0
    assert v(c.TOOL_CALLS.name, agent_id="outer", tool="inner", status="ok") == 1.0
    assert v(c.TOOL_CALLS.name, agent_id="outer", tool="get_weather", status="ok") == 1.0
    cost = (370 * 1.0 + 37 * 2.0) / 1e6  # the whole turn's tokens at the table's prices
    assert v(c.COST_PER_INTERACTION.name, agent_id="outer",
             cost_center="default") == pytest.approx(cost)
    assert v(c.COST_PER_INTERACTION.name, agent_id="inner", cost_center="default") is None
    assert v(c.INTERACTION_COST.name + "_count", agent_id="outer", cost_center="default") == 1.0
    assert v(c.SATISFACTION_SCORE.name, agent_id="outer") == 4.0
    assert v(c.SATISFACTION_SCORE.name, agent_id="inner") is None
    lines = _turn_lines(telemetry)
    assert [(line["agent_id"], line["status_code"]) for line in lines] == [("outer", "200")]
    runs = {s.name: dict(s.attributes or {}) for s in telemetry.spans()
            if s.name.startswith("invoke_workflow")}
    assert runs["invoke_workflow outer"][c.SPAN_ATTR_COST] == pytest.approx(cost)
    assert runs["invoke_workflow outer"]["http.response.status_code"] == 200
    assert c.SPAN_ATTR_COST not in runs["invoke_workflow inner"]  # a tool call's span, no turn
    assert _in_flight(plugin) == 0


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

    asyncio.run(_cancel_once_asked(_runner(agent, plugin), asked))
    telemetry.handle.force_flush()
    v = telemetry.value
    assert v(c.ACTIVE_CONVERSATIONS.name, agent_id="slow") == 0.0
    assert v(c.REQUESTS.name, agent_id="slow", method="turn", endpoint="agent",
             status_code=c.STATUS_CODE_OK) is None
    assert v(c.LLM_CALLS.name, agent_id="slow", model=MODEL, status="ok") is None
    assert _in_flight(plugin) == 0


def test_two_runs_one_task_drives_by_turns_are_two_turns(telemetry: Telemetry) -> None:
    # Not a nested run: one task consumes a run's events, and between two of them starts and
    # finishes another run (on another session). ADK drives a run's generator in the context of
    # its consumer, so the first run is "around" the second there; each is still a turn.
    model = ScriptedModel([
        ToolCall("get_weather", {"city": "Paris"}, input_tokens=10, output_tokens=1),
        Answer("Sunny.", input_tokens=20, output_tokens=2),
    ])
    agent = LlmAgent(name="weather", model=model, tools=[get_weather])
    plugin = ObservabilityPlugin()

    async def interleaved() -> None:
        runner = _runner(agent, plugin)
        first = (await runner.session_service.create_session(app_name=APP, user_id=USER)).id
        message = types.Content(role="user", parts=[types.Part(text="hello")])
        events = runner.run_async(user_id=USER, session_id=first, new_message=message)
        await anext(events)  # the first run's tool call: it is in flight
        await _turn(runner)  # a second session's whole turn meanwhile
        assert [e async for e in events]

    asyncio.run(interleaved())
    v = telemetry.value
    assert v(c.REQUESTS.name, agent_id="weather", method="turn", endpoint="agent",
             status_code=c.STATUS_CODE_OK) == 2.0
    assert v(c.LLM_CALLS.name, agent_id="weather", model=MODEL, status="ok") == 4.0
    assert v(c.ACTIVE_CONVERSATIONS.name, agent_id="weather") == 0.0
    assert len(_turn_lines(telemetry)) == 2
    assert _in_flight(plugin) == 0


def test_a_streamed_answer_of_an_agent_called_as_a_tool_is_no_first_token_of_the_turn(
    telemetry: Telemetry,
) -> None:
    # With streaming, AgentTool runs its agent unary (its text is the tool's result, which the
    # user never sees): the turn's one first token is the first chunk of the outer agent's
    # answer, after at least that answer's delay.
    delay = 0.2
    inner = LlmAgent(name="inner", model=ScriptedModel([Answer("Sunny.", chunks=3)]))
    outer = LlmAgent(name="outer", tools=[AgentTool(inner)], model=ScriptedModel([
        ToolCall("inner", {"request": "weather in Paris?"}),
        Answer("It is sunny in Paris.", delay=delay, chunks=3),
    ]))
    plugin = ObservabilityPlugin()

    async def streamed() -> None:
        runner = _runner(outer, plugin)
        session = await runner.session_service.create_session(app_name=APP, user_id=USER)
        message = types.Content(role="user", parts=[types.Part(text="hello")])
        config = RunConfig(streaming_mode=StreamingMode.SSE)
        assert [e async for e in runner.run_async(
            user_id=USER, session_id=session.id, new_message=message, run_config=config)]

    asyncio.run(streamed())
    telemetry.handle.force_flush()
    v = telemetry.value
    assert v(c.FIRST_TOKEN.name + "_count", agent_id="outer") == 1.0
    assert v(c.FIRST_TOKEN.name + "_count", agent_id="inner") is None
    assert v(c.FIRST_TOKEN.name + "_sum", agent_id="outer") >= delay
    assert _in_flight(plugin) == 0


def test_a_run_cancelled_inside_an_agent_called_as_a_tool_leaves_nothing_in_flight(
    telemetry: Telemetry,
) -> None:
    # The user's run is cancelled while the agent it called as a tool waits for its model:
    # ADK ends neither run; the turn leaves the active conversations and the plugin holds
    # nothing of either run.
    asked = asyncio.Event()

    def note(callback_context: Any, llm_request: Any) -> None:
        asked.set()

    inner = LlmAgent(name="inner", before_model_callback=note,
                     model=ScriptedModel([Answer("too late", delay=3600)]))
    outer = LlmAgent(name="outer", tools=[AgentTool(inner)], model=ScriptedModel([
        ToolCall("inner", {"request": "weather in Paris?"}), Answer("never"),
    ]))
    plugin = ObservabilityPlugin()

    asyncio.run(_cancel_once_asked(_runner(outer, plugin), asked))
    telemetry.handle.force_flush()
    v = telemetry.value
    assert v(c.ACTIVE_CONVERSATIONS.name, agent_id="outer") == 0.0
    assert v(c.ACTIVE_CONVERSATIONS.name, agent_id="inner") is None
    assert v(c.REQUESTS.name, agent_id="outer", method="turn", endpoint="agent",
             status_code=c.STATUS_CODE_OK) is None
    assert _in_flight(plugin) == 0


def test_a_run_started_in_a_new_task_after_a_timed_out_run_is_a_turn(
    telemetry: Telemetry,
) -> None:
    # A server task bounds a run with asyncio.timeout; it times out during its model call (ADK
    # calls no hook, and the task lives on, so the plugin still counts it in flight). The task
    # then serves the next message in a task of its own, which inherits the task's context: that
    # run is no part of the timed-out one (which has no tool call it could run in), but a turn.
    deadline: list[asyncio.Timeout] = []

    def expire(callback_context: Any, llm_request: Any) -> None:
        if deadline:  # the first run's model call: its deadline is now
            deadline.pop().reschedule(asyncio.get_running_loop().time())

    model = ScriptedModel([Answer("slow", delay=3600)])
    agent = LlmAgent(name="served", model=model, before_model_callback=expire)
    plugin = ObservabilityPlugin()

    async def serve() -> None:
        runner = _runner(agent, plugin)
        timed_out = False
        try:
            async with asyncio.timeout(None) as timeout:
                deadline.append(timeout)
                await _turn(runner)
        except TimeoutError:
            timed_out = True
        assert timed_out
        model.script = (Answer("fast", input_tokens=20, output_tokens=2),)
        await asyncio.create_task(_turn(runner))  # the next message
        telemetry.handle.force_flush()  # measured while the serving task lives on
        v = telemetry.value
        assert v(c.REQUESTS.name, agent_id="served", method="turn", endpoint="agent",
                 status_code=c.STATUS_CODE_OK) == 1.0
        assert v(c.LLM_CALLS.name, agent_id="served", model=MODEL, status="ok") == 1.0
        assert len(_turn_lines(telemetry)) == 1

    asyncio.run(serve())


def test_runs_whose_end_came_in_another_context_are_not_kept(telemetry: Telemetry) -> None:
    # ADK may call after_run in a context that is not the one of before_run (a generator closed
    # from elsewhere): the run in progress then stays set in the first context. Runs started
    # there one after another must not keep each other alive (each one's context token holds
    # the value it replaced).
    plugin = ObservabilityPlugin()
    agent = SimpleNamespace(name="served")
    session = SimpleNamespace(id="s", user_id="u", events=[], state={})

    def runs() -> None:
        for i in range(50):
            run = SimpleNamespace(invocation_id=f"i{i}", agent=agent, session=session)
            plugin._guard(plugin._before_run, run)  # the hook's body, as ADK's await runs it
            contextvars.copy_context().run(plugin._guard, plugin._finish_run, run, None)

    # The first context is a copy of the test's, left set as ADK would leave it (the test's own
    # context stays clean: a run left there was the agent of later tests' recordings).
    first = contextvars.copy_context()
    first.run(runs)
    telemetry.handle.force_flush()
    assert telemetry.value(c.REQUESTS.name, agent_id="served", method="turn", endpoint="agent",
                           status_code=c.STATUS_CODE_OK) == 50.0
    gc.collect()
    assert sum(isinstance(o, deferred.Run) for o in gc.get_objects()) <= 2
