"""Hostile Prometheus answers, for every command that reads one (report, gate, canary-check,
lint --prometheus).

`cases()` generates the answers a broken Prometheus or proxy could give: the API's JSON in
every wrong shape (a string where a list belongs, a sample without `value`, 100,000 nested
brackets, bare NaN, a huge integer...), HTTP failures (401 echoing the token, a 5 MB error
page, a redirect to another origin, redirect loops), and broken HTTP framing. A fake server
(fake_prometheus.py) gives each; every command must then exit 3 with exactly one stderr line
of bounded length, with no control character, no traceback and no credential in it, and print
nothing (a rejected query is canary-check's Error phase: its lines say so, still exit 3).

Then the values a proxy in front of a real Prometheus can corrupt (NaN, negative, missing,
1e308 errors): no data, never zero and never a PASS; the JSON report stays strict JSON. And
the time and size bounds: a server dripping one byte a second, a 50 MB answer.
"""

from __future__ import annotations

import json
import math
import re
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from tests.checks.history import END
from tests.hostile.fake_prometheus import (
    FakePrometheus,
    Reply,
    Request,
    api,
    body,
    forward,
    http,
    samples,
)
from tests.hostile.test_corpus import run

from adk_observe import conventions as c
from adk_observe.checks.prom_http import MAX_RESPONSE_BYTES
from adk_observe.checks.report import PARALLEL_SERVICES
from adk_observe.demo.prometheus import PrometheusServer
from adk_observe.errors import MESSAGE_LIMIT, printable

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples" / "support-agent.yaml"
DEPLOY = ROOT / "deploy"
TOKEN = "s3cr3t-t0ken-4f9a2c"  # what the token file holds; must never be printed
UNUSABLE = 3
FORMATS = ("text", "json", "markdown", "html")


@dataclass(frozen=True)
class Case:
    name: str
    reply: bytes | Callable[[], bytes]  # large replies are built when their test runs
    message: str  # in the one stderr line
    # canary-check's view where it differs: a query the server refused is Argo's Error phase
    # (its line on stdout), a matrix or an empty result is data to it.
    canary: tuple[int, str] | None = None
    pause: float = 0.0


def _vector(*items: Any) -> bytes:
    return api({"resultType": "vector", "result": list(items)})


def _sample(value: Any = None, metric: Any = None, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"metric": {} if metric is None else metric, **extra}
    if value is not None:
        item["value"] = value
    return item


NOT_JSON = "did not answer with the Prometheus API's JSON"
NOT_OBJECT = "an unusable answer to '"  # followed by the query and the reason
BROKEN = "a broken HTTP answer"


