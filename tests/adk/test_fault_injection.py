"""Every plugin hook made to fail internally leaves the ADK run's result unchanged."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from adk_helpers import build_runner, new_session, run_turn, summary
from adk_support import Telemetry

from adk_observe import conventions as c
from adk_observe.adk import ObservabilityPlugin
from adk_observe.testing import Answer, Fail, Step, ToolCall

OK_SCRIPT: tuple[Step, ...] = (
    ToolCall("get_weather", {"city": "Kyiv"}), Answer("Cloudy in Kyiv."))
FAILING_SCRIPT: tuple[Step, ...] = (ToolCall("get_weather", {"city": "Kyiv"}), Fail("boom"))

# The internal body behind every hook the plugin implements, and how often it runs per turn
# with OK_SCRIPT and with FAILING_SCRIPT (the second model call raises).
HOOK_BODIES = {
    "_before_run": (1, 1),
    "_finish_run": (1, 1),  # after_run, or on_run_error when the run fails
    "_before_model": (2, 2),
    "_after_model": (2, 1),
    "_model_error": (0, 1),
    "_before_tool": (1, 1),
    "_tool_done": (1, 1),
}


def _outcome(script: tuple[Step, ...], plugin: ObservabilityPlugin | None) -> Any:
    async def scenario() -> Any:
        runner, _, _ = build_runner(script, [plugin] if plugin else [])
        try:
            return summary(await run_turn(runner, await new_session(runner)))
        except Exception as exc:
            return ("raised", type(exc).__name__, str(exc))

    return asyncio.run(scenario())


def _broken(*args: object, **kwargs: object) -> None:
    raise RuntimeError("injected internal failure")


@pytest.mark.parametrize("body", HOOK_BODIES)
@pytest.mark.parametrize("script", [OK_SCRIPT, FAILING_SCRIPT], ids=["succeeds", "model-fails"])
def test_a_failing_hook_body_is_contained_and_counted(
    telemetry: Telemetry, body: str, script: tuple[Step, ...]
) -> None:
    expected = _outcome(script, None)
    plugin = ObservabilityPlugin()
    setattr(plugin, body, _broken)
    assert _outcome(script, plugin) == expected
    runs = HOOK_BODIES[body][0 if script is OK_SCRIPT else 1]
    errors = telemetry.value(c.INTERNAL_ERRORS.name, component="adk_plugin")
    assert errors == (float(runs) if runs else None)


def test_a_failing_metrics_backend_is_contained_in_every_hook(telemetry: Telemetry) -> None:
    expected = _outcome(OK_SCRIPT, None)
    telemetry.handle.metrics.record = _broken  # type: ignore[method-assign]
    assert _outcome(OK_SCRIPT, ObservabilityPlugin()) == expected
    # Each queued event failed once: the turn's start, two LLM calls, one tool call, the turn.
    assert telemetry.value(c.INTERNAL_ERRORS.name, component="adk_plugin") == 5.0


def test_the_plugin_does_nothing_before_init() -> None:
    assert _outcome(OK_SCRIPT, ObservabilityPlugin()) == _outcome(OK_SCRIPT, None)
