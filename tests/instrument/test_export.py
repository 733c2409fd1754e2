"""OTLP/HTTP export to a local receiver, and the rotating JSON log file."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from otlp_receiver import Received
from prometheus_client import CollectorRegistry

import adk_observe
from adk_observe import agent_turn, llm_call
from adk_observe import conventions as c


def test_spans_reach_an_otlp_http_collector_with_the_service_resource(receiver: Received) -> None:
    handle = adk_observe.init("otlp-agent", registry=CollectorRegistry(), metrics_port=-1,
                              logging_enabled=False, tracing_endpoint=receiver.url, sampling=1.0,
                              service_version="1.2.3")
    with agent_turn("a"), llm_call("m"):
        pass
    assert handle.force_flush()
    spans = receiver.spans()
    assert sorted(s.name for _, s in spans) == ["chat m", "invoke_agent a"]
    assert set(receiver.paths) == {"/v1/traces"}  # the base endpoint gets the traces path
    resource = spans[0][0]
    assert resource["service.name"] == "otlp-agent"
    assert resource["service.version"] == "1.2.3"
    assert len({s.trace_id for _, s in spans}) == 1
    assert handle.registry.get_sample_value(c.TELEMETRY_DROPPED.name, {"sink": "otlp"}) is None


def test_the_rotating_log_file_gets_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "agent.json"
    adk_observe.init("file-agent", registry=CollectorRegistry(), metrics_port=-1,
                     log_stream=False, log_file=str(path), log_file_max_bytes=2000,
                     log_file_backups=2)
    log = logging.getLogger("file-agent.worker")  # under the service logger: INFO
    for i in range(60):
        log.info("line %d", i)
    adk_observe.shutdown()
    files = sorted(tmp_path.iterdir())
    assert [f.name for f in files] == ["agent.json", "agent.json.1", "agent.json.2"]
    last = [json.loads(line) for line in path.read_text().splitlines()]
    assert last[-1]["message"] == "line 59" and last[-1]["service"] == "file-agent"
    assert all(f.stat().st_size <= 2000 for f in files)