def shape_cases() -> Iterator[Case]:
    """Answers with HTTP 200 whose body is not the API's JSON, or not its shape."""
    yield Case("a login page", body("<html>a login page</html>"), NOT_JSON)
    for name, text in (("a list", "[]"), ("a string", '"success"'), ("null", "null")):
        yield Case(f"JSON {name}", body(text), "an answer that is not an object")
    yield Case("no status", body('{"data": {"resultType": "vector", "result": []}}'), "`status`")
    yield Case(
        "status error with HTTP 200",
        body('{"status": "error", "error": "boom"}'),
        "query failed: boom",
        canary=(3, "Error        support-agent-slo-gate/slo-success: http://127.0.0.1:"),
    )
    yield Case("no data", body('{"status": "success"}'), "without `data.result`")
    yield Case("data a string", api("x"), "without `data.result`")
    yield Case(
        "result a string where a list belongs",
        api({"resultType": "vector", "result": "oops"}),
        "a `result` that is not a list",
    )
    yield Case(
        "unknown resultType", api({"resultType": "streams", "result": []}), "resultType 'streams'"
    )
    yield Case("no resultType", api({"result": []}), "an unknown resultType None")
    yield Case("item a string", _vector("x"), "a result item that is not an object")
    yield Case("item without value", _vector({"metric": {}}), "a result item without `value`")
    pair = 'a sample that is not [time, "value"]'
    for name, value in (("a string", "1"), ("short", [1]), ("long", [1, "2", 3]), ("{}", {})):
        yield Case(f"value {name}", _vector(_sample(value)), pair)
    for name, value in (("abc", "abc"), ("null", None), ("true", True), ("an object", {})):
        yield Case(
            f"sample value {name}",
            _vector({"metric": {}, "value": [1, value]}),
            "a sample value that is not a number",
        )
    yield Case("time a string", _vector(_sample(["abc", "1"])), "a sample time that is not")
    yield Case("time 10**400", _vector(_sample([10**400, "1"])), "a sample time that is not")
    yield Case("metric a string", _vector(_sample([1, "1"], "job")), "`metric` that is not")
    yield Case(
        "label value a number",
        _vector(_sample([1, "1"], {"slo": 5})),
        "a label value that is not a string",
    )
    yield Case("scalar malformed", api({"resultType": "scalar", "result": [1]}), pair)
    yield Case(
        "a matrix for an instant query",
        api({"resultType": "matrix", "result": []}),
        "a matrix where a vector was expected",
        canary=(4, ""),  # Argo reads a matrix's values: none here, so Inconclusive
    )
    yield Case(
        "a string result",
        api({"resultType": "string", "result": [1, "x"]}),
        "a string where a vector was expected",
        canary=(3, "Prometheus metric type not supported: string"),
    )
    yield Case("100,000 nested brackets", body("[" * 100_000), "JSON nested too deeply")
    deep = '{"status": "success", "data": {"resultType": "vector", "result": ' + "[" * 100_000
    yield Case("nested brackets in result", body(deep), "JSON nested too deeply")
    nan = '{"status": "success", "data": {"resultType": "vector", "result": [{"value": [1, NaN]}]}}'
    yield Case("a bare NaN", body(nan), NOT_JSON)
    yield Case("invalid UTF-8", body(b'{"status": "\xff\xfe"}'), NOT_JSON)
    digits = "1" * 5000
    yield Case("a 5,000-digit number", body(f'{{"status": "success", "x": {digits}}}'), NOT_JSON)


