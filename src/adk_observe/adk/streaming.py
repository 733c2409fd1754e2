"""Time to first token from ADK streaming: ADK fires after_model_callback for every partial
response; the first one with answer text is the model call's first token, and the first of a run
is the turn's (what its user waited for, tool calls before it included).

Answer text is what the user can read: a part's text that is not only whitespace and is no
thought (`part.thought`: the model's reasoning, which chat UIs fold away or hide; a reasoning
model's thinking is waiting for the answer). A function call shows nothing either: the user sees
its result only in the text that follows. One definition for the call and the turn, so a slow
turn's first token is explained by its model calls' first tokens."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from opentelemetry import trace

from adk_observe import conventions as c


@dataclass(slots=True)
class ModelCall:
    """One model call in flight, from before_model to its final response (or its error)."""

    start: float
    model: Any  # the request's model name, as ADK gave it
    first_token: float | None = None  # seconds to its first streamed chunk with answer text


def shows_text(llm_response: Any) -> bool:
    """A streamed chunk the user sees: one with answer text (see the module docstring)."""
    content = llm_response.content
    return content is not None and any(
        part.text and not part.thought and not part.text.isspace() for part in content.parts or ()
    )


def first_chunk(call: ModelCall | None, run: Any) -> None:
    """A chunk with text of `call` (and of `run`, the plugin's Run, if in flight) arrived now:
    the first one sets their times to first token and their spans' attributes."""
    if call is None or call.first_token is not None:
        return
    now = time.perf_counter()
    call.first_token = now - call.start
    span = trace.get_current_span()  # ADK's span of the model call
    if span.is_recording():
        span.set_attribute(c.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, call.first_token)
    if run is not None and run.first_token is None:
        run.first_token = now - run.start
        if run.span.is_recording():
            run.span.set_attribute(c.SPAN_ATTR_TIME_TO_FIRST_TOKEN, run.first_token)
