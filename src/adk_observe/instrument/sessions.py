"""Sessions on turn spans and log lines: `session.id`, `user.id` and the turn's index.

`user.id` is a keyed pseudonym by default: HMAC-SHA256 of the id under a secret key, its first
16 bytes as 32 hex digits. The same user gets the same pseudonym from every process that shares
the key (the `user_id_key` option, or ADK_OBSERVE_USER_ID_KEY), so session views still join a
user's sessions, while the id itself never leaves the process and cannot be recovered or
confirmed without the key. With no key set, each process draws a random key of its own and warns
once: pseudonyms then differ between processes and restarts (no user is joined across them), but
the raw id still never leaves. `user_id_mode="raw"` sends ids as they are, `"omit"` sends none.
Otherwise a turn's raw user id is also kept by its trace id (`remember`), so that exception texts
of the trace (`KeyError(user_id)`) lose it at export and in log lines (`raw_users`, `scrub`).

Ids come from outside (an ADK session service, the caller of `agent_turn`), so every value is
made safe before it reaches a span or a log line: not text becomes its str(); every character
that is not printable (lone surrogates, NUL and other control characters, format characters such
as bidi overrides, line separators) becomes U+FFFD (OTLP's protobuf and a log line's UTF-8 cannot
carry surrogates; the others forge or hide text where ids are shown); secrets are redacted as in
the logs; at most ID_MAX_LENGTH characters are kept (the pseudonym is taken of the whole id). A
hostile id never breaks a span, a line or /metrics: ids are never metric labels.

The turn index counts the turns of a session from 0. An ADK session knows its past turns (its
events carry their invocation ids), so the plugin counts those and the count survives restarts
with a persistent session service; the context managers count the turns they saw per session id
in this process (at most MAX_SESSIONS sessions are remembered, least recently used first out),
unless the caller passes `turn_index=`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adk_observe import conventions as c
from adk_observe.instrument.genai import INT_MAX
from adk_observe.instrument.redaction import redact_text

MODE_PSEUDONYMISE = "pseudonymise"
MODE_RAW = "raw"
MODE_OMIT = "omit"
USER_ID_MODES = (MODE_PSEUDONYMISE, MODE_RAW, MODE_OMIT)
KEY_MIN_LENGTH = 16  # characters: a short key makes the pseudonyms of guessable ids guessable
KEY_MAX_LENGTH = 4096
ID_MAX_LENGTH = 256  # characters of an id kept on a span or a line
_REDACT_WINDOW = 4 * ID_MAX_LENGTH  # characters of an id redacted before it is cut
PSEUDONYM_BYTES = 16  # 128 bits of the HMAC: 32 hex digits
MAX_SESSIONS = 10_000
# A raw user id in an exception's text (`KeyError(user_id)`) is replaced by this on the spans of
# its turn's trace; ids shorter than SCRUB_MIN_LENGTH are not ("42" is in text that is not it).
USER_ID_SHOWN = "[user.id]"
SCRUB_MIN_LENGTH = 4
_MAX_FORMS = 8  # forms of raw user ids kept per trace (a trace of several users' turns)
# A trace id's raw user ids as one pattern, or None (Sessions.raw_users).
RawUsers = Callable[[int], "re.Pattern[str] | None"]

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_log = logging.getLogger("adk_observe")


class _ProcessKey:
    lock = threading.Lock()
    key: bytes | None = None


def _random_key() -> bytes:
    """The random key of this process, drawn (with one warning) the first time a user id is
    pseudonymised without a key set; kept across `init()`s, and a forked child inherits it, so
    the workers of one pre-forking server agree."""
    with _ProcessKey.lock:
        if _ProcessKey.key is None:
            _ProcessKey.key = secrets.token_bytes(32)
            _log.warning(
                "%s is not set: user ids are pseudonymised with a random key of this process, so "
                "one user gets other pseudonyms in other processes and after a restart",
                c.USER_ID_KEY_ENV,
            )
        return _ProcessKey.key


def key_problem(key: str) -> str | None:
    """What makes `key` unusable as the pseudonym key, or None (the text never shows it)."""
    if not isinstance(key, str):
        return "must be text"
    if _UNSAFE.search(key):
        return "must not hold control characters or lone surrogates"
    if not KEY_MIN_LENGTH <= len(key) <= KEY_MAX_LENGTH:
        return f"must be {KEY_MIN_LENGTH} to {KEY_MAX_LENGTH} characters long"
    return None


def safe_id(value: object) -> str:
    """`value` as an id a span attribute, a JSON line and Fluentd can carry (see the module
    doc); '' for None."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else _str(value)
    if len(text) > _REDACT_WINDOW:  # bounded work; a secret across the final cut is still whole
        text = text[:_REDACT_WINDOW]
    if not text.isprintable():  # control, format (bidi overrides), surrogates, separators
        text = "".join(ch if ch.isprintable() else "\ufffd" for ch in text)
    return redact_text(text)[:ID_MAX_LENGTH]  # redacted, then cut: no secret's head is kept


