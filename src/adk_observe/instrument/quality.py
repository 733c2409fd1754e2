"""`record_evaluation` and `record_guardrail`: answer quality and guardrail decisions from any
agent code (the ADK helpers in adk/guardrails.py and adk/evaluations.py call these too).

    adk_observe.record_evaluation("grounded", passed=verdict.ok, score=verdict.score)
    adk_observe.record_guardrail("pii_filter", "modify")

Each result is one event (instrument/events.py): counted by evaluator and result, or by guardrail
and decision, written as a log line, and added to the current span as the GenAI conventions'
result event: `gen_ai.evaluation.result` (`gen_ai.evaluation.name`, the verdict as
`gen_ai.evaluation.score.label`, the score as `gen_ai.evaluation.score.value`) or
`gen_ai.guardrail.result` (the name as `gen_ai.guardrail.policy.id`, the decision as
`gen_ai.guardrail.result.value`, the ADK callback it ran in as `adk_observe.guardrail.source`).
The conventions forbid inferring a guardrail from a general hook: these events come only from
`record_guardrail` and callbacks wrapped by `adk_observe.adk.guardrail`.

The values come from the caller, so nothing here raises: a verdict that is not a bool (or numpy's
bool) or a decision that is not allow, block or modify is refused (nothing is counted for it), a
score that is not a finite number is left out, and both are counted in
adk_observe_telemetry_dropped_total{sink="metrics"}. Names become label values (cut, valid UTF-8,
capped like tool names). Before `init()` both do nothing.
"""

from __future__ import annotations

import math
from enum import Enum
from numbers import Real
from typing import Any

from opentelemetry import trace

from adk_observe import conventions as c
from adk_observe.instrument import events, runtime
from adk_observe.instrument.enclosing import enclosing_agent

_DECISION_MAX = 16  # longer text is no decision (and is not lower-cased whole)
# numpy's bool (`numpy.bool`; `numpy.bool_` before numpy 2) is no subclass of bool, yet it is what
# `passed=score > 0.8` gives for a numpy score: a verdict. Known by name, numpy is not imported.
_NUMPY_BOOLS = frozenset({("numpy", "bool"), ("numpy", "bool_")})


def verdict_of(value: object) -> bool | None:
    """`value` as a verdict: a bool or numpy's bool, else None (1, "yes" and None are none)."""
    if isinstance(value, bool):
        return value
    kind = type(value)
    if (kind.__module__, kind.__name__) in _NUMPY_BOOLS:
        return bool(value)
    return None


def decision_of(value: object) -> str | None:
    """`value` as one of the decisions (any case, surrounding spaces ignored; an Enum member by
    its value), else None."""
    if isinstance(value, Enum):
        value = value.value
    if not isinstance(value, str) or len(value) > _DECISION_MAX:
        return None
    decision = value.strip().lower()
    return decision if decision in c.GUARDRAIL_DECISIONS else None


def score_of(value: object) -> float | None:
    """A finite real number as a float, else None (bools are no scores)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    try:
        score = float(value)
    except (OverflowError, ValueError):
        return None
    return score if math.isfinite(score) else None


def record_evaluation(
    name: str, *, passed: bool, score: float | None = None, agent_id: str | None = None
) -> None:
    """One evaluation of one answer by evaluator `name`: pass or fail (`passed`), with an
    optional `score`. `agent_id`: default the enclosing turn's (or ADK run's), else the
    `agent_id` option, else the service name. Never raises."""
    obs = runtime.current()
    if obs is None:
        return
    try:
        verdict = verdict_of(passed)
        if verdict is None:
            obs.metrics.drop(c.SINK_METRICS)
            return
        value = score_of(score)
        if value is None and score is not None:
            obs.metrics.drop(c.SINK_METRICS)
        evaluator = obs.label(name)
        result = c.RESULT_PASS if verdict else c.RESULT_FAIL
        ctx, agent, origin = _where(obs, agent_id, *evaluation_event(evaluator, result, value))
        evaluation = events.Evaluation(
            agent_id=agent, evaluator=evaluator, result=result, score=value, ctx=ctx, origin=origin
        )
        obs.record(evaluation, c.COMPONENT_INSTRUMENT)
    except Exception:
        obs.internal_error(c.COMPONENT_INSTRUMENT)


def record_guardrail(
    name: str, decision: str, agent_id: str | None = None, *, source: str = ""
) -> None:
    """One decision of guardrail `name`: "allow", "block" or "modify". `agent_id` as for
    `record_evaluation`; `source`: the ADK callback it ran in (set by `adk.guardrail`). Never
    raises."""
    obs = runtime.current()
    if obs is None:
        return
    try:
        chosen = decision_of(decision)
        if chosen is None:
            obs.metrics.drop(c.SINK_METRICS)
            return
        guardrail = obs.label(name)
        where = obs.label(source)  # on the span as a label value is: text OTLP can encode
        ctx, agent, origin = _where(obs, agent_id, *guardrail_event(guardrail, chosen, where))
        decided = events.GuardrailDecision(
            agent_id=agent, guardrail=guardrail, decision=chosen, ctx=ctx, origin=origin
        )
        obs.record(decided, c.COMPONENT_INSTRUMENT)
    except Exception:
        obs.internal_error(c.COMPONENT_INSTRUMENT)


def evaluation_event(name: str, result: str, score: float | None) -> tuple[str, dict[str, Any]]:
    """The (event name, attributes) of one evaluation; `score` only when there is one."""
    attrs: dict[str, Any] = {
        c.GEN_AI_EVALUATION_NAME: name,
        c.GEN_AI_EVALUATION_SCORE_LABEL: result,
    }
    if score is not None:
        attrs[c.GEN_AI_EVALUATION_SCORE_VALUE] = score
    return c.GEN_AI_EVALUATION_RESULT, attrs


def guardrail_event(name: str, decision: str, source: str = "") -> tuple[str, dict[str, Any]]:
    """The (event name, attributes) of one guardrail decision; `source` only when known."""
    attrs: dict[str, Any] = {
        c.GEN_AI_GUARDRAIL_POLICY_ID: name,
        c.GEN_AI_GUARDRAIL_RESULT_TYPE: c.GUARDRAIL_RESULT_TYPE_DECISION,
        c.GEN_AI_GUARDRAIL_RESULT_VALUE: decision,
    }
    if source:
        attrs[c.SPAN_ATTR_GUARDRAIL_SOURCE] = source
    return c.GEN_AI_GUARDRAIL_RESULT, attrs


def _where(
    obs: runtime.Observability, agent_id: str | None, name: str, attributes: dict[str, Any]
) -> tuple[trace.SpanContext | None, str, events.Origin]:
    """Where a result happened: its span (which gets the result event `name`), its agent_id
    label and the log line's origin."""
    ctx = _span_event(name, attributes)
    agent = obs.label(obs.resolve_agent(obs.agent_given(agent_id), enclosing_agent()))
    return ctx, agent, events.call_origin()


def _span_event(name: str, attributes: dict[str, object]) -> trace.SpanContext | None:
    """Add the result event to the current span if it records; its context (the log line's and
    the exemplar's ids), or None outside a span."""
    span = trace.get_current_span()
    if span.is_recording():
        span.add_event(name, attributes)  # type: ignore[arg-type]
    ctx = span.get_span_context()
    return ctx if ctx.is_valid else None
