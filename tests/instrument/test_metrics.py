"""The catalogue on a registry: names, buckets, cardinality caps and exemplars."""

from __future__ import annotations

from instrument_support import Telemetry, make_telemetry
from prometheus_client import CollectorRegistry
from prometheus_client.openmetrics.exposition import generate_latest as openmetrics

from adk_observe import agent_turn, llm_call
from adk_observe import conventions as c
from adk_observe.instrument.metrics import AgentMetrics, LabelCap


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
