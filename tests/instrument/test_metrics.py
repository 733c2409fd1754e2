"""The catalogue on a registry: names, buckets, cardinality caps and exemplars."""

from __future__ import annotations

import threading
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from instrument_support import Telemetry, make_telemetry
from prometheus_client import CollectorRegistry
from prometheus_client.openmetrics.exposition import generate_latest as openmetrics

from adk_observe import agent_turn, llm_call
from adk_observe import conventions as c
from adk_observe.instrument import families
from adk_observe.instrument.events import Turn
from adk_observe.instrument.labels import LabelCap
from adk_observe.instrument.metrics import AgentMetrics


def test_every_catalogue_metric_is_registered_with_its_type_labels_and_buckets() -> None:
    registry = CollectorRegistry()
    metrics = AgentMetrics(registry)
    for defn in c.CATALOGUE:
        family = metrics._families[defn.name].metric
        assert family._labelnames == defn.labels, defn.name
        if defn.type is c.MetricType.HISTOGRAM:
            assert tuple(family._upper_bounds[:-1]) == defn.buckets, defn.name
    exposed = {m.name for m in registry.collect()}
    assert exposed == {d.name.removesuffix("_total") for d in c.CATALOGUE}


def test_metrics_are_not_registered_at_import_time() -> None:
    registry = CollectorRegistry()
    assert list(registry.collect()) == []


def test_label_values_past_the_cap_fold_into_the_overflow_value() -> None:
    cap = LabelCap(2)
    assert [cap(v) for v in ("a", "b", "c", "a", "d")] == [
        "a", "b", c.OVERFLOW_LABEL_VALUE, "a", c.OVERFLOW_LABEL_VALUE]


def test_unbounded_model_names_are_capped_per_label() -> None:
    telemetry = make_telemetry(label_limit=3)
    with agent_turn("a"):
        for i in range(10):
            with llm_call(f"model-{i}"):
                pass
    v = telemetry.value
    for i in range(3):
        assert v(c.LLM_CALLS.name, agent_id="a", model=f"model-{i}", status="ok") == 1.0
    assert v(c.LLM_CALLS.name, agent_id="a", model=c.OVERFLOW_LABEL_VALUE, status="ok") == 7.0
    assert v(c.LLM_CALLS.name, agent_id="a", model="model-3", status="ok") is None


def test_sampled_turns_carry_their_trace_id_as_an_exemplar(telemetry: Telemetry) -> None:
    with agent_turn("a"):
        pass
    trace_id = format(telemetry.spans()[0].context.trace_id, "032x")
    text = openmetrics(telemetry.registry).decode()
    bucket = next(line for line in text.splitlines()
                  if line.startswith(c.REQUEST_DURATION.name + "_bucket") and "# {" in line)
    assert f'# {{trace_id="{trace_id}"}}' in bucket


def test_unsampled_turns_have_no_exemplar() -> None:
    telemetry = make_telemetry(sampling=0.0)
    with agent_turn("a"):
        pass
    assert telemetry.spans() == []
    assert "trace_id" not in openmetrics(telemetry.registry).decode()
    assert telemetry.value(c.REQUEST_DURATION.name + "_count", agent_id="a", method="turn",
                           endpoint="agent") == 1.0


@given(amounts=st.lists(st.one_of(
    st.sampled_from([0.0, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 1e9]),
    st.floats(min_value=0, max_value=100, allow_nan=False)), min_size=1, max_size=30))
def test_the_fast_observe_fills_the_same_buckets_as_prometheus_client(amounts: list[float]) -> None:
    registry = CollectorRegistry()
    metrics = AgentMetrics(registry)
    family = metrics.family(c.REQUEST_DURATION)
    slow = family.child("slow", "turn", "agent")
    for amount in amounts:
        slow.observe(amount)
        family.observe(("fast", "turn", "agent"), amount)

    def samples(agent: str) -> list[tuple[str, float]]:
        return [(s.name + s.labels.get("le", ""), s.value)
                for m in registry.collect() if m.name == c.REQUEST_DURATION.name
                for s in m.samples
                if s.labels.get("agent_id") == agent and not s.name.endswith("_created")]

    assert samples("fast") == samples("slow")


def test_the_fast_paths_fall_back_to_the_public_methods() -> None:
    class Child:
        def __init__(self) -> None:
            self.calls: list[float] = []

        def inc(self, amount: float) -> None:
            self.calls.append(amount)

        observe = inc

    child = Child()
    families._fast_add(child)(2.0)
    families._fast_observe(child)(3.0)
    assert child.calls == [2.0, 3.0]


def _turn(session: object, measure: Any) -> Turn:
    return Turn(agent_id="a", seconds=0.1, ok=True, status_code="200", cost=0.0,
                cost_center="default", session=session, measure=measure)


def test_session_size_is_measured_at_scrape_time_and_a_failure_keeps_the_last_value() -> None:
    registry = CollectorRegistry()
    metrics = AgentMetrics(registry)
    session = ["a" * 10]
    metrics.record(_turn(session, lambda s: sum(len(x) for x in s)))
    value = lambda: registry.get_sample_value(  # noqa: E731
        c.MEMORY_USAGE.name, {"agent_id": "a", "memory_type": c.MEMORY_SESSION})
    assert value() == 10.0
    session.append("b" * 5)  # the session grew after the turn: the scrape sees it
    assert value() == 15.0

    def broken(_: object) -> int:
        raise RuntimeError("cannot measure")

    metrics.record(_turn(session, broken))
    # One scrape: the failed measurement keeps the last value and is counted once.
    scraped = {(s.name, s.labels.get("memory_type") or s.labels.get("component")): s.value
               for m in registry.collect() for s in m.samples}
    assert scraped[(c.MEMORY_USAGE.name, c.MEMORY_SESSION)] == 15.0
    assert scraped[(c.INTERNAL_ERRORS.name, c.COMPONENT_ADK_PLUGIN)] == 1.0


def test_one_event_is_recorded_at_a_time() -> None:
    """The fast paths write prometheus_client's values without their locks (a `+=` that an
    interpreter without the GIL can interleave), so AgentMetrics.record holds one lock for an
    event's updates: a record made while another holds it waits, then counts."""
    registry = CollectorRegistry()
    metrics = AgentMetrics(registry)
    turn = {"agent_id": "a", "endpoint": "agent", "method": "turn", "status_code": "200"}
    metrics._record_lock.acquire()  # another event being recorded
    recording = threading.Thread(target=lambda: metrics.record(_turn(None, lambda s: 0)))
    try:
        recording.start()
        recording.join(0.5)
        assert recording.is_alive(), "an event was recorded beside another"
        assert registry.get_sample_value(c.REQUESTS.name, turn) is None
    finally:
        metrics._record_lock.release()
    recording.join(10)
    assert registry.get_sample_value(c.REQUESTS.name, turn) == 1.0
