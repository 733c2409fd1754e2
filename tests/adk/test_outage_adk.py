"""ADK turns with every collector down: the runs are unaffected, span drops are counted."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

from adk_helpers import build_runner, final_text, new_session, run_turn
from prometheus_client import CollectorRegistry

import adk_observe
from adk_observe import conventions as c
from adk_observe.adk import ObservabilityPlugin
from adk_observe.testing import Answer, ToolCall

TURNS = 200
SHUTDOWN_BOUND_S = 3.0  # the acceptance bound for exiting with dead collectors


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_adk_turns_with_dead_otlp_and_a_silent_fluentd() -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts (kernel backlog), never reads
    held: list[socket.socket] = []
    accepting = threading.Thread(target=lambda: held.append(silent.accept()[0]), daemon=True)
    accepting.start()
    registry = CollectorRegistry()
    obs = adk_observe.init(
        "outage-agent", registry=registry, metrics_port=-1, sampling=1.0, log_stream=False,
        tracing_endpoint=f"http://127.0.0.1:{_closed_port()}", export_timeout=0.3,
        span_queue_size=64, fluentd_host="127.0.0.1", fluentd_port=silent.getsockname()[1],
        fluentd_queue_size=20, fluentd_timeout=0.3,
        logger_levels=(("adk_observe", "DEBUG"),),
    )

    async def scenario() -> list[str]:
        runner, _, _ = build_runner((ToolCall("get_weather", {"city": "Oslo"}), Answer("Ok.")),
                                    [ObservabilityPlugin()])
        answers = []
        session = ""
        for i in range(TURNS):
            if i % 5 == 0:
                session = await new_session(runner)
            answers.append(final_text(await run_turn(runner, session)))
        return answers

    try:
        assert asyncio.run(scenario()) == ["Ok."] * TURNS
        time.sleep(0.5)  # let the span exporter fail at least once
        value = registry.get_sample_value
        assert value(c.REQUESTS.name, {"agent_id": "shop_assistant", "method": "turn",
                                       "endpoint": "agent", "status_code": "200"}) == TURNS
        assert (value(c.TELEMETRY_DROPPED.name, {"sink": "otlp"}) or 0) > 0
        # Fluentd drops need more records than the socket buffers hold: see
        # tests/instrument/test_outage.py (2,000 turns).
        assert value(c.INTERNAL_ERRORS.name, {"component": "adk_plugin"}) is None
        start = time.monotonic()
        obs.shutdown()
        assert time.monotonic() - start < SHUTDOWN_BOUND_S
    finally:
        for conn in held:
            conn.close()
        silent.close()
