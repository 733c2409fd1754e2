"""Numbers that are not finite and non-negative never reach a metric: prices are refused as
settings, token counts and amounts are dropped and counted at run time, None counts are zero,
and nothing of it raises into the agent. Caches are bounded in bytes, not only in entries."""

from __future__ import annotations

import gc
import math
import tracemalloc

import pytest
from instrument_support import Telemetry, make_telemetry
from prometheus_client import CollectorRegistry

import adk_observe
from adk_observe import agent_turn, llm_call
from adk_observe import conventions as c
from adk_observe.instrument.cost import Usage, token_count, usage_of
from adk_observe.instrument.events import LlmCall, Turn
from adk_observe.instrument.metrics import AgentMetrics
from adk_observe.instrument.options import OptionsError, resolve_options
from adk_observe.model import ModelPrice
from adk_observe.model import Telemetry as SpecTelemetry

AGENT = "billing-agent"
NAN, INF = float("nan"), float("inf")


def _dropped(telemetry: Telemetry) -> float:
    return telemetry.value(c.TELEMETRY_DROPPED.name, sink=c.SINK_METRICS) or 0.0


def _tokens(telemetry: Telemetry, token_type: str, model: str = "gpt-test") -> float | None:
    return telemetry.value(c.LLM_TOKENS.name, agent_id=AGENT, model=model, token_type=token_type)


def test_none_counts_are_zero_and_never_raise(telemetry: Telemetry) -> None:
    # OpenAI's usage: prompt_tokens_details (cached tokens) may be absent.
    with agent_turn(), llm_call("gpt-test") as call:
        call.record_usage(None, 5)
        call.record_usage(10, None, None, None)
    assert (_tokens(telemetry, "input"), _tokens(telemetry, "output")) == (10.0, 5.0)
    assert _tokens(telemetry, "cached") is None
    assert _dropped(telemetry) == 0.0


@pytest.mark.parametrize("bad", [NAN, INF, -INF, -1, -0.5, 10**400, "5", b"5", True, [1], object()])
def test_a_count_that_is_no_finite_non_negative_number_is_dropped_and_counted(
    telemetry: Telemetry, bad: object
) -> None:
    with agent_turn(), llm_call("gpt-test") as call:
        call.record_usage(bad, 100, bad, bad)  # type: ignore[arg-type]
    assert _tokens(telemetry, "output") == 100.0  # the good count is kept
    assert _tokens(telemetry, "input") is None
    assert _dropped(telemetry) == 3.0
    # The call, its cost (100 output tokens at $8 per million) and the turn are recorded.
    assert telemetry.value(c.LLM_CALLS.name, agent_id=AGENT, model="gpt-test", status="ok") == 1
    labels = {"agent_id": AGENT, "cost_center": "default"}
    assert telemetry.value(c.INTERACTION_COST.name + "_sum", **labels) == pytest.approx(8e-4)
    assert telemetry.value(c.REQUESTS.name, agent_id=AGENT, method="turn", endpoint="agent",
                           status_code="200") == 1.0


def test_token_count_accepts_numbers_as_they_come_and_refuses_the_rest() -> None:
    assert [token_count(v) for v in (None, 0, 7, 7.5, 2**60)] == [0, 0, 7, 7.5, 2**60]
    assert [token_count(v) for v in (NAN, -1, INF, True, "7", 10**400)] == [None] * 6
    assert usage_of(None, 3, NAN, -2) == ((0, 3, 0, 0), 2)


def test_a_cost_that_overflows_is_dropped_never_infinite(telemetry: Telemetry) -> None:
    huge = 1e308  # finite, but times a price per million it is infinite
    with agent_turn(), llm_call("gpt-test") as call:
        call.record_usage(huge, huge)
    labels = {"agent_id": AGENT, "cost_center": "default"}
    cost_sum = telemetry.value(c.INTERACTION_COST.name + "_sum", **labels)
    assert cost_sum == 0.0
    assert telemetry.value(c.COST_TOTAL.name, agent_id=AGENT, model="gpt-test",
                           cost_center="default") is None
    assert _dropped(telemetry) == 1.0  # the cost (the counts themselves are finite)
    line = next(x for x in telemetry.log_lines() if x["message"] == c.LOG_MESSAGE_AGENT_TURN)
    assert line["cost"] == 0.0


