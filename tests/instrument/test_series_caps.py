"""Series are bounded: per-family series limit, label value length cap, hostile label values."""

from __future__ import annotations

import random
import tracemalloc

import pytest
from instrument_support import make_telemetry
from prometheus_client import CollectorRegistry

import adk_observe
from adk_observe import agent_turn, llm_call, mcp_call, tool_call
from adk_observe import conventions as c
from adk_observe.instrument.events import ToolCall
from adk_observe.instrument.metrics import AgentMetrics
from adk_observe.instrument.options import OptionsError, resolve_options

OTHER = c.OVERFLOW_LABEL_VALUE


def _series(registry: CollectorRegistry) -> dict[str, int]:
    """Samples per metric family, as /metrics exposes them (buckets, _count, _sum, _created)."""
    return {metric.name: len(metric.samples) for metric in registry.collect()}


def test_a_family_at_its_limit_folds_new_combinations_into_one_and_counts_them() -> None:
    registry = CollectorRegistry()
    # A counter combination is 2 series (_total and _created): a limit of 10 leaves 5
    # combinations, one of them kept for the overflow: t0..t3 get their own, t4 and t5 fold.
    metrics = AgentMetrics(registry, series_limit=10)
    for i in range(6):
        metrics.record(ToolCall(agent_id="a", tool=f"t{i}", seconds=0.1, ok=True))
    # An existing combination still counts as itself.
    metrics.record(ToolCall(agent_id="a", tool="t0", seconds=0.1, ok=True))
    calls = c.TOOL_CALLS.name

    def value(**labels: str) -> float | None:
        return registry.get_sample_value(calls, labels)

    assert [value(agent_id="a", tool=f"t{i}", status="ok") for i in range(6)] == [
        2.0, 1.0, 1.0, 1.0, None, None]
    assert value(agent_id=OTHER, tool=OTHER, status=OTHER) == 2.0
    assert registry.get_sample_value(c.SERIES_OVERFLOW.name, {"metric": calls}) == 2.0
    assert _series(registry)[calls.removesuffix("_total")] == 10
    # A histogram combination is 9 bounds + Inf + _count + _sum + _created = 13 series, more than
    # the limit: every observation lands in the overflow combination.
    duration = c.TOOL_CALL_DURATION.name
    assert registry.get_sample_value(
        duration + "_count", {"agent_id": OTHER, "tool": OTHER, "status": OTHER}) == 7.0
    assert registry.get_sample_value(c.SERIES_OVERFLOW.name, {"metric": duration}) == 7.0


def test_label_values_are_cut_to_the_length_cap() -> None:
    registry = CollectorRegistry()
    metrics = AgentMetrics(registry, label_value_max_length=16)
    metrics.record(ToolCall(agent_id="a", tool="x" * 10_000, seconds=0.1, ok=True))
    assert registry.get_sample_value(
        c.TOOL_CALLS.name, {"agent_id": "a", "tool": "x" * 16, "status": "ok"}) == 1.0


def test_the_limits_are_options_with_floors() -> None:
    options = resolve_options(environ={"ADK_OBSERVE_SERIES_LIMIT": "500",
                                       "ADK_OBSERVE_LABEL_VALUE_MAX_LENGTH": "64"})
    assert (options.series_limit, options.label_value_max_length) == (500, 64)
    defaults = resolve_options(environ={})
    assert (defaults.series_limit, defaults.label_value_max_length) == (2000, 128)
    with pytest.raises(OptionsError, match="series_limit must be at least 100"):
        resolve_options(environ={}, series_limit=99)
    with pytest.raises(OptionsError, match="label_value_max_length must be at least 1"):
        resolve_options(environ={}, label_value_max_length=0)


def _hostile(rng: random.Random) -> str:
    """A label value an attacker would send: new every time, sometimes 10 KB long."""
    size = rng.choice((8, 64, 10_000))
    return f"{rng.random():.17f}" + "é\"\\{}\n" * (size // 6)


def _turns(count: int, rng: random.Random) -> None:
    for _ in range(count):
        with agent_turn(_hostile(rng), method=_hostile(rng), endpoint=_hostile(rng)) as turn:
            with llm_call(_hostile(rng)) as call:
                call.record_usage(10, 5)
            with tool_call(_hostile(rng)):
                pass
            with mcp_call(_hostile(rng), _hostile(rng)):
                pass
            turn.set_status_code(_hostile(rng))
        adk_observe.record_feedback(4.0, agent_id=_hostile(rng))


def test_ten_thousand_hostile_turns_stay_within_every_cap_and_bounded_memory() -> None:
    telemetry = make_telemetry(tracing_enabled=False, logging_enabled=False,
                               background_recording=False)
    rng = random.Random(11)
    tracemalloc.start()
    try:
        _turns(5_000, rng)  # every family reaches its limit within the first ~2,000 turns
        middle = tracemalloc.get_traced_memory()[0]
        _turns(5_000, rng)
        end = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    series = _series(telemetry.registry)
    assert max(series.values()) <= 2000, {k: v for k, v in series.items() if v > 2000}
    requests = c.REQUESTS.name
    assert series[requests.removesuffix("_total")] > 1900  # the limit was reached, not avoided
    assert (telemetry.value(c.SERIES_OVERFLOW.name, metric=requests) or 0) > 5_000
    longest = max(len(v) for m in telemetry.registry.collect() for s in m.samples
                  for v in s.labels.values())
    assert longest == 128
    # Once every family is at its limit a turn creates no series and no cache entry (those are
    # bounded by the limit too), so the second 5,000 turns retain nothing: the bound is slack
    # for interpreter caches, far below one KB per turn (the series they would otherwise add).
    assert end - middle < 256 * 1024, f"grew {end - middle} bytes over 5,000 turns"


def test_opentelemetry_metrics_on_metrics_keep_the_same_limits() -> None:
    from opentelemetry import metrics as otel_metrics

    telemetry = make_telemetry()
    assert telemetry.handle.otel_collector is not None
    meter = otel_metrics.get_meter("hostile-test")
    counter = meter.create_counter("hostile.calls")
    histogram = meter.create_histogram("hostile.duration", unit="s")  # 15 default bounds
    for i in range(2_500):
        counter.add(1, {"tool": f"{i:05d}" + "x" * 10_000})
    for i in range(200):
        histogram.record(0.5, {"tool": f"{i:05d}"})
    series = _series(telemetry.registry)
    # A counter combination is one series here (no _created): 2,000 kept, 500 dropped.
    assert series["hostile_calls"] == 2000
    # A histogram combination is 15 bounds + Inf + _count + _sum = 18 series: 111 fit (1,998).
    assert series["hostile_duration_seconds"] == 111 * 18
    assert telemetry.value(c.TELEMETRY_DROPPED.name, sink=c.SINK_OTEL_METRICS) == 500 + 89
    longest = max(len(s.labels["tool"]) for m in telemetry.registry.collect()
                  if m.name == "hostile_calls" for s in m.samples)
    assert longest == 128
