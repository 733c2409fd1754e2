"""What the caller is inside: the `agent_turn` block (instrument/calls.py) or the ADK run (the
plugin), so that results recorded there (`record_evaluation`, `record_guardrail`, an LLM call's
first token) default to its agent_id or reach its turn. Context variables: each asyncio task and
thread sees its own."""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any

# The open `agent_turn` block (an AgentTurn), if any.
turn: contextvars.ContextVar[Any] = contextvars.ContextVar("adk_observe_turn", default=None)
# The ADK run in progress (the plugin's, which has an `agent_id`; set by the plugin around a run).
_run: contextvars.ContextVar[Any] = contextvars.ContextVar("adk_observe_run", default=None)


def enclosing_agent() -> str | None:
    """The agent_id of the turn (`agent_turn` block or ADK run) the caller is inside, if any."""
    block = turn.get()
    if block is not None:
        return block.agent_id  # type: ignore[no-any-return]
    run = _run.get()
    return run.agent_id if run is not None else None


def current_run() -> Any:
    """The ADK run (the plugin's) the caller is inside, if any."""
    return _run.get()


def enter_run(run: Any) -> contextvars.Token[Any]:
    """An ADK run starts (`run.agent_id`: its agent_id): results recorded inside it default to
    its agent_id, and a run that starts inside it may be part of it (an agent called as a tool)."""
    return _run.set(run)


def leave_run(token: contextvars.Token[Any]) -> None:
    """The run ended; a hook in another context (ADK's, not the run's) leaves it alone."""
    with contextlib.suppress(ValueError):
        _run.reset(token)
