"""Every collector down: the agent never sees an exception, stays fast and exits promptly."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fluentd_receiver import SilentServer, closed_port

SCRIPT = Path(__file__).with_name("outage_agent.py")
TURNS = 2000
EXIT_BOUND_S = 3.0  # the acceptance bound: the process exits within 3 s
ADDED_MEDIAN_BOUND_S = 0.001  # the acceptance bound: under 1 ms added per turn at the median


@pytest.mark.parametrize("ending", ["shutdown", "exit"])
def test_two_thousand_turns_with_every_collector_down(ending: str) -> None:
    silent = SilentServer()
    try:
        proc = subprocess.Popen(
            [sys.executable, str(SCRIPT), str(closed_port()), str(silent.port), str(TURNS),
             ending],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert proc.stdout is not None
        result = json.loads(proc.stdout.readline())
        done = time.monotonic()
        proc.wait(timeout=30)
        exit_seconds = time.monotonic() - done
    finally:
        silent.close()
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    assert result["errors"] == 0
    assert result["requests"] == TURNS
    assert result["instrumented_median"] - result["baseline_median"] < ADDED_MEDIAN_BOUND_S
    # No turn ever waited on a dead sink: no turn made a network call (connect, send or recv on
    # the agent's thread); the exporters' own threads did, and dropped (below). Not a wall-clock
    # bound on the slowest turn, which a starved machine breaks without any waiting on a sink.
    assert result["socket_calls_on_turn_thread"] == []
    assert result["dropped_otlp"] and result["dropped_otlp"] > 0
    assert result["dropped_fluentd"] and result["dropped_fluentd"] > 0
    # Bounded queues: resident memory after all turns is within 4 MiB of what it was after a
    # quarter of them (unbounded buffering of 1,500 turns of spans and logs would be far more).
    early, late = result["memory"]
    assert late - early < 4 * 1024 * 1024
    assert exit_seconds < EXIT_BOUND_S
    assert silent.connections, "the agent never reached the silent Fluentd"
