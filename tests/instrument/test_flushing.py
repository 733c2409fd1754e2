"""instrument/flushing.py: `force_flush()` runs each sink's flush on one kept thread, waits a
bounded time, and never starts a flush while one is under way."""

from __future__ import annotations

import os
import select
import signal
import threading

from prometheus_client import CollectorRegistry
from tests.telemetry_support import InMemorySpanExporter

import adk_observe
from adk_observe.instrument.flushing import BoundedFlush


def _flush_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("adk-observe-flush-")]


def test_one_thread_serves_every_flush_and_ends_at_shutdown() -> None:
    """A thread per flush cost ~130 us of CPU each time (an agent flushing after every
    request paid it per request): one thread is started at the first flush and kept, and
    shutdown ends it."""
    before = set(_flush_threads())
    handle = adk_observe.init("svc", registry=CollectorRegistry(), metrics_port=-1,
                              logging_enabled=False, span_exporter=InMemorySpanExporter())
    seen: set[threading.Thread] = set()
    for _ in range(20):
        assert handle.force_flush()
        seen.update(set(_flush_threads()) - before)
    assert len(seen) == 1
    (thread,) = seen
    adk_observe.shutdown()
    thread.join(5)
    assert not thread.is_alive()
    assert handle.force_flush() is False  # shut down: nothing is flushed


def test_a_caller_during_a_flush_gets_a_flush_started_after_its_call() -> None:
    """What was queued before a call is sent by a flush that started after it: a caller that
    comes while a flush runs waits for that one, then for the next."""
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def flush() -> bool:
        calls.append(len(calls) + 1)
        if len(calls) == 1:
            started.set()
            release.wait(10)
        return True

    flusher = BoundedFlush(flush, "test")
    first: list[bool] = []
    thread = threading.Thread(target=lambda: first.append(flusher(10.0)))
    thread.start()
    assert started.wait(10)
    second: list[bool] = []
    waiter = threading.Thread(target=lambda: second.append(flusher(10.0)))
    waiter.start()
    waiter.join(0.2)
    assert waiter.is_alive(), "the second caller returned on the first caller's flush"
    release.set()
    thread.join(10)
    waiter.join(10)
    assert first == [True] and second == [True]
    assert calls == [1, 2]
    flusher.close()


def test_a_flush_that_never_returns_bounds_every_later_call() -> None:
    """A sink that holds its flush for ever: each call returns False after its limit, and no
    second flush is started beside the one under way."""
    hold = threading.Event()
    calls: list[int] = []

    def flush() -> bool:
        calls.append(1)
        hold.wait(30)
        return True

    flusher = BoundedFlush(flush, "test")
    assert flusher(0.1) is False
    assert flusher(0.1) is False
    assert calls == [1]
    hold.set()
    flusher.close()


def test_a_failing_flush_is_false_and_the_thread_serves_the_next() -> None:
    results = iter([RuntimeError("sink down"), True])

    def flush() -> bool:
        result = next(results)
        if isinstance(result, Exception):
            raise result
        return result

    flusher = BoundedFlush(flush, "test")
    assert flusher(5.0) is False
    assert flusher(5.0) is True
    flusher.close()


def test_a_forked_child_flushes_on_a_thread_of_its_own() -> None:
    """gunicorn --preload forks after init(): the parent's flush thread does not exist in the
    child, and a lock a parent thread held at fork would never be released there."""
    calls: list[int] = []
    flusher = BoundedFlush(lambda: calls.append(os.getpid()) is None, "test")
    assert flusher(5.0)
    flusher._lock.acquire()  # held by a parent thread at the moment of fork
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: flush, report, leave without running the parent's cleanup
        try:
            ok = flusher(5.0) and calls[-1] == os.getpid()
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    flusher._lock.release()
    os.close(write)
    ready, _, _ = select.select([read], [], [], 60)  # a deadlocked child never answers
    if not ready:
        os.kill(pid, signal.SIGKILL)
    got = os.read(read, 1) if ready else b""
    os.close(read)
    os.waitpid(pid, 0)
    assert got == b"1", "the child's flush did not return (a lock held at fork)"
    flusher.close()
