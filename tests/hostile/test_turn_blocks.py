"""Hostile use of the context managers (`agent_turn`, `llm_call`, `tool_call`, `mcp_call`): where
and with what agent code enters and leaves them.

Surface: docs/instrumentation.md, "Quick start: any other agent" and "Streaming: time to first
token": a block may wrap a streamed answer, so it may be entered in one asyncio task and left in
another (an async generator resumed by a new task per chunk, as `asyncio.wait_for` does before
Python 3.12); `agent_id` is whatever the caller passed.

Bound: nothing raises into the agent; the turn is counted once as a request with its status,
the active conversations return to 0 and its span ends and is exported.
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from opentelemetry import trace
from prometheus_client import CollectorRegistry
from tests.otlp_receivers import attributes, grpc_receiver
from tests.telemetry_support import Telemetry, make_telemetry, reset_state

import adk_observe
from adk_observe import agent_turn, llm_call, mcp_call, tool_call
from adk_observe import conventions as c

REQUESTS = c.REQUESTS.name
TURN = {"method": c.METHOD_TURN, "endpoint": c.ENDPOINT_AGENT}


@pytest.fixture(autouse=True)
def _reset(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from reset_state(monkeypatch)


@pytest.fixture
def telemetry() -> Telemetry:
    return make_telemetry("hostile-turns", background_recording=False)


async def _answer(chunks: int) -> AsyncIterator[str]:
    """A streamed answer whose turn spans the whole stream."""
    async with agent_turn("streamer"), llm_call("m") as call:
        for i in range(chunks):
            if i == 0:
                call.first_token()
            yield f"chunk {i}"


def test_a_turn_resumed_by_other_tasks_is_recorded_and_raises_nothing(
    telemetry: Telemetry,
) -> None:
    async def consume() -> list[str]:
        stream = _answer(3)
        got = []
        while True:  # every chunk awaited in a task of its own: a new context each time
            try:
                got.append(await asyncio.create_task(anext(stream)))  # type: ignore[arg-type]
            except StopAsyncIteration:
                return got

    assert asyncio.run(consume()) == ["chunk 0", "chunk 1", "chunk 2"]
    assert telemetry.value(REQUESTS, agent_id="streamer", status_code="200", **TURN) == 1.0
    assert telemetry.value(c.ACTIVE_CONVERSATIONS.name, agent_id="streamer") == 0.0
    names = sorted(span.name for span in telemetry.spans())
    assert names == ["chat m", "invoke_agent streamer"]



class NoTruth:
    """An agent name object whose truth value raises (its text is fine)."""

    def __bool__(self) -> bool:
        raise RuntimeError("no truth value")

    def __str__(self) -> str:
        return "no-truth"


class NoHash(str):
    """Text whose hash raises (a str subclass: label caches and dicts hash it)."""

    def __hash__(self) -> int:
        raise RuntimeError("no hash")


@pytest.mark.parametrize(
    ("agent", "label"), [(NoTruth(), "no-truth"), (NoHash("no-hash"), "no-hash")]
)
def test_an_agent_id_whose_truth_value_or_hash_raises_is_its_text(
    telemetry: Telemetry, agent: object, label: str,
) -> None:
    # By the docs (Cardinality caps): a value that is not plain text is its str().
    with agent_turn(agent) as turn:  # type: ignore[arg-type]
        with llm_call("m", agent_id=agent) as call:  # type: ignore[arg-type]
            call.record_usage(3, 4)
        with tool_call("t", agent_id=agent):  # type: ignore[arg-type]
            pass
        given: Any = agent
        adk_observe.record_evaluation("grounded", passed=True, agent_id=given)
        adk_observe.record_guardrail("pii", "allow", agent_id=given)
        adk_observe.record_feedback(4.0, agent_id=given)
        assert turn.span is not None
    # the block left no span behind as the current one
    assert not trace.get_current_span().get_span_context().is_valid
    v = telemetry.value
    assert v(REQUESTS, agent_id=label, status_code="200", **TURN) == 1.0
    assert v(c.ACTIVE_CONVERSATIONS.name, agent_id=label) == 0.0
    assert v(c.LLM_CALLS.name, agent_id=label, model="m", status="ok") == 1.0
    assert v(c.TOOL_CALLS.name, agent_id=label, tool="t", status="ok") == 1.0
    assert v(c.EVALUATIONS.name, agent_id=label, evaluator="grounded", result="pass") == 1.0
    assert v(c.GUARDRAILS.name, agent_id=label, guardrail="pii", decision="allow") == 1.0
    assert v(c.SATISFACTION_SCORE.name, agent_id=label) == 4.0
    assert v(c.INTERNAL_ERRORS.name, component=c.COMPONENT_INSTRUMENT) is None
    assert f"invoke_agent {label}" in [span.name for span in telemetry.spans()]


# Names as the caller passed them, and the attribute each becomes on the wire (by the docs,
# "Cardinality caps": cut to 128 characters, lone surrogates and control characters U+FFFD, a
# value that is not text its str()).
NAMES = [
    ("lone surrogate", "m\udcff", "m\ufffd"),
    ("control characters", "m\x00\x1b[31m", "m\ufffd\ufffd[31m"),
    ("10 KB", "m" * 10_000, "m" * 128),
    ("an int", 5, "5"),
    ("bytes", b"m\xff", "b'm\\xff'"),
]


@pytest.mark.parametrize(("case", "name", "sent"), NAMES, ids=[n[0] for n in NAMES])
def test_every_name_on_a_span_reaches_the_collector_as_its_label_value(
    case: str, name: Any, sent: str,
) -> None:
    with grpc_receiver() as receiver:
        handle = adk_observe.init("hostile-spans", registry=CollectorRegistry(), metrics_port=-1,
                                  logging_enabled=False, sampling=1.0, tracing_protocol="grpc",
                                  tracing_endpoint=receiver.url)
        with agent_turn(name, provider=name), llm_call(name, provider=name):
            with tool_call(name):
                pass
            with mcp_call(name, "search"):
                pass
        assert handle.force_flush()
        by_operation: dict[str, list[dict[str, Any]]] = {}
        for span in receiver.spans():
            attrs = attributes(span.attributes)
            by_operation.setdefault(attrs[c.GEN_AI_OPERATION_NAME], []).append(attrs)
    (turn,), (chat,) = by_operation[c.OPERATION_INVOKE_AGENT], by_operation[c.OPERATION_CHAT]
    assert (turn[c.GEN_AI_AGENT_NAME], turn[c.GEN_AI_PROVIDER_NAME]) == (sent, sent)
    assert (chat[c.GEN_AI_REQUEST_MODEL], chat[c.GEN_AI_PROVIDER_NAME]) == (sent, sent)
    tools = {a[c.GEN_AI_TOOL_NAME]: a for a in by_operation[c.OPERATION_EXECUTE_TOOL]}
    assert set(tools) == {sent, "search"}
    assert tools["search"][c.SPAN_ATTR_MCP_SERVER] == sent


class Unprintable(Exception):
    """An exception whose str() raises (a custom __str__ reading an argument it never got)."""

    def __str__(self) -> str:
        raise RuntimeError("no text for this error")


def test_an_exception_whose_str_raises_propagates_unchanged_and_the_turn_ends(
    telemetry: Telemetry,
) -> None:
    # docs: "An exception inside a block marks it failed ... and propagates unchanged"
    with pytest.raises(Unprintable), agent_turn("a"), llm_call("m"):
        raise Unprintable()
    assert not trace.get_current_span().get_span_context().is_valid  # no span left current
    v = telemetry.value
    assert v(REQUESTS, agent_id="a", status_code="500", **TURN) == 1.0
    assert v(c.ACTIVE_CONVERSATIONS.name, agent_id="a") == 0.0
    assert v(c.LLM_CALLS.name, agent_id="a", model="m", status="error") == 1.0
    spans = {span.name: span for span in telemetry.spans()}
    assert set(spans) == {"invoke_agent a", "chat m"}
    assert spans["chat m"].attributes["error.type"] == "Unprintable"  # type: ignore[index]


def test_a_first_token_marked_from_another_thread_reaches_the_calls_turn(
    telemetry: Telemetry,
) -> None:
    """A streaming client's chunk callback, or run_in_executor: the turn the call was entered in
    gets its first token (docs: "the call's first token, and the turn's if it is the first")."""
    with agent_turn("threaded") as turn, llm_call("m") as call:
        marker = threading.Thread(target=call.first_token)
        marker.start()
        marker.join()

    async def in_executor() -> None:
        async with agent_turn("executor"), llm_call("m") as call:
            await asyncio.get_running_loop().run_in_executor(None, call.first_token)

    asyncio.run(in_executor())
    for agent in ("threaded", "executor"):
        assert telemetry.value(c.FIRST_TOKEN.name + "_count", agent_id=agent) == 1.0
        assert telemetry.value(c.LLM_FIRST_TOKEN.name + "_count", agent_id=agent, model="m") == 1.0
    assert turn.time_to_first_token is not None and call.time_to_first_token is not None
    assert turn.time_to_first_token >= call.time_to_first_token  # the turn started first


class NoEq(str):
    """Text whose == raises (caches compare keys)."""

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no equality")

    __hash__ = str.__hash__


# A name the caller passed and its label value by the docs ("Cardinality caps": a value that is
# not text is its str()); unhashable values and text whose hash or == raises included.
ODD_NAMES = [(["l"], "['l']"), ({"d": 1}, "{'d': 1}"), (NoHash("nh"), "nh"), (NoEq("ne"), "ne")]


@pytest.mark.parametrize(("name", "label"), ODD_NAMES, ids=[n[1] for n in ODD_NAMES])
def test_a_name_of_any_type_is_recorded_as_its_text(
    telemetry: Telemetry, name: Any, label: str
) -> None:
    with agent_turn("a", method=name, endpoint=name, session_id=name, user_id=name) as turn:
        with llm_call(name) as call:
            call.record_usage(2, 3)
        for block in (tool_call(name), mcp_call(name, name)):
            with block:
                pass
    v = telemetry.value
    assert v(REQUESTS, agent_id="a", method=label, endpoint=label, status_code="200") == 1.0
    assert v(c.LLM_CALLS.name, agent_id="a", model=label, status="ok") == 1.0
    assert v(c.LLM_TOKENS.name, agent_id="a", model=label, token_type="output") == 3.0
    assert v(c.TOOL_CALLS.name, agent_id="a", tool=label, status="ok") == 2.0  # the MCP one too
    assert v(c.MCP_CALLS.name, agent_id="a", mcp_server=label, method=label, status="ok") == 1.0
    assert v(c.INTERNAL_ERRORS.name, component=c.COMPONENT_INSTRUMENT) is None
    assert turn.session.session_id == label and len(turn.session.user_id) == 32  # a pseudonym


def test_an_integer_a_span_cannot_carry_is_left_off_and_the_rest_arrives() -> None:
    """OTLP integers are int64: a status code or token count past 2**63 - 1 is left off the span
    (docs, "OpenTelemetry GenAI conventions"); the metrics still count what they can."""
    with grpc_receiver() as receiver:
        logs = io.StringIO()
        handle = adk_observe.init("hostile-ints", registry=CollectorRegistry(), metrics_port=-1,
                                  log_output=logs, sampling=1.0, tracing_protocol="grpc",
                                  tracing_endpoint=receiver.url)
        with agent_turn("big") as turn, llm_call("m") as call:
            call.record_usage(2**70, 5)
            turn.set_status_code(2**70)
        with agent_turn("fits") as turn:
            turn.set_status_code(2**63 - 1)
        assert handle.force_flush()
        spans = {s.name: attributes(s.attributes) for s in receiver.spans()}
    status = "http.response.status_code"
    assert status not in spans["invoke_agent big"]
    assert spans["invoke_agent fits"][status] == 2**63 - 1
    assert c.GEN_AI_USAGE_INPUT_TOKENS not in spans["chat m"]
    assert spans["chat m"][c.GEN_AI_USAGE_OUTPUT_TOKENS] == 5
    assert not [line for line in logs.getvalue().splitlines() if '"level": "ERROR"' in line]


class Unreadable:
    """A flag whose truth value raises (an array-like `isError`)."""

    def __bool__(self) -> bool:
        raise ValueError("the truth value is ambiguous")


class ResultWithBrokenProperty:
    @property
    def isError(self) -> bool:  # MCP's spelling
        raise RuntimeError("lazy result failed to load")


@pytest.mark.parametrize("result", [
    {"isError": Unreadable()},
    type("Result", (), {"isError": Unreadable()})(),
    ResultWithBrokenProperty(),
], ids=["dict", "object", "property"])
def test_an_mcp_result_whose_error_flag_cannot_be_read_is_an_error_not_an_exception(
    telemetry: Telemetry, result: object
) -> None:
    """`record_result` raised the flag's own exception into the agent's code (and the ADK
    plugin lost the tool call to an internal error). It is an error result, returned as is."""
    with mcp_call("erp", "refund") as call:
        assert call.record_result(result) is result
    assert telemetry.value("adk_agent_tool_calls_total", agent_id="hostile-turns",
                           tool="refund", status=c.STATUS_ERROR) == 1.0
