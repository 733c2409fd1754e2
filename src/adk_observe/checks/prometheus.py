"""The Prometheus HTTP API client of `report`, `gate`, `canary-check` and lint's live mode.

Instant and range queries under a deadline per query (`timeout`) and, optionally, one for the
client's whole life (`deadline`: the command), over the hardened HTTP of prom_http.py. Every
failure (unreachable, timed out, an HTTP or PromQL error, an answer too large, a body that is
not the API's JSON or not its shape) is a PrometheusUnavailableError, which the CLI turns into
exit code 3: one line of bounded length, control characters escaped, and no credential in it
(the URL's user info, header values and tokens are redacted even when the server echoes them).

Answers are checked shape by shape (a string where a list belongs, a sample without `value`,
100,000 nested brackets, a label value that is not a string...); label values are valid text
(lone surrogates replaced). `query()` and `query_range()` drop values that are not finite:
those are not data. `instant()` keeps them, as Argo's analysis sees them, and returns the
answer's `warnings` with its result (a remote-read store or a Thanos store that did not answer:
the data may be partial), redacted and bounded like every message; the client keeps every
answer's warnings (`warnings`) for the report and the gate.
"""

from __future__ import annotations

import base64
import json
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, NoReturn

from adk_observe import conventions as c
from adk_observe.checks import prom_http as h
from adk_observe.errors import (
    MESSAGE_LIMIT,
    CommandOptionError,
    PrometheusQueryError,
    PrometheusUnavailableError,
    printable,
    quote,
)

REDACTED = "[REDACTED]"
RESULT_TYPES = ("vector", "matrix", "scalar", "string")
UNUSABLE = PrometheusUnavailableError
MAX_WARNINGS = 5  # warnings of one answer kept (each bounded like a message)
PROMQL_INFO = "PromQL info: "  # an info-level annotation, not a warning (Prometheus's annotations)
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Sample:
    labels: dict[str, str]
    value: float


@dataclass(frozen=True)
class Series:
    labels: dict[str, str]
    points: tuple[tuple[float, float], ...]  # (unix seconds, value)


@dataclass(frozen=True)
class Result:
    """An instant query's answer as Argo Rollouts sees it: its type and every value in order
    (a scalar is one value; NaN and infinities kept)."""

    kind: str
    values: tuple[float, ...]
    warnings: tuple[str, ...] = ()  # the API's `warnings`: the answer may be partial


def warned_text(warnings: Sequence[str]) -> str:
    """What a measurement or a verdict says of an answer's warnings ("" when none)."""
    return f"Prometheus warned: {printable('; '.join(warnings), 300)}" if warnings else ""


class _Malformed(Exception):
    """The answer's shape is not the API's (the message says where)."""


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise _Malformed(what)


def _text(value: str) -> str:
    """A lone surrogate (a `\\udcff` JSON escape) cannot be written in any output: U+FFFD."""
    return _SURROGATE.sub("\ufffd", value)


def _number(value: Any, what: str) -> float:
    _check(isinstance(value, (str, int, float)) and not isinstance(value, bool), what)
    try:
        return float(value)
    except (ValueError, OverflowError):
        raise _Malformed(f"{what} ({quote(value, 40)})") from None


