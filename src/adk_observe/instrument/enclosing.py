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
# The agent_id of the ADK run in progress (set by the plugin around a run).
_run_agent: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "adk_observe_run_agent", default=None
)


def enclosing_agent() -> str | None:
    """The agent_id of the turn (`agent_turn` block or ADK run) the caller is inside, if any."""
    block = turn.get()
    return block.agent_id if block is not None else _run_agent.get()  # type: ignore[no-any-return]


def enter_run(agent_id: str) -> contextvars.Token[str | None]:
    """An ADK run starts: results recorded inside it default to its agent_id."""
    return _run_agent.set(agent_id)


def leave_run(token: contextvars.Token[str | None]) -> None:
    """The run ended; a hook in another context (ADK's, not the run's) leaves it alone."""
    with contextlib.suppress(ValueError):
        _run_agent.reset(token)
