"""The Runner's session and user ids on ADK's run span, and the turn index counted from the
session's own events (so it survives a restart when the session service keeps the session)."""

from __future__ import annotations

import asyncio

from adk_helpers import APP, USER, build_runner, new_session, run_turn
from adk_support import Telemetry
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON

from adk_observe import conventions as c
from adk_observe.adk import ObservabilityPlugin
from adk_observe.instrument import tracing
from adk_observe.testing import Answer, ToolCall


def _runs(telemetry: Telemetry) -> list[dict[str, object]]:
    return [dict(s.attributes or {}) for s in telemetry.spans() if s.parent is None]


def test_a_new_plugin_on_a_kept_session_continues_its_turn_count(telemetry: Telemetry) -> None:
    async def scenario() -> str:
        runner, _, _ = build_runner([Answer("hi")], [ObservabilityPlugin()])
        session_id = await new_session(runner)
        await run_turn(runner, session_id)
        await run_turn(runner, session_id)
        # a restarted process: a new plugin, the same session service (a database in production)
        restarted, _, _ = build_runner([Answer("hi")], [ObservabilityPlugin()])
        restarted.session_service = runner.session_service
        await run_turn(restarted, session_id)
        other = await runner.session_service.create_session(app_name=APP, user_id=USER)
        await run_turn(restarted, other.id)
        return session_id

    session_id = asyncio.run(scenario())
    runs = _runs(telemetry)
    assert [(r[c.SESSION_ID] == session_id, r[c.SPAN_ATTR_TURN_INDEX]) for r in runs] == [
        (True, 0), (True, 1), (True, 2), (False, 0)]
    assert len({r[c.USER_ID] for r in runs}) == 1 and USER not in {r[c.USER_ID] for r in runs}


def test_recorded_and_unrecorded_runs_count_alike_while_the_worker_lags(
    telemetry: Telemetry,
) -> None:
    """A recording run's ids are taken in its hook (its span ends before the worker runs); an
    unrecorded run's on the work queue's worker, later. Held here until every run has ended, the
    worker counts runs 0 and 2 after the hooks counted 1 and 3: each keeps its own index, and
    the recording runs' spans carry the cost the worker records for them."""
    sampler = tracing._Globals.sampler
    assert sampler is not None and telemetry.handle.queues is not None

    async def scenario() -> None:
        runner, _, _ = build_runner(
            [ToolCall("get_weather", {"city": "Oslo"}), Answer("hi")] * 4, [ObservabilityPlugin()]
        )
        session_id = await new_session(runner)
        for i in range(4):
            sampler.delegate = ALWAYS_ON if i % 2 else ALWAYS_OFF
            await run_turn(runner, session_id)

    with telemetry.handle.queues._work._lock:  # the worker applies nothing meanwhile
        asyncio.run(scenario())
    turns = [
        line for line in telemetry.log_lines()
        if line[c.LOG_MESSAGE] == c.LOG_MESSAGE_AGENT_TURN
    ]
    assert [line[c.SPAN_ATTR_TURN_INDEX] for line in turns] == [0, 1, 2, 3]
    runs = _runs(telemetry)
    assert [r[c.SPAN_ATTR_TURN_INDEX] for r in runs] == [1, 3]
    assert [r[c.SPAN_ATTR_COST] for r in runs] == [turns[1][c.LOG_COST], turns[3][c.LOG_COST]]
    assert turns[1][c.LOG_COST] > 0
