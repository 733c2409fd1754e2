"""One cluster's instrumented agent for the fleet live test (tests/e2e/fleet.py): a plain
Python agent using adk_observe's context managers, in a process of its own.

    python tests/e2e/fleet_agent.py SERVICE PORT RATE FAIL

serves /metrics on 127.0.0.1:PORT and runs RATE agent turns a second (each a tool call and an
LLM call inside `agent_turn`); FAIL=1 makes every LLM call raise, so every turn fails (a 500).
It runs until it is terminated.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import time
from types import FrameType

import adk_observe
from adk_observe import agent_turn, llm_call, tool_call

AGENT_ID = "concierge"
MODEL = "scripted-model"


class Stop(Exception):
    pass


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Stop


def turn(fail: bool) -> None:
    with agent_turn(AGENT_ID):
        with tool_call("lookup_booking"):
            pass
        with llm_call(MODEL) as call:
            if fail:
                raise TimeoutError("the model timed out (injected)")
            call.record_usage(40, 8)


def main(argv: list[str]) -> int:
    service, port, rate, fail = argv[0], int(argv[1]), float(argv[2]), argv[3] == "1"
    signal.signal(signal.SIGTERM, _stop)
    adk_observe.init(
        service_name=service,
        metrics_port=port,
        metrics_host="127.0.0.1",
        tracing_enabled=False,
        logging_enabled=False,
        ready=True,
    )
    print("ready", flush=True)
    try:
        while True:
            started = time.monotonic()
            with contextlib.suppress(TimeoutError):
                turn(fail)
            time.sleep(max(0.0, 1 / rate - (time.monotonic() - started)))
    except (Stop, KeyboardInterrupt):
        pass
    finally:
        adk_observe.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
