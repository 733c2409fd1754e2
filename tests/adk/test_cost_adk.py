"""A real ADK Runner whose model reports cached and thinking tokens: counted and priced."""

from __future__ import annotations

import asyncio

from adk_helpers import build_runner, final_text, new_session, run_turn
from pytest import approx
from tests.telemetry_support import make_telemetry

from adk_observe import conventions as c
from adk_observe.adk import ObservabilityPlugin
from adk_observe.testing import Answer, ToolCall

AGENT = "shop_assistant"
MODEL = "scripted-model"
# input 1.0, output 2.0, cached input 0.25, reasoning 3.0 per million tokens
PRICES = {MODEL: [1.0, 2.0, 0.25, 3.0]}
SCRIPT = (
    ToolCall("get_weather", {"city": "Oslo"}, input_tokens=1000, output_tokens=100,
             cached_tokens=600, reasoning_tokens=50),
    Answer("Sunny.", input_tokens=2000, output_tokens=200, cached_tokens=1600,
           reasoning_tokens=150),
)


def test_adk_usage_metadata_gives_cached_and_reasoning_tokens_and_their_cost() -> None:
    telemetry = make_telemetry("support-agent", prices=PRICES)
    registry, handle = telemetry.registry, telemetry.handle

    async def scenario() -> str:
        runner, _, _ = build_runner(SCRIPT, [ObservabilityPlugin()])
        return final_text(await run_turn(runner, await new_session(runner)))

    try:
        assert asyncio.run(scenario()) == "Sunny."
        handle.force_flush()

        def v(name: str, **labels: str) -> float | None:
            return registry.get_sample_value(name, labels)

        tokens = {
            t: v(c.LLM_TOKENS.name, agent_id=AGENT, model=MODEL, token_type=t)
            for t in ("input", "output", "cached", "reasoning")
        }
        assert tokens == {"input": 3000.0, "output": 300.0, "cached": 2200.0, "reasoning": 200.0}
        # uncached input 800 x 1.0 + cached 2,200 x 0.25 + output 300 x 2.0 + reasoning 200 x 3.0
        cost = (800 * 1.0 + 2200 * 0.25 + 300 * 2.0 + 200 * 3.0) / 1e6
        assert v(c.COST_TOTAL.name, agent_id=AGENT, model=MODEL, cost_center="default") == approx(
            cost
        )
        labels = {"agent_id": AGENT, "cost_center": "default"}
        assert v(c.INTERACTION_COST.name + "_count", **labels) == 1.0
        assert v(c.INTERACTION_COST.name + "_sum", **labels) == approx(cost)
        assert v(c.UNPRICED_LLM_CALLS.name, agent_id=AGENT, model=MODEL) is None
    finally:
        handle.shutdown()


def test_a_negative_count_from_the_model_is_dropped_and_counted_and_the_turn_recorded() -> None:
    telemetry = make_telemetry("support-agent", prices=PRICES)
    script = (ToolCall("get_weather", {"city": "Oslo"}, input_tokens=-1000, output_tokens=100),
              Answer("Sunny.", input_tokens=2000, output_tokens=-5))

    async def scenario() -> str:
        runner, _, _ = build_runner(script, [ObservabilityPlugin()])
        return final_text(await run_turn(runner, await new_session(runner)))

    try:
        assert asyncio.run(scenario()) == "Sunny."
        telemetry.handle.force_flush()
        v = telemetry.value
        tokens = {t: v(c.LLM_TOKENS.name, agent_id=AGENT, model=MODEL, token_type=t)
                  for t in ("input", "output")}
        assert tokens == {"input": 2000.0, "output": 100.0}
        assert v(c.TELEMETRY_DROPPED.name, sink=c.SINK_METRICS) == 2.0
        assert v(c.REQUESTS.name, agent_id=AGENT, method="turn", endpoint="agent",
                 status_code="200") == 1.0
        cost = (2000 * 1.0 + 100 * 2.0) / 1e6
        assert v(c.INTERACTION_COST.name + "_sum", agent_id=AGENT,
                 cost_center="default") == approx(cost)
        assert v(c.INTERNAL_ERRORS.name, component=c.COMPONENT_ADK_PLUGIN) is None
    finally:
        telemetry.handle.shutdown()
