"""Hostile values through the quality and guardrail API (issue 23): nothing raises into the agent,
/metrics always answers 200 and what cannot be counted is counted as dropped.

Surface: what agent code passes to `record_evaluation` (evaluator name, verdict, score, agent_id)
and `record_guardrail` (guardrail name, decision, agent_id), what an ADK evaluation result holds
(`EvalMetricResult`: metric name, status, score) and what a callback wrapped by
`adk_observe.adk.guardrail` declares with `decide()`.

Generator: the label values of test_runtime_labels.py (`hostile`: lone surrogates, control
characters, megabyte values, objects whose `str()` raises), scores that are NaN, infinities,
negative, huge (10**400 overflows a float), bools, text and None, verdicts that are not bools,
and decisions in any case, padded, too long or not text.

Bound, from docs/instrumentation.md: a verdict that is not a bool records nothing and counts one
drop (sink "metrics"); a score that is not a finite real number is left out, the evaluation
counted, one drop; a decision is one of allow, block, modify in any case with surrounding white
space, else nothing is recorded and one drop. Label values stay valid and bounded
(promtool check metrics after every example); no internal error is counted. A wrapped callback's
decision is what ADK made of its value ("Guardrails": a model callback's false value allows) and
a wrapped error callback makes none.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from enum import Enum
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry
from tests.hostile.test_runtime_labels import SETTINGS, check_exposition, hostile

import adk_observe
from adk_observe import conventions as c
from adk_observe.adk import guardrail as guardrail_of
from adk_observe.instrument import runtime

scores = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), float("inf"), -float("inf"), -1.0, 1e308, 10**400, -(10**400),
                     True, False, "0.9", b"1", Fraction(1, 3), 0, 7]),
    st.integers(),
)
verdicts = st.one_of(st.booleans(), st.sampled_from([None, 0, 1, "true", "pass", 1.0, [True]]))
decisions = st.one_of(
    st.sampled_from(["allow", "BLOCK", " Modify\n", "allow ", "deny", "", "allow" * 4,
                     "\x00allow", "bl\u043eck", None, 1, b"allow", ["allow"]]),  # a Cyrillic o
    st.text(max_size=20),
)


def _finite_real(value: object) -> bool:
    """By the docs: a finite real number, bools excluded (10**400 is no float)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _a_decision(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 16 and value.strip().lower() in (
        "allow", "block", "modify")


@pytest.fixture(scope="module")
def served() -> Iterator[adk_observe.Observability]:
    handle = adk_observe.init(
        "hostile-quality", registry=CollectorRegistry(), metrics_port=0,
        metrics_host="127.0.0.1", logging_enabled=False, sampling=1.0, span_exporter=None,
        background_recording=False,
    )
    yield handle
    runtime.reset()


def _total(handle: adk_observe.Observability, metric: c.MetricDef) -> float:
    """Every sample of a counter family, whatever its (capped, folded) labels."""
    return sum(s.value for m in handle.registry.collect() for s in m.samples
               if s.name == metric.name)


def _dropped(handle: adk_observe.Observability) -> float:
    return handle.registry.get_sample_value(c.TELEMETRY_DROPPED.name,
                                            {c.LABEL_SINK: c.SINK_METRICS}) or 0.0


@settings(SETTINGS, max_examples=60)
@given(name=hostile, passed=verdicts, score=scores, agent=hostile, guardrail=hostile,
       decision=decisions)
@example(name="grounded", passed=True, score=True, agent="a", guardrail="g", decision=" Block ")
@example(name="grounded", passed=False, score=10**400, agent="a", guardrail="g", decision="deny")
@example(name="grounded", passed=True, score=float("nan"), agent="a", guardrail="g",
         decision="allow" * 4)
@example(name="grounded", passed=1, score=0.5, agent="a", guardrail="g", decision=None)
def test_any_evaluation_or_decision_is_counted_or_dropped_never_raised(
    served: adk_observe.Observability, promtool: str, name: Any, passed: Any, score: Any,
    agent: Any, guardrail: Any, decision: Any,
) -> None:
    before = (_total(served, c.EVALUATIONS), _total(served, c.GUARDRAILS), _dropped(served))
    with adk_observe.agent_turn("quality"):
        adk_observe.record_evaluation(name, passed=passed, score=score, agent_id=agent)
        adk_observe.record_guardrail(guardrail, decision, agent_id=agent)
    counted = isinstance(passed, bool)
    drops = (not counted) + (counted and score is not None and not _finite_real(score))
    drops += not _a_decision(decision)
    assert _total(served, c.EVALUATIONS) - before[0] == counted
    assert _total(served, c.GUARDRAILS) - before[1] == _a_decision(decision)
    assert _dropped(served) - before[2] == drops
    assert served.port is not None
    check_exposition(served.port, promtool)
    assert served.registry.get_sample_value(
        c.INTERNAL_ERRORS.name, {c.LABEL_COMPONENT: c.COMPONENT_INSTRUMENT}) is None


# --- ADK: evaluation results and wrapped callbacks --------------------------------------------


@settings(SETTINGS, max_examples=40)
@given(name=hostile, score=scores, status=st.integers(0, 5))
def test_any_adk_metric_result_is_counted_or_dropped(
    served: adk_observe.Observability, promtool: str, name: Any, score: Any, status: int
) -> None:
    from google.adk.evaluation.eval_metrics import EvalMetricResult, EvalStatus

    from adk_observe.adk import record_evaluation_result

    statuses = list(EvalStatus)
    chosen = statuses[status % len(statuses)]
    try:  # ADK's own model refuses what it refuses: that never reaches adk-observe
        result = EvalMetricResult(metric_name=name, score=score, eval_status=chosen)
    except Exception:
        result = EvalMetricResult(metric_name="fallback", eval_status=chosen)
    before = _total(served, c.EVALUATIONS)
    recorded = record_evaluation_result(result)
    verdict = chosen in (EvalStatus.PASSED, EvalStatus.FAILED)
    assert recorded == verdict
    assert _total(served, c.EVALUATIONS) - before == verdict
    assert served.port is not None
    check_exposition(served.port, promtool)


@settings(SETTINGS, max_examples=15)
@given(name=hostile, declared=decisions)
def test_a_wrapped_callback_with_any_name_and_declared_decision_never_breaks_the_run(
    served: adk_observe.Observability, promtool: str, name: Any, declared: Any
) -> None:
    from tests.adk.adk_helpers import build_runner, final_text, new_session, run_turn

    from adk_observe.adk import ObservabilityPlugin, decide, guardrail
    from adk_observe.testing import Answer

    @guardrail(name)
    def screen(callback_context: Any, llm_request: Any) -> None:
        decide(declared)

    async def scenario() -> str:
        runner, _, _ = build_runner((Answer("Fine."),), [ObservabilityPlugin()],
                                    before_model_callback=screen)
        return final_text(await run_turn(runner, await new_session(runner)))

    before = (_total(served, c.GUARDRAILS), _dropped(served))
    assert asyncio.run(scenario()) == "Fine."
    assert _total(served, c.GUARDRAILS) - before[0] == _a_decision(declared)
    assert _dropped(served) - before[1] == (not _a_decision(declared))
    assert served.port is not None
    check_exposition(served.port, promtool)
    assert served.registry.get_sample_value(
        c.INTERNAL_ERRORS.name, {c.LABEL_COMPONENT: c.COMPONENT_ADK_PLUGIN}) is None


def _decisions(handle: adk_observe.Observability, name: str) -> dict[str, float]:
    """The decisions counted for guardrail `name` (the scripted agent's)."""
    out = {}
    for decision in c.GUARDRAIL_DECISIONS:
        value = handle.registry.get_sample_value(c.GUARDRAILS.name, {
            "agent_id": "shop_assistant", "guardrail": name, "decision": decision})
        if value:
            out[decision] = value
    return out


def _adk_run(script: Any, **callbacks: Any) -> tuple[str, int]:
    """One turn of a real Runner with the plugin: the final text and how often the model ran."""
    from tests.adk.adk_helpers import build_runner, final_text, new_session, run_turn

    from adk_observe.adk import ObservabilityPlugin

    async def scenario() -> tuple[str, int]:
        runner, model, _ = build_runner(script, [ObservabilityPlugin()], **callbacks)
        return final_text(await run_turn(runner, await new_session(runner))), model.calls

    return asyncio.run(scenario())


@pytest.mark.parametrize("falsy", [False, 0, "", {}, []], ids=repr)
@pytest.mark.parametrize("slot", ["before_model_callback", "after_model_callback"])
def test_a_model_guardrail_that_returns_a_false_value_allows_as_adk_reads_it(
    served: adk_observe.Observability, slot: str, falsy: Any
) -> None:
    from adk_observe.adk import guardrail
    from adk_observe.testing import Answer

    name = f"falsy-{slot}-{falsy!r}"

    @guardrail(name)
    def screen(callback_context: Any, request_or_response: Any) -> Any:
        return falsy  # as `return flagged and REFUSAL` does when nothing is flagged

    # ADK runs the model and keeps its answer: a false value is no answer (`if response:`)
    assert _adk_run((Answer("Sure."),), **{slot: screen}) == ("Sure.", 1)
    assert _decisions(served, name) == {"allow": 1.0}


def test_a_guardrail_on_an_error_callback_is_no_decision(served: adk_observe.Observability) -> None:
    from google.adk.models.llm_response import LlmResponse
    from google.genai import types

    from adk_observe.adk import guardrail
    from adk_observe.testing import Answer, Fail, ToolCall

    fallback = LlmResponse(content=types.Content(role="model", parts=[types.Part(text="Later.")]))

    @guardrail("on-model-error")
    def model_error(callback_context: Any, llm_request: Any, error: Exception) -> Any:
        return fallback  # the model failed: nothing was screened, nothing blocked

    @guardrail("on-tool-error")
    def tool_error(tool: Any, args: Any, tool_context: Any, error: Exception) -> Any:
        return {"error": "declined"}

    assert _adk_run((Fail("down"),), on_model_error_callback=model_error) == ("Later.", 1)
    script = (ToolCall("charge_card", {"amount": 5}), Answer("Declined."))
    assert _adk_run(script, on_tool_error_callback=tool_error) == ("Declined.", 2)
    assert _decisions(served, "on-model-error") == {}
    assert _decisions(served, "on-tool-error") == {}


class _NoTruth:
    """A name whose truth value raises (its text is fine)."""

    def __bool__(self) -> bool:
        raise RuntimeError("no truth value")

    def __str__(self) -> str:
        return "no-truth-judge"


class _Unreadable(list[Any]):
    def __iter__(self) -> Iterator[Any]:
        raise RuntimeError("cannot be read")


def test_an_adk_result_never_raises_whatever_its_name_or_fields(
    served: adk_observe.Observability,
) -> None:
    from google.adk.evaluation.eval_metrics import EvalMetricResult, EvalStatus
    from google.adk.evaluation.eval_result import EvalCaseResult

    from adk_observe.adk import record_evaluation_result

    passed = EvalMetricResult(metric_name="m", score=0.5, eval_status=EvalStatus.PASSED)
    # by the docs: the name is a label value, a value that is not text its str()
    assert record_evaluation_result(passed, name=_NoTruth()) == 1  # type: ignore[arg-type]
    assert served.registry.get_sample_value(c.EVALUATIONS.name, {
        "agent_id": "hostile-quality", "evaluator": "no-truth-judge", "result": "pass"}) == 1.0
    # a result whose fields cannot be read records nothing and counts one drop
    case = EvalCaseResult.model_construct(eval_metric_result_per_invocation=_Unreadable())
    before = _dropped(served)
    assert record_evaluation_result(case) == 0
    assert _dropped(served) - before == 1


def test_guardrail_without_its_name_is_one_type_error_where_it_decorates() -> None:
    from adk_observe.adk import guardrail

    def screen(callback_context: Any, llm_request: Any) -> None:
        return None

    # docs/instrumentation.md "Guardrails": not a decorator that every ADK run would call with
    # arguments it does not take
    with pytest.raises(TypeError, match=r"guardrail\(\) takes the guardrail's name.*screen'"):
        guardrail(screen)  # type: ignore[arg-type]


SOURCES = [("s\udcff", "s\ufffd"), (5, "5"), ("x" * 10_000, "x" * 128)]


@pytest.mark.parametrize(("source", "sent"), SOURCES)
def test_a_guardrail_source_reaches_the_collector_as_a_label_value(
    source: Any, sent: str
) -> None:
    """`record_guardrail(..., source=)` goes on the span event like the names do (docs,
    "Cardinality caps"): cut, no lone surrogate, text."""
    from tests.otlp_receivers import attributes, grpc_receiver

    with grpc_receiver() as receiver:
        handle = adk_observe.init("hostile-source", registry=CollectorRegistry(), metrics_port=-1,
                                  logging_enabled=False, sampling=1.0, tracing_protocol="grpc",
                                  tracing_endpoint=receiver.url)
        try:
            with adk_observe.agent_turn("a"):
                adk_observe.record_guardrail("g", "allow", source=source)
            assert handle.force_flush()
            events = [attributes(e.attributes) for s in receiver.spans() for e in s.events
                      if e.name == c.GEN_AI_GUARDRAIL_RESULT]
        finally:
            runtime.reset()
    assert [e.get(c.SPAN_ATTR_GUARDRAIL_SOURCE) for e in events] == [sent]


@pytest.fixture
def fresh() -> Iterator[adk_observe.Observability]:
    """A handle of its own: `served`'s label caps are full of the generated names."""
    handle = adk_observe.init(
        "hostile-quality", registry=CollectorRegistry(), metrics_port=-1, logging_enabled=False,
        span_exporter=None, background_recording=False,
    )
    yield handle
    runtime.reset()


class _NumpyBool:
    """Stands in for numpy's bool (`numpy.bool`, `numpy.bool_` before numpy 2): what
    `np.float64(score) > 0.8` returns. Not a subclass of bool, its truth value its verdict."""

    def __init__(self, value: bool) -> None:
        self.value = value

    def __bool__(self) -> bool:
        return self.value


@pytest.mark.parametrize("name", ["bool", "bool_"])  # numpy 2, numpy 1
def test_a_numpy_verdict_counts_as_the_bool_it_is(
    fresh: adk_observe.Observability, name: str
) -> None:
    """docs "Evaluations": `passed` is a bool or numpy's bool (a judge's score compared with a
    threshold, `passed=score > 0.8`, is one when the score came from numpy)."""
    verdict = type(name, (_NumpyBool,), {"__module__": "numpy"})
    evaluator = f"numpy-{name}"
    before = _dropped(fresh)
    adk_observe.record_evaluation(evaluator, passed=verdict(True), score=0.9)
    adk_observe.record_evaluation(evaluator, passed=verdict(False))
    counted = {result: fresh.registry.get_sample_value(c.EVALUATIONS.name, {
        "agent_id": "hostile-quality", "evaluator": evaluator, "result": result})
        for result in ("pass", "fail")}
    assert counted == {"pass": 1.0, "fail": 1.0}
    assert _dropped(fresh) - before == 0
    # a look-alike from elsewhere is still no verdict
    lookalike = type(name, (_NumpyBool,), {"__module__": "mylib"})
    adk_observe.record_evaluation(evaluator, passed=lookalike(True))
    assert _dropped(fresh) - before == 1


class _Decision(Enum):
    ALLOW = "allow"
    BLOCK = "Block"  # the value is the decision, in any case, as text is
    DENY = "deny"
    ONE = 1


def test_an_enum_decision_is_its_value(fresh: adk_observe.Observability) -> None:
    """docs "Guardrails": a decision is allow, block or modify in any case; an Enum member's
    value is what it stands for (a StrEnum member is its text already)."""
    before = _dropped(fresh)
    for member in _Decision:
        adk_observe.record_guardrail("enum-guard", member)
    assert {d: fresh.registry.get_sample_value(c.GUARDRAILS.name, {
        "agent_id": "hostile-quality", "guardrail": "enum-guard", "decision": d})
        for d in c.GUARDRAIL_DECISIONS} == {"allow": 1.0, "block": 1.0, "modify": None}
    assert _dropped(fresh) - before == 2  # deny and 1 are no decisions


class _Policy(Enum):
    PII = "pii"


@pytest.mark.parametrize("name", [_Policy.PII, 7, _NoTruth()], ids=["enum", "int", "no-truth"])
def test_a_guardrail_of_any_name_on_an_agent_callback_warns_once(
    fresh: adk_observe.Observability, caplog: pytest.LogCaptureFixture, name: Any
) -> None:
    """docs "Guardrails": on a slot that is no model or tool callback a wrapped callback counts
    nothing and warns once; the name is a label value (an object is its str()), so any name
    warns (none is an internal error)."""
    from adk_observe.adk import guardrail
    from adk_observe.testing import Answer

    @guardrail(name)
    def before_agent(callback_context: Any) -> None:
        return None

    with caplog.at_level("WARNING", logger="adk_observe"):
        assert _adk_run((Answer("Hi."),), before_agent_callback=before_agent) == ("Hi.", 1)
    assert fresh.registry.get_sample_value(
        c.INTERNAL_ERRORS.name, {c.LABEL_COMPONENT: c.COMPONENT_ADK_PLUGIN}) is None
    warned = [r.getMessage() for r in caplog.records
              if "no before or after model" in r.getMessage()]
    assert warned == [f"guardrail {str(name)!r} wraps a callback that is no before or after model "
                      "or tool callback: its decisions are not counted"]


class _ToolGuards:
    """Guardrails as methods, as a class of policies (or a plugin) holds them: ADK calls the
    bound method, so the wrapper also gets `self` before ADK's own arguments."""

    @guardrail_of("method-allowlist")
    def before_tool(self, tool: Any, args: dict[str, Any], tool_context: Any) -> Any:
        return {"error": "not allowed"} if args.get("city") == "Atlantis" else None

    @guardrail_of("method-redact")
    def after_tool(self, tool: Any, args: dict[str, Any], tool_context: Any,
                   tool_response: Any) -> Any:
        return {"city": "***"}


def test_a_guardrail_method_decides_as_the_function_does(fresh: adk_observe.Observability) -> None:
    """docs "Guardrails" table: a before_tool callback that returns a value blocks (the tool is
    not called), an after_tool one modifies; a method's `self` changes neither."""
    from adk_observe.testing import Answer, ToolCall

    guards = _ToolGuards()
    for city in ("Atlantis", "Lima"):
        script = (ToolCall("get_weather", {"city": city}), Answer("Done."))
        _adk_run(script, before_tool_callback=guards.before_tool,
                 after_tool_callback=guards.after_tool)
    assert _decisions(fresh, "method-allowlist") == {"block": 1.0, "allow": 1.0}
    # ADK runs after_tool on a blocked call's answer too: both turns
    assert _decisions(fresh, "method-redact") == {"modify": 2.0}


@pytest.mark.parametrize("slot", ["after_model_callback", "after_tool_callback"])
def test_an_output_guardrail_that_returns_the_output_it_got_allows(
    fresh: adk_observe.Observability, slot: str
) -> None:
    """docs "Guardrails": an after callback modifies when its value replaces the output; one that
    hands back the very output it got replaced nothing (ADK keeps the tool's response as the
    tool's: `altered is not tool_response`), and a change in place calls decide("modify")."""
    from adk_observe.adk import decide, guardrail
    from adk_observe.testing import Answer, ToolCall

    name = f"same-{slot}"

    @guardrail(name)
    def same(*args: Any, **kwargs: Any) -> Any:
        given = kwargs.get("llm_response", kwargs.get("tool_response"))
        if kwargs.get("args", {}).get("city") == "Oslo":
            given["city"] = "***"  # redacted in place
            decide("modify")
        return given

    script: tuple[Any, ...] = (Answer("Sure."),)
    if slot == "after_tool_callback":
        script = (ToolCall("get_weather", {"city": "Lima"}), Answer("Done."))
        _adk_run((ToolCall("get_weather", {"city": "Oslo"}), Answer("Done.")), **{slot: same})
    _adk_run(script, **{slot: same})
    expected = {"allow": 1.0} if slot == "after_model_callback" else {"allow": 1.0, "modify": 1.0}
    assert _decisions(fresh, name) == expected
