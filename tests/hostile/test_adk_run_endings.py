"""How the ADK plugin counts runs and calls that end otherwise than by finishing: a client that
stops reading, an abort, a tool cancelled by its failing sibling, a callback that answers for a
tool, an agent called as a tool without the caller's plugins, a deadline. A real InMemoryRunner
and the scripted model; the expected values are counted by hand from the scripts and from what
ADK calls (google/adk/runners.py, flows/llm_flows/tools/_caller.py, tools/agent_tool.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from google.adk.agents import LlmAgent
from google.adk.apps import App
from google.adk.runners import InMemoryRunner
from google.adk.tools.agent_tool import AgentTool
from google.genai import types
from tests.telemetry_support import Telemetry, make_telemetry, reset_state

from adk_observe import conventions as c
from adk_observe.adk import ObservabilityPlugin
from adk_observe.adk.introspect import answered
from adk_observe.testing import Answer, ScriptedModel, ToolCall

APP, USER, MODEL = "endings", "user-1", "scripted-model"
PRICES = {MODEL: (1.0, 2.0)}  # per million input / output tokens


@pytest.fixture(autouse=True)
def _reset(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from reset_state(monkeypatch)


@pytest.fixture
def telemetry() -> Telemetry:
    return make_telemetry("endings", prices=PRICES)


def get_weather(city: str) -> dict[str, str]:
    """The weather in `city`."""
    return {"city": city, "sky": "sunny"}


def _weather_agent(name: str = "weather") -> LlmAgent:
    return LlmAgent(name=name, tools=[get_weather], model=ScriptedModel([
        ToolCall("get_weather", {"city": "Paris"}), Answer("Sunny."),
    ]))


def _runner(root: Any, plugin: ObservabilityPlugin) -> InMemoryRunner:
    return InMemoryRunner(app=App(name=APP, root_agent=root, plugins=[plugin]))


def _message() -> types.Content:
    return types.Content(role="user", parts=[types.Part(text="hello")])


async def _session(runner: InMemoryRunner) -> str:
    return (await runner.session_service.create_session(app_name=APP, user_id=USER)).id


def _requests(telemetry: Telemetry, agent: str, code: str) -> float | None:
    return telemetry.value(c.REQUESTS.name, agent_id=agent, method="turn", endpoint="agent",
                           status_code=code)


def _in_flight(plugin: ObservabilityPlugin) -> int:
    return len(plugin._runs) + len(plugin._models) + len(plugin._tools)


async def _closed(plugin: ObservabilityPlugin) -> None:
    """Let the loop run until the plugin holds no run (ADK closed it), a thousand steps at most."""
    for _ in range(1000):
        if not plugin._runs:
            return
        await asyncio.sleep(0)


def _turn_lines(telemetry: Telemetry) -> list[dict[str, Any]]:
    return [line for line in telemetry.log_lines() if line["message"].startswith("agent turn")]


def _assert_abandoned(telemetry: Telemetry, plugin: ObservabilityPlugin, agent: str) -> None:
    """The turn was abandoned: no request either way, no longer active, nothing held."""
    telemetry.handle.force_flush()
    assert _requests(telemetry, agent, c.STATUS_CODE_OK) is None
    assert _requests(telemetry, agent, c.STATUS_CODE_ERROR) is None
    assert telemetry.value(c.SUCCESSFUL_INTERACTIONS.name, agent_id=agent,
                           interaction_type="agent_turn") is None
    assert telemetry.value(c.ACTIVE_CONVERSATIONS.name, agent_id=agent) == 0.0
    assert _turn_lines(telemetry) == []
    assert _in_flight(plugin) == 0


# --- a client that stops reading -------------------------------------------------------------


def test_a_turn_whose_consumer_breaks_out_is_abandoned_not_a_success(
    telemetry: Telemetry,
) -> None:
    # A server streams a run's events to a client that disconnects after the first one: it
    # breaks out of `async for` and serves on. The generator is closed when it is collected
    # (asyncio's finaliser: aclose() in a task of its own); ADK then calls after_run, as for a
    # clean end, with GeneratorExit in flight. The user never got the answer: not a 200.
    plugin = ObservabilityPlugin()
    runner = _runner(_weather_agent(), plugin)

    async def serve() -> None:
        async for _ in runner.run_async(user_id=USER, session_id=await _session(runner),
                                        new_message=_message()):
            break
        await _closed(plugin)  # the finaliser's aclose() task runs meanwhile
        _assert_abandoned(telemetry, plugin, "weather")  # while the task still serves

    asyncio.run(serve())


def test_a_turn_closed_with_aclose_is_abandoned(telemetry: Telemetry) -> None:
    plugin = ObservabilityPlugin()
    runner = _runner(_weather_agent(), plugin)

    async def serve() -> None:
        events = runner.run_async(user_id=USER, session_id=await _session(runner),
                                  new_message=_message())
        await anext(events)
        await events.aclose()
        _assert_abandoned(telemetry, plugin, "weather")

    asyncio.run(serve())


def test_a_turn_aborted_by_its_abort_signal_is_abandoned(telemetry: Telemetry) -> None:
    # ADK's own API server sets a run's abort_signal when the client disconnects; ADK then ends
    # the run early and calls after_run (invocation_context.is_aborted is true).
    plugin = ObservabilityPlugin()
    runner = _runner(_weather_agent(), plugin)

    async def serve() -> None:
        signal = asyncio.Event()
        async for _ in runner.run_async(user_id=USER, session_id=await _session(runner),
                                        new_message=_message(), abort_signal=signal):
            signal.set()
        _assert_abandoned(telemetry, plugin, "weather")

    asyncio.run(serve())


def test_a_sync_run_whose_caller_stops_reading_is_abandoned(telemetry: Telemetry) -> None:
    # Runner.run drives run_async on a thread of its own; a caller that stops reading makes
    # it cancel that run with ADK's "caller closed early" message, and ADK calls after_run.
    # (The answer takes an hour: the thread cannot finish the run before the caller stops.)
    agent = LlmAgent(name="weather", tools=[get_weather], model=ScriptedModel([
        ToolCall("get_weather", {"city": "Paris"}), Answer("Sunny.", delay=3600),
    ]))
    plugin = ObservabilityPlugin()
    runner = _runner(agent, plugin)
    session = asyncio.run(_session(runner))
    events = runner.run(user_id=USER, session_id=session, new_message=_message())
    next(events)
    events.close()
    _assert_abandoned(telemetry, plugin, "weather")


def test_a_consumer_that_leaves_at_its_own_message_started_no_turn(telemetry: Telemetry) -> None:
    # With yield_user_message the first event is the user's own message, yielded before ADK
    # calls before_run; ADK still calls after_run when the consumer leaves there. No run began:
    # nothing is counted, not even as active.
    plugin = ObservabilityPlugin()
    runner = _runner(_weather_agent(), plugin)

    async def serve() -> None:
        events = runner.run_async(user_id=USER, session_id=await _session(runner),
                                  new_message=_message(), yield_user_message=True)
        first = await anext(events)
        assert first.author == "user"
        await events.aclose()
        telemetry.handle.force_flush()
        assert _requests(telemetry, "weather", c.STATUS_CODE_OK) is None
        assert telemetry.value(c.ACTIVE_CONVERSATIONS.name, agent_id="weather") is None
        assert _in_flight(plugin) == 0

    asyncio.run(serve())


def test_a_consumer_that_breaks_once_it_has_the_final_response_had_a_successful_turn(
    telemetry: Telemetry,
) -> None:
    # ADK's own tutorials stop reading at the final response (`if event.is_final_response():
    # break`): the generator is closed with GeneratorExit as above, but the user got the
    # answer. A turn like any other: 200.
    plugin = ObservabilityPlugin()
    runner = _runner(_weather_agent(), plugin)

    async def serve() -> None:
        async for event in runner.run_async(user_id=USER, session_id=await _session(runner),
                                            new_message=_message()):
            if event.is_final_response():
                break
        await _closed(plugin)
        telemetry.handle.force_flush()
        assert _requests(telemetry, "weather", c.STATUS_CODE_OK) == 1.0
        assert telemetry.value(c.ACTIVE_CONVERSATIONS.name, agent_id="weather") == 0.0
        assert len(_turn_lines(telemetry)) == 1
        assert _in_flight(plugin) == 0

    asyncio.run(serve())


def test_the_tutorial_loop_that_breaks_at_the_final_response_and_returns_is_a_turn(
    telemetry: Telemetry,
) -> None:
    # ADK's quickstart: a coroutine reads the run until the final response and returns from
    # the loop; asyncio.run (or a server's task per request) ends its task at once. The end
    # comes before ADK's after_run (the generator is closed later, when collected, or at the
    # loop's shutdown): the run is still in flight then, but its answer was given. One turn.
    plugin = ObservabilityPlugin()
    runner = _runner(_weather_agent(), plugin)

    async def call_agent() -> str:
        session = await _session(runner)
        async for event in runner.run_async(user_id=USER, session_id=session,
                                            new_message=_message()):
            if event.is_final_response():
                return str(event.content.parts[0].text)
        return ""

    async def serve() -> None:
        assert await asyncio.create_task(call_agent()) == "Sunny."  # a task per request
        await _closed(plugin)

    assert asyncio.run(call_agent()) == "Sunny."
    asyncio.run(serve())
    telemetry.handle.force_flush()
    assert _requests(telemetry, "weather", c.STATUS_CODE_OK) == 2.0
    assert telemetry.value(c.SUCCESSFUL_INTERACTIONS.name, agent_id="weather",
                           interaction_type="agent_turn") == 2.0
    assert telemetry.value(c.ACTIVE_CONVERSATIONS.name, agent_id="weather") == 0.0
    assert len(_turn_lines(telemetry)) == 2
    assert _in_flight(plugin) == 0


def test_a_turn_aborted_after_its_final_response_is_a_success(telemetry: Telemetry) -> None:
    # The abort comes once the answer was out: ADK still seals the run with its abort event
    # (error code INVOCATION_ABORTED), which is no answer of the agent's; the user had one.
    plugin = ObservabilityPlugin()
    runner = _runner(_weather_agent(), plugin)

    async def serve() -> None:
        signal = asyncio.Event()
        async for event in runner.run_async(user_id=USER, session_id=await _session(runner),
                                            new_message=_message(), abort_signal=signal):
            if event.is_final_response():
                signal.set()
        telemetry.handle.force_flush()
        assert _requests(telemetry, "weather", c.STATUS_CODE_OK) == 1.0
        assert _in_flight(plugin) == 0

    asyncio.run(serve())


def test_a_turn_read_to_its_end_is_a_success(telemetry: Telemetry) -> None:
    plugin = ObservabilityPlugin()
    runner = _runner(_weather_agent(), plugin)

    async def serve() -> None:
        events = runner.run_async(user_id=USER, session_id=await _session(runner),
                                  new_message=_message())
        assert [e async for e in events]

    asyncio.run(serve())
    telemetry.handle.force_flush()
    assert _requests(telemetry, "weather", c.STATUS_CODE_OK) == 1.0
    assert telemetry.value(c.ACTIVE_CONVERSATIONS.name, agent_id="weather") == 0.0
    assert _in_flight(plugin) == 0


# --- tool calls that did not run to their end ------------------------------------------------


def test_a_tool_cancelled_because_its_parallel_sibling_failed_is_no_tool_error(
    telemetry: Telemetry,
) -> None:
    # The model asks for two tools at once; `broken` raises once `slow` is running, and ADK
    # cancels `slow` (calling on_tool_error with the CancelledError, for cleanup). The turn
    # failed and `broken` failed; `slow` neither failed nor finished: it is no tool call.
    started = asyncio.Event()

    async def slow() -> dict[str, str]:
        """Takes its time."""
        started.set()
        await asyncio.sleep(3600)
        return {"never": "returned"}

    async def broken() -> dict[str, str]:
        """Fails."""
        await started.wait()
        raise RuntimeError("broken tool")

    agent = LlmAgent(name="parallel", tools=[slow, broken], model=ScriptedModel([
        ToolCall("slow", {}, more=(("broken", {}),)), Answer("never"),
    ]))
    plugin = ObservabilityPlugin()

    async def turn() -> None:
        runner = _runner(agent, plugin)
        with pytest.raises(RuntimeError, match="broken tool"):
            async for _ in runner.run_async(user_id=USER, session_id=await _session(runner),
                                            new_message=_message()):
                pass

    asyncio.run(turn())
    telemetry.handle.force_flush()
    v = telemetry.value
    assert _requests(telemetry, "parallel", c.STATUS_CODE_ERROR) == 1.0
    assert v(c.TOOL_CALLS.name, agent_id="parallel", tool="broken", status="error") == 1.0
    assert v(c.TOOL_CALLS.name, agent_id="parallel", tool="slow", status="error") is None
    assert v(c.TOOL_CALLS.name, agent_id="parallel", tool="slow", status="ok") is None
    assert v(c.TOOL_CALL_DURATION.name + "_count", agent_id="parallel", tool="slow",
             status="error") is None
    tool_lines = [line for line in telemetry.log_lines() if line.get("tool") == "slow"]
    assert tool_lines == []
    assert _in_flight(plugin) == 0


def test_a_tool_call_a_before_tool_callback_answered_counts_as_adk_reports_it(
    telemetry: Telemetry,
) -> None:
    # The plugin's before_tool runs first; the agent's callback then answers, so the tool never
    # runs, but ADK calls the plugin's after_tool with that answer exactly as for a tool that
    # ran (and counts it in its own tool-execution metric and execute_tool span). The plugin
    # cannot tell the two apart: it counts one tool call, as documented.
    ran: list[str] = []

    def lookup(city: str) -> dict[str, str]:
        """The weather in `city`."""
        ran.append(city)
        return {"sky": "rain"}

    def cached(tool: Any, args: dict[str, Any], tool_context: Any) -> dict[str, str]:
        return {"sky": "sunny (cached)"}

    agent = LlmAgent(name="cached", tools=[lookup], before_tool_callback=cached,
                     model=ScriptedModel([ToolCall("lookup", {"city": "Paris"}), Answer("Ok.")]))
    plugin = ObservabilityPlugin()

    async def turn() -> None:
        runner = _runner(agent, plugin)
        assert [e async for e in runner.run_async(
            user_id=USER, session_id=await _session(runner), new_message=_message())]

    asyncio.run(turn())
    telemetry.handle.force_flush()
    assert ran == []
    assert telemetry.value(c.TOOL_CALLS.name, agent_id="cached", tool="lookup",
                           status="ok") == 1.0
    assert _requests(telemetry, "cached", c.STATUS_CODE_OK) == 1.0
    assert _in_flight(plugin) == 0


# --- an agent called as a tool without the caller's plugins ----------------------------------


def test_an_agent_tool_without_plugins_is_one_tool_call_of_a_correct_turn(
    telemetry: Telemetry,
) -> None:
    # AgentTool(include_plugins=False) runs its agent in a Runner with no plugins: ADK calls
    # no hook for the inner agent's model and tool calls. The turn is still one request, one
    # turn line and one active conversation; its calls are the outer agent's two model calls
    # and the one AgentTool call, and its cost is theirs alone.
    inner = LlmAgent(name="inner", tools=[get_weather], model=ScriptedModel([
        ToolCall("get_weather", {"city": "Paris"}, input_tokens=30, output_tokens=3),
        Answer("Sunny.", input_tokens=40, output_tokens=4),
    ]))
    outer = LlmAgent(name="outer", tools=[AgentTool(inner, include_plugins=False)],
                     model=ScriptedModel([
                         ToolCall("inner", {"request": "weather?"}, input_tokens=100,
                                  output_tokens=10),
                         Answer("It is sunny.", input_tokens=200, output_tokens=20),
                     ]))
    plugin = ObservabilityPlugin()

    async def turn() -> None:
        runner = _runner(outer, plugin)
        assert [e async for e in runner.run_async(
            user_id=USER, session_id=await _session(runner), new_message=_message())]

    asyncio.run(turn())
    telemetry.handle.force_flush()
    v = telemetry.value
    assert _requests(telemetry, "outer", c.STATUS_CODE_OK) == 1.0
    assert _requests(telemetry, "inner", c.STATUS_CODE_OK) is None
    assert v(c.ACTIVE_CONVERSATIONS.name, agent_id="outer") == 0.0
    assert v(c.LLM_CALLS.name, agent_id="outer", model=MODEL, status="ok") == 2.0
    assert v(c.LLM_TOKENS.name, agent_id="outer", model=MODEL, token_type="input") == 300.0
    assert v(c.LLM_TOKENS.name, agent_id="outer", model=MODEL, token_type="output") == 30.0
    assert v(c.TOOL_CALLS.name, agent_id="outer", tool="inner", status="ok") == 1.0
    assert v(c.TOOL_CALLS.name, agent_id="outer", tool="get_weather", status="ok") is None
    cost = (300 * 1.0 + 30 * 2.0) / 1e6
    assert v(c.COST_PER_INTERACTION.name, agent_id="outer",
             cost_center="default") == pytest.approx(cost)
    assert [line["agent_id"] for line in _turn_lines(telemetry)] == ["outer"]
    assert _in_flight(plugin) == 0


# --- a deadline --------------------------------------------------------------------------------


def test_a_run_cut_short_by_asyncio_timeout_stays_active_until_its_task_ends(
    telemetry: Telemetry,
) -> None:
    # asyncio.timeout cancels the serving task during the model call; ADK calls no hook for a
    # cancelled run (and nothing the plugin could watch ends with it), so the run is active
    # while that task serves on, as documented, and leaves when the task ends. It is no
    # request either way.
    deadline: list[asyncio.Timeout] = []

    def expire(callback_context: Any, llm_request: Any) -> None:
        deadline.pop().reschedule(asyncio.get_running_loop().time())  # the deadline is now

    agent = LlmAgent(name="slow", before_model_callback=expire,
                     model=ScriptedModel([Answer("too late", delay=3600)]))
    plugin = ObservabilityPlugin()

    async def serve() -> None:
        runner = _runner(agent, plugin)
        session = await _session(runner)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(None) as timeout:
                deadline.append(timeout)
                async for _ in runner.run_async(user_id=USER, session_id=session,
                                                new_message=_message()):
                    pass
        telemetry.handle.force_flush()
        assert telemetry.value(c.ACTIVE_CONVERSATIONS.name, agent_id="slow") == 1.0

    asyncio.run(serve())
    telemetry.handle.force_flush()
    assert telemetry.value(c.ACTIVE_CONVERSATIONS.name, agent_id="slow") == 0.0
    assert _requests(telemetry, "slow", c.STATUS_CODE_OK) is None
    assert _in_flight(plugin) == 0


def test_a_run_bounded_by_its_abort_signal_leaves_at_once(telemetry: Telemetry) -> None:
    # The documented alternative to asyncio.timeout: set the run's abort_signal when its time
    # is up. ADK ends the run (its model call is cancelled) and calls after_run: the turn is
    # abandoned at once, while the task serves on.
    signal = asyncio.Event()

    def expire(callback_context: Any, llm_request: Any) -> None:
        signal.set()  # the model is being called: its time is up

    agent = LlmAgent(name="slow", before_model_callback=expire,
                     model=ScriptedModel([Answer("too late", delay=3600)]))
    plugin = ObservabilityPlugin()

    async def serve() -> None:
        runner = _runner(agent, plugin)
        async for _ in runner.run_async(user_id=USER, session_id=await _session(runner),
                                        new_message=_message(), abort_signal=signal):
            pass
        _assert_abandoned(telemetry, plugin, "slow")

    asyncio.run(serve())


def test_whether_a_run_was_answered_is_read_from_any_session_shape() -> None:
    # `answered` reads ADK objects only through getattr: a session without events, events
    # without the fields, another run's final response: no answer of this run, no exception.
    final = SimpleNamespace(invocation_id="i", author="agent", error_code=None,
                            is_final_response=lambda: True)
    other = SimpleNamespace(invocation_id="j", author="agent", is_final_response=lambda: True)
    seal = SimpleNamespace(invocation_id="i", author="agent", error_code="INVOCATION_ABORTED",
                           is_final_response=lambda: True)
    assert answered(None, "i") is False
    assert answered(SimpleNamespace(events=None), "i") is False
    assert answered(SimpleNamespace(events=[object()]), "i") is False
    assert answered(SimpleNamespace(events=[other]), "i") is False
    assert answered(SimpleNamespace(events=[SimpleNamespace(invocation_id="i")]), "i") is False
    assert answered(SimpleNamespace(events=[final, other, seal]), "i") is True
