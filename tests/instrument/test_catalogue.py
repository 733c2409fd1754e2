"""The catalogue drives the recorder: a metric declared once is registered, recorded from its
event, served on /metrics and known to lint, with nothing else to write; and every declaration
points at event fields that exist. (docs/instrumentation.md's metric table is checked against the
catalogue by tests/test_doc_tables.py.)"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import typing
import urllib.request
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

import adk_observe
from adk_observe import agent_turn, tool_call
from adk_observe import conventions as c
from adk_observe.checks.lint import check_expr, known_series
from adk_observe.instrument import events
from adk_observe.instrument.metrics import AgentMetrics
from adk_observe.loader.load import load_specs

ROOT = Path(__file__).resolve().parents[2]

# The one declaration a new metric takes: seconds spent in each tool, from the tool call event.
TOOL_SECONDS = c.MetricDef(
    "adk_agent_tool_seconds_total",
    c.MetricType.COUNTER,
    "Seconds spent in tool calls.",
    (c.LABEL_AGENT_ID, c.LABEL_TOOL),
    capped=(c.LABEL_AGENT_ID, c.LABEL_TOOL),
    captures=(c.Capture(c.EVENT_TOOL_CALL, c.FIELD_SECONDS),),
)
QUERY = 'sum by (tool) (rate(adk_agent_tool_seconds_total{agent_id="billing"}[5m]))'


def _lint(query: str) -> list[str]:
    spec = load_specs([ROOT / "examples" / "support-agent.yaml"])[0]
    return [str(f) for f in check_expr(query, "test", known_series(spec, ()))]


def test_a_metric_added_by_one_declaration_is_recorded_served_and_linted(
    monkeypatch: pytest.MonkeyPatch, promtool: str
) -> None:
    assert "does not emit" in " ".join(_lint(QUERY))  # unknown before it is declared
    monkeypatch.setattr(c, "CATALOGUE", (*c.CATALOGUE, TOOL_SECONDS))
    handle = adk_observe.init("billing", registry=CollectorRegistry(), metrics_port=0,
                              metrics_host="127.0.0.1", logging_enabled=False)
    with agent_turn("billing"):
        for _ in range(3):
            with tool_call("search"):
                pass
    with urllib.request.urlopen(f"http://127.0.0.1:{handle.port}/metrics") as response:
        text = response.read()
    samples = {(s.name, s.labels.get("tool")): s.value
               for f in text_string_to_metric_families(text.decode()) for s in f.samples}
    seconds = samples[(TOOL_SECONDS.name, "search")]
    assert 0 < seconds < 60
    assert f"# HELP {TOOL_SECONDS.name} {TOOL_SECONDS.help}" in text.decode()
    checked = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True)
    assert checked.returncode == 0, checked.stdout.decode() + checked.stderr.decode()
    assert _lint(QUERY) == []
    assert _lint(QUERY.replace("agent_id", "model")) == [
        "test: adk_agent_tool_seconds_total has no label 'model'"]


def _fields(kind: str) -> set[str]:
    """The fields and properties of the event of `kind` (what a capture may read)."""
    (event,) = [e for e in events.EVENTS if e.kind == kind]
    names = {f.name for f in dataclasses.fields(event)}
    names |= {n for n in dir(event) if isinstance(getattr(event, n), property)}
    names |= {n for n, t in typing.get_type_hints(event).items() if "ClassVar" in str(t)}
    return names


@pytest.mark.parametrize("defn", c.CATALOGUE, ids=[d.name for d in c.CATALOGUE])
def test_every_capture_reads_fields_its_event_has(defn: c.MetricDef) -> None:
    for capture in defn.captures:
        fields = _fields(capture.event)
        mapped = dict(capture.fields)
        labels = defn.labels[:-1] if capture.each else defn.labels
        reads = {mapped.get(label, label) for label in labels}
        reads |= {field for _, field in capture.each}
        reads |= {capture.value} if isinstance(capture.value, str) else set()
        reads |= {capture.when} if capture.when else set()
        reads |= {"measure"} if defn.op(capture) is c.Op.LATEST else set()
        for read in sorted(r for r in reads if "." in r):  # a dotted path reads into a field
            head, _, rest = read.partition(".")
            (event,) = [e for e in events.EVENTS if e.kind == capture.event]
            assert hasattr(typing.get_type_hints(event)[head], rest), read
        reads = {read.split(".")[0] for read in reads}
        assert reads <= fields, sorted(reads - fields)
        assert set(mapped) <= set(defn.labels)
        op = defn.op(capture)
        allowed = {c.MetricType.COUNTER: {c.Op.ADD}, c.MetricType.HISTOGRAM: {c.Op.OBSERVE},
                   c.MetricType.GAUGE: {c.Op.ADD, c.Op.SET, c.Op.LATEST}}[defn.type]
        assert op in allowed


def test_a_label_capped_by_one_metric_is_capped_by_every_metric_that_has_it() -> None:
    """The cap of a label is shared by every family: declarations must agree."""
    capped = {label for d in c.CATALOGUE for label in d.capped}
    for defn in c.CATALOGUE:
        assert set(defn.capped) <= set(defn.labels)
        assert {label for label in defn.labels if label in capped} == set(defn.capped), defn.name


def test_every_event_kind_is_captured_and_every_capture_names_an_event() -> None:
    kinds = {e.kind for e in events.EVENTS}
    captured = {capture.event for d in c.CATALOGUE for capture in d.captures}
    assert captured == kinds


def test_the_recorder_names_no_catalogue_metric_it_records_events_into() -> None:
    """What records events is the catalogue: the recorder's modules name only the metrics the
    runtime records about itself (and the RSS gauge, a callback)."""
    own = {c.INTERNAL_ERRORS, c.TELEMETRY_DROPPED, c.SERIES_OVERFLOW, c.MEMORY_USAGE}
    recorded = {d for d in c.CATALOGUE if d not in own}
    names = {name for name in dir(c) if isinstance(getattr(c, name), c.MetricDef)}
    for module in ("metrics", "captures", "families", "events"):
        text = (ROOT / "src" / "adk_observe" / "instrument" / f"{module}.py").read_text()
        used = {n for n in names if re.search(rf"\bc\.{n}\b", text)}
        assert not {getattr(c, n) for n in used} & recorded, (module, used)


def test_an_agent_metrics_of_its_own_catalogue_records_only_that() -> None:
    registry = CollectorRegistry()
    metrics = AgentMetrics(registry, catalogue=(TOOL_SECONDS, c.INTERNAL_ERRORS,
                                                c.TELEMETRY_DROPPED, c.SERIES_OVERFLOW))
    metrics.record(events.ToolCall(agent_id="a", tool="t", seconds=1.5, ok=True))
    metrics.record(events.LlmCall(agent_id="a", model="m", seconds=1.0, ok=True,
                                  usage=events.Usage(1, 1), cost=None, cost_center="cc"))
    values = {s.name: s.value for m in registry.collect() for s in m.samples
              if s.value and not s.name.endswith("_created")}
    assert values == {TOOL_SECONDS.name: 1.5}  # the LLM call is captured by none of them
