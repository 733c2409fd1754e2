"""The Runner's session and user ids on ADK's run span, and the turn index counted from the
session's own events (so it survives a restart when the session service keeps the session)."""

from __future__ import annotations

import asyncio

from adk_helpers import APP, USER, build_runner, new_session, run_turn
from adk_support import Telemetry

from adk_observe import conventions as c
from adk_observe.adk import ObservabilityPlugin
from adk_observe.testing import Answer


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
