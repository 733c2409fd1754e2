"""Sessions on turn spans and log lines: the pseudonym, its key, the modes and the turn index."""

from __future__ import annotations

import hashlib
import hmac
import logging
import subprocess
import sys

import pytest
from instrument_support import Telemetry
from tests.telemetry_support import make_telemetry

import adk_observe
from adk_observe import agent_turn
from adk_observe import conventions as c
from adk_observe.instrument import sessions
from adk_observe.instrument.options import OptionsError, resolve_options
from adk_observe.instrument.sessions import Sessions

KEY = "0123456789abcdef-key"
RAW = "bob@example.com"


def _turn_attrs(telemetry: Telemetry) -> list[dict[str, object]]:
    return [dict(s.attributes or {}) for s in telemetry.spans()
            if s.name.startswith(c.OPERATION_INVOKE_AGENT)]


def test_the_pseudonym_is_hmac_sha256_under_the_key_cut_to_16_bytes() -> None:
    expected = hmac.new(KEY.encode(), RAW.encode(), hashlib.sha256).hexdigest()[:32]
    assert Sessions("pseudonymise", KEY).user(RAW) == expected
    assert Sessions("pseudonymise", KEY).user(RAW) == expected  # the same from every process
    assert Sessions("pseudonymise", KEY + "x").user(RAW) != expected
    assert Sessions("pseudonymise", KEY).user("bob@example.org") != expected


def test_user_ids_are_pseudonymised_by_default_raw_when_asked_and_omitted_when_asked() -> None:
    for mode, expected in (("pseudonymise", Sessions("pseudonymise", KEY).user(RAW)),
                           ("raw", RAW), ("omit", None)):
        telemetry = make_telemetry("svc", user_id_key=KEY, user_id_mode=mode)
        with agent_turn("a", session_id="s1", user_id=RAW):
            pass
        (attrs,) = _turn_attrs(telemetry)
        assert attrs.get(c.USER_ID) == expected, mode
        (line,) = [ln for ln in telemetry.log_lines() if ln["message"] == "agent turn"]
        assert line.get(c.USER_ID) == expected, mode
        assert line[c.SESSION_ID] == attrs[c.SESSION_ID] == "s1"


def test_without_a_key_a_random_key_of_the_process_is_drawn_once_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sessions._ProcessKey.key = None  # as in a fresh process
    with caplog.at_level(logging.WARNING, logger="adk_observe"):
        first = Sessions("pseudonymise").user(RAW)
        again = Sessions("pseudonymise").user(RAW)  # a second init() in the same process
    assert first == again and first != RAW and len(first) == 32
    warnings = [r.getMessage() for r in caplog.records if c.USER_ID_KEY_ENV in r.getMessage()]
    assert len(warnings) == 1 and "random key of this process" in warnings[0]
    other = subprocess.run(
        [sys.executable, "-c", "from adk_observe.instrument.sessions import Sessions;"
         f"print(Sessions('pseudonymise').user({RAW!r}))"],
        capture_output=True, text=True, check=True, timeout=120).stdout.strip()
    assert len(other) == 32 and other != first  # another process: another key


def test_the_key_comes_from_the_environment_and_is_never_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(c.USER_ID_KEY_ENV, KEY)
    assert c.env_name("user_id_key") == c.USER_ID_KEY_ENV
    options = resolve_options()
    assert options.user_id_key == KEY and KEY not in repr(options)
    short = "tooshort-secret"
    with pytest.raises(OptionsError) as err:
        resolve_options(environ={c.USER_ID_KEY_ENV: short})
    assert "16 to 4096 characters" in str(err.value) and short not in str(err.value)
    with pytest.raises(OptionsError, match="user_id_mode must be one of pseudonymise, raw, omit"):
        adk_observe.init("svc", user_id_mode="hash", metrics_port=-1)


def test_the_context_managers_count_turns_per_session_unless_told(telemetry: Telemetry) -> None:
    for session in ("s1", "s2", "s1", "s1"):
        with agent_turn(session_id=session):
            pass
    with agent_turn(session_id="s1", turn_index=41):
        pass
    for bad in (-1, True, "3", 2.5):
        with agent_turn(session_id="s9", turn_index=bad):  # type: ignore[arg-type]
            pass
    with agent_turn():  # no session: no session attributes at all
        pass
    attrs = _turn_attrs(telemetry)
    assert [(a.get(c.SESSION_ID), a.get(c.SPAN_ATTR_TURN_INDEX)) for a in attrs] == [
        ("s1", 0), ("s2", 0), ("s1", 1), ("s1", 2), ("s1", 41),
        ("s9", None), ("s9", None), ("s9", None), ("s9", None), (None, None)]
    assert all(c.USER_ID not in a for a in attrs)
    assert attrs[-1].get(c.GEN_AI_CONVERSATION_ID) is None


def test_the_turn_counts_are_bounded() -> None:
    counter = Sessions("omit")
    for i in range(sessions.MAX_SESSIONS + 10):
        counter.next_turn(f"s{i}")
    assert counter.next_turn("s0") == 0  # forgotten: the least recently used went first
    assert counter.next_turn(f"s{sessions.MAX_SESSIONS + 9}") == 1
