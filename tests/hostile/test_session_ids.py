"""Hostile session and user ids: what `agent_turn(session_id=, user_id=)` and an ADK session service
hand to adk-observe.

Surface: the ids of a turn (docs/instrumentation.md, "Sessions"): `session_id`/`user_id` of the
context managers and the Runner's session (`session.id`, `session.user_id`), in every
`user_id_mode`.

Generator: `HOSTILE` below: empty and blank ids, 1 MB of text, 100,000 emoji, right-to-left
overrides and combining marks, lone surrogates (as `os.environ` and undecodable file names give
them), NUL and other control characters, CR/LF with a header after it, ANSI escapes, a JSON
fragment, a secret, and values that are not text (int, float NaN, bytes, an object whose str()
raises).

Bound: an id never breaks a span (every turn's span reaches a real OTLP/gRPC receiver, nothing is
counted dropped), a log line (every line is JSON and strict UTF-8) or /metrics (it parses, and no
id is a label or a label value); on spans and lines an id is at most 256 characters of printable
text with secrets redacted; in the default mode the raw user id appears in none of them, nor in the
audit stream's lines (whose `user_id` is the spans' `user.id` in every mode).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import hmac
import io
import json
import threading
import tracemalloc
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.adk.agents import LlmAgent
from google.adk.apps import App
from google.adk.runners import InMemoryRunner
from google.genai import types
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from tests.otlp_receivers import Received, attributes, grpc_receiver

import adk_observe
from adk_observe import agent_turn
from adk_observe import conventions as c
from adk_observe.adk import ObservabilityPlugin
from adk_observe.instrument import audit, runtime
from adk_observe.instrument.sessions import ID_MAX_LENGTH
from adk_observe.testing import Answer, ScriptedModel

KEY = "hostile-test-key-0123456789"


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text")


SECRET = "sk-proj-abcdefghijklmnopqrstuvwxyz012345"
HOSTILE: list[tuple[str, Any]] = [
    ("empty", ""), ("blank", "   "), ("1 MB", "u" * 1_000_000), ("emoji", "\U0001f642" * 100_000),
    ("rtl override", "\u202egnp.exe"), ("combining", "e\u0301" * 50), ("lone surrogate", "\ud800"),
    ("surrogate inside", "a\udfffb"), ("NUL", "\x00"), ("NUL inside", "id\x00tail"),
    ("CR LF header", "s1\r\nX-Injected: 1"), ("ANSI", "\x1b[31mred\x1b[0m"),
    ("JSON", '"},{"level":"CRITICAL","message":"x'), ("secret", f"token {SECRET}"),
    ("int", 1234567), ("nan", float("nan")), ("bytes", b"bytes\xff"), ("str raises", Unprintable()),
]


@pytest.fixture
def receiver() -> Iterator[Received]:
    with grpc_receiver() as got:
        yield got


def _init(receiver: Received, mode: str) -> tuple[adk_observe.Observability, io.StringIO]:
    logs = io.StringIO()
    handle = adk_observe.init("hostile", registry=CollectorRegistry(), metrics_port=0,
                              log_output=logs, sampling=1.0, tracing_protocol="grpc",
                              tracing_endpoint=receiver.url, user_id_mode=mode,
                              user_id_key=KEY)
    return handle, logs


def _check_outputs(handle: adk_observe.Observability, logs: io.StringIO, receiver: Received,
                   turns: int, root: str) -> tuple[list[dict[str, Any]], str]:
    assert handle.force_flush()
    spans = [attributes(s.attributes) for s in receiver.spans() if s.name.startswith(root)]
    assert len(spans) == turns  # every turn's span got through the wire
    registry = handle.registry
    for sink in (c.SINK_OTLP, c.SINK_RECORDER):
        assert registry.get_sample_value(c.TELEMETRY_DROPPED.name, {"sink": sink}) is None
    lines = [json.loads(line) for line in logs.getvalue().splitlines() if line]
    for line in lines:
        json.dumps(line, ensure_ascii=False).encode("utf-8")  # strict: no lone surrogate
    assert sum(line["message"].startswith("agent turn") for line in lines) == turns
    with urllib.request.urlopen(f"http://127.0.0.1:{handle.port}/metrics", timeout=10) as r:
        scrape = r.read().decode("utf-8")
    families = text_string_to_metric_families(scrape)
    labels = {k for f in families for s in f.samples for k in s.labels}
    assert not labels & {"session", "session_id", "user", "user_id", c.SESSION_ID, c.USER_ID}
    for attrs in spans:
        for name in (c.SESSION_ID, c.USER_ID):
            value = attrs.get(name, "")
            assert len(value) <= ID_MAX_LENGTH and value.isprintable(), (name, value[:40])
            assert SECRET not in value
    return spans, scrape


def test_hostile_ids_through_the_context_managers_default_mode(receiver: Received) -> None:
    """User ids with a plain session id (so the raw id could only leak through user.id), then
    hostile session ids."""
    handle, logs = _init(receiver, "pseudonymise")
    for _, value in HOSTILE:
        with agent_turn("a", session_id="s-plain", user_id=value) as turn:
            pass
        assert turn.ok
    assert handle.force_flush()
    with urllib.request.urlopen(f"http://127.0.0.1:{handle.port}/metrics", timeout=10) as r:
        wire = receiver.everything() + logs.getvalue().encode("utf-8") + r.read()
    for name, value in HOSTILE:
        if isinstance(value, str) and len(value.strip()) > 3 and value.isprintable():
            assert value.encode() not in wire, name  # the raw user id left in nothing
    for _, value in HOSTILE:
        with agent_turn("a", session_id=value) as turn:
            pass
    spans, _ = _check_outputs(handle, logs, receiver, 2 * len(HOSTILE), "invoke_agent")
    assert handle.registry.get_sample_value(c.INTERNAL_ERRORS.name,
                                            {"component": c.COMPONENT_INSTRUMENT}) is None
    users = [s.get(c.USER_ID, "") for s in spans[: len(HOSTILE)]]
    assert [len(u) for u in users] == [
        0 if v == "" or isinstance(v, Unprintable) else 32 for _, v in HOSTILE]


def test_hostile_ids_through_the_context_managers_raw_mode(receiver: Received) -> None:
    handle, logs = _init(receiver, "raw")
    for _, value in HOSTILE:
        with agent_turn("a", session_id=value, user_id=value):
            pass
    spans, _ = _check_outputs(handle, logs, receiver, len(HOSTILE), "invoke_agent")
    by_name = {name: span for (name, _), span in zip(HOSTILE, spans, strict=True)}
    assert c.USER_ID not in by_name["empty"]  # nothing to show: left off
    assert by_name["1 MB"][c.USER_ID] == "u" * ID_MAX_LENGTH
    assert by_name["NUL inside"][c.USER_ID] == "id\ufffdtail"
    assert by_name["lone surrogate"][c.SESSION_ID] == "\ufffd"
    assert by_name["rtl override"][c.USER_ID] == "\ufffdgnp.exe"
    assert by_name["secret"][c.USER_ID] == "token [REDACTED]"
    assert by_name["int"][c.USER_ID] == "1234567"
    assert by_name["str raises"].get(c.USER_ID) is None


def test_hostile_ids_of_a_real_adk_session_service(receiver: Received) -> None:
    handle, logs = _init(receiver, "pseudonymise")
    values = [v for name, v in HOSTILE if isinstance(v, str) and name not in ("empty",)]

    async def scenario() -> list[str]:
        agent = LlmAgent(name="hostile_agent", model=ScriptedModel([Answer("ok")]))
        runner = InMemoryRunner(app=App(name="h", root_agent=agent,
                                        plugins=[ObservabilityPlugin()]))
        answers = []
        message = types.Content(role="user", parts=[types.Part(text="hi")])
        for value in values:
            session = await runner.session_service.create_session(
                app_name="h", user_id=value, session_id=value[:100_000] or None)
            async for event in runner.run_async(user_id=value, session_id=session.id,
                                                new_message=message):
                if event.content and event.content.parts and event.content.parts[0].text:
                    answers.append(event.content.parts[0].text)
        return answers

    try:
        assert asyncio.run(scenario()) == ["ok"] * len(values)  # the agent's answers, untouched
        _check_outputs(handle, logs, receiver, len(values), "invoke_workflow")
        assert handle.registry.get_sample_value(c.INTERNAL_ERRORS.name,
                                                {"component": c.COMPONENT_ADK_PLUGIN}) is None
    finally:
        runtime.reset()


RAW_USER = "user-7f3a9c-hostile"


@pytest.mark.parametrize("mode", ["pseudonymise", "raw", "omit"])
def test_the_audit_stream_shows_the_user_as_spans_do(
    receiver: Received, tmp_path: Path, mode: str
) -> None:
    """docs/security.md: the raw user id leaves the process nowhere (unless raw mode asks)."""
    from tests.adk.adk_helpers import APP, build_runner

    from adk_observe.testing import ToolCall

    path = tmp_path / "audit.jsonl"
    audit.configure(str(path))
    handle, logs = _init(receiver, mode)

    async def scenario() -> None:
        runner, _, _ = build_runner((ToolCall("get_weather", {"city": "Paris"}), Answer("Sunny.")),
                                    [ObservabilityPlugin()])
        session = await runner.session_service.create_session(app_name=APP, user_id=RAW_USER)
        message = types.Content(role="user", parts=[types.Part(text="weather?")])
        async for _ in runner.run_async(user_id=RAW_USER, session_id=session.id,
                                        new_message=message):
            pass

    try:
        asyncio.run(scenario())
        assert handle.force_flush()
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    finally:
        audit.reset()
        runtime.reset()
    assert [line["tool"] for line in lines] == ["get_weather"]
    # by hand, from docs/instrumentation.md "Sessions": the first 16 bytes of HMAC-SHA256
    pseudonym = hmac.new(KEY.encode(), RAW_USER.encode(), "sha256").hexdigest()[:32]
    expected = {"pseudonymise": pseudonym, "raw": RAW_USER, "omit": ""}[mode]
    assert lines[0]["user_id"] == expected
    if mode != "raw":
        wire = receiver.everything() + logs.getvalue().encode() + path.read_bytes()
        assert RAW_USER.encode() not in wire


@pytest.mark.parametrize(("given", "sent"), [
    (0, 0), (2**63 - 1, 2**63 - 1), (2**63, None), (10**30, None), (-1, None), (True, None),
])
def test_a_turn_index_is_sent_when_an_otlp_integer_holds_it_else_left_off(
    receiver: Received, given: int, sent: int | None
) -> None:
    """docs/instrumentation.md "Sessions": an index from 0 to 2**63 - 1 (OTLP's int64) is on
    the span; any other is left off, and the span's other attributes still arrive."""
    handle, logs = _init(receiver, "pseudonymise")
    with agent_turn("a", session_id="s-1", turn_index=given):
        pass
    spans, _ = _check_outputs(handle, logs, receiver, 1, "invoke_agent")
    assert spans[0].get(c.SPAN_ATTR_TURN_INDEX) == sent
    assert spans[0][c.SESSION_ID] == "s-1"
    assert not [line for line in logs.getvalue().splitlines() if '"level": "ERROR"' in line]


@pytest.mark.parametrize("pad", [230, 240, 245, 255])
def test_a_secret_across_the_256th_character_is_redacted_not_cut(
    receiver: Received, pad: int
) -> None:
    """docs/instrumentation.md "Sessions": secrets are redacted, then at most 256 characters are
    kept; a secret the cut would split leaves none of its characters."""
    handle, logs = _init(receiver, "raw")
    value = "s" * pad + ":" + SECRET
    with agent_turn("a", session_id=value, user_id=value):
        pass
    spans, _ = _check_outputs(handle, logs, receiver, 1, "invoke_agent")
    expected = ("s" * pad + ":[REDACTED]")[:ID_MAX_LENGTH]  # by hand: redact, then cut
    assert (spans[0][c.SESSION_ID], spans[0][c.USER_ID]) == (expected, expected)
    assert "sk-proj" not in logs.getvalue()


def test_long_ids_from_callers_are_not_retained() -> None:
    """Each turn's ids are shown cut to 256 characters; nothing keeps the whole ids a caller
    sent (a client choosing its session id could otherwise grow the process by the size of
    10,000 remembered sessions' ids)."""
    adk_observe.init("hostile-retention", registry=CollectorRegistry(), metrics_port=-1,
                     logging_enabled=False, tracing_enabled=False, user_id_key=KEY)
    size, turns = 100_000, 200  # 20 MB of ids sent in all
    try:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for i in range(turns):
            value = f"{i:06d}" + "x" * size
            with agent_turn("a", session_id=value, user_id=value) as turn:
                pass
            assert turn.session.session_id == value[:ID_MAX_LENGTH]
            del value
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        runtime.reset()
    # at most the shown ids and pseudonyms (about 300 characters a turn), never the ids sent
    assert retained < turns * 2_000, retained


def _other_thread(traceback: tracemalloc.Traceback) -> bool:
    """Allocated on a thread the threading module started (not the test's own)."""
    return any(f.filename == threading.__file__ for f in traceback)


def _import(traceback: tracemalloc.Traceback) -> bool:
    """Allocated while a module was being imported."""
    return any(f.filename.startswith("<frozen importlib") for f in traceback)


def test_long_adk_session_ids_are_not_retained() -> None:
    """The ADK turn index remembers 10,000 sessions: by a bounded key, never a caller's whole
    id (ADK's API server lets a client choose its session id)."""
    adk_observe.init("hostile-retention", registry=CollectorRegistry(), metrics_port=-1,
                     logging_enabled=False, tracing_enabled=False, user_id_key=KEY,
                     background_recording=False)
    size, turns = 100_000, 40  # 4 MB of ids sent in all
    agent = LlmAgent(name="retention_agent", model=ScriptedModel([Answer("ok")]))
    runner = InMemoryRunner(app=App(name="h", root_agent=agent, plugins=[ObservabilityPlugin()]))
    message = types.Content(role="user", parts=[types.Part(text="hi")])

    async def turn(i: int) -> None:
        session_id = f"{i:06d}" + "x" * size
        await runner.session_service.create_session(app_name="h", user_id="u",
                                                     session_id=session_id)
        async for _ in runner.run_async(user_id="u", session_id=session_id, new_message=message):
            pass
        # ADK forgets the session: what is still held is adk-observe's
        await runner.session_service.delete_session(app_name="h", user_id="u",
                                                    session_id=session_id)

    async def scenario() -> int:
        await turn(-1)  # ADK's own first-run allocations
        gc.collect()
        tracemalloc.start(32)  # frames enough to see a worker thread's root (its stack is short)
        for i in range(turns):
            await turn(i)
        gc.collect()
        # Blocks of an id's size still alive, allocated on this thread: the ids, wherever
        # copied. (The whole traced memory also counted other threads' allocations, and then
        # any of their blocks this size: a log writer or exporter of an earlier test in the
        # same worker made this fail under load. And a module first imported during the turns
        # in some test orders left a 3.8 MB block of its import.)
        return sum(
            t.size for t in tracemalloc.take_snapshot().traces
            if t.size >= size // 2 and not _other_thread(t.traceback)
            and not _import(t.traceback)
        )

    try:
        retained = asyncio.run(scenario())
    finally:
        tracemalloc.stop()
        runtime.reset()
    # never the ids (all 40: 4 MB); the last session (its id with it) is held by the
    # session-size gauge until the next turn
    assert retained < 2 * size, retained


LEAKED_USER = "user-8c1d5e-leaks"


def _exception_texts(receiver: Received) -> list[str]:
    """Every exception message and stack trace recorded on the spans received."""
    return [str(value) for s in receiver.spans() for e in s.events
            for key, value in attributes(e.attributes).items()
            if key in ("exception.message", "exception.stacktrace")]


@pytest.mark.parametrize("mode", ["pseudonymise", "omit"])
def test_a_user_id_in_an_exception_of_the_turn_leaves_no_span(
    receiver: Received, mode: str
) -> None:
    """docs/security.md: the raw user id leaves the process nowhere. An application that looks
    its user up (`accounts[user_id]`) fails with KeyError(user_id): the turn's span and the
    spans within it recorded that exception, the raw id in its message and stack trace."""
    handle, logs = _init(receiver, mode)
    accounts: dict[str, str] = {}
    turn = functools.partial(agent_turn, "a", session_id="s-1", user_id=LEAKED_USER)
    with pytest.raises(KeyError), turn(), adk_observe.tool_call("lookup"):
        accounts[LEAKED_USER]
    with pytest.raises(PermissionError), turn():
        raise PermissionError(f"user {LEAKED_USER} may not do that")
    _check_outputs(handle, logs, receiver, 2, "invoke_agent")
    texts = _exception_texts(receiver)
    assert len(texts) == 6  # the message and the stack trace of 3 spans: still recorded
    assert "user [user.id] may not do that" in texts
    assert LEAKED_USER.encode() not in receiver.everything() + logs.getvalue().encode()


@pytest.mark.parametrize("sampled", [True, False])
def test_a_user_id_in_an_exception_of_an_adk_tool_leaves_no_span(
    receiver: Received, sampled: bool
) -> None:
    """ADK records the tool's exception on its spans and logs it (ERROR, with the traceback)
    through adk-observe's JSON handler: neither may carry the raw id, whether the turn's trace
    is sampled or not (log lines are written either way)."""
    from tests.adk.adk_helpers import APP, build_runner

    from adk_observe.testing import ToolCall

    def find_account() -> dict[str, str]:
        """The caller's account."""
        raise KeyError(LEAKED_USER)

    logs = io.StringIO()
    handle = adk_observe.init("hostile", registry=CollectorRegistry(), metrics_port=-1,
                              log_output=logs, sampling=1.0 if sampled else 0.0,
                              tracing_protocol="grpc", tracing_endpoint=receiver.url,
                              user_id_key=KEY)

    async def scenario() -> None:
        runner, _, _ = build_runner((ToolCall("find_account", {}), Answer("Sorry.")),
                                    [ObservabilityPlugin()], extra_tools=[find_account])
        session = await runner.session_service.create_session(app_name=APP,
                                                               user_id=LEAKED_USER)
        message = types.Content(role="user", parts=[types.Part(text="my account?")])
        with contextlib.suppress(KeyError):
            async for _ in runner.run_async(user_id=LEAKED_USER, session_id=session.id,
                                            new_message=message):
                pass

    try:
        asyncio.run(scenario())
        assert handle.force_flush()
        assert bool(_exception_texts(receiver)) is sampled  # the tool's failure is recorded
        assert "find_account" in logs.getvalue()  # ADK's ERROR lines with their tracebacks
        assert LEAKED_USER.encode() not in receiver.everything() + logs.getvalue().encode()
    finally:
        runtime.reset()


def test_the_raw_ids_kept_for_exception_texts_are_bounded() -> None:
    """Millions of turns keep at most 10,000 traces' raw user ids, least recent first out; ids
    of fewer than 4 or more than 256 characters are not kept (`42` is in texts that are not it;
    a 1 MB id would be kept whole); an id is replaced where it is a word of its own."""
    from adk_observe.instrument.sessions import MAX_SESSIONS, Sessions, scrub

    sessions = Sessions("pseudonymise", KEY)

    def shown(trace_id: int, text: str) -> str:
        users = sessions.raw_users(trace_id)
        return text if users is None else scrub(text, users)

    for trace_id in range(1, 3 * MAX_SESSIONS + 1):
        sessions.remember(trace_id, f"user-{trace_id}")
    kept = [t for t in range(1, 3 * MAX_SESSIONS + 1) if sessions.raw_users(t) is not None]
    assert kept == list(range(2 * MAX_SESSIONS + 1, 3 * MAX_SESSIONS + 1))
    last = 3 * MAX_SESSIONS
    assert shown(last, f"KeyError: 'user-{last}'") == "KeyError: '[user.id]'"
    assert shown(last, f"user-{last}0 and user-{last}") == f"user-{last}0 and [user.id]"
    sessions.remember(1, "42")
    sessions.remember(2, "u" * (ID_MAX_LENGTH + 1))
    assert (sessions.raw_users(1), sessions.raw_users(2)) == (None, None)
    sessions.remember(3, "None")
    sessions.remember(3, "o'brien\n")  # a second user in the trace; its repr() form too
    assert shown(3, "'NoneType' object; user None") == "'NoneType' object; user [user.id]"
    assert shown(3, "KeyError: \"o'brien\\n\"") == 'KeyError: "[user.id]"'
    for user in [*range(20), 0, *range(20, 27)]:  # a long trace (a connection's), many users
        sessions.remember(4, f"member-{user}")
    for latest in (0, 20, 26):  # the latest 8 users (0 turned again) are kept
        assert shown(4, f"KeyError: 'member-{latest}'") == "KeyError: '[user.id]'", latest
    assert shown(4, "KeyError: 'member-19'") == "KeyError: 'member-19'"
    raw = Sessions("raw")
    raw.remember(1, "user-1")  # raw mode: the id is sent as it is anyway
    assert raw.raw_users(1) is None


def test_two_users_sessions_of_the_same_id_count_their_own_turns() -> None:
    """ADK's session services key a session by app, user and id, and a client may choose the
    id (`main` for every user): the turn index counts the runs of the session it was given.
    Alice's fourth run was index 5: the count of Bob's session of the same id went on."""
    from google.adk.events import Event
    from google.adk.sessions import Session

    from adk_observe.instrument.sessions import AdkTurnCounter

    count = AdkTurnCounter()
    alice = Session(id="main", app_name="h", user_id="alice", events=[])
    bob = Session(id="main", app_name="h", user_id="bob", events=[])
    other_app = Session(id="main", app_name="other", user_id="alice", events=[])

    def turn(session: Session, run: str, events: int) -> int | None:
        """A run of `events` events (the user's message first) and its index."""
        session.events.append(Event(invocation_id=run, author="user"))
        index = count(session, run)
        session.events.extend(Event(invocation_id=run, author="a") for _ in range(events - 1))
        return index

    got = [turn(alice, f"a{i}", 4) for i in range(3)]  # runs with a tool call: 4 events
    got += [turn(bob, f"b{i}", 2) for i in range(5)]
    got += [turn(alice, "a3", 4), turn(other_app, "o0", 2), turn(alice, "a4", 4)]
    assert got == [0, 1, 2, 0, 1, 2, 3, 4, 3, 0, 4]