def scrub(text: str, users: re.Pattern[str]) -> str:
    """`text` with each raw user id of `users` (a trace's: `Sessions.raw_users`) replaced by
    USER_ID_SHOWN, where it stands as a word of its own (an id `None` is not in `NoneType`)."""
    return users.sub(USER_ID_SHOWN, text)


@functools.lru_cache(maxsize=1024)
def _pattern(forms: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for the forms of a trace's raw user ids (compiled where texts are scrubbed,
    off the agent's thread; cached: a trace's spans come in one batch)."""
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def _str(value: object) -> str:
    try:
        return str(value)
    except Exception:
        return ""


def _id_bytes(value: object) -> bytes:
    text = value if isinstance(value, str) else _str(value)
    # surrogatepass: two different ids never hash alike because their surrogates were replaced
    return text.encode("utf-8", "surrogatepass")


@dataclass(frozen=True, slots=True)
class SessionIds:
    """The safe ids of one turn, as they go on its span and its log line."""

    session_id: str = ""
    user_id: str = ""
    turn_index: int | None = None

    def attributes(self) -> dict[str, Any]:
        attrs: dict[str, Any] = {}
        if self.session_id:
            attrs[c.SESSION_ID] = self.session_id
        if self.user_id:
            attrs[c.USER_ID] = self.user_id
        if self.turn_index is not None:
            attrs[c.SPAN_ATTR_TURN_INDEX] = self.turn_index
        return attrs

    def log_fields(self) -> dict[str, Any]:
        """The fields of the turn's JSON line: the span's names, so a log query reads alike."""
        return self.attributes()


NO_SESSION = SessionIds()


class Sessions:
    """The session part of one `init()`: how user ids are shown, and the turn counts."""

    def __init__(self, mode: str, key: str = "") -> None:
        self.mode = mode
        self._key = key.encode("utf-8") if key else b""
        self._turns: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()
        # What each id became (the ids of one session repeat every turn): a dict read instead of
        # the redaction check and the HMAC. At most MAX_SESSIONS entries each (then emptied), of
        # ids of at most ID_MAX_LENGTH characters: bounded in bytes whatever callers send.
        self._shown: dict[str, str] = {}
        self._users: dict[str, str] = {}
        # trace id -> the forms of its turns' raw user ids (text, repr), the MAX_SESSIONS
        # traces seen last: read at export, where exception texts lose them (`raw_users`)
        self._raw: OrderedDict[int, tuple[str, ...]] = OrderedDict()

    def _cached(self, cache: dict[str, str], value: object, make: Callable[[object], str]) -> str:
        # Not cached: a str subclass (its own hash or == may raise), and an id longer than a span
        # keeps (the cache would hold MAX_SESSIONS of them whole: 10,000 ids of 1 MB are 10 GB).
        if type(value) is not str or len(value) > ID_MAX_LENGTH:
            return make(value)
        shown = cache.get(value)
        if shown is None:
            shown = make(value)
            if len(cache) >= MAX_SESSIONS:
                cache.clear()
            cache[value] = shown
        return shown

    def user(self, user_id: object) -> str:
        """What goes on `user.id` for `user_id` ('' when nothing does)."""
        if user_id is None or self.mode == MODE_OMIT:
            return ""  # (an empty id is shown as nothing by `_user`)
        return self._cached(self._users, user_id, self._user)

    def _user(self, user_id: object) -> str:
        if self.mode == MODE_RAW:
            return safe_id(user_id)
        data = _id_bytes(user_id)
        if not data:  # no text at all (str() failed): nothing to show
            return ""
        if not self._key:
            self._key = _random_key()
        digest = hmac.new(self._key, data, hashlib.sha256).digest()
        return digest[:PSEUDONYM_BYTES].hex()

    def remember(self, trace_id: int, user_id: object) -> None:
        """Keep `user_id` as a raw id of trace `trace_id` (not in raw mode, nor an id that is
        shorter than SCRUB_MIN_LENGTH or longer than ID_MAX_LENGTH characters)."""
        if self.mode == MODE_RAW or user_id is None or not trace_id:
            return
        text = user_id if type(user_id) is str else _str(user_id)
        if not SCRUB_MIN_LENGTH <= len(text) <= ID_MAX_LENGTH:
            return
        forms = (text, shown) if (shown := repr(text)[1:-1]) != text else (text,)
        with self._lock:
            known = self._raw.pop(trace_id, ())
            kept = (*(f for f in known if f not in forms), *forms)  # the latest user last
            self._raw[trace_id] = kept[-_MAX_FORMS:]
            if len(self._raw) > MAX_SESSIONS:
                self._raw.popitem(last=False)

    def raw_users(self, trace_id: int) -> re.Pattern[str] | None:
        """The raw user ids of trace `trace_id` as one pattern for `scrub` (see `remember`), or
        None."""
        forms = self._raw.get(trace_id)
        return _pattern(forms) if forms else None

    def next_turn(self, session_id: str) -> int:
        """The index of a new turn of `session_id` in this process (0 for its first)."""
        with self._lock:
            index = self._turns.pop(session_id, -1) + 1
            self._turns[session_id] = index
            if len(self._turns) > MAX_SESSIONS:
                self._turns.popitem(last=False)
        return index

    def ids(self, session_id: object, user_id: object, turn_index: int | None = None) -> SessionIds:
        """The safe ids of a turn; without `turn_index`, the turn is counted here."""
        session = "" if session_id is None else self._cached(self._shown, session_id, safe_id)
        if turn_index is None:
            index = self.next_turn(session) if session else None
        elif (
            isinstance(turn_index, int)
            and not isinstance(turn_index, bool)
            and 0 <= turn_index <= INT_MAX
        ):
            index = int(turn_index)
        else:
            index = None  # not a count: left off the span
        return SessionIds(session, self.user(user_id), index)


class AdkTurnCounter:
    """The index of an ADK run within its session: the distinct invocation ids of the session's
    earlier events. Events are append-only, so each session's count is cached and only new events
    are read (at most `max_sessions` sessions, least recently used first out). A session is its
    app, user and id, as ADK's session services key it: users may share an id (`main`)."""

    def __init__(self, max_sessions: int = MAX_SESSIONS) -> None:
        self._max = max_sessions
        self._seen: OrderedDict[tuple[str, ...] | int, tuple[int, int, str]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, session: Any, invocation_id: str) -> int | None:
        events = getattr(session, "events", None)
        if not isinstance(events, list):
            return None
        # Long ids (a client may choose them) are kept as their hash, not whole: a collision
        # would only count two sessions' turns together.
        ident = tuple(_str(getattr(session, name, "")) for name in ("app_name", "user_id", "id"))
        key: tuple[str, ...] | int = ident
        if sum(len(part) for part in ident) > ID_MAX_LENGTH:
            key = hash(ident)
        with self._lock:
            read, count, last = self._seen.pop(key, (0, 0, ""))
            if read > len(events):  # rewound or replaced: count again
                read, count, last = 0, 0, ""
            for event in events[read:]:
                inv = getattr(event, "invocation_id", "")
                if inv == invocation_id:
                    break  # this run's own events: read again next time, once it has ended
                if inv and inv != last:  # one run's events are contiguous
                    count, last = count + 1, inv
                read += 1
            self._seen[key] = (read, count, last)
            while len(self._seen) > self._max:
                self._seen.popitem(last=False)
        return count
