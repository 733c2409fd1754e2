"""Time to first token, evaluations and guardrail decisions from the plain API (issue 23):
metrics, spans and log lines, as docs/instrumentation.md describes them."""

from __future__ import annotations

import time
from typing import Any

from instrument_support import Telemetry

import adk_observe
from adk_observe import agent_turn, llm_call
from adk_observe import conventions as c
from adk_observe.instrument import runtime

AGENT = "billing-agent"


def _spans(telemetry: Telemetry, operation: str) -> list[Any]:
    """The spans of one GenAI operation (invoke_agent: turns, chat: LLM calls), in end order."""
    return [s for s in telemetry.spans()
            if (s.attributes or {}).get(c.GEN_AI_OPERATION_NAME) == operation]


def test_a_streamed_call_marks_its_first_token_and_its_turns(telemetry: Telemetry) -> None:
    with agent_turn("billing") as turn:
        time.sleep(0.05)  # before the model call: the user waits for it too
        with llm_call("gpt-test") as call:
            time.sleep(0.1)
            call.first_token()
            time.sleep(0.05)
            call.first_token()  # only the first counts
            call.record_usage(10, 5)
        with llm_call("gpt-test") as second:
            second.first_token()  # the turn already showed text: only the call's own
    v = telemetry.value
    assert v(c.FIRST_TOKEN.name + "_count", agent_id="billing") == 1.0
    assert v(c.LLM_FIRST_TOKEN.name + "_count", agent_id="billing", model="gpt-test") == 2.0
    first, own = turn.time_to_first_token, call.time_to_first_token
    assert first is not None and own is not None and second.time_to_first_token is not None
    # The call's from its own start (0.1 s sleep), the turn's from the turn's (0.05 s more).
    assert own >= 0.1 and first >= own + 0.05
    assert v(c.FIRST_TOKEN.name + "_sum", agent_id="billing") == first
    assert v(c.LLM_FIRST_TOKEN.name + "_sum", agent_id="billing",
             model="gpt-test") == own + second.time_to_first_token
    # In its bucket: the turn's first token took over 0.1 s, so le=0.1 holds nothing.
    assert v(c.FIRST_TOKEN.name + "_bucket", agent_id="billing", le="0.1") == 0.0
    (turn_span,) = _spans(telemetry, c.OPERATION_INVOKE_AGENT)
    assert turn_span.attributes[c.SPAN_ATTR_TIME_TO_FIRST_TOKEN] == first  # type: ignore[index]
    chunks = [s.attributes[c.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]  # type: ignore[index]
              for s in _spans(telemetry, c.OPERATION_CHAT)]
    assert chunks == [own, second.time_to_first_token]
    line = next(x for x in telemetry.log_lines() if x["message"] == c.LOG_MESSAGE_AGENT_TURN)
    assert line[c.LOG_TIME_TO_FIRST_TOKEN_MS] == round(first * 1000, 3)


def test_a_turn_that_streams_nothing_records_no_first_token(telemetry: Telemetry) -> None:
    with agent_turn("billing"), llm_call("gpt-test"):
        pass
    with agent_turn("billing") as shown:
        shown.first_token()  # text shown without a model call (a cached answer)
    v = telemetry.value
    assert v(c.FIRST_TOKEN.name + "_count", agent_id="billing") == 1.0
    assert v(c.LLM_FIRST_TOKEN.name + "_count", agent_id="billing", model="gpt-test") is None
    assert v(c.REQUESTS.name, agent_id="billing", method="turn", endpoint="agent",
             status_code="200") == 2.0


def test_an_evaluation_is_counted_logged_and_an_event_on_the_turns_span(
    telemetry: Telemetry,
) -> None:
    with agent_turn("billing"):
        adk_observe.record_evaluation("grounded", passed=True, score=0.92)
        adk_observe.record_evaluation("grounded", passed=False)
    v = telemetry.value
    assert v(c.EVALUATIONS.name, agent_id="billing", evaluator="grounded", result="pass") == 1.0
    assert v(c.EVALUATIONS.name, agent_id="billing", evaluator="grounded", result="fail") == 1.0
    (turn,) = _spans(telemetry, c.OPERATION_INVOKE_AGENT)
    assert [(e.name, dict(e.attributes or {})) for e in turn.events] == [
        (c.GEN_AI_EVALUATION_RESULT, {c.GEN_AI_EVALUATION_NAME: "grounded",
                                      c.GEN_AI_EVALUATION_SCORE_LABEL: "pass",
                                      c.GEN_AI_EVALUATION_SCORE_VALUE: 0.92}),
        (c.GEN_AI_EVALUATION_RESULT, {c.GEN_AI_EVALUATION_NAME: "grounded",
                                      c.GEN_AI_EVALUATION_SCORE_LABEL: "fail"}),
    ]
    lines = [x for x in telemetry.log_lines() if x["message"] == c.LOG_MESSAGE_EVALUATION]
    assert [(x["evaluator"], x["result"], x.get("score")) for x in lines] == [
        ("grounded", "pass", 0.92), ("grounded", "fail", None)]
    assert {x["trace_id"] for x in lines} == {format(turn.context.trace_id, "032x")}


def test_a_guardrail_decision_outside_a_turn_is_the_services_and_has_no_span(
    telemetry: Telemetry,
) -> None:
    adk_observe.record_guardrail("pii_filter", " MODIFY ")
    adk_observe.record_guardrail("pii_filter", "block", agent_id="billing")
    v = telemetry.value
    assert v(c.GUARDRAILS.name, agent_id=AGENT, guardrail="pii_filter", decision="modify") == 1.0
    assert v(c.GUARDRAILS.name, agent_id="billing", guardrail="pii_filter",
             decision="block") == 1.0
    assert telemetry.spans() == []
    lines = [x for x in telemetry.log_lines() if x["message"] == c.LOG_MESSAGE_GUARDRAIL]
    assert [(x["agent_id"], x["guardrail"], x["decision"]) for x in lines] == [
        (AGENT, "pii_filter", "modify"), ("billing", "pii_filter", "block")]


def test_before_init_everything_is_a_no_op() -> None:
    runtime.reset()
    adk_observe.record_evaluation("grounded", passed=True, score=1.0)
    adk_observe.record_guardrail("pii_filter", "allow")
    with agent_turn() as turn, llm_call("m") as call:
        call.first_token()
        turn.first_token()
    assert (turn.time_to_first_token, call.time_to_first_token) == (None, None)