def http_cases(other_origin: str) -> Iterator[Case]:
    """HTTP failures, redirects and broken framing."""
    yield Case("HTTP 500 page", http(500, b"<html>oops</html>"), "HTTP 500 Whatever for '")
    yield Case("HTTP 503 empty", http(503, b""), "HTTP 503 Whatever for '")
    yield Case(
        "HTTP 404 from a proxy", http(404, b"404 page not found", reason="Not Found"), "HTTP 404"
    )
    yield Case(
        "5 MB error text with escapes",
        lambda: http(500, b"\x1b[31mE\r\n" * (5 * 1024 * 1024 // 9)),
        "HTTP 500 Whatever for '",
    )
    refused = b'{"status":"error","errorType":"bad_data","error":"parse error at char 3"}'
    yield Case(
        "HTTP 400 from the API",
        http(400, refused),
        "HTTP 400 Whatever for '",
        canary=(3, "slo-success: http://127.0.0.1:"),  # and "HTTP 400 ...: parse error at char 3"
    )
    yield Case(
        "redirect to another origin",
        http(302, b"", f"Location: {other_origin}/api/v1/query"),
        "redirected to another origin (http://127.0.0.1:",
    )
    yield Case(
        "redirect to a file",
        http(307, b"", "Location: file:///etc/passwd"),
        "redirected to another origin (file://",
    )
    yield Case(
        "redirect to https on the same host",
        http(308, b"", "Location: https://127.0.0.1/api/v1/query"),
        "redirected to another origin (https://127.0.0.1:443)",
    )
    yield Case("redirect loop", http(307, b"", "Location: /api/v1/query"), "more than 3 redirects")
    yield Case("redirect without Location", http(302, b""), "HTTP 302 without a Location")
    yield Case("a bad status line", b"HTTP/1.1 abc\r\n\r\n", BROKEN)
    yield Case("garbage", b"\x00\x01\x02 garbage \x1b[2J\r\n\r\n", BROKEN)
    yield Case("closed without an answer", b"", BROKEN)
    yield Case(
        "a body shorter than its Content-Length",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{}",
        "a broken HTTP answer (the body ended after 2 of 1,000 bytes)",
    )
    yield Case(
        "a broken chunk",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        BROKEN,
    )
    many = "".join(f"X-H{i}: v\r\n" for i in range(200))
    yield Case(
        "200 headers", f"HTTP/1.1 200 OK\r\n{many}\r\n".encode(), "got more than 100 headers"
    )
    yield Case(
        "a 70 KB header line",
        b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n",
        "LineTooLong",
    )
    head = b'{"status":"success","data":{"resultType":"vector","result":['
    yield Case(
        "a declared 50 MB answer",
        lambda: http(200, head + b" " * (50 << 20) + b"]}}"),
        "an answer of 52,428,",
    )
    yield Case(
        "an undeclared 50 MB answer",
        lambda: b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + head + b" " * (50 << 20),
        f"an answer larger than the {MAX_RESPONSE_BYTES:,}-byte limit",
    )


def echo_401(request: Request) -> Reply:
    """A proxy that refuses and echoes what it was sent (tokens included) in its error."""
    sent = request.headers.get("Authorization", "")
    text = json.dumps({"status": "error", "error": f"invalid credentials: {sent!r}"})
    return Reply(http(401, text.encode(), reason="Unauthorized"))


COMMANDS = {
    "report": ["report", str(SPEC)],
    "report json": ["report", str(SPEC), "--format", "json"],
    "gate": ["gate", str(SPEC), "--min-budget", "10"],
    "canary-check": ["canary-check", str(DEPLOY), "--canary-hash", "abc1", "--stable-hash", "d2"],
    # its latency SLI makes lint ask for the live buckets; the spec's own note is not the answer's
    "lint": ["lint", str(ROOT / "tests" / "hostile" / "specs" / "apiserver-latency.yaml")],
}


def _token_file(tmp_path: Path) -> str:
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    return str(path)


def _run(command: str, url: str, tmp_path: Path, *extra: str) -> tuple[int, str, str]:
    argv = [*COMMANDS[command], "--prometheus", url, "--timeout", "20", *extra]
    code, out, err = run(*argv, "--bearer-token-file", _token_file(tmp_path))
    if command == "lint":
        err = "".join(line for line in err.splitlines(True) if not line.startswith("note: "))
    return code, out, err


def assert_one_clean_line(err: str, message: str) -> None:
    """One line, `error: ...`, bounded, printable, with `message`, without the token."""
    assert err.endswith("\n") and err.count("\n") == 1, err[:2000]
    line = err.rstrip("\n")
    assert line.startswith("error: "), line
    assert len(line) <= MESSAGE_LIMIT + len("error: ")
    assert printable(line, len(line)) == line  # no control character reaches the terminal
    assert message in line, line
    assert "Traceback" not in line and TOKEN not in line


ALL = [*shape_cases(), *http_cases("http://127.0.0.1:1")]


def test_the_generator_covers_the_documented_shapes() -> None:
    names = {c.name for c in ALL}
    assert len(names) == len(ALL) >= 45  # unique and many
    assert {"100,000 nested brackets", "redirect to another origin", "a bare NaN"} <= names


@pytest.mark.parametrize("case", ALL, ids=[c.name for c in ALL])
def test_a_hostile_answer_is_one_exit_3_line_for_every_command(case: Case, tmp_path: Path) -> None:
    reply = case.reply() if callable(case.reply) else case.reply
    with FakePrometheus(lambda _: Reply(reply, case.pause)) as fake:
        for command in COMMANDS:
            code, out, err = _run(command, fake.url, tmp_path)
            assert TOKEN not in out + err
            if command == "canary-check" and case.canary is not None:
                expected, text = case.canary
                assert (code, err) == (expected, ""), err
                assert text in out
                assert all(printable(line, len(line)) == line for line in out.splitlines())
                continue
            assert (command, code, out) == (command, UNUSABLE, "")
            assert_one_clean_line(err, case.message)
        # The credential went to the server, and only there.
        assert all(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in fake.requests)


def test_a_token_echoed_by_the_server_is_redacted(tmp_path: Path) -> None:
    with FakePrometheus(echo_401) as fake:
        for command in COMMANDS:
            code, out, err = _run(command, fake.url, tmp_path)
            assert (code, out) == (UNUSABLE, "")
            assert_one_clean_line(err, "HTTP 401 Unauthorized for '")
            assert "invalid credentials: '[REDACTED]'" in err


def test_a_password_in_the_url_is_sent_as_basic_auth_and_never_shown(tmp_path: Path) -> None:
    with FakePrometheus(echo_401) as fake:
        url = fake.url.replace("http://", "http://admin:hunter2-pass%40word@")
        code, out, err = run(*COMMANDS["gate"], "--prometheus", url)
        assert (code, out) == (UNUSABLE, "")
        assert_one_clean_line(err, f"error: {fake.url}: HTTP 401 Unauthorized")
        for secret in ("hunter2", "admin:", "YWRtaW46aHVudGVyMi1wYXNzQHdvcmQ="):
            assert secret not in err
        # what the server received: Basic base64("admin:hunter2-pass@word")
        assert fake.requests[0].headers["Authorization"] == "Basic YWRtaW46aHVudGVyMi1wYXNzQHdvcmQ="


def test_a_password_in_the_url_never_reaches_a_report(tmp_path: Path) -> None:
    vector = api({"resultType": "vector", "result": []})
    matrix = api({"resultType": "matrix", "result": []})  # the HTML report's charts
    with FakePrometheus(lambda r: Reply(matrix if "query_range" in r.path else vector)) as fake:
        url = fake.url.replace("http://", "http://admin:hunter2-pass@")
        outputs = [run("report", str(SPEC), "--prometheus", url, "--format", f) for f in FORMATS]
    for fmt, (code, out, err) in zip(FORMATS, outputs, strict=True):
        assert (code, err) == (0, "")
        assert "hunter2" not in out and "admin" not in out
        assert fmt == "markdown" or fake.url in out  # the URL shown, without its user info


def test_a_same_origin_redirect_is_followed(tmp_path: Path) -> None:
    empty = api({"resultType": "vector", "result": []})

    def respond(request: Request) -> Reply:
        if request.path.startswith("/moved/"):
            return Reply(empty)
        return Reply(http(307, b"", f"Location: /moved{request.path}"))

    with FakePrometheus(respond) as fake:
        code, out, err = _run("gate", fake.url, tmp_path)
    # An empty store: no data, exit 4; every query was POSTed again to the new place.
    assert (code, err) == (4, "")
    assert out.startswith("NO DATA support-agent/")
    moved = [r for r in fake.requests if r.path.startswith("/moved/")]
    assert moved and all(r.method == "POST" and r.form.get("query") for r in moved)


# --- time and size ------------------------------------------------------------------------------


def test_a_server_dripping_one_byte_a_second_cannot_hold_gate_past_its_timeout(
    tmp_path: Path,
) -> None:
    answer = api({"resultType": "vector", "result": []})  # ~80 bytes: 80 s at 1 byte/s
    with FakePrometheus(lambda _: Reply(answer, pause=1.0)) as fake:
        code, out, err = run(*COMMANDS["gate"], "--prometheus", fake.url, "--timeout", "3")
        sent = fake.sent
    assert (code, out) == (UNUSABLE, "")
    assert_one_clean_line(err, "is unreachable: timed out (no complete answer within the 3 s")
    # The client hung up long before the answer was complete (a per-read timeout never would:
    # every byte arrives within a second).
    assert sent < len(answer) // 2


def test_the_command_deadline_bounds_every_query_together(tmp_path: Path) -> None:
    answer = api({"resultType": "vector", "result": []})
    with FakePrometheus(lambda _: Reply(answer, pause=0.5)) as fake:
        argv = ["--prometheus", fake.url, "--timeout", "600", "--deadline", "2"]
        code, out, err = run(*COMMANDS["report"], *argv)
        requests, sent = len(fake.requests), fake.sent
    assert (code, out) == (UNUSABLE, "")
    assert_one_clean_line(err, "timed out (no complete answer within the 2 s deadline)")
    assert requests == 1 and sent < len(answer) // 2


def test_the_first_failure_ends_the_report_without_starting_the_other_services(
    tmp_path: Path,
) -> None:
    text = SPEC.read_text()
    specs = []
    for i in range(PARALLEL_SERVICES + 3):
        path = tmp_path / f"s{i}.yaml"
        path.write_text(text.replace("name: support-agent", f"name: svc-{i}", 1))
        specs.append(str(path))
    answer = api({"resultType": "vector", "result": []})
    with FakePrometheus(lambda _: Reply(answer, pause=0.5)) as fake:
        argv = ["--min-budget", "1", "--prometheus", fake.url, "--timeout", "1"]
        code, out, err = run("gate", *specs, *argv)
        asked = {r.form["query"] for r in fake.requests}
    assert (code, out) == (UNUSABLE, "")
    assert_one_clean_line(err, "timed out (no complete answer within the 1 s query timeout)")
    # The services in flight when the first query timed out were asked once each; the ones
    # not started yet were cancelled, not asked after it (each would cost another timeout).
    assert 1 <= len(asked) <= PARALLEL_SERVICES


def test_a_50_mb_answer_costs_the_cap_not_50_mb(tmp_path: Path) -> None:
    sample = b'{"metric":{"slo":"x"},"value":[1,"1"]},'
    big = b'{"status":"success","data":{"resultType":"vector","result":['
    big += sample * (50 * 1024 * 1024 // len(sample)) + b"{}]}}"
    reply = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + big
    with FakePrometheus(lambda _: Reply(reply)) as fake:
        tracemalloc.start()
        try:
            code, _, err = run(*COMMANDS["gate"], "--prometheus", fake.url)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert code == UNUSABLE
    assert_one_clean_line(err, "an answer larger than the")
    # The cap and one copy of it (the chunks, then joined), not 50 MB (283 MB before the cap).
    assert peak < 3 * MAX_RESPONSE_BYTES, f"{peak:,} bytes"


# --- a broken proxy in front of a real Prometheus -----------------------------------------------


def _is_error_figure(sample: dict[str, Any]) -> bool:
    metric = sample.get("metric", {})
    name = metric.get("__name__", "")
    return metric.get(c.LABEL_REPORT_PART) == "errors" or name.startswith("slo:sli_error:ratio")


def _set_errors(value: str | None) -> Any:
    def rewrite(answer: dict[str, Any]) -> None:
        data = answer["data"]
        if value is None:
            data["result"] = [s for s in samples(answer) if not _is_error_figure(s)]
            return
        for s in samples(answer):
            if _is_error_figure(s) and "value" in s:
                s["value"][1] = value

    return rewrite


def _set_totals(value: str) -> Any:
    def rewrite(answer: dict[str, Any]) -> None:
        for s in samples(answer):
            if s.get("metric", {}).get(c.LABEL_REPORT_PART) == "total" and "value" in s:
                s["value"][1] = value

    return rewrite


CORRUPTIONS = {
    "NaN errors": _set_errors("NaN"),
    "+Inf errors": _set_errors("+Inf"),
    "negative errors": _set_errors("-1"),
    "missing errors": _set_errors(None),
    "1e308 totals (the sums overflow)": _set_totals("1e308"),
    "negative totals": _set_totals("-5"),
}


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_values_that_are_not_data_never_pass_the_gate(
    corruption: str,
    backfilled: PrometheusServer,
    specs: dict[str, Path],
    tmp_path: Path,
) -> None:
    # `steady` passes this gate on the real answers (60% of its budget left, tests/checks).
    gate = ["gate", str(specs["steady"]), "--min-budget", "10", "--at", str(END)]
    assert run(*gate, "--prometheus", backfilled.url)[0] == 0
    with FakePrometheus(forward(backfilled.url, CORRUPTIONS[corruption])) as proxy:
        code, out, err = run(*gate, "--prometheus", proxy.url)
        report = ["report", str(specs["steady"]), "--at", str(END), "--prometheus", proxy.url]
        json_code, json_out, _ = run(*report, "--format", "json")
    assert (code, err) == (4, "")
    unusable = "no usable value (NaN, negative, missing or out of range)"
    lines = out.splitlines()
    assert lines[0] == f"NO DATA steady/success: {unusable}"
    if "errors" in corruption:  # the uptime SLO's errors too
        assert lines[1] == f"NO DATA steady/availability: {unusable}"
    else:  # its budget is minutes, from its recorded ratio: the request count is not needed
        assert lines[1].startswith("PASS steady/availability: 100.00% of the 2d budget left")
    assert json_code == 0
    data = json.loads(json_out, parse_constant=lambda c: pytest.fail(f"{c} in the JSON"))
    success = data["services"][0]["slos"][0]
    assert (success["name"], success["status"]) == ("success", "no data")
    assert success["sli"] is None and success["budget"] is None


def test_a_1h_burn_that_is_not_data_never_passes_a_max_burn(
    backfilled: PrometheusServer, specs: dict[str, Path]
) -> None:
    # `steady` passes on the real answers: 0.4% errors of a 1% budget, 60% left, 1h burn 0.4x
    # (at most 2). A proxy turns every 1h error figure (the recorded 1h ratio, and the mean
    # error rate over 1h the report falls back on) into NaN: the burn cannot be shown to be at
    # most 2, so the SLO has no data (exit 4), however much budget is left. Before: "PASS
    # steady/success: 60.00% of the 2d budget left, 1h burn: no data", exit 0.
    gate = ["gate", str(specs["steady"]), "--min-budget", "10", "--max-burn", "2"]
    gate += ["--at", str(END)]
    assert run(*gate, "--prometheus", backfilled.url)[0] == 0

    def nan_1h(answer: dict[str, Any]) -> None:
        for s in samples(answer):
            metric = s.get("metric", {})
            hour = metric.get(c.LABEL_REPORT_WINDOW) == "1h" and _is_error_figure(s)
            if hour or metric.get("__name__") == c.record_sli_error_ratio("1h"):
                s["value"][1] = "NaN"

    with FakePrometheus(forward(backfilled.url, nan_1h)) as proxy:
        code, out, err = run(*gate, "--prometheus", proxy.url)
    unusable = "no usable value (NaN, negative, missing or out of range)"
    assert (code, err) == (4, ""), out
    assert out.splitlines()[0] == f"NO DATA steady/success: 1h burn: {unusable}"
    # Without --max-burn the burn is not part of the policy: the budget alone passes.
    with FakePrometheus(forward(backfilled.url, nan_1h)) as proxy:
        code, out, _ = run(*gate[:4], "--at", str(END), "--prometheus", proxy.url)
    assert code == 0, out
    assert out.startswith("PASS steady/success: 60.00% of the 2d budget left, 1h burn: no data")


def test_a_partial_answer_never_passes_the_gate(
    backfilled: PrometheusServer, specs: dict[str, Path]
) -> None:
    """Prometheus answers `success` with `warnings` when a remote-read or Thanos store did not
    answer: the data may be partial, and a gate must not pass on it. `steady` passes on the
    real answers (60% of its budget left); a proxy adds a warning to one query's answer (the
    first one asking for the 1h window): every PASS becomes NO DATA naming the warning (exit 4),
    a failure stays one, and `report` prints the warning on stderr. Before: exit 0, the warning
    unread."""
    gate = ["gate", str(specs["steady"]), "--min-budget", "10", "--at", str(END)]
    real_code, real_out, _ = run(*gate, "--prometheus", backfilled.url)
    assert real_code == 0
    passed = real_out.splitlines()
    warning = "remote_read: store prom-archive:9090 did not answer"

    def warn_once(answer: dict[str, Any]) -> None:
        if any(s.get("metric", {}).get(c.LABEL_REPORT_WINDOW) == "1h" for s in samples(answer)):
            answer["warnings"] = [warning]

    with FakePrometheus(forward(backfilled.url, warn_once)) as proxy:
        code, out, err = run(*gate, "--prometheus", proxy.url)
        failing = ["gate", str(specs["steady"]), "--min-budget", "70", "--at", str(END)]
        fail_code, fail_out, _ = run(*failing, "--prometheus", proxy.url)
        report = ["report", str(specs["steady"]), "--at", str(END), "--prometheus", proxy.url]
        report_code, _, report_err = run(*report)
    assert (code, err) == (4, ""), out
    assert passed[0].startswith("PASS steady/success: 60.00% of the 2d budget left")
    assert out.splitlines() == [
        f"NO DATA {line.removeprefix('PASS ')} (from a partial answer): Prometheus warned: "
        f"{warning}"
        for line in passed
    ]
    assert fail_code == 1 and fail_out.startswith("FAIL steady/success: 60.00%"), fail_out
    assert (report_code, report_err) == (0, f"warning: Prometheus warned: {warning}\n")


def test_a_no_data_slo_beside_a_failing_one_fails_the_gate(
    backfilled: PrometheusServer, specs: dict[str, Path]
) -> None:
    argv = ["gate", str(specs["steady"]), str(specs["quiet"]), "--min-budget", "70"]
    code, out, err = run(*argv, "--at", str(END), "--prometheus", backfilled.url)
    lines = out.splitlines()
    assert lines[0].startswith("FAIL steady/success: 60.00% of the 2d budget left")
    assert "NO DATA quiet/success: no traffic in the window" in lines
    assert (code, err) == (1, "")  # a failure is a failure, whatever else had no data


@dataclass
class _Relabel:
    """Rewrites the label values of the firing alerts the report reads."""

    values: dict[str, str] = field(default_factory=dict)

    def __call__(self, answer: dict[str, Any]) -> None:
        for s in samples(answer):
            metric = s.get("metric", {})
            if metric.get("__name__") == "ALERTS":
                metric.update(self.values)


HOSTILE_LABELS = {
    "alertname": "<img src=x onerror=alert(1)>|a|b`*_[x](y)",
    "severity": "\x1b[31mred\x1b[0m\r\nSpoofed: line",
    "windows": "\u202egnp.exe\udcff" + "w" * 5000,
}


def test_label_values_never_reach_a_table_or_terminal_raw(
    backfilled: PrometheusServer, specs: dict[str, Path]
) -> None:
    report = ["report", str(specs["steady"]), "--at", str(END)]
    with FakePrometheus(forward(backfilled.url, _Relabel(HOSTILE_LABELS))) as proxy:
        outputs = {
            fmt: run(*report, "--prometheus", proxy.url, "--format", fmt)
            for fmt in ("text", "markdown", "json", "html")
        }
    for fmt, (code, out, err) in outputs.items():
        assert (fmt, code, err) == (fmt, 0, "")
        lines = out.replace("\n", " ")
        assert printable(lines, len(lines)) == lines, fmt  # no raw control character at all
        assert "w" * 300 not in out, fmt  # a label value is cut to 200 characters
    text = outputs["text"][1]
    assert "firing         <img src=x onerror=alert(1)>|a|b`*_[x](y) \\x1b[31mred\\x1b[0m" in text
    row = next(line for line in outputs["markdown"][1].splitlines() if "| success |" in line)
    assert len(re.findall(r"(?<!\\)\|", row)) == 11  # the 10 cells of the table, no more
    assert "&lt;img src=x onerror=alert(1)&gt;\\|a\\|b\\`\\*\\_\\[x\\](y)" in row
    html = outputs["html"][1]
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    data = json.loads(outputs["json"][1])
    firing = data["services"][0]["slos"][0]["firing"][0]
    assert firing["alertname"] == HOSTILE_LABELS["alertname"]
    assert firing["severity"] == "\\x1b[31mred\\x1b[0m\\x0d\\x0aSpoofed: line"
    assert firing["windows"].startswith("\\u202egnp.exe\ufffd")  # the surrogate: U+FFFD
    assert math.isfinite(data["services"][0]["slos"][0]["budget_remaining"])
