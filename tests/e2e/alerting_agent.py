"""The agent of the live alerting test (run by test_alerting_live.py as a subprocess).

argv: metrics port. Instrumented with adk_observe's own context managers, so Prometheus scrapes
the real exposition: agent-a fails every turn (an outage), agent-b one turn in 22 (4.5%, a slow
burn between the test table's 3x ticket and 6x page thresholds of a 1% budget). Prints "ready"
once /metrics serves, then runs until killed.
"""

from __future__ import annotations

import sys
import time

from prometheus_client import CollectorRegistry

import adk_observe
from adk_observe import agent_turn

TURNS_PER_SECOND = 20  # per agent
SLOW_BURN_EVERY = 22


class Failed(RuntimeError):
    pass


def turn(agent: str, fail: bool) -> None:
    try:
        with agent_turn(agent):
            if fail:
                raise Failed(agent)
    except Failed:
        pass


def main() -> None:
    port = int(sys.argv[1])
    adk_observe.init(
        "live-agent",
        registry=CollectorRegistry(),
        metrics_port=port,
        metrics_host="127.0.0.1",
        tracing_enabled=False,
        log_stream=False,
        ready=True,
    )
    print("ready", flush=True)
    i = 0
    while True:
        started = time.monotonic()
        turn("agent-a", fail=True)
        turn("agent-b", fail=i % SLOW_BURN_EVERY == 0)
        i += 1
        time.sleep(max(0.0, 1 / TURNS_PER_SECOND - (time.monotonic() - started)))


if __name__ == "__main__":
    main()
