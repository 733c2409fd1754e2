"""Events are slotted keyword-only objects: their fields, their defaults, nothing else."""

from __future__ import annotations

import dataclasses

import pytest

from adk_observe import conventions as c
from adk_observe.instrument import events
from adk_observe.instrument.cost import Usage


def test_an_event_has_its_fields_and_defaults() -> None:
    turn = events.Turn(agent_id="a", seconds=0.5, ok=False, status_code="500", cost=0.25,
                       cost_center="cc", error_type="Boom")
    assert dataclasses.asdict(turn) == {
        "agent_id": "a", "ctx": None, "origin": None, "seconds": 0.5, "ok": False,
        "status_code": "500", "cost": 0.25, "cost_center": "cc", "method": c.METHOD_TURN,
        "endpoint": c.ENDPOINT_AGENT, "active": True, "error_type": "Boom", "invocation_id": "",
        "session": None, "measure": None,
        "session_ids": {"session_id": "", "user_id": "", "turn_index": None}}
    with pytest.raises(AttributeError):
        turn.latency = 1.0  # type: ignore[attr-defined]
    assert turn == dataclasses.replace(turn)
    assert (turn.kind, turn.interaction_type, turn.log_level()) == (c.EVENT_TURN,
                                                                    c.INTERACTION_AGENT_TURN, 30)


@pytest.mark.parametrize("cls", events.EVENTS, ids=[e.__name__ for e in events.EVENTS])
def test_every_event_takes_keywords_only_and_requires_its_fields(cls: type[events.Event]) -> None:
    with pytest.raises(TypeError):
        cls("agent")  # type: ignore[misc]
    with pytest.raises(TypeError):
        cls()  # type: ignore[call-arg]
    required = [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING]
    values = {name: object() for name in required}
    event = cls(**values)
    assert all(getattr(event, name) is value for name, value in values.items())
    assert not hasattr(event, "__dict__")  # slots: nothing else can be set on it


def test_a_call_event_reads_its_usage_and_status() -> None:
    call = events.LlmCall(agent_id="a", model="m", seconds=1.0, ok=True, usage=Usage(3, 4),
                          cost=None, cost_center="cc")
    assert (call.status, call.unpriced, call.usage.output, call.trace_id) == ("ok", True, 4, "")
