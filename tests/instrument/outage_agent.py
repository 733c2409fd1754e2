"""An agent process whose collectors are all down (run by test_outage.py as a subprocess).

argv: OTLP port (closed), Fluentd port (accepts, never reads), turns, "shutdown" or "exit".
Prints one JSON line with the measurements, then exits (with or without adk_observe.shutdown()).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import statistics
import sys
import threading
import time

from prometheus_client import CollectorRegistry

import adk_observe
from adk_observe import agent_turn, llm_call, tool_call
from adk_observe import conventions as c

LOG = logging.getLogger("billing.invoices")  # under the service logger (INFO)
# An invoice-sized payload per log line: 2,000 turns then carry more than any socket buffers.
PAYLOAD = "line item; " * 50


# Network calls made on the agent's own thread while it runs turns: the proof that no turn ever
# waited on a dead sink is that no turn touched a socket at all (exports run on their threads).
ON_TURN_THREAD: list[str] = []


def watch_sockets() -> None:
    turn_thread = threading.get_ident()
    for name in ("connect", "connect_ex", "send", "sendall", "sendto", "recv", "recv_into"):
        original = getattr(socket.socket, name)

        def watched(self: socket.socket, *args: object, _o: object = original,
                    _n: str = name) -> object:
            if threading.get_ident() == turn_thread:
                ON_TURN_THREAD.append(_n)
            return _o(self, *args)  # type: ignore[operator]

        setattr(socket.socket, name, watched)


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def one_turn(i: int) -> float:
    start = time.perf_counter()
    with agent_turn("billing"):
        with llm_call("gpt-test") as call:
            call.record_usage(120, 30)
        with tool_call("lookup_invoice"):
            LOG.info("looked up invoice %d", i, extra={"items": PAYLOAD})
    return time.perf_counter() - start


def main() -> None:
    otlp_port, fluentd_port, turns, ending = int(sys.argv[1]), int(sys.argv[2]), int(
        sys.argv[3]), sys.argv[4]
    baseline = [one_turn(i) for i in range(turns)]  # adk_observe not initialised: no-ops
    registry = CollectorRegistry()
    adk_observe.init(
        "billing", registry=registry, metrics_port=-1, log_stream=False,
        tracing_endpoint=f"http://127.0.0.1:{otlp_port}", export_timeout=0.5,
        span_queue_size=256, fluentd_host="127.0.0.1", fluentd_port=fluentd_port,
        fluentd_queue_size=100, fluentd_timeout=0.5,
    )
    watch_sockets()
    errors = 0
    instrumented = []
    memory = []
    for i in range(turns):
        try:
            instrumented.append(one_turn(i))
        except Exception:
            errors += 1
        if i in (turns // 4, turns - 1):
            memory.append(rss_bytes())
    watching = list(ON_TURN_THREAD)
    time.sleep(1.5)  # let the exporter fail at least once
    value = registry.get_sample_value
    result = {
        "errors": errors,
        "baseline_median": statistics.median(baseline),
        "instrumented_median": statistics.median(instrumented),
        "instrumented_max": max(instrumented),
        "socket_calls_on_turn_thread": watching[:10],
        "memory": memory,
        "dropped_otlp": value(c.TELEMETRY_DROPPED.name, {"sink": "otlp"}),
        "dropped_fluentd": value(c.TELEMETRY_DROPPED.name, {"sink": "fluentd"}),
        "requests": value(c.REQUESTS.name, {"agent_id": "billing", "method": "turn",
                                            "endpoint": "agent", "status_code": "200"}),
    }
    print(json.dumps(result), flush=True)
    if ending == "shutdown":
        adk_observe.shutdown()
    print("exiting", flush=True)


if __name__ == "__main__":
    main()
