"""Time to first token on a real ADK Runner with a streaming ScriptedModel (issue 23.1).

ADK fires after_model_callback for every streamed chunk: the first partial response of a model
call is its first token, and the first of a run is the turn's. A run without streaming shows
its text only at the end: it has no first token and records none.
"""

from __future__ import annotations

import asyncio

import pytest
from adk_helpers import build_runner, final_text, new_session, run_turn
from adk_support import Telemetry

from adk_observe import conventions as c
from adk_observe.adk import ObservabilityPlugin
from adk_observe.testing import Answer, ToolCall

AGENT = "shop_assistant"
MODEL = "scripted-model"
TURN = c.FIRST_TOKEN.name
CALL = c.LLM_FIRST_TOKEN.name


def _run(script: tuple[ToolCall | Answer, ...], streaming: bool) -> str:
    async def scenario() -> str:
        runner, _, _ = build_runner(script, [ObservabilityPlugin()])
        return final_text(await run_turn(runner, await new_session(runner), streaming=streaming))

    return asyncio.run(scenario())


def _buckets(telemetry: Telemetry, name: str, **labels: str) -> dict[float, float]:
    """Cumulative bucket counts by bound (the bounds the catalogue declares)."""
    out = {}
    for bound in c.FIRST_TOKEN_BUCKETS:
        value = telemetry.value(f"{name}_bucket", le=repr(bound), **labels)
        out[bound] = value if value is not None else -1.0
    return out


def test_a_streamed_answer_records_its_first_token_per_turn_and_per_model_call(
    telemetry: Telemetry,
) -> None:
    # The first chunk comes after 0.3 s, the answer ends 4 x 0.2 s later.
    script = (Answer("one two three four five", chunks=5, delay=0.3, chunk_delay=0.2),)
    assert _run(script, streaming=True) == "one two three four five"
    v = telemetry.value
    assert v(TURN + "_count", agent_id=AGENT) == 1.0
    assert v(CALL + "_count", agent_id=AGENT, model=MODEL) == 1.0
    first = v(TURN + "_sum", agent_id=AGENT)
    total = v(c.REQUEST_DURATION.name + "_sum", agent_id=AGENT, method="turn", endpoint="agent")
    assert first is not None and total is not None
    assert first >= 0.3  # not before the model's first chunk
    assert total - first >= 0.8  # the four chunks after it came later: not the turn's time
    # In the bucket of its time: above 0.25 s, so le=0.25 holds nothing and le=30 holds it.
    turn_buckets = _buckets(telemetry, TURN, agent_id=AGENT)
    assert turn_buckets[0.25] == 0.0 and turn_buckets[30.0] == 1.0
    call_first = v(CALL + "_sum", agent_id=AGENT, model=MODEL)
    assert call_first is not None and 0.3 <= call_first <= first


def test_the_turns_first_token_counts_from_the_start_of_the_run_across_tool_calls(
    telemetry: Telemetry,
) -> None:
    # A tool call first (0.2 s), then a streamed answer whose first chunk takes 0.3 s: the user
    # waits for both; the answer's model call waited only for its own.
    script = (
        ToolCall("get_weather", {"city": "Paris"}, delay=0.2),
        Answer("Sunny in Paris.", chunks=3, delay=0.3),
    )
    assert _run(script, streaming=True) == "Sunny in Paris."
    v = telemetry.value
    turn = v(TURN + "_sum", agent_id=AGENT)
    call = v(CALL + "_sum", agent_id=AGENT, model=MODEL)
    assert turn is not None and call is not None
    assert turn >= 0.5 and 0.3 <= call < turn
    # The tool-call response is not partial: one first token per call that streamed.
    assert v(CALL + "_count", agent_id=AGENT, model=MODEL) == 1.0
    assert v(c.LLM_CALLS.name, agent_id=AGENT, model=MODEL, status="ok") == 2.0


def test_without_streaming_no_first_token_is_recorded(telemetry: Telemetry) -> None:
    assert _run((Answer("All at once.", delay=0.1),), streaming=False) == "All at once."
    v = telemetry.value
    assert v(c.REQUESTS.name, agent_id=AGENT, method="turn", endpoint="agent",
             status_code="200") == 1.0
    assert v(TURN + "_count", agent_id=AGENT) is None
    assert v(CALL + "_count", agent_id=AGENT, model=MODEL) is None


def test_the_first_token_is_on_the_model_call_span_and_the_turn_span(
    telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ADK's legacy telemetry schema has a model call span current in the model hooks (its
    # default one has none there: tests/hostile/test_first_token_edges.py).
    monkeypatch.setenv("ADK_TELEMETRY_SCHEMA_VERSION_OPT_IN", "1")
    _run((Answer("one two three", chunks=3, delay=0.2),), streaming=True)
    spans = telemetry.spans()
    chunk = [s for s in spans if c.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK in (s.attributes or {})]
    turn = [s for s in spans if c.SPAN_ATTR_TIME_TO_FIRST_TOKEN in (s.attributes or {})]
    assert len(chunk) == 1 and len(turn) == 1
    assert chunk[0].name == c.ADK_SPAN_CALL_LLM
    assert chunk[0].attributes[c.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] >= 0.2  # type: ignore[index]
    # The turn's attribute is on the run's span, the ancestor of the model call's.
    assert chunk[0].context.trace_id == turn[0].context.trace_id
    assert turn[0].parent is None or turn[0].start_time <= chunk[0].start_time


def test_a_streamed_turn_that_fails_before_its_first_chunk_records_no_first_token(
    telemetry: Telemetry,
) -> None:
    """It shows the user no text: it is a failed turn (the success SLO's), not a slow one."""

    async def scenario() -> None:
        runner, model, _ = build_runner((Answer("one two", chunks=2, delay=0.1),),
                                        [ObservabilityPlugin()])
        model.set_faults(fail_next=1)
        with pytest.raises(Exception, match="injected"):
            await run_turn(runner, await new_session(runner), streaming=True)

    asyncio.run(scenario())
    v = telemetry.value
    assert v(c.REQUESTS.name, agent_id=AGENT, method="turn", endpoint="agent",
             status_code="500") == 1.0
    assert v(TURN + "_count", agent_id=AGENT) is None
    assert v(c.INTERNAL_ERRORS.name, component=c.COMPONENT_ADK_PLUGIN) is None
