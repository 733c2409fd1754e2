"""A worker process in multiprocess mode (run by test_multiprocess.py): N turns, then exit."""

from __future__ import annotations

import sys

from prometheus_client import CollectorRegistry

import adk_observe
from adk_observe import agent_turn, llm_call

turns, in_flight = int(sys.argv[1]), sys.argv[2] == "leave-one-open"
adk_observe.init("mp-agent", registry=CollectorRegistry(), metrics_port=-1,
                 tracing_enabled=False, logging_enabled=False)
for _ in range(turns):
    with agent_turn("mp"), llm_call("gpt-test") as call:
        call.record_usage(10, 2)
if in_flight:
    agent_turn("mp").__enter__()  # a conversation still open when the worker dies
adk_observe.shutdown()