def _labels(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    _check(isinstance(value, dict), "a `metric` that is not an object")
    _check(all(isinstance(v, str) for v in value.values()), "a label value that is not a string")
    return {_text(k): _text(v) for k, v in value.items()}


def _pair(value: Any) -> tuple[float, float]:
    _check(isinstance(value, list) and len(value) == 2, 'a sample that is not [time, "value"]')
    t = _number(value[0], "a sample time that is not a number")
    _check(math.isfinite(t), "a sample time that is not finite")
    return t, _number(value[1], "a sample value that is not a number")


def _items(result: Any, key: str) -> list[tuple[dict[str, str], Any]]:
    _check(isinstance(result, list), "a `result` that is not a list")
    out = []
    for item in result:
        _check(isinstance(item, dict), "a result item that is not an object")
        _check(key in item, f"a result item without `{key}`")
        out.append((_labels(item.get("metric")), item[key]))
    return out


def _no_constant(name: str) -> NoReturn:
    raise ValueError(
        f"{name} is not JSON"
    )  # Python's json reads NaN/Infinity; the API never sends them


class PrometheusClient:
    def __init__(
        self,
        url: str,
        timeout: float = c.PROMETHEUS_QUERY_TIMEOUT,
        *,
        deadline: float | None = None,
        headers: Sequence[tuple[str, str]] = (),
        secrets: Sequence[str] = (),
        ca_pem: str | None = None,
        max_bytes: int = h.MAX_RESPONSE_BYTES,
    ) -> None:
        """`url` may carry `user:password@` (sent as Basic auth); `headers` are sent with every
        request and their values, like `secrets`, never appear in a message."""
        try:
            self.endpoint = h.Endpoint.parse(url)
        except CommandOptionError as exc:
            raise CommandOptionError(f"the Prometheus URL: {exc}") from None
        self.url = self.endpoint.display  # what messages and reports show
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._command = (
            None if deadline is None else h.Deadline(deadline, f"the {deadline:g} s deadline")
        )
        self._headers = list(headers)
        hidden = [*secrets, *(value for _, value in headers)]
        if self.endpoint.username or self.endpoint.password:
            user = f"{self.endpoint.username}:{self.endpoint.password}"
            basic = base64.b64encode(user.encode()).decode()
            self._headers.append(("Authorization", f"Basic {basic}"))
            hidden += [user, basic, self.endpoint.password]
        # Longest first, so a secret containing another is redacted whole.
        self._secrets = sorted({s for s in hidden if len(s) >= 4}, key=len, reverse=True)
        self._tls = h.tls_context(ca_pem) if self.endpoint.scheme == "https" else None
        self._stopped = threading.Event()
        self._warned: dict[str, None] = {}  # every answer's warnings, in order, each once
        self._warned_lock = threading.Lock()  # reports query from several threads

    @property
    def warnings(self) -> tuple[str, ...]:
        """The warnings of every answer so far (a remote-read or Thanos store that did not
        answer: the data may be partial), each once, at most MAX_WARNINGS."""
        with self._warned_lock:
            return tuple(self._warned)

    def abort(self) -> None:
        """Fail every later query at once (an earlier one already failed the command)."""
        self._stopped.set()

    def safe(self, message: str) -> str:
        """`message` with every credential redacted, on one line, control characters escaped."""
        for secret in self._secrets:
            message = message.replace(secret, REDACTED)
        return printable(" ".join(message.split()), MESSAGE_LIMIT)

    def _fail(self, error: type[PrometheusUnavailableError], message: str) -> NoReturn:
        raise error(self.safe(message)) from None

    def _api(self, path: str, form: dict[str, str]) -> dict[str, Any]:
        """The `data` object of a successful API answer (its warnings are kept: `warnings`)."""
        return self._answer(path, form)[0]

    def _answer(self, path: str, form: dict[str, str]) -> tuple[dict[str, Any], tuple[str, ...]]:
        """The `data` object of a successful API answer and its `warnings`."""
        if self._stopped.is_set():
            self._fail(UNUSABLE, f"{self.url}: not queried (another query failed)")
        what = quote(form.get("query", path), 80)
        deadline = h.Deadline.earliest(
            h.Deadline(self.timeout, f"the {self.timeout:g} s query timeout"), self._command
        )
        try:
            answer = h.request(
                self.endpoint,
                f"/api/v1/{path}",
                form,
                self._headers,
                self._tls,
                deadline,
                self.max_bytes,
            )
        except h.UnreachableError as exc:
            self._fail(UNUSABLE, f"{self.url} is unreachable: {exc}")
        except h.TransportError as exc:
            self._fail(UNUSABLE, f"{self.url}: {exc} for {what}")
        if not 200 <= answer.status < 300:
            self._http_error(answer, what)
        try:
            body = json.loads(answer.body, parse_constant=_no_constant)
        except RecursionError:
            self._fail(
                UNUSABLE, f"{self.url}: an unusable answer to {what}: JSON nested too deeply"
            )
        except ValueError:
            self._fail(UNUSABLE, f"{self.url} did not answer with the Prometheus API's JSON")
        try:
            data, warnings = self._data(body), self._warnings(body)
        except _Malformed as exc:
            self._fail(UNUSABLE, f"{self.url}: an unusable answer to {what}: {exc}")
        if warnings:
            with self._warned_lock:
                for warning in warnings:
                    if len(self._warned) < MAX_WARNINGS:
                        self._warned.setdefault(warning, None)
        return data, warnings

    def _warnings(self, body: dict[str, Any]) -> tuple[str, ...]:
        """The answer's warnings, less PromQL's info-level notes (some Prometheus 2.x releases sent
        "PromQL info: metric might not be a counter..." among them; later versions send them
        apart, as `infos`): a hint about the query, not a sign of partial data."""
        warnings = body.get("warnings") or []
        _check(isinstance(warnings, list), "`warnings` that are not a list")
        _check(all(isinstance(w, str) for w in warnings), "a warning that is not a string")
        kept = [w for w in warnings if not w.startswith(PROMQL_INFO)]
        return tuple(self.safe(_text(w)) for w in kept[:MAX_WARNINGS])

    def _http_error(self, answer: h.Answer, what: str) -> NoReturn:
        try:
            body = json.loads(answer.body, parse_constant=_no_constant)
        except (RecursionError, ValueError):
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, str):
            detail = f": {h.excerpt(error)}"
        else:
            text = answer.body.decode("utf-8", "replace")
            detail = f": {h.excerpt(text)}" if text.strip() else ""
        # 400 (bad_data) or 422 (execution) with the API's error body: the query was read and
        # refused. Anything else (401, 403, 404, 5xx, a proxy's page) is no usable answer.
        refused = answer.status in (400, 422) and isinstance(error, str)
        kind = PrometheusQueryError if refused else UNUSABLE
        reason = h.excerpt(answer.reason, 60)
        self._fail(kind, f"{self.url}: HTTP {answer.status} {reason} for {what}{detail}")

    def _data(self, body: Any) -> dict[str, Any]:
        _check(isinstance(body, dict), "an answer that is not an object")
        if body.get("status") != "success":
            error = body.get("error")
            detail = f": {h.excerpt(error)}" if isinstance(error, str) else ""
            if body.get("status") == "error":
                raise PrometheusQueryError(self.safe(f"{self.url}: query failed{detail}"))
            raise _Malformed("no `status`")
        data = body.get("data")
        _check(isinstance(data, dict) and "result" in data, "an answer without `data.result`")
        kind = data.get("resultType")
        _check(kind in RESULT_TYPES, f"an unknown resultType {quote(kind, 40)}")
        _check(isinstance(data["result"], list), "a `result` that is not a list")
        out: dict[str, Any] = data
        return out

    # --- queries --------------------------------------------------------------------------------

    def _instant_data(self, expr: str, at: float | None) -> dict[str, Any]:
        form = {"query": expr} if at is None else {"query": expr, "time": f"{at:.3f}"}
        return self._api("query", form)

    def _parse(self, expr: str, parse: Any, *args: Any) -> Any:
        try:
            return parse(*args)
        except _Malformed as exc:
            self._fail(UNUSABLE, f"{self.url}: an unusable answer to {quote(expr, 80)}: {exc}")

    def instant(self, expr: str, at: float | None = None) -> Result:
        """Instant query at `at` (now when None): Argo's view of it (canary-check), with the
        answer's warnings."""
        form = {"query": expr} if at is None else {"query": expr, "time": f"{at:.3f}"}
        data, warnings = self._answer("query", form)
        result: Result = self._parse(expr, instant_result, data)
        return replace(result, warnings=warnings) if warnings else result

    def query(self, expr: str, at: float) -> list[Sample]:
        """Instant query at `at`; NaN and infinite values are dropped (they are not data)."""
        data = self._instant_data(expr, at)
        return self._parse(expr, _samples, data)  # type: ignore[no-any-return]

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Series]:
        form = {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"}
        data = self._api("query_range", form)
        return self._parse(expr, _series, data)  # type: ignore[no-any-return]


def _samples(data: dict[str, Any]) -> list[Sample]:
    kind, result = data["resultType"], data["result"]
    if kind == "scalar":
        value = _pair(result)[1]
        return [Sample({}, value)] if math.isfinite(value) else []
    _check(kind == "vector", f"a {kind} where a vector was expected")
    out = []
    for labels, pair in _items(result, "value"):
        value = _pair(pair)[1]
        if math.isfinite(value):
            out.append(Sample(labels, value))
    return out


def _series(data: dict[str, Any]) -> list[Series]:
    _check(data["resultType"] == "matrix", f"a {data['resultType']} where a matrix was expected")
    out = []
    for labels, values in _items(data["result"], "values"):
        _check(isinstance(values, list), "`values` that are not a list")
        points = tuple((t, v) for t, v in map(_pair, values) if math.isfinite(v))
        out.append(Series(labels, points))
    return out


def instant_result(data: dict[str, Any]) -> Result:
    kind, result = data["resultType"], data["result"]
    if kind == "scalar":
        return Result(kind, (_pair(result)[1],))
    if kind == "vector":
        return Result(kind, tuple(_pair(v)[1] for _, v in _items(result, "value")))
    if kind == "matrix":
        values = []
        for _, points in _items(result, "values"):
            _check(isinstance(points, list), "`values` that are not a list")
            values += [_pair(p)[1] for p in points]
        return Result(kind, tuple(values))
    return Result(kind, ())
