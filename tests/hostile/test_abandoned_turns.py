"""Turns the user gave up on are counted: `adk_agent_abandoned_turns_total{agent_id}`.

Surface: how a turn ends when its user (a client, a load balancer cutting it at 30 s) goes away,
through every front end: a real ADK Runner (consumer break, task cancelled while the model
hangs, abort_signal), `agent_turn` (as a block, under `asyncio.timeout`, as a decorated coroutine
and stream) and the ASGI middleware (a client disconnect, a cancelled request). Bound: a turn
cancelled or closed before its end counts once as abandoned, is no request (neither 200 nor 500)
and is no longer active; an exception stays a 500 and abandons nothing; a turn that starts makes
the abandoned series exist at 0 (so rate() sees its first abandon). Expected values are counted
by hand from the scenarios.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from google.adk.agents import LlmAgent
from google.adk.apps import App
from google.adk.runners import InMemoryRunner
from google.genai import types
from tests.telemetry_support import Telemetry, make_telemetry, reset_state

from adk_observe import ObservabilityMiddleware, agent_turn
from adk_observe import conventions as c
from adk_observe.adk import ObservabilityPlugin
from adk_observe.testing import Answer, ScriptedModel

APP, USER = "abandons", "user-1"


@pytest.fixture(autouse=True)
def _reset(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from reset_state(monkeypatch)


@pytest.fixture
def telemetry() -> Telemetry:
    return make_telemetry("abandons")


def _abandoned(telemetry: Telemetry, agent: str) -> float | None:
    telemetry.handle.force_flush()
    return telemetry.value(c.ABANDONED_TURNS.name, agent_id=agent)


def _requests(telemetry: Telemetry, agent: str, **labels: str) -> float:
    """Every request of `agent`, whatever its status code."""
    telemetry.handle.force_flush()
    total = 0.0
    for metric in telemetry.registry.collect():
        for sample in metric.samples:
            wanted = {c.LABEL_AGENT_ID: agent, **labels}
            if sample.name == c.REQUESTS.name and all(
                    sample.labels[k] == v for k, v in wanted.items()):
                total += sample.value
    return total


def _assert_abandoned_once(telemetry: Telemetry, agent: str) -> None:
    assert _abandoned(telemetry, agent) == 1.0
    assert _requests(telemetry, agent) == 0.0
    assert telemetry.value(c.ACTIVE_CONVERSATIONS.name, agent_id=agent) == 0.0


# --- the ADK plugin ----------------------------------------------------------------------------


def _runner(answer: Answer, name: str = "hung") -> tuple[InMemoryRunner, ScriptedModel]:
    model = ScriptedModel([answer])
    app = App(name=APP, root_agent=LlmAgent(name=name, model=model),
              plugins=[ObservabilityPlugin()])
    return InMemoryRunner(app=app), model


def _message() -> types.Content:
    return types.Content(role="user", parts=[types.Part(text="hello")])


async def _session(runner: InMemoryRunner) -> str:
    return (await runner.session_service.create_session(app_name=APP, user_id=USER)).id


def test_clients_giving_up_on_a_hanging_model_are_counted(telemetry: Telemetry) -> None:
    # The all-hang case: the model never answers, each client gives up (the load balancer cuts
    # it, the serving task is cancelled). Three turns, three abandons, no request at all.
    runner, model = _runner(Answer("never", delay=3600))

    async def serve() -> None:
        for turn in range(1, 4):
            task = asyncio.create_task(_drain(runner, await _session(runner)))
            while model.calls < turn:
                await asyncio.sleep(0.01)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    asyncio.run(serve())
    assert _abandoned(telemetry, "hung") == 3.0
    assert _requests(telemetry, "hung") == 0.0
    assert telemetry.value(c.ACTIVE_CONVERSATIONS.name, agent_id="hung") == 0.0


async def _drain(runner: InMemoryRunner, session: str, **kwargs: Any) -> None:
    async for _ in runner.run_async(user_id=USER, session_id=session, new_message=_message(),
                                    **kwargs):
        pass


def test_a_consumer_that_breaks_out_before_the_answer_is_counted(telemetry: Telemetry) -> None:
    runner, _ = _runner(Answer("Sunny.", chunks=3))

    async def serve() -> None:
        events = runner.run_async(user_id=USER, session_id=await _session(runner),
                                  new_message=_message(),
                                  run_config=_sse())
        await anext(events)  # the first partial: not the answer yet
        await events.aclose()

    asyncio.run(serve())
    _assert_abandoned_once(telemetry, "hung")


def _sse() -> Any:
    from google.adk.agents.run_config import RunConfig, StreamingMode

    return RunConfig(streaming_mode=StreamingMode.SSE)


def test_a_run_aborted_by_its_abort_signal_is_counted(telemetry: Telemetry) -> None:
    signal = asyncio.Event()
    model = ScriptedModel([Answer("too late", delay=3600)])

    def expire(callback_context: Any, llm_request: Any) -> None:
        signal.set()  # a client disconnected: ADK's API server sets the signal

    agent = LlmAgent(name="hung", model=model, before_model_callback=expire)
    runner = InMemoryRunner(app=App(name=APP, root_agent=agent, plugins=[ObservabilityPlugin()]))

    async def serve() -> None:
        await _drain(runner, await _session(runner), abort_signal=signal)

    asyncio.run(serve())
    _assert_abandoned_once(telemetry, "hung")


def test_a_run_cut_by_asyncio_timeout_is_counted_when_its_task_ends(telemetry: Telemetry) -> None:
    # ADK calls no hook for a run its task's timeout cancels: the plugin sees it end with the
    # task (docs: "is abandoned then").
    runner, _ = _runner(Answer("too late", delay=3600))

    async def serve() -> None:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await _drain(runner, await _session(runner))

    asyncio.run(serve())
    _assert_abandoned_once(telemetry, "hung")


def test_an_answered_turn_abandons_nothing_and_shows_the_series_at_zero(
    telemetry: Telemetry,
) -> None:
    runner, _ = _runner(Answer("Sunny."), name="healthy")

    async def serve() -> None:
        await _drain(runner, await _session(runner))

    asyncio.run(serve())
    assert _abandoned(telemetry, "healthy") == 0.0  # exists, so rate() sees a first abandon
    assert _requests(telemetry, "healthy", status_code=c.STATUS_CODE_OK) == 1.0


# --- agent_turn ---------------------------------------------------------------------------------


def test_a_cancelled_agent_turn_block_is_abandoned_not_a_500(telemetry: Telemetry) -> None:
    started = asyncio.Event()

    async def turn() -> None:
        with agent_turn("blocks"):
            started.set()
            await asyncio.sleep(3600)

    async def serve() -> None:
        task = asyncio.create_task(turn())
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):  # propagates unchanged
            await task

    asyncio.run(serve())
    _assert_abandoned_once(telemetry, "blocks")
    (span,) = telemetry.spans()
    assert span.status.is_ok  # a client's cancellation is no failure of the agent


def test_a_turn_cut_by_a_timeout_around_it_is_abandoned(telemetry: Telemetry) -> None:
    # asyncio.timeout cancels the block; the block sees CancelledError (the timeout turns it
    # into TimeoutError only once it leaves the `async with`): the caller gave up on the turn.
    async def serve() -> None:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.01):
                with agent_turn("deadline"):
                    await asyncio.sleep(3600)

    asyncio.run(serve())
    _assert_abandoned_once(telemetry, "deadline")


def test_a_timeout_inside_the_turn_is_the_agents_own_failure(telemetry: Telemetry) -> None:
    # The agent bounds its own model call and lets the TimeoutError out: it failed its user.
    async def serve() -> None:
        with pytest.raises(TimeoutError), agent_turn("deadline"):
            async with asyncio.timeout(0.01):
                await asyncio.sleep(3600)

    asyncio.run(serve())
    assert _requests(telemetry, "deadline", status_code=c.STATUS_CODE_ERROR) == 1.0
    assert _abandoned(telemetry, "deadline") == 0.0


def test_an_exception_stays_a_500_and_abandons_nothing(telemetry: Telemetry) -> None:
    with pytest.raises(KeyError), agent_turn("errors"):
        raise KeyError("x")
    assert _requests(telemetry, "errors", status_code=c.STATUS_CODE_ERROR) == 1.0
    assert _abandoned(telemetry, "errors") == 0.0


def test_a_decorated_coroutine_that_is_cancelled_is_abandoned(telemetry: Telemetry) -> None:
    @agent_turn("decorated")
    async def answer() -> str:
        await asyncio.sleep(3600)
        return "never"

    async def serve() -> None:
        task = asyncio.create_task(answer())
        await asyncio.sleep(0.01)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(serve())
    _assert_abandoned_once(telemetry, "decorated")


def test_a_streamed_turn_closed_before_its_end_is_abandoned(telemetry: Telemetry) -> None:
    @agent_turn("streamed")
    def sync_answer() -> Iterator[str]:
        yield from ("Sun", "ny", ".")

    @agent_turn("streamed")
    async def async_answer() -> AsyncIterator[str]:
        for chunk in ("Sun", "ny", "."):
            yield chunk

    stream = sync_answer()
    next(stream)
    stream.close()  # the client left after the first chunk

    async def take_one() -> None:
        agen = async_answer()
        await anext(agen)
        await agen.aclose()

    asyncio.run(take_one())
    assert _abandoned(telemetry, "streamed") == 2.0
    assert _requests(telemetry, "streamed") == 0.0
    assert list(sync_answer()) == ["Sun", "ny", "."]  # read to its end: answered
    assert _requests(telemetry, "streamed", status_code=c.STATUS_CODE_OK) == 1.0
    assert _abandoned(telemetry, "streamed") == 2.0


def test_a_turn_block_in_a_generator_closed_early_is_abandoned(telemetry: Telemetry) -> None:
    def answer() -> Iterator[str]:
        with agent_turn("own-generator"):
            yield "Sun"
            yield "ny."

    stream = answer()
    next(stream)
    stream.close()
    _assert_abandoned_once(telemetry, "own-generator")


# --- the ASGI middleware ------------------------------------------------------------------------


async def _streaming_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Like Starlette's StreamingResponse: stops streaming when the client disconnects."""
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"data: 1\n\n", "more_body": True})
    if (await receive())["type"] == "http.disconnect":
        return
    await send({"type": "http.response.body", "body": b""})


