"""The work queues: queued events and log lines are applied in order, exactly where values
are read, never block the agent (nor a scrape), and are bounded, counted and written at shutdown."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from typing import Any

from instrument_support import Telemetry, make_telemetry
from prometheus_client import CollectorRegistry

import adk_observe
from adk_observe import agent_turn
from adk_observe import conventions as c
from adk_observe.instrument.events import TurnStarted
from adk_observe.instrument.work_queue import DrainCollector, WorkQueues

LOGGER = logging.getLogger("adk_observe.agent")


def _queues(capacity: int = 100) -> tuple[WorkQueues, list[int], list[str]]:
    drops: list[int] = []
    errors: list[str] = []
    # A long interval: only explicit flushes apply the queue, so the tests control when.
    return WorkQueues(drops.append, errors.append, capacity, interval=3600), drops, errors


def test_items_are_applied_in_order_and_failures_are_counted_by_component() -> None:
    queues, drops, errors = _queues()
    seen: list[int] = []

    def fail() -> None:
        raise RuntimeError("boom")

    for i in range(5):
        queues.put("first", seen.append, (i,))
    queues.put("second", fail, ())
    queues.put("first", seen.append, (5,))
    assert seen == []
    queues.flush()
    assert seen == [0, 1, 2, 3, 4, 5]
    assert errors == ["second"] and drops == []
    queues.close()


def test_a_full_queue_drops_and_counts_and_close_applies_what_is_left() -> None:
    queues, drops, _ = _queues(capacity=3)
    seen: list[int] = []
    for i in range(5):
        queues.put("c", seen.append, (i,))
    assert drops == [1, 1]
    queues.close()
    assert seen == [0, 1, 2]


def test_the_worker_applies_the_queue_without_a_flush() -> None:
    drops: list[int] = []
    queues = WorkQueues(drops.append, lambda _: None, interval=0.01)
    done = threading.Event()
    queues.put("c", done.set, ())
    assert done.wait(10)
    queues.close()


def test_a_scrape_applies_the_queue_before_reading_values() -> None:
    registry = CollectorRegistry()
    queues, _, _ = _queues()
    registry.register(DrainCollector(queues))
    counter = {"n": 0.0}

    def bump() -> None:
        counter["n"] += 1

    queues.put("c", bump, ())
    assert counter["n"] == 0
    list(registry.collect())
    assert counter["n"] == 1
    queues.close()


def _hold_lines(handle: adk_observe.Observability) -> None:
    """Keep the log writer from writing on its own: only flushes write from here on."""
    assert handle.queues is not None
    writer = handle.queues._lines
    writer._interval = 3600.0
    writer._wake.set()  # end its current short wait; the next one is long
    time.sleep(0.05)


def test_a_queued_line_keeps_the_callers_time_and_trace_ids(telemetry: Telemetry) -> None:
    _hold_lines(telemetry.handle)
    with agent_turn("a") as turn:
        ids = turn.span.get_span_context() if turn.span else None
    asked_at = time.time()
    time.sleep(0.5)  # the line is written after this; its time must still be the call's
    line = next(x for x in telemetry.log_lines() if x["message"] == c.LOG_MESSAGE_AGENT_TURN)
    assert ids is not None
    assert line[c.LOG_TRACE_ID] == format(ids.trace_id, "032x")
    assert line[c.LOG_SPAN_ID] == format(ids.span_id, "016x")
    written = time.mktime(time.strptime(line[c.LOG_TIME][:19], "%Y-%m-%d %H:%M:%S"))
    written += int(line[c.LOG_TIME][20:]) / 1000
    assert abs(written - asked_at) < 0.25


def test_a_blocked_handler_delays_the_lines_but_never_the_agent() -> None:
    release = threading.Event()
    written: list[str] = []

    class Blocked(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            release.wait()
            written.append(record.getMessage())

    handler = Blocked()
    LOGGER.addHandler(handler)
    try:
        telemetry = make_telemetry(log_stream=False)
        queues = telemetry.handle.queues
        assert queues is not None
        queues._lines._capacity = 50
        finished = 0
        for _ in range(200):  # the worker is stuck on the first line all along
            with agent_turn("a"):
                pass
            finished += 1
        assert finished == 200 and not release.is_set() and written == []
        assert telemetry.value(c.REQUESTS.name, agent_id="a", method=c.METHOD_TURN,
                               endpoint=c.ENDPOINT_AGENT, status_code="200") == 200.0
        # Queued metric updates are applied by a scrape while the log writer is still stuck.
        handle = telemetry.handle
        handle.record(TurnStarted(agent_id="queued"))
        assert telemetry.value(c.ACTIVE_CONVERSATIONS.name, agent_id="queued") == 1.0
        release.set()
        telemetry.handle.force_flush()
        dropped = telemetry.value(c.TELEMETRY_DROPPED.name, sink=c.SINK_RECORDER)
        assert dropped is not None and dropped > 0
        assert len(written) == 200 - dropped
    finally:
        release.set()
        LOGGER.removeHandler(handler)


def test_background_recording_off_writes_at_once() -> None:
    sync = make_telemetry(background_recording=False)
    assert sync.handle.queues is None
    with agent_turn("a"):
        pass
    assert [json.loads(x)["message"] for x in sync.logs.getvalue().splitlines()] == [
        c.LOG_MESSAGE_AGENT_TURN]


def test_a_forked_child_gets_its_own_worker_and_leaves_the_parents_lines(tmp_path: Any) -> None:
    path = tmp_path / "child.log"
    handle = adk_observe.init("forked", registry=CollectorRegistry(), metrics_port=-1,
                              log_stream=False, log_file=str(path))
    _hold_lines(handle)
    with agent_turn("parent"):  # queued in the parent when it forks
        pass
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit code
        code = 1
        try:
            with agent_turn("child"):
                pass
            writer = handle.queues._lines  # type: ignore[union-attr]
            writer._interval = 0.01  # undo _hold_lines (inherited): let the new thread write
            writer._wake.set()
            for _ in range(500):  # the worker writes it; nobody flushes
                if path.exists() and "child" in path.read_text():
                    code = 0
                    break
                time.sleep(0.01)
        finally:
            sys.stdout.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    handle.force_flush()
    agents = [json.loads(x)["agent_id"] for x in path.read_text().splitlines()]
    assert sorted(agents) == ["child", "parent"]  # the parent's line once, by the parent


def test_queued_lines_are_written_at_exit_without_shutdown() -> None:
    script = (
        "from prometheus_client import CollectorRegistry\n"
        "import adk_observe\n"
        "adk_observe.init('exiting', registry=CollectorRegistry(), metrics_port=-1)\n"
        "with adk_observe.agent_turn('a'):\n"
        "    pass\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    # JSON lines go to stdout, the default console.
    lines = [json.loads(x) for x in done.stdout.splitlines() if x.startswith("{")]
    assert [x["message"] for x in lines] == [c.LOG_MESSAGE_AGENT_TURN]