@pytest.mark.parametrize("amount", [NAN, INF, -INF, -1.0])
def test_the_metrics_refuse_amounts_no_counter_or_sum_could_recover_from(amount: float) -> None:
    registry = CollectorRegistry()
    metrics = AgentMetrics(registry)
    def turn(cost: float) -> Turn:
        return Turn(agent_id="a", seconds=0.5, ok=True, status_code="200", cost=cost,
                    cost_center="cc")

    metrics.record(LlmCall(agent_id="a", model="m", seconds=0.5, ok=True, usage=Usage(),
                           cost=amount, cost_center="cc"))
    metrics.record(turn(amount))
    metrics.record(turn(0.25))
    labels = {"agent_id": "a", "cost_center": "cc"}
    assert registry.get_sample_value(c.INTERACTION_COST.name + "_sum", labels) == 0.25
    assert registry.get_sample_value(c.INTERACTION_COST.name + "_count", labels) == 1.0
    assert registry.get_sample_value(c.COST_PER_INTERACTION.name, labels) == 0.25
    total = registry.get_sample_value(
        c.COST_TOTAL.name, {"agent_id": "a", "model": "m", "cost_center": "cc"})
    assert total is None
    # The cost counter refused one amount, the cost histogram and gauge one each.
    assert registry.get_sample_value(c.TELEMETRY_DROPPED.name, {"sink": "metrics"}) == 3.0
    assert all(math.isfinite(s.value) for m in registry.collect() for s in m.samples)


@pytest.mark.parametrize(("price", "json_text"), [
    (NAN, "NaN"), (INF, "Infinity"), (-1.0, "-1"), (INF, "1e999")])
def test_a_price_that_is_not_finite_and_non_negative_is_an_options_error(
    price: float, json_text: str
) -> None:
    with pytest.raises(OptionsError, match="negative, NaN or infinite"):
        resolve_options(environ={}, prices={"m": (price, 1.0)})
    raw = '{"m": [1, ' + json_text + "]}"
    with pytest.raises(OptionsError, match="ADK_OBSERVE_PRICES="):
        resolve_options(environ={"ADK_OBSERVE_PRICES": raw})
    spec = SpecTelemetry(prices=(ModelPrice("m", 1.0, 2.0, price),))
    with pytest.raises(OptionsError, match="telemetry: prices must be rows of a model name"):
        resolve_options(environ={}, telemetry=spec)


def test_a_nan_price_never_reaches_the_cost_sum() -> None:
    """The table the runtime builds refuses it before any call is priced."""
    with pytest.raises(OptionsError):
        adk_observe.init("agent", registry=CollectorRegistry(), metrics_port=-1,
                         prices={"gpt-test": [NAN, NAN]})
    assert adk_observe.current() is None


def _retained_after(calls: int, name_size: int) -> int:
    """Bytes still allocated after `calls` LLM calls, each with a new model name of
    `name_size` characters (garbage collected; the names themselves are freed by the caller)."""
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(calls):
        name = f"{i:04d}" + "m" * name_size
        with agent_turn(), llm_call(name) as call:
            call.record_usage(10, 5)
        del name
    adk_observe.current().force_flush()  # type: ignore[union-attr]
    gc.collect()
    return tracemalloc.get_traced_memory()[0] - before


def test_three_hundred_one_megabyte_model_names_keep_no_megabytes() -> None:
    """Before the caches were bounded in bytes, the price table's lookup cache kept every name
    whole: 300 x 1 MB = 300 MB. Now a name over 256 characters is looked up and not cached, and
    every label, log field and queued item holds the name cut to 128 characters."""
    make_telemetry(tracing_enabled=False)  # spans (and their attributes) are the exporter's
    tracemalloc.start()
    try:
        retained = _retained_after(300, 1_000_000)
    finally:
        tracemalloc.stop()
    assert retained < 4 * 1024 * 1024, f"300 names of 1 MB retained {retained / 1e6:.1f} MB"