def _serve(app: Any, messages: list[dict[str, Any]]) -> None:
    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        pass

    scope = {"type": "http", "method": "POST", "path": "/chat", "headers": []}
    middleware = ObservabilityMiddleware(app, agent_id="web", route=lambda scope: "/chat")
    asyncio.run(middleware(scope, receive, send))


def test_a_client_that_disconnects_mid_response_is_an_abandoned_turn(
    telemetry: Telemetry,
) -> None:
    _serve(_streaming_app, [{"type": "http.disconnect"}])
    _assert_abandoned_once(telemetry, "web")


def test_a_client_that_stays_is_a_request(telemetry: Telemetry) -> None:
    _serve(_streaming_app, [{"type": "http.request", "body": b"", "more_body": False}])
    assert _requests(telemetry, "web", status_code="200") == 1.0
    assert _abandoned(telemetry, "web") == 0.0


def test_a_disconnect_read_after_the_response_ended_abandons_nothing(
    telemetry: Telemetry,
) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})
        await receive()  # waits for the client to go away after its answer

    _serve(app, [{"type": "http.disconnect"}])
    assert _requests(telemetry, "web", status_code="200") == 1.0
    assert _abandoned(telemetry, "web") == 0.0


def test_a_request_cancelled_by_the_server_is_abandoned_not_a_500(telemetry: Telemetry) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        raise asyncio.CancelledError  # the server cancelled the request's task

    with pytest.raises(asyncio.CancelledError):
        _serve(app, [])
    _assert_abandoned_once(telemetry, "web")


