"""Time to first token from ADK streaming: ADK fires after_model_callback for every partial
response; the first one with answer text is the model call's first token, and the first of a run
is the turn's (what its user waited for, tool calls before it included).

Answer text is what the user can read: a part's text that is not only whitespace and is no
thought (`part.thought`: the model's reasoning, which chat UIs fold away or hide; a reasoning
model's thinking is waiting for the answer), the text ADK itself calls meaningful content. A
function call shows nothing either: the user sees its result only in the text that follows.
One definition for the call and the turn, so a slow turn's first token is explained by its model
calls' first tokens.

The model call's span gets the GenAI conventions' `gen_ai.response.time_to_first_chunk`: "when
the first chunk is received in the response stream", whatever it holds (a thought, a function
call): how soon the model answered at all, beside how soon it said something to read. Only a
model call's span: ADK's `call_llm` (its legacy telemetry schema). Under ADK's default schema the
hooks run with the agent's span current (its `generate_content` span is current only inside
ADK's model wrapper), and an agent's span holds several model calls: the attribute is left off
there rather than stated of the wrong span; the per-call histogram has every call's time."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from opentelemetry import trace

from adk_observe import conventions as c
from adk_observe.instrument.streams import blank


@dataclass(slots=True)
class ModelCall:
    """One model call in flight, from before_model to its final response (or its error)."""

    start: float
    model: Any  # the request's model name, as ADK gave it
    first_token: float | None = None  # seconds to its first streamed chunk with answer text
    chunked: bool = False  # a first chunk of any kind came (its span has its time)


def shows_text(llm_response: Any) -> bool:
    """A streamed chunk the user sees: one with answer text (see the module docstring)."""
    content = llm_response.content
    return content is not None and any(
        part.text and not part.thought and not blank(part.text) for part in content.parts or ()
    )


def first_chunk(call: ModelCall | None, run: Any, llm_response: Any) -> None:
    """A streamed chunk of `call` (and of `run`, the plugin's Run, if in flight) arrived now:
    the first one sets the call span's time to first chunk; the first with answer text sets the
    call's and the run's times to first token (and the run span's attribute)."""
    if call is None or call.first_token is not None:
        return
    now = time.perf_counter()
    if not call.chunked:
        call.chunked = True
        span = trace.get_current_span()
        if span.is_recording() and getattr(span, "name", None) == c.ADK_SPAN_CALL_LLM:
            span.set_attribute(c.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, now - call.start)
    if not shows_text(llm_response):
        return
    call.first_token = now - call.start
    if run is not None and run.first_token is None:
        run.first_token = now - run.start
        if run.span.is_recording():
            run.span.set_attribute(c.SPAN_ATTR_TIME_TO_FIRST_TOKEN, run.first_token)
