"""ADK's own evaluation results as online evaluations (`record_evaluation_result`).

ADK 2.13 runs no evaluator during a Runner's run: its evaluators (google.adk.evaluation) score
invocations you hand them, and its eval service scores eval sets offline. Nothing reaches
adk-observe by itself. To make an ADK evaluator an online one (a rule check, an LLM judge on
sampled turns), turn the finished session's events into invocations, evaluate them, and record
the result:

    invocations = EvaluationGenerator.convert_events_to_eval_invocations(session.events)
    result = TrajectoryEvaluator(threshold=1.0).evaluate_invocations(invocations, expected)
    adk_observe.adk.record_evaluation_result(result, name="tool_trajectory")

Each evaluated invocation (turn) is one evaluation: PASSED passes, FAILED fails; NOT_EVALUATED
and INFORMATIONAL are no verdict and are not recorded (an evaluation that never happened is no
data, not a pass). The score, when there is one, goes with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from google.adk.evaluation.eval_metrics import EvalMetricResult, EvalStatus
from google.adk.evaluation.eval_result import EvalCaseResult
from google.adk.evaluation.evaluator import EvaluationResult

from adk_observe import conventions as c
from adk_observe.instrument import runtime
from adk_observe.instrument.quality import record_evaluation

_VERDICTS = {EvalStatus.PASSED: True, EvalStatus.FAILED: False}


def _verdicts(result: Any, name: str | None) -> Iterator[tuple[str, bool, float | None]]:
    """(evaluator name, passed, score) of every invocation `result` holds a verdict on."""
    if isinstance(result, EvaluationResult):
        if not name:
            raise ValueError("an EvaluationResult does not carry its metric's name: pass name=")
        for each in result.per_invocation_results:
            if each.eval_status in _VERDICTS:
                yield name, _VERDICTS[each.eval_status], each.score
    elif isinstance(result, EvalCaseResult):
        for invocation in result.eval_metric_result_per_invocation:
            for metric in invocation.eval_metric_results:
                yield from _verdicts(metric, name)
    elif isinstance(result, EvalMetricResult):
        if result.eval_status in _VERDICTS:
            yield name or result.metric_name, _VERDICTS[result.eval_status], result.score
    else:
        raise TypeError(f"not an ADK evaluation result: {type(result).__qualname__}")


def record_evaluation_result(
    result: EvaluationResult | EvalCaseResult | EvalMetricResult,
    name: str | None = None,
    agent_id: str | None = None,
) -> int:
    """Record every verdict of an ADK evaluation result; returns how many were recorded.

    `result`: what `Evaluator.evaluate_invocations` returns (one verdict per invocation, named
    `name`, which it needs: the result does not carry its metric's name), an `EvalCaseResult`
    (one per invocation and metric, named by the metric unless `name` is given) or one
    `EvalMetricResult`. Never raises: anything else records nothing and is counted in
    adk_observe_telemetry_dropped_total{sink="metrics"}.
    """
    obs = runtime.current()
    if obs is None:
        return 0
    try:  # the name as the label it becomes: plain text, whatever the object's truth value does
        verdicts = list(_verdicts(result, None if name is None else obs.label(name)))
    except Exception:  # not an ADK result, or one whose fields cannot be read
        obs.metrics.drop(c.SINK_METRICS)
        return 0
    for evaluator, passed, score in verdicts:
        record_evaluation(evaluator, passed=passed, score=score, agent_id=agent_id)
    return len(verdicts)