def test_an_app_exception_is_still_a_500(telemetry: Telemetry) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        raise RuntimeError("crash")

    with pytest.raises(RuntimeError):
        _serve(app, [])
    assert _requests(telemetry, "web", status_code="500") == 1.0
    assert _abandoned(telemetry, "web") == 0.0


# --- the alert's promtool scenarios read series shaped as the recorder writes them -------------


def _label_sets(telemetry: Telemetry, *names: str) -> set[tuple[str, frozenset[str]]]:
    telemetry.handle.force_flush()
    return {(s.name, frozenset(s.labels)) for m in telemetry.registry.collect()
            for s in m.samples if s.name in names}


def test_the_alerts_scenarios_use_the_recorded_names_and_labels(telemetry: Telemetry) -> None:
    from adk_observe import model as m
    from adk_observe.rules.agent_pack_tests import agent_pack_tests

    with agent_turn("shape"):
        pass
    with contextlib.suppress(asyncio.CancelledError), agent_turn("shape"):
        raise asyncio.CancelledError
    recorded = _label_sets(telemetry, c.ABANDONED_TURNS.name, c.REQUESTS.name)
    assert {name for name, _ in recorded} == {c.ABANDONED_TURNS.name, c.REQUESTS.name}

    spec = m.ServiceSpec(name="svc", source=m.Source("svc.yaml"), slos=(), namespace="agents")
    doc, _ = agent_pack_tests(spec, "svc.rules.yaml")
    assert doc is not None
    scenarios = [t for t in doc["tests"] if t["name"].startswith(c.ALERT_TURNS_ABANDONED)]
    assert len(scenarios) == 4
    for test in scenarios:
        for series in test["input_series"]:
            name, _, rest = series["series"].partition("{")
            labels = frozenset(re.findall(r'(\w+)="', rest)) - {c.LABEL_JOB}  # the scrape's
            assert (name, labels) in recorded, series["series"]
