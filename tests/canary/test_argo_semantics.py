"""Argo Rollouts' analysis semantics, case by case, as read from its source
(utils/evaluate/evaluate.go EvaluateResult, analysis/analysis.go assessMetricStatus,
utils/analysis/helpers.go analysisStatusOrder)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from adk_observe.checks.argo_expr import EvalError, ExprError, compile_condition
from adk_observe.checks.canary import (
    Measurement,
    Metric,
    MetricResult,
    Phase,
    assess,
    evaluate,
    result_value,
    run_phase,
)
from adk_observe.checks.prometheus import instant_result

WITHIN = "len(result) > 0 && result[0] <= 1"
OVER = "len(result) > 0 && result[0] > 1"


@pytest.mark.parametrize(
    ("condition", "result", "expected"),
    [
        ("result[0] <= 0.005", [0.004], True),
        ("result[0] <= 0.005", [0.006], False),
        ("len(result) == 0 || isNaN(result[0]) || result[0] <= 1", [], True),
        ("len(result) == 0 || isNaN(result[0]) || result[0] <= 1", [math.nan], True),
        ("len(result) > 0 && result[0] > 1", [], False),
        ("result > 0.5 and not isInf(result)", 0.7, True),
        ("!(result[0] >= 100)", [99.0], True),
        ("asInt(result[0]) == 3", [3.9], True),
        ("result[1] - result[0] < 2 * 3", [1.0, 6.0], True),
        ("false", [1.0], False),
        ("isNaN(result[0])", [math.nan], True),
        ("result[0] > 1", [math.nan], False),  # NaN compares false both ways
        ("result[0] <= 1", [math.nan], False),
        # At the bound: <= and >= hold, < and > do not (the generated gates use <= 1 and > 1).
        ("result[0] <= 1", [1.0], True),
        ("result[0] >= 1", [1.0], True),
        ("result[0] < 1", [1.0], False),
        ("result[0] > 1", [1.0], False),
        ("result[0] <= 0.005", [0.005], True),
        ("result[0] >= 100", [100.0], True),
        ("result[0] >= 100", [99.99999], False),
        ("result[0] <= 1", [1.0000001], False),
        ("result[0] == 1", [1.0], True),
        ("result[0] != 1", [1.0], False),
    ],
)
def test_conditions_evaluate_as_expr_lang_does(condition: str, result: Any, expected: bool) -> None:
    assert compile_condition(condition)(result) is expected


@pytest.mark.parametrize(
    ("condition", "result"),
    [
        ("result[0] < 1", []),  # Argo: "metric result is nil or empty" -> Error
        ("result[0]", [1.0]),  # not a boolean
        ("len(result) && true", [1.0]),
    ],
)
def test_conditions_that_cannot_be_evaluated_raise(condition: str, result: Any) -> None:
    with pytest.raises(EvalError):
        compile_condition(condition)(result)


@pytest.mark.parametrize("condition", ["result[0] ~ 1", "result.foo > 1", "import(x)", "a ? b : c"])
def test_syntax_outside_the_subset_is_refused_up_front(condition: str) -> None:
    with pytest.raises(ExprError):
        compile_condition(condition)


def _metric(success: str = WITHIN, failure: str = OVER, **kw: Any) -> Metric:
    return Metric("t", "m", "q", "http://x", success, failure, **kw)


@pytest.mark.parametrize(
    ("success", "failure", "result", "expected"),
    [
        (WITHIN, OVER, [0.5], Phase.SUCCESSFUL),
        (WITHIN, OVER, [2.0], Phase.FAILED),
        (WITHIN, OVER, [1.0], Phase.SUCCESSFUL),  # exactly at the bound: within it
        (WITHIN, OVER, [], Phase.INCONCLUSIVE),  # neither condition holds
        (WITHIN, OVER, [math.nan], Phase.INCONCLUSIVE),
        ("result[0] <= 1", "", [2.0], Phase.FAILED),  # only success: not successful is failed
        ("", "result[0] > 1", [0.5], Phase.SUCCESSFUL),  # only failure: not failed is success
        ("", "", [99.0], Phase.SUCCESSFUL),  # no condition: always successful
        ("true", "true", [1.0], Phase.FAILED),  # both true: failure wins
    ],
)
def test_a_measurement_follows_evaluate_result(
    success: str, failure: str, result: Any, expected: Phase
) -> None:
    assert evaluate(_metric(success, failure), result) is expected


def _seen(data: dict[str, Any]) -> tuple[Any, str]:
    return result_value(instant_result(data))


def test_prometheus_results_become_what_the_conditions_see() -> None:
    vector = {"resultType": "vector", "result": [{"metric": {}, "value": [1, "0.25"]}]}
    assert _seen(vector) == ([0.25], "[0.25]")
    assert _seen({"resultType": "vector", "result": []}) == ([], "[]")
    assert _seen({"resultType": "scalar", "result": [1, "3"]}) == (3.0, "3")
    nan = _seen({"resultType": "vector", "result": [{"metric": {}, "value": [1, "NaN"]}]})
    assert math.isnan(nan[0][0]) and nan[1] == "[NaN]"  # Argo's conditions see NaN (isNaN)
    matrix = {"resultType": "matrix", "result": [{"metric": {}, "values": [[1, "1"], [2, "2"]]}]}
    assert _seen(matrix) == ([1.0, 2.0], "[1,2]")
    many = [{"metric": {}, "value": [1, str(i)]} for i in range(25)]
    values, shown = _seen({"resultType": "vector", "result": many})
    assert len(values) == 25  # every value is evaluated; the line shows the first ten
    assert shown == "[0,1,2,3,4,5,6,7,8,9,... (25 values)]"


def _after(metric: Metric, *phases: Phase) -> Phase:
    result = MetricResult()
    for p in phases:
        result.add(Measurement(p))
    return assess(metric, result)


S, F, IN, E = Phase.SUCCESSFUL, Phase.FAILED, Phase.INCONCLUSIVE, Phase.ERROR


@pytest.mark.parametrize(
    ("limits", "phases", "expected"),
    [
        ({"count": 3}, (S, S), Phase.RUNNING),
        ({"count": 3}, (S, S, S), S),
        ({"count": 3}, (F,), F),  # failureLimit 0: the first failure fails the metric
        ({"count": 3, "failure_limit": 1}, (F,), Phase.RUNNING),
        ({"count": 3, "failure_limit": 1}, (F, S, F), F),
        ({"count": 3, "failure_limit": 1}, (F, S, S), S),  # count reached, 1 failure allowed
        ({"count": 3, "failure_limit": -1}, (F, F, F), S),  # negative: failures never count
        ({"count": 3}, (IN,), IN),  # inconclusiveLimit 0
        ({"count": 3, "inconclusive_limit": 1}, (IN, S, S), S),
        ({"count": 9}, (E, E, E, E), Phase.RUNNING),  # consecutiveErrorLimit 4
        ({"count": 9}, (E, E, E, E, E), E),
        ({"count": 9}, (E, E, E, E, S, E), Phase.RUNNING),  # a success resets the streak
        ({"interval": "60s"}, (S,) * 50, Phase.RUNNING),  # no count: runs until stopped
        ({}, (S,), S),  # no count and no interval: one measurement
    ],
)
def test_a_metric_follows_assess_metric_status(
    limits: dict[str, Any], phases: tuple[Phase, ...], expected: Phase
) -> None:
    assert _after(_metric(**limits), *phases) is expected


@pytest.mark.parametrize(
    ("phases", "expected"),
    [
        ((S, S), S),
        ((S, Phase.RUNNING), Phase.RUNNING),
        ((IN, E), E),
        ((E, F), F),  # Failed is the worst
        ((IN, S), IN),
    ],
)
def test_the_run_takes_its_worst_metric(phases: tuple[Phase, ...], expected: Phase) -> None:
    assert run_phase(phases) is expected
