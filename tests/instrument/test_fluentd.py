"""Fluentd forwarding over the forward protocol, against a local receiver on 127.0.0.1."""

from __future__ import annotations

import logging

from fluentd_receiver import ForwardReceiver, closed_port
from instrument_support import make_telemetry

from adk_observe import agent_turn
from adk_observe import conventions as c

LOG = logging.getLogger("adk_observe.agent")


def test_records_arrive_as_json_fields_with_trace_ids() -> None:
    receiver = ForwardReceiver()
    try:
        telemetry = make_telemetry(fluentd_host="127.0.0.1", fluentd_port=receiver.port,
                                   fluentd_tag="agents.billing", log_stream=False)
        with agent_turn("a"):
            LOG.info("charging card", extra={"amount": 12, "api_key": "s3cr3t-value"})
        records = receiver.wait_for(2)
        assert [r[0] for r in records] == ["agents.billing", "agents.billing"]
        charge, turn = records[0][2], records[1][2]
        assert charge["message"] == "charging card" and charge["amount"] == 12
        assert charge["api_key"] == "[REDACTED]"
        assert turn["message"] == "agent turn"
        trace_id = format(telemetry.spans()[0].context.trace_id, "032x")
        assert charge[c.LOG_TRACE_ID] == turn[c.LOG_TRACE_ID] == trace_id
        assert telemetry.value(c.TELEMETRY_DROPPED.name, sink="fluentd") is None
    finally:
        receiver.close()


def test_records_buffered_while_fluentd_is_down_arrive_when_it_comes_back() -> None:
    port = closed_port()
    telemetry = make_telemetry(fluentd_host="127.0.0.1", fluentd_port=port, log_stream=False)
    for i in range(5):
        LOG.info("while down %d", i)
    assert telemetry.handle.logging is not None and telemetry.handle.logging.fluent is not None
    receiver = ForwardReceiver(port)
    try:
        records = receiver.wait_for(5)
        assert [r[2]["message"] for r in records] == [f"while down {i}" for i in range(5)]
        LOG.info("after recovery")
        assert receiver.wait_for(6)[-1][2]["message"] == "after recovery"
    finally:
        receiver.close()
